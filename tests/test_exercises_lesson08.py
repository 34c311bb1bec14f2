"""Lesson 08's exercise checks (lrlab.course.exercises.lesson08): right answers pass, each mistake gets its hint.

The capstone's pass marks are measured here: every graded case of the lesson's test cells (read from
the solution notebook, hidden ones included) is run with the lesson's reference ``tune`` and with
other reasonable procedures, and each must clear its pass mark with a margin; a rate hard-coded from
the digits must fail some of them.
"""
import ast
import re

import nbformat
import numpy as np
import pytest

from lrlab.optim import schedules
from lrlab.course.checks import LessonCheckError
from lrlab.course.exercises import lesson08 as ex
from lrlab.course.exercises.lesson08 import HINTS, TuneCase
from lrlab.studies.tuning import TuningProblem
from nbcourse import grade_cells, solution_path, strip_markers

LESSON = "08-goldilocks"
MARGIN = 0.015   # every reasonable procedure must clear each pass mark by at least this much


def solution_cells():
    return grade_cells(nbformat.read(solution_path(LESSON), as_version=4))


def reference_tune():
    """The lesson's own ``tune``: the function defined in the solution's answer cell (not the example call)."""
    tree = ast.parse(strip_markers(solution_cells()["ex1_tune"].source))
    namespace = {"np": np, "schedules": schedules}
    exec(compile(ast.Module([n for n in tree.body if isinstance(n, ast.FunctionDef)], []), "ex1_tune", "exec"),
         namespace)
    return namespace["tune"]


def graded_cases():
    """(test cell, TuneCase) for every check_tune call of the lesson's test cells, hidden ones included."""
    out = []
    for gid, cell in solution_cells().items():
        if not gid.startswith("test_ex1"):
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check_tune":
                case = eval(ast.get_source_segment(cell.source, node.args[1]), {"TuneCase": TuneCase})
                out.append((gid, case))
    return out


# ----------------------------------------------------------------------------- tune: learners
def hard_coded(problem, budget, lr=0.3):
    """A rate found on the digits recipe, used everywhere with a cosine decay over the budget."""
    schedule = schedules.cosine_annealing(lr, T_max=budget)
    return lr, schedule, problem.train(schedule, budget).params


def overspends(problem, budget):
    problem.range_test(1e-4, 10.0, num_steps=50)
    return hard_coded(problem, budget)


def valley_warmup(problem, budget):
    test = problem.range_test(start_lr=1e-5, end_lr=10.0, num_steps=max(budget // 10, 20))
    grid = test.suggest("valley") * np.logspace(-1, 1, 5)
    runs = problem.sweep(grid, (budget // 2) // len(grid))
    lr = float(grid[np.nanargmin(runs.val_loss)])
    left = problem.budget.left
    schedule = schedules.warmup_cosine(lr, warmup_steps=left // 10, total_steps=left)
    return lr, schedule, problem.train(schedule, left).params


def sweep_only(problem, budget):
    grid = np.logspace(-4, 0, 9)
    runs = problem.sweep(grid, (budget // 2) // len(grid))
    lr = float(grid[np.nanargmin(runs.val_loss)])
    schedule = schedules.cosine_annealing(lr, T_max=problem.budget.left)
    return lr, schedule, problem.train(schedule, problem.budget.left).params


def continue_the_best(problem, budget):
    test = problem.range_test(start_lr=1e-4, end_lr=10.0, num_steps=max(budget // 20, 20))
    grid = 10 * test.suggest("minimum/10") * np.logspace(-2, 0, 5)
    runs = problem.sweep(grid, (budget // 3) // len(grid))
    i = int(np.nanargmin(runs.val_loss))
    schedule = schedules.cosine_annealing(float(grid[i]), T_max=problem.budget.left)
    return float(grid[i]), schedule, problem.train(schedule, problem.budget.left, params=runs.run(i).params).params


SMALL = TuneCase("wine", hidden=(8,), batch_size=16, budget=200, min_accuracy=0.8)


def message(tune, case=SMALL):
    with pytest.raises(LessonCheckError) as info:
        ex.check_tune(tune, case)
    return str(info.value)


def test_a_reasonable_tune_passes_a_small_case():
    ex.check_tune(reference_tune(), SMALL)


def test_a_tune_that_overspends_is_stopped_and_told_to_count_its_steps():
    text = message(overspends)
    assert f"tune({SMALL}): expected at most 200 steps" in text and HINTS["budget"] in text


def test_a_tune_must_return_three_things():
    text = message(lambda problem, budget: problem.train(0.1, budget).params)
    assert HINTS["shape"] in text


def test_the_rate_must_be_a_positive_number():
    text = message(lambda problem, budget: ("0.1", schedules.constant(0.1), problem.train(0.1, budget).params))
    assert "its rate: expected 'a number', got '0.1'" in text
    text = message(lambda problem, budget: (-0.1, schedules.constant(0.1), problem.train(0.1, budget).params))
    assert HINTS["lr"] in text


def test_the_schedule_must_be_a_function():
    text = message(lambda problem, budget: (0.1, 0.1, problem.train(0.1, budget).params))
    assert HINTS["schedule"] in text


def test_parameters_trained_outside_the_problem_are_refused():
    def outside(problem, budget):
        run = problem.train(0.1, 10)
        params = {k: a + 0.0 for k, a in run.params.items()}
        params["b1"] = params["b1"] + 1e-9            # one tiny change: no longer what the budget paid for
        return 0.1, schedules.constant(0.1), params

    assert HINTS["foreign"] in message(outside)


def test_a_diverged_final_run_is_named():
    relu = TuneCase("wine", hidden=(8,), activation="relu", batch_size=16, budget=200, min_accuracy=0.8)
    text = message(lambda problem, budget: (1e4, schedules.constant(1e4), problem.train(1e4, budget).params), relu)
    assert "got a run that diverged" in text and HINTS["diverged"] in text


def test_a_rate_far_too_small_fails_on_accuracy():
    text = message(lambda problem, budget: (1e-5, schedules.constant(1e-5), problem.train(1e-5, budget).params))
    assert "expected a validation accuracy of at least 0.80, got" in text and HINTS["accuracy"] in text


def test_tune_case_builds_the_recipe_it_names():
    case = TuneCase(hidden=(64, 64), activation="relu", optimizer="rmsprop", options=(), batch_size=16, budget=50)
    problem = case.problem()
    assert isinstance(problem, TuningProblem)
    assert (problem.optimizer, problem.options, problem.batch_size, problem.budget.total) == ("rmsprop", {}, 16, 50)
    assert str(case) == "digits 64-64-64-10 relu (seed 0), rmsprop, batch 16, budget 50"
    assert str(TuneCase()) == "digits 64-32-10 tanh (seed 0), sgd, momentum=0.9, batch 32, budget 2000"


def test_attempt_and_fixed_rate_tune_report_without_grading():
    spent, lr, accuracy = ex.attempt(ex.fixed_rate_tune(1e-5), SMALL)
    assert (spent, lr) == (200, 1e-5) and accuracy < SMALL.min_accuracy


# ----------------------------------------------------------------------------- tune: the pass marks
def test_the_lesson_grades_the_designed_cases():
    cells = {}
    for gid, case in graded_cases():
        cells.setdefault(gid, []).append(case)
    assert cells["test_ex1_digits"] == [TuneCase(), TuneCase(seed=1), TuneCase(seed=2)]
    assert [c.dataset for c in cells["test_ex1_datasets"]] == ["wine", "breast_cancer"]
    assert all(c.budget < 2000 for gid in ("test_ex1_wider", "test_ex1_optimizer", "test_ex1_datasets")
               for c in cells[gid]), "the hidden problems have smaller budgets"
    assert cells["test_ex1_optimizer"][0].optimizer != "sgd"


@pytest.fixture(scope="module")
def reached():
    """Validation accuracy of every procedure on every graded case (the measurement behind the pass marks)."""
    procedures = {"reference": reference_tune(), "valley + warmup": valley_warmup, "sweep only": sweep_only,
                  "continue the best": continue_the_best, "hard-coded 0.3": hard_coded}
    return {(gid, case): {name: ex.attempt(tune, case)[2] for name, tune in procedures.items()}
            for gid, case in graded_cases()}


@pytest.mark.slow
def test_every_reasonable_procedure_clears_every_pass_mark_with_a_margin(reached):
    short = [(str(case), name, round(acc, 3), case.min_accuracy) for (gid, case), got in reached.items()
             for name, acc in got.items() if name != "hard-coded 0.3" and not acc >= case.min_accuracy + MARGIN]
    assert not short, f"procedures too close to (or below) a pass mark: {short}"


@pytest.mark.slow
def test_a_rate_hard_coded_from_the_digits_fails_the_wider_and_the_adam_problems(reached):
    verdict = {gid: all(got["hard-coded 0.3"] >= case.min_accuracy for (g, case), got in reached.items() if g == gid)
               for gid in {g for g, _ in reached}}
    assert verdict == {"test_ex1_digits": True, "test_ex1_wider": False, "test_ex1_optimizer": False,
                       "test_ex1_datasets": True}


# ----------------------------------------------------------------------------- hvp by differences
def central(grad, theta, v, eps=1e-4):
    return (grad(theta + eps * v) - grad(theta - eps * v)) / (2 * eps)


HVP_MISTAKES = {
    "forward": lambda g, t, v, eps=1e-4: (g(t + eps * v) - g(t)) / eps,
    "no_half": lambda g, t, v, eps=1e-4: (g(t + eps * v) - g(t - eps * v)) / eps,
    "swapped": lambda g, t, v, eps=1e-4: (g(t - eps * v) - g(t + eps * v)) / (2 * eps),
    "not_divided": lambda g, t, v, eps=1e-4: g(t + eps * v) - g(t - eps * v),
    "normalised": lambda g, t, v, eps=1e-4: central(g, t, v / np.linalg.norm(v), eps),
}
VISIBLE_HVP = ("quadratic", [1.0, -2.0, 0.5], [0.3, 1.0, -2.0])
HIDDEN_HVP = ("quartic", [1.0, -2.0, 0.5, 3.0], [1.0, 0.5, -1.0, 2.0], 1e-3)


@pytest.mark.parametrize("name", sorted(ex.GRADIENTS))
def test_the_exact_products_are_the_gradients_derivatives(name):
    grad, exact = ex.GRADIENTS[name]
    theta, v = np.array([0.4, -1.2, 0.9]), np.array([1.0, 2.0, -0.5])
    np.testing.assert_allclose(central(grad, theta, v, 1e-5), exact(theta, v), rtol=1e-7, atol=1e-9)


def test_the_central_difference_passes_every_case():
    for case in (VISIBLE_HVP, HIDDEN_HVP, ("softplus", [0.5, -1.0, 2.0], [2.0, -1.0, 0.5], 1e-3)):
        ex.check_hvp(central, *case)


@pytest.mark.parametrize("mistake", sorted(HVP_MISTAKES))
def test_each_hvp_mistake_gets_its_hint(mistake):
    case = HIDDEN_HVP if mistake == "forward" else VISIBLE_HVP
    with pytest.raises(LessonCheckError, match=re.escape("Hint: " + HINTS[mistake][:30])):
        ex.check_hvp(HVP_MISTAKES[mistake], *case)


def test_a_forward_difference_is_exact_on_the_visible_quadratic():
    ex.check_hvp(HVP_MISTAKES["forward"], *VISIBLE_HVP)


# ----------------------------------------------------------------------------- power iteration
def power(hvp, dim, tol=1e-8, max_iters=1000, seed=0, start=None, normalise=True, value="rayleigh", fixed=None):
    v = np.random.default_rng(seed).standard_normal(dim) if start is None else start(dim)
    v = v / np.linalg.norm(v)
    estimate = None
    for _ in range(fixed or max_iters):
        hv = hvp(v)
        now = float(v @ hv) if value == "rayleigh" else float(np.linalg.norm(hv))
        if fixed is None and estimate is not None and abs(now - estimate) <= tol * abs(now):
            return now
        estimate = now
        v = hv / np.linalg.norm(hv) if normalise else hv
    return v if value == "vector" else estimate


def _quiet(fn, *args, **kwargs):
    with np.errstate(over="ignore", invalid="ignore"):
        return fn(*args, **kwargs)


POWER_MISTAKES = {
    "no_normalising": lambda hvp, dim, **kw: _quiet(power, hvp, dim, normalise=False),
    "vector": lambda hvp, dim, **kw: power(hvp, dim, value="vector", fixed=200),
    "sign": lambda hvp, dim, **kw: power(hvp, dim, value="norm"),
    "start": lambda hvp, dim, **kw: power(hvp, dim, start=np.ones),
    "iterations": lambda hvp, dim, **kw: power(hvp, dim, fixed=30),
}
#: the case each mistake fails on first
POWER_CASES = {"no_normalising": ([1.0, 2.0, 5.0], "standard", 0), "vector": ([1.0, 2.0, 5.0], "standard", 0),
               "sign": ([-6.0, 1.0, 2.0], "random", 2), "start": ([4.0, 3.0, 1.0, -2.0], "hidden", 4),
               "iterations": ([10.0, 9.6, 1.0, 0.5, -3.0, 2.0], "random", 5)}


def test_symmetric_matrix_has_the_eigenvalues_asked_for():
    for basis in ("standard", "random", "hidden"):
        H = ex.symmetric_matrix([4.0, 3.0, 1.0, -2.0], basis, seed=4)
        np.testing.assert_allclose(H, H.T, atol=1e-12)
        np.testing.assert_allclose(np.linalg.eigvalsh(H), [-2.0, 1.0, 3.0, 4.0], atol=1e-12)
    H = ex.symmetric_matrix([4.0, 3.0, 1.0, -2.0], "hidden", seed=4)
    top = np.linalg.eigh(H)[1][:, -1]
    assert abs(top @ np.ones(4)) < 1e-12 and abs(top[0]) < 1e-12, "the top eigenvector hides from fixed starts"


def test_power_iteration_passes_every_case():
    for case in [*POWER_CASES.values(), ([7.0, 0.5, 3.0, -1.0], "random", 1), ([2e6, 3e5, -1e5, 4e4], "random", 3)]:
        ex.check_top_eigenvalue(power, *case, rtol=1e-5)


@pytest.mark.parametrize("mistake", sorted(POWER_MISTAKES))
def test_each_power_iteration_mistake_gets_its_hint(mistake):
    lam, basis, seed = POWER_CASES[mistake]
    with pytest.raises(LessonCheckError, match=re.escape("Hint: " + HINTS[mistake][:30])):
        ex.check_top_eigenvalue(POWER_MISTAKES[mistake], lam, basis, seed, rtol=1e-5)


@pytest.mark.parametrize("mistake", ["sign", "start", "iterations"])
def test_the_subtle_mistakes_pass_the_visible_example(mistake):
    ex.check_top_eigenvalue(POWER_MISTAKES[mistake], [1.0, 2.0, 5.0])


def test_a_lying_answer_is_not_trusted():
    class Agreeable(float):
        def __eq__(self, other):
            return True

        __hash__ = float.__hash__

    with pytest.raises(LessonCheckError, match="Agreeable"):
        ex.check_top_eigenvalue(lambda hvp, dim, **kw: Agreeable(1.0), [1.0, 2.0, 5.0])
