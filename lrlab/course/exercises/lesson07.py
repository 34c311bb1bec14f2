"""Lesson 07's exercise checks: parameter groups, scaling a rate with the batch size, a plateau detector.

Each ``check_*`` takes the learner's function and one case, computes the right answer (with
:mod:`lrlab.optim.optimizers` and :mod:`lrlab.optim.schedules` where they have it), recognises the usual
mistakes, each with its own hint, and otherwise compares. A failure names the call that was tried:

>>> check_scale_lr(lambda lr, old, new, rule: lr * new / old, 0.001, 32, 128, "linear")
>>> check_scale_lr(lambda lr, old, new, rule: lr * old / new, 0.001, 32, 128, "linear")
Traceback (most recent call last):
...
lrlab.course.checks.LessonCheckError: scale_lr(0.001, 32, 128, 'linear'): expected 0.004, got 0.00025. Hint: the ratio is upside down: a larger batch gets a larger rate, so multiply by new_batch / old_batch
"""
from __future__ import annotations

import math

import numpy as np

from lrlab.course.checks import LessonCheckError, expect_close, expect_number, fail, plain
from lrlab.optim.optimizers import Adam
from lrlab.optim.schedules import ReduceLROnPlateau
from lrlab.course import owncode

__all__ = ["check_param_groups", "check_groups_in_adam", "check_scale_lr", "check_scale_lr_refuses",
           "check_plateau_cuts", "RULES"]


#: What each exercise's answer may not call, by the learner's function: the lrlab code that computes it
#: (dotted names: modules, classes, functions; plain names: this module's own helpers). The checks run
#: the learner's function under :func:`lrlab.course.owncode.traced`, which fails a test whose answer
#: calls any of them (or the check's own reference solution) under whatever name.
OWN_CODE = (("make_param_groups", ()),  # no lrlab code builds these groups
            ("scale_lr", ()),  # nor scales a rate by a rule
            ("plateau_cuts", ("lrlab.optim.schedules.ReduceLROnPlateau", "_detector")))


def _own(fn, exercise, *references):
    """The learner's ``fn`` as the checks call it: under the tracer of :mod:`lrlab.course.owncode`."""
    return owncode.traced(fn, exercise, OWN_CODE, globals(), *references)


def _callable(name: str, fn) -> None:
    if not callable(fn):
        raise TypeError(f"{name} must be the function you wrote, got {type(fn).__name__}")


def _params_text(params) -> str:
    return "{" + ", ".join(f"{k!r}: ..." for k in params) + "}"


# ------------------------------------------------------------------------------ exercise 1: param groups

SWAPPED = ("the rates are swapped: the head is new and random, so it gets the larger rate head_lr; the "
           "pretrained body gets the small body_lr")
HARD_CODED_NAMES = ("the names must come from the dict you are given: the body is every key of params that "
                    "is not in head, whatever the keys are called")


def _groups(make_param_groups, params, head, body_lr, head_lr):
    call = f"make_param_groups({_params_text(params)}, {list(head)!r}, {body_lr!r}, {head_lr!r})"
    got = plain(call, make_param_groups(params, list(head), body_lr, head_lr), like=[{}])
    if not isinstance(got, (list, tuple)) or len(got) != 2 or not all(isinstance(g, dict) for g in got):
        fail(call, "a list of two dicts, [body group, head group]", got,
             "return [{'params': [...], 'lr': body_lr}, {'params': [...], 'lr': head_lr}]")
    for i, g in enumerate(got):
        if set(g) != {"params", "lr"}:
            fail(f"{call}[{i}] keys", ["lr", "params"], sorted(map(str, g)),
                 "each group is a dict with exactly the keys 'params' (a list of names) and 'lr'")
        if not isinstance(g["params"], (list, tuple)):
            fail(f"{call}[{i}]['params']", "a list of parameter names", g["params"],
                 "list the names (dict keys), not the arrays")
    return call, got


def check_param_groups(make_param_groups, params, head, body_lr, head_lr) -> None:
    """``make_param_groups(params, head, body_lr, head_lr)`` must return the body group, then the head group.

    The body group lists every key of ``params`` not in ``head``, in the dict's order, with rate
    ``body_lr``; the head group lists ``head``'s names (in the dict's order) with rate ``head_lr``.
    """
    make_param_groups = _own(make_param_groups, "make_param_groups")
    _callable("make_param_groups", make_param_groups)
    call, got = _groups(make_param_groups, params, head, body_lr, head_lr)
    body_names = [k for k in params if k not in head]
    head_names = [k for k in params if k in head]
    names = [list(g["params"]) for g in got]
    rates = [expect_number(f"{call}[{i}]['lr']", g["lr"]) for i, g in enumerate(got)]
    if names == [head_names, body_names] or (math.isclose(rates[0], head_lr) and math.isclose(rates[1], body_lr)
                                             and body_lr != head_lr):
        fail(f"{call}, rates", [body_lr, head_lr], rates if names[0] == body_names else names, SWAPPED)
    if names[1] != head_names:
        fail(f"{call}[1]['params']", head_names, names[1],
             HARD_CODED_NAMES if set(names[1]) - set(head) else "the head group lists the names in head, "
                                                                 "in the order of the dict")
    if names[0] != body_names:
        hint = HARD_CODED_NAMES if set(names[0]) - set(params) else (
            "the body group must list every parameter that is not in the head (weights and biases), in "
            "the order of the dict")
        fail(f"{call}[0]['params']", body_names, names[0], hint)
    expect_close(f"{call}[0]['lr']", rates[0], body_lr, hint="the body group's rate is body_lr")
    expect_close(f"{call}[1]['lr']", rates[1], head_lr, hint="the head group's rate is head_lr")


def check_groups_in_adam(make_param_groups, params, head, body_lr, head_lr) -> None:
    """The groups, given to ``lrlab.optim.optimizers.Adam``, move every body entry by ``body_lr`` and every head entry by ``head_lr``.

    Adam's first step moves each entry by exactly its rate (``m/√v = ±1``), which makes the rates
    that reached each parameter visible.
    """
    make_param_groups = _own(make_param_groups, "make_param_groups")
    _callable("make_param_groups", make_param_groups)
    call, got = _groups(make_param_groups, params, head, body_lr, head_lr)
    try:
        opt = Adam(lr=1.0, param_groups=[{"params": list(g["params"]), "lr": float(g["lr"])} for g in got])
        grads = {k: np.ones_like(np.asarray(a, dtype=float)) for k, a in params.items()}
        moved = opt.step(params, grads)
    except (TypeError, ValueError) as err:
        raise LessonCheckError(f"Adam(param_groups={call}) refused the groups: {err}") from None
    for k in params:
        want = head_lr if k in head else body_lr
        step = float(np.max(np.abs(np.asarray(params[k], dtype=float) - moved[k])))
        hint = (SWAPPED if math.isclose(step, head_lr if k not in head else body_lr, rel_tol=1e-6)
                else "every parameter must be in one of the two groups, with that group's rate")
        expect_close(f"Adam's first step on {k!r} with your groups", step, want, rtol=1e-6, hint=hint)


# ------------------------------------------------------------------------------ exercise 2: scaling rule

#: The batch-size rules: the power of new_batch / old_batch the rate is multiplied by.
RULES = {"linear": 1.0, "sqrt": 0.5}


def scale_mistakes(lr, old, new, rule) -> list[tuple[float, str]]:
    """What the usual wrong versions of ``scale_lr`` give, each with the hint that names it."""
    r = new / old
    p = RULES[rule]
    return [
        (lr * (old / new) ** p, "the ratio is upside down: a larger batch gets a larger rate, so multiply by "
                                "new_batch / old_batch"),
        (lr * r ** 2 if rule == "sqrt" else None, "wrong power: the square-root rule multiplies by √(new/old) "
                                                  "= (new/old) ** 0.5; you squared the ratio"),
        (lr * r if rule == "sqrt" else None, "wrong power: that is the linear rule; the square-root rule "
                                             "multiplies by (new/old) ** 0.5"),
        (lr * r ** 0.5 if rule == "linear" else None, "wrong power: the linear rule multiplies by the batch "
                                                      "ratio itself, new/old, not its square root"),
        (lr * new / old ** 0.5 if rule == "sqrt" else None, "only old_batch got the square root: write "
                                                            "(new_batch / old_batch) ** 0.5"),
        (lr * r ** p / lr if lr != 1 else None, "you returned the factor; return the new rate, lr × factor"),
    ]


def check_scale_lr(scale_lr, lr, old_batch, new_batch, rule) -> None:
    """``scale_lr(lr, old_batch, new_batch, rule)`` must be ``lr · (new_batch/old_batch) ** RULES[rule]``."""
    scale_lr = _own(scale_lr, "scale_lr")
    _callable("scale_lr", scale_lr)
    call = f"scale_lr({lr!r}, {old_batch!r}, {new_batch!r}, {rule!r})"
    want = lr * (new_batch / old_batch) ** RULES[rule]
    got = expect_number(call, scale_lr(lr, old_batch, new_batch, rule))
    for wrong, hint in scale_mistakes(lr, old_batch, new_batch, rule):
        if wrong is not None and math.isclose(got, wrong, rel_tol=1e-9) and not math.isclose(want, wrong, rel_tol=1e-9):
            fail(call, want, got, hint)
    expect_close(call, got, want, rtol=1e-9, hint="lr × (new_batch / old_batch) ** power, power 1 for "
                                                   "'linear' and 0.5 for 'sqrt'")


def check_scale_lr_refuses(scale_lr, lr, old_batch, new_batch, rule) -> None:
    """``scale_lr`` must raise ``ValueError`` for an unknown rule or a batch size that is not >= 1."""
    scale_lr = _own(scale_lr, "scale_lr")
    _callable("scale_lr", scale_lr)
    call = f"scale_lr({lr!r}, {old_batch!r}, {new_batch!r}, {rule!r})"
    why = ("an unknown rule" if rule not in RULES else "a batch size below 1")
    try:
        got = scale_lr(lr, old_batch, new_batch, rule)
    except ValueError:
        return
    except Exception as err:  # noqa: BLE001 - the learner raised something else
        fail(call, "ValueError", type(err).__name__, f"raise ValueError for {why}")
    fail(call, "ValueError", got, f"{why} has no answer: raise ValueError instead of returning a rate")


# ------------------------------------------------------------------------------ exercise 3: plateau

def _detector(patience, threshold, improves, trigger, reset=True):
    def cuts(losses):
        best, bad, out = math.inf, 0, []
        for i, loss in enumerate(losses):
            if improves(loss, best, threshold):
                best, bad = loss, 0
            else:
                bad += 1
            if trigger(bad, patience):
                out.append(i)
                if reset:
                    bad = 0
        return out
    return cuts


def _rel(loss, best, t):
    return loss < best * (1 - t)


def plateau_mistakes(losses, patience, threshold) -> list[tuple[list, str]]:
    """What the usual wrong plateau detectors give on ``losses``, each with the hint that names it."""
    strict = lambda bad, p: bad > p  # noqa: E731
    return [
        (_detector(patience, threshold, _rel, lambda bad, p: bad >= p)(losses),
         "patience off by one: the rate is cut after MORE than patience bad evaluations in a row (with "
         "patience=2, the third bad one), not after patience of them"),
        (_detector(patience, threshold, lambda loss, best, t: loss < best - t, strict)(losses),
         "the threshold is relative (mode 'rel'): a loss improves only if it is below best × (1 − threshold)"),
        (_detector(patience, threshold, lambda loss, best, t: loss < best, strict)(losses),
         "the threshold is ignored: a loss counts as better only if it is below best × (1 − threshold)"),
        (_detector(patience, threshold, _rel, strict, reset=False)(losses),
         "after a cut the count of bad evaluations starts again from 0"),
    ]


def check_plateau_cuts(plateau_cuts, losses, patience, threshold=1e-4) -> None:
    """``plateau_cuts(losses, patience, threshold)`` must list where torch's rule (mode 'min', 'rel') cuts."""
    def plateau_reference(losses, patience, threshold):
        """Positions (0-based) in ``losses`` at which ``torch``'s ReduceLROnPlateau (mode "min", "rel") cuts the rate."""
        rule = ReduceLROnPlateau(1.0, factor=0.5, patience=patience, threshold=threshold)
        cuts, lr = [], 1.0
        for i, loss in enumerate(losses):
            new = rule.step(float(loss))
            if new < lr:
                cuts.append(i)
            lr = new
        return cuts

    plateau_cuts = _own(plateau_cuts, "plateau_cuts", plateau_reference)
    _callable("plateau_cuts", plateau_cuts)
    losses = [float(x) for x in losses]
    call = f"plateau_cuts({losses!r}, patience={patience!r}, threshold={threshold!r})"
    got = plain(call, plateau_cuts(list(losses), patience, threshold), like=[0])
    if not isinstance(got, (list, tuple)) or not all(isinstance(i, int) and not isinstance(i, bool) for i in got):
        fail(call, "a list of ints (positions in losses)", got, "return the positions as a list of ints")
    got = list(got)
    want = plateau_reference(losses, patience, threshold)
    for wrong, hint in plateau_mistakes(losses, patience, threshold):
        if got == wrong and wrong != want:
            fail(call, want, got, hint)
    if got != want:
        fail(call, want, got, "keep the best loss so far; a loss below best × (1 − threshold) is an "
                              "improvement (count back to 0), anything else is bad; cut when the count "
                              "exceeds patience, then count from 0")
