"""Lesson 05's checks (lrlab.course.exercises.lesson05): a right answer passes, each usual mistake fails with its hint.

The wrong answers are the ones the grading test (tests/test_lesson_05_grading.py) gives its simulated
learners; here each is checked directly, without a notebook, on the lesson's visible and hidden cases.
"""
import math

import pytest

from lrlab.optim import schedules
from lrlab.course.checks import LessonCheckError
from lrlab.course.exercises.lesson05 import (check_cosine, check_step_decay, check_warmup, cosine_mistakes,
                                      step_decay_mistakes, warmup_mistakes)
from references import reference

warmup_reference = reference(check_warmup, "warmup_reference")


# ------------------------------------------------------------------------------ exercise 1: step decay

def step_decay_right(step, lr0, step_size, gamma):
    return float(lr0 * gamma ** (step // step_size))


STEP_MISTAKES = {
    "the factor is gamma ** (number of cuts)": lambda step, lr0, step_size, gamma: lr0 * gamma * (step // step_size),
    "count only completed blocks": lambda step, lr0, step_size, gamma: lr0 * gamma ** (step / step_size),
    "the cut came one step early": lambda step, lr0, step_size, gamma: lr0 * gamma ** ((step + 1) // step_size),
    "the cut came one step late": lambda step, lr0, step_size, gamma: lr0 * gamma ** ((step - 1) // step_size),
    "use floor division": lambda step, lr0, step_size, gamma: lr0 * gamma ** math.ceil(step / step_size),
}
#: a case on which each mistake is caught (the off-by-one ones only at a block edge)
STEP_CASES = {"the factor is gamma ** (number of cuts)": (70, 0.1, 30, 0.1),
              "count only completed blocks": (45, 0.1, 30, 0.1),
              "the cut came one step early": (29, 0.1, 30, 0.1),
              "the cut came one step late": (0, 0.1, 30, 0.1),
              "use floor division": (45, 0.1, 30, 0.1)}


@pytest.mark.parametrize("case", [(45, 0.1, 30, 0.1), (0, 0.1, 30, 0.1), (30, 0.1, 30, 0.1), (7, 0.4, 1, 0.5),
                                  (999, 0.01, 10, 1.0), (1234, 0.05, 500, 0.2)])
def test_right_step_decay_passes(case):
    check_step_decay(step_decay_right, *case)


@pytest.mark.parametrize("hint", list(STEP_MISTAKES))
def test_each_step_decay_mistake_fails_with_its_hint(hint):
    with pytest.raises(LessonCheckError, match=re_words(hint)):
        check_step_decay(STEP_MISTAKES[hint], *STEP_CASES[hint])


def test_off_by_one_step_decay_passes_inside_a_block():
    """Inside a block the early/late cut gives the right rate: only the edge cases catch it (1 point)."""
    check_step_decay(STEP_MISTAKES["the cut came one step early"], 45, 0.1, 30, 0.1)
    check_step_decay(STEP_MISTAKES["the cut came one step late"], 45, 0.1, 30, 0.1)


def test_step_decay_failure_names_the_call_and_the_expected_value():
    with pytest.raises(LessonCheckError, match=r"^step_decay_lr\(70, 0\.1, 30, 0\.1\): expected 0\.001, got 0\.5"):
        check_step_decay(lambda *a: 0.01 if a[0] == 45 else 0.5, 70, 0.1, 30, 0.1)


def test_step_decay_answer_that_is_not_a_number_is_named():
    with pytest.raises(LessonCheckError, match=r"^step_decay_lr\(45, 0\.1, 30, 0\.1\): expected .?a number"):
        check_step_decay(lambda *a: "0.01", 45, 0.1, 30, 0.1)


def test_step_decay_mistake_table_has_one_hint_per_mistake():
    assert len(step_decay_mistakes(45, 0.1, 30, 0.1)) == len(STEP_MISTAKES)


# ------------------------------------------------------------------------------ exercise 2: cosine

def cosine_right(step, lr_max, T_max, eta_min=0.0):
    return float(eta_min + 0.5 * (lr_max - eta_min) * (1.0 + math.cos(math.pi * step / T_max)))


def _cos(body):
    return lambda step, lr_max, T_max, eta_min=0.0: body(step, lr_max, T_max, eta_min, math.pi * step / T_max)


COS_MISTAKES = {
    "the factor ½ is missing": _cos(lambda s, hi, T, lo, x: lo + (hi - lo) * (1 + math.cos(x))),
    "sin where cos belongs": _cos(lambda s, hi, T, lo, x: lo + 0.5 * (hi - lo) * (1 + math.sin(x))),
    "use 1 + cos to come down": _cos(lambda s, hi, T, lo, x: lo + 0.5 * (hi - lo) * (1 - math.cos(x))),
    "π is missing": _cos(lambda s, hi, T, lo, x: lo + 0.5 * (hi - lo) * (1 + math.cos(s / T))),
    "eta_min is ignored": _cos(lambda s, hi, T, lo, x: 0.5 * hi * (1 + math.cos(x))),
    "eta_min is added but not taken off the height": _cos(lambda s, hi, T, lo, x: lo + 0.5 * hi * (1 + math.cos(x))),
}
COS_CASES = {"the factor ½ is missing": (25, 0.1, 100), "sin where cos belongs": (0, 0.1, 100),
             "use 1 + cos to come down": (25, 0.1, 100), "π is missing": (25, 0.1, 100),
             "eta_min is ignored": (30, 0.1, 100, 0.01),
             "eta_min is added but not taken off the height": (30, 0.1, 100, 0.01)}


@pytest.mark.parametrize("case", [(25, 0.1, 100), (0, 0.1, 100), (100, 0.1, 100), (3, 1.0, 8),
                                  (50, 0.1, 100, 0.01), (12, 1e-3, 12, 1e-5)])
def test_right_cosine_passes(case):
    check_cosine(cosine_right, *case)


@pytest.mark.parametrize("hint", list(COS_MISTAKES))
def test_each_cosine_mistake_fails_with_its_hint(hint):
    with pytest.raises(LessonCheckError, match=re_words(hint)):
        check_cosine(COS_MISTAKES[hint], *COS_CASES[hint])


def test_sin_for_cos_passes_the_visible_example():
    """sin(π/4) = cos(π/4): the example cannot tell them apart, the hidden cases do."""
    check_cosine(COS_MISTAKES["sin where cos belongs"], 25, 0.1, 100)


def test_cosine_without_eta_min_is_called_with_three_arguments():
    check_cosine(lambda step, lr_max, T_max: cosine_right(step, lr_max, T_max), 25, 0.1, 100)


def test_cosine_mistake_table_has_one_hint_per_mistake():
    assert len(cosine_mistakes(25, 0.1, 100, 0.01)) == len(COS_MISTAKES)


# ------------------------------------------------------------------------------ exercise 3: warmup

def warmup_right(schedule_fn, warmup_steps):
    peak = schedule_fn(0)

    def lr_at(step):
        if step < warmup_steps:
            return float(peak * (step + 1) / warmup_steps)
        return float(schedule_fn(step - warmup_steps))

    return lr_at


def _warm(ramp=lambda peak, t, W: peak * (t + 1) / W, inside=lambda t, W: t < W, after=lambda f, t, W: f(t - W)):
    def warmup_then(schedule_fn, W):
        peak = schedule_fn(0)
        return lambda t: ramp(peak, t, W) if inside(t, W) else after(schedule_fn, t, W)
    return warmup_then


WARM_MISTAKES = {
    "the first update does nothing": (_warm(ramp=lambda peak, t, W: peak * t / W), range(4)),
    "so step 0 already moves": (_warm(ramp=lambda peak, t, W: peak * t / (W - 1)), range(4)),
    "start its own clock at 0": (_warm(after=lambda f, t, W: f(t)), range(4, 7)),
    "step W belongs to the schedule": (_warm(inside=lambda t, W: t <= W), range(4, 7)),
}
halving = lambda t: 0.1 * 0.5 ** t  # noqa: E731  (the lesson's example schedule)


@pytest.mark.parametrize("schedule_fn, W, steps", [
    (halving, 4, range(7)), (schedules.cosine_annealing(0.3, T_max=50), 10, [0, 9, 10, 60]),
    (lambda t: 2.0 / (1 + t), 1, range(5)), (schedules.step_decay(0.05, step_size=3, gamma=0.1), 7, range(14))])
def test_right_warmup_passes(schedule_fn, W, steps):
    check_warmup(warmup_right, schedule_fn, W, steps, "f")


@pytest.mark.parametrize("hint", list(WARM_MISTAKES))
def test_each_warmup_mistake_fails_with_its_hint(hint):
    wrong, steps = WARM_MISTAKES[hint]
    with pytest.raises(LessonCheckError, match=re_words(hint)):
        check_warmup(wrong, halving, 4, steps, "halving")


def test_warmup_that_returns_a_value_is_told_to_return_the_function():
    with pytest.raises(LessonCheckError, match=r"return the inner function itself"):
        check_warmup(lambda f, W: 0.025, halving, 4, range(4), "halving")


def test_warmup_failure_names_the_list_call_and_the_item():
    hardcoded = lambda f, W: (lambda t: [0.025, 0.05, 0.075, 0.1, 0.1, 0.05, 0.025][min(t, 6)])  # noqa: E731
    check_warmup(hardcoded, halving, 4, range(4), "halving")
    with pytest.raises(LessonCheckError, match=r"^\[warmup_then\(cos, 10\)\(t\) for t in \[0, 1, 2\]\], item 0: "):
        check_warmup(hardcoded, schedules.cosine_annealing(0.3, T_max=50), 10, range(3), "cos")


def test_warmup_reference_and_mistake_table():
    assert [warmup_reference(halving, 4, t) for t in range(7)] == pytest.approx(
        [0.025, 0.05, 0.075, 0.1, 0.1, 0.05, 0.025])
    assert len(warmup_mistakes(halving, 4, range(7))) == len(WARM_MISTAKES)


# ------------------------------------------------------------------------------ hostile answers and bad calls

class AlwaysEqual(float):
    """A value that claims to equal everything."""

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


def test_an_object_equal_to_everything_is_judged_by_its_value():
    with pytest.raises(LessonCheckError, match=r"^step_decay_lr\(45, 0\.1, 30, 0\.1\): expected"):
        check_step_decay(lambda *a: AlwaysEqual(0.5), 45, 0.1, 30, 0.1)
    with pytest.raises(LessonCheckError):
        check_warmup(lambda f, W: (lambda t: AlwaysEqual(1.0)), halving, 4, range(4), "halving")


@pytest.mark.parametrize("check, args", [(check_step_decay, (45, 0.1, 30, 0.1)), (check_cosine, (25, 0.1, 100)),
                                         (check_warmup, (halving, 4, range(4), "halving"))])
def test_a_check_given_no_function_says_so(check, args):
    with pytest.raises(TypeError, match="must be the function you wrote"):
        check(None, *args)


def re_words(text):
    import re
    return re.escape(text)
