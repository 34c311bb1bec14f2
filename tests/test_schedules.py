"""Tests for lrlab.optim.schedules: agreement with PyTorch, properties, argument checks.

Expected numbers come from ``fixtures/torch_schedules.json`` (written by
``fixtures/make_torch_schedules.py`` with PyTorch's own schedulers) or from
the closed forms in the docstrings; torch is never imported here.
"""
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from lrlab.optim import schedules as S

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "torch_schedules.json").read_text())
CASES = FIXTURE["schedules"]
PLATEAU_CASES = FIXTURE["plateau"]
RTOL = 1e-12  # agreement with torch, relative below lr = 1 and absolute above


def _case_id(case):
    args = ",".join(f"{k}={v}" for k, v in case["kwargs"].items())
    return f"{case['factory']}({args})"


def _cases(*factories):
    chosen = [c for c in CASES if not factories or c["factory"] in factories]
    return pytest.mark.parametrize("case", chosen, ids=[_case_id(c) for c in chosen])


def _build(case):
    return getattr(S, case["factory"])(**case["kwargs"])


def _torch_lrs(case):
    """Torch's rates for the steps a schedule covers (one_cycle's extra entry dropped)."""
    lrs = np.array(case["lrs"])
    return lrs[:-1] if case["factory"] == "one_cycle" else lrs


def assert_matches_torch(got, expected, what):
    """|got - torch| <= 1e-12·min(1, |torch|), plus rounding noise for exact zeros."""
    got, expected = np.asarray(got), np.asarray(expected)
    err = np.abs(got - expected)
    allowed = RTOL * np.minimum(1.0, np.abs(expected)) + 1e-15 * np.abs(expected).max()
    bad = np.flatnonzero(err > allowed)
    assert bad.size == 0, (
        f"{what}: {bad.size} step(s) differ from torch, first at step {bad[0]}: "
        f"got {got[bad[0]]!r}, torch {expected[bad[0]]!r} (|diff| {err[bad[0]]:.2e})")


# ---------------------------------------------------------------- torch agreement

@_cases()
def test_matches_torch_at_every_step(case):
    expected = _torch_lrs(case)
    assert_matches_torch(_build(case)(np.arange(expected.size)), expected, _case_id(case))


@_cases()
def test_array_of_steps_gives_the_same_as_step_by_step(case):
    sched = _build(case)
    steps = np.arange(len(case["lrs"]) + 5)
    one_by_one = np.array([sched(int(t)) for t in steps])
    np.testing.assert_array_equal(sched(steps), one_by_one,
                                  err_msg=f"{_case_id(case)}: array call differs from scalar calls")


@_cases("cosine_annealing")
def test_cosine_hold_follows_torch_until_T_max_then_stays_at_eta_min(case):
    kw = case["kwargs"]
    sched = S.cosine_annealing(**kw, after="hold")
    T_max, eta_min = kw["T_max"], kw.get("eta_min", 0.0)
    torch_lrs = np.array(case["lrs"])
    assert_matches_torch(sched(np.arange(T_max + 1)), torch_lrs[:T_max + 1], _case_id(case) + " hold")
    later = sched(np.arange(T_max, 3 * T_max + 2))
    assert np.all(later == eta_min), f"after T_max the hold variant must equal eta_min={eta_min}"


@_cases("one_cycle")
def test_one_cycle_holds_its_last_value_from_total_steps_on(case):
    sched = _build(case)
    total = case["kwargs"]["total_steps"]
    last = case["lrs"][total - 1]  # torch's rate for the final update
    for t in (total, total + 1, 10 * total + 7):
        assert sched(t) == pytest.approx(last, rel=RTOL), f"step {t} should hold {last!r}"


def test_one_cycle_with_a_single_step_first_phase_starts_at_max_lr():
    # pct_start * total_steps == 1: torch divides 0 by 0 at step 0.
    sched = S.one_cycle(0.1, total_steps=10, pct_start=0.1)
    assert sched(0) == pytest.approx(0.1, rel=RTOL)
    min_lr = 0.1 / 25.0 / 1e4
    expected = min_lr + (0.1 - min_lr) / 2 * (1 + math.cos(math.pi * 1 / 9))  # phase 2, 1/9 of the way
    assert sched(1) == pytest.approx(expected, rel=RTOL)


@pytest.mark.parametrize("i", range(len(PLATEAU_CASES)))
def test_reduce_on_plateau_matches_torch(i):
    case = PLATEAU_CASES[i]
    plateau = S.ReduceLROnPlateau(**case["kwargs"])
    metrics = [math.nan if m is None else m for m in case["metrics"]]
    got = [plateau.step(m) for m in metrics]
    assert_matches_torch(got, case["lrs"], f"ReduceLROnPlateau({case['kwargs']})")


def test_reduce_on_plateau_lr_attribute_is_what_step_returned():
    plateau = S.ReduceLROnPlateau(0.1, patience=0)
    assert plateau.lr == 0.1
    returned = [plateau.step(1.0) for _ in range(3)]
    assert plateau.lr == returned[-1] == pytest.approx(0.001, rel=1e-12)


def test_reduce_on_plateau_counts_nan_as_no_improvement():
    plateau = S.ReduceLROnPlateau(0.1, patience=0, factor=0.5)
    plateau.step(1.0)
    assert plateau.step(np.nan) == pytest.approx(0.05, rel=1e-12)


# ---------------------------------------------------------------- calling conventions

def test_int_step_gives_a_python_float():
    value = S.cosine_annealing(0.1, T_max=10)(np.int64(3))
    assert type(value) is float


def test_array_step_keeps_its_shape_and_is_float64():
    steps = np.arange(12).reshape(3, 4)
    out = S.step_decay(0.1, step_size=2)(steps)
    assert out.shape == (3, 4) and out.dtype == np.float64
    assert out[2, 3] == pytest.approx(0.1 * 0.1 ** 5, rel=1e-12)


@pytest.mark.parametrize("step, exc, match", [
    (-1, ValueError, "step must be >= 0"),
    (np.array([0, 3, -2]), ValueError, "step must be >= 0"),
    (1.5, TypeError, "step must be a non-negative integer"),
    (np.array([0.0, 1.0]), TypeError, "step must be a non-negative integer"),
    (True, TypeError, "step must be a non-negative integer"),
])
def test_bad_step_is_rejected(step, exc, match):
    with pytest.raises(exc, match=match):
        S.constant(0.1)(step)


def test_repr_shows_the_factory_call():
    sched = S.cosine_annealing(0.1, T_max=100, eta_min=1e-3)
    assert repr(sched) == "cosine_annealing(lr=0.1, T_max=100, eta_min=0.001, after='cycle')"
    assert sched.__name__ == "cosine_annealing"


def test_join_repr_nests_its_pieces():
    sched = S.join_schedules([S.constant(0.1), S.exponential_decay(0.1, 0.9)], [5])
    assert repr(sched) == ("join_schedules(schedules=[constant(lr=0.1), "
                           "exponential_decay(lr=0.1, gamma=0.9)], boundaries=[5])")


def test_plateau_repr_names_its_settings_and_current_lr():
    text = repr(S.ReduceLROnPlateau(0.1, patience=3))
    assert text.startswith("ReduceLROnPlateau(lr=0.1, mode='min', factor=0.1, patience=3")
    assert "now lr=0.1" in text


def test_far_out_decay_underflows_to_zero_quietly():
    assert S.exponential_decay(0.1, 0.5)(10**6) == 0.0


def test_triangular2_far_out_stays_at_base_lr_without_overflow():
    # The amplitude halves every cycle; after thousands of cycles it is below rounding.
    assert S.cyclic(0.01, 0.1, step_size_up=1, mode="triangular2")(5001) == 0.01


def test_cosine_cycle_is_exact_far_from_the_start():
    sched = S.cosine_annealing(1.0, T_max=7)
    t = 7 * (2 * 10**9 + 1) + 3  # an odd multiple of T_max, plus 3: same phase as step 7 + 3
    assert sched(t) == pytest.approx((1 + math.cos(math.pi * 10 / 7)) / 2, rel=1e-13)


def test_warm_restarts_far_out_with_growing_cycles():
    # Cycles 1, 2, 4, ... start at 2**n - 1; step 2**40 - 1 + 5 is 5 steps into a cycle of 2**40.
    sched = S.cosine_warm_restarts(1.0, T_0=1, T_mult=2)
    expected = (1 + math.cos(math.pi * 5 / 2**40)) / 2
    assert sched(2**40 - 1 + 5) == pytest.approx(expected, rel=1e-15)


def test_join_shifts_the_step_for_later_pieces():
    sched = S.join_schedules([S.constant(0.1), S.exponential_decay(1.0, 0.5)], [3])
    assert sched(2) == 0.1
    assert sched(3) == 1.0
    assert sched(5) == pytest.approx(0.25, rel=1e-12)


def test_join_accepts_plain_callables_that_only_handle_one_int():
    sched = S.join_schedules([lambda t: 0.1, lambda t: 0.1 * math.exp(-t)], [4])  # math: scalars only
    assert sched(6) == pytest.approx(0.1 * math.exp(-2), rel=1e-12)
    np.testing.assert_allclose(sched(np.array([3, 4, 6])), [0.1, 0.1, 0.1 * math.exp(-2)], rtol=1e-12)


def test_join_accepts_a_single_schedule_and_no_boundaries():
    sched = S.join_schedules([S.exponential_decay(0.1, 0.9)], [])
    assert sched(3) == pytest.approx(0.1 * 0.9**3, rel=1e-12)


# ---------------------------------------------------------------- properties

LRS = st.floats(1e-6, 10.0)
FACTORS = st.floats(1e-3, 1.0)
PROPS = settings(max_examples=60, deadline=None)


def _within(values, low, high, what):
    tol = 1e-12 * high
    assert values.min() >= low - tol, f"{what}: {values.min()!r} below the lower bound {low!r}"
    assert values.max() <= high + tol, f"{what}: {values.max()!r} above the upper bound {high!r}"


def _non_increasing(values, what):
    rises = np.diff(values)
    assert np.all(rises <= 1e-12 * np.abs(values).max()), f"{what}: rises by {rises.max()!r}"


def _non_decreasing(values, what):
    _non_increasing(-values, what)


@PROPS
@given(lr=LRS, step_size=st.integers(1, 50), gamma=FACTORS)
def test_step_decay_stays_in_0_lr_and_never_rises(lr, step_size, gamma):
    values = S.step_decay(lr, step_size, gamma)(np.arange(400))
    _within(values, 0.0, lr, "step_decay")
    _non_increasing(values, "step_decay")


@PROPS
@given(lr=LRS, gamma=FACTORS)
def test_exponential_decay_stays_in_0_lr_and_never_rises(lr, gamma):
    values = S.exponential_decay(lr, gamma)(np.arange(400))
    _within(values, 0.0, lr, "exponential_decay")
    _non_increasing(values, "exponential_decay")


@PROPS
@given(lr=LRS, T_max=st.integers(1, 300), floor=st.floats(0.0, 1.0), after=st.sampled_from(["cycle", "hold"]))
def test_cosine_annealing_stays_between_eta_min_and_lr(lr, T_max, floor, after):
    eta_min = floor * lr
    values = S.cosine_annealing(lr, T_max, eta_min, after=after)(np.arange(5 * T_max + 3))
    _within(values, eta_min, lr, f"cosine_annealing(after={after!r})")


@PROPS
@given(lr=LRS, T_max=st.integers(1, 300), floor=st.floats(0.0, 1.0), after=st.sampled_from(["cycle", "hold"]))
def test_cosine_annealing_never_rises_before_T_max(lr, T_max, floor, after):
    values = S.cosine_annealing(lr, T_max, floor * lr, after=after)(np.arange(T_max + 1))
    _non_increasing(values, "cosine_annealing up to T_max")


@PROPS
@given(lr=LRS, T_max=st.integers(1, 300), floor=st.floats(0.0, 1.0), t=st.integers(0, 10**6))
def test_cosine_cycle_repeats_every_2_T_max(lr, T_max, floor, t):
    sched = S.cosine_annealing(lr, T_max, floor * lr)
    assert sched(t + 2 * T_max) == pytest.approx(sched(t), rel=1e-12, abs=1e-15 * lr)


@PROPS
@given(lr=LRS, T_0=st.integers(1, 40), T_mult=st.integers(1, 3), floor=st.floats(0.0, 1.0))
def test_warm_restarts_stay_in_bounds_and_only_rise_at_restarts(lr, T_0, T_mult, floor):
    eta_min = floor * lr
    values = S.cosine_warm_restarts(lr, T_0, T_mult, eta_min)(np.arange(600))
    _within(values, eta_min, lr, "cosine_warm_restarts")
    rises = np.flatnonzero(np.diff(values) > 1e-12 * lr) + 1
    np.testing.assert_allclose(values[rises], lr, rtol=1e-12,
                               err_msg="the rate may only go up by restarting at lr")


@PROPS
@given(lr=LRS, total_iters=st.integers(1, 100), start=st.floats(1e-3, 1.0), end=st.floats(0.0, 1.0))
def test_linear_warmup_moves_monotonically_then_holds(lr, total_iters, start, end):
    values = S.linear_warmup(lr, total_iters, start, end)(np.arange(total_iters + 20))
    _within(values, lr * min(start, end), lr * max(start, end), "linear_warmup")
    if start <= end:
        _non_decreasing(values, "linear_warmup (rising)")
    else:
        _non_increasing(values, "linear_warmup (falling)")
    assert np.all(values[total_iters:] == values[total_iters]), "must hold after total_iters"


@st.composite
def warmup_cosine_args(draw):
    lr = draw(LRS)
    warmup = draw(st.integers(0, 100))
    total = warmup + draw(st.integers(1, 200))
    return lr, warmup, total, draw(st.floats(0.0, 1.0)), draw(st.floats(0.0, 1.0)) * lr


@PROPS
@given(args=warmup_cosine_args())
def test_warmup_cosine_rises_then_falls_within_bounds(args):
    lr, warmup, total, start, eta_min = args
    values = S.warmup_cosine(lr, warmup, total, start, eta_min)(np.arange(total + 10))
    _within(values, min(start * lr, eta_min), lr, "warmup_cosine")
    _non_decreasing(values[:warmup + 1], "warmup_cosine during warmup")
    _non_increasing(values[warmup:], "warmup_cosine after warmup")
    assert np.all(values[total:] == eta_min), "must hold eta_min from total_steps on"


@PROPS
@given(args=warmup_cosine_args())
def test_warmup_cosine_is_continuous_at_the_join(args):
    lr, warmup, total, start, eta_min = args
    assume(warmup >= 2)
    sched = S.warmup_cosine(lr, warmup, total, start, eta_min)
    assert sched(warmup) == pytest.approx(lr, rel=1e-12), "the peak is at warmup_steps"
    last_rise = sched(warmup) - sched(warmup - 1)
    earlier_rise = sched(warmup - 1) - sched(warmup - 2)
    assert last_rise == pytest.approx(earlier_rise, rel=1e-9, abs=1e-14 * lr), (
        "the step into the join must be one more warmup increment, not a jump")


@PROPS
@given(args=warmup_cosine_args())
def test_warmup_cosine_equals_joined_linear_warmup_and_held_cosine(args):
    lr, warmup, total, start, eta_min = args
    assume(warmup >= 1 and start > 0)
    joined = S.join_schedules(
        [S.linear_warmup(lr, warmup, start_factor=start),
         S.cosine_annealing(lr, total - warmup, eta_min, after="hold")], [warmup])
    steps = np.arange(total + 10)
    np.testing.assert_allclose(S.warmup_cosine(lr, warmup, total, start, eta_min)(steps), joined(steps),
                               rtol=1e-12, atol=1e-15 * lr)


@PROPS
@given(lr=LRS, warmup=st.integers(1, 60), decay=st.integers(1, 200), start=st.floats(1e-3, 1.0),
       floor=st.floats(0.0, 1.0))
def test_join_is_continuous_when_each_piece_starts_where_the_last_would_go(lr, warmup, decay, start, floor):
    warm = S.linear_warmup(lr, warmup, start_factor=start)  # reaches lr at local step `warmup`
    sched = S.join_schedules([warm, S.cosine_annealing(lr, decay, floor * lr)], [warmup])
    assert sched(warmup) == pytest.approx(warm(warmup), rel=1e-12)
    assert sched(warmup - 1) == warm(warmup - 1)


@st.composite
def one_cycle_args(draw):
    return dict(max_lr=draw(LRS), total_steps=draw(st.integers(1, 300)),
                pct_start=draw(st.floats(0.01, 0.99)),
                anneal_strategy=draw(st.sampled_from(["cos", "linear"])),
                div_factor=draw(st.floats(1.0, 1e3)), final_div_factor=draw(st.floats(1.0, 1e5)),
                three_phase=draw(st.booleans()))


@PROPS
@given(kw=one_cycle_args())
def test_one_cycle_stays_between_min_lr_and_max_lr(kw):
    min_lr = kw["max_lr"] / kw["div_factor"] / kw["final_div_factor"]
    values = S.one_cycle(**kw)(np.arange(kw["total_steps"] + 5))
    _within(values, min_lr, kw["max_lr"], "one_cycle")


@PROPS
@given(kw=one_cycle_args())
def test_one_cycle_rises_then_falls(kw):
    values = S.one_cycle(**kw)(np.arange(kw["total_steps"] + 5))
    peak = int(np.argmax(values))
    _non_decreasing(values[:peak + 1], "one_cycle before its peak")
    _non_increasing(values[peak:], "one_cycle after its peak")


@PROPS
@given(base=LRS, ratio=st.floats(1.01, 100.0), up=st.integers(1, 30), down=st.none() | st.integers(1, 30),
       mode=st.sampled_from(["triangular", "triangular2", "exp_range"]), gamma=st.floats(0.9, 1.0))
def test_cyclic_stays_between_base_lr_and_max_lr(base, ratio, up, down, mode, gamma):
    values = S.cyclic(base, base * ratio, up, down, mode, gamma)(np.arange(300))
    _within(values, base, base * ratio, f"cyclic({mode})")


@PROPS
@given(base=LRS, ratio=st.floats(1.01, 100.0), up=st.integers(1, 30), down=st.integers(1, 30),
       t=st.integers(0, 10**6))
def test_triangular_cycle_repeats_every_cycle_length(base, ratio, up, down, t):
    sched = S.cyclic(base, base * ratio, up, down)
    assert sched(t + up + down) == pytest.approx(sched(t), rel=1e-9)


METRICS = st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=80)


@PROPS
@given(metrics=METRICS, lr=LRS, floor=st.floats(0.0, 1.0), factor=st.floats(0.01, 0.99),
       patience=st.integers(0, 4), cooldown=st.integers(0, 3), mode=st.sampled_from(["min", "max"]),
       threshold_mode=st.sampled_from(["rel", "abs"]))
def test_reduce_on_plateau_never_rises_and_never_goes_below_min_lr(
        metrics, lr, floor, factor, patience, cooldown, mode, threshold_mode):
    plateau = S.ReduceLROnPlateau(lr, mode=mode, factor=factor, patience=patience, cooldown=cooldown,
                                  min_lr=floor * lr, threshold_mode=threshold_mode)
    lrs = np.array([lr] + [plateau.step(m) for m in metrics])
    assert lrs.min() >= floor * lr, f"went below min_lr={floor * lr!r}: {lrs.min()!r}"
    _non_increasing(lrs, "ReduceLROnPlateau")


# ---------------------------------------------------------------- argument checks

BAD_ARGS = [
    (S.constant, dict(lr=0.0), ValueError, "lr must be > 0"),
    (S.constant, dict(lr=-1.0), ValueError, "lr must be > 0"),
    (S.constant, dict(lr=math.nan), ValueError, "lr must be finite"),
    (S.constant, dict(lr=math.inf), ValueError, "lr must be finite"),
    (S.constant, dict(lr="0.1"), TypeError, "lr must be a real number"),
    (S.step_decay, dict(lr=0.1, step_size=0), ValueError, "step_size must be >= 1"),
    (S.step_decay, dict(lr=0.1, step_size=2.5), TypeError, "step_size must be an integer"),
    (S.step_decay, dict(lr=0.1, step_size=2, gamma=0.0), ValueError, "gamma must be > 0"),
    (S.step_decay, dict(lr=0.1, step_size=2, gamma=1.5), ValueError, "gamma must be <= 1"),
    (S.step_decay, dict(lr=-0.1, step_size=2), ValueError, "lr must be > 0"),
    (S.exponential_decay, dict(lr=0.1, gamma=1.01), ValueError, "gamma must be <= 1"),
    (S.exponential_decay, dict(lr=0.1, gamma=-0.5), ValueError, "gamma must be > 0"),
    (S.exponential_decay, dict(lr=0.1, gamma=math.nan), ValueError, "gamma must be finite"),
    (S.cosine_annealing, dict(lr=0.1, T_max=0), ValueError, "T_max must be >= 1"),
    (S.cosine_annealing, dict(lr=0.1, T_max=10.0), TypeError, "T_max must be an integer"),
    (S.cosine_annealing, dict(lr=0.1, T_max=10, eta_min=-0.1), ValueError, "eta_min must be >= 0"),
    (S.cosine_annealing, dict(lr=0.1, T_max=10, eta_min=0.2), ValueError, "eta_min must be <= the peak"),
    (S.cosine_annealing, dict(lr=0.1, T_max=10, after="wrap"), ValueError, "after must be one of"),
    (S.cosine_annealing, dict(lr=math.inf, T_max=10), ValueError, "lr must be finite"),
    (S.cosine_warm_restarts, dict(lr=0.1, T_0=0), ValueError, "T_0 must be >= 1"),
    (S.cosine_warm_restarts, dict(lr=0.1, T_0=5, T_mult=0), ValueError, "T_mult must be >= 1"),
    (S.cosine_warm_restarts, dict(lr=0.1, T_0=5, T_mult=1.5), TypeError, "T_mult must be an integer"),
    (S.cosine_warm_restarts, dict(lr=0.1, T_0=5, eta_min=0.5), ValueError, "eta_min must be <= the peak"),
    (S.linear_warmup, dict(lr=0.1, total_iters=0), ValueError, "total_iters must be >= 1"),
    (S.linear_warmup, dict(lr=0.1, total_iters=5, start_factor=0.0), ValueError, "start_factor must be > 0"),
    (S.linear_warmup, dict(lr=0.1, total_iters=5, start_factor=1.5), ValueError, "start_factor must be <= 1"),
    (S.linear_warmup, dict(lr=0.1, total_iters=5, end_factor=-0.1), ValueError, "end_factor must be >= 0"),
    (S.linear_warmup, dict(lr=0.1, total_iters=5, end_factor=1.1), ValueError, "end_factor must be <= 1"),
    (S.warmup_cosine, dict(lr=0.1, warmup_steps=-1, total_steps=10), ValueError, "warmup_steps must be >= 0"),
    (S.warmup_cosine, dict(lr=0.1, warmup_steps=10, total_steps=10), ValueError,
     r"total_steps must be > warmup_steps \(10\)"),
    (S.warmup_cosine, dict(lr=0.1, warmup_steps=5, total_steps=10, start_factor=1.5), ValueError,
     "start_factor must be <= 1"),
    (S.warmup_cosine, dict(lr=0.1, warmup_steps=5, total_steps=10, eta_min=0.2), ValueError,
     "eta_min must be <= the peak"),
    (S.one_cycle, dict(max_lr=0.0, total_steps=10), ValueError, "max_lr must be > 0"),
    (S.one_cycle, dict(max_lr=0.1, total_steps=0), ValueError, "total_steps must be >= 1"),
    (S.one_cycle, dict(max_lr=0.1, total_steps=10, pct_start=0.0), ValueError, "pct_start must be > 0"),
    (S.one_cycle, dict(max_lr=0.1, total_steps=10, pct_start=1.0), ValueError, "pct_start must be < 1"),
    (S.one_cycle, dict(max_lr=0.1, total_steps=10, anneal_strategy="exp"), ValueError,
     "anneal_strategy must be one of 'cos', 'linear'"),
    (S.one_cycle, dict(max_lr=0.1, total_steps=10, div_factor=0.5), ValueError, "div_factor must be >= 1"),
    (S.one_cycle, dict(max_lr=0.1, total_steps=10, final_div_factor=0.0), ValueError,
     "final_div_factor must be >= 1"),
    (S.one_cycle, dict(max_lr=0.1, total_steps=10, three_phase="yes"), TypeError,
     "three_phase must be True or False"),
    (S.cyclic, dict(base_lr=0.1, max_lr=0.1), ValueError, r"max_lr must be > base_lr \(0.1\)"),
    (S.cyclic, dict(base_lr=0.0, max_lr=0.1), ValueError, "base_lr must be > 0"),
    (S.cyclic, dict(base_lr=0.01, max_lr=0.1, step_size_up=0), ValueError, "step_size_up must be >= 1"),
    (S.cyclic, dict(base_lr=0.01, max_lr=0.1, step_size_down=0), ValueError, "step_size_down must be >= 1"),
    (S.cyclic, dict(base_lr=0.01, max_lr=0.1, mode="sine"), ValueError, "mode must be one of"),
    (S.cyclic, dict(base_lr=0.01, max_lr=0.1, mode="exp_range", gamma=1.5), ValueError, "gamma must be <= 1"),
    (S.join_schedules, dict(schedules=[S.constant(0.1)] * 2, boundaries=[]), ValueError,
     r"boundaries must hold len\(schedules\) - 1 = 1"),
    (S.join_schedules, dict(schedules=[S.constant(0.1)] * 3, boundaries=[5, 5]), ValueError,
     "boundaries must be strictly increasing"),
    (S.join_schedules, dict(schedules=[S.constant(0.1)] * 2, boundaries=[0]), ValueError,
     r"boundaries\[0\] must be >= 1"),
    (S.join_schedules, dict(schedules=[S.constant(0.1)] * 2, boundaries=[2.5]), TypeError,
     r"boundaries\[0\] must be an integer"),
    (S.join_schedules, dict(schedules=[S.constant(0.1), 0.1], boundaries=[3]), TypeError,
     r"schedules\[1\] must be callable"),
    (S.join_schedules, dict(schedules=[], boundaries=[]), ValueError, "schedules must hold at least one"),
    (S.join_schedules, dict(schedules=S.constant(0.1), boundaries=[]), TypeError,
     "schedules must be a list of callables"),
    (S.ReduceLROnPlateau, dict(lr=0.0), ValueError, "lr must be > 0"),
    (S.ReduceLROnPlateau, dict(lr=0.1, mode="avg"), ValueError, "mode must be one of 'min', 'max'"),
    (S.ReduceLROnPlateau, dict(lr=0.1, factor=1.0), ValueError, "factor must be < 1"),
    (S.ReduceLROnPlateau, dict(lr=0.1, factor=0.0), ValueError, "factor must be > 0"),
    (S.ReduceLROnPlateau, dict(lr=0.1, patience=-1), ValueError, "patience must be >= 0"),
    (S.ReduceLROnPlateau, dict(lr=0.1, patience=1.5), TypeError, "patience must be an integer"),
    (S.ReduceLROnPlateau, dict(lr=0.1, threshold=-1e-4), ValueError, "threshold must be >= 0"),
    (S.ReduceLROnPlateau, dict(lr=0.1, threshold_mode="pct"), ValueError, "threshold_mode must be one of"),
    (S.ReduceLROnPlateau, dict(lr=0.1, cooldown=-1), ValueError, "cooldown must be >= 0"),
    (S.ReduceLROnPlateau, dict(lr=0.1, min_lr=0.2), ValueError, "min_lr must be <= the peak"),
    (S.ReduceLROnPlateau, dict(lr=0.1, eps=-1.0), ValueError, "eps must be >= 0"),
]


@pytest.mark.parametrize("factory, kwargs, exc, match", BAD_ARGS,
                         ids=[f"{f.__name__}: {match}" for f, _, _, match in BAD_ARGS])
def test_bad_argument_is_rejected_by_name(factory, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        factory(**kwargs)


@pytest.mark.parametrize("metric", ["0.5", True, None, [0.5]])
def test_plateau_step_rejects_a_metric_that_is_not_a_number(metric):
    with pytest.raises(TypeError, match="metric must be a real number"):
        S.ReduceLROnPlateau(0.1).step(metric)
