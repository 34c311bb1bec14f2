"""Lesson 02's exercise checks: one step, the training loop, 2/L, the explosion epoch, reading a history.

Each ``check_*`` takes the learner's function and one case, calls the function once, and says what
went wrong in the learner's terms: the usual mistakes are recognised by the values they produce and
named in a hint. The test cells of ``solutions/02-three-learning-rates`` are calls to these.

>>> check_gd_step(lambda x, lr, grad: x - lr * grad, 5.0, 0.1, 10.0)
>>> check_gd_step(lambda x, lr, grad: x + lr * grad, 5.0, 0.1, 10.0)
Traceback (most recent call last):
...
lrlab.course.checks.LessonCheckError: gd_step(5.0, 0.1, 10.0): expected 4, got 6. Hint: your step moved uphill: check the sign of the update

The checks reach ``lrlab.course.checks`` through the package at call time (``lrlab.course.checks.fail``), never
through names copied at import: the grader installs a fresh copy of that module before every test
cell, and these checks must use the copy it installed. A learner's answer is never compared with
``==``, ``in`` or ``bool()`` here, nor asked for its length, items or value: it is copied first by
``lrlab.course.checks`` (``expect_number``, ``expect_numbers``, ``plain``), which runs none of its methods, or
handed to ``lrlab.course.checks`` as it is.
"""
from __future__ import annotations

import math

import numpy as np

import lrlab.course.checks
from lrlab.course import owncode

__all__ = ["check_gd_step", "check_train_start", "check_train_length", "check_train_values",
           "check_stability_limit", "check_explosion_epoch", "check_classify"]


#: What each exercise's answer may not call, by the learner's function: the lrlab code that computes it
#: (dotted names: modules, classes, functions; plain names: this module's own helpers). The checks run
#: the learner's function under :func:`lrlab.course.owncode.traced`, which fails a test whose answer
#: calls any of them (or the check's own reference solution) under whatever name.
OWN_CODE = (("gd_step", ("lrlab.optim.optimizers", "lrlab.train.engine", "lrlab.train.theory")),
            ("train", ("lrlab.optim.optimizers", "lrlab.train.engine", "lrlab.train.theory", "_walk")),
            ("stability_limit", ("lrlab.train.theory", "lrlab.studies.shower.stable_gain_limit")),
            ("explosion_epoch", ("lrlab.train.theory", "lrlab.train.engine", "_lands_on_bound")),
            ("classify", ("lrlab.train.diagnosis",)))


def _own(fn, exercise, *references):
    """The learner's ``fn`` as the checks call it: under the tracer of :mod:`lrlab.course.owncode`."""
    return owncode.traced(fn, exercise, OWN_CODE, globals(), *references)


#: The start of ``train`` when the learner's call gives none (the exercise's default).
DEFAULT_X0 = 5.0
#: The number of epochs of ``train`` when the learner's call gives none.
DEFAULT_EPOCHS = 50


# ------------------------------------------------------------------------------------------ helpers

def _floats(value):
    """``value`` as a fresh float array (a faithful copy), or None when it is not numbers."""
    try:
        return lrlab.course.checks.expect_numbers("value", value)
    except lrlab.course.checks.LessonCheckError:
        return None


def _same(a, b) -> bool:
    """Do ``a`` and ``b`` hold the same numbers (same shape, equal to rounding, NaN equal to NaN)?"""
    a, b = _floats(a), _floats(b)
    if a is None or b is None or a.shape != b.shape:
        return False
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))


def _number(value):
    """``value`` as a float when it is a real number (not a bool), else None."""
    try:
        return lrlab.course.checks.expect_number("value", value)
    except lrlab.course.checks.LessonCheckError:
        return None


def _whole(value):
    """A faithful copy of the answer (``lrlab.course.checks.plain``), an integral one as a plain ``int``; an answer
    that cannot be copied (its class redefines comparisons or conversions) as it came, for ``lrlab.course.checks``
    to refuse."""
    try:
        value = lrlab.course.checks.plain("value", value)
    except lrlab.course.checks.LessonCheckError:
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    return value


def _copy(call: str, got, hint: str):
    """A faithful copy of a returned list (``lrlab.course.checks.plain``: no method of the learner's value runs)."""
    return lrlab.course.checks.plain(call, got, like=[0.0], hint=hint)


def _call(name: str, *args, **kwargs) -> str:
    """How a call reads in a message: ``train(0.3, x0=-2.0, epochs=4)``."""
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def _walk(update, x0, epochs):
    path = [x0]
    for _ in range(epochs):
        path.append(update(path[-1]))
    return path


# ------------------------------------------------------------------------------ exercise 1: gd_step

def check_gd_step(gd_step, x, lr, grad):
    """``gd_step(x, lr, grad)`` must return ``x − lr·grad``; ``x`` and ``grad`` may be arrays.

    The mistakes it names: a step uphill (``x + lr·grad``), the step instead of the new position
    (``lr·grad``), and a forgotten learning rate (``x − grad``).
    """
    gd_step = _own(gd_step, "gd_step")
    array = np.ndim(x) > 0
    what = f"gd_step on an array of {np.size(x)} positions" if array else _call("gd_step", x, lr, grad)
    got = gd_step(x, lr, grad)
    want = x - lr * grad
    for wrong, hint in ((x + lr * grad, "your step moved uphill: check the sign of the update"),
                        (lr * grad, "you returned the step lr·grad; return the new position x − lr·grad"),
                        (x - grad, "the learning rate is missing: scale the gradient by lr")):
        if _same(got, wrong) and not _same(want, wrong):
            lrlab.course.checks.fail(what, want, got, hint)
    if array:
        lrlab.course.checks.expect_sequence(what, got, want)
    else:
        lrlab.course.checks.expect_close(what, got, want, hint="the new position is x − lr·grad")


# ------------------------------------------------------------------------------- exercise 2: train

def _positions(call: str, got) -> list:
    """The learner's list of positions as a plain list, or a failure if it is not a list."""
    got = _copy(call, got, "return the whole list of x values, not only the last one")
    if isinstance(got, (str, bytes)) or not hasattr(got, "__len__"):
        lrlab.course.checks.fail(call, "a list of positions", got,
                          "return the whole list of x values, not only the last one")
    try:
        return list(got)
    except TypeError:
        lrlab.course.checks.fail(call, "a list of positions", got,
                          "return the whole list of x values, not only the last one")


def check_train_start(train, lr, **kwargs):
    """``train(lr=lr, **kwargs)[0]`` must be the start ``x0`` itself (``5.0`` unless ``x0`` is given)."""
    train = _own(train, "train")
    call = _call("train", lr, **kwargs)
    xs = _positions(call, train(lr=lr, **kwargs))
    if "x0" in kwargs:
        hint = "start from the x0 argument and record it first"
    else:
        hint = "put the start x0 itself first in the list, before any step"
    lrlab.course.checks.expect_close(f"{call}[0]", xs[0] if len(xs) else None, kwargs.get("x0", DEFAULT_X0), hint=hint)


def check_train_length(train, lr, **kwargs):
    """``train(lr, **kwargs)`` must hold ``epochs + 1`` positions (``epochs`` is 50 unless given)."""
    train = _own(train, "train")
    call = _call("train", lr, **kwargs)
    epochs = kwargs.get("epochs", DEFAULT_EPOCHS)
    got = _copy(f"len({call})", train(lr, **kwargs), "return the list of positions")
    if not hasattr(got, "__len__"):
        lrlab.course.checks.fail(f"len({call})", epochs + 1, got, "return the list of positions")
    n = int(len(got))
    hint = {epochs: "one value is missing: the start x0 plus one position after each epoch makes epochs + 1",
            epochs + 2: "one step too many: the loop must run exactly `epochs` times"}.get(n)
    lrlab.course.checks.expect_equal(f"len({call})", n, epochs + 1, hint=hint)


def check_train_values(train, lr, x0=DEFAULT_X0, epochs=DEFAULT_EPOCHS):
    """``train(lr, x0=x0, epochs=epochs)`` must be ``[x0·(1 − 2·lr)^k for k = 0..epochs]``.

    The mistakes it names: the loss ``x²`` used as the gradient, a step uphill, and a loop that
    ignores ``lr`` (and always uses the worked example's 0.1).
    """
    train = _own(train, "train")
    call = _call("train", lr, x0=x0, epochs=epochs)
    got = _copy(call, train(lr, x0=x0, epochs=epochs), "the list holds x0 and then one position per epoch")
    want = [x0 * (1 - 2 * lr) ** k for k in range(epochs + 1)]
    if not hasattr(got, "__len__") or int(len(got)) != len(want):
        lrlab.course.checks.fail(f"len({call})", len(want), int(len(got)) if hasattr(got, "__len__") else got,
                          "the list holds x0 and then one position per epoch: epochs + 1 values")
    with np.errstate(all="ignore"):
        mistakes = (
            (_walk(lambda x: x - lr * (x * x), x0, epochs),
             "the step used the loss f(x) = x² where the gradient f'(x) = 2x belongs"),
            (_walk(lambda x: x + lr * 2 * x, x0, epochs),
             "the positions run away from 0: check the sign of the update in gd_step"),
            (_walk(lambda x: x - 0.1 * 2 * x, x0, epochs),
             "your loop ignores the lr argument: use the rate you are given"),
        )
        for wrong, hint in mistakes:
            if _same(got, wrong) and not _same(want, wrong):
                lrlab.course.checks.fail(call, want, got, hint)
    lrlab.course.checks.expect_sequence(call, got, want, rtol=1e-9, atol=1e-12, hint="x_(k+1) = x_k − lr·2·x_k")


# ---------------------------------------------------------------------- exercise 3: stability_limit

HINT_ONE_OVER_A = ("1/a is the rate that reaches the minimum in one step (the fastest), not the limit; "
                   "the run still converges up to twice that. If you differentiated a·x², remember the ½: "
                   "f(x) = (a/2)·x² has f'(x) = a·x")
HINT_TWO_A = "a steeper bowl tolerates a *smaller* rate: divide by the curvature, do not multiply"


def check_stability_limit(stability_limit, a):
    """``stability_limit(a)`` must be ``2/a``; ``1/a`` and ``2·a`` are named."""
    stability_limit = _own(stability_limit, "stability_limit")
    what = _call("stability_limit", a)
    got = stability_limit(a)
    want = 2.0 / a
    value = lrlab.course.checks.expect_number(what, got)
    if math.isclose(value, 1.0 / a, rel_tol=1e-9) and not math.isclose(want, 1.0 / a):
        lrlab.course.checks.fail(what, want, got, HINT_ONE_OVER_A)
    if math.isclose(value, 2.0 * a, rel_tol=1e-9) and not math.isclose(want, 2.0 * a):
        lrlab.course.checks.fail(what, want, got, HINT_TWO_A)
    lrlab.course.checks.expect_close(what, got, want, hint="q = 1 − lr·a must stay above −1")


# ---------------------------------------------------------------------- exercise 4: explosion_epoch

def _lands_on_bound(lr, x0, bound, k) -> bool:
    """Does the run end epoch ``k`` exactly on the bound (|x0|·r^k == bound)?"""
    return k >= 0 and abs(x0) * abs(1 - 2 * lr) ** k == bound


def check_explosion_epoch(explosion_epoch, lr, x0, bound, want):
    """``explosion_epoch(lr, x0, bound)`` must be ``want``: the first epoch with |x| > bound, or None.

    The mistakes it names: the last epoch still inside the bound (with its own hint when that epoch
    lands exactly on the bound), and a number where the run never passes the bound.
    """
    explosion_epoch = _own(explosion_epoch, "explosion_epoch")
    what = _call("explosion_epoch", lr, x0, bound)
    got = _whole(explosion_epoch(lr, x0, bound))
    if want is None:
        if got is not None:
            if abs(1 - 2 * lr) <= 1:
                hint = "with |1 − 2·lr| ≤ 1 the distance never grows: return None"
            else:
                hint = "a run that starts at the minimum stays there: return None"
            lrlab.course.checks.fail(what, want, got, hint)
        return
    if _number(got) == want - 1:
        if _lands_on_bound(lr, x0, bound, want - 1):
            hint = (f"after {want - 1} epochs |x| equals the bound exactly, which is not beyond it; "
                    "use floor(...) + 1 and check k against |x0|·r^k")
        else:
            hint = "that is the last epoch still inside the bound; the answer is the first one beyond it"
        lrlab.course.checks.fail(what, want, got, hint)
    if _number(got) is not None and type(got) is not int:
        hint = "an epoch is a whole number: return an int, e.g. int(k), not a float"
    else:
        hint = "k = floor(ln(bound/|x0|) / ln|1 − 2·lr|) + 1"
    lrlab.course.checks.expect_equal(what, got, want, hint=hint)


# ----------------------------------------------------------------------------- exercise 5: classify

RULES = ("larger than the first or not finite → diverging; above half the first → too small; else good")


def _describe(losses) -> str:
    """A history as a message names it: written out when short, by its start loss when long."""
    if isinstance(losses, np.ndarray) and losses.size <= 5:
        return f"np.array({losses.tolist()!r})"
    if isinstance(losses, list) and len(losses) <= 5:
        return repr(losses)
    return f"a history with start loss {float(losses[0]):.3g}"


def _classify_hint(first: float, last: float) -> str:
    """The hint for a history whose loss goes from ``first`` to ``last``: its edge case, if it is one."""
    if math.isnan(last):
        return "NaN compares False with everything: test math.isfinite first"
    if math.isinf(last):
        return "an infinite loss means the run blew up"
    if last == first:
        return "equal is not larger: a run that ends where it began is not diverging"
    if last == 0.5 * first:
        return "exactly half is not *more* than half"
    return f"first loss {first:.3g}, last loss {last:.3g}: apply the three rules in order ({RULES})"


def check_classify(classify, losses, want, *, name=None):
    """``classify(losses)`` must return the label ``want``; ``name`` is how the message calls the history.

    Its hint names the edge the history sits on (a NaN or infinite last loss, a last loss equal to
    the first or exactly half of it), or else restates the rule with the history's two losses.
    """
    classify = _own(classify, "classify")
    what = f"classify({name if name is not None else _describe(losses)})"
    first, last = float(losses[0]), float(losses[-1])
    got = classify(losses)
    lrlab.course.checks.expect_equal(what, got, want, hint=_classify_hint(first, last))
