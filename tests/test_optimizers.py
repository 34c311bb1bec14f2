"""Tests for lrlab.optim.optimizers: torch trajectories, properties, parameter groups, bad input.

The reference trajectories come from ``fixtures/torch_optimizers.json``, written
by ``fixtures/make_torch_optimizers.py`` with torch in float64.
"""
from __future__ import annotations

import doctest
import inspect
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lrlab.optim.optimizers
from lrlab.optim.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "torch_optimizers.json").read_text())
CASES = FIXTURE["cases"]
CLASSES = {"SGD": SGD, "Adagrad": Adagrad, "RMSprop": RMSprop, "Adam": Adam, "AdamW": AdamW}
ALL = list(CLASSES.values())
TOL = 1e-12
PROPERTY = settings(max_examples=50, deadline=None)


def _as_arrays(tree):
    if isinstance(tree, dict):
        return {k: np.array(val, dtype=np.float64) for k, val in tree.items()}
    return np.array(tree, dtype=np.float64)


def _flat(tree):
    return tree.items() if isinstance(tree, dict) else [("params", tree)]


def _replay(label, *, callable_lr):
    """Run the fixture case through lrlab; yield (step, lrlab params, torch params)."""
    case = CASES[label]
    options = dict(case["options"])
    groups = [dict(g) for g in case["param_groups"]] if case["param_groups"] else None
    schedule = case["lr_schedule"]
    group_schedules = {int(i): s for i, s in (case["group_lr_schedules"] or {}).items()}
    if callable_lr:
        if schedule is not None:
            options["lr"] = lambda k, s=schedule: s[k]
        for i, s in group_schedules.items():
            groups[i]["lr"] = lambda k, s=s: s[k]
    opt = CLASSES[case["optimizer"]](groups, **options)
    params = _as_arrays(case["params0"])
    for k in range(FIXTURE["steps"]):
        if not callable_lr:
            if schedule is not None:
                opt.lr = schedule[k]
            for i, s in group_schedules.items():
                opt.param_groups[i]["lr"] = s[k]
        params = opt.step(params, _as_arrays(case["grads"][k]))
        yield k, params, _as_arrays(case["params"][k])


# --------------------------------------------------------------------------- agreement with torch
@pytest.mark.parametrize("label", list(CASES))
def test_every_step_matches_torch(label):
    for k, ours, theirs in _replay(label, callable_lr=False):
        for (name, a), (_, b) in zip(_flat(ours), _flat(theirs)):
            np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL,
                                       err_msg=f"{label}: parameter {name!r} after step {k + 1}")


@pytest.mark.parametrize("label", [label for label, c in CASES.items() if c["lr_schedule"] is not None])
def test_callable_lr_matches_torch_with_changing_lr(label):
    for k, ours, theirs in _replay(label, callable_lr=True):
        for (name, a), (_, b) in zip(_flat(ours), _flat(theirs)):
            np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL,
                                       err_msg=f"{label} (lr as a callable): {name!r} after step {k + 1}")


def test_fixture_covers_every_optimizer_with_groups_and_lr_changes():
    for name in CLASSES:
        kinds = {("groups" if c["param_groups"] else "") + ("lr" if c["lr_schedule"] else "")
                 for c in CASES.values() if c["optimizer"] == name}
        assert {"", "groups"} <= kinds, f"{name}: fixture lacks a plain or a param-group case ({kinds})"
    assert any(c["lr_schedule"] and c["group_lr_schedules"] for c in CASES.values()), "no per-group lr change"


@pytest.mark.parametrize("name", list(CLASSES))
def test_keywords_and_defaults_match_torch(name):
    dropped = {"foreach", "fused", "capturable", "differentiable"}
    theirs = {k: val for k, val in FIXTURE["signatures"][name].items() if k not in dropped}
    ours = {p.name: p.default for p in inspect.signature(CLASSES[name]).parameters.values()
            if p.name != "param_groups"}
    assert set(ours) == set(theirs), f"{name}: keywords {sorted(ours)}, torch has {sorted(theirs)}"
    for key, default in theirs.items():
        mine = list(ours[key]) if isinstance(ours[key], tuple) else ours[key]
        assert mine == default, f"{name}({key}=...) default is {ours[key]!r}, torch has {default!r}"


# --------------------------------------------------------------------------- properties
def _finite(low=-100.0, high=100.0):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@st.composite
def configs(draw, weight_decay=None):
    """(class, options) for any optimizer; ``weight_decay`` None draws it, else forces 0 or > 0."""
    cls = draw(st.sampled_from(ALL))
    if weight_decay is None:
        wd = draw(st.one_of(st.just(0.0), st.floats(1e-3, 0.5)))
    else:
        wd = draw(st.floats(1e-3, 0.5)) if weight_decay else 0.0
    o = {"lr": draw(st.floats(1e-4, 1.0)), "weight_decay": wd, "maximize": draw(st.booleans())}
    if cls is SGD:
        o["momentum"] = draw(st.one_of(st.just(0.0), st.floats(0.1, 0.99)))
        o["nesterov"] = o["momentum"] > 0 and draw(st.booleans())
        o["dampening"] = 0.0 if o["nesterov"] else draw(st.floats(0.0, 1.0))
    elif cls is Adagrad:
        o.update(lr_decay=draw(st.floats(0.0, 1.0)), initial_accumulator_value=draw(st.floats(0.0, 2.0)),
                 eps=draw(st.floats(1e-12, 1e-3)))
    elif cls is RMSprop:
        o.update(alpha=draw(st.floats(0.0, 0.999)), eps=draw(st.floats(1e-12, 1e-3)),
                 momentum=draw(st.one_of(st.just(0.0), st.floats(0.1, 0.99))), centered=draw(st.booleans()))
    else:
        o.update(betas=(draw(st.floats(0.0, 0.99)), draw(st.floats(0.0, 0.9999))),
                 eps=draw(st.floats(1e-12, 1e-3)), amsgrad=draw(st.booleans()))
        if cls is Adam:
            o["decoupled_weight_decay"] = draw(st.booleans())
    return cls, o


def _arrays(shape):
    return hnp.arrays(np.float64, shape, elements=_finite())


@PROPERTY
@given(configs(weight_decay=False), _arrays((3, 2)), st.integers(1, 4))
def test_zero_gradient_leaves_params_unchanged_without_weight_decay(config, params, steps):
    cls, options = config
    opt = cls(**options)
    x = params
    for _ in range(steps):
        x = opt.step(x, np.zeros_like(params))
    np.testing.assert_allclose(x, params, rtol=0, atol=0, err_msg=f"{cls.__name__}({options}) moved")


@PROPERTY
@given(configs(weight_decay=True), _arrays((3, 2)))
def test_zero_gradient_with_weight_decay_moves_params_toward_zero(config, params):
    cls, options = config
    new = cls(**options).step(params, np.zeros_like(params))
    label = f"{cls.__name__}({options})"
    assert np.all((new - params) * params <= 0), f"{label}: a parameter moved away from 0: {params} -> {new}"
    big = np.abs(params) >= 1e-3
    assert np.all(new[big] != params[big]), f"{label}: weight decay left a parameter unchanged"


@PROPERTY
@given(st.sampled_from([SGD, AdamW]), st.floats(1e-4, 1.0), st.floats(1e-3, 0.5), _arrays((4,)))
def test_decoupled_and_sgd_weight_decay_shrink_by_one_minus_lr_wd(cls, lr, wd, params):
    new = cls(lr=lr, weight_decay=wd).step(params, np.zeros_like(params))
    np.testing.assert_allclose(new, params * (1 - lr * wd), rtol=1e-14, atol=1e-300,
                               err_msg=f"{cls.__name__}(lr={lr}, weight_decay={wd})")


@PROPERTY
@given(configs(), st.booleans(), st.data())
def test_inputs_are_never_modified(config, as_dict, data):
    cls, options = config
    opt = cls(**options)
    if as_dict:
        params = {"a": data.draw(_arrays((2, 3))), "b": data.draw(_arrays((4,)))}
    else:
        params = data.draw(_arrays((2, 3)))
    for _ in range(3):
        grads = ({k: data.draw(_arrays(a.shape)) for k, a in params.items()} if as_dict
                 else data.draw(_arrays(params.shape)))
        before_p = {k: a.copy() for k, a in _flat(params)}
        before_g = {k: a.copy() for k, a in _flat(grads)}
        new = opt.step(params, grads)
        for (k, a), (_, g), (_, n) in zip(_flat(params), _flat(grads), _flat(new)):
            np.testing.assert_array_equal(a, before_p[k], err_msg=f"{cls.__name__}: params[{k!r}] was modified")
            np.testing.assert_array_equal(g, before_g[k], err_msg=f"{cls.__name__}: grads[{k!r}] was modified")
            assert not np.shares_memory(n, a) and not np.shares_memory(n, g), f"{cls.__name__}: output aliases input"
        params = new


@PROPERTY
@given(configs(), st.data())
def test_dict_of_params_equals_separate_optimizers(config, data):
    cls, options = config
    together = cls(**options)
    apart = {"a": cls(**options), "b": cls(**options)}
    params = {"a": data.draw(_arrays((2, 2))), "b": data.draw(_arrays((3,)))}
    separate = dict(params)
    for step in range(4):
        grads = {k: data.draw(_arrays(a.shape)) for k, a in params.items()}
        params = together.step(params, grads)
        separate = {k: apart[k].step(separate[k], grads[k]) for k in separate}
        for k in params:
            np.testing.assert_allclose(params[k], separate[k], rtol=1e-15, atol=1e-300,
                                       err_msg=f"{cls.__name__}({options}) {k!r} step {step + 1}")


# --------------------------------------------------------------------------- learning rate handling
def test_callable_lr_uses_the_step_index():
    seen = []
    opt = SGD(lr=lambda k: seen.append(k) or 0.1 * (k + 1))
    x = np.array([1.0])
    for _ in range(3):
        x = opt.step(x, np.array([1.0]))
    np.testing.assert_allclose(x, [1.0 - 0.1 - 0.2 - 0.3], rtol=1e-14)
    assert seen[-3:] == [0, 1, 2], f"lr was called with {seen}"
    assert opt.step_count == 3


def test_get_lr_evaluates_a_callable_at_the_next_step():
    opt = SGD(lr=lambda k: 0.5 ** k)
    opt.step(np.zeros(2), np.ones(2))
    assert math.isclose(opt.get_lr(), 0.5), f"get_lr() after one step gave {opt.get_lr()}"
    assert math.isclose(opt.get_lr(step=3), 0.125)


def test_setting_lr_changes_the_next_step():
    opt = SGD(lr=0.1)
    opt.lr = 0.25
    x = opt.step(np.array([2.0]), np.array([4.0]))
    np.testing.assert_allclose(x, [1.0], rtol=1e-15)


def test_setting_lr_to_zero_is_allowed_for_schedules():
    opt = Adam(lr=0.1)
    opt.lr = 0.0
    x = opt.step(np.array([3.0]), np.array([1.0]))
    np.testing.assert_allclose(x, [3.0], rtol=0, atol=0)


@pytest.mark.parametrize("bad, exc, match", [(-0.1, ValueError, r"lr must be >= 0"),
                                             (float("nan"), ValueError, r"lr must be finite"),
                                             ("0.1", TypeError, r"lr must be a real number")])
def test_setting_a_bad_lr_raises(bad, exc, match):
    opt = SGD(lr=0.1)
    with pytest.raises(exc, match=match):
        opt.lr = bad


def test_callable_lr_returning_a_negative_value_names_the_step():
    opt = SGD(lr=lambda k: 0.1 - 0.05 * k)
    x = np.ones(1)
    for _ in range(3):
        x = opt.step(x, np.ones(1))
    with pytest.raises(ValueError, match=r"lr\(3\) must be >= 0"):
        opt.step(x, np.ones(1))


def test_callable_lr_is_checked_at_construction():
    with pytest.raises(ValueError, match=r"lr\(0\) must be >= 0"):
        Adam(lr=lambda k: -1.0)


def test_reset_starts_over_like_a_new_optimizer():
    grads = [np.array([1.0, -2.0]), np.array([0.5, 0.5])]
    opt = Adam(lr=0.1)
    for g in grads:
        opt.step(np.ones(2), g)
    opt.reset()
    assert opt.step_count == 0 and opt.state == {}
    fresh = Adam(lr=0.1)
    np.testing.assert_allclose(opt.step(np.ones(2), grads[1]), fresh.step(np.ones(2), grads[1]), rtol=0, atol=0)


def test_reset_allows_a_new_structure():
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step(np.ones(3), np.ones(3))
    opt.reset()
    out = opt.step({"w": np.ones(2)}, {"w": np.ones(2)})
    np.testing.assert_allclose(out["w"], [0.9, 0.9], rtol=1e-15)


def test_overflow_gives_inf_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = SGD(lr=1e300).step(np.array([1e300]), np.array([1e300]))
    assert np.isinf(x[0]), f"expected -inf after overflow, got {x}"


# --------------------------------------------------------------------------- parameter groups
def test_names_in_no_group_use_the_defaults():
    params = {"a": np.array([1.0, -1.0]), "b": np.array([2.0])}
    grads = {"a": np.array([0.5, 0.25]), "b": np.array([3.0])}
    opt = Adam(lr=0.1, betas=(0.8, 0.9), param_groups=[{"params": ["a"], "lr": 0.01}])
    out = opt.step(params, grads)
    alone_a = Adam(lr=0.01, betas=(0.8, 0.9)).step(params["a"], grads["a"])
    alone_b = Adam(lr=0.1, betas=(0.8, 0.9)).step(params["b"], grads["b"])
    np.testing.assert_allclose(out["a"], alone_a, rtol=1e-15, err_msg="grouped name 'a'")
    np.testing.assert_allclose(out["b"], alone_b, rtol=1e-15, err_msg="unlisted name 'b'")


def test_torch_style_positional_groups_equal_the_keyword():
    groups = [{"params": ["W"], "lr": 1e-2, "momentum": 0.5}, {"params": ["b"]}]
    params = {"W": np.ones((2, 2)), "b": np.ones(2)}
    grads = {"W": np.full((2, 2), 2.0), "b": np.full(2, -1.0)}
    a = SGD(groups, lr=0.1).step(params, grads)
    b = SGD(lr=0.1, param_groups=groups).step(params, grads)
    for k in params:
        np.testing.assert_allclose(a[k], b[k], rtol=0, atol=0, err_msg=k)


def test_param_groups_show_every_option():
    opt = RMSprop(lr=0.02, param_groups=[{"params": ["W"], "alpha": 0.9}])
    (group,) = opt.param_groups
    assert group["params"] == ["W"] and group["alpha"] == 0.9
    assert group["lr"] == 0.02 and group["eps"] == 1e-8, f"options not filled from the defaults: {group}"


def test_setting_opt_lr_keeps_groups_that_chose_their_own_lr():
    opt = SGD(lr=0.1, param_groups=[{"params": ["a"], "lr": 0.01}, {"params": ["b"], "momentum": 0.5}])
    opt.lr = 0.3
    assert opt.param_groups[0]["lr"] == 0.01, "a group with its own lr was overwritten"
    assert opt.param_groups[1]["lr"] == 0.3, "a group without its own lr did not follow opt.lr"


def test_changing_one_group_lr_changes_only_that_group():
    opt = SGD(lr=0.1, param_groups=[{"params": ["a"]}])
    opt.param_groups[0]["lr"] = 0.5
    out = opt.step({"a": np.ones(1), "b": np.ones(1)}, {"a": np.ones(1), "b": np.ones(1)})
    np.testing.assert_allclose([out["a"][0], out["b"][0]], [0.5, 0.9], rtol=1e-15)


def test_adagrad_honours_a_group_initial_accumulator_value():
    opt = Adagrad(lr=0.5, param_groups=[{"params": ["a"], "initial_accumulator_value": 12.0}])
    out = opt.step({"a": np.array([1.0]), "b": np.array([1.0])}, {"a": np.array([2.0]), "b": np.array([2.0])})
    expected_a = 1.0 - 0.5 * 2.0 / (math.sqrt(12.0 + 4.0) + 1e-10)
    expected_b = 1.0 - 0.5 * 2.0 / (math.sqrt(4.0) + 1e-10)
    np.testing.assert_allclose([out["a"][0], out["b"][0]], [expected_a, expected_b], rtol=1e-14)


@pytest.mark.parametrize("groups, exc, match", [
    ([{"params": ["a"], "momentun": 0.9}], ValueError, r"param_groups\[0\] has unknown option 'momentun'"),
    ([{"params": ["a"]}, {"params": ["b", "a"]}], ValueError, r"'a' is listed in param_groups\[0\] and param_groups\[1\]"),
    ([{"params": ["a", "a"]}], ValueError, r"'a' is listed twice in param_groups\[0\]"),
    ([{"lr": 0.1}], ValueError, r"param_groups\[0\] needs a 'params' entry"),
    ([{"params": "a"}], TypeError, r"param_groups\[0\]\['params'\] must be a list"),
    ([{"params": []}], ValueError, r"param_groups\[0\]\['params'\] is empty"),
    (["a"], TypeError, r"param_groups\[0\] must be a dict"),
    ({"params": ["a"]}, TypeError, r"param_groups .* must be a list of dicts"),
    (0.1, TypeError, r"pass the learning rate as lr=0.1"),
    ([{"params": ["a"], "lr": -1.0}], ValueError, r"param_groups\[0\]\['lr'\] must be > 0"),
    ([{"params": ["a"], "nesterov": True}], ValueError, r"param_groups\[0\]: nesterov=True requires momentum > 0"),
])
def test_bad_param_groups_raise(groups, exc, match):
    with pytest.raises(exc, match=match):
        SGD(groups, lr=0.1)


def test_group_naming_an_unknown_parameter_raises_at_step():
    opt = Adam(lr=0.1, param_groups=[{"params": ["W3"]}])
    with pytest.raises(ValueError, match=r"param_groups\[0\] names 'W3', which is not a key of params"):
        opt.step({"W": np.ones(2)}, {"W": np.ones(2)})


def test_groups_need_dict_params():
    opt = Adam(lr=0.1, param_groups=[{"params": ["W"]}])
    with pytest.raises(ValueError, match="params and grads must be dicts"):
        opt.step(np.ones(2), np.ones(2))


def test_a_bad_group_lr_set_later_raises_at_step():
    opt = SGD(lr=0.1, param_groups=[{"params": ["W"]}])
    opt.param_groups[0]["lr"] = -0.5
    with pytest.raises(ValueError, match=r"param_groups\[0\]\['lr'\] must be >= 0"):
        opt.step({"W": np.ones(2)}, {"W": np.ones(2)})


# --------------------------------------------------------------------------- bad params / grads
@pytest.mark.parametrize("params, grads, exc, match", [
    ({"a": np.ones(2)}, np.ones(2), TypeError, r"grads must be a dict"),
    (np.ones(2), {"a": np.ones(2)}, TypeError, r"grads is a dict but params is a single array"),
    ({"a": np.ones(2), "b": np.ones(1)}, {"a": np.ones(2)}, ValueError, r"grads is missing key\(s\) \['b'\]"),
    ({"a": np.ones(2)}, {"a": np.ones(2), "c": np.ones(1)}, ValueError, r"grads has key\(s\) \['c'\]"),
    ({"a": np.ones(2)}, {"a": np.ones(3)}, ValueError, r"grads\['a'\] must have the shape of params\['a'\]"),
    (np.ones((2, 2)), np.ones(4), ValueError, r"grads must have the shape of params"),
    (np.ones(2), "x", TypeError, r"grads must be a number or an array"),
])
@pytest.mark.parametrize("cls", ALL)
def test_bad_grads_raise(cls, params, grads, exc, match):
    with pytest.raises(exc, match=match):
        cls().step(params, grads)


@pytest.mark.parametrize("second", [np.ones(3), {"w": np.ones(2)}, np.ones((2, 1))])
@pytest.mark.parametrize("cls", ALL)
def test_structure_cannot_change_between_steps(cls, second):
    opt = cls()
    opt.step(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match=r"params changed since the previous step.*reset\(\)"):
        opt.step(second, second)


def test_dict_keys_cannot_change_between_steps():
    opt = Adam()
    opt.step({"a": np.ones(2)}, {"a": np.ones(2)})
    with pytest.raises(ValueError, match="params changed since the previous step"):
        opt.step({"b": np.ones(2)}, {"b": np.ones(2)})


# --------------------------------------------------------------------------- bad options
COMMON_BAD = [
    ({"lr": 0.0}, ValueError, r"lr must be > 0"),
    ({"lr": -1.0}, ValueError, r"lr must be > 0"),
    ({"lr": float("nan")}, ValueError, r"lr must be finite"),
    ({"lr": float("inf")}, ValueError, r"lr must be finite"),
    ({"lr": "0.1"}, TypeError, r"lr must be a real number"),
    ({"weight_decay": -0.1}, ValueError, r"weight_decay must be >= 0"),
    ({"maximize": "yes"}, TypeError, r"maximize must be True or False"),
]
SPECIFIC_BAD = {
    SGD: [({"momentum": -0.5}, ValueError, r"momentum must be >= 0"),
          ({"dampening": 1.5}, ValueError, r"dampening must be <= 1"),
          ({"nesterov": True}, ValueError, r"nesterov=True requires momentum > 0 and dampening = 0"),
          ({"nesterov": True, "momentum": 0.9, "dampening": 0.1}, ValueError, r"nesterov=True requires"),
          ({"nesterov": 1}, TypeError, r"nesterov must be True or False")],
    Adagrad: [({"lr_decay": -1.0}, ValueError, r"lr_decay must be >= 0"),
              ({"initial_accumulator_value": -1.0}, ValueError, r"initial_accumulator_value must be >= 0"),
              ({"eps": -1e-10}, ValueError, r"eps must be >= 0")],
    RMSprop: [({"alpha": 1.0}, ValueError, r"alpha must be < 1"),
              ({"alpha": -0.1}, ValueError, r"alpha must be >= 0"),
              ({"eps": -1.0}, ValueError, r"eps must be >= 0"),
              ({"momentum": -0.1}, ValueError, r"momentum must be >= 0"),
              ({"centered": "no"}, TypeError, r"centered must be True or False")],
    Adam: [({"betas": (1.0, 0.999)}, ValueError, r"betas\[0\] must be < 1"),
           ({"betas": (0.9, -0.1)}, ValueError, r"betas\[1\] must be >= 0"),
           ({"betas": 0.9}, TypeError, r"betas must be a pair"),
           ({"betas": (0.9, 0.99, 0.9)}, ValueError, r"betas must be a pair"),
           ({"eps": -1.0}, ValueError, r"eps must be >= 0"),
           ({"amsgrad": None}, TypeError, r"amsgrad must be True or False"),
           ({"decoupled_weight_decay": 1}, TypeError, r"decoupled_weight_decay must be True or False")],
    AdamW: [({"betas": (0.9, 1.0)}, ValueError, r"betas\[1\] must be < 1"),
            ({"betas": [float("nan"), 0.9]}, ValueError, r"betas\[0\] must be finite"),
            ({"eps": -1.0}, ValueError, r"eps must be >= 0"),
            ({"weight_decay": -1e-2}, ValueError, r"weight_decay must be >= 0")],
}
BAD_OPTIONS = [pytest.param(cls, kw, exc, match, id=f"{cls.__name__}-{kw}")
               for cls in ALL for kw, exc, match in COMMON_BAD + SPECIFIC_BAD[cls]]


@pytest.mark.parametrize("cls, kwargs, exc, match", BAD_OPTIONS)
def test_bad_options_raise_naming_the_argument(cls, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        cls(**kwargs)


def test_adamw_has_no_decoupled_weight_decay_keyword():
    with pytest.raises(TypeError, match="decoupled_weight_decay"):
        AdamW(decoupled_weight_decay=False)


def test_docstring_examples_run():
    result = doctest.testmod(lrlab.optim.optimizers, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0, f"{result.failed} doctest failure(s)"


def test_every_change_of_a_rate_between_steps_reaches_the_next_step():
    """A step reuses the previous step's checked options while nothing changed (Optimizer._step_options):
    a new rate, a new group rate and a schedule in its place all reach the very next step."""
    params, grads = {"W": np.ones((3, 2)), "b": np.zeros(3)}, {"W": np.ones((3, 2)), "b": np.ones(3)}
    opt = SGD([{"params": ["b"], "lr": 0.5}], lr=np.array([0.1, 0.2, 0.3]))
    p = opt.step(opt.step(params, grads), grads)          # the second step reuses the first one's options
    opt.lr = np.array([1.0, 2.0, 3.0])
    q = opt.step(p, grads)
    np.testing.assert_array_equal(q["W"], p["W"] - np.array([[1.0], [2.0], [3.0]]))
    opt.param_groups[0]["lr"] = 0.25
    r = opt.step(q, grads)
    np.testing.assert_array_equal(r["b"], q["b"] - 0.25)
    opt.param_groups[0]["lr"] = lambda k: 0.125
    np.testing.assert_array_equal(opt.step(r, grads)["b"], r["b"] - 0.125)
