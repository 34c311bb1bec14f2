"""Lesson 08's exercise checks: a tuning procedure graded on problems it has not seen, a Hessian-vector
product by differences of gradients, and power iteration for the top eigenvalue.

``check_tune(tune, case)`` builds the :class:`lrlab.studies.tuning.TuningProblem` that ``case`` (a
:class:`TuneCase`) describes, runs the learner's ``tune(problem, budget)`` on it and passes when the
parameters it returns were trained through that problem within the budget and reach the case's
validation accuracy. The hidden test cells use cases the learner never sees; the thresholds come from
what reasonable procedures reach (``tests/test_exercises_lesson08.py`` measures the margins).

``check_hvp`` and ``check_top_eigenvalue`` compare with the exact answer and name the usual mistakes
(:data:`HINTS`). Learner values are only compared after a faithful conversion (:mod:`lrlab.course.checks`).

>>> check_top_eigenvalue(lambda hvp, dim, **kw: 5.0, [1.0, 2.0, 5.0])
>>> check_top_eigenvalue(lambda hvp, dim, **kw: 6.0, [-6.0, 1.0, 2.0])
Traceback (most recent call last):
...
lrlab.course.checks.LessonCheckError: top_eigenvalue(H with eigenvalues [-6, 1, 2]): expected -6, got 6. Hint: ‖Hv‖ is the size of the eigenvalue, not its sign: return the Rayleigh quotient v·(Hv) of the unit vector v, which keeps the sign
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lrlab.course.checks import LessonCheckError, expect_number, fail, plain
from lrlab.studies.tuning import BudgetExceeded, TuningProblem
from lrlab.course import owncode

__all__ = ["HINTS", "TuneCase", "check_tune", "PRACTICE", "attempt", "fixed_rate_tune", "GRADIENTS", "check_hvp",
           "check_top_eigenvalue", "symmetric_matrix"]


#: What each exercise's answer may not call, by the learner's function: the lrlab code that computes it
#: (dotted names: modules, classes, functions; plain names: this module's own helpers). The checks run
#: the learner's function under :func:`lrlab.course.owncode.traced`, which fails a test whose answer
#: calls any of them (or the check's own reference solution) under whatever name.
OWN_CODE = (("tune", ("fixed_rate_tune",)),
            ("hvp_central", ("lrlab.train.curvature", "_quadratic_hvp", "_quartic_hvp", "_softplus_hvp",
                             "_hvp_mistakes")),
            ("top_eigenvalue", ("lrlab.train.curvature",)))


def _own(fn, exercise, *references):
    """The learner's ``fn`` as the checks call it: under the tracer of :mod:`lrlab.course.owncode`."""
    return owncode.traced(fn, exercise, OWN_CODE, globals(), *references)


#: Every hint, by mistake. The grading tests look for these exact words.
HINTS = {
    "budget": ("your tune asked for more steps than the budget allows; every step counts (the range test, "
               "each run of a sweep, the final run): plan from the budget you are given and use "
               "problem.budget.left for the last run"),
    "shape": "return three things: (lr, schedule, params), the rate, the schedule of the final run and its parameters",
    "lr": "the first item is the learning rate you chose: one positive number",
    "schedule": "the second item is the schedule of the final run: a function step -> lr (or an lrlab schedule)",
    "foreign": ("these parameters were not trained through the problem (or were changed afterwards): return "
                "the .params of a run made by problem.train or problem.sweep"),
    "diverged": ("the final run diverged: the rate (or the peak of the schedule) is too large for this problem; "
                 "measure where the loss blows up with a range test and stay below it"),
    "accuracy": ("the rate you chose did not train this network well within the budget; a rate fixed in "
                 "advance does not carry over to another network, batch size or optimizer: measure it on "
                 "each problem (a range test, then a short sweep around what it suggests)"),
    "forward": ("that is a forward difference (g(θ + eps·v) − g(θ)) / eps, whose error shrinks only like eps; "
                "take the central difference (g(θ + eps·v) − g(θ − eps·v)) / (2·eps)"),
    "no_half": "the two points are 2·eps apart: divide the difference of the gradients by 2·eps, not eps",
    "swapped": "the sign is flipped: the difference is g(θ + eps·v) − g(θ − eps·v)",
    "not_divided": "divide the difference of the two gradients by 2·eps",
    "normalised": ("H·v grows with the length of v: use v as it is given (or multiply the result back by "
                   "‖v‖ if you normalised it)"),
    "vector": ("you returned the vector; return the eigenvalue: the Rayleigh quotient v·(Hv) of the last unit "
               "vector v"),
    "sign": ("‖Hv‖ is the size of the eigenvalue, not its sign: return the Rayleigh quotient v·(Hv) of the "
             "unit vector v, which keeps the sign"),
    "no_normalising": ("normalise v at every iteration (v = Hv / ‖Hv‖): without it v grows like λ^k, and "
                       "v·(Hv) is no longer the eigenvalue (or it overflows)"),
    "start": ("start from a random vector (np.random.default_rng(seed).standard_normal(dim)): a fixed start "
              "such as np.ones(dim) can have no component along the top eigenvector, and then power "
              "iteration never finds it"),
    "iterations": ("stop when the estimate changes by less than tol·|estimate| between two iterations (up to "
                   "max_iters), not after a fixed number of them: when the two largest eigenvalues are close, "
                   "power iteration needs many steps"),
}


# --------------------------------------------------------------------------- exercise 1: tune
@dataclass(frozen=True)
class TuneCase:
    """A problem for ``tune``: a network on a dataset, a recipe (optimizer, batch size), a budget and a pass mark.

    ``options`` are the optimizer's keyword options as ``(name, value)`` pairs (the dataclass is
    frozen, so not a dict). ``min_accuracy`` is the validation accuracy the returned parameters
    must reach.
    """

    dataset: str = "digits"
    hidden: tuple = (32,)
    activation: str = "tanh"
    seed: int = 0
    optimizer: str = "sgd"
    options: tuple = (("momentum", 0.9),)
    batch_size: int = 32
    budget: int = 2000
    min_accuracy: float = 0.93

    def net(self):
        from lrlab.problems.tabular import TabularMLP

        return TabularMLP(self.dataset, hidden=self.hidden, activation=self.activation, init_seed=self.seed)

    def problem(self) -> TuningProblem:
        """A fresh :class:`lrlab.studies.tuning.TuningProblem` with its whole budget left."""
        net = self.net()
        return TuningProblem(net, self.budget, optimizer=self.optimizer, options=dict(self.options),
                             batch_size=self.batch_size, name=f"{net.name.rsplit(' (', 1)[0]} ({self.dataset}, "
                                                            f"seed {self.seed})")

    def __str__(self):
        sizes = "-".join(map(str, self.net().sizes))
        opts = "".join(f", {k}={val!r}" for k, val in self.options)
        return (f"{self.dataset} {sizes} {self.activation} (seed {self.seed}), {self.optimizer}{opts}, "
                f"batch {self.batch_size}, budget {self.budget}")


def _refuse(call, what, hint, got=None):
    raise LessonCheckError(f"{call}: expected {what}{'' if got is None else ', got ' + got}. Hint: {hint}")


def check_tune(tune, case: TuneCase) -> None:
    """Run ``tune(problem, budget)`` on ``case``'s problem; pass when its parameters reach ``case.min_accuracy``."""
    tune = _own(tune, "tune")
    if not callable(tune):
        raise TypeError(f"tune must be the function you wrote, got {type(tune).__name__}")
    problem = case.problem()
    call = f"tune({case})"
    try:
        result = tune(problem, case.budget)
    except BudgetExceeded as exc:
        raise LessonCheckError(f"{call}: expected at most {case.budget} steps, got a request past the budget "
                               f"({exc}). Hint: {HINTS['budget']}") from None
    if type(result) not in (tuple, list) or len(result) != 3:
        got = f"{len(result)} items" if type(result) in (tuple, list) else f"a {type(result).__name__}"
        _refuse(call, "a tuple (lr, schedule, params)", HINTS["shape"], got)
    lr = expect_number(f"{call}, its rate", result[0], HINTS["lr"])
    if not (np.isfinite(lr) and lr > 0):
        _refuse(f"{call}, its rate", "a positive learning rate", HINTS["lr"], f"{lr:g}")
    if not callable(result[1]):
        _refuse(f"{call}, its schedule", "a function step -> lr", HINTS["schedule"], f"a {type(result[1]).__name__}")
    first = expect_number(f"{call}, its schedule(0)", result[1](0), HINTS["schedule"])
    if not (np.isfinite(first) and first >= 0):
        _refuse(f"{call}, its schedule(0)", "a rate >= 0", HINTS["schedule"], f"{first:g}")
    params = plain(f"{call}, its params", result[2], like={}, hint=HINTS["foreign"])
    ledger = problem.budget.ledger
    if (problem.budget.spent > case.budget or problem.budget.total != case.budget
            or problem.budget.spent != sum(steps for _, steps in ledger) or any(steps < 0 for _, steps in ledger)):
        _refuse(call, f"at most {case.budget} steps, counted by the problem", HINTS["budget"])  # only by tampering
    if not isinstance(params, dict) or not problem.made_here(params):
        _refuse(call, "parameters trained by this problem", HINTS["foreign"])
    loss, accuracy = problem.evaluate(params)
    if problem.from_a_diverged_run(params) or not np.isfinite(loss) or not np.isfinite(accuracy):
        raise LessonCheckError(f"{call}: expected a validation accuracy of at least {case.min_accuracy:.2f}, "
                               f"got a run that diverged (lr = {lr:.3g}). Hint: {HINTS['diverged']}")
    if accuracy < case.min_accuracy:
        raise LessonCheckError(f"{call}: expected a validation accuracy of at least {case.min_accuracy:.2f}, "
                               f"got {accuracy:.3f} (lr = {lr:.3g}). Hint: {HINTS['accuracy']}")


#: Two practice problems of the kind the hidden tests use (not the hidden ones): a deeper ReLU network
#: trained with RMSprop on minibatches of 16, and a small network on the wine data with Adam.
PRACTICE = [TuneCase(hidden=(64, 64), activation="relu", optimizer="rmsprop", options=(), batch_size=16,
                     budget=1200, min_accuracy=0.92),
            TuneCase("wine", hidden=(8,), seed=5, optimizer="adam", options=(), batch_size=16, budget=300,
                     min_accuracy=0.90)]


def attempt(tune, case: TuneCase) -> tuple:
    """Run ``tune`` on a fresh problem of ``case`` without grading it: ``(steps spent, rate, validation accuracy)``."""
    problem = case.problem()
    lr, _, params = tune(problem, case.budget)
    return problem.budget.spent, float(lr), problem.evaluate(params)[1]


def fixed_rate_tune(lr):
    """A "tune" that measures nothing: cosine annealing from the fixed rate ``lr`` over the whole budget."""
    from lrlab.optim import schedules

    def tune(problem, budget):
        schedule = schedules.cosine_annealing(lr, T_max=budget)
        return lr, schedule, problem.train(schedule, budget).params

    return tune


# --------------------------------------------------------------------------- exercise 3: hvp by differences
def _quadratic_grad(theta):
    A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, -1.0], [0.0, -1.0, 4.0]])
    return A @ theta


def _quartic_grad(theta):  # f = Σ θ⁴/4 + Σ θ_i θ_{i+1}
    g = theta ** 3
    g[:-1] += theta[1:]
    g[1:] += theta[:-1]
    return g


def _softplus_grad(theta):  # f = Σ log(1 + e^{θ_i}) · (i + 1)
    return np.arange(1, theta.size + 1) / (1.0 + np.exp(-theta))


def _quadratic_hvp(theta, v):
    return _quadratic_grad(v)


def _quartic_hvp(theta, v):
    out = 3.0 * theta ** 2 * v
    out[:-1] += v[1:]
    out[1:] += v[:-1]
    return out


def _softplus_hvp(theta, v):
    s = 1.0 / (1.0 + np.exp(-theta))
    return np.arange(1, theta.size + 1) * s * (1.0 - s) * v


#: The gradient functions the hvp checks use: name -> (gradient, exact Hessian-vector product).
GRADIENTS = {"quadratic": (_quadratic_grad, _quadratic_hvp), "quartic": (_quartic_grad, _quartic_hvp),
             "softplus": (_softplus_grad, _softplus_hvp)}


def _hvp_mistakes(hvp_reference, grad, theta, v, eps):
    plus, minus, here = grad(theta + eps * v), grad(theta - eps * v), grad(theta)
    unit = v / np.linalg.norm(v)
    return [((plus - here) / eps, "forward"), ((plus - minus) / eps, "no_half"),
            ((minus - plus) / (2.0 * eps), "swapped"), (plus - minus, "not_divided"),
            (hvp_reference(grad, theta, unit, eps), "normalised")]


def check_hvp(hvp_central, name, theta, v, eps=1e-4) -> None:
    """``hvp_central(grad, theta, v, eps)`` must be the central difference of ``GRADIENTS[name]``'s gradient.

    Passes when the answer is within ``1e-6`` (relative to ``|Hv|``) of the exact product, which
    only the central difference reaches for these functions and steps.
    """
    def hvp_reference(grad, theta, v, eps):
        """The central difference ``(grad(θ + eps·v) − grad(θ − eps·v)) / (2·eps)``."""
        return (grad(theta + eps * v) - grad(theta - eps * v)) / (2.0 * eps)

    hvp_central = _own(hvp_central, "hvp_central", hvp_reference)
    if not callable(hvp_central):
        raise TypeError(f"hvp_central must be the function you wrote, got {type(hvp_central).__name__}")
    grad, exact = GRADIENTS[name]
    theta, v = np.array(theta, dtype=float), np.array(v, dtype=float)
    call = f"hvp_central(grad of the {name}, theta={theta.tolist()}, v={v.tolist()}, eps={eps:g})"
    got = plain(call, hvp_central(grad, theta.copy(), v.copy(), eps), like=np.zeros(1))
    try:
        got = np.array(got, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        fail(call, "an array of numbers", got, "return grad differences as a numpy array")
    want = exact(theta, v)
    scale = 1e-6 * max(float(np.linalg.norm(want)), 1.0)
    if got.shape != want.shape:
        fail(call, want, got, f"return an array of {want.size} numbers, the shape of theta")
    for wrong, key in _hvp_mistakes(hvp_reference, grad, theta, v, eps):
        if np.linalg.norm(got - wrong) <= 1e-9 * max(float(np.linalg.norm(wrong)), 1.0) and \
                np.linalg.norm(wrong - want) > scale:
            fail(call, want, got, HINTS[key])
    if not np.all(np.isfinite(got)) or np.linalg.norm(got - want) > scale:
        fail(call, want, got, "(grad(theta + eps·v) − grad(theta − eps·v)) / (2·eps)")


# --------------------------------------------------------------------------- exercise 4: power iteration
def symmetric_matrix(eigenvalues, basis="standard", seed=0) -> np.ndarray:
    """A symmetric matrix with these eigenvalues (the first belongs to the first basis vector).

    ``basis``: "standard" (a diagonal matrix), "random" (a random orthonormal basis from ``seed``)
    or "hidden" (the first eigenvector is (e₂ − e₃)/√2, orthogonal to ``np.ones`` and to ``e₁``,
    so a start at either of those never sees it).
    """
    lam = np.array(eigenvalues, dtype=float)
    n = lam.size
    if basis == "standard":
        return np.diag(lam)
    gen = np.random.default_rng(seed)
    M = gen.standard_normal((n, n))
    if basis == "hidden":
        u = np.zeros(n)
        u[1], u[2] = 1.0, -1.0
        M[:, 0] = u
    Q, R = np.linalg.qr(M)
    Q *= np.sign(np.diag(R))
    return (Q * lam) @ Q.T


def check_top_eigenvalue(top_eigenvalue, eigenvalues, basis="standard", seed=0, rtol=1e-6) -> None:
    """``top_eigenvalue(hvp, dim)`` on the matrix of :func:`symmetric_matrix` must give its dominant eigenvalue.

    The dominant eigenvalue is the one of largest magnitude, with its sign. The learner's function
    receives ``hvp = lambda x: H @ x`` and ``dim``, and is called with its own defaults.
    """
    top_eigenvalue = _own(top_eigenvalue, "top_eigenvalue")
    if not callable(top_eigenvalue):
        raise TypeError(f"top_eigenvalue must be the function you wrote, got {type(top_eigenvalue).__name__}")
    H = symmetric_matrix(eigenvalues, basis, seed)
    lam = np.linalg.eigvalsh(H)
    want = float(lam[np.argmax(np.abs(lam))])
    shown = "[" + ", ".join(f"{x:g}" for x in eigenvalues) + "]"
    call = f"top_eigenvalue(H with eigenvalues {shown}" + ("" if basis == "standard" else f", {basis} basis") + ")"
    got = plain(call, top_eigenvalue(lambda x: H @ np.asarray(x, dtype=float), H.shape[0]), like=1.0)
    if isinstance(got, (list, tuple)) or (isinstance(got, np.ndarray) and got.size > 1):
        fail(call, want, got, HINTS["vector"])
    value = expect_number(call, got)
    close = abs(value - want) <= rtol * abs(want)
    if close:
        return
    if not np.isfinite(value) or abs(value) > 1.01 * float(np.max(np.abs(lam))):
        fail(call, want, value, HINTS["no_normalising"])
    if abs(value + want) <= rtol * abs(want):
        fail(call, want, value, HINTS["sign"])
    others = lam[np.abs(lam - want) > rtol * abs(want)]
    if others.size and np.min(np.abs(others - value)) <= 1e-4 * abs(want):
        fail(call, want, value, HINTS["start"])
    if abs(value - want) <= 0.05 * abs(want):
        fail(call, want, value, HINTS["iterations"])
    fail(call, want, value, "repeat v = Hv / ‖Hv‖ from a random unit vector and return the Rayleigh quotient v·(Hv)")
