"""Lesson 01 (the shower knob): the checks behind its exercise test cells.

Each ``check_*`` takes the learner's function and one case, calls the function once, and either
returns quietly or fails through :mod:`lrlab.course.checks` with what was expected, what came back and a
hint. The usual mistakes are recognised first, so that the hint names them:

* Exercise 1, ``adjust_knob(knob, felt, target, gain)``: :func:`check_turn` (one turn, any case)
  and :func:`check_replay` (a whole run of the simulator replayed turn by turn).
* Exercise 2, ``settling_gains(delay, steps_allowed, gains)``: :func:`check_band`.
* Exercise 3, ``shower_as_quadratic(cold, hot, target)``: :func:`check_k_star`, :func:`check_L`
  and :func:`check_gain_limit`, one per value of the returned tuple.

A learner's value is never compared as it is: it goes through ``expect_number`` (a float comes
back), ``expect_numbers`` (a fresh float array) or ``plain`` (a copy of built-in values) first.

>>> def adjust_knob(knob, felt, target, gain):
...     return min(max(knob + gain * (target - felt), 0.0), 1.0)
>>> check_turn(adjust_knob, 0.2, 30.0, 38.0, 0.01)
>>> check_turn(lambda knob, felt, target, gain: knob - gain * (target - felt),
...            0.2, 30.0, 38.0, 0.01)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
lrlab.course.checks.LessonCheckError: adjust_knob(0.2, 30.0, 38.0, 0.01): expected 0.28, got 0.12. Hint: the knob turned...
"""
from __future__ import annotations

import math

import numpy as np

from lrlab import _validate as v
from lrlab.studies import shower
from lrlab.course.checks import (
    LessonCheckError, expect_close, expect_number, expect_numbers, expect_sequence, fail, plain)


#: What each exercise's answer may not call, by the learner's function: the lrlab code that computes it
#: (dotted names: modules, classes, functions; plain names: this module's own helpers). The checks run
#: the learner's function under :func:`lrlab.course.owncode.traced`, which fails a test whose answer
#: calls any of them (or the check's own reference solution) under whatever name.
OWN_CODE = (("adjust_knob", ("lrlab.studies.shower", "_clip")),
            ("settling_gains", ("lrlab.studies.shower.settling_range", "lrlab.studies.shower.ShowerSweep.settles_within",
                                "_band_mistakes", "_ends")),
            ("shower_as_quadratic", ("lrlab.studies.shower", "lrlab.train.theory", "lrlab.problems.quadratic")))


def _own(fn, exercise, *references):
    """The learner's ``fn`` as the checks call it: under the tracer of :mod:`lrlab.course.owncode`."""
    return owncode.traced(fn, exercise, OWN_CODE, globals(), *references)

from lrlab.course import owncode

# ----------------------------------------------------------------------------- hints, word for word

TURN_WRONG_WAY = ("the knob turned the wrong way. The error is target - felt (positive when the water is too "
                  "cold), and a positive error turns the knob up, towards hot")
TURN_RETURNS_CHANGE = "that is how far the knob moved; return where it ends up: knob + change"
TURN_NO_CLIP = "the knob went past an end stop: clip the new position to [0, 1] (min/max, or np.clip)"
TURN_RULE = "new knob = knob + gain * (target - felt), then clip"
REPLAY_STOPS = "the knob must stay inside [0, 1] at every second"

BAND_MIN_OF_NOTHING = "when no gain is comfortable in time, return None instead of taking min() or max() of nothing"
BAND_NONE_EXPECTED = "no gain settles by this deadline, so the answer is None"
BAND_SOME_EXPECTED = "some gains do settle in time here: return (lowest, highest)"
BAND_RULE = "return (lowest, highest) of the gains whose settled_at is at most steps_allowed"
#: (name, hint) of each mistaken selection of gains; :func:`_band_mistakes` builds the selections.
BAND_MISTAKES = (
    ("strict deadline", "a run that becomes comfortable exactly at the deadline counts: compare with <=, not <"),
    ("one reading late", "settled_at is already the time in seconds of the first comfortable reading: compare "
                         "it with steps_allowed itself"),
    ("not wild", "these are the gains that merely do not swing wildly; timid runs are not comfortable either. "
                 "Keep only runs that settled by the deadline"),
    ("deadline ignored", "these gains settle eventually, but not all by the deadline: compare settled_at with "
                         "steps_allowed"),
)

QUADRATIC_SHAPE = "return the three values in that order"
K_STAR_FROM_ZERO = ("the knob scale starts at the cold water, not at 0 °C: solve cold + (hot - cold) * k_star "
                    "= target")
K_STAR_RULE = "solve cold + (hot - cold) * k_star = target for k_star"
L_IS_HOT = "a whole turn of the knob warms the water from cold to hot: c = hot - cold, not hot"
L_IS_HALF_C = "the second derivative of c/2 (k - k*)^2 is c: the 2 of the square cancels the 1/2"
L_IS_ONE = "L is in °C per knob unit: how much warmer the water gets per unit of knob"
L_RULE = "L = f''(k) = c = hot - cold"
LIMIT_IS_ONE_OVER_L = ("1/L is the gain that lands on the target in one step (the fastest); the shower keeps "
                       "settling up to twice that")
LIMIT_USES_HOT = "use L = hot - cold, not hot"
LIMIT_TOO_HIGH = "your limit is too high"
LIMIT_TOO_LOW = "your limit is too low: larger gains still settle"
LIMIT_RULE = "gain_limit = 2 / L"


def _function(name, f):
    if not callable(f):
        raise TypeError(f"{name} must be the function you wrote (a callable), got {type(f).__name__}")
    return f


def _clip(x: float) -> float:
    return min(max(x, 0.0), 1.0)


# ----------------------------------------------------------------------------- Exercise 1


def check_turn(adjust_knob, knob, felt, target, gain) -> None:
    """``adjust_knob(knob, felt, target, gain)`` must be ``clip(knob + gain * (target - felt), 0, 1)``.

    Names the usual mistakes: a turn the wrong way, returning the change instead of the new
    position, and a knob pushed past an end stop.
    """
    adjust_knob = _own(adjust_knob, "adjust_knob")
    adjust_knob = _function("adjust_knob", adjust_knob)
    knob, felt = v.real("knob", knob, low=0.0, high=1.0), v.real("felt", felt)
    target, gain = v.real("target", target), v.positive("gain", gain)
    what = f"adjust_knob({knob}, {felt}, {target}, {gain})"
    got = expect_number(what, adjust_knob(knob, felt, target, gain))
    change = gain * (target - felt)
    expected = _clip(knob + change)
    if change != 0 and math.isclose(got, _clip(knob - change), abs_tol=1e-12) \
            and not math.isclose(got, expected, abs_tol=1e-12):
        fail(what, expected, got, TURN_WRONG_WAY)
    if knob != 0 and math.isclose(got, change, abs_tol=1e-12):
        fail(what, expected, got, TURN_RETURNS_CHANGE)
    if math.isclose(got, knob + change, abs_tol=1e-12) and knob + change != expected:
        fail(what, expected, got, TURN_NO_CLIP)
    expect_close(what, got, expected, atol=1e-12, hint=TURN_RULE)


def check_replay(adjust_knob, preset="wild") -> None:
    """Replay a preset of :data:`lrlab.studies.shower.PRESETS` with ``adjust_knob`` and compare every knob position.

    The learner's rule is fed the felt temperatures of the simulator's own run, one turn per
    second; the knob positions it produces must be the simulator's (so they stay inside [0, 1]).
    """
    adjust_knob = _own(adjust_knob, "adjust_knob")
    adjust_knob = _function("adjust_knob", adjust_knob)
    if preset not in shower.PRESETS:
        raise ValueError(f"preset must be one of {sorted(shower.PRESETS)}, got {preset!r}")
    run = shower.simulate(**shower.PRESETS[preset].kwargs())
    replay = [float(run.knob[0])]
    for felt in run.felt[:-1]:
        replay.append(adjust_knob(replay[-1], float(felt), run.target, run.gain))
    expect_sequence(f"knob positions when your adjust_knob replays the {preset!r} preset", replay, run.knob,
                    rtol=0, atol=1e-9, hint=REPLAY_STOPS)


# ----------------------------------------------------------------------------- Exercise 2


def _pair(value):
    """A returned (lowest, highest) as a float array of shape (2,), None for None, or False if it is neither."""
    if value is None:
        return None
    try:
        pair = expect_numbers("value", value)  # a faithful copy: no method of the learner's value runs
    except LessonCheckError:
        return False
    return pair if pair.shape == (2,) else False


def _same(a, b) -> bool:
    """Two answers converted by :func:`_pair` agree (both None, or both pairs equal to rtol 1e-9)."""
    if a is None or b is None:
        return a is None and b is None
    if a is False or b is False:
        return False
    return bool(np.allclose(a, b, rtol=1e-9, atol=0))


def _ends(gains, mask):
    return (float(gains[mask].min()), float(gains[mask].max())) if mask.any() else None


def _band_mistakes(delay, steps_allowed, gains) -> list:
    """[(the (lowest, highest) a mistaken selection gives, its hint)], in :data:`BAND_MISTAKES` order."""
    sweep = shower.sweep_gains(gains, delay=delay, steps=2 * steps_allowed + 5)
    settled = np.nan_to_num(sweep.settled_at, nan=np.inf)
    selections = (settled < steps_allowed, settled <= steps_allowed + 1, sweep.labels != "wild swings",
                  np.isfinite(settled))
    return [(_ends(sweep.gains, mask), hint) for mask, (_, hint) in zip(selections, BAND_MISTAKES)]


def check_band(settling_gains, delay, steps_allowed, gains) -> None:
    """``settling_gains(delay, steps_allowed, gains)`` must equal :func:`lrlab.studies.shower.settling_range` on that grid.

    Names the usual mistakes: ``<`` for ``<=`` at the deadline, one reading late, keeping every
    gain that does not swing wildly, ignoring the deadline, and ``min()`` of nothing.
    """
    settling_gains = _own(settling_gains, "settling_gains")
    settling_gains = _function("settling_gains", settling_gains)
    delay = v.integer("delay", delay, low=0)
    steps_allowed = v.integer("steps_allowed", steps_allowed, low=1)
    gains = v.array("gains", gains, ndim=1, min_size=1)
    what = f"settling_gains({delay}, {steps_allowed}, {len(gains)} gains from {gains.min():g} to {gains.max():g})"
    expected = shower.settling_range(steps_allowed, gains=gains, delay=delay)
    try:
        got = settling_gains(delay, steps_allowed, gains)
    except ValueError as err:
        fail(what, expected, f"ValueError: {err}", BAND_MIN_OF_NOTHING)
    answer, want = _pair(got), _pair(expected)
    if _same(answer, want):
        return
    for wrong, hint in _band_mistakes(delay, steps_allowed, gains):
        if not _same(_pair(wrong), want) and _same(answer, _pair(wrong)):
            fail(what, expected, got, hint)
    if expected is None:
        fail(what, None, got, BAND_NONE_EXPECTED)
    if got is None:
        fail(what, expected, got, BAND_SOME_EXPECTED)
    expect_sequence(what, got, expected, rtol=1e-9, hint=BAND_RULE)


# ----------------------------------------------------------------------------- Exercise 3


def _quadratic(shower_as_quadratic, cold, hot, target):
    """Call the learner's function once; return (what, the three values) or fail on a wrong shape."""
    shower_as_quadratic = _function("shower_as_quadratic", shower_as_quadratic)
    cold, hot, target = v.real("cold", cold), v.real("hot", hot), v.real("target", target)
    if not cold < target < hot:
        raise ValueError(f"target must lie between cold ({cold!r}) and hot ({hot!r}), got {target!r}")
    what = f"shower_as_quadratic({cold}, {hot}, {target})"
    got = plain(what, shower_as_quadratic(cold, hot, target), like=(0.0, 0.0, 0.0), hint=QUADRATIC_SHAPE)
    if not isinstance(got, (tuple, list)) or len(tuple(got)) != 3:
        fail(what, "a tuple (k_star, L, gain_limit)", got, QUADRATIC_SHAPE)
    return what, tuple(got)


def check_k_star(shower_as_quadratic, cold, hot, target) -> None:
    """The first value, ``k_star``, must be ``(target - cold) / (hot - cold)``; names the 0 °C origin mistake."""
    shower_as_quadratic = _own(shower_as_quadratic, "shower_as_quadratic")
    what, got = _quadratic(shower_as_quadratic, cold, hot, target)
    value = expect_number(f"k_star from {what}", got[0])
    expected = (target - cold) / (hot - cold)
    if math.isclose(value, target / hot) or math.isclose(value, target / (hot - cold)):
        fail(f"k_star from {what}", expected, value, K_STAR_FROM_ZERO)
    expect_close(f"k_star from {what}", value, expected, rtol=1e-9, hint=K_STAR_RULE)


def check_L(shower_as_quadratic, cold, hot, target) -> None:
    """The second value, ``L``, must be ``hot - cold``; names ``hot``, ``c/2`` and a unitless 1."""
    shower_as_quadratic = _own(shower_as_quadratic, "shower_as_quadratic")
    what, got = _quadratic(shower_as_quadratic, cold, hot, target)
    value = expect_number(f"L from {what}", got[1])
    c = hot - cold
    for wrong, hint in ((hot, L_IS_HOT), (c / 2, L_IS_HALF_C), (1.0, L_IS_ONE)):
        if math.isclose(value, wrong):
            fail(f"L from {what}", c, value, hint)
    expect_close(f"L from {what}", value, c, rtol=1e-9, hint=L_RULE)


def check_gain_limit(shower_as_quadratic, cold, hot, target) -> None:
    """The third value, ``gain_limit``, must be ``2 / (hot - cold)``, and it is tried in the simulator.

    With no pipe delay and the knob starting half open, a gain 3% below the learner's limit must
    settle and a gain 3% above it must not.
    """
    shower_as_quadratic = _own(shower_as_quadratic, "shower_as_quadratic")
    what, got = _quadratic(shower_as_quadratic, cold, hot, target)
    value = expect_number(f"gain_limit from {what}", got[2])
    c = hot - cold
    if math.isclose(value, 1 / c):
        fail(f"gain_limit from {what}", 2 / c, value, LIMIT_IS_ONE_OVER_L)
    if math.isclose(value, 2 / hot):
        fail(f"gain_limit from {what}", 2 / c, value, LIMIT_USES_HOT)
    settings = dict(delay=0, steps=400, cold=cold, hot=hot, target=target, start_knob=0.5)
    if value > 0:
        below = shower.simulate(0.97 * value, **settings)
        above = shower.simulate(1.03 * value, **settings)
        if below.behaviour != "settles":
            fail(f"a gain 3% below your gain_limit ({0.97 * value:.4g})", "settles", below.behaviour,
                 LIMIT_TOO_HIGH)
        if above.behaviour == "settles":
            fail(f"a gain 3% above your gain_limit ({1.03 * value:.4g})", "wild swings", above.behaviour,
                 LIMIT_TOO_LOW)
    expect_close(f"gain_limit from {what}", value, 2 / c, rtol=1e-9, hint=LIMIT_RULE)
