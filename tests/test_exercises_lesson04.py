"""Lesson 04's exercise checks (lrlab.course.exercises.lesson04): a correct answer passes, each named mistake gets its hint.

Plain pytest, no notebook: the learners' functions below are the simulated ones of
``tests/test_lesson_04_grading.py`` (and a few more), written as Python functions.
"""
import math

import numpy as np
import pytest

from lrlab.train import finder
from lrlab.course.checks import LessonCheckError
from lrlab.course.exercises import lesson04 as ex
from lrlab.optim.optimizers import SGD
from lrlab.problems import LogisticRegression

NAN, INF = math.nan, math.inf


def fails_with(words, check, *args, **kwargs):
    """``check(*args)`` fails, and its message contains ``words``; returns the message."""
    with pytest.raises(LessonCheckError) as err:
        check(*args, **kwargs)
    assert words in str(err.value), str(err.value)
    return str(err.value)


# ----------------------------------------------------------------------------- Exercise 1: the ramp

def ramp(start_lr, end_lr, num_steps):
    if num_steps == 1:
        return np.array([float(start_lr)])
    return start_lr * (end_lr / start_lr) ** (np.arange(num_steps) / (num_steps - 1))


def ramp_linear(start_lr, end_lr, num_steps):
    return start_lr + (end_lr - start_lr) / (num_steps - 1) * np.arange(num_steps)


def ramp_one_too_many(start_lr, end_lr, num_steps):
    return start_lr * (end_lr / start_lr) ** (np.arange(num_steps + 1) / num_steps)


def ramp_short(start_lr, end_lr, num_steps):
    return start_lr * (end_lr / start_lr) ** (np.arange(num_steps) / num_steps)


def ramp_one_step_crash(start_lr, end_lr, num_steps):
    ratio = (end_lr / start_lr) ** (1 / (num_steps - 1))
    return start_lr * ratio ** np.arange(num_steps)


def ramp_hardcoded(start_lr, end_lr, num_steps):
    return np.array([0.001, 0.01, 0.1, 1.0, 10.0])


RAMP_CASES = [(0.001, 10.0, 5), (1e-4, 1.0, 9), (0.5, 8.0, 5), (3e-5, 0.7, 7), (1e-7, 10.0, 100), (0.01, 0.02, 2)]


@pytest.mark.parametrize("case", RAMP_CASES)
def test_a_geometric_ramp_passes(case):
    ex.check_ramp(ramp, *case)
    ex.check_ramp(lambda a, b, n: list(ramp(a, b, n)), *case)  # a list is as good as an array


def test_the_ramp_ends_at_end_lr_and_a_one_step_ramp_is_the_start():
    ex.check_ramp_end(ramp, 1e-6, 1.0, 300)
    ex.check_one_step(ramp, 0.05, 2.0)


@pytest.mark.parametrize("wrong, words", [(ramp_linear, ex.RAMP_LINEAR), (ramp_one_too_many, ex.RAMP_LENGTH),
                                          (ramp_short, ex.RAMP_SHORT)])
def test_each_ramp_mistake_is_named_on_the_worked_example(wrong, words):
    message = fails_with(words, ex.check_ramp, wrong, 0.001, 10.0, 5)
    assert message.startswith("exponential_lrs(0.001, 10.0, 5)")


def test_a_hardcoded_ramp_fails_a_hidden_case_by_its_call():
    ex.check_ramp(ramp_hardcoded, 0.001, 10.0, 5)
    fails_with("exponential_lrs(0.0001, 1.0, 9) (length): expected 9", ex.check_ramp, ramp_hardcoded, 1e-4, 1.0, 9)


def test_equally_spaced_rates_are_not_blamed_when_two_steps_make_them_right():
    ex.check_ramp(ramp_linear, 0.01, 0.02, 2)


def test_a_drifting_end_and_a_one_step_crash_are_named():
    fails_with(ex.RAMP_END, ex.check_ramp_end, lambda a, b, n: ramp(a, b, n) * (1 + 1e-6), 1e-6, 1.0, 300)
    fails_with(ex.ONE_STEP_NO_FACTOR, ex.check_one_step, ramp_one_step_crash, 0.05, 2.0)
    fails_with(ex.ONE_STEP_NO_FACTOR, ex.check_one_step, ramp_linear, 0.05, 2.0)
    fails_with(ex.ONE_STEP_RULE, ex.check_one_step, ramp_one_too_many, 0.05, 2.0)
    fails_with(ex.ONE_STEP_RULE, ex.check_one_step, ramp_hardcoded, 0.05, 2.0)


def test_a_ramp_that_is_not_numbers_fails_with_a_message():
    fails_with("a list of numbers", ex.check_ramp, lambda a, b, n: "ramp", 0.001, 10.0, 5)


# ----------------------------------------------------------------------------- Exercise 2: smoothing

def ema(losses, beta, *, update=lambda avg, loss, beta, i: beta * avg + (1 - beta) * loss,
        out=lambda avg, beta, i: avg / (1 - beta ** (i + 1)), in_place=False):
    values = np.asarray(losses, dtype=float)
    result = values if in_place else np.empty(values.size)
    avg = 0.0
    for i, loss in enumerate(list(values)):
        avg = update(avg, loss, beta, i)
        result[i] = out(avg, beta, i)
    return result


def smooth(losses, beta):
    return ema(losses, beta)


def smooth_no_correction(losses, beta):
    return ema(losses, beta, out=lambda avg, beta, i: avg)


def smooth_swapped(losses, beta):
    return ema(losses, beta, update=lambda avg, loss, beta, i: (1 - beta) * avg + beta * loss,
               out=lambda avg, beta, i: avg / (1 - (1 - beta) ** (i + 1)))


def smooth_first_loss(losses, beta):
    return ema(losses, beta, update=lambda avg, loss, beta, i: loss if i == 0 else (1 - beta) * loss + beta * avg,
               out=lambda avg, beta, i: avg)


def smooth_in_place(losses, beta):
    return ema(losses, beta, in_place=True)


@pytest.fixture(scope="module")
def range_test():
    return finder.lr_range_test(LogisticRegression(), SGD(lr=0.1), batch_size=32, start_lr=1e-4, end_lr=10.0,
                                num_steps=100)


def test_the_smoothed_curve_passes_every_case(range_test):
    for losses, beta in (([2.0, 4.0], 0.5), ([3.0, 1.0, 2.0, 0.5], 0.9), ([1.0, 2.0, 4.0, 8.0, 16.0], 0.2)):
        ex.check_smooth(smooth, losses, beta)
    ex.check_smooth(smooth, range_test.losses[:40], 0.98, what="smooth_losses(test.losses[:40], 0.98)")
    ex.check_smooth_like_finder(smooth, range_test.losses)
    for losses, beta in (([5.0] * 8, 0.98), ([3.0, 1.0, 4.0, 1.5], 0.0), ([7.5], 0.9)):
        ex.check_smooth_unchanged(smooth, losses, beta)
    ex.check_input_untouched(smooth, [4.0, 2.0, 3.0, 1.0], 0.7)


@pytest.mark.parametrize("wrong, words", [(smooth_no_correction, ex.SMOOTH_NO_CORRECTION),
                                          (smooth_first_loss, "pytorch-lr-finder's convention")])
def test_each_smoothing_mistake_is_named_on_the_worked_example(wrong, words):
    fails_with(words, ex.check_smooth, wrong, [2.0, 4.0], 0.5)


def test_swapped_weights_pass_the_symmetric_example_and_are_named_on_a_hidden_case():
    ex.check_smooth(smooth_swapped, [2.0, 4.0], 0.5)
    message = fails_with(ex.SMOOTH_SWAPPED, ex.check_smooth, smooth_swapped, [3.0, 1.0, 2.0, 0.5], 0.9)
    assert message.startswith("smooth_losses([3.0, 1.0, 2.0, 0.5], 0.9): expected")


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # swapped weights at beta = 0: 0/0
def test_the_edges_name_their_mistakes():
    fails_with(ex.SMOOTH_CONSTANT, ex.check_smooth_unchanged, smooth_no_correction, [5.0] * 8, 0.98)
    fails_with(ex.SMOOTH_BETA_ZERO, ex.check_smooth_unchanged, smooth_swapped, [3.0, 1.0, 4.0, 1.5], 0.0)
    fails_with(ex.SMOOTH_SINGLE, ex.check_smooth_unchanged, smooth_no_correction, [7.5], 0.9)
    fails_with(ex.SMOOTH_IN_PLACE, ex.check_input_untouched, smooth_in_place, [4.0, 2.0, 3.0, 1.0], 0.7)
    ex.check_input_untouched(smooth_first_loss, [4.0, 2.0, 3.0, 1.0], 0.7)  # wrong, but it leaves its input alone


def test_a_smoothed_curve_unlike_the_finders_is_named(range_test):
    fails_with(ex.SMOOTH_LIKE_FINDER, ex.check_smooth_like_finder, smooth_first_loss, range_test.losses)


def test_smoothing_checks_refuse_a_case_they_cannot_judge():
    with pytest.raises(ValueError, match="beta"):
        ex.check_smooth(smooth, [1.0, 2.0], 1.0)
    with pytest.raises(ValueError, match="edge"):
        ex.check_smooth_unchanged(smooth, [1.0, 2.0], 0.5)
    with pytest.raises(TypeError, match="smooth_losses must be the function"):
        ex.check_smooth("smooth", [1.0, 2.0], 0.5)


# ----------------------------------------------------------------------------- Exercise 3: the stop rule

def stop_variant(*, compare=lambda loss, best, factor: loss > factor * best, finite=True, first_loss=False,
                 global_min=False, count=False):
    def stop_index(losses, factor=4.0):
        values = [float(x) for x in losses]
        best = math.inf
        if global_min:
            best = min((x for x in values if math.isfinite(x)), default=math.inf)
        for i, loss in enumerate(values):
            if finite and not math.isfinite(loss):
                return i + count
            if first_loss:
                best = values[0]
            elif not global_min:
                best = min(best, loss)
            if compare(loss, best, factor):
                return i + count
        return None
    return stop_index


stop = stop_variant()
STOP_CASES = [([3.0, 2.0, 1.0, 3.5, 5.0], None), ([10.0, 8.0, 1.0, 2.0, 3.0, 4.5, 20.0], 4.0),
              ([8.0, 1.0, 0.2, 0.5, 0.9], 4.0), ([2.0, 0.5, 2.0, 2.5, 1.0], 4.0), ([1.0, 1.2, 1.4, 2.1], 2.0),
              ([5.0, 4.0, 3.0], 1.5)]
NOT_FINITE = [[2.0, 1.5, NAN, 1.0], [2.0, INF], [NAN, 1.0], [3.0, 2.0, 1.0, NAN, NAN]]


def test_the_stop_rule_passes_every_case(range_test):
    for losses, factor in STOP_CASES:
        ex.check_stop(stop, losses, factor)
    ex.check_stop(stop, range_test.smoothed, 4.0, what="stop_index(test.smoothed)")
    ex.check_stop(lambda losses, factor=4.0: np.int64(stop(losses, factor)), [3.0, 2.0, 1.0, 3.5, 5.0])
    for losses in NOT_FINITE:
        ex.check_stop_at_non_finite(stop, losses)


def test_each_stop_mistake_on_the_worked_example_is_named():
    fails_with("expected 4, got 5. Hint: " + ex.STOP_COUNT, ex.check_stop, stop_variant(count=True),
               [3.0, 2.0, 1.0, 3.5, 5.0])
    message = fails_with("you compared with the first loss", ex.check_stop, stop_variant(first_loss=True),
                         [3.0, 2.0, 1.0, 3.5, 5.0])
    assert "None means no step qualified. If you compared with the first loss (3.0), compare with the lowest " \
           "loss so far instead: 5.0 > 4 × 1.0" in message


@pytest.mark.parametrize("wrong, case, words", [
    (stop_variant(global_min=True), [10.0, 8.0, 1.0, 2.0, 3.0, 4.5, 20.0], ex.STOP_GLOBAL),
    (stop_variant(compare=lambda loss, best, factor: loss >= factor * best), [2.0, 0.5, 2.0, 2.5, 1.0],
     "losses[2] is exactly factor × the lowest so far: that is not *more than*"),
])
def test_mistakes_that_pass_the_worked_example_are_named_on_a_hidden_case(wrong, case, words):
    ex.check_stop(wrong, [3.0, 2.0, 1.0, 3.5, 5.0])
    message = fails_with(words, ex.check_stop, wrong, case, 4.0)
    assert message.startswith(f"stop_index({case!r}, factor=4.0): expected")


def test_comparing_with_the_first_loss_is_named_where_it_gives_an_index():
    fails_with(ex.STOP_FIRST, ex.check_stop, stop_variant(first_loss=True), [1.0, 0.2, 3.0, 0.3, 5.0], 4.0)


def test_a_wrong_none_is_not_passed_by_a_lying_answer():
    class Agreeable:
        def __eq__(self, other):
            return True

        __ne__ = lambda self, other: False  # noqa: E731

    with pytest.raises(LessonCheckError):
        ex.check_stop(lambda losses, factor=4.0: Agreeable(), [3.0, 2.0, 1.0, 3.5, 5.0])
    with pytest.raises(LessonCheckError):
        ex.check_stop(lambda losses, factor=4.0: Agreeable(), [5.0, 4.0, 3.0], 1.5)  # the answer is None
    with pytest.raises(LessonCheckError):
        ex.check_stop(lambda losses, factor=4.0: 4, [5.0, 4.0, 3.0], 1.5)


def test_non_finite_losses_name_their_mistakes():
    fails_with(ex.STOP_NAN, ex.check_stop_at_non_finite, stop_variant(finite=False), [2.0, 1.5, NAN, 1.0])
    fails_with(ex.STOP_COUNT, ex.check_stop_at_non_finite, stop_variant(count=True), [2.0, INF])
    fails_with(ex.STOP_NOT_FINITE_RULE, ex.check_stop_at_non_finite, lambda losses, factor=4.0: 0,
               [3.0, 2.0, 1.0, NAN, NAN])


def test_stop_checks_refuse_a_case_they_cannot_judge():
    with pytest.raises(ValueError, match="NaN or an infinity"):
        ex.check_stop_at_non_finite(stop, [1.0, 5.0, NAN])  # the factor rule stops it first
    with pytest.raises(ValueError, match="factor"):
        ex.check_stop(stop, [1.0, 2.0], 1.0)
