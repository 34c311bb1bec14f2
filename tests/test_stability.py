"""lrlab.studies.stability: full-batch gradient descent with the sharpness measured along the way."""
import numpy as np
import pytest

from lrlab.problems import QuadraticND, TabularMLP
from lrlab.studies.stability import SharpnessRun, edge_summary, track_sharpness


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
