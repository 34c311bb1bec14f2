"""lrlab.train.batched for lesson 09: per-layer rates, schedule-free optimizers, checkpoints."""
from __future__ import annotations

import numpy as np
import pytest

from lrlab.optim.optimizers import Adam, AdamWScheduleFree
from lrlab.problems import MLP
from lrlab.train import batched
from lrlab.train.batched import train_mlps

NET = MLP((64, 16, 10), activation="tanh")


def test_lr_scales_equal_parameter_groups_run_one_copy_at_a_time():
    rates, scales = [0.01, 0.003], {"W2": 0.25, "b1": 2.0}
    runs = train_mlps(NET, "adam", rates, 20, seeds=[0, 1], lr_scales=scales)
    for k, r in enumerate(rates):
        opt = Adam([{"params": [n], "lr": r * s} for n, s in scales.items()], lr=r)
        params = {n: a[None] for n, a in NET.initial_params(seed=k).items()}
        out = batched.run_stacked(NET, opt, params, 20, batch_size=32, data_seed=0)
        for n in params:
            np.testing.assert_allclose(runs.params[n][k], out["params"][n][0], rtol=1e-12, atol=1e-14)


def test_lr_scales_change_the_run_and_scale_one_is_no_change():
    plain = train_mlps(NET, "adam", [0.01], 10)
    same = train_mlps(NET, "adam", [0.01], 10, lr_scales={"W1": 1.0})
    other = train_mlps(NET, "adam", [0.01], 10, lr_scales={"W1": 0.1})
    np.testing.assert_array_equal(plain.params["W1"], same.params["W1"])
    assert not np.allclose(plain.params["W1"], other.params["W1"])


@pytest.mark.parametrize("scales, error, match", [({"W7": 1.0}, ValueError, "W7"), ({"W1": -1.0}, ValueError, "W1"),
                                                  ([0.1], TypeError, "lr_scales")])
def test_bad_lr_scales_are_named(scales, error, match):
    with pytest.raises(error, match=match):
        train_mlps(NET, "adam", [0.01], 5, lr_scales=scales)


def test_schedule_free_runs_are_evaluated_and_returned_at_the_average():
    runs = train_mlps(NET, "adamw_schedulefree", [0.01, 0.03], 30, warmup_steps=5)
    opt = AdamWScheduleFree(lr=np.array([0.01, 0.03]), warmup_steps=5)
    params = {n: np.stack([a, a]) for n, a in NET.initial_params().items()}
    out = batched.run_stacked(NET, opt, params, 30, batch_size=32, data_seed=0)
    assert not opt.training, "the run should end in eval mode, at the average"
    for n in params:
        np.testing.assert_array_equal(runs.params[n], out["params"][n])
    loss = batched.evaluate(NET, [out["params"][n] for n in params], NET.data.X_test, NET.data.y_test)[0]
    np.testing.assert_allclose(runs.val_loss, loss, rtol=1e-12)


def test_checkpoints_measure_the_validation_loss_after_t_steps():
    opt = Adam(lr=np.array([0.01]))
    params = {n: a[None] for n, a in NET.initial_params().items()}
    out = batched.run_stacked(NET, opt, params, 30, batch_size=32, data_seed=0, eval_at=(10, 0))
    assert sorted(out["checkpoints"]) == [0, 10]
    short = batched.run_stacked(NET, Adam(lr=np.array([0.01])), {n: a[None] for n, a in NET.initial_params().items()},
                                10, batch_size=32, data_seed=0)
    np.testing.assert_allclose(out["checkpoints"][10][0], short["val_loss"], rtol=1e-12)
    with pytest.raises(ValueError, match="eval_at"):
        batched.run_stacked(NET, Adam(lr=np.array([0.01])), params, 5, batch_size=32, data_seed=0, eval_at=(5,))


def _stacked_starts(seeds):
    starts = {s: NET.initial_params(seed=s) for s in set(seeds)}
    return {n: np.stack([starts[s][n] for s in seeds]) for n in starts[seeds[0]]}


def test_copies_with_one_start_share_the_initial_evaluation_and_get_every_copys_loss():
    params = _stacked_starts([0, 1, 0, 1, 2, 0])
    out = batched.run_stacked(NET, Adam(lr=np.full(6, 0.01)), params, 3, batch_size=32, data_seed=0)
    every = batched.evaluate(NET, list(params.values()), NET.X, NET.y)[0]
    np.testing.assert_array_equal(out["initial_loss"], every)
    assert out["initial_loss"][0] == out["initial_loss"][2] != out["initial_loss"][1]


def test_a_run_without_validation_trains_the_same_and_returns_no_validation_loss():
    rates = np.array([0.01, 0.1])
    full = batched.run_stacked(NET, Adam(lr=rates), _stacked_starts([0, 1]), 10, batch_size=32, data_seed=0)
    train = batched.run_stacked(NET, Adam(lr=rates), _stacked_starts([0, 1]), 10, batch_size=32, data_seed=0,
                                validate=False)
    assert train["val_loss"] is None and train["val_accuracy"] is None
    np.testing.assert_array_equal(train["train_loss"], full["train_loss"])
