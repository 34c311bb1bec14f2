"""lrlab.studies.sensitivity: settling steps, the Goldilocks zone, weight decay under noise, the study."""
import math

import numpy as np
import pytest

from lrlab.studies import sensitivity
from lrlab.train import engine
from lrlab.optim.optimizers import SGD, Adam, AdamW
from lrlab.problems import MLP, QuadraticND


def test_settle_steps_ignores_a_dip_that_comes_back_up():
    losses = [[5.0, 0.5, 2.0, 0.5, 0.1], [5.0, 4.0, 3.0, 2.0, 1.5], [0.5, 0.4, 0.3, 0.2, 0.1]]
    assert sensitivity.settle_steps(losses, 1.0).tolist() == [3, -1, 0]


def test_settle_steps_counts_nan_as_above():
    assert sensitivity.settle_steps([[5.0, 0.5, np.nan]], 1.0).tolist() == [-1]


def test_best_settling_rate_picks_the_fewest_steps_and_refuses_a_sweep_that_never_settles():
    bowl = QuadraticND(condition_number=10.0, dim=2)
    run = engine.sweep(bowl, [0.01, 2 / 11, 0.19], 300)
    lr, steps = sensitivity.best_settling_rate(run, 1e-8)
    assert lr == pytest.approx(2 / 11) and steps == sensitivity.settle_steps(run.losses, 1e-8)[1]
    with pytest.raises(ValueError, match="stay below"):
        sensitivity.best_settling_rate(engine.sweep(bowl, [1e-4], 5), 1e-8)


def test_best_of_grid_returns_the_run_engine_train_gives_at_that_rate():
    valley = QuadraticND(eigenvalues=[50.0, 0.05], x0=[0.7, 2.0])
    best = sensitivity.best_of_grid(valley, lambda lr: Adam(lr=lr), np.geomspace(1e-3, 1.0, 7), 50)
    alone = engine.train(valley, Adam(lr=float(best.lrs[0])), 50, record_params=True)
    np.testing.assert_allclose(best.losses, alone.losses, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(best.params, alone.params, rtol=0, atol=1e-12)


def test_zone_width_in_decades_with_its_edges_inside():
    z = sensitivity.goldilocks_zone([1e-3, 1e-2, 1e-1, 1.0], [0.8, 0.4, 0.2, 0.4])
    assert (z.low, z.high, z.best_lr, z.count) == (1e-2, 1.0, 1e-1, 3)
    assert z.width == pytest.approx(2.0)
    assert z.touches_high and not z.touches_low


def test_zone_ignores_diverged_runs_and_accepts_any_order():
    z = sensitivity.goldilocks_zone([1.0, 1e-2, 1e-1, 10.0], [np.inf, 0.3, 0.2, np.nan])
    assert (z.low, z.high) == (1e-2, 1e-1) and z.width == pytest.approx(1.0)


def test_zone_of_one_rate_has_width_zero():
    assert sensitivity.goldilocks_zone([1e-3, 1e-2, 1e-1], [1.0, 0.1, 5.0]).width == 0.0


@pytest.mark.parametrize("lrs, losses, message", [
    ([1e-3, 1e-2], [np.nan, np.inf], "no zone"),
    ([0.0, 1e-2], [1.0, 0.5], "> 0"),
    ([1e-3, 1e-2], [1.0], "one value per rate"),
])
def test_zone_rejects_bad_input_with_a_clear_message(lrs, losses, message):
    with pytest.raises(ValueError, match=message):
        sensitivity.goldilocks_zone(lrs, losses)


def test_decay_under_noise_matches_the_plain_shrink_for_adamw_and_sgd_without_noise():
    out = sensitivity.decay_under_noise({"sgd": SGD(lr=0.01, weight_decay=0.5),
                                         "adamw": AdamW(lr=0.01, weight_decay=0.5)}, [0.0], 100, copies=3)
    shrink = (1 - 0.01 * 0.5) ** 100
    assert out["sgd"][0] == pytest.approx(shrink, rel=1e-12)
    assert out["adamw"][0] == pytest.approx(shrink, rel=1e-12)


@pytest.fixture(scope="module")
def small_study():
    return sensitivity.run_study(MLP(sizes=(64, 8, 10)), [0.01, 0.1, 1.0], [0, 1], 20, batch_size=16)


def test_study_has_one_loss_per_rate_and_seed(small_study):
    for name in sensitivity.STUDY_OPTIMIZERS:
        assert small_study.val_loss[name].shape == (3, 2)
        assert small_study.mean_loss(name) == pytest.approx(small_study.val_loss[name].mean(axis=1))


def test_study_agrees_with_training_each_copy_alone(small_study):
    alone = sensitivity.train_at(MLP(sizes=(64, 8, 10)), "Adam", 0.1, [0, 1], 20, batch_size=16)
    assert small_study.loss_at("Adam", 0.1) == pytest.approx(alone, rel=1e-12)


def test_study_summary_lists_every_optimizer(small_study):
    table = small_study.summary()
    assert table.column("optimizer") == list(sensitivity.STUDY_OPTIMIZERS)
    assert all(math.isfinite(w) for w in table.column("width (decades)"))


def test_loss_at_a_rate_off_the_grid_is_an_error(small_study):
    with pytest.raises(ValueError, match="not on the study's grid"):
        small_study.loss_at("SGD", 0.5)


def test_zone_floor_keeps_rates_whose_loss_is_near_a_best_loss_near_zero():
    lrs, losses = [1e-3, 1e-2, 1e-1, 1.0], [0.3, 0.02, 0.0005, 2.0]
    assert sensitivity.goldilocks_zone(lrs, losses).count == 1
    z = sensitivity.goldilocks_zone(lrs, losses, floor=0.05)
    assert (z.low, z.high, z.threshold) == (0.01, 0.1, pytest.approx(0.1))


def test_zone_reports_its_holes_between_the_edges():
    z = sensitivity.goldilocks_zone([1e-3, 1e-2, 1e-1, 1.0, 10.0], [0.5, 0.2, 0.9, 0.3, 5.0])
    assert (z.low, z.high) == (0.01, 1.0) and z.holes.tolist() == [0.1]
    assert sensitivity.goldilocks_zone([1e-2, 1e-1], [0.2, 0.3]).holes.size == 0


def test_zone_rejects_a_negative_floor():
    with pytest.raises(ValueError, match="floor"):
        sensitivity.goldilocks_zone([0.1, 1.0], [0.2, 0.3], floor=-1.0)


def study_of(losses, diverged=None):
    losses = np.array(losses, dtype=float)
    lrs = 10.0 ** np.arange(losses.shape[0])
    return sensitivity.Study(lrs=lrs, seeds=np.arange(losses.shape[1]), steps=10, batch_size=8,
                             val_loss={"A": losses}, val_accuracy={"A": np.zeros_like(losses)},
                             diverged={"A": np.zeros(losses.shape, bool) if diverged is None else np.array(diverged)},
                             start_loss=2.0, n_val=400)


def test_a_seed_fails_ten_times_above_the_best_mean_or_when_it_diverged():
    study = study_of([[0.5, 0.6], [0.1, 0.1], [0.5, 1.2], [3.0, 2.5]],
                     diverged=[[0, 0], [0, 0], [0, 0], [0, 1]])
    assert study.failing("A").tolist() == [0, 0, 1, 2]
    assert study.first_failure("A") == 100.0 and study.first_failure("A", every_seed=True) == 1000.0
    assert study.first_failure("A", factor=50.0) == 1000.0
    assert study.steepest_rise("A") == pytest.approx(np.inf)  # a seed diverged at the last rate


def test_steepest_rise_tells_a_wall_from_a_gradual_rise():
    wall = study_of([[0.1, 0.1], [0.12, 0.1], [5.0, 6.0]])
    gradual = study_of([[0.1, 0.1], [0.2, 0.2], [0.4, 0.4], [0.8, 0.8], [1.6, 1.6]])
    assert wall.steepest_rise("A") == pytest.approx(5.5 / 0.11)
    assert gradual.steepest_rise("A") == pytest.approx(2.0)


def test_accuracy_error_is_the_binomial_standard_error():
    assert study_of([[0.1]]).accuracy_error(0.96) == pytest.approx(math.sqrt(0.96 * 0.04 / 400))


def test_a_study_is_trained_once_per_session_and_its_arrays_are_read_only():
    args = (MLP(sizes=(64, 8, 10)), [0.01, 0.1], [0, 1], 5)
    before = sensitivity._cached_study.cache_info()
    a = sensitivity.run_study(*args, batch_size=16)
    b = sensitivity.run_study(MLP(sizes=(64, 8, 10)), np.array([0.01, 0.1]), (0, 1), 5, batch_size=16)
    after = sensitivity._cached_study.cache_info()
    assert after.misses == before.misses + 1 and after.hits == before.hits + 1
    assert a is not b and a.val_loss["SGD"] is b.val_loss["SGD"]
    with pytest.raises(ValueError, match="read-only"):
        a.val_loss["SGD"][0, 0] = 0.0
    a.val_loss["SGD"] = None                       # a caller's own dict: the next study is untouched
    assert b.val_loss["SGD"] is not None


def test_a_study_of_another_network_class_is_trained_uncached():
    class Wider(MLP):
        pass

    before = sensitivity._cached_study.cache_info()
    study = sensitivity.run_study(Wider(sizes=(64, 8, 10)), [0.1], [0], 3, batch_size=16)
    assert sensitivity._cached_study.cache_info() == before and study.val_loss["Adam"].shape == (1, 1)
