"""Lesson 03 (choosing a rate): the checks behind its exercise test cells.

Each ``check_*`` takes the learner's function and one case, calls the function once (on a copy of
the case, so an answer that changes its input cannot spoil the next case), and either returns
quietly or fails through :mod:`lrlab.course.checks` with what was expected, what came back and a hint.
The usual mistakes are recognised first, so that the hint names them:

* Exercise 1, ``condition_number(eigenvalues)``: :func:`check_condition_number`.
* Exercise 2, ``best_fixed_rate(eigenvalues)``: :func:`check_best_fixed_rate`.
* Exercise 3, ``contraction(lr, eigenvalues)``: :func:`check_contraction`.
* Exercise 4, ``read_curve(losses)``: :func:`check_read_curve`, one loss history and the label it
  must get; a hidden edge case names the mistake it is there to catch (a key of
  :data:`CURVE_MISTAKES`), and a failure then gives that mistake's hint.

A learner's value is never compared as it is: numbers go through ``expect_number`` (a float comes
back), labels are compared with ``str.__eq__`` (never with an ``__eq__`` the answer brings along), and
failures go through ``fail`` / ``expect_close``.

>>> check_condition_number(lambda eigenvalues: max(eigenvalues) / min(eigenvalues), [1.0, 25.0])
>>> check_condition_number(lambda eigenvalues: min(eigenvalues) / max(eigenvalues),
...                        [1.0, 25.0])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
lrlab.course.checks.LessonCheckError: condition_number([1.0, 25.0]): expected 25, got 0.04. Hint: that is μ/L, upside down...
"""
from __future__ import annotations

import math

import numpy as np

from lrlab import _validate as v
from lrlab.course.checks import expect_close, expect_number, fail


#: What each exercise's answer may not call, by the learner's function: the lrlab code that computes it
#: (dotted names: modules, classes, functions; plain names: this module's own helpers). The checks run
#: the learner's function under :func:`lrlab.course.owncode.traced`, which fails a test whose answer
#: calls any of them (or the check's own reference solution) under whatever name.
OWN_CODE = (("condition_number", ("lrlab.train.theory", "lrlab.problems.quadratic")),
            ("best_fixed_rate", ("lrlab.train.theory", "lrlab.problems.quadratic")),
            ("contraction", ("lrlab.train.theory", "lrlab.problems.quadratic")),
            ("read_curve", ("lrlab.train.diagnosis",)))


def _own(fn, exercise, *references):
    """The learner's ``fn`` as the checks call it: under the tracer of :mod:`lrlab.course.owncode`."""
    return owncode.traced(fn, exercise, OWN_CODE, globals(), *references)

from lrlab.course import owncode

# ----------------------------------------------------------------------------- hints, word for word

KAPPA_UPSIDE_DOWN = "that is μ/L, upside down: κ = L/μ, the largest over the smallest, never below 1"
KAPPA_DIFFERENCE = "κ is a ratio, not a difference: divide the largest curvature by the smallest"
KAPPA_SORTED = ("the eigenvalues come in no particular order: use the largest and the smallest, not the last "
                "and the first")
KAPPA_RULE = "κ = max(eigenvalues) / min(eigenvalues)"

BEST_ONE_OVER_L = ("1/L is the best rate for the steep direction alone, and it leaves the flat one crawling; "
                   "balance the two factors instead: 1 − η·μ = η·L − 1")
BEST_TWO_OVER_L = "2/L is the stability limit: at that rate the steep direction stops converging"
BEST_MU_TWICE = ("2/(μ + μ) uses the flat curvature twice, and at that rate the steep direction explodes: "
                 "use L + μ")
BEST_NO_TWO = "the factor 2 is missing: 1 − η·μ = η·L − 1 gives η = 2/(L + μ)"
BEST_SORTED = "the eigenvalues come in no particular order: use the largest and the smallest"
BEST_RULE = "η* = 2/(L + μ), L the largest and μ the smallest curvature"

RHO_PER_DIRECTION = ("you returned one factor per direction; the run is only as fast as the worst one: "
                     "return the largest")
RHO_NO_ABS = ("a factor below −1 overshoots by more than the whole distance, and the largest signed factor is "
              "always the flat direction's: take the absolute value |1 − lr·λ| of every factor, the steep one "
              "included, before the max")
RHO_ONLY_L = "only the steep direction counted: the flat one (smallest λ) can be the slowest"
RHO_ONLY_MU = "only the flat direction counted: the steep one (largest λ) can overshoot and diverge"
RHO_SORTED = "the eigenvalues come in no particular order: look at every one of them"
RHO_RULE = "ρ = the largest |1 − lr·λ| over all the curvatures λ"

CURVE_NAN_SLIPS = ("NaN compares False with everything, so it slips past `>`: test every value with "
                   "math.isfinite first")
CURVE_SECOND_CONDITION = ("the last loss is low enough, but the second half still did more than a tenth of the "
                          "whole decrease: check the second condition of rule 3")
#: The edge cases of exercise 4, by the mistake each one catches: the hint a failure gives.
CURVE_MISTAKES = {
    "equal is no rise": "an equal value is not a rise: count only the places where the later value is strictly "
                        "larger",
    "three rises": "this loss went up at exactly 3 places, and 3 or more is oscillating",
    "two rises": "this loss went up at only 2 places: not oscillating",
    "rule 2 first": "rule 2 comes before rule 3: a loss that went up 3 times is oscillating even if it is still "
                    "high",
    "nan anywhere": "a NaN anywhere means the run broke, even if a later value looks fine: check every value, "
                    "not only the last",
    "infinity": "an infinite loss means the run blew up",
    "equal ends": "equal is not larger: a run that ends where it began is not diverging",
    "exactly a tenth": "exactly a tenth of the first loss is not *more* than a tenth",
}
#: The labels ``read_curve`` may return.
CURVE_LABELS = ("diverging", "oscillating", "too small", "good")


# ----------------------------------------------------------------------------- helpers

def _function(name, f):
    if not callable(f):
        raise TypeError(f"{name} must be the function you wrote (a callable), got {type(f).__name__}")
    return f


def _curvatures(eigenvalues) -> np.ndarray:
    eig = v.array("eigenvalues", eigenvalues, ndim=1, min_size=1)
    if np.any(eig <= 0):
        raise ValueError(f"eigenvalues must all be > 0, got {eigenvalues!r}")
    return eig


def _copy(case):
    """The case handed to the learner's function: a fresh copy of the same kind."""
    if isinstance(case, np.ndarray):
        return case.copy()
    return type(case)(case) if isinstance(case, (list, tuple)) else case


def _mistakes(call: str, got: float, want: float, mistakes) -> None:
    """Fail with the hint of the first mistaken value ``got`` equals (unless the right answer equals it too)."""
    for wrong, hint in mistakes:
        if math.isclose(got, wrong, rel_tol=1e-9) and not math.isclose(want, wrong, rel_tol=1e-9):
            fail(call, want, got, hint)


def _ndim(value) -> int:
    """Axes of an answer that is an array (1 for a list or tuple, 0 for anything else), read from its type."""
    kind = type(value)
    if issubclass(kind, np.ndarray):
        return np.ndarray.ndim.__get__(value)  # the array's own field, not an attribute a subclass defines
    return 1 if issubclass(kind, (list, tuple)) else 0


def _is_label(got, label: str) -> bool:
    """``got`` is the string ``label``: compared by ``str.__eq__``, so no ``__eq__`` of the learner's runs."""
    return issubclass(type(got), str) and str.__eq__(got, label) is True


def _describe(h: np.ndarray) -> str:
    bad = int(np.count_nonzero(~np.isfinite(h)))
    with np.errstate(invalid="ignore"):
        ups = int(np.sum(np.diff(h) > 0))
    return (f"{bad} NaN/inf values, first {h[0]:.3g}, last {h[-1]:.3g}, mid {h[len(h) // 2]:.3g}, "
            f"{ups} rises: apply the four rules in order")


# ----------------------------------------------------------------------------- the checks

def check_condition_number(condition_number, eigenvalues) -> None:
    """``condition_number(eigenvalues)`` must return max/min of the curvatures, as a number."""
    condition_number = _own(condition_number, "condition_number")
    condition_number = _function("condition_number", condition_number)
    eig = _curvatures(eigenvalues)
    call = f"condition_number({eigenvalues!r})"
    big, small = float(eig.max()), float(eig.min())
    want = big / small
    got = expect_number(call, condition_number(_copy(eigenvalues)))
    _mistakes(call, got, want, ((small / big, KAPPA_UPSIDE_DOWN),
                                (big - small, KAPPA_DIFFERENCE),
                                (float(eig[-1] / eig[0]), KAPPA_SORTED)))
    expect_close(call, got, want, hint=KAPPA_RULE)


def check_best_fixed_rate(best_fixed_rate, eigenvalues) -> None:
    """``best_fixed_rate(eigenvalues)`` must return 2/(L + μ), L the largest and μ the smallest curvature."""
    best_fixed_rate = _own(best_fixed_rate, "best_fixed_rate")
    best_fixed_rate = _function("best_fixed_rate", best_fixed_rate)
    eig = _curvatures(eigenvalues)
    call = f"best_fixed_rate({eigenvalues!r})"
    L, mu = float(eig.max()), float(eig.min())
    want = 2.0 / (L + mu)
    got = expect_number(call, best_fixed_rate(_copy(eigenvalues)))
    _mistakes(call, got, want, ((1.0 / L, BEST_ONE_OVER_L),
                                (2.0 / L, BEST_TWO_OVER_L),
                                (1.0 / mu, BEST_MU_TWICE),
                                (1.0 / (L + mu), BEST_NO_TWO),
                                (2.0 / float(eig[-1] + eig[0]), BEST_SORTED)))
    expect_close(call, got, want, hint=BEST_RULE)


def check_contraction(contraction, lr, eigenvalues) -> None:
    """``contraction(lr, eigenvalues)`` must return the largest ``|1 − lr·λ|``, as one number."""
    contraction = _own(contraction, "contraction")
    contraction = _function("contraction", contraction)
    rate = v.positive("lr", lr)
    eig = _curvatures(eigenvalues)
    call = f"contraction({lr!r}, {eigenvalues!r})"
    factors = 1.0 - rate * eig
    want = float(np.max(np.abs(factors)))
    got = contraction(lr, _copy(eigenvalues))
    if _ndim(got) == 1:
        fail(call, want, got, RHO_PER_DIRECTION)
    got = expect_number(call, got)
    # first and last before "only one direction": on an unsorted case the two can give the same value,
    # and that case is there to catch the ordering mistake
    _mistakes(call, got, want, ((float(np.max(factors)), RHO_NO_ABS),
                                (max(abs(factors[0]), abs(factors[-1])), RHO_SORTED),
                                (abs(1.0 - rate * eig.max()), RHO_ONLY_L),
                                (abs(1.0 - rate * eig.min()), RHO_ONLY_MU)))
    expect_close(call, got, want, hint=RHO_RULE)


def check_read_curve(read_curve, losses, want, what=None, *, mistake=None) -> None:
    """``read_curve(losses)`` must return the label ``want``.

    ``what`` names the case in a failure (default: the call with the losses written out).
    ``mistake``, a key of :data:`CURVE_MISTAKES`, marks an edge case built to catch that mistake:
    a wrong label then gets its hint. Without it the usual mistakes are recognised from the case:
    a NaN that slipped through, and rule 3 applied without its second condition.
    """
    read_curve = _own(read_curve, "read_curve")
    read_curve = _function("read_curve", read_curve)
    h = v.array("losses", losses, ndim=1, finite=False, min_size=2)
    want = v.choice("want", want, CURVE_LABELS)
    if what is None:
        what = f"read_curve({losses!r})"
    elif not isinstance(what, str):
        raise TypeError(f"what must be a string naming the case, or None, got {type(what).__name__}")
    if mistake is not None:
        hint = CURVE_MISTAKES[v.choice("mistake", mistake, CURVE_MISTAKES)]
        got = read_curve(_copy(losses))
        if not _is_label(got, want):
            fail(what, want, got, hint)
        return
    got = read_curve(_copy(losses))
    if want == "diverging" and not np.all(np.isfinite(h)) and not _is_label(got, want):
        fail(what, want, got, CURVE_NAN_SLIPS)
    if want == "too small" and _is_label(got, "good"):
        fail(what, want, got, CURVE_SECOND_CONDITION)
    if not _is_label(got, want):
        fail(what, want, got, _describe(h))
