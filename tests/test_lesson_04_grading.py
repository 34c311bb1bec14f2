"""Lesson 04 graded by the real ``nbgrader autograde``: every score a submission can get is predicted.

This module describes the simulated class: the mistakes learners make
(misconceptions, and answers hard-coded to the visible example), who
carries which, and what each must cost; ``tests/lesson_grading.py`` grades
them in one autograde run and checks every score. The three exercises do not call
each other, so one learner can carry one mistake in each of them; the score of
every grade cell follows from that exercise's answer alone.
"""
import pytest

from lesson_grading import LessonGrading, src

pytestmark = pytest.mark.slow

LESSON = "04-lr-finder"

#: Points of every grade cell, as the lesson is designed (the written answer is graded by hand).
POINTS = {
    "test_ex1_exponential_lrs": 2,
    "test_ex1_one_step": 1,
    "test_ex2_smooth_losses": 2,
    "test_ex2_edges": 1,
    "test_ex3_stop_index": 2,
    "test_ex3_not_finite": 1,
    "written_minimum": 2,
}
MANUAL = {"written_minimum"}


# ----------------------------------------------------------------------------- wrong answers
_RAMP = "def exponential_lrs(start_lr, end_lr, num_steps):\n{body}"
RAMP = {
    # equally spaced: a constant difference; with one step the difference divides by zero
    "linear": _RAMP.format(body="    step = (end_lr - start_lr) / (num_steps - 1)\n"
                                "    return start_lr + step * np.arange(num_steps)"),
    # one rate too many: the ratio is right, the length is not
    "one_too_many": _RAMP.format(body="    ratio = (end_lr / start_lr) ** (1 / num_steps)\n"
                                      "    return start_lr * ratio ** np.arange(num_steps + 1)"),
    # fastai's ramp: num_steps factors, stops one factor short of end_lr (fine for a single step)
    "short": _RAMP.format(body="    ratio = (end_lr / start_lr) ** (1 / num_steps)\n"
                               "    return start_lr * ratio ** np.arange(num_steps)"),
    # the right formula, but a one-step ramp divides by zero
    "one_step_crash": _RAMP.format(body="    ratio = (end_lr / start_lr) ** (1 / (num_steps - 1))\n"
                                        "    return start_lr * ratio ** np.arange(num_steps)"),
    "hardcoded": _RAMP.format(body="    return np.array([0.001, 0.01, 0.1, 1.0, 10.0])"),
}


def ema_variant(*, update="beta * avg + (1 - beta) * loss", out="avg / (1 - beta ** (i + 1))", start="0.0",
                in_place=False) -> str:
    """A smooth_losses that follows the exercise except where told otherwise."""
    target = "values" if in_place else "np.empty(values.size)"
    return (
        "def smooth_losses(losses, beta):\n"
        "    values = np.asarray(losses, dtype=float)\n"
        f"    result = {target}\n"
        f"    avg = {start}\n"
        "    for i, loss in enumerate(list(values)):\n"
        f"        avg = {update}\n"
        f"        result[i] = {out}\n"
        "    return result"
    )


SMOOTH = {
    "no_bias_correction": ema_variant(out="avg"),
    # weights swapped: symmetric at beta = 0.5, so the visible example passes
    "swapped": ema_variant(update="(1 - beta) * avg + beta * loss", out="avg / (1 - (1 - beta) ** (i + 1))"),
    # pytorch-lr-finder's convention: start at the first loss, no correction
    "first_loss_start": ema_variant(update="loss if i == 0 else (1 - beta) * loss + beta * avg", out="avg"),
    # writes the smoothed values into the array it was given
    "in_place": ema_variant(in_place=True),
    "hardcoded": "def smooth_losses(losses, beta):\n    return np.array([2.0, 10.0 / 3.0])",
}


def stop_variant(*, compare="loss > factor * best", finite=True, best="best = min(best, loss)",
                 answer="i", prologue="") -> str:
    """A stop_index that follows the exercise except where told otherwise."""
    check = f"        if not math.isfinite(loss):\n            return {answer}\n" if finite else ""
    return (
        "def stop_index(losses, factor=4.0):\n"
        "    values = [float(v) for v in losses]\n"
        f"    best = math.inf\n{prologue}"
        "    for i, loss in enumerate(values):\n"
        f"{check}"
        f"        {best}\n"
        f"        if {compare}:\n"
        f"            return {answer}\n"
        "    return None"
    )


STOP = {
    # NaN compares False: never stops on it
    "nan_ignored": stop_variant(finite=False),
    # the post's rule: the first loss instead of the best so far
    "first_loss": stop_variant(best="best = values[0]"),
    "greater_equal": stop_variant(compare="loss >= factor * best"),
    # the lowest loss of the whole curve, which the test cannot know yet
    "global_min": stop_variant(best="pass", prologue="    best = min((v for v in values if math.isfinite(v)), default=math.inf)\n"),
    # the number of steps taken instead of the index
    "count": stop_variant(answer="i + 1"),
    "hardcoded": "def stop_index(losses, factor=4.0):\n    return 4",
}

#: mistake -> (cells replaced in a correct submission, the points it leaves in the test cells it affects; every other cell keeps full marks)
MISTAKES = {
    "ex1_linear": ({"ex1_exponential_lrs": RAMP["linear"]}, {"test_ex1_exponential_lrs": 0, "test_ex1_one_step": 0}),
    "ex1_one_too_many": ({"ex1_exponential_lrs": RAMP["one_too_many"]},
                         {"test_ex1_exponential_lrs": 0, "test_ex1_one_step": 0}),
    "ex1_short": ({"ex1_exponential_lrs": RAMP["short"]}, {"test_ex1_exponential_lrs": 0}),
    "ex1_one_step_crash": ({"ex1_exponential_lrs": RAMP["one_step_crash"]}, {"test_ex1_one_step": 0}),
    "ex1_hardcoded": ({"ex1_exponential_lrs": RAMP["hardcoded"]},
                      {"test_ex1_exponential_lrs": 0, "test_ex1_one_step": 0}),
    "ex2_no_bias_correction": ({"ex2_smooth_losses": SMOOTH["no_bias_correction"]},
                               {"test_ex2_smooth_losses": 0, "test_ex2_edges": 0}),
    # beta = 0 swapped is beta = 1: nothing ever enters the average
    "ex2_swapped": ({"ex2_smooth_losses": SMOOTH["swapped"]}, {"test_ex2_smooth_losses": 0, "test_ex2_edges": 0}),
    # a constant curve, beta = 0 and a single loss come out right without the correction
    "ex2_first_loss_start": ({"ex2_smooth_losses": SMOOTH["first_loss_start"]}, {"test_ex2_smooth_losses": 0}),
    "ex2_in_place": ({"ex2_smooth_losses": SMOOTH["in_place"]}, {"test_ex2_edges": 0}),
    "ex2_hardcoded": ({"ex2_smooth_losses": SMOOTH["hardcoded"]},
                      {"test_ex2_smooth_losses": 0, "test_ex2_edges": 0}),
    "ex3_nan_ignored": ({"ex3_stop_index": STOP["nan_ignored"]}, {"test_ex3_not_finite": 0}),
    "ex3_first_loss": ({"ex3_stop_index": STOP["first_loss"]}, {"test_ex3_stop_index": 0}),
    "ex3_greater_equal": ({"ex3_stop_index": STOP["greater_equal"]}, {"test_ex3_stop_index": 0}),
    # the global minimum of [nan, 1.0] is 1.0 and NaN is still tested first: the NaN cell passes
    "ex3_global_min": ({"ex3_stop_index": STOP["global_min"]}, {"test_ex3_stop_index": 0}),
    "ex3_count": ({"ex3_stop_index": STOP["count"]}, {"test_ex3_stop_index": 0, "test_ex3_not_finite": 0}),
    "ex3_hardcoded": ({"ex3_stop_index": STOP["hardcoded"]}, {"test_ex3_stop_index": 0, "test_ex3_not_finite": 0}),
}

#: Simulated learners, at most one mistake per exercise (the exercises are independent).
STUDENTS = {
    "linear_nobias_nan": ["ex1_linear", "ex2_no_bias_correction", "ex3_nan_ignored"],
    "toomany_swapped_first": ["ex1_one_too_many", "ex2_swapped", "ex3_first_loss"],
    "short_torch_ge": ["ex1_short", "ex2_first_loss_start", "ex3_greater_equal"],
    "crash_inplace_global": ["ex1_one_step_crash", "ex2_in_place", "ex3_global_min"],
    "hardcodes_examples": ["ex1_hardcoded", "ex2_hardcoded", "ex3_hardcoded"],
    "count": ["ex3_count"],
}

#: (student, grade cell, words its failure message must contain): the hint names the mistake.
HINTS = [
    ("linear_nobias_nan", "test_ex1_exponential_lrs", "these rates are equally spaced"),
    ("toomany_swapped_first", "test_ex1_exponential_lrs", "not num_steps + 1"),
    ("short_torch_ge", "test_ex1_exponential_lrs", "stops one factor short of end_lr"),
    ("crash_inplace_global", "test_ex1_one_step", "there is no factor to compute"),
    ("linear_nobias_nan", "test_ex2_smooth_losses", "no bias correction"),
    ("toomany_swapped_first", "test_ex2_smooth_losses", "beta and 1 − beta are swapped"),
    ("short_torch_ge", "test_ex2_smooth_losses", "pytorch-lr-finder's convention"),
    ("crash_inplace_global", "test_ex2_edges", "your function wrote into its input"),
    ("linear_nobias_nan", "test_ex3_not_finite", "NaN compares False with everything"),
    ("toomany_swapped_first", "test_ex3_stop_index", "you compared with the first loss"),
    ("short_torch_ge", "test_ex3_stop_index", "that is not *more than*"),
    ("crash_inplace_global", "test_ex3_stop_index", "the lowest loss of the whole curve"),
    ("count", "test_ex3_stop_index", "the number of steps taken"),
    ("count", "test_ex3_not_finite", "the number of steps taken"),
]

#: (student, grade cell, the hidden case its failure names): the visible example passed, a hidden one did not.
HIDDEN_FAILURES = [
    ("hardcodes_examples", "test_ex1_exponential_lrs", "exponential_lrs(0.0001, 1.0, 9)"),
    ("hardcodes_examples", "test_ex2_smooth_losses", "smooth_losses([3.0, 1.0, 2.0, 0.5], 0.9)"),
    ("toomany_swapped_first", "test_ex2_smooth_losses", "smooth_losses([3.0, 1.0, 2.0, 0.5], 0.9)"),
    ("hardcodes_examples", "test_ex3_stop_index", "stop_index(net_test.smoothed)"),
    ("short_torch_ge", "test_ex3_stop_index", "stop_index([2.0, 0.5, 2.0, 2.5, 1.0], factor=4.0)"),
    ("crash_inplace_global", "test_ex3_stop_index", "stop_index([10.0, 8.0, 1.0, 2.0, 3.0, 4.5, 20.0], factor=4.0)"),
]


class TestGrading(LessonGrading):
    lesson = LESSON
    answers = ["ex1_exponential_lrs", "ex2_smooth_losses", "ex3_stop_index"]
    points, manual, autograded_max = POINTS, MANUAL, 9
    mistakes, students, hints, hidden_failures = MISTAKES, STUDENTS, HINTS, HIDDEN_FAILURES
