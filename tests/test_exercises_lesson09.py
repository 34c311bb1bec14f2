"""Lesson 09's exercise checks (lrlab.course.exercises.lesson09): right answers pass, each mistake gets its hint.

The references are lrlab's own ``wsd``, ``SGDScheduleFree`` (itself checked against the
``schedulefree`` package) and ``mup_scales`` (checked against ``mup``).
"""
import math

import numpy as np
import pytest

from lrlab.course.checks import LessonCheckError
from lrlab.course.exercises import lesson09 as ex
from lrlab.optim.optimizers import SGDScheduleFree


def wsd_lr(step, peak, total_steps, warmup_steps, decay_steps, shape="1-sqrt"):
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    start = total_steps - decay_steps
    if step < start:
        return peak
    if step >= total_steps:
        return 0.0
    u = (step - start) / decay_steps
    return peak * {"linear": 1 - u, "1-sqrt": 1 - math.sqrt(u), "cosine": 0.5 * (1 + math.cos(math.pi * u))}[shape]


def sf_step(x, z, grad, lr, beta, t):
    y = (1 - beta) * z + beta * x
    new_z = z - lr * grad(y)
    c = 1 / (t + 1)
    return (1 - c) * x + c * new_z, new_z


def mup_adam_lr(lr, layer, width, base_width):
    return lr * base_width / width if layer in ("hidden", "output") else lr


WSD_CASES = [(270, 0.03, 300, 15, 60), (3, 0.1, 100, 10, 20), (80, 0.1, 100, 10, 20, "linear"),
             (90, 0.5, 100, 10, 20, "cosine"), (0, 0.2, 50, 0, 10, "linear"), (60, 0.2, 50, 5, 10)]
SF_CASES = [(1.0, 2.0, lambda w: 2 * w, 0.1, 0.9, 2), (1.5, 1.5, lambda w: 2 * w, 0.1, 0.9, 0),
            ([1.0, -2.0], [0.5, 1.0], lambda w: np.array([2.0, 8.0]) * w, 0.05, 0.9, 3)]


# ----------------------------------------------------------------------------- right answers pass
@pytest.mark.parametrize("case", WSD_CASES)
def test_a_right_wsd_passes(case):
    ex.check_wsd(wsd_lr, *case)


@pytest.mark.parametrize("case", SF_CASES)
def test_a_right_schedule_free_step_passes(case):
    ex.check_schedule_free_step(sf_step, *case)


@pytest.mark.parametrize("layer", list(ex.MUP_LAYERS))
def test_a_right_mup_rate_passes(layer):
    ex.check_mup_adam_lr(mup_adam_lr, 0.01, layer, 256, 32)


def _schedule_free_step(x, z, grad, lr, beta, t):
    """One schedule-free SGD step written out (the exercise's answer), to hold against SGDScheduleFree."""
    y = (1 - beta) * z + beta * x
    new_z = z - lr * grad(y)
    c = 1.0 / (t + 1)
    return (1 - c) * x + c * new_z, new_z


def test_the_check_accepts_the_step_that_follows_sgd_schedule_free():
    opt = SGDScheduleFree(lr=0.1, momentum=0.9)
    y = np.array([1.0, -2.0])
    x = z = y.copy()
    grad = lambda w: np.array([2.0, 0.5]) * w  # noqa: E731
    for t in range(8):
        ex.check_schedule_free_step(_schedule_free_step, x, z, grad, 0.1, 0.9, t)
        y = opt.step(y, grad(y))
        x, z = _schedule_free_step(x, z, grad, 0.1, 0.9, t)
        np.testing.assert_allclose(opt.state[None]["z"], z, rtol=0, atol=1e-14)
        np.testing.assert_allclose(opt._convert(y, to_train=False), x, rtol=0, atol=1e-14)


def test_the_reference_is_out_of_an_answers_reach():
    assert not hasattr(ex, "schedule_free_reference")


# ----------------------------------------------------------------------------- each mistake is named
def _hint(check, *args):
    with pytest.raises(LessonCheckError) as info:
        check(*args)
    return str(info.value)


@pytest.mark.parametrize("wrong, case, words", [
    (lambda s, p, T, W, D, h="1-sqrt": p * s / W if s < W else wsd_lr(s, p, T, W, D, h), (3, 0.1, 100, 10, 20),
     "the ramp starts at 0"),
    (lambda s, p, T, W, D, h="1-sqrt": wsd_lr(s, p, T, W, D, "linear"), (270, 0.03, 300, 15, 60), "linear decay"),
    (lambda s, p, T, W, D, h="1-sqrt": p * math.sqrt(1 - (s - (T - D)) / D) if T - D <= s < T else wsd_lr(s, p, T, W, D, h),
     (270, 0.03, 300, 15, 60), "sqrt(1 − u)"),
    (lambda s, p, T, W, D, h="1-sqrt": p * (1 - math.sqrt((s - (T - D)) / D)) if s >= T - D else wsd_lr(s, p, T, W, D, h),
     (60, 0.2, 50, 5, 10), "does not go negative"),
    (lambda s, p, T, W, D, h="1-sqrt": p if s >= T else wsd_lr(s, p, T, W, D, h), (60, 0.2, 50, 5, 10), "stays at 0"),
    (lambda s, p, T, W, D, h="1-sqrt": wsd_lr(s + 1, p, T, W, D, h) if s >= T - D - 1 else wsd_lr(s, p, T, W, D, h),
     (85, 0.1, 100, 10, 20, "linear"), "one step early"),
])
def test_wsd_mistakes_get_their_hint(wrong, case, words):
    assert words in _hint(ex.check_wsd, wrong, *case)


def _sf(at, weight="1 / (t + 1)"):
    def step(x, z, grad, lr, beta, t):
        y = {"x": x, "z": z, "swap": beta * z + (1 - beta) * x, "y": (1 - beta) * z + beta * x}[at]
        new_z = z - lr * grad(y)
        c = eval(weight)
        return (1 - c) * x + c * new_z, new_z
    return step


@pytest.mark.parametrize("wrong, words", [(_sf("x"), "taken at x"), (_sf("z"), "taken at z"),
                                          (_sf("swap"), "swapped"), (_sf("y", "1 / (t + 2)"), "weight 1/(t + 1)"),
                                          (_sf("y", "1.0"), "not jump to the newest one")])
def test_schedule_free_mistakes_get_their_hint(wrong, words):
    assert words in _hint(ex.check_schedule_free_step, wrong, 1.0, 2.0, lambda w: 2 * w, 0.1, 0.9, 2)


def test_a_schedule_free_step_returning_one_value_is_told_to_return_a_pair():
    assert "(new_x, new_z)" in _hint(ex.check_schedule_free_step, lambda *a: 1.0, 1.0, 2.0, lambda w: 2 * w,
                                     0.1, 0.9, 2)


@pytest.mark.parametrize("wrong, layer, words", [
    (lambda lr, layer, w, b: lr * (b / w) ** 0.5, "output", "square root"),
    (lambda lr, layer, w, b: lr * w / b, "hidden", "not grow"),
    (lambda lr, layer, w, b: lr * b / w, "input", "does not depend on the width"),
    (lambda lr, layer, w, b: lr if layer == "output" else mup_adam_lr(lr, layer, w, b), "output",
     "standard parametrization"),
    (lambda lr, layer, w, b: lr, "hidden", "µP's rules for SGD")])
def test_mup_mistakes_get_their_hint(wrong, layer, words):
    assert words in _hint(ex.check_mup_adam_lr, wrong, 0.01, layer, 256, 32)


def test_checks_refuse_what_is_not_a_function():
    with pytest.raises(TypeError, match="wsd_lr"):
        ex.check_wsd(0.1, 0, 0.1, 10, 1, 2)
    with pytest.raises(ValueError, match="layer"):
        ex.check_mup_adam_lr(mup_adam_lr, 0.01, "embedding", 64, 32)
