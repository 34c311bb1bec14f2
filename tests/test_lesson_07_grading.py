"""Lesson 07 graded by the real ``nbgrader autograde``: every score a submission can get is predicted.

This module describes the simulated class: the mistakes learners make (the head and body rates
swapped, scaling by the wrong power, a patience off by one, and answers hard-coded to the visible
examples), who carries which, and what each must cost; ``tests/lesson_grading.py`` grades them in one
autograde run and checks every score. The three exercises do not call each other, so one learner can
carry one mistake in each of them.
"""
import pytest

from lesson_grading import LessonGrading, src

pytestmark = pytest.mark.slow

LESSON = "07-common-mistakes"

#: Points of every grade cell, as the lesson is designed (the written answer is graded by hand).
POINTS = {
    "test_ex1_param_groups": 2,
    "test_ex1_in_adam": 1,
    "test_ex2_scale_lr": 2,
    "test_ex2_edges": 1,
    "test_ex3_plateau_cuts": 2,
    "test_ex3_threshold": 1,
    "written_forgetting": 2,
}
MANUAL = {"written_forgetting"}


# ----------------------------------------------------------------------------- wrong answers
GROUPS = {
    # the new head gets the small rate and the pretrained body the large one
    "swapped": src("""
        def make_param_groups(params, head, body_lr, head_lr):
            return [{"params": [k for k in params if k not in head], "lr": head_lr},
                    {"params": [k for k in params if k in head], "lr": body_lr}]
    """),
    "hardcoded": src("""
        def make_param_groups(params, head, body_lr, head_lr):
            return [{"params": ["W1", "b1"], "lr": 0.0001}, {"params": ["W2", "b2"], "lr": 0.01}]
    """),
}


def scale(sqrt_power: str = "0.5", check: bool = True) -> str:
    guard = ('    if rule not in ("linear", "sqrt") or old_batch < 1 or new_batch < 1:\n'
             '        raise ValueError(rule)\n') if check else ""
    return (f"def scale_lr(lr, old_batch, new_batch, rule):\n{guard}"
            f"    power = 1.0 if rule == 'linear' else {sqrt_power}\n"
            f"    return lr * (new_batch / old_batch) ** power")


SCALE = {
    # "square root" read as "square": the sqrt rule squares the batch ratio
    "wrong_power": scale(sqrt_power="2.0"),
    "hardcoded": "def scale_lr(lr, old_batch, new_batch, rule):\n    return 0.004",
}


def plateau(trigger: str = "bad > patience") -> str:
    return src(f"""
        def plateau_cuts(losses, patience, threshold=1e-4):
            best, bad, cuts = float("inf"), 0, []
            for i, loss in enumerate(losses):
                if loss < best * (1 - threshold):
                    best, bad = loss, 0
                else:
                    bad += 1
                if {trigger}:
                    cuts.append(i)
                    bad = 0
            return cuts
    """)


PLATEAU = {
    # cuts after `patience` bad evaluations instead of after more than `patience`
    "off_by_one": plateau(trigger="bad >= patience"),
    "hardcoded": "def plateau_cuts(losses, patience, threshold=1e-4):\n    return [4]",
}

#: mistake -> (cells replaced in a correct submission, the points it leaves in the test cells it affects)
MISTAKES = {
    "ex1_swapped": ({"ex1_make_param_groups": GROUPS["swapped"]}, {"test_ex1_param_groups": 0, "test_ex1_in_adam": 0}),
    "ex1_hardcoded": ({"ex1_make_param_groups": GROUPS["hardcoded"]},
                      {"test_ex1_param_groups": 0, "test_ex1_in_adam": 0}),
    # the edge cases (same batch, linear rule, refusals) do not use the square-root power
    "ex2_wrong_power": ({"ex2_scale_lr": SCALE["wrong_power"]}, {"test_ex2_scale_lr": 0}),
    "ex2_hardcoded": ({"ex2_scale_lr": SCALE["hardcoded"]}, {"test_ex2_scale_lr": 0, "test_ex2_edges": 0}),
    "ex3_off_by_one": ({"ex3_plateau_cuts": PLATEAU["off_by_one"]}, {"test_ex3_plateau_cuts": 0, "test_ex3_threshold": 0}),
    "ex3_hardcoded": ({"ex3_plateau_cuts": PLATEAU["hardcoded"]}, {"test_ex3_plateau_cuts": 0, "test_ex3_threshold": 0}),
}

#: Simulated learners (besides "correct" and "blank", which every grading test has).
STUDENTS = {
    "swaps_head_and_body": ["ex1_swapped"],
    "wrong_power": ["ex2_wrong_power"],
    "patience_off_by_one": ["ex3_off_by_one"],
    "hardcodes_examples": ["ex1_hardcoded", "ex2_hardcoded", "ex3_hardcoded"],
}

#: (student, grade cell, words its failure message must contain): the hint names the mistake.
HINTS = [
    ("swaps_head_and_body", "test_ex1_param_groups", "the rates are swapped"),
    ("wrong_power", "test_ex2_scale_lr", "you squared the ratio"),
    ("patience_off_by_one", "test_ex3_plateau_cuts", "patience off by one"),
    ("swaps_head_and_body", "test_ex1_in_adam", "the rates are swapped"),
    ("hardcodes_examples", "test_ex2_edges", "expected 0.05, got 0.004"),
]

#: (student, grade cell, the hidden case its failure names): the visible example passed, a hidden one did not.
HIDDEN_FAILURES = [
    ("swaps_head_and_body", "test_ex1_in_adam",
     "Adam's first step on 'W1' with your groups"),
    ("wrong_power", "test_ex2_scale_lr", "scale_lr(0.001, 32, 128, 'sqrt')"),
    ("hardcodes_examples", "test_ex2_scale_lr", "scale_lr(0.001, 32, 128, 'sqrt')"),
    ("hardcodes_examples", "test_ex3_plateau_cuts",
     "plateau_cuts([1.0, 0.9, 0.9, 0.95, 0.9, 0.9, 0.9, 0.9, 0.9], patience=1, threshold=0.0001)"),
    ("hardcodes_examples", "test_ex1_param_groups",
     "make_param_groups({'W1': ..., 'b1': ..., 'W2': ..., 'b2': ...}, ['W2', 'b2'], 3e-05, 0.003)[0]['lr']"),
]


class TestGrading(LessonGrading):
    lesson = LESSON
    answers = ["ex1_make_param_groups", "ex2_scale_lr", "ex3_plateau_cuts"]
    points, manual, autograded_max = POINTS, MANUAL, 9
    mistakes, students, hints, hidden_failures = MISTAKES, STUDENTS, HINTS, HIDDEN_FAILURES
