"""Lesson 03's exercise checks (lrlab.course.exercises.lesson03): a right answer passes, each named mistake
fails with its hint, and an answer that only pretends to be right fails too."""
import math

import numpy as np
import pytest

from lrlab.course.checks import LessonCheckError
from lrlab.train.engine import sweep
from lrlab.course.exercises import lesson03 as ex
from lrlab.problems import Quadratic1D, QuadraticND


class AlwaysEqual:
    """A hostile answer: equal (and unequal) to everything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


class LyingLabel(str):
    """A string that claims to equal every label."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = str.__hash__


def fails_with(check, *args, hint, **kwargs):
    with pytest.raises(LessonCheckError) as info:
        check(*args, **kwargs)
    assert hint in str(info.value), str(info.value)
    return str(info.value)


# ----------------------------------------------------------------------------- exercise 1

def kappa(eigenvalues):
    eig = np.asarray(eigenvalues, dtype=float)
    return float(eig.max() / eig.min())


@pytest.mark.parametrize("case", [[1.0, 25.0], [0.5, 3.0, 10.0], np.array([30.0, 2.0]), [7.0]])
def test_condition_number_passes_a_correct_answer(case):
    ex.check_condition_number(kappa, case)


@pytest.mark.parametrize("answer, case, hint", [
    (lambda e: min(e) / max(e), [1.0, 25.0], ex.KAPPA_UPSIDE_DOWN),
    (lambda e: max(e) - min(e), [1.0, 25.0], ex.KAPPA_DIFFERENCE),
    (lambda e: e[-1] / e[0], [9.0, 1.0, 3.0], ex.KAPPA_SORTED),
    (lambda e: 25.0, [2.0, 8.0], ex.KAPPA_RULE),
])
def test_condition_number_names_each_mistake(answer, case, hint):
    message = fails_with(ex.check_condition_number, answer, case, hint=hint)
    assert message.startswith(f"condition_number({case!r}): expected")


def test_condition_number_rejects_an_answer_that_equals_everything():
    fails_with(ex.check_condition_number, lambda e: AlwaysEqual(), [1.0, 25.0],
               hint="condition_number([1.0, 25.0]): expected")


def test_a_mistake_that_happens_to_be_right_is_not_blamed():
    # with one curvature μ/L = L/μ = 1: the "upside down" answer is right, and passes
    ex.check_condition_number(lambda e: min(e) / max(e), [4.0])


# ----------------------------------------------------------------------------- exercise 2

def best(eigenvalues):
    eig = np.asarray(eigenvalues, dtype=float)
    return float(2.0 / (eig.max() + eig.min()))


@pytest.mark.parametrize("case", [[1.0, 25.0], [0.5, 3.0, 10.0], np.array([40.0, 4.0, 10.0]), [5.0]])
def test_best_fixed_rate_passes_a_correct_answer(case):
    ex.check_best_fixed_rate(best, case)


@pytest.mark.parametrize("answer, case, hint", [
    (lambda e: 1.0 / max(e), [1.0, 25.0], ex.BEST_ONE_OVER_L),
    (lambda e: 2.0 / max(e), [1.0, 25.0], ex.BEST_TWO_OVER_L),
    (lambda e: 2.0 / (min(e) + min(e)), [1.0, 25.0], ex.BEST_MU_TWICE),
    (lambda e: 1.0 / (max(e) + min(e)), [1.0, 25.0], ex.BEST_NO_TWO),
    (lambda e: 2.0 / (e[0] + e[-1]), [9.0, 1.0, 3.0], ex.BEST_SORTED),
    (lambda e: 2 / 26, [2.0, 8.0], ex.BEST_RULE),
])
def test_best_fixed_rate_names_each_mistake(answer, case, hint):
    fails_with(ex.check_best_fixed_rate, answer, case, hint=hint)


# ----------------------------------------------------------------------------- exercise 3

def rho(lr, eigenvalues):
    return float(np.max(np.abs(1.0 - lr * np.asarray(eigenvalues, dtype=float))))


@pytest.mark.parametrize("lr, case", [(0.04, [1.0, 25.0]), (0.2, [3.0, 1.0, 7.0]), (0.3, [4.0])])
def test_contraction_passes_a_correct_answer(lr, case):
    ex.check_contraction(rho, lr, case)


@pytest.mark.parametrize("answer, lr, case, hint", [
    (lambda lr, e: np.abs(1.0 - lr * np.asarray(e)), 0.04, [1.0, 25.0], ex.RHO_PER_DIRECTION),
    (lambda lr, e: [abs(1.0 - lr * x) for x in e], 0.04, [1.0, 25.0], ex.RHO_PER_DIRECTION),
    (lambda lr, e: float(np.max(1.0 - lr * np.asarray(e))), 0.1, [1.0, 25.0], ex.RHO_NO_ABS),
    (lambda lr, e: abs(1.0 - lr * max(e)), 0.04, [1.0, 25.0], ex.RHO_ONLY_L),
    (lambda lr, e: abs(1.0 - lr * min(e)), 0.3, [4.0, 5.0], ex.RHO_ONLY_MU),
    (lambda lr, e: max(abs(1.0 - lr * e[0]), abs(1.0 - lr * e[-1])), 0.2, [3.0, 1.0, 7.0], ex.RHO_SORTED),
    (lambda lr, e: 0.96, 0.1, [1.0, 25.0], ex.RHO_RULE),
])
def test_contraction_names_each_mistake(answer, lr, case, hint):
    fails_with(ex.check_contraction, answer, lr, case, hint=hint)


def test_when_two_mistakes_give_the_same_value_the_hint_the_case_is_built_for_wins():
    # |1 − lr·μ| equals the largest signed factor while that factor is positive: the no-abs hint comes first
    # and names "the steep one included", the words the grading test expects for this learner
    fails_with(ex.check_contraction, lambda lr, e: abs(1.0 - lr * min(e)), 0.1, [1.0, 25.0],
               hint="the steep one included")
    # on [3, 1, 7] at 0.2 the first-and-last answer also equals |1 − lr·L|: the ordering hint wins
    fails_with(ex.check_contraction, lambda lr, e: max(abs(1.0 - lr * e[0]), abs(1.0 - lr * e[-1])), 0.2,
               [3.0, 1.0, 7.0], hint=ex.RHO_SORTED)


def test_the_answer_gets_a_copy_of_the_case():
    case = np.array([1.0, 25.0])

    def spoils(lr, e):
        e[:] = 1.0
        return rho(lr, [1.0, 25.0])

    ex.check_contraction(spoils, 0.04, case)
    assert case.tolist() == [1.0, 25.0]


# ----------------------------------------------------------------------------- exercise 4

def read_curve(losses, *, finite=True, strict=True, share=True):
    """The exercise's rules; the keywords switch one rule off to make a mistaken answer."""
    values = [float(x) for x in losses]
    first, last = values[0], values[-1]
    if (finite and not all(math.isfinite(x) for x in values)) or last > first:
        return "diverging"
    ups = sum(1 for a, b in zip(values, values[1:]) if (b > a if strict else b >= a))
    if ups >= 3:
        return "oscillating"
    mid = values[len(values) // 2]
    if last > 0.1 * first or (share and mid - last > 0.1 * (first - last)):
        return "too small"
    return "good"


VALLEY = QuadraticND(eigenvalues=[1.0, 25.0], x0=[4.0, 1.0])
RUNS = sweep(VALLEY, [0.002, 2 / 26, 0.0799, 0.0805, 0.219], 100)
LABELS = ["too small", "good", "too small", "diverging", "diverging"]


@pytest.mark.parametrize("i", range(len(LABELS)))
def test_read_curve_passes_a_correct_answer_on_real_runs(i):
    ex.check_read_curve(read_curve, RUNS.losses[i], LABELS[i], f"run {i}")


def test_read_curve_default_name_writes_the_call_out():
    message = fails_with(ex.check_read_curve, lambda h: "good", [9.0] * 6, "too small",
                         hint=ex.CURVE_SECOND_CONDITION)
    assert message.startswith("read_curve([9.0, 9.0, 9.0, 9.0, 9.0, 9.0]): expected 'too small', got 'good'")


def test_a_nan_that_slips_through_is_named():
    # the 0.219 run diverges and ends in NaN; without the finite test its NaNs compare False everywhere
    assert np.isnan(RUNS.losses[4, -1])
    fails_with(ex.check_read_curve, lambda h: read_curve(h, finite=False), RUNS.losses[4], "diverging",
               hint=ex.CURVE_NAN_SLIPS)


def test_rule_3_without_its_second_condition_is_named():
    fails_with(ex.check_read_curve, lambda h: read_curve(h, share=False), [10.0, 5.0, 0.9, 0.5, 0.2],
               "too small", hint=ex.CURVE_SECOND_CONDITION)


def test_other_wrong_labels_get_the_description_of_the_case():
    fails_with(ex.check_read_curve, lambda h: "diverging", [8.0, 2.0, 0.5, 0.4, 0.39], "good",
               hint="0 NaN/inf values, first 8, last 0.39, mid 0.5, 0 rises: apply the four rules in order")


@pytest.mark.parametrize("mistake, answer, case, want", [
    ("equal is no rise", lambda h: read_curve(h, strict=False), [9.0] * 6, "too small"),
    ("three rises", lambda h: "good", [10.0, 4.0, 5.0, 1.0, 2.0, 0.5, 0.6, 0.1, 0.05, 0.01], "oscillating"),
    ("two rises", lambda h: "oscillating", [10.0, 4.0, 5.0, 1.0, 2.0, 0.5, 0.4, 0.1, 0.05, 0.01], "good"),
    ("rule 2 first", lambda h: "too small", [10.0, 6.0, 9.0, 5.0, 8.0, 4.0, 7.0], "oscillating"),
    ("nan anywhere", lambda h: read_curve(h, finite=False), [5.0, 1.0, float("nan"), 0.5], "diverging"),
    ("infinity", lambda h: "good", [5.0, 2.0, 1.0, float("inf")], "diverging"),
    ("equal ends", lambda h: "diverging", [3.0, 3.0], "too small"),
    ("exactly a tenth", lambda h: "too small", [10.0, 3.0, 1.5, 1.0], "good"),
])
def test_each_edge_case_gives_the_hint_of_its_mistake(mistake, answer, case, want):
    ex.check_read_curve(read_curve, case, want, mistake=mistake)
    fails_with(ex.check_read_curve, answer, case, want, mistake=mistake, hint=ex.CURVE_MISTAKES[mistake])


def test_a_loss_that_reaches_zero_and_stays_there_has_no_rises():
    flat = sweep(Quadratic1D(a=4.0, x0=-2.0), [0.25], 12).losses[0]
    ex.check_read_curve(read_curve, list(flat), "good", mistake="equal is no rise")
    fails_with(ex.check_read_curve, lambda h: read_curve(h, strict=False), list(flat), "good",
               mistake="equal is no rise", hint=ex.CURVE_MISTAKES["equal is no rise"])


@pytest.mark.parametrize("mistake", [None, "three rises"])
def test_a_label_that_claims_to_equal_everything_fails(mistake):
    with pytest.raises(LessonCheckError):
        ex.check_read_curve(lambda h: LyingLabel("nonsense"), [8.0, 2.0, 0.5, 0.4, 0.39], "good", mistake=mistake)
    with pytest.raises(LessonCheckError):
        ex.check_read_curve(lambda h: AlwaysEqual(), [8.0, 2.0, 0.5, 0.4, 0.39], "good", mistake=mistake)


def test_a_numpy_string_is_a_string():
    ex.check_read_curve(lambda h: np.str_("good"), [8.0, 2.0, 0.5, 0.4, 0.39], "good")


# ----------------------------------------------------------------------------- bad input to the checks

@pytest.mark.parametrize("call, error, words", [
    (lambda: ex.check_condition_number(42, [1.0, 25.0]), TypeError, "condition_number must be"),
    (lambda: ex.check_condition_number(kappa, []), ValueError, "eigenvalues must hold at least 1"),
    (lambda: ex.check_condition_number(kappa, [1.0, -2.0]), ValueError, "eigenvalues must all be > 0"),
    (lambda: ex.check_best_fixed_rate(best, "1, 25"), TypeError, "eigenvalues must be"),
    (lambda: ex.check_contraction(rho, 0.0, [1.0]), ValueError, "lr must be > 0"),
    (lambda: ex.check_read_curve(read_curve, [1.0], "good"), ValueError, "losses must hold at least 2"),
    (lambda: ex.check_read_curve(read_curve, [2.0, 1.0], "fine"), ValueError, "want must be one of"),
    (lambda: ex.check_read_curve(read_curve, [2.0, 1.0], "good", 3), TypeError, "what must be a string"),
    (lambda: ex.check_read_curve(read_curve, [2.0, 1.0], "good", mistake="typo"), ValueError,
     "mistake must be one of"),
])
def test_checks_reject_bad_input_naming_the_argument(call, error, words):
    with pytest.raises(error, match=words):
        call()
