"""lrlab's SGDScheduleFree / AdamWScheduleFree against the ``schedulefree`` package, step by step.

The reference trajectories come from ``fixtures/schedulefree.json``, written by
``fixtures/make_schedulefree.py`` with torch and schedulefree in float64 (no torch needed here).
"""
from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pytest

from lrlab.optim.optimizers import AdamWScheduleFree, SGDScheduleFree

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "schedulefree.json").read_text())
CASES = FIXTURE["cases"]
CLASSES = {"SGDScheduleFree": SGDScheduleFree, "AdamWScheduleFree": AdamWScheduleFree}
TOL = 1e-12


def _arrays(tree):
    if isinstance(tree, dict):
        return {k: np.array(val, dtype=np.float64) for k, val in tree.items()}
    return np.array(tree, dtype=np.float64)


def _pairs(ours, theirs):
    if isinstance(ours, dict):
        return [(k, ours[k], theirs[k]) for k in ours]
    return [("params", ours, theirs)]


def _replay(case):
    options = {k: (tuple(val) if k == "betas" else val) for k, val in case["options"].items()}
    groups = [dict(g) for g in case["param_groups"]] if case["param_groups"] else None
    opt = CLASSES[case["optimizer"]](groups, **options)
    params = _arrays(case["params0"])
    for k in range(FIXTURE["steps"]):
        params = opt.step(params, _arrays(case["grads"][k]))
        x = None
        if str(k) in case["eval"]:
            x = opt.eval(params)
            params = opt.train(x)
        yield k, params, x


@pytest.mark.parametrize("label", list(CASES))
def test_every_step_and_every_average_match_schedulefree(label):
    case = CASES[label]
    for k, y, x in _replay(case):
        for name, a, b in _pairs(y, _arrays(case["params"][k])):
            np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL, err_msg=f"{label}: y[{name!r}] after step {k + 1}")
        if x is not None:
            for name, a, b in _pairs(x, _arrays(case["eval"][str(k)])):
                np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL,
                                           err_msg=f"{label}: eval() x[{name!r}] after step {k + 1}")


def test_fixture_has_warmup_weight_decay_and_groups():
    opts = [c["options"] for c in CASES.values()]
    for cls in CLASSES:
        kinds = [c for c in CASES.values() if c["optimizer"] == cls]
        assert any(c["options"].get("warmup_steps", 0) > 0 for c in kinds), cls
        assert any(c["options"].get("weight_decay", 0) > 0 or c["param_groups"] for c in kinds), cls
    assert any(o.get("r", 0) > 0 for o in opts) and any(c["param_groups"] for c in CASES.values())


@pytest.mark.parametrize("name", list(CLASSES))
def test_names_and_defaults_are_the_packages(name):
    ours = {p.name: p.default for p in inspect.signature(CLASSES[name].__init__).parameters.values()
            if p.name not in ("self", "param_groups")}
    theirs = {k: (tuple(val) if isinstance(val, list) else val) for k, val in FIXTURE["signatures"][name].items()}
    assert ours == theirs


def test_eval_gives_the_plain_average_of_z_with_a_constant_rate():
    opt = SGDScheduleFree(lr=0.1, momentum=0.9)
    y, zs = np.array([1.0, -2.0]), []
    rng = np.random.default_rng(0)
    for _ in range(6):
        y = opt.step(y, rng.normal(size=2))
        zs.append(opt.state[None]["z"].copy())
    np.testing.assert_allclose(opt.eval(y), np.mean(zs, axis=0), rtol=1e-12, atol=1e-12)


def test_step_in_eval_mode_is_refused_and_train_restores_y():
    opt = AdamWScheduleFree(lr=0.01)
    y = opt.step(np.ones(3), np.array([1.0, -1.0, 0.5]))
    y = opt.step(y, np.array([0.5, 0.2, -0.1]))
    x = opt.eval(y)
    with pytest.raises(ValueError, match="eval mode"):
        opt.step(x, np.ones(3))
    np.testing.assert_allclose(opt.train(x), y, rtol=1e-14)


def test_per_copy_rates_equal_one_copy_at_a_time():
    rates = [0.01, 0.1, 0.5]
    rng = np.random.default_rng(1)
    grads = rng.normal(size=(8, 3, 4))
    for cls in CLASSES.values():
        stacked = cls(lr=rates, warmup_steps=3)
        singles = [cls(lr=r, warmup_steps=3) for r in rates]
        p, ps = np.zeros((3, 4)), [np.zeros(4) for _ in rates]
        for g in grads:
            p = stacked.step(p, g)
            ps = [o.step(q, g[i]) for i, (o, q) in enumerate(zip(singles, ps))]
        np.testing.assert_allclose(stacked.eval(p), [o.eval(q) for o, q in zip(singles, ps)], rtol=1e-13)


@pytest.mark.parametrize("kwargs, match", [({"momentum": 1.0}, "momentum"), ({"momentum": 0.0}, "momentum"),
                                           ({"warmup_steps": -1}, "warmup_steps"), ({"lr": -1.0}, "lr"),
                                           ({"warmup_steps": 2.5}, "warmup_steps")])
def test_sgd_bad_options_name_the_argument(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        SGDScheduleFree(**kwargs)


def test_adamw_beta1_zero_is_refused():
    with pytest.raises(ValueError, match="betas"):
        AdamWScheduleFree(betas=(0.0, 0.999))
