"""Lesson 05 graded by the real ``nbgrader autograde``: every score a submission can get is predicted.

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

LESSON = "05-schedules"

#: Points of every grade cell, as the lesson is designed (the written answer is graded by hand).
POINTS = {
    "test_ex1_step_decay_lr": 2,
    "test_ex1_edges": 1,
    "test_ex2_cosine_lr": 2,
    "test_ex2_eta_min": 1,
    "test_ex3_warmup": 2,
    "test_ex3_after": 1,
    "written_warmup_adam": 2,
}
MANUAL = {"written_warmup_adam"}


# ----------------------------------------------------------------------------- wrong answers
def step_decay(body: str) -> str:
    return f"import math\n\ndef step_decay_lr(step, lr0, step_size, gamma):\n    return {body}"


STEP = {
    # each cut multiplies by gamma once more: gamma * cuts instead of gamma ** cuts
    "times": step_decay("lr0 * gamma * (step // step_size)"),
    # true division: a smooth exponential decay instead of a staircase
    "division": step_decay("lr0 * gamma ** (step / step_size)"),
    "early": step_decay("lr0 * gamma ** ((step + 1) // step_size)"),
    "late": step_decay("lr0 * gamma ** ((step - 1) // step_size)"),
    "ceil": step_decay("lr0 * gamma ** math.ceil(step / step_size)"),
    "hardcoded": "def step_decay_lr(step, lr0, step_size, gamma):\n    return 0.01",
}


def cosine(body: str) -> str:
    return f"import math\n\ndef cosine_lr(step, lr_max, T_max, eta_min=0.0):\n    return {body}"


COS = {
    "no_half": cosine("eta_min + (lr_max - eta_min) * (1 + math.cos(math.pi * step / T_max))"),
    # sin(π/4) = cos(π/4): the visible example cannot tell them apart
    "sin": cosine("eta_min + 0.5 * (lr_max - eta_min) * (1 + math.sin(math.pi * step / T_max))"),
    "one_minus_cos": cosine("eta_min + 0.5 * (lr_max - eta_min) * (1 - math.cos(math.pi * step / T_max))"),
    "no_pi": cosine("eta_min + 0.5 * (lr_max - eta_min) * (1 + math.cos(step / T_max))"),
    "eta_ignored": cosine("0.5 * lr_max * (1 + math.cos(math.pi * step / T_max))"),
    "eta_not_subtracted": cosine("eta_min + 0.5 * lr_max * (1 + math.cos(math.pi * step / T_max))"),
    "hardcoded": "def cosine_lr(step, lr_max, T_max, eta_min=0.0):\n    return 0.08535533905932738",
}


def warmup(ramp: str = "peak * (step + 1) / warmup_steps", test: str = "step < warmup_steps",
           after: str = "schedule_fn(step - warmup_steps)") -> str:
    """A warmup_then that follows the exercise except where told otherwise."""
    return src(f"""
        def warmup_then(schedule_fn, warmup_steps):
            peak = schedule_fn(0)

            def lr_at(step):
                if {test}:
                    return {ramp}
                return {after}

            return lr_at
    """)


WARM = {
    # the blog post's ramp: step 0 uses rate 0
    "from_zero": warmup(ramp="peak * step / warmup_steps"),
    # ramps from 0 to the peak at step W − 1
    "ramp_w_minus_1": warmup(ramp="peak * step / (warmup_steps - 1)"),
    # the schedule after the warmup runs on the global step, skipping its first W values
    "no_shift": warmup(after="schedule_fn(step)"),
    # step W still in the ramp: it overshoots the peak
    "le_boundary": warmup(test="step <= warmup_steps"),
    "hardcoded": ("def warmup_then(schedule_fn, warmup_steps):\n"
                  "    return lambda t: [0.025, 0.05, 0.075, 0.1, 0.1, 0.05, 0.025][min(t, 6)]"),
}

#: mistake -> (cells replaced in a correct submission, the points it leaves in the test cells it affects; every other cell keeps full marks)
MISTAKES = {
    "ex1_times": ({"ex1_step_decay_lr": STEP["times"]}, {"test_ex1_step_decay_lr": 0, "test_ex1_edges": 0}),
    "ex1_division": ({"ex1_step_decay_lr": STEP["division"]}, {"test_ex1_step_decay_lr": 0, "test_ex1_edges": 0}),
    # off by one at a cut: right inside every block, wrong only at the block edges
    "ex1_early": ({"ex1_step_decay_lr": STEP["early"]}, {"test_ex1_edges": 0}),
    "ex1_late": ({"ex1_step_decay_lr": STEP["late"]}, {"test_ex1_edges": 0}),
    "ex1_ceil": ({"ex1_step_decay_lr": STEP["ceil"]}, {"test_ex1_step_decay_lr": 0, "test_ex1_edges": 0}),
    "ex1_hardcoded": ({"ex1_step_decay_lr": STEP["hardcoded"]}, {"test_ex1_step_decay_lr": 0, "test_ex1_edges": 0}),
    "ex2_no_half": ({"ex2_cosine_lr": COS["no_half"]}, {"test_ex2_cosine_lr": 0, "test_ex2_eta_min": 0}),
    "ex2_sin": ({"ex2_cosine_lr": COS["sin"]}, {"test_ex2_cosine_lr": 0, "test_ex2_eta_min": 0}),
    "ex2_one_minus_cos": ({"ex2_cosine_lr": COS["one_minus_cos"]}, {"test_ex2_cosine_lr": 0, "test_ex2_eta_min": 0}),
    "ex2_no_pi": ({"ex2_cosine_lr": COS["no_pi"]}, {"test_ex2_cosine_lr": 0, "test_ex2_eta_min": 0}),
    # right whenever eta_min = 0: only the floor cell catches them
    "ex2_eta_ignored": ({"ex2_cosine_lr": COS["eta_ignored"]}, {"test_ex2_eta_min": 0}),
    "ex2_eta_not_subtracted": ({"ex2_cosine_lr": COS["eta_not_subtracted"]}, {"test_ex2_eta_min": 0}),
    "ex2_hardcoded": ({"ex2_cosine_lr": COS["hardcoded"]}, {"test_ex2_cosine_lr": 0, "test_ex2_eta_min": 0}),
    # a wrong ramp, a right schedule after it
    "ex3_from_zero": ({"ex3_warmup_then": WARM["from_zero"]}, {"test_ex3_warmup": 0}),
    "ex3_ramp_w_minus_1": ({"ex3_warmup_then": WARM["ramp_w_minus_1"]}, {"test_ex3_warmup": 0}),
    # a right ramp, a wrong schedule after it
    "ex3_no_shift": ({"ex3_warmup_then": WARM["no_shift"]}, {"test_ex3_after": 0}),
    "ex3_le_boundary": ({"ex3_warmup_then": WARM["le_boundary"]}, {"test_ex3_after": 0}),
    "ex3_hardcoded": ({"ex3_warmup_then": WARM["hardcoded"]}, {"test_ex3_warmup": 0, "test_ex3_after": 0}),
}

#: Simulated learners, at most one mistake per exercise (the exercises are independent).
STUDENTS = {
    "times_nohalf_fromzero": ["ex1_times", "ex2_no_half", "ex3_from_zero"],
    "division_sin_noshift": ["ex1_division", "ex2_sin", "ex3_no_shift"],
    "early_etaignored_le": ["ex1_early", "ex2_eta_ignored", "ex3_le_boundary"],
    "late_etanotsub_ramp": ["ex1_late", "ex2_eta_not_subtracted", "ex3_ramp_w_minus_1"],
    "ceil_oneminus": ["ex1_ceil", "ex2_one_minus_cos"],
    "nopi": ["ex2_no_pi"],
    "hardcodes_examples": ["ex1_hardcoded", "ex2_hardcoded", "ex3_hardcoded"],
}

#: (student, grade cell, words its failure message must contain): the hint names the mistake.
HINTS = [
    ("times_nohalf_fromzero", "test_ex1_step_decay_lr", "the factor is gamma ** (number of cuts)"),
    ("division_sin_noshift", "test_ex1_step_decay_lr", "count only completed blocks"),
    ("early_etaignored_le", "test_ex1_edges", "the cut came one step early"),
    ("late_etanotsub_ramp", "test_ex1_edges", "the cut came one step late"),
    ("ceil_oneminus", "test_ex1_step_decay_lr", "use floor division"),
    ("times_nohalf_fromzero", "test_ex2_cosine_lr", "the factor ½ is missing"),
    ("division_sin_noshift", "test_ex2_cosine_lr", "sin where cos belongs"),
    ("ceil_oneminus", "test_ex2_cosine_lr", "use 1 + cos to come down"),
    ("nopi", "test_ex2_cosine_lr", "π is missing"),
    ("early_etaignored_le", "test_ex2_eta_min", "eta_min is ignored"),
    ("late_etanotsub_ramp", "test_ex2_eta_min", "eta_min is added but not taken off the height"),
    ("times_nohalf_fromzero", "test_ex3_warmup", "the first update does nothing"),
    ("late_etanotsub_ramp", "test_ex3_warmup", "so step 0 already moves"),
    ("division_sin_noshift", "test_ex3_after", "start its own clock at 0"),
    ("early_etaignored_le", "test_ex3_after", "step W belongs to the schedule"),
]

#: (student, grade cell, the hidden case its failure names): the visible example passed, a hidden one did not.
HIDDEN_FAILURES = [
    ("hardcodes_examples", "test_ex1_step_decay_lr", "step_decay_lr(70, 0.1, 30, 0.1)"),
    ("times_nohalf_fromzero", "test_ex1_step_decay_lr", "step_decay_lr(70, 0.1, 30, 0.1)"),
    ("early_etaignored_le", "test_ex1_edges", "step_decay_lr(29, 0.1, 30, 0.1)"),
    ("late_etanotsub_ramp", "test_ex1_edges", "step_decay_lr(0, 0.1, 30, 0.1)"),
    ("hardcodes_examples", "test_ex2_cosine_lr", "cosine_lr(0, 0.1, 100)"),
    ("division_sin_noshift", "test_ex2_cosine_lr", "cosine_lr(0, 0.1, 100)"),
    ("early_etaignored_le", "test_ex2_eta_min", "cosine_lr(30, 0.1, 100, eta_min=0.01)"),
    ("hardcodes_examples", "test_ex3_warmup",
     "[warmup_then(cosine_annealing(0.3, T_max=50), 10)(t) for t in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]], item 0"),
    ("hardcodes_examples", "test_ex3_after",
     "[warmup_then(cosine_annealing(0.3, T_max=50), 10)(t) for t in [10, 11, 35, 60]], item 0"),
]


class TestGrading(LessonGrading):
    lesson = LESSON
    answers = ["ex1_step_decay_lr", "ex2_cosine_lr", "ex3_warmup_then"]
    points, manual, autograded_max = POINTS, MANUAL, 9
    mistakes, students, hints, hidden_failures = MISTAKES, STUDENTS, HINTS, HIDDEN_FAILURES
