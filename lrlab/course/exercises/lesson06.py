"""Lesson 06's exercise checks: a momentum step, an Adam step, the width of a Goldilocks zone.

Each ``check_*`` takes the learner's function and one case, computes the right answer with its own
reference (nested in the check, where no import reaches it), recognises the usual mistakes (each with
the hint that names it) and otherwise reports what was expected and what came back. Learner values
are only compared after conversion to floats, so a learner's object never decides a comparison.
"""
from __future__ import annotations

import math

import numpy as np

from lrlab.course.checks import (
    LessonCheckError, expect_close, expect_number, expect_numbers, expect_sequence, fail, plain)
from lrlab.course import owncode

__all__ = ["check_momentum_step",
           "check_adam_step", "check_adam_state", "check_zone_width", "HINTS"]


#: What each exercise's answer may not call, by the learner's function: the lrlab code that computes it
#: (dotted names: modules, classes, functions; plain names: this module's own helpers). The checks run
#: the learner's function under :func:`lrlab.course.owncode.traced`, which fails a test whose answer
#: calls any of them (or the check's own reference solution) under whatever name.
OWN_CODE = (("momentum_step", ("lrlab.optim.optimizers", "lrlab.train.batched")),
            ("adam_step", ("lrlab.optim.optimizers", "lrlab.train.batched")),
            ("zone_width", ("lrlab.studies.sensitivity", "lrlab.studies.tuning")))


def _own(fn, exercise, *references):
    """The learner's ``fn`` as the checks call it: under the tracer of :mod:`lrlab.course.owncode`."""
    return owncode.traced(fn, exercise, OWN_CODE, globals(), *references)


#: Every hint, by mistake. The grading tests look for these exact words.
HINTS = {
    "pair": "return both values as a pair: (new_x, new_buf)",
    "triple": "return three values: (new_x, new_m, new_v)",
    "buffer_sign": ("your buffer has the opposite sign: torch keeps b = momentum·b + grad "
                    "and then subtracts lr·b from x"),
    "velocity": ("you returned the velocity v = momentum·v − lr·grad, another convention; "
                 "torch's buffer is b = momentum·b + grad, without lr in it"),
    "ema": ("that is an average, momentum·b + (1 − momentum)·grad; torch adds the whole gradient: "
            "b = momentum·b + grad"),
    "old_buffer": "update the buffer first (b = momentum·b + grad), then step with the new b",
    "uphill": "your step moved uphill: subtract lr × direction from x",
    "no_nesterov": "with nesterov=True the direction is grad + momentum·b (the updated b), not b alone",
    "no_correction": ("the bias correction is missing: divide m by (1 − beta1**t) and v by (1 − beta2**t) "
                      "before taking the step"),
    "m_only": "only m was bias-corrected: v needs its own correction, v / (1 − beta2**t)",
    "v_only": "only v was bias-corrected: m needs its own correction, m / (1 − beta1**t)",
    "twice_in_step": ("the bias correction was applied twice: torch's lr / (1 − beta1**t) and "
                      "√(1 − beta2**t) already correct m and v, so use the raw m and v with them, "
                      "or m̂ and v̂ with the plain lr"),
    "eps_inside": "eps goes outside the square root: m̂ / (√v̂ + eps), not m̂ / √(v̂ + eps)",
    "t_off": "t is the number of this step (1 for the first); use it as given in beta**t",
    "betas_ignored": "use the betas argument, not the default values 0.9 and 0.999",
    "corrected_state": ("you returned the bias-corrected m̂ and v̂ as the new state; keep the raw "
                        "averages m and v (the next step would correct them a second time)"),
    "v_not_squared": "v averages the squared gradient: v = beta2·v + (1 − beta2)·grad²",
    "grid_points": ("you counted grid points; the width is in decades: log10(largest rate in the zone "
                    "/ smallest rate in the zone)"),
    "natural_log": "a decade is a factor of 10: use log10, not the natural log",
    "strict_edge": "a loss of exactly factor × best is inside the zone: use <=",
    "factor_ignored": "use the factor argument instead of a fixed 2",
    "nan": ("a NaN loss is a run that diverged: it is outside the zone, and the best loss is the "
            "smallest finite one (np.nanmin, or ignore non-finite values)"),
    "additive": "within a factor of the best means loss <= factor × best (a ratio, not best + factor)",
    "raised": "your function raised an error on this case",
}


# --------------------------------------------------------------------------- small helpers
def _floats(got):
    """``got`` as a fresh float array (read by :func:`lrlab.course.checks.expect_numbers`), or None when it is not numbers."""
    try:
        return expect_numbers("value", got)
    except LessonCheckError:
        return None


def _same(got, wrong) -> bool:
    arr, want = _floats(got), np.asarray(wrong, dtype=float)
    return arr is not None and arr.shape == want.shape and bool(
        np.allclose(arr, want, rtol=1e-9, atol=1e-12, equal_nan=True))


def _expect(what, got, want, hint=None):
    """Compare one returned value (a number or an array) with the right one."""
    if np.ndim(want) == 0:
        arr = _floats(got)
        if arr is not None and arr.shape == (1,):
            got = arr[0]
        expect_close(what, got, float(want), rtol=1e-9, atol=1e-12, hint=hint)
    else:
        expect_sequence(what, got, want, rtol=1e-9, atol=1e-12, hint=hint)


def _call(what, fn, *args, _hint=None, **kwargs):
    """Call the learner's function; an exception becomes a failure that names the case."""
    try:
        return fn(*args, **kwargs)
    except Exception as err:  # the learner's code may raise anything
        hint = f"{_hint} ({HINTS['raised']})" if _hint else HINTS["raised"]  # the named mistake first
        fail(what, "a result", f"{type(err).__name__}: {err}", hint)


def _unpack(what, got, n, hint):
    """The ``n`` values of a returned tuple, as a faithful copy (:func:`lrlab.course.checks.plain`)."""
    got = plain(what, got, like=(0.0,) * n, hint=hint)
    if not isinstance(got, (tuple, list)) or len(got) != n:
        fail(what, f"a tuple of {n} values", got, hint)
    return got


def _copy(x):
    return np.array(x, dtype=float) if np.ndim(x) else x


def _fmt(x):
    return repr(x.tolist()) if isinstance(x, np.ndarray) else repr(x)


# --------------------------------------------------------------------------- exercise 1: momentum
def _momentum_mistakes(momentum_reference, x, grad, buf, lr, momentum, nesterov):
    x, grad, buf = (np.asarray(a, dtype=float) for a in (x, grad, buf))
    right_x, right_b = momentum_reference(x, grad, buf, lr, momentum, nesterov)
    velocity = momentum * buf - lr * grad
    ema = momentum * buf + (1 - momentum) * grad
    flipped = momentum * buf - grad   # b = momentum·b − grad, from a buffer kept in torch's sign
    mistakes = [((x + lr * flipped, flipped), "buffer_sign"), ((x - lr * flipped, flipped), "buffer_sign"),
                ((right_x, -right_b), "buffer_sign"),
                ((x + velocity, velocity), "velocity"),
                ((x - lr * (grad + momentum * ema) if nesterov else x - lr * ema, ema), "ema"),
                ((2 * x - right_x, right_b), "uphill")]
    if nesterov:
        # (grad + momentum·old b is the new b itself: the same as ignoring nesterov)
        mistakes.append(((x - lr * right_b, right_b), "no_nesterov"))
    else:
        mistakes.append(((x - lr * buf, right_b), "old_buffer"))
    return (right_x, right_b), mistakes


def check_momentum_step(momentum_step, x, grad, buf, lr, momentum, nesterov=False):
    """``momentum_step(x, grad, buf, lr, momentum, nesterov)`` must return torch's ``(new_x, new_buf)``."""
    def momentum_reference(x, grad, buf, lr, momentum, nesterov):
        """torch.optim.SGD with momentum, one step: ``b ← momentum·b + grad``; ``x ← x − lr·d``,
        ``d = b`` (heavy ball) or ``d = grad + momentum·b`` (Nesterov). Returns ``(new_x, new_b)``."""
        x, grad, buf = (np.asarray(a, dtype=float) for a in (x, grad, buf))
        new_buf = momentum * buf + grad
        direction = grad + momentum * new_buf if nesterov else new_buf
        return x - lr * direction, new_buf

    momentum_step = _own(momentum_step, "momentum_step", momentum_reference)
    what = (f"momentum_step({_fmt(x)}, {_fmt(grad)}, {_fmt(buf)}, lr={lr!r}, momentum={momentum!r}"
            + (", nesterov=True)" if nesterov else ")"))
    got = _call(what, momentum_step, _copy(x), _copy(grad), _copy(buf), lr, momentum, nesterov=nesterov)
    new_x, new_buf = _unpack(what, got, 2, HINTS["pair"])
    (right_x, right_b), mistakes = _momentum_mistakes(momentum_reference, x, grad, buf, lr, momentum, nesterov)
    if not (_same(new_x, right_x) and _same(new_buf, right_b)):
        for (wrong_x, wrong_b), key in mistakes:
            if _same(new_x, wrong_x) and _same(new_buf, wrong_b):
                fail(what, (right_x.tolist() if right_x.ndim else float(right_x),
                            right_b.tolist() if right_b.ndim else float(right_b)),
                     (_floats(new_x).tolist(), _floats(new_buf).tolist()), HINTS[key])
    _expect(f"{what}, new_x", new_x, right_x,
            hint="new_x = x − lr·d with d = b" + (" replaced by grad + momentum·b" if nesterov else ""))
    _expect(f"{what}, new_buf", new_buf, right_b, hint="new_buf = momentum·buf + grad")


# --------------------------------------------------------------------------- exercise 2: Adam
def _adam_x_mistakes(adam_reference, x, grad, m, v, t, lr, betas, eps):
    x, grad, m0, v0 = (np.asarray(a, dtype=float) for a in (x, grad, m, v))
    b1, b2 = betas
    m = b1 * m0 + (1 - b1) * grad
    v = b2 * v0 + (1 - b2) * grad * grad
    c1, c2 = 1 - b1 ** t, 1 - b2 ** t
    out = [(x - lr * m / (np.sqrt(v) + eps), "no_correction"),
           (x - lr * (m / c1) / (np.sqrt(v) + eps), "m_only"),
           (x - lr * m / (np.sqrt(v / c2) + eps), "v_only"),
           (x - lr / c1 * (m / c1) / (np.sqrt(v / c2) / math.sqrt(c2) + eps), "twice_in_step"),
           (x - lr * (m / c1) / np.sqrt(v / c2 + eps), "eps_inside"),
           (x + lr * (m / c1) / (np.sqrt(v / c2) + eps), "uphill")]
    for t_wrong in (t + 1, t - 1):
        if t_wrong >= 1:
            out.append((x - lr * (m / (1 - b1 ** t_wrong)) / (np.sqrt(v / (1 - b2 ** t_wrong)) + eps), "t_off"))
    if tuple(betas) != (0.9, 0.999):
        out.append((adam_reference(x, grad, m0, v0, t, lr, (0.9, 0.999), eps)[0], "betas_ignored"))
    return out


def _adam_what(x, grad, m, v, t, lr, betas, eps):
    opts = f", lr={lr!r}" + (f", betas={betas!r}" if tuple(betas) != (0.9, 0.999) else "") + \
           (f", eps={eps!r}" if eps != 1e-8 else "")
    return f"adam_step({_fmt(x)}, {_fmt(grad)}, {_fmt(m)}, {_fmt(v)}, t={t!r}{opts})"


def check_adam_step(adam_step, x, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """The new parameter of ``adam_step(x, grad, m, v, t, lr, betas, eps)`` must be torch's."""
    _check_adam("x", adam_step, x, grad, m, v, t, lr, betas, eps)


def check_adam_state(adam_step, x, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """The new state ``(m, v)`` of ``adam_step`` must be the raw moving averages."""
    _check_adam("state", adam_step, x, grad, m, v, t, lr, betas, eps)


def _check_adam(part, adam_step, x, grad, m, v, t, lr, betas, eps):
    """Both Adam checks, with the reference they share: ``part`` "x" (the new parameter) or "state"."""
    def adam_reference(x, grad, m, v, t, lr, betas, eps):
        """torch.optim.Adam, step number ``t`` from the state ``(m, v)`` after step t − 1.
        Returns ``(new_x, new_m, new_v)``; ``new_m``, ``new_v`` are the raw (uncorrected) averages."""
        x, grad, m, v = (np.asarray(a, dtype=float) for a in (x, grad, m, v))
        b1, b2 = betas
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        return x - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    adam_step = _own(adam_step, "adam_step", adam_reference)
    what = _adam_what(x, grad, m, v, t, lr, betas, eps)
    got = _call(what, adam_step, _copy(x), _copy(grad), _copy(m), _copy(v), t, lr=lr, betas=betas, eps=eps)
    if part == "x":
        new_x = _unpack(what, got, 3, HINTS["triple"])[0]
        right = adam_reference(x, grad, m, v, t, lr, betas, eps)[0]
        if not _same(new_x, right):
            for wrong, key in _adam_x_mistakes(adam_reference, x, grad, m, v, t, lr, betas, eps):
                if _same(new_x, wrong) and not _same(wrong, right):
                    fail(f"{what}, new_x", right.tolist() if right.ndim else float(right),
                         _floats(new_x).tolist() if _floats(new_x) is not None else new_x, HINTS[key])
        _expect(f"{what}, new_x", new_x, right, hint="new_x = x − lr·m̂ / (√v̂ + eps), "
                                                     "with m̂ = m / (1 − beta1**t) and v̂ = v / (1 − beta2**t)")
        return
    _, new_m, new_v = _unpack(what, got, 3, HINTS["triple"])
    _, right_m, right_v = adam_reference(x, grad, m, v, t, lr, betas, eps)
    b1, b2 = betas
    if _same(new_m, right_m / (1 - b1 ** t)) and not _same(right_m / (1 - b1 ** t), right_m):
        fail(f"{what}, new_m", right_m.tolist() if right_m.ndim else float(right_m),
             _floats(new_m).tolist(), HINTS["corrected_state"])
    _expect(f"{what}, new_m", new_m, right_m, hint="new_m = beta1·m + (1 − beta1)·grad")
    g = np.asarray(grad, dtype=float)
    if _same(new_v, right_v / (1 - b2 ** t)) and not _same(right_v / (1 - b2 ** t), right_v):
        fail(f"{what}, new_v", right_v.tolist() if right_v.ndim else float(right_v),
             _floats(new_v).tolist(), HINTS["corrected_state"])
    if _same(new_v, b2 * np.asarray(v, dtype=float) + (1 - b2) * g) and not _same(g * g, g):
        fail(f"{what}, new_v", right_v.tolist() if right_v.ndim else float(right_v),
             _floats(new_v).tolist(), HINTS["v_not_squared"])
    _expect(f"{what}, new_v", new_v, right_v, hint="new_v = beta2·v + (1 − beta2)·grad²")


# --------------------------------------------------------------------------- exercise 3: zone width
def _zone_mistakes(lrs, losses, factor):
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    finite = np.isfinite(losses)
    best = losses[finite].min()
    inside = finite & (losses <= factor * best)
    lo, hi = lrs[inside].min(), lrs[inside].max()
    out = [(math.log(hi / lo), "natural_log")]
    strict = finite & (losses < factor * best)
    if strict.any():
        out.append((math.log10(lrs[strict].max() / lrs[strict].min()), "strict_edge"))
    two = finite & (losses <= 2.0 * best)
    out.append((math.log10(lrs[two].max() / lrs[two].min()), "factor_ignored"))
    add = finite & (losses <= best + factor)
    out.append((math.log10(lrs[add].max() / lrs[add].min()), "additive"))
    if not finite.all():
        out += [(float("nan"), "nan"), (0.0, "nan")]
    return out + [(inside.sum() - 1, "grid_points"), (inside.sum(), "grid_points")]


def check_zone_width(zone_width, lrs, losses, factor=2.0):
    """``zone_width(lrs, losses, factor)`` must return the zone's width in decades, as a number."""
    def zone_width_reference(lrs, losses, factor):
        """Width in decades of the rates whose loss is ≤ factor × the best finite loss."""
        lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
        finite = np.isfinite(losses)
        best = losses[finite].min()
        inside = finite & (losses <= factor * best)
        return float(math.log10(lrs[inside].max() / lrs[inside].min()))

    zone_width = _own(zone_width, "zone_width", zone_width_reference)
    shown = ", ".join("nan" if isinstance(x, float) and math.isnan(x) else repr(x) for x in losses)
    what = f"zone_width({list(lrs)!r}, [{shown}]" + (f", factor={factor!r})" if factor != 2.0 else ")")
    nan_hint = None if np.isfinite(np.asarray(losses, dtype=float)).all() else HINTS["nan"]
    got = _call(what, zone_width, list(lrs), list(losses), factor, _hint=nan_hint)
    value = expect_number(what, got, hint="return the width as one number (a float), in decades")
    right = zone_width_reference(lrs, losses, factor)
    if not math.isclose(value, right, rel_tol=1e-9, abs_tol=1e-12):
        for wrong, key in _zone_mistakes(lrs, losses, factor):
            same = (math.isnan(value) and math.isnan(wrong)) or math.isclose(value, wrong, rel_tol=1e-9,
                                                                             abs_tol=1e-12)
            if same and not math.isclose(right, wrong, rel_tol=1e-9, abs_tol=1e-12):
                fail(what, right, value, HINTS[key])
    expect_close(what, value, right, hint="the width is log10(largest rate / smallest rate) over the rates "
                                          "whose loss is <= factor × the best finite loss")
