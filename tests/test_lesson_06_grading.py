"""Lesson 06 graded by the real ``nbgrader autograde``: every score a submission can get is predicted.

This module describes the simulated class: the mistakes learners make
(misconceptions, and answers hard-coded to the visible example), who
carries which, and what each must cost; ``tests/lesson_grading.py`` grades
them in one autograde run and checks every score. The three exercises do not
call each other, so one learner can carry one mistake in each of them; the
score of every grade cell follows from that exercise's answer alone.
"""
import pytest

from lesson_grading import LessonGrading, src

pytestmark = pytest.mark.slow

LESSON = "06-optimizers"

#: Points of every grade cell, as the lesson is designed (the written answer is graded by hand).
POINTS = {
    "test_ex1_heavy_ball": 2,
    "test_ex1_nesterov": 1,
    "test_ex2_adam_step": 2,
    "test_ex2_state": 1,
    "test_ex3_zone": 2,
    "test_ex3_edges": 1,
    "written_adam_tuning": 2,
}
MANUAL = {"written_adam_tuning"}


# ----------------------------------------------------------------------------- wrong answers
def momentum(buf: str, direction: str, new_x: str = "x - lr * direction") -> str:
    return src(f"""
        def momentum_step(x, grad, buf, lr, momentum, nesterov=False):
            new_buf = {buf}
            direction = {direction}
            return {new_x}, new_buf
    """)


MOMENTUM = {
    # the buffer kept with the opposite sign (b = βb − g), and the step added to x to make up for it
    "sign": momentum("momentum * buf - grad", "-grad + momentum * new_buf if nesterov else new_buf",
                     "x + lr * direction"),
    # the other convention: a velocity v = βv − lr·g that is added to x
    "velocity": src("""
        def momentum_step(x, grad, buf, lr, momentum, nesterov=False):
            velocity = momentum * buf - lr * grad
            return x + velocity, velocity
    """),
    # the nesterov flag is never read: heavy ball every time
    "no_nesterov": momentum("momentum * buf + grad", "new_buf"),
    "hardcoded": "def momentum_step(x, grad, buf, lr, momentum, nesterov=False):\n    return 0.755, 2.45",
}


def adam(m_hat: str = "new_m / (1 - beta1 ** t)", v_hat: str = "new_v / (1 - beta2 ** t)",
         new_x: str = "x - lr * m_hat / (np.sqrt(v_hat) + eps)", state: str = "new_m, new_v") -> str:
    """An adam_step that follows the exercise except where told otherwise."""
    return src(f"""
        import numpy as np

        def adam_step(x, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
            beta1, beta2 = betas
            new_m = beta1 * m + (1 - beta1) * grad
            new_v = beta2 * v + (1 - beta2) * grad ** 2
            m_hat = {m_hat}
            v_hat = {v_hat}
            return {new_x}, {state}
    """)


ADAM = {
    "no_correction": adam(m_hat="new_m", v_hat="new_v"),
    # torch's form (lr / (1 − β1^t), √v / √(1 − β2^t)) on moments that are already corrected
    "twice_in_step": adam(new_x="x - lr / (1 - beta1 ** t) * m_hat / "
                                "(np.sqrt(v_hat) / np.sqrt(1 - beta2 ** t) + eps)"),
    # the corrected moments are returned as the state: the next step corrects them again
    "twice_state": adam(state="m_hat, v_hat"),
    # eps under the root: invisible unless the gradient is tiny
    "eps_inside": adam(new_x="x - lr * m_hat / np.sqrt(v_hat + eps)"),
    "hardcoded": ("def adam_step(x, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):\n"
                  "    return 0.9946103563914118, 0.068, 0.0006496"),
}


def zone(body: str) -> str:
    return src(f"""
        import numpy as np

        def zone_width(lrs, losses, factor=2.0):
            lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
            {body}
    """)


LOG10 = "return float(np.log10(lrs[inside].max() / lrs[inside].min()))"
ZONE = {
    # one decade per grid point: right on a grid of decades only
    "grid_points": zone("inside = losses <= factor * np.nanmin(np.where(np.isinf(losses), np.nan, losses))\n"
                        "            return float(inside.sum() - 1)"),
    "natural_log": zone("inside = losses <= factor * np.nanmin(losses)\n"
                        "            return float(np.log(lrs[inside].max() / lrs[inside].min()))"),
    # a loss of exactly factor × best left out
    "strict": zone("inside = losses < factor * np.nanmin(losses)\n            " + LOG10),
    # np.min of losses with a NaN is NaN: no rate is inside, and max() of nothing raises
    "nan_naive": zone("inside = losses <= factor * np.min(losses)\n            " + LOG10),
    "hardcoded": "def zone_width(lrs, losses, factor=2.0):\n    return 2.0",
}

#: mistake -> (cells replaced in a correct submission, the points it leaves in the test cells it affects)
MISTAKES = {
    "ex1_sign": ({"ex1_momentum_step": MOMENTUM["sign"]}, {"test_ex1_heavy_ball": 0, "test_ex1_nesterov": 0}),
    "ex1_velocity": ({"ex1_momentum_step": MOMENTUM["velocity"]},
                     {"test_ex1_heavy_ball": 0, "test_ex1_nesterov": 0}),
    "ex1_no_nesterov": ({"ex1_momentum_step": MOMENTUM["no_nesterov"]}, {"test_ex1_nesterov": 0}),
    "ex1_hardcoded": ({"ex1_momentum_step": MOMENTUM["hardcoded"]},
                      {"test_ex1_heavy_ball": 0, "test_ex1_nesterov": 0}),
    # wrong steps from a right state: the state cell keeps its point
    "ex2_no_correction": ({"ex2_adam_step": ADAM["no_correction"]}, {"test_ex2_adam_step": 0}),
    "ex2_twice_in_step": ({"ex2_adam_step": ADAM["twice_in_step"]}, {"test_ex2_adam_step": 0}),
    "ex2_eps_inside": ({"ex2_adam_step": ADAM["eps_inside"]}, {"test_ex2_adam_step": 0}),
    # a right step from the given state, a wrong state for the next one
    "ex2_twice_state": ({"ex2_adam_step": ADAM["twice_state"]}, {"test_ex2_state": 0}),
    "ex2_hardcoded": ({"ex2_adam_step": ADAM["hardcoded"]}, {"test_ex2_adam_step": 0, "test_ex2_state": 0}),
    "ex3_grid_points": ({"ex3_zone_width": ZONE["grid_points"]}, {"test_ex3_zone": 0, "test_ex3_edges": 0}),
    "ex3_natural_log": ({"ex3_zone_width": ZONE["natural_log"]}, {"test_ex3_zone": 0, "test_ex3_edges": 0}),
    # right in the middle of a zone, wrong at its edges
    "ex3_strict": ({"ex3_zone_width": ZONE["strict"]}, {"test_ex3_edges": 0}),
    "ex3_nan_naive": ({"ex3_zone_width": ZONE["nan_naive"]}, {"test_ex3_edges": 0}),
    "ex3_hardcoded": ({"ex3_zone_width": ZONE["hardcoded"]}, {"test_ex3_zone": 0, "test_ex3_edges": 0}),
}

#: Simulated learners, at most one mistake per exercise (the exercises are independent).
STUDENTS = {
    "sign_nocorrection_gridpoints": ["ex1_sign", "ex2_no_correction", "ex3_grid_points"],
    "velocity_twicestate_strict": ["ex1_velocity", "ex2_twice_state", "ex3_strict"],
    "nonesterov_twicestep_nan": ["ex1_no_nesterov", "ex2_twice_in_step", "ex3_nan_naive"],
    "epsinside_ln": ["ex2_eps_inside", "ex3_natural_log"],
    "hardcodes_examples": ["ex1_hardcoded", "ex2_hardcoded", "ex3_hardcoded"],
}

#: (student, grade cell, words its failure message must contain): the hint names the mistake.
HINTS = [
    ("sign_nocorrection_gridpoints", "test_ex1_heavy_ball", "your buffer has the opposite sign"),
    ("velocity_twicestate_strict", "test_ex1_heavy_ball", "you returned the velocity v = momentum·v − lr·grad"),
    ("nonesterov_twicestep_nan", "test_ex1_nesterov", "with nesterov=True the direction is grad + momentum·b"),
    ("sign_nocorrection_gridpoints", "test_ex2_adam_step", "the bias correction is missing"),
    ("nonesterov_twicestep_nan", "test_ex2_adam_step", "the bias correction was applied twice"),
    ("velocity_twicestate_strict", "test_ex2_state", "you returned the bias-corrected m̂ and v̂ as the new state"),
    ("epsinside_ln", "test_ex2_adam_step", "eps goes outside the square root"),
    ("sign_nocorrection_gridpoints", "test_ex3_zone", "you counted grid points; the width is in decades"),
    ("velocity_twicestate_strict", "test_ex3_edges", "a loss of exactly factor × best is inside the zone"),
    ("nonesterov_twicestep_nan", "test_ex3_edges", "a NaN loss is a run that diverged"),
    ("epsinside_ln", "test_ex3_zone", "a decade is a factor of 10: use log10"),
]

#: (student, grade cell, the hidden case its failure names): the visible example passed, a hidden one did not.
HIDDEN_FAILURES = [
    ("hardcodes_examples", "test_ex1_heavy_ball", "momentum_step(-3.0, 0.5, 0.0, lr=0.05, momentum=0.9), new_x"),
    ("hardcodes_examples", "test_ex2_adam_step",
     "adam_step([1.0, -2.0], [0.3, -40.0], [0.0, 0.0], [0.0, 0.0], t=1, lr=0.1), new_x"),
    # a gradient of 0.3 already shows eps under the root at the 1e-9 tolerance; the visible case (t=3) does not
    ("epsinside_ln", "test_ex2_adam_step",
     "adam_step([1.0, -2.0], [0.3, -40.0], [0.0, 0.0], [0.0, 0.0], t=1, lr=0.1), new_x"),
    ("hardcodes_examples", "test_ex2_state",
     "adam_step([1.0, -2.0], [0.3, -40.0], [0.0, 0.0], [0.0, 0.0], t=1, lr=0.1), new_m"),
    ("sign_nocorrection_gridpoints", "test_ex3_zone",
     "zone_width([0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0], [1.5, 0.7, 0.5, 0.3, 0.35, 0.9, 2.0])"),
    ("sign_nocorrection_gridpoints", "test_ex3_edges", "zone_width([0.001, 0.003, 0.01, 0.03], [inf, 0.9, 0.5, 0.3])"),
    ("hardcodes_examples", "test_ex3_zone",
     "zone_width([0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0], [1.5, 0.7, 0.5, 0.3, 0.35, 0.9, 2.0])"),
    ("velocity_twicestate_strict", "test_ex3_edges", "zone_width([0.001, 0.01, 0.1, 1.0], [0.8, 0.4, 0.2, 0.4])"),
]


class TestGrading(LessonGrading):
    lesson = LESSON
    answers = ["ex1_momentum_step", "ex2_adam_step", "ex3_zone_width"]
    points, manual, autograded_max = POINTS, MANUAL, 9
    mistakes, students, hints, hidden_failures = MISTAKES, STUDENTS, HINTS, HIDDEN_FAILURES
