"""Lesson 09 graded by the real ``nbgrader autograde``: every score a submission can get is predicted.

This module describes the simulated class: the mistakes learners make (misconceptions, and answers
hard-coded to the visible example), who carries which, and what each must cost;
``tests/lesson_grading.py`` grades them in one autograde run and checks every score. The three
exercises do not call each other, so one learner can carry one mistake in each.
"""
import pytest

from lesson_grading import LessonGrading, src

pytestmark = pytest.mark.slow

LESSON = "09-rate-at-scale"

#: Points of every grade cell, as the lesson is designed (the written answer is graded by hand).
POINTS = {
    "test_ex1_wsd": 2,
    "test_ex1_edges": 1,
    "test_ex2_step": 2,
    "test_ex2_first_step": 1,
    "test_ex3_mup": 2,
    "written_wider": 2,
}
MANUAL = {"written_wider"}


# ----------------------------------------------------------------------------- wrong answers
def wsd(warm="peak * (step + 1) / warmup_steps", after="return 0.0", h='h[shape]'):
    """A wsd_lr that follows the exercise except where told otherwise."""
    return src(f"""
        import math

        def wsd_lr(step, peak, total_steps, warmup_steps, decay_steps, shape="1-sqrt"):
            if step < warmup_steps:
                return {warm}
            start = total_steps - decay_steps
            if step < start:
                return peak
            u = (step - start) / decay_steps
            if step >= total_steps:
                {after}
            h = {{"linear": 1 - u, "1-sqrt": 1 - math.sqrt(u), "cosine": 0.5 * (1 + math.cos(math.pi * u))}}
            return peak * {h}
    """)


WSD = {
    # lesson 05's ramp written from 0: the first step does nothing
    "zero_ramp": wsd(warm="peak * step / warmup_steps"),
    # the decay formula keeps going after the end of the run (1 − sqrt(u) < 0 for u > 1)
    "negative": wsd(after="pass"),
    # the shape argument is never read
    "linear_only": wsd(h='h["linear"]'),
    "hardcoded": 'def wsd_lr(step, peak, total_steps, warmup_steps, decay_steps, shape="1-sqrt"):\n'
                 "    return 0.008786796564403572",
}


def sf(y="(1 - beta) * z + beta * x", c="1 / (t + 1)", new_x="(1 - c) * x + c * new_z"):
    return src(f"""
        def schedule_free_step(x, z, grad, lr, beta, t):
            y = {y}
            new_z = z - lr * grad(y)
            c = {c}
            return {new_x}, new_z
    """)


SF = {
    # plain SGD's habit: the gradient at the point that is evaluated
    "grad_at_x": sf(y="x"),
    # the newest point counted twice: c = 1/(t + 2)
    "c_next": sf(c="1 / (t + 2)"),
    # no average at all: x follows z
    "no_average": sf(new_x="new_z"),
    "hardcoded": "def schedule_free_step(x, z, grad, lr, beta, t):\n    return 1.26, 1.78",
}

MUP = {
    # the initial scale's square root used for the rate
    "sqrt": src("""
        def mup_adam_lr(lr, layer, width, base_width):
            return lr * (base_width / width) ** 0.5 if layer in ("hidden", "output") else lr
    """),
    # the standard parametrization: one rate for every layer
    "standard": src("""
        def mup_adam_lr(lr, layer, width, base_width):
            return lr
    """),
    # every layer scaled, the input layer and the biases too
    "all_layers": src("""
        def mup_adam_lr(lr, layer, width, base_width):
            return lr * base_width / width
    """),
    "hardcoded": "def mup_adam_lr(lr, layer, width, base_width):\n    return 0.00125",
}

#: mistake -> (cells replaced in a correct submission, the points it leaves in the test cells it affects)
MISTAKES = {
    "ex1_zero_ramp": ({"ex1_wsd_lr": WSD["zero_ramp"]}, {"test_ex1_wsd": 0}),
    "ex1_negative": ({"ex1_wsd_lr": WSD["negative"]}, {"test_ex1_edges": 0}),
    "ex1_linear_only": ({"ex1_wsd_lr": WSD["linear_only"]}, {"test_ex1_wsd": 0, "test_ex1_edges": 0}),
    "ex1_hardcoded": ({"ex1_wsd_lr": WSD["hardcoded"]}, {"test_ex1_wsd": 0, "test_ex1_edges": 0}),
    "ex2_grad_at_x": ({"ex2_schedule_free_step": SF["grad_at_x"]}, {"test_ex2_step": 0, "test_ex2_first_step": 0}),
    "ex2_c_next": ({"ex2_schedule_free_step": SF["c_next"]}, {"test_ex2_step": 0, "test_ex2_first_step": 0}),
    "ex2_no_average": ({"ex2_schedule_free_step": SF["no_average"]},
                       {"test_ex2_step": 0, "test_ex2_first_step": 0}),
    "ex2_hardcoded": ({"ex2_schedule_free_step": SF["hardcoded"]}, {"test_ex2_step": 0, "test_ex2_first_step": 0}),
    "ex3_sqrt": ({"ex3_mup_adam_lr": MUP["sqrt"]}, {"test_ex3_mup": 0}),
    "ex3_standard": ({"ex3_mup_adam_lr": MUP["standard"]}, {"test_ex3_mup": 0}),
    "ex3_all_layers": ({"ex3_mup_adam_lr": MUP["all_layers"]}, {"test_ex3_mup": 0}),
    "ex3_hardcoded": ({"ex3_mup_adam_lr": MUP["hardcoded"]}, {"test_ex3_mup": 0}),
}

#: Simulated learners, at most one mistake per exercise (the exercises are independent).
STUDENTS = {
    "zeroramp_gradx_sqrt": ["ex1_zero_ramp", "ex2_grad_at_x", "ex3_sqrt"],
    "negative_cnext_standard": ["ex1_negative", "ex2_c_next", "ex3_standard"],
    "linear_noaverage_alllayers": ["ex1_linear_only", "ex2_no_average", "ex3_all_layers"],
    "hardcodes_examples": ["ex1_hardcoded", "ex2_hardcoded", "ex3_hardcoded"],
}

#: (student, grade cell, words its failure message must contain): the hint names the mistake.
HINTS = [
    ("zeroramp_gradx_sqrt", "test_ex1_wsd", "the ramp starts at 0, so the first update does nothing"),
    ("negative_cnext_standard", "test_ex1_edges", "it does not go negative"),
    ("linear_noaverage_alllayers", "test_ex1_wsd", "this is the linear decay"),
    ("zeroramp_gradx_sqrt", "test_ex2_step", "the gradient was taken at x, the average"),
    ("negative_cnext_standard", "test_ex2_step", "the new z gets weight 1/(t + 1)"),
    ("linear_noaverage_alllayers", "test_ex2_step", "not jump to the newest one"),
    ("zeroramp_gradx_sqrt", "test_ex3_mup", "a square root belongs to the initial scale"),
    ("negative_cnext_standard", "test_ex3_mup", "that is the standard parametrization"),
    ("linear_noaverage_alllayers", "test_ex3_mup", "does not depend on the width"),
]

#: (student, grade cell, the hidden case its failure names): the visible example passed, a hidden one did not.
HIDDEN_FAILURES = [
    ("zeroramp_gradx_sqrt", "test_ex1_wsd", "wsd_lr(3, 0.1, 100, 10, 20, '1-sqrt')"),
    ("negative_cnext_standard", "test_ex1_edges", "wsd_lr(60, 0.2, 50, 5, 10, '1-sqrt')"),
    ("hardcodes_examples", "test_ex1_wsd", "wsd_lr(3, 0.1, 100, 10, 20, '1-sqrt')"),
    ("hardcodes_examples", "test_ex2_step",
     "schedule_free_step(-0.5, 3.0, lambda w: 2 * w, lr=0.2, beta=0.5, t=4), new_x, item 0"),
    ("linear_noaverage_alllayers", "test_ex3_mup", "mup_adam_lr(0.003, 'input', 1024, 64)"),
    ("hardcodes_examples", "test_ex3_mup", "mup_adam_lr(0.003, 'hidden', 1024, 64)"),
]


class TestGrading(LessonGrading):
    lesson = LESSON
    answers = ["ex1_wsd_lr", "ex2_schedule_free_step", "ex3_mup_adam_lr"]
    points, manual, autograded_max = POINTS, MANUAL, 8
    mistakes, students, hints, hidden_failures = MISTAKES, STUDENTS, HINTS, HIDDEN_FAILURES
