"""lrlab.studies.stability: full-batch gradient descent with the sharpness measured along the way."""
import numpy as np
import pytest

from lrlab.problems import QuadraticND, TabularMLP
from lrlab.studies.stability import ROUNDOFF, SharpnessRun, edge_summary, predicted_spike, track_sharpness


def test_on_a_quadratic_the_sharpness_is_its_largest_curvature_at_every_step():
    bowl = QuadraticND([1.0, 4.0, 9.0], rotation="random")
    run = track_sharpness(bowl, 0.1, 30, every=5)
    assert run.at.tolist() == [0, 5, 10, 15, 20, 25, 30]
    np.testing.assert_allclose(run.sharpness, 9.0, rtol=1e-4)
    assert run.limit == pytest.approx(20.0) and run.first_crossing() is None and run.diverged_at is None
    assert np.all(np.diff(run.losses) < 0)


def test_a_rate_above_two_over_l_diverges_and_the_run_stops_there():
    bowl = QuadraticND([1.0, 4.0])
    run = track_sharpness(bowl, 0.6, 200, every=10)
    assert run.diverged_at is not None and run.diverged_at < 200
    assert np.all(np.isnan(run.losses[run.diverged_at + 1:]))


def test_warm_starts_make_later_measurements_cheap():
    net = TabularMLP("digits", hidden=(8,), loss="mse")
    run = track_sharpness(net, 0.05, 40, every=10, batch=np.arange(50))
    assert run.products < 5 * 40, "warm-started power iterations need only a few products each"
    assert run.sharpness.shape == (5,) and np.all(run.sharpness > 0)


def fake(lr, at, sharpness, losses):
    return SharpnessRun(lr=lr, losses=np.array(losses, dtype=float), at=np.array(at), sharpness=np.array(sharpness),
                        products=0, diverged_at=None, seconds=0.0)


def test_edge_summary_reads_the_crossing_the_hover_and_the_rises():
    run = fake(0.5, [0, 1, 2, 3, 4], [1.0, 3.0, 4.2, 3.8, 4.0], [5.0, 4.0, 3.0, 3.5, 2.0])
    s = edge_summary(run)
    assert (s.reached, s.rises_before, s.rises_after) == (2, 0, 1)
    assert s.hover == pytest.approx(1.0)
    never = edge_summary(fake(0.1, [0, 1], [1.0, 2.0], [3.0, 3.5]))
    assert never.reached is None and np.isnan(never.hover) and never.rises_before == 1


def test_predicted_spike_multiplies_the_growth_factors_from_the_crossing_until_round_off_is_undone():
    # 2/lr = 4; the sharpness crosses it at step 10 and reaches 6 at step 20: |1 - 0.5·6| = 2 per step
    at, sharp = [0, 10, 20, 200], [2.0, 4.0, 6.0, 6.0]
    crossed, predicted = predicted_spike(fake(0.5, at, sharp, np.zeros(201)))
    growth = np.cumsum(np.log(np.abs(1 - 0.5 * np.interp(np.arange(10, 201), at, sharp))))
    assert crossed == 10 and growth[-1] > np.log(1 / ROUNDOFF)
    assert predicted == 10 + int(np.argmax(growth >= np.log(1 / ROUNDOFF)))
    assert 60 < predicted < 20 + np.log(1 / ROUNDOFF) / np.log(2.0)  # 52 doublings after step 20, fewer with the ramp
    assert predicted_spike(fake(0.1, [0, 10], [1.0, 2.0], np.zeros(11))) == (None, None)


def test_edge_summary_puts_the_first_loss_rise_next_to_its_prediction():
    s = edge_summary(fake(0.5, [0, 1, 2, 3, 4], [1.0, 3.0, 4.2, 3.8, 4.0], [5.0, 4.0, 3.0, 3.5, 2.0]))
    assert s.first_rise == 3 and s.crossed == 2 and s.predicted_rise is None  # 4 steps cannot undo round-off


@pytest.mark.slow
def test_on_the_lesson_network_the_first_spike_comes_when_round_off_has_grown_back():
    net = TabularMLP("digits", hidden=(32, 32), loss="mse")
    s = edge_summary(track_sharpness(net, 0.2, 300, every=20, batch=np.arange(200)))
    assert s.first_rise - s.crossed > 50 and abs(s.predicted_rise - s.first_rise) <= 20, s
