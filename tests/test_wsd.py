"""lrlab.optim.schedules.wsd: the three phases, the decay shapes, branches sharing a prefix, bad arguments."""
from __future__ import annotations

import math

import numpy as np
import pytest

from lrlab.optim.schedules import WSD_SHAPES, wsd


def test_the_docstring_example():
    sched = wsd(1.0, total_steps=10, warmup_steps=2, decay_steps=4, decay_shape="linear")
    assert [round(sched(t), 12) for t in range(11)] == [0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0]


@pytest.mark.parametrize("shape, h", [("linear", lambda u: 1 - u), ("1-sqrt", lambda u: 1 - math.sqrt(u)),
                                      ("cosine", lambda u: 0.5 * (1 + math.cos(math.pi * u)))])
def test_every_step_follows_the_formula(shape, h):
    peak, T, W, D, floor = 0.3, 120, 10, 30, 0.01
    sched = wsd(peak, T, W, D, shape, eta_min=floor)
    for t in range(T + 5):
        if t < W:
            want = peak * (t + 1) / W
        elif t < T - D:
            want = peak
        elif t < T:
            want = floor + (peak - floor) * h((t - (T - D)) / D)
        else:
            want = floor
        assert sched(t) == pytest.approx(want, rel=1e-12, abs=1e-15), f"step {t}"


def test_array_steps_give_the_same_values_as_single_steps():
    sched = wsd(0.1, 50, 5, 10)
    steps = np.arange(60)
    np.testing.assert_array_equal(sched(steps), [sched(int(t)) for t in steps])


def test_runs_of_different_lengths_share_the_rates_until_their_decay():
    """The property WSD branches rest on: the same peak and warmup give the same rates up to T - D."""
    long = wsd(0.05, 400, 20, 80)(np.arange(400))
    for T in (100, 200, 300):
        short = wsd(0.05, T, 20, T // 5)(np.arange(T))
        np.testing.assert_array_equal(short[:T - T // 5], long[:T - T // 5])
        assert short[T - T // 5 + 1] < long[T - T // 5 + 1]


def test_default_decay_is_a_fifth_of_the_run_and_the_rate_never_goes_negative():
    sched = wsd(1.0, 100)
    assert sched.params["decay_steps"] == 20 and sched(79) == 1.0 and sched(80) == 1.0 > sched(81)
    assert np.all(sched(np.arange(1000)) >= 0)
    assert set(WSD_SHAPES) == {"linear", "1-sqrt", "cosine"}


@pytest.mark.parametrize("kwargs, error, match", [
    ({"lr": 0.0}, ValueError, "lr"), ({"total_steps": 0}, ValueError, "total_steps"),
    ({"warmup_steps": -1}, ValueError, "warmup_steps"), ({"decay_steps": 0}, ValueError, "decay_steps"),
    ({"warmup_steps": 60, "decay_steps": 50}, ValueError, "warmup_steps \\+ decay_steps"),
    ({"decay_shape": "sqrt"}, ValueError, "decay_shape"), ({"eta_min": 2.0}, ValueError, "eta_min"),
    ({"total_steps": 10.5}, TypeError, "total_steps")])
def test_bad_arguments_are_named(kwargs, error, match):
    args = {"lr": 1.0, "total_steps": 100, **kwargs}
    with pytest.raises(error, match=match):
        wsd(**args)
