"""Tests for lrlab.studies.shower: the shower knob as gradient descent with a delayed pipe.

Expected values come from closed forms (gradient descent on a quadratic, the
stability limit 2·sin(π/(2(2d+1))) of x_{t+1} = x_t − a·x_{t−d}, geometric error
sequences), from plain-Python transcriptions of the documented equations, or
from np.roots computed here.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlab.studies import shower

COLD, HOT, TARGET = 10.0, 60.0, 38.0
C = HOT - COLD  # °C per knob unit: the curvature of the equivalent quadratic
K_STAR = (TARGET - COLD) / C

FAST = settings(max_examples=60, deadline=None)


def reference_run(gain, delay, steps, start_knob, lag, target=TARGET, cold=COLD, hot=HOT):
    """The module docstring's equations, one reading at a time, in plain Python."""
    c = hot - cold
    knobs, felts = [start_knob], []
    felt = cold + c * start_knob
    for t in range(steps + 1):
        source = knobs[t - delay] if t >= delay else start_knob
        felt = lag * felt + (1 - lag) * (cold + c * source)
        felts.append(felt)
        if t < steps:
            knobs.append(min(1.0, max(0.0, knobs[t] + gain * (target - felt))))
    return np.array(knobs), np.array(felts)


# --------------------------------------------------------------------------- delay 0 = gradient descent


@FAST
@given(a=st.floats(0.01, 1.95), start=st.floats(0.0, 1.0), target=st.floats(12.0, 58.0))
def test_delay0_knob_is_gradient_descent_until_a_stop_binds(a, start, target):
    gain, k_star = a / C, (target - COLD) / C
    run = shower.simulate(gain, delay=0, steps=40, start_knob=start, target=target)
    k = start
    for t in range(41):
        assert run.knob[t] == pytest.approx(k, abs=1e-12), f"step {t}: knob {run.knob[t]} vs GD {k}"
        k = k - gain * C * (k - k_star)  # lr = gain, gradient of ½·C·(k − k*)²
        if not 0.0 <= k <= 1.0:
            break


@FAST
@given(a=st.floats(0.01, 1.99), start=st.floats(0.0, 1.0), target=st.floats(10.0, 60.0))
def test_delay0_knob_is_gradient_descent_projected_onto_the_stops(a, start, target):
    gain, k_star = a / C, (target - COLD) / C
    run = shower.simulate(gain, delay=0, steps=40, start_knob=start, target=target)
    gd = [start]
    for _ in range(40):
        gd.append(min(1.0, max(0.0, gd[-1] - gain * C * (gd[-1] - k_star))))
    np.testing.assert_allclose(run.knob, gd, rtol=0, atol=1e-12, err_msg="projected GD")


def test_delay0_felt_error_is_minus_the_gradient():
    run = shower.simulate(0.01, delay=0, steps=10)
    gradient = C * (run.knob - K_STAR)  # d/dk of ½·C·(k − k*)²
    np.testing.assert_allclose(run.error, -gradient, atol=1e-12, err_msg="error = −gradient")


def test_delay0_gain_times_c_equal_one_is_comfortable_after_one_step():
    run = shower.simulate(1.0 / C, delay=0, steps=5)
    np.testing.assert_allclose(run.felt[1:], TARGET, atol=1e-12, err_msg="one-step convergence")


# --------------------------------------------------------------------------- the equations with delay and lag


@FAST
@given(gain=st.floats(1e-4, 0.1), delay=st.integers(0, 4), lag=st.floats(0.0, 0.9),
       start=st.floats(0.0, 1.0))
def test_simulate_follows_the_documented_equations(gain, delay, lag, start):
    knob, felt = reference_run(gain, delay, 30, start, lag)
    run = shower.simulate(gain, delay=delay, steps=30, start_knob=start, lag=lag)
    np.testing.assert_allclose(run.knob, knob, atol=1e-12, err_msg="knob")
    np.testing.assert_allclose(run.felt, felt, atol=1e-10, err_msg="felt")


def test_pipe_delays_the_first_change_by_delay_steps():
    run = shower.simulate(0.01, delay=3, steps=6)
    np.testing.assert_array_equal(run.felt[:4], COLD, err_msg="readings 0..3 still cold")
    assert run.felt[4] > COLD, f"reading 4 should feel the first turn, got {run.felt[4]}"


def test_time_axis_is_in_seconds():
    run = shower.simulate(0.01, steps=4, seconds_per_step=2.5)
    np.testing.assert_allclose(run.time, [0.0, 2.5, 5.0, 7.5, 10.0])


# --------------------------------------------------------------------------- derived facts


def test_settled_at_matches_the_geometric_error_sequence():
    # delay 0, g·c = 0.5: |error_t| = 28·0.5^t, first inside ±1 °C at t = ceil(log2 28) = 5
    run = shower.simulate(0.5 / C, delay=0, steps=30, seconds_per_step=2.0)
    expected = math.ceil(math.log2(TARGET - COLD)) * 2.0
    assert run.settled_at == pytest.approx(expected), f"settled_at {run.settled_at}, expected {expected}"


@FAST
@given(gain=st.floats(1e-4, 0.03), delay=st.integers(0, 4), lag=st.floats(0.0, 0.6))
def test_settled_at_is_the_start_of_the_final_stay_in_the_band(gain, delay, lag):
    run = shower.simulate(gain, delay=delay, lag=lag, steps=80)
    inside = np.abs(run.felt - TARGET) <= 1.0
    if run.settled_at is None:
        final_stretch = len(inside) - np.argmax(np.logical_and.accumulate(inside[::-1])[::-1]) \
            if inside[-1] else 0
        assert final_stretch < 5, "a final in-band stretch of >= hold readings must count as settled"
    else:
        i = int(round(run.settled_at))
        assert inside[i:].all(), f"left the band after settled_at={run.settled_at}"
        assert i == 0 or not inside[i - 1], "settled_at must be the first reading of the final stay"
        assert len(inside) - i >= 5, "stay shorter than hold"


def test_a_brief_pass_through_the_band_at_the_end_is_not_settling():
    # delay 0, g·c = 1.5: errors −28, 14, −7, 3.5, −1.75, 0.875 → in band only at the last 2 readings
    run = shower.simulate(1.5 / C, delay=0, steps=6)
    assert abs(run.felt[-1] - TARGET) <= 1.0, "setup: last reading should be in the band"
    assert run.settled_at is None and run.behaviour != "settles", run.behaviour
    relaxed = shower.simulate(1.5 / C, delay=0, steps=6, hold=2)
    assert relaxed.settled_at == pytest.approx(5.0), relaxed.settled_at


def test_overshoot_matches_closed_form():
    # delay 0, g·c = 1.5 from the cold stop: k_1 = 1.5·k*, so the water is 0.5·(38 − 10) too hot
    run = shower.simulate(1.5 / C, delay=0, steps=20)
    assert run.overshoot == pytest.approx(0.5 * (TARGET - COLD), abs=1e-9), run.overshoot


def test_overshoot_is_zero_when_never_too_hot():
    run = shower.simulate(0.1 / C, delay=0, steps=20)
    assert run.overshoot == 0.0, run.overshoot


def test_sign_changes_count_flips_outside_the_band():
    # errors −28·(−0.5)^t: outside ±1 °C for t = 0..4, alternating each time
    run = shower.simulate(1.5 / C, delay=0, steps=20)
    deviations = [-(TARGET - COLD) * (-0.5) ** t for t in range(21)]
    outside = [d for d in deviations if abs(d) > 1.0]
    expected = sum(1 for x, y in zip(outside, outside[1:]) if x * y < 0)
    assert run.sign_changes == expected, f"{run.sign_changes} vs {expected}"
    assert run.oscillates, "two or more flips mean the water went back and forth"


# --------------------------------------------------------------------------- labels and presets


@pytest.mark.parametrize("name, label", [("timid", "too timid"), ("wild", "wild swings"),
                                         ("sensible", "settles")])
def test_preset_produces_its_behaviour(name, label):
    run = shower.simulate(**shower.PRESETS[name].kwargs())
    assert run.behaviour == label, f"preset {name!r}: got {run.behaviour!r}, expected {label!r}"


def test_wild_preset_bangs_between_both_stops():
    run = shower.simulate(**shower.PRESETS["wild"].kwargs())
    late = run.knob[30:]
    assert late.min() == 0.0 and late.max() == 1.0, (late.min(), late.max())


def test_timid_label_for_a_slow_monotone_approach():
    # delay 0, g·c = 0.01: error 28·0.99^t is still > 1 °C after 60 steps
    run = shower.simulate(0.01 / C, delay=0, steps=60)
    assert (TARGET - COLD) * 0.99**60 > 1.0, "setup"
    assert run.behaviour == "too timid" and run.sign_changes == 0, (run.behaviour, run.sign_changes)


def test_an_early_overshoot_that_has_stopped_flipping_is_not_wild():
    # a heavy skin lag: too hot from reading 27 on and still cooling down when the run ends
    run = shower.simulate(0.0025, delay=2, lag=0.95, steps=60)
    assert run.sign_changes == 1 and (run.felt[27:] > TARGET + 1.0).all(), "setup: one early flip"
    assert run.behaviour == "too timid", run.behaviour


def test_labels_are_the_documented_three():
    labels = shower.sweep_gains(np.geomspace(1e-5, 1.0, 30)).labels
    assert set(labels.tolist()) == set(shower.LABELS), set(labels.tolist())


# --------------------------------------------------------------------------- vectorised sweep


def test_sweep_equals_one_run_per_gain():
    gains = [0.0003, 0.002, 0.005, 0.011, 0.03, 0.5]
    sweep = shower.sweep_gains(gains, delay=3, lag=0.3, steps=70, start_knob=0.2)
    assert sweep.knob.shape == (6, 71) and sweep.felt.shape == (6, 71), sweep.knob.shape
    for i, gain in enumerate(gains):
        run = shower.simulate(gain, delay=3, lag=0.3, steps=70, start_knob=0.2)
        np.testing.assert_array_equal(sweep.knob[i], run.knob, err_msg=f"knob, gain {gain}")
        np.testing.assert_array_equal(sweep.felt[i], run.felt, err_msg=f"felt, gain {gain}")
        assert sweep.labels[i] == run.behaviour, (gain, sweep.labels[i], run.behaviour)
        assert sweep.sign_changes[i] == run.sign_changes, gain
        assert sweep.overshoot[i] == run.overshoot, gain
        expected = np.nan if run.settled_at is None else run.settled_at
        np.testing.assert_equal(sweep.settled_at[i], expected, err_msg=f"settled_at, gain {gain}")


# --------------------------------------------------------------------------- end stops


@FAST
@given(gain=st.floats(1e-6, 1e6), delay=st.integers(0, 4), lag=st.floats(0.0, 0.95),
       start=st.floats(0.0, 1.0))
def test_knob_stays_between_the_stops(gain, delay, lag, start):
    run = shower.simulate(gain, delay=delay, lag=lag, start_knob=start, steps=40)
    assert run.knob.min() >= 0.0 and run.knob.max() <= 1.0, (run.knob.min(), run.knob.max())
    assert run.felt.min() >= COLD - 1e-9 and run.felt.max() <= HOT + 1e-9, (run.felt.min(), run.felt.max())


def test_enormous_gain_hits_the_stops_without_overflow_warnings():
    run = shower.simulate(1e307, delay=1, steps=10)
    assert set(np.unique(run.knob[1:]).tolist()) <= {0.0, 1.0}, np.unique(run.knob)


# --------------------------------------------------------------------------- theory


@pytest.mark.parametrize("delay", range(7))
def test_stable_gain_limit_matches_closed_form_without_lag(delay):
    expected = 2.0 * math.sin(math.pi / (2 * (2 * delay + 1))) / C
    assert shower.stable_gain_limit(delay) == pytest.approx(expected, rel=1e-9), delay


@pytest.mark.parametrize("lag", [0.1, 0.5, 0.9])
def test_stable_gain_limit_with_lag_and_no_delay_matches_closed_form(lag):
    # z² − (1 + λ − a(1−λ)) z + λ: stable while a(1−λ) < 2(1+λ)
    expected = 2 * (1 + lag) / ((1 - lag) * C)
    assert shower.stable_gain_limit(0, lag=lag) == pytest.approx(expected, rel=1e-9), lag


@settings(max_examples=30, deadline=None)
@given(delay=st.integers(0, 4), lag=st.floats(0.0, 0.5),
       start=st.floats(0.0, 1.0).filter(lambda s: abs(s - K_STAR) >= 0.05))
def test_stable_gain_limit_separates_settling_from_swinging(delay, lag, start):
    limit = shower.stable_gain_limit(delay, lag=lag)
    sweep = shower.sweep_gains([0.9 * limit, 1.1 * limit], delay=delay, lag=lag,
                               start_knob=start, steps=800)
    assert sweep.labels[0] == "settles", f"0.9 × limit: {sweep.labels[0]}"
    assert sweep.labels[1] == "wild swings", f"1.1 × limit: {sweep.labels[1]}"
    late = sweep.knob[1, 400:]
    assert late.min() == 0.0 or late.max() == 1.0, f"swings should reach a stop: {late.min()}..{late.max()}"


@pytest.mark.parametrize("delay", [1, 2, 3])
def test_spectral_radius_is_the_decay_rate_of_the_simulation(delay):
    gain = 0.8 * shower.stable_gain_limit(delay)
    rho = shower.spectral_radius(gain, delay)
    run = shower.simulate(gain, delay=delay, steps=160, start_knob=K_STAR + 0.05)
    assert run.knob.min() > 0.0 and run.knob.max() < 1.0, "setup: stops must not bind"
    deviation = np.abs(run.knob - K_STAR)
    early, late = deviation[40:60].max(), deviation[140:160].max()
    measured = (late / early) ** (1 / 100)
    assert measured == pytest.approx(rho, rel=0.01), f"measured {measured}, predicted {rho}"


@pytest.mark.parametrize("a", [0.2, 0.5, 1.0, 1.7])
def test_spectral_radius_without_delay_is_one_minus_gain_times_c(a):
    assert shower.spectral_radius(a / C, 0) == pytest.approx(abs(1 - a), abs=1e-12), a


def _radius_without_lag(a, delay):
    """Largest root modulus of z^(d+1) − z^d + a, straight from np.roots."""
    return np.abs(np.roots([1.0, -1.0] + [0.0] * (delay - 1) + [a])).max() if delay else abs(1 - a)


@pytest.mark.parametrize("delay", range(5))
def test_fastest_gain_reaches_radius_d_over_d_plus_one(delay):
    got = _radius_without_lag(shower.fastest_gain(delay) * C, delay)
    assert got == pytest.approx(delay / (delay + 1), abs=1e-6), got  # double root: ~sqrt(eps) accuracy


@pytest.mark.parametrize("delay", range(5))
def test_no_gain_beats_the_fastest_gain(delay):
    limit = 2.0 * math.sin(math.pi / (2 * (2 * delay + 1)))
    grid = np.linspace(1e-3, limit, 1001)
    best = min(_radius_without_lag(a, delay) for a in grid)
    assert best >= delay / (delay + 1) - 1e-6, f"grid found radius {best} < {delay / (delay + 1)}"


# --------------------------------------------------------------------------- settling_range


def test_settling_range_in_one_step_without_delay_matches_closed_form():
    # delay 0: after one step |error| = 28·|1 − g·c|, so one-step settling needs |1 − g·c| <= 1/28
    a = np.linspace(0.5, 1.5, 101)  # 0.96 and 1.04 lie just outside, 0.97 and 1.03 inside
    low, high = shower.settling_range(1, gains=a / C, delay=0)
    assert (low * C, high * C) == pytest.approx((0.97, 1.03), abs=1e-12), (low * C, high * C)


def test_settling_range_is_none_when_the_pipe_is_too_slow():
    # with a 2-step delay the reading after one step still comes from the start knob
    assert shower.settling_range(1, delay=2) is None


def test_settling_range_ends_do_settle_in_time():
    low, high = shower.settling_range(20, delay=2)
    for gain in (low, high):
        run = shower.simulate(gain, delay=2, steps=45)
        assert run.settled_at is not None and run.settled_at <= 20, (gain, run.settled_at)
    assert low < shower.fastest_gain(2) < high, "the fastest gain should be in the range"


# --------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize("kwargs, error, match", [
    ({"gain": 0.0}, ValueError, "gain must be > 0"),
    ({"gain": -0.01}, ValueError, "gain must be > 0"),
    ({"gain": float("nan")}, ValueError, "gain must be finite"),
    ({"gain": float("inf")}, ValueError, "gain must be finite"),
    ({"gain": "0.1"}, TypeError, "gain must be a real number"),
    ({"delay": -1}, ValueError, "delay must be >= 0"),
    ({"delay": 1.5}, TypeError, "delay must be an integer"),
    ({"steps": 0}, ValueError, "steps must be >= 1"),
    ({"band": 0.0}, ValueError, "band must be > 0"),
    ({"hot": 10.0}, ValueError, r"hot must be > cold \(10.0\)"),
    ({"target": 70.0}, ValueError, r"target must be between cold \(10.0\) and hot \(60.0\)"),
    ({"target": 5.0}, ValueError, "target must be between"),
    ({"start_knob": 1.5}, ValueError, "start_knob must be <= 1.0"),
    ({"lag": 1.0}, ValueError, "lag must be < 1.0"),
    ({"lag": -0.1}, ValueError, "lag must be >= 0.0"),
    ({"hold": 0}, ValueError, "hold must be >= 1"),
    ({"seconds_per_step": 0.0}, ValueError, "seconds_per_step must be > 0"),
])
def test_simulate_rejects_bad_arguments(kwargs, error, match):
    kwargs = {"gain": 0.01, **kwargs}
    with pytest.raises(error, match=match):
        shower.simulate(**kwargs)


@pytest.mark.parametrize("gains, match", [
    ([], "gains must hold at least 1"),
    ([0.01, -0.01], "gains must all be > 0"),
    ([0.01, float("nan")], "gains must contain only finite"),
    ([[0.01]], "gains must have 1 dimension"),
])
def test_sweep_rejects_bad_gains(gains, match):
    with pytest.raises(ValueError, match=match):
        shower.sweep_gains(gains)


@pytest.mark.parametrize("call, match", [
    (lambda: shower.settling_range(0), "steps_allowed must be >= 1"),
    (lambda: shower.settling_range(10, steps=5), "steps must be >= 10"),
    (lambda: shower.stable_gain_limit(-1), "delay must be >= 0"),
    (lambda: shower.stable_gain_limit(2, lag=1.0), "lag must be < 1.0"),
    (lambda: shower.stable_gain_limit(2, hot=5.0), "hot must be > cold"),
    (lambda: shower.spectral_radius(0.0), "gain must be > 0"),
    (lambda: shower.fastest_gain(-2), "delay must be >= 0"),
])
def test_theory_and_range_reject_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
