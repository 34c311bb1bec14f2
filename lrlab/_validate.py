"""Argument checks shared by lrlab's public entry points.

Each public function validates its inputs once, here, and raises a
``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, bad value)
whose message names the argument and says what is allowed. Code behind the
public boundary trusts its inputs.
"""
from __future__ import annotations

import math
import numbers
from typing import Iterable

import numpy as np


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def real(name: str, value, *, low=None, high=None, low_open=False, high_open=False) -> float:
    """Return ``value`` as a finite float inside the given bounds.

    ``low``/``high`` are inclusive unless ``low_open``/``high_open`` is set.
    """
    if not _is_real(value):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value!r}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value!r}")
    return value


def positive(name: str, value) -> float:
    """A finite real number > 0 (learning rates, step sizes, scales)."""
    return real(name, value, low=0.0, low_open=True)


def non_negative(name: str, value) -> float:
    """A finite real number >= 0 (weight decay, momentum, eps)."""
    return real(name, value, low=0.0)


def fraction(name: str, value, *, open_low=True, open_high=True) -> float:
    """A real number in (0, 1), with either end closed on request."""
    return real(name, value, low=0.0, high=1.0, low_open=open_low, high_open=open_high)


def integer(name: str, value, *, low=None, high=None) -> int:
    """An int (not bool) within the inclusive bounds."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def choice(name: str, value, allowed: Iterable[str]) -> str:
    """One of a fixed set of strings."""
    allowed = tuple(allowed)
    if value not in allowed:
        listed = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {listed}, got {value!r}")
    return value


def array(name: str, value, *, ndim=None, shape=None, finite=True, min_size=None) -> np.ndarray:
    """``value`` as a float64 array (a copy), checked for shape and finiteness.

    ``shape`` may contain ``None`` for "any length along this axis".
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a number or an array of numbers, got {type(value).__name__}")
    try:
        out = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a number or an array of numbers ({exc})") from None
    if ndim is not None and out.ndim not in ((ndim,) if isinstance(ndim, int) else tuple(ndim)):
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {out.shape}")
    if shape is not None:
        if out.ndim != len(shape) or any(s is not None and s != o for s, o in zip(shape, out.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {out.shape}")
    if min_size is not None and out.size < min_size:
        raise ValueError(f"{name} must hold at least {min_size} value(s), got {out.size}")
    if finite and not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must contain only finite numbers (no NaN or inf)")
    return out


def steps_array(name: str, value):
    """A 0-based step: a non-negative int or an integer numpy array.

    Returns ``(steps_as_int64_array, was_scalar)``.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a non-negative integer or an integer array, got bool")
    if isinstance(value, numbers.Integral):
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
        return np.asarray(int(value), dtype=np.int64), True
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must be a non-negative integer or an integer array, got {type(value).__name__}"
            + (f" of dtype {arr.dtype}" if isinstance(value, np.ndarray) else f" {value!r}")
        )
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must be >= 0, got a minimum of {arr.min()}")
    return arr.astype(np.int64), arr.ndim == 0


def rng(name: str, seed) -> np.random.Generator:
    """A numpy Generator from None, an int seed or an existing Generator."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    return np.random.default_rng(integer(name, seed, low=0))
