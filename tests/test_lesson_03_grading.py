"""Lesson 03 graded by the real ``nbgrader autograde``: every score a submission can get is predicted.

This module describes the simulated class: the mistakes learners make
(misconceptions, and answers hard-coded to the visible example), who
carries which, and what each must cost; ``tests/lesson_grading.py`` grades
them in one autograde run and checks every score. The four exercises do not call
each other, so one learner can carry one mistake in each of them; the score of
every grade cell follows from that exercise's answer alone.
"""
import pytest

from lesson_grading import LessonGrading, src

pytestmark = pytest.mark.slow

LESSON = "03-choosing-a-rate"

#: Points of every grade cell, as the lesson is designed (the written answer is graded by hand).
POINTS = {
    "test_ex1_condition_number": 2,
    "test_ex1_edges": 1,
    "test_ex2_best_fixed_rate": 2,
    "test_ex2_edges": 1,
    "test_ex3_contraction": 2,
    "test_ex3_edges": 1,
    "test_ex4_read_curve": 2,
    "test_ex4_rises": 1,
    "test_ex4_edges": 1,
    "written_slow_curve": 2,
}
MANUAL = {"written_slow_curve"}


def one_liner(signature: str, body: str) -> str:
    return f"def {signature}:\n    eig = np.asarray(eigenvalues, dtype=float)\n    return {body}"


# ----------------------------------------------------------------------------- wrong answers
KAPPA = {
    "inverted": one_liner("condition_number(eigenvalues)", "float(eig.min() / eig.max())"),
    "difference": one_liner("condition_number(eigenvalues)", "float(eig.max() - eig.min())"),
    # assumes the eigenvalues come sorted
    "last_over_first": one_liner("condition_number(eigenvalues)", "float(eig[-1] / eig[0])"),
    "hardcoded": "def condition_number(eigenvalues):\n    return 25.0",
}
BEST = {
    "one_over_L": one_liner("best_fixed_rate(eigenvalues)", "1.0 / eig.max()"),
    "two_over_L": one_liner("best_fixed_rate(eigenvalues)", "2.0 / eig.max()"),
    # μ where L belongs: 2/(μ + μ)
    "mu_twice": one_liner("best_fixed_rate(eigenvalues)", "2.0 / (eig.min() + eig.min())"),
    "sorted": one_liner("best_fixed_rate(eigenvalues)", "2.0 / (eig[0] + eig[-1])"),
    "hardcoded": "def best_fixed_rate(eigenvalues):\n    return 2 / 26",
}
_RHO = "def contraction(lr, eigenvalues):\n    eig = np.asarray(eigenvalues, dtype=float)\n    return {body}"
RHO = {
    "no_abs": _RHO.format(body="float(np.max(1.0 - lr * eig))"),
    "only_L": _RHO.format(body="abs(1.0 - lr * eig.max())"),
    "only_mu": _RHO.format(body="abs(1.0 - lr * eig.min())"),
    "first_last": _RHO.format(body="max(abs(1.0 - lr * eig[0]), abs(1.0 - lr * eig[-1]))"),
    "no_max": _RHO.format(body="np.abs(1.0 - lr * eig)"),
    "hardcoded": "def contraction(lr, eigenvalues):\n    return 0.96",
}


def read_curve_variant(*, finite="all", rise=">", enough=3, share=True, order=("osc", "small")) -> str:
    """A read_curve that follows the exercise's rules except where told otherwise."""
    check = {"all": "not all(math.isfinite(v) for v in values) or ",
             "last": "not math.isfinite(last) or ", "none": ""}[finite]
    small = "last > 0.1 * first" + (" or mid - last > 0.1 * (first - last)" if share else "")
    blocks = {"osc": f"    if ups >= {enough}:\n        return 'oscillating'\n",
              "small": f"    if {small}:\n        return 'too small'\n"}
    return (
        "import math\n\n"
        "def read_curve(losses):\n"
        "    values = [float(v) for v in losses]\n"
        "    first, last = values[0], values[-1]\n"
        f"    if {check}last > first:\n"
        "        return 'diverging'\n"
        f"    ups = sum(1 for a, b in zip(values, values[1:]) if b {rise} a)\n"
        "    mid = values[len(values) // 2]\n"
        + "".join(blocks[b] for b in order)
        + "    return 'good'\n"
    )


CURVE = {
    # NaN compares False with everything, so a NaN history falls through to "good".
    "nan_ignored": read_curve_variant(finite="none"),
    # lesson 02's check: only the last value is tested for NaN.
    "last_only_finite": read_curve_variant(finite="last"),
    # rule 3 without its second condition: a low but still falling curve is called good.
    "no_share": read_curve_variant(share=False),
    # equal neighbours counted as rises
    "ge_rises": read_curve_variant(rise=">="),
    # "3 or more" read as "more than 3"
    "more_than_3": read_curve_variant(enough=4),
    # rule 3 tried before rule 2
    "small_first": read_curve_variant(order=("small", "osc")),
    # fits the five visible cases and nothing else: no NaN test, no rises, no second condition
    "visible_only": src("""
        def read_curve(losses):
            if losses[-1] > losses[0]:
                return "diverging"
            if losses[-1] > 0.1 * losses[0]:
                return "too small"
            return "good"
    """),
}

#: mistake -> (cells replaced in a correct submission, the points it leaves in the test cells it affects; every other cell keeps full marks)
MISTAKES = {
    "ex1_inverted": ({"ex1_condition_number": KAPPA["inverted"]},
                     {"test_ex1_condition_number": 0, "test_ex1_edges": 0}),
    "ex1_difference": ({"ex1_condition_number": KAPPA["difference"]},
                       {"test_ex1_condition_number": 0, "test_ex1_edges": 0}),
    "ex1_last_over_first": ({"ex1_condition_number": KAPPA["last_over_first"]}, {"test_ex1_edges": 0}),
    "ex1_hardcoded": ({"ex1_condition_number": KAPPA["hardcoded"]},
                      {"test_ex1_condition_number": 0, "test_ex1_edges": 0}),
    "ex2_one_over_L": ({"ex2_best_fixed_rate": BEST["one_over_L"]},
                       {"test_ex2_best_fixed_rate": 0, "test_ex2_edges": 0}),
    "ex2_two_over_L": ({"ex2_best_fixed_rate": BEST["two_over_L"]},
                       {"test_ex2_best_fixed_rate": 0, "test_ex2_edges": 0}),
    "ex2_mu_twice": ({"ex2_best_fixed_rate": BEST["mu_twice"]},
                     {"test_ex2_best_fixed_rate": 0, "test_ex2_edges": 0}),
    "ex2_sorted": ({"ex2_best_fixed_rate": BEST["sorted"]}, {"test_ex2_edges": 0}),
    "ex2_hardcoded": ({"ex2_best_fixed_rate": BEST["hardcoded"]},
                      {"test_ex2_best_fixed_rate": 0, "test_ex2_edges": 0}),
    "ex3_no_abs": ({"ex3_contraction": RHO["no_abs"]}, {"test_ex3_contraction": 0, "test_ex3_edges": 0}),
    "ex3_only_L": ({"ex3_contraction": RHO["only_L"]}, {"test_ex3_contraction": 0, "test_ex3_edges": 0}),
    # |1 − lr·μ|: the same as forgetting the abs (the largest signed factor is always the flat one's) except
    # when that factor is itself negative, which the edge cases never make it
    "ex3_only_mu": ({"ex3_contraction": RHO["only_mu"]}, {"test_ex3_contraction": 0}),
    "ex3_first_last": ({"ex3_contraction": RHO["first_last"]}, {"test_ex3_edges": 0}),
    "ex3_no_max": ({"ex3_contraction": RHO["no_max"]}, {"test_ex3_contraction": 0, "test_ex3_edges": 0}),
    "ex3_hardcoded": ({"ex3_contraction": RHO["hardcoded"]}, {"test_ex3_contraction": 0, "test_ex3_edges": 0}),
    # real diverged runs end in NaN: the real-run cell catches it too
    "ex4_nan_ignored": ({"ex4_read_curve": CURVE["nan_ignored"]}, {"test_ex4_read_curve": 0, "test_ex4_edges": 0}),
    "ex4_last_only_finite": ({"ex4_read_curve": CURVE["last_only_finite"]}, {"test_ex4_edges": 0}),
    "ex4_no_share": ({"ex4_read_curve": CURVE["no_share"]}, {"test_ex4_read_curve": 0}),
    "ex4_ge_rises": ({"ex4_read_curve": CURVE["ge_rises"]}, {"test_ex4_rises": 0}),
    "ex4_more_than_3": ({"ex4_read_curve": CURVE["more_than_3"]}, {"test_ex4_rises": 0}),
    # the real momentum runs of the hidden tests are low enough but still falling: "too small" first
    "ex4_small_first": ({"ex4_read_curve": CURVE["small_first"]}, {"test_ex4_read_curve": 0, "test_ex4_rises": 0}),
    "ex4_visible_only": ({"ex4_read_curve": CURVE["visible_only"]},
                         {"test_ex4_read_curve": 0, "test_ex4_rises": 0, "test_ex4_edges": 0}),
}

#: Simulated learners, at most one mistake per exercise (the exercises are independent).
STUDENTS = {
    "inverted_1overL_noabs_nan": ["ex1_inverted", "ex2_one_over_L", "ex3_no_abs", "ex4_nan_ignored"],
    "difference_2overL_onlyL_lastfinite": ["ex1_difference", "ex2_two_over_L", "ex3_only_L",
                                           "ex4_last_only_finite"],
    "sorted_mu_onlymu_noshare": ["ex1_last_over_first", "ex2_mu_twice", "ex3_only_mu", "ex4_no_share"],
    "hardcodes_examples": ["ex1_hardcoded", "ex2_hardcoded", "ex3_hardcoded", "ex4_visible_only"],
    "sorted_firstlast_ge": ["ex2_sorted", "ex3_first_last", "ex4_ge_rises"],
    "nomax_morethan3": ["ex3_no_max", "ex4_more_than_3"],
    "small_first": ["ex4_small_first"],
}


#: (student, grade cell, words its failure message must contain): the hint names the mistake.
HINTS = [
    ("inverted_1overL_noabs_nan", "test_ex1_condition_number", "that is μ/L, upside down"),
    ("difference_2overL_onlyL_lastfinite", "test_ex1_condition_number", "κ is a ratio, not a difference"),
    ("sorted_mu_onlymu_noshare", "test_ex1_edges", "the eigenvalues come in no particular order"),
    ("inverted_1overL_noabs_nan", "test_ex2_best_fixed_rate", "1/L is the best rate for the steep direction alone"),
    ("difference_2overL_onlyL_lastfinite", "test_ex2_best_fixed_rate", "2/L is the stability limit"),
    ("sorted_mu_onlymu_noshare", "test_ex2_best_fixed_rate", "uses the flat curvature twice"),
    ("sorted_firstlast_ge", "test_ex2_edges", "the eigenvalues come in no particular order"),
    ("inverted_1overL_noabs_nan", "test_ex3_contraction", "take the absolute value"),
    ("difference_2overL_onlyL_lastfinite", "test_ex3_contraction", "only the steep direction counted"),
    ("sorted_mu_onlymu_noshare", "test_ex3_contraction", "the steep one included"),
    ("sorted_firstlast_ge", "test_ex3_edges", "look at every one of them"),
    ("nomax_morethan3", "test_ex3_contraction", "you returned one factor per direction"),
    ("inverted_1overL_noabs_nan", "test_ex4_read_curve", "NaN compares False with everything"),
    ("inverted_1overL_noabs_nan", "test_ex4_edges", "a NaN anywhere means the run broke"),
    ("difference_2overL_onlyL_lastfinite", "test_ex4_edges", "check every value, not only the last"),
    ("sorted_mu_onlymu_noshare", "test_ex4_read_curve", "check the second condition of rule 3"),
    ("sorted_firstlast_ge", "test_ex4_rises", "an equal value is not a rise"),
    ("nomax_morethan3", "test_ex4_rises", "exactly 3 places, and 3 or more is oscillating"),
    ("small_first", "test_ex4_rises", "rule 2 comes before rule 3"),
]

#: (student, grade cell, the hidden case its failure names): the visible example passed, a hidden one did not.
HIDDEN_FAILURES = [
    ("hardcodes_examples", "test_ex1_condition_number", "condition_number([2.0, 8.0])"),
    ("sorted_mu_onlymu_noshare", "test_ex1_edges", "condition_number([9.0, 1.0, 3.0])"),
    ("hardcodes_examples", "test_ex2_best_fixed_rate", "best_fixed_rate([2.0, 8.0])"),
    ("sorted_firstlast_ge", "test_ex2_edges", "best_fixed_rate([9.0, 1.0, 3.0])"),
    ("hardcodes_examples", "test_ex3_contraction", "contraction(0.1, [1.0, 25.0])"),
    ("inverted_1overL_noabs_nan", "test_ex3_contraction", "contraction(0.1, [1.0, 25.0])"),
    ("sorted_firstlast_ge", "test_ex3_edges", "contraction(0.2, [3.0, 1.0, 7.0])"),
    ("hardcodes_examples", "test_ex4_read_curve", "read_curve of 30 steps on the valley at lr = 0.0243"),
    ("inverted_1overL_noabs_nan", "test_ex4_read_curve", "read_curve of 30 steps on the valley at lr = 0.219"),
    ("sorted_mu_onlymu_noshare", "test_ex4_read_curve", "read_curve of 30 steps on the valley at lr = 0.0243"),
    ("small_first", "test_ex4_read_curve", "read_curve of 30 steps with momentum 0.9 at lr = 0.0081"),
]


class TestGrading(LessonGrading):
    lesson = LESSON
    answers = ["ex1_condition_number", "ex2_best_fixed_rate", "ex3_contraction", "ex4_read_curve"]
    points, manual, autograded_max = POINTS, MANUAL, 13
    mistakes, students, hints, hidden_failures = MISTAKES, STUDENTS, HINTS, HIDDEN_FAILURES
