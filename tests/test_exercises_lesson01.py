"""Lesson 01's exercise checks (lrlab.course.exercises.lesson01): a right answer passes, each named mistake gets its hint.

The answers below are the ones the simulated class of tests/test_lesson_01_grading.py carries; here each
is tried on one case, without a notebook, so a broken hint shows up in a second.
"""
import numpy as np
import pytest

from lrlab.studies import shower
from lrlab.course.checks import LessonCheckError
from lrlab.course.exercises import lesson01 as ex
from lrlab.course.owncode import BorrowedAnswer

# ---------------------------------------------------------------- Exercise 1: adjust_knob


def right_knob(knob, felt, target, gain):
    return float(min(max(knob + gain * (target - felt), 0.0), 1.0))


def no_clip(knob, felt, target, gain):
    return knob + gain * (target - felt)


def sign_flipped(knob, felt, target, gain):
    return min(max(knob - gain * (target - felt), 0.0), 1.0)


def returns_change(knob, felt, target, gain):
    return gain * (target - felt)


def hard_coded_knob(knob, felt, target, gain):
    return 0.28


def test_a_right_turn_passes_every_case_of_the_lesson():
    for case in [(0.2, 30.0, 38.0, 0.01), (0.5, 45.0, 38.0, 0.02), (0.7, 38.0, 38.0, 0.05),
                 (0.0, 10.0, 38.0, 0.001), (0.35, 33.5, 36.0, 0.04), (0.9, 10.0, 38.0, 0.02),
                 (0.1, 60.0, 38.0, 0.02), (1.0, 37.0, 38.0, 0.5)]:
        ex.check_turn(right_knob, *case)
    ex.check_replay(right_knob, "wild")


@pytest.mark.parametrize("answer, case, hint", [
    (sign_flipped, (0.2, 30.0, 38.0, 0.01), ex.TURN_WRONG_WAY),
    (returns_change, (0.2, 30.0, 38.0, 0.01), ex.TURN_RETURNS_CHANGE),
    (no_clip, (0.9, 10.0, 38.0, 0.02), ex.TURN_NO_CLIP),
    (hard_coded_knob, (0.5, 45.0, 38.0, 0.02), ex.TURN_RULE),
], ids=["sign flipped", "returns the change", "no clip", "hard-coded"])
def test_each_turn_mistake_gets_its_hint(answer, case, hint):
    with pytest.raises(LessonCheckError) as err:
        ex.check_turn(answer, *case)
    assert f"Hint: {hint}" in str(err.value)


def test_the_turn_check_names_the_call_and_the_expected_position():
    with pytest.raises(LessonCheckError, match=r"adjust_knob\(0\.2, 30\.0, 38\.0, 0\.01\): expected 0\.28, got 0\.12"):
        ex.check_turn(sign_flipped, 0.2, 30.0, 38.0, 0.01)


def test_the_replay_catches_a_knob_that_leaves_the_stops():
    with pytest.raises(LessonCheckError, match="replays the 'wild' preset") as err:
        ex.check_replay(no_clip, "wild")
    assert ex.REPLAY_STOPS in str(err.value)


def test_a_hostile_answer_that_equals_everything_still_fails():
    class Always:
        def __eq__(self, other):
            return True

        __hash__ = object.__hash__

    with pytest.raises(LessonCheckError, match="expected a number"):
        ex.check_turn(lambda *a: Always(), 0.2, 30.0, 38.0, 0.01)
    with pytest.raises(LessonCheckError):
        ex.check_band(lambda *a: Always(), 2, 20, np.arange(1, 13) / 1000)
    with pytest.raises(LessonCheckError):
        ex.check_k_star(lambda *a: (Always(), Always(), Always()), 10.0, 60.0, 38.0)


# ---------------------------------------------------------------- Exercise 2: settling_gains

def selection(keep):
    """A settling_gains that keeps the gains ``keep(sweep, steps_allowed)`` selects (as the grading test's)."""
    def settling_gains(delay, steps_allowed, gains):
        s = shower.sweep_gains(gains, delay=delay, steps=2 * steps_allowed + 5)
        mask = keep(s, steps_allowed)
        if not mask.any():
            return None
        return float(s.gains[mask].min()), float(s.gains[mask].max())
    return settling_gains


def right_band(delay, steps_allowed, gains):
    return selection(lambda s, n: s.settled_at <= n)(delay, steps_allowed, gains)


def crashes_when_none(delay, steps_allowed, gains):
    s = shower.sweep_gains(gains, delay=delay, steps=2 * steps_allowed + 5)
    ok = s.gains[s.settled_at <= steps_allowed]
    return float(ok.min()), float(ok.max())


BAND_CASES = [(2, 20, np.arange(1, 13) / 1000), (1, 9, np.arange(1, 21) / 1000), (0, 6, np.arange(2, 42, 2) / 1000),
              (1, 12, np.arange(1, 21) / 1000), (2, 8, np.arange(1, 13) / 1000),
              (0, 3, np.array([0.001, 0.002, 0.05]))]


@pytest.mark.parametrize("case", BAND_CASES, ids=lambda c: f"{c}"[:20])
def test_a_right_band_passes_every_case_of_the_lesson(case):
    ex.check_band(right_band, *case)
    with pytest.raises(BorrowedAnswer, match=r"your answer calls lrlab.studies.shower\.settling_range"):
        ex.check_band(lambda d, n, g: shower.settling_range(n, gains=g, delay=d), *case)  # lrlab's, not the learner's


HINTS = dict(ex.BAND_MISTAKES)


@pytest.mark.parametrize("answer, case, hint", [
    (selection(lambda s, n: s.settled_at < n), (1, 12, np.arange(1, 21) / 1000), HINTS["strict deadline"]),
    (selection(lambda s, n: s.settled_at <= n + 1), (1, 9, np.arange(1, 21) / 1000), HINTS["one reading late"]),
    (selection(lambda s, n: s.labels != "wild swings"), (2, 20, np.arange(1, 13) / 1000), HINTS["not wild"]),
    (selection(lambda s, n: s.labels == "settles"), (2, 20, np.arange(1, 13) / 1000), HINTS["deadline ignored"]),
    (crashes_when_none, (2, 8, np.arange(1, 13) / 1000), ex.BAND_MIN_OF_NOTHING),
    (lambda d, n, g: (0.001, 0.002), (2, 8, np.arange(1, 13) / 1000), ex.BAND_NONE_EXPECTED),
    (lambda d, n, g: None, (2, 20, np.arange(1, 13) / 1000), ex.BAND_SOME_EXPECTED),
    (lambda d, n, g: (0.003, 0.006), (1, 9, np.arange(1, 21) / 1000), ex.BAND_RULE),
], ids=["strict deadline", "one reading late", "not wild", "deadline ignored", "min of nothing",
        "pair where none", "None where some", "hard-coded"])
def test_each_band_mistake_gets_its_hint(answer, case, hint):
    with pytest.raises(LessonCheckError) as err:
        ex.check_band(answer, *case)
    assert f"Hint: {hint}" in str(err.value)


def test_a_band_of_the_wrong_shape_is_not_mistaken_for_an_answer():
    with pytest.raises(LessonCheckError, match="length"):
        ex.check_band(lambda d, n, g: [0.003, 0.004, 0.006], 2, 20, np.arange(1, 13) / 1000)


def test_the_learner_cannot_change_the_grid_the_check_uses():
    def mutates(delay, steps_allowed, gains):
        answer = right_band(delay, steps_allowed, gains)
        gains[:] = 1.0
        return answer

    grid = np.arange(1, 13) / 1000
    ex.check_band(mutates, 2, 20, grid)
    assert grid[0] == 0.001


# ---------------------------------------------------------------- Exercise 3: shower_as_quadratic

def quadratic(k_star, L, limit):
    return lambda cold, hot, target: (k_star(cold, hot, target), L(cold, hot), limit(cold, hot))


RIGHT = quadratic(lambda c, h, t: (t - c) / (h - c), lambda c, h: h - c, lambda c, h: 2 / (h - c))
QUAD_CASES = [(10.0, 60.0, 38.0), (15.0, 45.0, 36.0), (5.0, 70.0, 40.0)]


@pytest.mark.parametrize("case", QUAD_CASES)
def test_a_right_quadratic_passes_every_case_of_the_lesson(case):
    for check in (ex.check_k_star, ex.check_L, ex.check_gain_limit):
        check(RIGHT, *case)


@pytest.mark.parametrize("check, answer, hint", [
    (ex.check_k_star, quadratic(lambda c, h, t: t / h, lambda c, h: h - c, lambda c, h: 2 / (h - c)),
     ex.K_STAR_FROM_ZERO),
    (ex.check_k_star, quadratic(lambda c, h, t: 0.56, lambda c, h: h - c, lambda c, h: 2 / (h - c)), ex.K_STAR_RULE),
    (ex.check_L, quadratic(lambda c, h, t: (t - c) / (h - c), lambda c, h: h, lambda c, h: 2 / h), ex.L_IS_HOT),
    (ex.check_L, quadratic(lambda c, h, t: (t - c) / (h - c), lambda c, h: (h - c) / 2, lambda c, h: 4 / (h - c)),
     ex.L_IS_HALF_C),
    (ex.check_L, quadratic(lambda c, h, t: (t - c) / (h - c), lambda c, h: 1.0, lambda c, h: 2.0), ex.L_IS_ONE),
    (ex.check_L, quadratic(lambda c, h, t: (t - c) / (h - c), lambda c, h: 50.0, lambda c, h: 0.04), ex.L_RULE),
    (ex.check_gain_limit, quadratic(lambda c, h, t: (t - c) / (h - c), lambda c, h: h - c, lambda c, h: 1 / (h - c)),
     ex.LIMIT_IS_ONE_OVER_L),
    (ex.check_gain_limit, quadratic(lambda c, h, t: (t - c) / (h - c), lambda c, h: h, lambda c, h: 2 / h),
     ex.LIMIT_USES_HOT),
    (ex.check_gain_limit, quadratic(lambda c, h, t: (t - c) / (h - c), lambda c, h: h - c, lambda c, h: 3 / (h - c)),
     ex.LIMIT_TOO_HIGH),
    (ex.check_gain_limit, quadratic(lambda c, h, t: (t - c) / (h - c), lambda c, h: h - c,
                                    lambda c, h: 1.5 / (h - c)), ex.LIMIT_TOO_LOW),
], ids=["k* from 0 °C", "k* hard-coded", "L is hot", "L is c/2", "L is 1", "L hard-coded", "limit 1/L",
        "limit uses hot", "limit too high", "limit too low"])
def test_each_quadratic_mistake_gets_its_hint(check, answer, hint):
    case = (15.0, 45.0, 36.0)  # not the worked example, so hard-coded answers fail too
    with pytest.raises(LessonCheckError) as err:
        check(answer, *case)
    assert f"Hint: {hint}" in str(err.value)


@pytest.mark.parametrize("got", [0.56, (0.56, 50.0), "0.56, 50, 0.04", None])
def test_anything_but_three_values_is_named(got):
    with pytest.raises(LessonCheckError, match="a tuple") as err:
        ex.check_k_star(lambda *a: got, 10.0, 60.0, 38.0)
    assert ex.QUADRATIC_SHAPE in str(err.value)


# ---------------------------------------------------------------- the checks' own arguments

@pytest.mark.parametrize("call, error, match", [
    (lambda: ex.check_turn(None, 0.2, 30.0, 38.0, 0.01), TypeError, "adjust_knob must be the function"),
    (lambda: ex.check_turn(right_knob, 1.5, 30.0, 38.0, 0.01), ValueError, "knob must be <= 1"),
    (lambda: ex.check_turn(right_knob, 0.2, 30.0, 38.0, 0.0), ValueError, "gain must be > 0"),
    (lambda: ex.check_replay(right_knob, "lukewarm"), ValueError, "preset must be one of"),
    (lambda: ex.check_band(right_band, 2.5, 20, np.arange(1, 13) / 1000), TypeError, "delay must be an integer"),
    (lambda: ex.check_band(right_band, 2, 20, "gains"), TypeError, "gains must be"),
    (lambda: ex.check_L(RIGHT, 10.0, 60.0, 70.0), ValueError, "target must lie between"),
])
def test_bad_arguments_to_a_check_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
