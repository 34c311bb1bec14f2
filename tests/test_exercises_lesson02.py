"""Lesson 02's exercise checks (lrlab.course.exercises.lesson02): a right answer passes, each named mistake gets its hint.

The wrong answers are the ones the simulated class of tests/test_lesson_02_grading.py carries; here each is
tried on one case of the lesson, without a notebook, so a broken hint shows up in a second. The hints are
matched word for word: the grading tests look for the same words in nbgrader's feedback.
"""
import math

import numpy as np
import pytest

from lrlab.course.checks import LessonCheckError
from lrlab.train.engine import sweep
from lrlab.course.exercises import lesson02 as ex
from lrlab.problems import Quadratic1D


def fails_with(check, *args, **kwargs) -> str:
    """The message of the check's failure (the test fails if the check passes)."""
    with pytest.raises(LessonCheckError) as err:
        check(*args, **kwargs)
    return str(err.value)


# ------------------------------------------------------------------------------ Exercise 1: gd_step

def right_step(x, lr, grad):
    return x - lr * grad


@pytest.mark.parametrize("case", [(5.0, 0.1, 10.0), (-3.0, 0.25, -4.0), (2.0, 0.01, 4.0), (0.5, 2.0, 1.0),
                                  (np.array([1.0, -2.0]), 0.5, np.array([2.0, 3.0]))])
def test_a_right_step_passes_every_case_of_the_lesson(case):
    ex.check_gd_step(right_step, *case)


@pytest.mark.parametrize("answer, hint", [
    (lambda x, lr, grad: x + lr * grad, "your step moved uphill: check the sign of the update"),
    (lambda x, lr, grad: lr * grad, "you returned the step lr·grad; return the new position x − lr·grad"),
    (lambda x, lr, grad: x - grad, "the learning rate is missing: scale the gradient by lr"),
    (lambda x, lr, grad: 4.0, "the new position is x − lr·grad"),
], ids=["uphill", "returns the step", "no lr", "hard-coded"])
def test_each_step_mistake_gets_its_hint(answer, hint):
    message = fails_with(ex.check_gd_step, answer, -3.0, 0.25, -4.0)
    assert message.startswith("gd_step(-3.0, 0.25, -4.0): expected -2") and f"Hint: {hint}" in message, message


def test_a_step_on_arrays_is_checked_item_by_item():
    message = fails_with(ex.check_gd_step, lambda x, lr, grad: x - lr * grad + [0.0, 1.0],
                         np.array([1.0, -2.0]), 0.5, np.array([2.0, 3.0]))
    assert message.startswith("gd_step on an array of 2 positions, item 1: expected -3.5, got -2.5"), message


# -------------------------------------------------------------------------------- Exercise 2: train

def right_train(lr, x0=5.0, epochs=50):
    xs = [x0]
    for _ in range(epochs):
        xs.append(xs[-1] - lr * 2 * xs[-1])
    return xs


def one_short(lr, x0=5.0, epochs=50):
    return right_train(lr, x0, epochs)[:-1]


def no_start(lr, x0=5.0, epochs=50):
    return right_train(lr, x0, epochs)[1:]


def one_extra(lr, x0=5.0, epochs=50):
    return right_train(lr, x0, epochs + 1)


def loss_for_gradient(lr, x0=5.0, epochs=50):
    xs = [x0]
    for _ in range(epochs):
        xs.append(xs[-1] - lr * xs[-1] ** 2)
    return xs


def uphill(lr, x0=5.0, epochs=50):
    xs = [x0]
    for _ in range(epochs):
        xs.append(xs[-1] + lr * 2 * xs[-1])
    return xs


def fixed_lr(lr, x0=5.0, epochs=50):
    return right_train(0.1, x0, epochs)


def last_only(lr, x0=5.0, epochs=50):
    return right_train(lr, x0, epochs)[-1]


def test_a_right_loop_passes_every_case_of_the_lesson():
    ex.check_train_start(right_train, 0.1, epochs=3)
    ex.check_train_start(right_train, 0.3, x0=-2.0, epochs=4)
    for lr, kwargs in ((0.1, {"epochs": 3}), (0.2, {}), (0.2, {"x0": 1.0, "epochs": 0}),
                       (0.05, {"x0": -1.0, "epochs": 7})):
        ex.check_train_length(right_train, lr, **kwargs)
    for lr, kwargs in ((0.1, {"epochs": 3}), (0.1, {}), (0.001, {"x0": -2.0, "epochs": 7}), (1.1, {"epochs": 12}),
                       (0.75, {"x0": 3.0, "epochs": 5})):
        ex.check_train_values(right_train, lr, **kwargs)


def test_the_start_check_names_a_missing_start():
    message = fails_with(ex.check_train_start, no_start, 0.1, epochs=3)
    assert message.startswith("train(0.1, epochs=3)[0]: expected 5, got 4"), message
    assert "Hint: put the start x0 itself first in the list, before any step" in message


def test_the_start_check_names_an_ignored_x0():
    message = fails_with(ex.check_train_start, lambda lr, x0=5.0, epochs=50: right_train(lr, 5.0, epochs),
                         0.3, x0=-2.0, epochs=4)
    assert message.startswith("train(0.3, x0=-2.0, epochs=4)[0]: expected -2") and \
        "Hint: start from the x0 argument and record it first" in message, message


def test_the_start_check_wants_a_list():
    message = fails_with(ex.check_train_start, last_only, 0.1, epochs=3)
    assert "expected 'a list of positions'" in message and "not only the last one" in message, message


@pytest.mark.parametrize("answer, hint", [
    (one_short, "one value is missing: the start x0 plus one position after each epoch makes epochs + 1"),
    (one_extra, "one step too many: the loop must run exactly `epochs` times"),
], ids=["one short", "one extra"])
def test_each_length_mistake_gets_its_hint(answer, hint):
    message = fails_with(ex.check_train_length, answer, 0.2)
    assert message.startswith("len(train(0.2)): expected 51") and f"Hint: {hint}" in message, message


@pytest.mark.parametrize("answer, hint", [
    (loss_for_gradient, "the step used the loss f(x) = x² where the gradient f'(x) = 2x belongs"),
    (uphill, "the positions run away from 0: check the sign of the update in gd_step"),
    (fixed_lr, "your loop ignores the lr argument: use the rate you are given"),
    (lambda lr, x0=5.0, epochs=50: [x0] + [0.0] * epochs, "x_(k+1) = x_k − lr·2·x_k"),
], ids=["loss for gradient", "uphill", "fixed lr", "other"])
def test_each_values_mistake_gets_its_hint(answer, hint):
    message = fails_with(ex.check_train_values, answer, 0.001, x0=-2.0, epochs=7)
    assert message.startswith("train(0.001, x0=-2.0, epochs=7)") and f"Hint: {hint}" in message, message


def test_the_values_check_names_a_wrong_length_first():
    message = fails_with(ex.check_train_values, one_short, 0.1)
    assert message.startswith("len(train(0.1, x0=5.0, epochs=50)): expected 51, got 50"), message


# ---------------------------------------------------------------------- Exercise 3: stability_limit

def test_a_right_limit_passes_every_case_of_the_lesson():
    for a in (2.0, 0.5, 10.0, 3.0, 1e-3):
        ex.check_stability_limit(lambda a: 2.0 / a, a)


@pytest.mark.parametrize("answer, hint", [
    (lambda a: 1 / a, ex.HINT_ONE_OVER_A),
    (lambda a: 2 * a, ex.HINT_TWO_A),
    (lambda a: 1.0, "q = 1 − lr·a must stay above −1"),
], ids=["1/a", "2a", "hard-coded"])
def test_each_limit_mistake_gets_its_hint(answer, hint):
    message = fails_with(ex.check_stability_limit, answer, 10.0)
    assert message.startswith("stability_limit(10.0): expected 0.2,") and f"Hint: {hint}" in message, message


def test_the_limit_hints_keep_the_words_the_grading_test_looks_for():
    assert "1/a is the rate that reaches the minimum in one step" in ex.HINT_ONE_OVER_A
    assert "divide by the curvature" in ex.HINT_TWO_A


def test_a_limit_that_is_not_a_number_is_named():
    message = fails_with(ex.check_stability_limit, lambda a: "1.0", 2.0)
    assert "a number" in message and "not a string" in message, message


# ---------------------------------------------------------------------- Exercise 4: explosion_epoch

GENERAL = [((1.5, 1.0, 100.0), 7), ((1.1, 5.0, 1000.0), 30), ((3.0, -0.5, 1e6), 10), ((1.05, 2.0, 50.0), 34),
           ((0.1, 5.0, 10.0), None), ((0.8, 5.0, 6.0), None)]
EDGES = [((1.5, 1.0, 8.0), 4), ((5.5, 1.0, 1000.0), 4), ((1.5, -3.0, 24.0), 4), ((1.0, 5.0, 10.0), None),
         ((1.1, 2000.0, 1000.0), 0), ((2.0, 0.0, 1.0), None)]


def right_epoch(lr, x0, bound):
    start, r = abs(x0), abs(1 - 2 * lr)
    if start > bound:
        return 0
    if r <= 1 or start == 0:
        return None
    k = math.floor(math.log(bound / start) / math.log(r)) + 1
    while k > 1 and start * r ** (k - 1) > bound:
        k -= 1
    while start * r ** k <= bound:
        k += 1
    return k


def ceil_epoch(lr, x0, bound):
    start, r = abs(x0), abs(1 - 2 * lr)
    if start > bound:
        return 0
    if r <= 1 or start == 0:
        return None
    return math.ceil(math.log(bound / start) / math.log(r))


@pytest.mark.parametrize("case, want", GENERAL + EDGES)
def test_a_right_epoch_passes_every_case_of_the_lesson(case, want):
    ex.check_explosion_epoch(right_epoch, *case, want=want)


def test_the_last_epoch_inside_the_bound_is_named():
    message = fails_with(ex.check_explosion_epoch, lambda lr, x0, bound: 6, 1.5, 1.0, 100.0, want=7)
    assert message.startswith("explosion_epoch(1.5, 1.0, 100.0): expected 7, got 6") and \
        "that is the last epoch still inside the bound; the answer is the first one beyond it" in message, message


def test_an_epoch_that_only_touches_the_bound_is_named():
    message = fails_with(ex.check_explosion_epoch, ceil_epoch, 1.5, 1.0, 8.0, want=4)
    assert message.startswith("explosion_epoch(1.5, 1.0, 8.0): expected 4, got 3") and \
        ("after 3 epochs |x| equals the bound exactly, which is not beyond it; "
         "use floor(...) + 1 and check k against |x0|·r^k") in message, message


@pytest.mark.parametrize("case, hint", [
    ((0.1, 5.0, 10.0), "with |1 − 2·lr| ≤ 1 the distance never grows: return None"),
    ((2.0, 0.0, 1.0), "a run that starts at the minimum stays there: return None"),
], ids=["r <= 1", "start at the minimum"])
def test_a_number_where_the_run_never_passes_is_named(case, hint):
    message = fails_with(ex.check_explosion_epoch, lambda lr, x0, bound: 5, *case, want=None)
    assert f"expected None, got 5. Hint: {hint}" in message, message


def test_an_epoch_must_be_an_int():
    message = fails_with(ex.check_explosion_epoch, lambda lr, x0, bound: 30.0, 1.1, 5.0, 1000.0, want=30)
    assert "Hint: an epoch is a whole number: return an int" in message, message


def test_an_int_that_says_it_equals_everything_does_not_pass():
    class Yes(int):
        __eq__ = lambda self, other: True  # noqa: E731
        __ne__ = lambda self, other: False  # noqa: E731
        __hash__ = int.__hash__

    fails_with(ex.check_explosion_epoch, lambda lr, x0, bound: Yes(99), 1.5, 1.0, 100.0, want=7)


# ----------------------------------------------------------------------------- Exercise 5: classify

RULE = "apply the three rules in order"


def right_classify(losses):
    first, last = losses[0], losses[-1]
    if not math.isfinite(last) or last > first:
        return "diverging"
    return "too small" if last > 0.5 * first else "good"


def nan_trap(losses):
    if losses[-1] > losses[0]:
        return "diverging"
    return "too small" if losses[-1] > 0.5 * losses[0] else "good"


def greater_equal(losses):
    if not math.isfinite(losses[-1]) or losses[-1] >= losses[0]:
        return "diverging"
    return "too small" if losses[-1] >= 0.5 * losses[0] else "good"


def test_a_right_classify_passes_every_case_of_the_lesson():
    other = sweep(Quadratic1D(a=10.0, x0=-0.3), [0.19, 0.21, 1e-4, 0.05, 0.25], 40, max_loss=1e300)
    for i, want in enumerate(["good", "diverging", "too small", "good", "diverging"]):
        ex.check_classify(right_classify, list(other.losses[i]), want)
    for losses, want in (([25.0, 9.0, 1.0], "good"), (np.array([1200.0, 700.0, 650.0]), "too small"),
                         ([4.0, 5.0, 1.0], "good"), ([0.02, 0.03, 0.025], "diverging"), ([3.0, 3.0], "too small"),
                         ([2.0, 1.0], "good"), ([5.0, 1.0, float("nan")], "diverging"),
                         ([5.0, 1.0, float("inf")], "diverging")):
        ex.check_classify(right_classify, losses, want)


@pytest.mark.parametrize("answer, losses, want, hint", [
    (nan_trap, [5.0, 1.0, float("nan")], "diverging", "NaN compares False with everything: test math.isfinite first"),
    (greater_equal, [3.0, 3.0], "too small",
     "equal is not larger: a run that ends where it began is not diverging"),
    (greater_equal, [2.0, 1.0], "good", "exactly half is not *more* than half"),
    (lambda losses: "good", [5.0, 1.0, float("inf")], "diverging", "an infinite loss means the run blew up"),
    (lambda losses: "good", [0.02, 0.03, 0.025], "diverging",
     f"first loss 0.02, last loss 0.025: {RULE} (larger than the first or not finite → diverging; "
     f"above half the first → too small; else good)"),
], ids=["NaN", "equal", "half", "infinite", "general"])
def test_each_classify_mistake_gets_its_hint(answer, losses, want, hint):
    message = fails_with(ex.check_classify, answer, losses, want)
    assert message.startswith(f"classify({losses!r}): expected {want!r}") and f"Hint: {hint}" in message, message


def test_a_long_history_is_named_by_its_start_loss_and_a_named_one_by_its_name():
    other = sweep(Quadratic1D(a=10.0, x0=-0.3), [0.19], 40)
    message = fails_with(ex.check_classify, lambda losses: "diverging", list(other.losses[0]), "good")
    assert message.startswith("classify(a history with start loss 0.45): expected 'good'"), message
    message = fails_with(ex.check_classify, lambda losses: "good", [1.0, 2.0], "diverging", name="run_a")
    assert message.startswith("classify(run_a): expected 'diverging'"), message
    message = fails_with(ex.check_classify, lambda losses: "good", np.array([1200.0, 700.0, 650.0]), "too small")
    assert message.startswith("classify(np.array([1200.0, 700.0, 650.0])): expected 'too small'"), message


def test_a_label_that_says_it_equals_everything_does_not_pass():
    class Agreeable(str):
        __eq__ = lambda self, other: True  # noqa: E731
        __ne__ = lambda self, other: False  # noqa: E731
        __hash__ = str.__hash__

    fails_with(ex.check_classify, lambda losses: Agreeable("good"), [5.0, 6.0], "diverging")
