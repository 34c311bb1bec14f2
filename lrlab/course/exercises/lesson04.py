"""Lesson 04 (the learning-rate range test): the checks behind its exercise test cells.

Each ``check_*`` takes the learner's function and one case, calls the function once, and either
returns quietly or fails through :mod:`lrlab.course.checks` with what was expected, what came back and a
hint. The usual mistakes are recognised first, so that the hint names them:

* Exercise 1, ``exponential_lrs(start_lr, end_lr, num_steps)``: :func:`check_ramp` (a ramp of two
  steps or more), :func:`check_ramp_end` (the last rate of a long ramp) and :func:`check_one_step`.
* Exercise 2, ``smooth_losses(losses, beta)``: :func:`check_smooth` (one curve),
  :func:`check_smooth_like_finder` (a whole range test against :func:`lrlab.train.finder.smooth`),
  :func:`check_smooth_unchanged` (the edges that must come back unchanged) and
  :func:`check_input_untouched`.
* Exercise 3, ``stop_index(losses, factor=4.0)``: :func:`check_stop` (curves of numbers) and
  :func:`check_stop_at_non_finite` (a NaN or an infinity).

A learner's value is never compared as it is: arrays go through ``lrlab.course.checks.expect_numbers`` (a
fresh float array, copied without running any method of the learner's value) and indices through
:func:`_as_index` (an ``int``, ``None``, or the value left as it is, which then fails) before any
comparison.

>>> def stop_index(losses, factor=4.0):
...     lowest = math.inf
...     for i, loss in enumerate(losses):
...         lowest = min(lowest, loss)
...         if not math.isfinite(loss) or loss > factor * lowest:
...             return i
>>> check_stop(stop_index, [3.0, 2.0, 1.0, 3.5, 5.0])
>>> check_stop(lambda losses, factor=4.0: stop_index(losses, factor) + 1, [3.0, 2.0, 1.0, 3.5, 5.0])
Traceback (most recent call last):
...
lrlab.course.checks.LessonCheckError: stop_index([3.0, 2.0, 1.0, 3.5, 5.0], factor=4.0): expected 4, got 5. Hint: that \
is the number of steps taken, one more than the index of the step that stopped
"""
from __future__ import annotations

import math

import numpy as np

from lrlab import _validate as v
from lrlab.train import finder
from lrlab.course.checks import (
    LessonCheckError, expect_close, expect_equal, expect_numbers, expect_sequence, fail, plain)


#: What each exercise's answer may not call, by the learner's function: the lrlab code that computes it
#: (dotted names: modules, classes, functions; plain names: this module's own helpers). The checks run
#: the learner's function under :func:`lrlab.course.owncode.traced`, which fails a test whose answer
#: calls any of them (or the check's own reference solution) under whatever name.
OWN_CODE = (("exponential_lrs", ("lrlab.train.finder",)),
            ("smooth_losses", ("lrlab.train.finder", "_ema")),
            ("stop_index", ("lrlab.train.finder", "_want_stop")))


def _own(fn, exercise, *references):
    """The learner's ``fn`` as the checks call it: under the tracer of :mod:`lrlab.course.owncode`."""
    return owncode.traced(fn, exercise, OWN_CODE, globals(), *references)

from lrlab.course import owncode

# ----------------------------------------------------------------------------- hints, word for word

RAMP_LENGTH = "one rate per step: num_steps values, not num_steps + 1"
RAMP_LINEAR = ("these rates are equally spaced, a constant difference apart; the ramp multiplies by a constant "
               "factor, so it is evenly spaced on a log axis")
RAMP_SHORT = ("your ramp stops one factor short of end_lr: between the first and the last of num_steps rates "
              "there are num_steps − 1 factors")
RAMP_RULE = ("each rate is the previous one times (end_lr/start_lr)^(1/(num_steps − 1)), so "
             "rate i = start_lr · (end_lr/start_lr)^(i/(num_steps − 1))")
RAMP_END = "the last rate must be end_lr itself"
ONE_STEP_NO_FACTOR = "with one step there is no factor to compute (num_steps − 1 = 0): return [start_lr]"
ONE_STEP_RULE = "a ramp of one step is just [start_lr]"

SMOOTH_NO_CORRECTION = ("no bias correction: divide a_i by 1 − beta**(i + 1), or the first values are dragged "
                        "towards zero")
SMOOTH_FIRST_LOSS = ("that is the average started at the first loss, without bias correction (pytorch-lr-finder's "
                     "convention): start from a = 0 and divide by 1 − beta**(i + 1)")
SMOOTH_SWAPPED = "beta and 1 − beta are swapped: the old average keeps weight beta, the new loss gets 1 − beta"
SMOOTH_RULE = "a_i = beta·a_(i−1) + (1 − beta)·loss_i from a = 0, then s_i = a_i / (1 − beta**(i + 1))"
SMOOTH_LIKE_FINDER = "the whole range test, smoothed as the finder does"
SMOOTH_CONSTANT = ("a constant loss must give a constant smoothed curve: that is what the bias correction "
                   "is for")
SMOOTH_BETA_ZERO = "with beta = 0 the average keeps nothing of the past: the losses come back unchanged"
SMOOTH_SINGLE = "with a single loss the smoothed curve is that loss"
SMOOTH_IN_PLACE = "your function wrote into its input: build a new array (np.empty / a list) for the result"

STOP_COUNT = "that is the number of steps taken, one more than the index of the step that stopped"
#: Filled in with the case: the first loss, the loss that stops the test, the factor and the lowest loss so far.
STOP_NONE = ("None means no step qualified. If you compared with the first loss ({first!r}), compare with "
             "the lowest loss so far instead: {value!r} > {factor:g} × {lowest!r}")
STOP_FIRST = ("you compared with the first loss; compare with the lowest loss so far, which may be far below "
              "the first")
STOP_GLOBAL = ("you compared with the lowest loss of the whole curve, which the test cannot know yet: use the "
               "lowest loss up to and including step i")
#: Filled in with the index the learner returned.
STOP_EXACT = "losses[{index}] is exactly factor × the lowest so far: that is not *more than*"
STOP_RULE = "stop at the first i with losses[i] > factor · min(losses[:i + 1])"
STOP_NAN = ("NaN compares False with everything, so `loss > factor * best` never fires on it: test "
            "math.isfinite(loss) first")
STOP_NOT_FINITE_RULE = "a NaN or infinite loss stops the test at its own step"


# ----------------------------------------------------------------------------- helpers

def _function(name, f):
    if not callable(f):
        raise TypeError(f"{name} must be the function you wrote (a callable), got {type(f).__name__}")
    return f


def _floats(what, got, hint):
    """The learner's answer as a fresh float array (a faithful copy: no method of the learner's value
    runs), or a failure that says a list of numbers was expected."""
    return expect_numbers(what, got, hint)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Two float arrays of the same shape, equal to rtol 1e-9 (NaN equal to NaN)."""
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))


def _as_index(got):
    """A returned index as an ``int`` (numpy's integers too), ``None`` as ``None``, anything else as a
    faithful copy (:func:`lrlab.course.checks.plain`).

    A value whose class redefines how it converts or compares itself cannot be copied: it is left as it
    is, matches no index (:func:`_is_index` wants an exact ``int``) and fails the final check.
    """
    if got is None:
        return None
    try:
        value = plain("value", got)
    except LessonCheckError:
        return got
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    return value


def _is_index(got, index) -> bool:
    """``got`` (after :func:`_as_index`) is the int ``index``."""
    return type(got) is int and index is not None and got == index


def _ramp_case(start_lr, end_lr, num_steps, low):
    start_lr, end_lr = v.positive("start_lr", start_lr), v.positive("end_lr", end_lr)
    if end_lr <= start_lr:
        raise ValueError(f"end_lr must be > start_lr ({start_lr!r}), got {end_lr!r}")
    return start_lr, end_lr, v.integer("num_steps", num_steps, low=low)


# ----------------------------------------------------------------------------- Exercise 1

def check_ramp(exponential_lrs, start_lr, end_lr, num_steps) -> None:
    """``exponential_lrs(start_lr, end_lr, num_steps)`` must be the geometric ramp from ``start_lr`` to ``end_lr``.

    Names the usual mistakes: one rate too many, equally spaced rates, and a ramp one factor short
    of ``end_lr`` (``num_steps`` factors instead of ``num_steps − 1``). ``num_steps`` must be at least 2.
    """
    exponential_lrs = _own(exponential_lrs, "exponential_lrs")
    exponential_lrs = _function("exponential_lrs", exponential_lrs)
    call = f"exponential_lrs({start_lr!r}, {end_lr!r}, {num_steps!r})"
    start_lr, end_lr, num_steps = _ramp_case(start_lr, end_lr, num_steps, low=2)
    i = np.arange(num_steps)
    want = start_lr * (end_lr / start_lr) ** (i / (num_steps - 1))
    got = _floats(call, exponential_lrs(start_lr, end_lr, num_steps), RAMP_RULE)
    if got.shape == (num_steps + 1,):
        fail(f"{call} (length)", num_steps, got.size, RAMP_LENGTH)
    for wrong, hint in ((np.linspace(start_lr, end_lr, num_steps), RAMP_LINEAR),
                        (start_lr * (end_lr / start_lr) ** (i / num_steps), RAMP_SHORT)):
        if _same(got, wrong) and not _same(want, wrong):
            fail(call, want, got, hint)
    expect_sequence(call, got, want, rtol=1e-9, hint=RAMP_RULE)


def check_ramp_end(exponential_lrs, start_lr, end_lr, num_steps) -> None:
    """The last rate of ``exponential_lrs(start_lr, end_lr, num_steps)`` must be ``end_lr`` (to rtol 1e-9).

    For long ramps, where a factor multiplied in hundreds of times may drift away from ``end_lr``.
    """
    exponential_lrs = _own(exponential_lrs, "exponential_lrs")
    exponential_lrs = _function("exponential_lrs", exponential_lrs)
    call = f"exponential_lrs({start_lr!r}, {end_lr!r}, {num_steps!r})"
    start_lr, end_lr, num_steps = _ramp_case(start_lr, end_lr, num_steps, low=2)
    got = _floats(call, exponential_lrs(start_lr, end_lr, num_steps), RAMP_END).reshape(-1)
    if got.size == 0:
        fail(f"{call}[-1]", end_lr, got, RAMP_END)
    expect_close(f"{call}[-1]", got[-1], end_lr, rtol=1e-9, hint=RAMP_END)


def check_one_step(exponential_lrs, start_lr, end_lr) -> None:
    """``exponential_lrs(start_lr, end_lr, 1)`` must be ``[start_lr]``; names the division by zero."""
    exponential_lrs = _own(exponential_lrs, "exponential_lrs")
    exponential_lrs = _function("exponential_lrs", exponential_lrs)
    call = f"exponential_lrs({start_lr!r}, {end_lr!r}, 1)"
    start_lr, end_lr, _ = _ramp_case(start_lr, end_lr, 1, low=1)
    try:
        got = exponential_lrs(start_lr, end_lr, 1)
    except ZeroDivisionError:
        fail(call, [start_lr], "ZeroDivisionError", ONE_STEP_NO_FACTOR)
    expect_sequence(call, got, [start_lr], hint=ONE_STEP_RULE)


# ----------------------------------------------------------------------------- Exercise 2

def _ema(losses, beta, *, correct=True, first=False) -> np.ndarray:
    """The bias-corrected EMA of the exercise, or (``correct=False``) without the correction, or
    (``first=True``) pytorch-lr-finder's average started at the first loss."""
    series, acc = [], 0.0
    for step, value in enumerate(losses):
        if first:
            acc = value if step == 0 else (1 - beta) * value + beta * acc
            series.append(acc)
            continue
        acc = beta * acc + (1 - beta) * value
        series.append(acc / (1 - beta ** (step + 1)) if correct else acc)
    return np.array(series)


def _curve(losses) -> list[float]:
    values = v.array("losses", losses, ndim=1, min_size=1)
    return [float(x) for x in values]


def _fresh(losses):
    """A copy of the case for the learner, of the kind it was given (a list or an array)."""
    return np.array(losses, dtype=float) if isinstance(losses, np.ndarray) else [float(x) for x in losses]


def check_smooth(smooth_losses, losses, beta, what=None) -> None:
    """``smooth_losses(losses, beta)`` must be the bias-corrected exponential moving average.

    Names the usual mistakes: no bias correction, pytorch-lr-finder's average started at the first
    loss, and ``beta`` swapped with ``1 − beta``. ``what`` names the call in a failure (default:
    the call written out).
    """
    smooth_losses = _own(smooth_losses, "smooth_losses")
    smooth_losses = _function("smooth_losses", smooth_losses)
    values = _curve(losses)
    beta = v.real("beta", beta, low=0.0, high=1.0, high_open=True)
    call = what or f"smooth_losses({values!r}, {beta!r})"
    want = _ema(values, beta)
    got = _floats(call, smooth_losses(_fresh(losses), beta), SMOOTH_RULE)
    slips = [(_ema(values, beta, correct=False), SMOOTH_NO_CORRECTION),
             (_ema(values, beta, first=True), SMOOTH_FIRST_LOSS)]
    if beta > 0:
        slips.append((_ema(values, 1 - beta), SMOOTH_SWAPPED))
    for wrong, hint in slips:
        if _same(got, wrong) and not _same(want, wrong):
            fail(call, want, got, hint)
    expect_sequence(call, got, want, rtol=1e-9, hint=SMOOTH_RULE)


def check_smooth_like_finder(smooth_losses, losses, what=None) -> None:
    """``smooth_losses(losses, 0.98)`` must agree with :func:`lrlab.train.finder.smooth` on a whole range test."""
    smooth_losses = _own(smooth_losses, "smooth_losses")
    smooth_losses = _function("smooth_losses", smooth_losses)
    values = v.array("losses", losses, ndim=1, min_size=1)
    call = what or f"smooth_losses(losses, {finder.FASTAI_BETA!r}) against finder.smooth"
    got = _floats(call, smooth_losses(values.copy(), finder.FASTAI_BETA), SMOOTH_LIKE_FINDER)
    expect_sequence(call, got, finder.smooth(values), rtol=1e-9, hint=SMOOTH_LIKE_FINDER)


def check_smooth_unchanged(smooth_losses, losses, beta) -> None:
    """An edge whose smoothed curve is the losses themselves: one loss, ``beta = 0``, or a constant curve."""
    smooth_losses = _own(smooth_losses, "smooth_losses")
    smooth_losses = _function("smooth_losses", smooth_losses)
    values = _curve(losses)
    beta = v.real("beta", beta, low=0.0, high=1.0, high_open=True)
    if len(values) == 1:
        hint = SMOOTH_SINGLE
    elif beta == 0:
        hint = SMOOTH_BETA_ZERO
    elif len(set(values)) == 1:
        hint = SMOOTH_CONSTANT
    else:
        raise ValueError("losses and beta must be an edge that comes back unchanged: one loss, beta = 0, "
                         f"or a constant curve; got {losses!r} with beta = {beta!r}")
    call = f"smooth_losses({values!r}, {beta!r})"
    expect_sequence(call, smooth_losses(list(values), beta), values, rtol=1e-9, hint=hint)


def check_input_untouched(smooth_losses, losses, beta) -> None:
    """``smooth_losses`` must leave the array it is given as it was."""
    smooth_losses = _own(smooth_losses, "smooth_losses")
    smooth_losses = _function("smooth_losses", smooth_losses)
    values = _curve(losses)
    beta = v.real("beta", beta, low=0.0, high=1.0, high_open=True)
    kept = np.array(values)
    smooth_losses(kept, beta)
    expect_sequence("the array given to smooth_losses, after the call", kept, values, hint=SMOOTH_IN_PLACE)


# ----------------------------------------------------------------------------- Exercise 3

def _want_stop(values, factor):
    lowest = math.inf
    for i, value in enumerate(values):
        if not math.isfinite(value):
            return i
        lowest = min(lowest, value)
        if value > factor * lowest:
            return i
    return None


def _stop_case(losses, factor):
    values = [float(x) for x in v.array("losses", losses, ndim=1, finite=False)]
    factor = 4.0 if factor is None else v.real("factor", factor, low=1.0, low_open=True)
    return values, factor


def _call_stop(stop_index, losses, factor, given_factor):
    arg = np.array(losses, dtype=float) if isinstance(losses, np.ndarray) else [float(x) for x in losses]
    return _as_index(stop_index(arg) if given_factor is None else stop_index(arg, factor))


def _expect_index(call, got, want, hint) -> None:
    if want is None:
        if got is not None:
            fail(call, None, got, hint)
        return
    expect_equal(call, got, want, hint=hint)


def check_stop(stop_index, losses, factor=None, what=None) -> None:
    """``stop_index(losses, factor)`` must be the first step whose loss is not finite or is more than
    ``factor`` × the lowest loss so far (``None`` if there is none).

    Without ``factor`` the learner's default is used and 4.0 expected. Names the usual mistakes:
    the number of steps instead of the index, ``None`` from comparing with the first loss, the
    first loss or the lowest loss of the whole curve instead of the lowest so far, and ``>=``.
    """
    stop_index = _own(stop_index, "stop_index")
    stop_index = _function("stop_index", stop_index)
    values, used = _stop_case(losses, factor)
    call = what or f"stop_index({values!r}, factor={used!r})"
    want = _want_stop(values, used)
    got = _call_stop(stop_index, losses, used, factor)
    if _is_index(got, want) or (got is None and want is None):
        return
    if want is not None and _is_index(got, want + 1):
        fail(call, want, got, STOP_COUNT)
    first = next((i for i, x in enumerate(values) if math.isfinite(x) and x > used * values[0]), None)
    if got is None and want is not None and first is None:
        fail(call, want, got, STOP_NONE.format(first=values[0], value=values[want], factor=used,
                                               lowest=min(values[:want + 1])))
    if (got is None and first is None) or _is_index(got, first):
        fail(call, want, got, STOP_FIRST)
    finite = [x for x in values if math.isfinite(x)]
    lowest = min(finite) if finite else math.inf
    whole = next((i for i, x in enumerate(values) if math.isfinite(x) and x > used * lowest), None)
    if (got is None and whole is None) or _is_index(got, whole):
        fail(call, want, got, STOP_GLOBAL)
    if type(got) is int and want is not None and 0 <= got < want \
            and values[got] == used * min(values[:got + 1]):
        fail(call, want, got, STOP_EXACT.format(index=got))
    _expect_index(call, got, want, STOP_RULE)


def check_stop_at_non_finite(stop_index, losses) -> None:
    """``stop_index(losses)`` on a curve with a NaN or an infinity must stop at the first such step."""
    stop_index = _own(stop_index, "stop_index")
    stop_index = _function("stop_index", stop_index)
    values, used = _stop_case(losses, None)
    bad = next((i for i, x in enumerate(values) if not math.isfinite(x)), None)
    want = _want_stop(values, used)
    if bad is None or want != bad:
        raise ValueError(f"losses must reach a NaN or an infinity before any step stops the test, got {losses!r}")
    call = f"stop_index({losses!r})"
    got = _call_stop(stop_index, losses, used, None)
    if _is_index(got, want + 1):
        fail(call, want, got, STOP_COUNT)
    if got is None or (type(got) is int and got > want):
        fail(call, want, got, STOP_NAN)
    expect_equal(call, got, want, hint=STOP_NOT_FINITE_RULE)
