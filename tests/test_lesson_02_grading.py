"""Lesson 02 graded by the real ``nbgrader autograde``: every score a submission can get is predicted.

This module describes the simulated class: the mistakes learners make
(misconceptions, and answers hard-coded to the visible example), who
carries which, and what each must cost; ``tests/lesson_grading.py`` grades
them in one autograde run and checks every score. ``gd_step`` feeds ``train``
(the exercise says to use it), so a wrong step also costs the values of the
training loop: that is predicted too.
"""
import pytest

from lesson_grading import LessonGrading, src

pytestmark = pytest.mark.slow

LESSON = "02-three-learning-rates"

#: Points of every grade cell, as the lesson is designed (the written answer is graded by hand).
POINTS = {
    "test_ex1_gd_step": 2,
    "test_ex2_train_start": 1,
    "test_ex2_train_length": 1,
    "test_ex2_train_values": 2,
    "test_ex3_stability_limit": 2,
    "test_ex4_explosion_epoch": 2,
    "test_ex4_edges": 1,
    "test_ex5_classify": 2,
    "test_ex5_edges": 1,
    "written_overshoot": 2,
}
MANUAL = {"written_overshoot"}


# ----------------------------------------------------------------------------- wrong answers
GD_STEP = {
    "sign": "def gd_step(x, lr, grad):\n    return x + lr * grad",
    "returns_step": "def gd_step(x, lr, grad):\n    return lr * grad",
    "hardcoded": "def gd_step(x, lr, grad):\n    return 4.0",
}
TRAIN = {
    "short": src("""
        def train(lr, x0=5.0, epochs=50):
            xs = [x0]
            for _ in range(1, epochs):
                xs.append(gd_step(xs[-1], lr, 2 * xs[-1]))
            return xs
    """),
    "no_x0": src("""
        def train(lr, x0=5.0, epochs=50):
            xs, x = [], x0
            for _ in range(epochs):
                x = gd_step(x, lr, 2 * x)
                xs.append(x)
            return xs
    """),
    "extra": src("""
        def train(lr, x0=5.0, epochs=50):
            xs = [x0]
            for _ in range(epochs + 1):
                xs.append(gd_step(xs[-1], lr, 2 * xs[-1]))
            return xs
    """),
    "loss": src("""
        def train(lr, x0=5.0, epochs=50):
            xs = [x0]
            for _ in range(epochs):
                xs.append(gd_step(xs[-1], lr, xs[-1] ** 2))
            return xs
    """),
    "fixed_lr": src("""
        def train(lr, x0=5.0, epochs=50):
            xs = [x0]
            for _ in range(epochs):
                xs.append(gd_step(xs[-1], 0.1, 2 * xs[-1]))
            return xs
    """),
    "hardcoded": "def train(lr, x0=5.0, epochs=50):\n    return [5.0, 4.0, 3.2, 2.56]",
}
LIMIT = {
    "one_over_a": "def stability_limit(a):\n    return 1 / a",
    "two_a": "def stability_limit(a):\n    return 2 * a",
    "hardcoded": "def stability_limit(a):\n    return 1.0",
}
_EXPLOSION_HEAD = src("""
    import math

    def explosion_epoch(lr, x0, bound):
        start, r = abs(x0), abs(1 - 2 * lr)
        if start > bound:
            return 0
        if r <= 1 or start == 0:
            return None
""")
EXPLOSION = {
    # Right everywhere except exactly on the bound, where ceil gives the epoch that only touches it.
    "ceil": _EXPLOSION_HEAD + "\n    return math.ceil(math.log(bound / start) / math.log(r))",
    # The right formula without checking it: log(1000)/log(10) comes out as 2.9999999999999996.
    "unchecked_floor": _EXPLOSION_HEAD + "\n    return math.floor(math.log(bound / start) / math.log(r)) + 1",
    # The last epoch still inside the bound.
    "last_inside": _EXPLOSION_HEAD + "\n    return math.floor(math.log(bound / start) / math.log(r))",
    "hardcoded": "def explosion_epoch(lr, x0, bound):\n    return 7",
}
CLASSIFY = {
    # Forgets that NaN compares False: a NaN history falls through to "good".
    "nan_trap": src("""
        def classify(losses):
            if losses[-1] > losses[0]:
                return "diverging"
            if losses[-1] > 0.5 * losses[0]:
                return "too small"
            return "good"
    """),
    "greater_equal": src("""
        import math

        def classify(losses):
            if not math.isfinite(losses[-1]) or losses[-1] >= losses[0]:
                return "diverging"
            if losses[-1] >= 0.5 * losses[0]:
                return "too small"
            return "good"
    """),
    # Thresholds tuned to the three visible runs (start loss 25) instead of the rule.
    "hardcoded": src("""
        def classify(losses):
            if losses[-1] > 1000:
                return "diverging"
            if losses[-1] > 20:
                return "too small"
            return "good"
    """),
}

#: mistake -> (cells replaced in a correct submission, the points it leaves in the test cells it affects; every other cell keeps full marks)
MISTAKES = {
    "ex1_sign_error": ({"ex1_gd_step": GD_STEP["sign"]},
                       {"test_ex1_gd_step": 0, "test_ex2_train_values": 0}),
    "ex1_returns_step": ({"ex1_gd_step": GD_STEP["returns_step"]},
                         {"test_ex1_gd_step": 0, "test_ex2_train_values": 0}),
    "ex1_hardcoded": ({"ex1_gd_step": GD_STEP["hardcoded"]},
                      {"test_ex1_gd_step": 0, "test_ex2_train_values": 0}),
    "ex2_one_epoch_short": ({"ex2_train": TRAIN["short"]},
                            {"test_ex2_train_length": 0, "test_ex2_train_values": 0}),
    "ex2_x0_missing": ({"ex2_train": TRAIN["no_x0"]},
                       {"test_ex2_train_start": 0, "test_ex2_train_length": 0, "test_ex2_train_values": 0}),
    "ex2_one_epoch_extra": ({"ex2_train": TRAIN["extra"]},
                            {"test_ex2_train_length": 0, "test_ex2_train_values": 0}),
    "ex2_loss_for_gradient": ({"ex2_train": TRAIN["loss"]}, {"test_ex2_train_values": 0}),
    "ex2_fixed_lr": ({"ex2_train": TRAIN["fixed_lr"]}, {"test_ex2_train_values": 0}),
    "ex2_hardcoded": ({"ex2_train": TRAIN["hardcoded"]},
                      {"test_ex2_train_start": 0, "test_ex2_train_length": 0, "test_ex2_train_values": 0}),
    "ex3_one_over_a": ({"ex3_stability_limit": LIMIT["one_over_a"]}, {"test_ex3_stability_limit": 0}),
    "ex3_two_a": ({"ex3_stability_limit": LIMIT["two_a"]}, {"test_ex3_stability_limit": 0}),
    "ex3_hardcoded": ({"ex3_stability_limit": LIMIT["hardcoded"]}, {"test_ex3_stability_limit": 0}),
    "ex4_ceil": ({"ex4_explosion_epoch": EXPLOSION["ceil"]}, {"test_ex4_edges": 0}),
    "ex4_unchecked_floor": ({"ex4_explosion_epoch": EXPLOSION["unchecked_floor"]}, {"test_ex4_edges": 0}),
    "ex4_last_inside": ({"ex4_explosion_epoch": EXPLOSION["last_inside"]},
                        {"test_ex4_explosion_epoch": 0, "test_ex4_edges": 0}),
    "ex4_hardcoded": ({"ex4_explosion_epoch": EXPLOSION["hardcoded"]},
                      {"test_ex4_explosion_epoch": 0, "test_ex4_edges": 0}),
    "ex5_nan_trap": ({"ex5_classify": CLASSIFY["nan_trap"]}, {"test_ex5_edges": 0}),
    "ex5_greater_equal": ({"ex5_classify": CLASSIFY["greater_equal"]}, {"test_ex5_edges": 0}),
    "ex5_hardcoded": ({"ex5_classify": CLASSIFY["hardcoded"]}, {"test_ex5_classify": 0, "test_ex5_edges": 0}),
}

#: Simulated learners. Exercises 3, 4 and 5 do not use each other or exercises 1-2, so one learner can
#: carry one mistake in each of them (fewer notebooks to grade); the training loop uses gd_step, so the
#: exercise-2 mistakes each get a learner of their own with a correct gd_step.
STUDENTS = {
    "sign_1overa_ceil_nan": ["ex1_sign_error", "ex3_one_over_a", "ex4_ceil", "ex5_nan_trap"],
    "step_2a_floor_ge": ["ex1_returns_step", "ex3_two_a", "ex4_unchecked_floor", "ex5_greater_equal"],
    "hardcodes_examples": ["ex1_hardcoded", "ex3_hardcoded", "ex4_hardcoded", "ex5_hardcoded"],
    "short_loop_last_inside": ["ex2_one_epoch_short", "ex4_last_inside"],
    "x0_missing": ["ex2_x0_missing"],
    "extra_epoch": ["ex2_one_epoch_extra"],
    "loss_for_gradient": ["ex2_loss_for_gradient"],
    "fixed_lr": ["ex2_fixed_lr"],
    "hardcoded_train": ["ex2_hardcoded"],
}


#: (student, grade cell, words its failure message must contain): the hint names the mistake.
HINTS = [
    ("sign_1overa_ceil_nan", "test_ex1_gd_step", "your step moved uphill: check the sign of the update"),
    ("sign_1overa_ceil_nan", "test_ex2_train_values", "check the sign of the update in gd_step"),
    ("step_2a_floor_ge", "test_ex1_gd_step", "you returned the step"),
    ("short_loop_last_inside", "test_ex2_train_length", "one value is missing"),
    ("extra_epoch", "test_ex2_train_length", "one step too many"),
    ("x0_missing", "test_ex2_train_start", "put the start x0 itself first"),
    ("loss_for_gradient", "test_ex2_train_values", "used the loss f(x) = x² where the gradient"),
    ("fixed_lr", "test_ex2_train_values", "ignores the lr argument"),
    ("sign_1overa_ceil_nan", "test_ex3_stability_limit", "1/a is the rate that reaches the minimum in one step"),
    ("step_2a_floor_ge", "test_ex3_stability_limit", "divide by the curvature"),
    ("sign_1overa_ceil_nan", "test_ex4_edges", "equals the bound exactly"),
    ("short_loop_last_inside", "test_ex4_explosion_epoch", "last epoch still inside the bound"),
    ("sign_1overa_ceil_nan", "test_ex5_edges", "NaN compares False"),
]

#: (student, grade cell, the hidden case its failure names): the visible example passed, a hidden one did not.
HIDDEN_FAILURES = [
    ("hardcodes_examples", "test_ex1_gd_step", "gd_step(-3.0, 0.25, -4.0)"),
    ("hardcoded_train", "test_ex2_train_start", "train(0.3, x0=-2.0, epochs=4)[0]"),
    ("hardcoded_train", "test_ex2_train_length", "len(train(0.2))"),
    ("hardcoded_train", "test_ex2_train_values", "len(train(0.1, x0=5.0, epochs=50))"),
    ("fixed_lr", "test_ex2_train_values", "train(0.001, x0=-2.0, epochs=7)"),
    ("hardcodes_examples", "test_ex3_stability_limit", "stability_limit(0.5)"),
    ("hardcodes_examples", "test_ex4_explosion_epoch", "explosion_epoch(1.1, 5.0, 1000.0)"),
    ("sign_1overa_ceil_nan", "test_ex4_edges", "explosion_epoch(1.5, 1.0, 8.0)"),
    ("step_2a_floor_ge", "test_ex4_edges", "explosion_epoch(5.5, 1.0, 1000.0)"),
    ("hardcodes_examples", "test_ex5_classify", "classify(a history with start loss 0.45)"),
]


class TestGrading(LessonGrading):
    lesson = LESSON
    answers = ["ex1_gd_step", "ex2_train", "ex3_stability_limit", "ex4_explosion_epoch", "ex5_classify"]
    points, manual, autograded_max = POINTS, MANUAL, 14
    mistakes, students, hints, hidden_failures = MISTAKES, STUDENTS, HINTS, HIDDEN_FAILURES
