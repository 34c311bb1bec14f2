"""lrlab.train.batched: K MLPs trained at once behave exactly like K single runs of engine.train.

Also: per-copy learning-rate arrays in every lrlab optimizer, frozen (diverged) copies, and the
argument checks at train_mlps' boundary.
"""
import warnings

import numpy as np
import pytest

from lrlab.optim import optimizers as O
from lrlab.train.batched import MLPRuns, grid, train_mlps
from lrlab.train.engine import train
from lrlab.problems import MLP

STEPS = 25
TOL = 1e-12

# name -> (optimizer name for train_mlps, class for engine.train, options, K rates)
CONFIGS = {
    "sgd": ("sgd", O.SGD, {}, [0.02, 0.2, 1.0]),
    "sgd momentum": ("sgd", O.SGD, {"momentum": 0.9, "dampening": 0.1, "weight_decay": 1e-3}, [0.01, 0.1, 0.3]),
    "sgd nesterov": ("sgd", O.SGD, {"momentum": 0.8, "nesterov": True}, [0.01, 0.1, 0.3]),
    "adam": ("adam", O.Adam, {"betas": (0.8, 0.99), "weight_decay": 1e-3}, [1e-3, 1e-2, 0.05]),
    "adam amsgrad": ("adam", O.Adam, {"amsgrad": True}, [1e-3, 1e-2, 0.05]),
    "adamw": ("adamw", O.AdamW, {"weight_decay": 0.1}, [1e-3, 1e-2, 0.05]),
    "rmsprop": ("rmsprop", O.RMSprop, {"momentum": 0.5, "centered": True}, [1e-4, 1e-3, 1e-2]),
    "adagrad": ("adagrad", O.Adagrad, {"lr_decay": 0.01, "initial_accumulator_value": 0.1}, [1e-2, 0.1, 0.5]),
}
SEEDS = [0, 1, 0]


def _single(net, cls, options, lr, seed, steps=STEPS, data_seed=3):
    return train(net, cls(lr=lr, **options), steps, batch_size=32, seed=data_seed,
                 params=net.initial_params(seed=seed))


@pytest.mark.parametrize("activation, l2", [("tanh", 0.0), ("relu", 1e-3)])
@pytest.mark.parametrize("config", list(CONFIGS))
def test_each_copy_matches_engine_train_of_that_copy_alone(config, activation, l2):
    name, cls, options, lrs = CONFIGS[config]
    net = MLP(sizes=(64, 16, 10), activation=activation, l2=l2)
    runs = train_mlps(net, name, lrs, STEPS, seeds=SEEDS, data_seed=3, **options)
    val_net = MLP(sizes=(64, 16, 10), activation=activation, l2=l2, split="test")
    for k, lr in enumerate(lrs):
        h = _single(net, cls, options, lr, SEEDS[k])
        where = f"{config}, {activation}, copy {k} (lr={lr})"
        assert h.diverged_at is None and runs.diverged_at[k] == -1, f"{where}: no copy should diverge here"
        np.testing.assert_allclose(runs.losses[k], h.batch_losses, rtol=0, atol=TOL,
                                   err_msg=f"{where}: minibatch losses differ from engine.train's")
        for p, single in h.final_params.items():
            np.testing.assert_allclose(runs.params[p][k], single, rtol=0, atol=TOL,
                                       err_msg=f"{where}: final {p} differs from engine.train's")
        assert abs(runs.train_loss[k] - h.losses[-1]) <= TOL, f"{where}: train_loss {runs.train_loss[k]} vs {h.losses[-1]}"
        assert abs(runs.initial_loss[k] - h.losses[0]) <= TOL, f"{where}: initial_loss differs"
        params = runs.copy(k)
        assert abs(runs.val_loss[k] - val_net.value(params)) <= TOL, f"{where}: val_loss is not the test-split loss"
        assert runs.val_accuracy[k] == net.accuracy(params, "test"), f"{where}: val_accuracy differs"


def test_deeper_network_matches_engine_train():
    net = MLP(sizes=(64, 12, 8, 10), activation="relu")
    runs = train_mlps(net, "adam", [1e-3, 1e-2], STEPS, seeds=[2, 5], data_seed=3)
    for k, lr in enumerate([1e-3, 1e-2]):
        h = _single(net, O.Adam, {}, lr, [2, 5][k])
        for p, single in h.final_params.items():
            np.testing.assert_allclose(runs.params[p][k], single, rtol=0, atol=TOL, err_msg=f"copy {k}, {p}")


def test_runs_record_what_they_were_given():
    runs = train_mlps(MLP(sizes=(64, 8, 10)), "sgd", 0.1, 3, seeds=None, batch_size=None, momentum=0.5)
    assert isinstance(runs, MLPRuns) and len(runs) == 1, "a scalar rate is one copy"
    assert runs.losses.shape == (1, 3) and runs.params["W1"].shape == (1, 64, 8)
    assert (runs.optimizer, runs.options, runs.seeds.tolist()) == ("sgd", {"momentum": 0.5}, [0])
    assert runs.batch_size is None and runs.max_loss[0] == 1e6 * runs.initial_loss[0]


# --------------------------------------------------------------------------- divergence
def test_diverged_copy_is_frozen_where_engine_train_stops():
    net = MLP(activation="relu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning may escape
        runs = train_mlps(net, "sgd", [0.5, 500.0], 40, data_seed=0)
    h = train(net, O.SGD(lr=500.0), 40, batch_size=32, seed=0)
    assert h.diverged_at is not None, "the reference run should diverge"
    assert runs.diverged.tolist() == [False, True]
    assert runs.diverged_at.tolist() == [-1, h.diverged_at], "diverged_at should be engine.train's step"
    for p, single in h.final_params.items():
        np.testing.assert_array_equal(runs.params[p][1], single, err_msg=f"frozen {p} should be engine's final")
    assert np.isnan(runs.losses[1, h.diverged_at + 1:]).all(), "losses after divergence should be NaN"
    assert not runs.losses[1, h.diverged_at] <= runs.max_loss[1], "the loss that tripped the check is kept"
    assert np.isfinite(runs.losses[0]).all(), "the healthy copy keeps going"
    assert (runs.train_loss[1], runs.val_loss[1]) == (np.inf, np.inf) and np.isnan(runs.val_accuracy[1])
    assert np.isfinite([runs.train_loss[0], runs.val_loss[0], runs.val_accuracy[0]]).all()


def test_copy_over_max_loss_keeps_the_parameters_it_had_then():
    net = MLP(sizes=(64, 16, 10))
    runs = train_mlps(net, "sgd", [0.01, 30.0], 30, max_loss=5.0)
    d = int(runs.diverged_at[1])
    assert runs.diverged_at[0] == -1 and 0 < d < 30, f"expected only the fast copy to trip, got {runs.diverged_at}"
    assert runs.losses[1, d] > 5.0 and np.isnan(runs.losses[1, d + 1:]).all()
    h = _single(net, O.SGD, {}, 30.0, 0, steps=d, data_seed=0)
    for p, single in h.final_params.items():
        np.testing.assert_allclose(runs.params[p][1], single, rtol=0, atol=TOL,
                                   err_msg=f"{p}: the frozen copy should hold its parameters after {d} steps")


def test_every_copy_diverging_stops_cleanly():
    runs = train_mlps(MLP(activation="relu"), "sgd", [300.0, 1000.0], 50)
    assert runs.diverged.all() and (runs.diverged_at < 50).all()
    assert np.isinf(runs.train_loss).all() and np.isnan(runs.val_accuracy).all()


def test_divergence_at_the_last_step_is_caught_by_the_final_loss():
    net = MLP(sizes=(64, 16, 10))
    runs = train_mlps(net, "sgd", [30.0], 30, max_loss=5.0)
    d = int(runs.diverged_at[0])
    again = train_mlps(net, "sgd", [30.0], d, max_loss=5.0)
    assert again.diverged_at.tolist() == [d], "a loss over max_loss after the last step counts as divergence"


# --------------------------------------------------------------------------- grid
def test_grid_is_rate_major_and_by_grid_folds_it_back():
    rates, seeds = grid([0.01, 0.1], [0, 7, 9])
    assert rates.tolist() == [0.01] * 3 + [0.1] * 3 and seeds.tolist() == [0, 7, 9, 0, 7, 9]
    runs = train_mlps(MLP(sizes=(64, 4, 10)), "sgd", rates, 2, seeds=seeds)
    table = runs.by_grid(2, 3, "val_loss")
    assert table.shape == (2, 3) and table[1, 2] == runs.val_loss[5]
    assert runs.by_grid(2, 3, "seeds").tolist() == [[0, 7, 9], [0, 7, 9]]
    assert runs.by_grid(2, 3, "losses").shape == (2, 3, 2)
    with pytest.raises(ValueError, match=r"n_lrs × n_seeds must equal the number of copies, 6"):
        runs.by_grid(2, 2, "val_loss")
    with pytest.raises(ValueError, match=r"attr must name a per-copy attribute"):
        runs.by_grid(2, 3, "optimizer")


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, exc, match", [
    ({"lrs": []}, ValueError, r"lrs must hold at least one learning rate"),
    ({"lrs": [0.1, 0.0]}, ValueError, r"lrs must all be > 0, got lrs\[1\] = 0.0"),
    ({"lrs": [-0.1]}, ValueError, r"lrs must all be > 0"),
    ({"lrs": [0.1, float("nan")]}, ValueError, r"lrs must all be finite, got lrs\[1\] = nan"),
    ({"lrs": [float("inf")]}, ValueError, r"lrs must all be finite"),
    ({"lrs": [[0.1, 0.2]]}, ValueError, r"lrs must have \(0, 1\) dimension"),
    ({"lrs": "0.1"}, TypeError, r"lrs must be a number or an array"),
    ({"seeds": [0, 1]}, ValueError, r"seeds must be one int or one per learning rate \(3\), got 2"),
    ({"seeds": [0.0, 1.0, 2.0]}, TypeError, r"seeds must be ints >= 0"),
    ({"seeds": [0, -1, 2]}, ValueError, r"seeds\[1\] must be >= 0"),
    ({"seeds": "0"}, TypeError, r"seeds must be an int or a list of ints"),
    ({"seeds": [[0, 1, 2]]}, ValueError, r"seeds must be an int or a 1-D list"),
    ({"optimizer": "adamx"}, ValueError, r"optimizer must be one of 'sgd', 'adagrad'"),
    ({"optimizer": O.SGD(lr=0.1)}, TypeError, r"pass its name or class"),
    ({"betas": (0.9, 0.99)}, ValueError, r"'betas' is not an option of SGD; its options are: momentum"),
    ({"lr": 0.1}, TypeError, r"pass the learning rates as lrs"),
    ({"nesterov": True}, ValueError, r"nesterov=True requires momentum > 0"),
    ({"net": "mlp"}, TypeError, r"net must be an lrlab.problems.MLP"),
    ({"net": MLP(split="test")}, ValueError, r"split='train'"),
    ({"steps": 0}, ValueError, r"steps must be >= 1"),
    ({"batch_size": 0}, ValueError, r"batch_size must be >= 1"),
    ({"data_seed": -1}, ValueError, r"data_seed must be >= 0"),
    ({"max_loss": -1.0}, ValueError, r"max_loss must be > 0"),
])
def test_bad_input_names_the_argument(kwargs, exc, match):
    args = {"net": MLP(sizes=(64, 4, 10)), "optimizer": "sgd", "lrs": [0.1, 0.2, 0.3], "steps": 2}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        train_mlps(args.pop("net"), args.pop("optimizer"), args.pop("lrs"), args.pop("steps"), **args)


def test_optimizer_class_is_accepted_like_its_name():
    net = MLP(sizes=(64, 4, 10))
    a = train_mlps(net, O.AdamW, [0.01], 3)
    b = train_mlps(net, "AdamW", [0.01], 3)
    assert a.optimizer == "adamw" and np.array_equal(a.params["W1"], b.params["W1"])


# --------------------------------------------------------------------------- optimizers with per-copy rates
OPTIMIZER_CASES = [(O.SGD, {}), (O.SGD, {"momentum": 0.9, "dampening": 0.2, "weight_decay": 0.1}),
                   (O.SGD, {"momentum": 0.9, "nesterov": True}), (O.Adagrad, {"lr_decay": 0.1}),
                   (O.RMSprop, {"momentum": 0.5, "centered": True, "weight_decay": 0.1}),
                   (O.Adam, {"amsgrad": True, "weight_decay": 0.1}), (O.AdamW, {})]


@pytest.mark.parametrize("cls, options", OPTIMIZER_CASES, ids=lambda c: getattr(c, "__name__", str(c)))
def test_optimizer_with_per_copy_rates_equals_one_optimizer_per_copy(cls, options):
    rng = np.random.default_rng(1)
    rates = np.array([1e-3, 0.03, 0.7])
    params = {"W": rng.normal(size=(3, 4, 2)), "b": rng.normal(size=(3, 2))}
    stacked = cls(lr=rates, **options)
    singles = [cls(lr=float(r), **options) for r in rates]
    alone = [{p: a[k] for p, a in params.items()} for k in range(3)]
    for step in range(4):
        grads = {p: rng.normal(size=a.shape) for p, a in params.items()}
        params = stacked.step(params, grads)
        for k in range(3):
            alone[k] = singles[k].step(alone[k], {p: g[k] for p, g in grads.items()})
            for p in params:
                assert np.array_equal(params[p][k], alone[k][p]), \
                    f"{cls.__name__}{options}: copy {k}, {p} after step {step + 1} differs from a single optimizer"


@pytest.mark.parametrize("cls, options", [case for case in OPTIMIZER_CASES if case[0]._CHUNKED],
                         ids=lambda c: getattr(c, "__name__", str(c)))
def test_large_stacked_parameter_updated_in_slices_equals_one_optimizer_per_copy(cls, options):
    # W holds more entries than _CHUNK_FROM: SGD and Adam update it a few copies at a time (cache-sized slices)
    rng = np.random.default_rng(2)
    K = 6
    shape = (K, O._CHUNK_FROM // (K * 16) + 1, 16)
    rates = np.geomspace(1e-3, 0.5, K)
    params = {"W": rng.normal(size=shape), "b": rng.normal(size=(K, 16))}
    assert params["W"].size > O._CHUNK_FROM and params["W"][0].size < O._CHUNK_SIZE, "the test must take the slices"
    stacked = cls(lr=rates, **options)
    singles = [cls(lr=float(r), **options) for r in rates]
    alone = [{p: a[k] for p, a in params.items()} for k in range(K)]
    for step in range(3):
        grads = {p: rng.normal(size=a.shape) for p, a in params.items()}
        params = stacked.step(params, grads)
        for k in range(K):
            alone[k] = singles[k].step(alone[k], {p: g[k] for p, g in grads.items()})
            for p in params:
                assert np.array_equal(params[p][k], alone[k][p]), \
                    f"{cls.__name__}{options}: copy {k}, {p} after step {step + 1} differs from a single optimizer"
    for name, value in stacked.state["W"].items():
        single = singles[0].state["W"][name]
        if isinstance(single, np.ndarray):
            assert value.shape == shape and np.array_equal(value[0], single), f"state {name!r} of copy 0 differs"
        else:
            assert value == single, f"state {name!r}: {value!r}, one optimizer alone has {single!r}"


def test_rates_changed_between_steps_are_used_at_the_next_step():
    # the optimizer reuses its last check of the options only while every option is the same immutable object
    opt = O.SGD([{"params": ["w"], "lr": 0.5}], lr=[0.1, 0.1])
    params = {"w": np.zeros((2, 1)), "v": np.zeros((2, 1))}
    ones = {"w": np.ones((2, 1)), "v": np.ones((2, 1))}
    rates = np.array([1.0, 2.0])
    opt.param_groups[0]["lr"] = rates                 # a writeable array: read again at every step
    params = opt.step(params, ones)
    rates[:] = [10.0, 20.0]
    params = opt.step(params, ones)
    opt.lr = [0.5, 0.25]
    params = opt.step(params, ones)
    assert params["w"].ravel().tolist() == [-21.0, -42.0], "a rate array changed in place was not used"
    assert params["v"].ravel().tolist() == [-0.7, -0.45], "the rate set with opt.lr was not used"


def test_per_copy_rates_via_setter_schedule_and_get_lr():
    opt = O.SGD(lr=[0.1, 0.2])
    assert opt.get_lr().tolist() == [0.1, 0.2]
    opt.lr = np.array([0.0, 1.0])  # set rates may be 0, like a float's
    x = opt.step(np.ones((2, 2)), np.ones((2, 2)))
    assert x.tolist() == [[1.0, 1.0], [0.0, 0.0]]
    sched = O.Adam(lr=lambda k: np.array([0.1, 0.01]) / (k + 1))
    sched.step(np.zeros((2, 1)), np.ones((2, 1)))
    assert np.allclose(sched.get_lr(), [0.05, 0.005])


@pytest.mark.parametrize("make, exc, match", [
    (lambda: O.SGD(lr=[0.1, 0.0]), ValueError, r"lr must hold learning rates that are all > 0, got lr\[1\] = 0.0"),
    (lambda: O.Adam(lr=[0.1, float("nan")]), ValueError, r"all finite, got lr\[1\] = nan"),
    (lambda: O.Adam(lr=[]), ValueError, r"lr must hold at least 1 value"),
    (lambda: O.Adam(lr=[[0.1]]), ValueError, r"lr must have 1 dimension"),
    (lambda: setattr(O.SGD(lr=0.1), "lr", [0.1, -1.0]), ValueError, r"all >= 0, got lr\[1\] = -1.0"),
    (lambda: O.SGD(lr=[0.1, 0.2]).step(np.ones((3, 2)), np.ones((3, 2))), ValueError,
     r"lr holds 2 per-copy rates, so every parameter needs a leading \(copy\) axis of length 2; "
     r"params has shape \(3, 2\)"),
    (lambda: O.Adam(lr=[0.1, 0.2]).step({"b": np.ones(2), "c": np.ones(())}, {"b": np.ones(2), "c": np.ones(())}),
     ValueError, r"params\['c'\] has shape \(\)"),
])
def test_bad_per_copy_rates_are_rejected(make, exc, match):
    with pytest.raises(exc, match=match):
        make()
