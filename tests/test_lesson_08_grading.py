"""Lesson 08 graded by the real ``nbgrader autograde``: every score a submission can get is predicted.

This module describes the simulated class: tuning procedures that keep or break the budget, a rate
hard-coded from the digits, and the usual mistakes in a finite-difference Hessian-vector product and
in power iteration; who carries which, and what each must cost. ``tests/lesson_grading.py`` grades
them in one autograde run and checks every score. The three autograded exercises do not call each
other, so one learner can carry one mistake in each of them. The capstone's pass marks and the
margins behind them are measured in ``tests/test_exercises_lesson08.py``.
"""
import pytest

from lesson_grading import LessonGrading, src

pytestmark = pytest.mark.slow

LESSON = "08-goldilocks"

#: Points of every grade cell, as the lesson is designed (the written answer is graded by hand).
POINTS = {
    "test_ex1_digits": 2,
    "test_ex1_wider": 2,
    "test_ex1_optimizer": 2,
    "test_ex1_datasets": 2,
    "written_procedure": 2,
    "test_ex3_hvp": 2,
    "test_ex4_power": 2,
    "test_ex4_edges": 1,
}
MANUAL = {"written_procedure"}
TUNE_CELLS = ["test_ex1_digits", "test_ex1_wider", "test_ex1_optimizer", "test_ex1_datasets"]

# ----------------------------------------------------------------------------- exercise 1: tune
TUNE = {
    # the best rate of the digits recipe, with a cosine decay over the whole budget: measures nothing
    "hard_coded": src("""
        def tune(problem, budget):
            lr = 0.3   # the best rate I found on the digits
            schedule = schedules.cosine_annealing(lr, T_max=budget)
            return lr, schedule, problem.train(schedule, budget).params
    """),
    # the final run gets the whole budget, as if the range test were free
    "overspends": src("""
        def tune(problem, budget):
            test = problem.range_test(start_lr=1e-4, end_lr=10.0, num_steps=100)
            lr = test.suggest("valley")
            schedule = schedules.cosine_annealing(lr, T_max=budget)
            return lr, schedule, problem.train(schedule, budget).params
    """),
    # a good plan, written for the visible budget of 2000 steps: 100 + 5 × 160 + 1100
    "ignores_budget": src("""
        def tune(problem, budget):
            test = problem.range_test(start_lr=1e-4, end_lr=10.0, num_steps=100)
            grid = 10 * test.suggest("minimum/10") * np.logspace(-2, 0, 5)
            runs = problem.sweep(grid, 160)
            lr = float(grid[np.nanargmin(runs.val_loss)])
            schedule = schedules.cosine_annealing(lr, T_max=1100)
            return lr, schedule, problem.train(schedule, 1100).params
    """),
}


# ----------------------------------------------------------------------------- exercise 3: hvp
def hvp(body: str) -> str:
    return f"def hvp_central(grad, theta, v, eps=1e-4):\n    return {body}"


HVP = {
    # exact on the visible quadratic, off by O(eps) on the hidden functions
    "forward": hvp("(grad(theta + eps * v) - grad(theta)) / eps"),
    "no_half": hvp("(grad(theta + eps * v) - grad(theta - eps * v)) / eps"),
}


# ----------------------------------------------------------------------------- exercise 4: power iteration
def power(start="np.random.default_rng(seed).standard_normal(dim)", value="float(v @ hv)",
          step="hv / np.linalg.norm(hv)", loop="range(max_iters)", stop=True, returned="estimate") -> str:
    """A top_eigenvalue that follows the exercise except where told otherwise."""
    check = ("        if estimate is not None and abs(now - estimate) <= tol * abs(now):\n"
             "            return now\n") if stop else ""
    return (f"def top_eigenvalue(hvp, dim, tol=1e-8, max_iters=1000, seed=0):\n"
            f"    v = {start}\n"
            f"    v = v / np.linalg.norm(v)\n"
            f"    estimate = None\n"
            f"    for _ in {loop}:\n"
            f"        hv = hvp(v)\n"
            f"        now = {value}\n"
            f"{check}"
            f"        estimate = now\n"
            f"        v = {step}\n"
            f"    return {returned}")


POWER = {
    # v is never normalised: v·(Hv) grows like λ^(2k+1), and overflows
    "no_normalising": power(step="hv"),
    # returns the eigenvector found instead of the eigenvalue
    "vector": power(loop="range(200)", stop=False, returned="v"),
    # ‖Hv‖ instead of the Rayleigh quotient: right but for the sign
    "sign": power(value="float(np.linalg.norm(hv))"),
    # a fixed start that can be orthogonal to the top eigenvector
    "ones_start": power(start="np.ones(dim)"),
    # a fixed number of iterations, whatever the tolerance
    "fixed_iterations": power(loop="range(30)", stop=False),
}

#: mistake -> (cells replaced in a correct submission, the points it leaves in the test cells it affects)
MISTAKES = {
    "ex1_hard_coded": ({"ex1_tune": TUNE["hard_coded"]}, {"test_ex1_wider": 0, "test_ex1_optimizer": 0}),
    "ex1_overspends": ({"ex1_tune": TUNE["overspends"]}, {gid: 0 for gid in TUNE_CELLS}),
    "ex1_ignores_budget": ({"ex1_tune": TUNE["ignores_budget"]},
                           {"test_ex1_wider": 0, "test_ex1_optimizer": 0, "test_ex1_datasets": 0}),
    "ex3_forward": ({"ex3_hvp_central": HVP["forward"]}, {"test_ex3_hvp": 0}),
    "ex3_no_half": ({"ex3_hvp_central": HVP["no_half"]}, {"test_ex3_hvp": 0}),
    "ex4_no_normalising": ({"ex4_top_eigenvalue": POWER["no_normalising"]}, {"test_ex4_power": 0, "test_ex4_edges": 0}),
    "ex4_vector": ({"ex4_top_eigenvalue": POWER["vector"]}, {"test_ex4_power": 0, "test_ex4_edges": 0}),
    "ex4_sign": ({"ex4_top_eigenvalue": POWER["sign"]}, {"test_ex4_power": 0}),
    "ex4_ones_start": ({"ex4_top_eigenvalue": POWER["ones_start"]}, {"test_ex4_edges": 0}),
    "ex4_fixed_iterations": ({"ex4_top_eigenvalue": POWER["fixed_iterations"]}, {"test_ex4_edges": 0}),
}

#: Simulated learners, at most one mistake per exercise (the exercises are independent).
STUDENTS = {
    "hard_coded_forward_sign": ["ex1_hard_coded", "ex3_forward", "ex4_sign"],
    "overspends_nohalf_ones": ["ex1_overspends", "ex3_no_half", "ex4_ones_start"],
    "ignores_budget_fixed_iterations": ["ex1_ignores_budget", "ex4_fixed_iterations"],
    "no_normalising": ["ex4_no_normalising"],
    "returns_vector": ["ex4_vector"],
}

WIDER = "tune(digits 64-128-10 tanh (seed 1), sgd, momentum=0.9, batch 8, budget 1500)"
ADAM = "tune(digits 64-32-32-10 relu (seed 3), adam, batch 32, budget 1000)"

#: (student, grade cell, words its failure message must contain): the hint names the mistake.
HINTS = [
    ("hard_coded_forward_sign", "test_ex1_wider", "a rate fixed in advance does not carry over"),
    ("hard_coded_forward_sign", "test_ex1_optimizer", "a rate fixed in advance does not carry over"),
    ("overspends_nohalf_ones", "test_ex1_digits", "every step counts (the range test, each run of a sweep"),
    ("ignores_budget_fixed_iterations", "test_ex1_datasets", "plan from the budget you are given"),
    ("hard_coded_forward_sign", "test_ex3_hvp", "that is a forward difference"),
    ("overspends_nohalf_ones", "test_ex3_hvp", "the two points are 2·eps apart"),
    ("no_normalising", "test_ex4_power", "normalise v at every iteration"),
    ("returns_vector", "test_ex4_power", "you returned the vector; return the eigenvalue"),
    ("hard_coded_forward_sign", "test_ex4_power", "‖Hv‖ is the size of the eigenvalue, not its sign"),
    ("overspends_nohalf_ones", "test_ex4_edges", "start from a random vector"),
    ("ignores_budget_fixed_iterations", "test_ex4_edges", "not after a fixed number of them"),
]

#: (student, grade cell, the hidden case its failure names): the visible example passed, a hidden one did not.
HIDDEN_FAILURES = [
    ("hard_coded_forward_sign", "test_ex1_wider", WIDER),
    ("hard_coded_forward_sign", "test_ex1_optimizer", ADAM),
    ("ignores_budget_fixed_iterations", "test_ex1_wider", WIDER),
    ("ignores_budget_fixed_iterations", "test_ex1_optimizer", ADAM),
    ("ignores_budget_fixed_iterations", "test_ex1_datasets",
     "tune(wine 13-16-3 tanh (seed 4), sgd, momentum=0.9, batch 16, budget 400)"),
    ("hard_coded_forward_sign", "test_ex3_hvp",
     "hvp_central(grad of the quartic, theta=[1.0, -2.0, 0.5, 3.0], v=[1.0, 0.5, -1.0, 2.0], eps=0.001)"),
    ("hard_coded_forward_sign", "test_ex4_power", "top_eigenvalue(H with eigenvalues [-6, 1, 2], random basis)"),
    ("overspends_nohalf_ones", "test_ex4_edges", "top_eigenvalue(H with eigenvalues [4, 3, 1, -2], hidden basis)"),
    ("ignores_budget_fixed_iterations", "test_ex4_edges",
     "top_eigenvalue(H with eigenvalues [10, 9.6, 1, 0.5, -3, 2], random basis)"),
]


class TestGrading(LessonGrading):
    lesson = LESSON
    answers = ["ex1_tune", "ex3_hvp_central", "ex4_top_eigenvalue"]
    points, manual, autograded_max = POINTS, MANUAL, 13
    mistakes, students, hints, hidden_failures = MISTAKES, STUDENTS, HINTS, HIDDEN_FAILURES
