"""Lesson 09's exercise checks: a WSD schedule, one schedule-free SGD step, µP's per-layer Adam rate.

Each ``check_*`` takes the learner's function and one case, computes the right answer with lrlab
(:func:`lrlab.optim.schedules.wsd`, the schedule-free update of
:class:`lrlab.optim.optimizers.SGDScheduleFree`, :func:`lrlab.problems.digits.mup_scales`),
recognises the usual mistakes (each with its own hint) and otherwise compares with a tolerance:

>>> check_mup_adam_lr(lambda lr, layer, width, base_width: lr * base_width / width if layer in ("hidden", "output") else lr,
...                   1e-2, "output", 256, 32)
>>> check_mup_adam_lr(lambda lr, layer, width, base_width: lr * (base_width / width) ** 0.5, 1e-2, "output", 256, 32)
Traceback (most recent call last):
...
lrlab.course.checks.LessonCheckError: mup_adam_lr(0.01, 'output', 256, 32): expected 0.00125, got 0.00353553. Hint: a square root belongs to the initial scale, not to Adam's rate: the rate of a layer whose input grows m times shrinks by 1/m
"""
from __future__ import annotations

import math

import numpy as np

from lrlab.course import owncode
from lrlab.course.checks import expect_close, expect_number, expect_numbers, expect_sequence, fail, plain
from lrlab.problems.digits import mup_scales
from lrlab.optim.schedules import WSD_SHAPES, wsd

__all__ = ["check_wsd", "check_schedule_free_step", "check_mup_adam_lr", "MUP_LAYERS", "OWN_CODE"]

#: The lrlab code that computes each exercise's answer: the checks run the learner's function under the
#: tracer of :mod:`lrlab.course.owncode`, which fails a test whose answer calls any of it.
OWN_CODE = (("wsd_lr", ("lrlab.optim.schedules",)),
            ("schedule_free_step", ("lrlab.optim.optimizers", "lrlab.train.batched")),
            ("mup_adam_lr", ("lrlab.problems.digits.mup_scales",)))


def _own(fn, exercise, *references):
    """The learner's ``fn`` as the checks call it: under the tracer of :mod:`lrlab.course.owncode`."""
    return owncode.traced(fn, exercise, OWN_CODE, globals(), *references)


def _callable(name: str, fn) -> None:
    if not callable(fn):
        raise TypeError(f"{name} must be the function you wrote, got {type(fn).__name__}")


def _close(a, b, rtol=1e-9, atol=1e-15) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


# ------------------------------------------------------------------------------ exercise 1: WSD

def wsd_mistakes(step, peak, total_steps, warmup_steps, decay_steps, shape):
    """The rates the usual wrong WSD schedules give at ``step``, each with the hint that names it."""
    start = total_steps - decay_steps
    u = (step - start) / decay_steps
    h = WSD_SHAPES[shape]
    out = []
    if step < warmup_steps:
        out.append((peak * step / warmup_steps, "the ramp starts at 0, so the first update does nothing: "
                                                "step t of the warmup uses peak·(t + 1)/warmup_steps"))
    if start <= step < total_steps:
        out += [
            (peak * (1 - u), f"this is the linear decay; the shape asked for is {shape!r}"),
            (peak * math.sqrt(1 - u), "sqrt(1 − u) falls slowly at first; the 1 − sqrt shape falls fast at "
                                      "the start of the decay: 1 − sqrt(u)"),
            (peak * float(h((step - start + 1) / decay_steps)), "the decay came one step early: step "
                                                                "total_steps − decay_steps still uses the peak"),
            (peak * float(h((step - start) / (decay_steps - 1))) if decay_steps > 1 else None,
             "u is the fraction of the decay done, (step − (total_steps − decay_steps)) / decay_steps"),
        ]
    if step >= total_steps:
        out += [(peak * float(1 - math.sqrt(u)) if shape == "1-sqrt" else peak * (1 - u),
                 "after total_steps the decay is over: the rate stays at 0, it does not go negative"),
                (peak, "after total_steps the rate stays at 0 (training is over)")]
    return [(w, hint) for w, hint in out if w is not None]


def check_wsd(wsd_lr, step, peak, total_steps, warmup_steps, decay_steps, shape="1-sqrt") -> None:
    """``wsd_lr(step, peak, total_steps, warmup_steps, decay_steps, shape)`` must be lrlab's ``wsd`` at ``step``."""
    _callable("wsd_lr", wsd_lr)
    wsd_lr = _own(wsd_lr, "wsd_lr")
    call = f"wsd_lr({step!r}, {peak!r}, {total_steps!r}, {warmup_steps!r}, {decay_steps!r}, {shape!r})"
    want = wsd(peak, total_steps, warmup_steps, decay_steps, shape)(step)
    got = expect_number(call, wsd_lr(step, peak, total_steps, warmup_steps, decay_steps, shape))
    for wrong, hint in wsd_mistakes(step, peak, total_steps, warmup_steps, decay_steps, shape):
        if _close(got, wrong) and not _close(want, wrong):
            fail(call, want, got, hint)
    expect_close(call, got, want, rtol=1e-9, atol=1e-15,
                 hint="warmup peak·(t + 1)/W; then the peak; over the last decay_steps steps peak·h(u); "
                      "0 from total_steps on")


# ------------------------------------------------------------------------------ exercise 2: schedule-free SGD

def schedule_free_mistakes(x, z, grad, lr, beta, t):
    """(new x, new z) of the usual wrong steps, each with the hint that names it."""
    x, z = np.asarray(x, dtype=float), np.asarray(z, dtype=float)
    c = 1.0 / (t + 1)

    def step(at, weight=c):
        new_z = z - lr * np.asarray(grad(at), dtype=float)
        return (1 - weight) * x + weight * new_z, new_z

    return [
        (step(x), "the gradient was taken at x, the average; schedule-free takes it at "
                  "y = (1 − beta)·z + beta·x, between the average and the base point"),
        (step(z), "the gradient was taken at z; schedule-free takes it at y = (1 − beta)·z + beta·x "
                  "(with beta = 0 it would be plain SGD plus an average)"),
        (step(beta * z + (1 - beta) * x), "beta and 1 − beta are swapped: y = (1 − beta)·z + beta·x, so "
                                          "beta = 0.9 puts y close to the average x"),
        (step((1 - beta) * z + beta * x, 1.0 / (t + 2)), "the new z gets weight 1/(t + 1): step t = 0 "
                                                           "averages one point, so x becomes that z"),
        (step((1 - beta) * z + beta * x, 1.0), "x must average every z so far, not jump to the newest one: "
                                               "x ← (1 − c)·x + c·z with c = 1/(t + 1)"),
    ]


def _as_pair(call, got):
    got = plain(call, got, like=(0.0, 0.0),
                hint="return a pair (new_x, new_z)")
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(call, "a pair (new_x, new_z)", got, "return both new points, x first: return new_x, new_z")
    return [expect_numbers(f"{call}[{i}]", g) for i, g in enumerate(got)]


def check_schedule_free_step(schedule_free_step, x, z, grad, lr, beta, t, what="grad") -> None:
    """``schedule_free_step(x, z, grad, lr, beta, t)`` must return one schedule-free SGD step's pair.

    ``what`` names ``grad`` in the failure message (e.g. ``"lambda w: 2 * w"``).
    """
    _callable("schedule_free_step", schedule_free_step)
    def schedule_free_reference(x, z, grad, lr, beta, t):
        """One schedule-free SGD step from ``(x, z)``, step ``t`` (0-based), uniform averaging weights."""
        x, z = np.asarray(x, dtype=float), np.asarray(z, dtype=float)
        y = (1 - beta) * z + beta * x
        new_z = z - lr * np.asarray(grad(y), dtype=float)
        c = 1.0 / (t + 1)
        return (1 - c) * x + c * new_z, new_z

    schedule_free_step = _own(schedule_free_step, "schedule_free_step", schedule_free_reference)
    call = f"schedule_free_step({x!r}, {z!r}, {what}, lr={lr!r}, beta={beta!r}, t={t!r})"
    want = schedule_free_reference(x, z, grad, lr, beta, t)
    got = _as_pair(call, schedule_free_step(np.array(x, dtype=float) if not np.isscalar(x) else x,
                                            np.array(z, dtype=float) if not np.isscalar(z) else z,
                                            grad, lr, beta, t))
    for wrong, hint in schedule_free_mistakes(x, z, grad, lr, beta, t):
        if all(_close(g, w) for g, w in zip(got, wrong)) and not all(_close(a, w) for a, w in zip(want, wrong)):
            fail(call, [np.asarray(w).tolist() for w in want], [g.tolist() for g in got], hint)
    for name, g, w in zip(("new_x", "new_z"), got, want):
        if g.shape != np.shape(w):
            fail(f"{call}, {name}", np.asarray(w).tolist(), g.tolist(), "keep the shape of x and z")
        expect_sequence(f"{call}, {name}", g.reshape(-1).tolist(), np.reshape(w, -1).tolist(), rtol=1e-9, atol=1e-12,
                        hint="y = (1 − beta)·z + beta·x; z ← z − lr·grad(y); x ← (1 − c)·x + c·z, c = 1/(t + 1)")


# ------------------------------------------------------------------------------ exercise 3: µP rate

#: The layer kinds ``mup_adam_lr`` takes, and the parameter of a 64-w-w-10 MLP each one stands for.
MUP_LAYERS = {"input": "W1", "hidden": "W2", "output": "W3", "bias": "b2"}


def mup_mistakes(lr, layer, width, base_width):
    m = width / base_width
    scaled = layer in ("hidden", "output")
    return [
        (lr * m ** -0.5 if scaled else None, "a square root belongs to the initial scale, not to Adam's rate: "
                                             "the rate of a layer whose input grows m times shrinks by 1/m"),
        (lr * m, "the rate must shrink as the width grows, by base_width / width, not grow"),
        (lr / m if layer in ("input", "bias") else None, f"the {layer} rate does not depend on the width: its "
                                                         "fan-in (or its size) does not grow with the width"),
        (lr if layer == "output" else None, "that is the standard parametrization: in µP the output layer's "
                                            "rate shrinks with the width too"),
        (lr * m if layer == "input" else (lr if layer == "hidden" else None),
         "those are µP's rules for SGD; with Adam the hidden and output rates shrink by base_width / width "
         "and the input rate stays"),
    ]


def check_mup_adam_lr(mup_adam_lr, lr, layer, width, base_width) -> None:
    """``mup_adam_lr(lr, layer, width, base_width)`` must be ``lr`` times µP's Adam factor for that layer."""
    _callable("mup_adam_lr", mup_adam_lr)
    mup_adam_lr = _own(mup_adam_lr, "mup_adam_lr")
    if layer not in MUP_LAYERS:
        raise ValueError(f"layer must be one of {', '.join(map(repr, MUP_LAYERS))}, got {layer!r}")
    call = f"mup_adam_lr({lr!r}, {layer!r}, {width!r}, {base_width!r})"
    factor = mup_scales((64, width, width, 10), (64, base_width, base_width, 10))[MUP_LAYERS[layer]][1]
    want = lr * factor
    got = expect_number(call, mup_adam_lr(lr, layer, width, base_width))
    for wrong, hint in mup_mistakes(lr, layer, width, base_width):
        if wrong is not None and _close(got, wrong) and not _close(want, wrong):
            fail(call, want, got, hint)
    expect_close(call, got, want, rtol=1e-9, atol=1e-15,
                 hint="input layer and biases: lr; hidden and output layers: lr · base_width / width")
