"""Lesson 05's exercise checks: step decay, cosine annealing, and a warmup in front of any schedule.

Each ``check_*`` takes the learner's function and one case, computes the right answer with
:mod:`lrlab.optim.schedules`, recognises the usual mistakes (each with its own hint) and otherwise
compares with a tolerance. A failure names the call that was tried:

>>> check_step_decay(lambda step, lr0, step_size, gamma: lr0 * gamma ** (step // step_size), 45, 0.1, 30, 0.1)
>>> check_step_decay(lambda step, lr0, step_size, gamma: lr0 * gamma ** (step / step_size), 45, 0.1, 30, 0.1)
Traceback (most recent call last):
...
lrlab.course.checks.LessonCheckError: step_decay_lr(45, 0.1, 30, 0.1): expected 0.01, got 0.00316228. Hint: step / step_size is a fraction, so the rate decays a little at every step; count only completed blocks with step // step_size
"""
from __future__ import annotations

import math

from lrlab.optim import schedules
from lrlab.course.checks import expect_close, expect_number, expect_sequence, fail
from lrlab.course import owncode

__all__ = ["check_step_decay", "check_cosine", "check_warmup"]


#: What each exercise's answer may not call, by the learner's function: the lrlab code that computes it
#: (dotted names: modules, classes, functions; plain names: this module's own helpers). The checks run
#: the learner's function under :func:`lrlab.course.owncode.traced`, which fails a test whose answer
#: calls any of them (or the check's own reference solution) under whatever name.
OWN_CODE = (("step_decay_lr", ("lrlab.optim.schedules",)),
            ("cosine_lr", ("lrlab.optim.schedules",)),
            ("warmup_then", ("lrlab.optim.schedules",)))


def _own(fn, exercise, *references):
    """The learner's ``fn`` as the checks call it: under the tracer of :mod:`lrlab.course.owncode`."""
    return owncode.traced(fn, exercise, OWN_CODE, globals(), *references)


def _callable(name: str, fn) -> None:
    if not callable(fn):
        raise TypeError(f"{name} must be the function you wrote, got {type(fn).__name__}")


def _close(a: float, b: float, **tol) -> bool:
    return math.isclose(a, b, **tol)


# ------------------------------------------------------------------------------ exercise 1: step decay

def step_decay_mistakes(step, lr0, step_size, gamma) -> list[tuple[float, str]]:
    """The values the usual wrong versions of step decay give, each with the hint that names it."""
    cuts = step // step_size
    return [
        (lr0 * gamma * cuts, "you multiplied by the number of cuts; each cut multiplies the rate by gamma "
                             "again, so the factor is gamma ** (number of cuts)"),
        (lr0 * gamma ** (step / step_size), "step / step_size is a fraction, so the rate decays a little at "
                                            "every step; count only completed blocks with step // step_size"),
        (lr0 * gamma ** ((step + 1) // step_size), "the cut came one step early: steps 0 to step_size − 1 "
                                                   "all use lr0"),
        (lr0 * gamma ** ((step - 1) // step_size), "the cut came one step late: step step_size is the first "
                                                   "one that uses lr0·gamma"),
        (lr0 * gamma ** math.ceil(step / step_size), "rounding up counts a block as finished before it is: "
                                                     "use floor division, step // step_size"),
    ]


def check_step_decay(step_decay_lr, step, lr0, step_size, gamma) -> None:
    """``step_decay_lr(step, lr0, step_size, gamma)`` must be ``lr0 · gamma ** (step // step_size)``."""
    step_decay_lr = _own(step_decay_lr, "step_decay_lr")
    _callable("step_decay_lr", step_decay_lr)
    call = f"step_decay_lr({step!r}, {lr0!r}, {step_size!r}, {gamma!r})"
    want = schedules.step_decay(lr0, step_size=step_size, gamma=gamma)(step)
    got = expect_number(call, step_decay_lr(step, lr0, step_size, gamma))
    for wrong, hint in step_decay_mistakes(step, lr0, step_size, gamma):
        if _close(got, wrong, rel_tol=1e-9) and not _close(want, wrong, rel_tol=1e-9):
            fail(call, want, got, hint)
    expect_close(call, got, want, rtol=1e-12, hint="lr0 · gamma ** (step // step_size)")


# ------------------------------------------------------------------------------ exercise 2: cosine

def cosine_mistakes(step, lr_max, T_max, eta_min=0.0) -> list[tuple[float, str]]:
    """The values the usual wrong versions of cosine annealing give, each with the hint that names it."""
    x = math.pi * step / T_max
    return [
        (eta_min + (lr_max - eta_min) * (1 + math.cos(x)), "the factor ½ is missing: (1 + cos) runs from 2 to 0, "
                                                           "so without ½ the rate starts at twice lr_max"),
        (eta_min + 0.5 * (lr_max - eta_min) * (1 + math.sin(x)), "sin where cos belongs: the schedule must "
                                                                 "start at lr_max, and cos(0) = 1"),
        (eta_min + 0.5 * (lr_max - eta_min) * (1 - math.cos(x)), "1 − cos climbs from 0 to the peak: use "
                                                                 "1 + cos to come down from it"),
        (eta_min + 0.5 * (lr_max - eta_min) * (1 + math.cos(step / T_max)), "π is missing: the angle goes "
                                                                           "from 0 to π over T_max steps"),
        (0.5 * lr_max * (1 + math.cos(x)), "eta_min is ignored: the curve must end at eta_min, not at 0"),
        (eta_min + 0.5 * lr_max * (1 + math.cos(x)), "eta_min is added but not taken off the height: the "
                                                     "cosine spans lr_max − eta_min, so that step 0 gives "
                                                     "exactly lr_max"),
    ]


def check_cosine(cosine_lr, step, lr_max, T_max, eta_min=0.0) -> None:
    """``cosine_lr(step, lr_max, T_max[, eta_min])`` must be half a cosine from lr_max down to eta_min.

    With ``eta_min = 0`` the learner's function is called without it (its default is tried too).
    """
    cosine_lr = _own(cosine_lr, "cosine_lr")
    _callable("cosine_lr", cosine_lr)
    call = f"cosine_lr({step!r}, {lr_max!r}, {T_max!r}" + (f", eta_min={eta_min!r})" if eta_min else ")")
    want = schedules.cosine_annealing(lr_max, T_max=T_max, eta_min=eta_min)(step)
    got = expect_number(call, cosine_lr(step, lr_max, T_max, eta_min) if eta_min else cosine_lr(step, lr_max, T_max))
    tol = {"rel_tol": 1e-9, "abs_tol": 1e-15}
    for wrong, hint in cosine_mistakes(step, lr_max, T_max, eta_min):
        if _close(got, wrong, **tol) and not _close(want, wrong, **tol):
            fail(call, want, got, hint)
    expect_close(call, got, want, rtol=1e-9, atol=1e-15,
                 hint="eta_min + ½·(lr_max − eta_min)·(1 + cos(π·step/T_max))")


# ------------------------------------------------------------------------------ exercise 3: warmup

def warmup_mistakes(schedule_fn, W, steps) -> list[tuple[list, str]]:
    """What the usual wrong warmups give at ``steps`` (None where a mistake does not apply), with hints."""
    top = schedule_fn(0)
    return [
        ([top * t / W if t < W else None for t in steps], "the ramp starts at 0, so the first update does "
                                                           "nothing: step t uses peak·(t + 1)/W"),
        ([top * t / (W - 1) if t < W and W > 1 else None for t in steps], "the ramp starts at 0: step t "
                                                                           "uses peak·(t + 1)/W, so step 0 "
                                                                           "already moves"),
        ([schedule_fn(t) if t >= W else None for t in steps], "after the warmup the schedule must start its "
                                                              "own clock at 0: use schedule_fn(step − W)"),
        ([top * (t + 1) / W if t <= W else None for t in steps], "step W belongs to the schedule, not to the "
                                                                   "ramp: use step < W for the warmup"),
    ]


def check_warmup(warmup_then, schedule_fn, W, steps, what) -> None:
    """``warmup_then(schedule_fn, W)`` must return ``lr_at(step)`` giving the right rates at ``steps``.

    ``what`` is how the schedule is written in the failure message (e.g. ``"halving"``).
    """
    def warmup_reference(schedule_fn, W, step):
        """The right rate: ``schedule_fn(0)·(step + 1)/W`` during the warmup, then ``schedule_fn(step − W)``."""
        top = schedule_fn(0)
        return top * (step + 1) / W if step < W else schedule_fn(step - W)

    warmup_then = _own(warmup_then, "warmup_then", warmup_reference)
    _callable("warmup_then", warmup_then)
    if not callable(schedule_fn):
        raise TypeError(f"schedule_fn must be a schedule step -> lr, got {type(schedule_fn).__name__}")
    steps = [int(t) for t in steps]
    sched = warmup_then(schedule_fn, W)
    if not callable(sched):
        fail(f"warmup_then({what}, {W})", "a function step -> lr", sched,
             "return the inner function itself (return lr_at), not a value")
    got = [expect_number(f"warmup_then({what}, {W})({t})", sched(t)) for t in steps]
    want = [warmup_reference(schedule_fn, W, t) for t in steps]
    call = f"[warmup_then({what}, {W})(t) for t in {steps}]"
    for wrong, hint in warmup_mistakes(schedule_fn, W, steps):
        pairs = [(g, w, x) for g, w, x in zip(got, want, wrong) if x is not None]
        if pairs and all(_close(g, x, rel_tol=1e-9) for g, _, x in pairs) and not all(
                _close(w, x, rel_tol=1e-9) for _, w, x in pairs):
            fail(call, want, got, hint)
    expect_sequence(call, got, want, rtol=1e-9, hint="before step W: schedule_fn(0)·(step + 1)/W; "
                                                   "from step W on: schedule_fn(step − W)")
