"""Checks that exercise test cells use to talk to the learner.

A failing check raises ``AssertionError`` with three parts: what was
expected, what came back, and a hint about where to look. The lessons' test
cells call these instead of bare ``assert`` so that every failure reads like
advice rather than a stack trace.

>>> expect_close("x after one step", 4.0, 4.0)
>>> expect_close("x after one step", 6.0, 4.0, hint="check the sign of the update")
Traceback (most recent call last):
...
lrlab.checks.LessonCheckError: x after one step: expected 4, got 6. Hint: check the sign of the update
"""
from __future__ import annotations

import math
import numbers

import numpy as np


class LessonCheckError(AssertionError):
    """An exercise check failed; the message is written for the learner."""


def _fmt(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=6, threshold=12)
    if isinstance(value, (list, tuple)) and len(value) > 12:
        head = ", ".join(_fmt(x) for x in value[:5])
        return f"[{head}, ... ({len(value)} items)]"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in value) + "]"
    return repr(value)


def fail(what: str, expected, got, hint: str | None = None):
    msg = f"{what}: expected {_fmt(expected)}, got {_fmt(got)}."
    if hint:
        msg += f" Hint: {hint}"
    raise LessonCheckError(msg)


def expect_number(what: str, got, hint: str | None = None) -> float:
    """``got`` must be a real number (a Python or numpy scalar, not a string, list or None)."""
    if isinstance(got, np.ndarray) and got.shape == ():
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, numbers.Real):
        fail(what, "a number", got, hint or "return the value itself, not a string, list or None")
    return float(got)


def expect_close(what: str, got, expected, *, rtol=1e-9, atol=1e-12, hint: str | None = None) -> None:
    """``got`` must be a number within ``atol + rtol·|expected|`` of ``expected``."""
    value = expect_number(what, got, hint)
    if not math.isclose(value, float(expected), rel_tol=rtol, abs_tol=atol):
        fail(what, expected, got, hint)


def expect_equal(what: str, got, expected, hint: str | None = None) -> None:
    """``got == expected`` (for ints, strings and labels)."""
    if isinstance(expected, numbers.Integral) and not isinstance(expected, bool):
        if isinstance(got, bool) or not isinstance(got, numbers.Integral):
            fail(what, expected, got, hint or "the answer should be a whole number (an int)")
    if got != expected:
        fail(what, expected, got, hint)


def expect_sequence(what: str, got, expected, *, rtol=1e-9, atol=1e-12, hint: str | None = None) -> None:
    """``got`` must be a list/array of the same length as ``expected`` with matching values."""
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        fail(what, "a list of numbers", got, hint)
    want = np.asarray(expected, dtype=float)
    if arr.shape != want.shape:
        fail(f"{what} (length)", len(want), len(arr) if arr.ndim else got,
             hint or "check how many values you return")
    bad = ~np.isclose(arr, want, rtol=rtol, atol=atol, equal_nan=True)
    if bad.any():
        i = int(np.argmax(bad))
        fail(f"{what}, item {i}", want[i], arr[i], hint)
