r"""Closed-form learning-rate theory for quadratics.

On :math:`f(x) = \tfrac12 (x - x^*)^\top A (x - x^*)` one gradient-descent step
is linear: :math:`x_{k+1} - x^* = (I - \eta A)(x_k - x^*)`. Along the
eigenvector with eigenvalue :math:`\lambda` the error is multiplied by
:math:`q = 1 - \eta\lambda` every step, so everything about a fixed learning
rate :math:`\eta` follows from the numbers :math:`q`:

* stable exactly when every :math:`|q| < 1`, i.e. :math:`0 < \eta < 2/L` with
  :math:`L = \lambda_{max}` (the *stability limit*);
* in 1-D, :math:`\eta < 1/L` creeps monotonically (:math:`0 < q < 1`),
  :math:`\eta = 1/L` lands on the minimum in one step, and
  :math:`1/L < \eta < 2/L` zig-zags across it (:math:`-1 < q < 0`);
* in n-D the worst factor :math:`\max_i |1 - \eta\lambda_i|` is smallest at
  :math:`\eta = 2/(\lambda_{min} + \lambda_{max})`, where it equals
  :math:`(\kappa - 1)/(\kappa + 1)` with condition number :math:`\kappa`.

With torch-style momentum β (heavy ball) the stable range widens to
:math:`0 < \eta\lambda < 2(1 + \beta)`.

Every function takes either a problem (``Quadratic1D``/``QuadraticND``) or, where
only curvature matters, the number ``L``.
"""
from __future__ import annotations

import math

import numpy as np

from lrlab import _validate as v
from lrlab.problems.quadratic import Quadratic1D, QuadraticND


def _eigenvalues(problem) -> np.ndarray:
    if isinstance(problem, Quadratic1D):
        return np.array([problem.a])
    if isinstance(problem, QuadraticND):
        return problem.eigenvalues
    if isinstance(problem, (int, float, np.floating)) and not isinstance(problem, bool):
        return np.array([v.positive("L", problem)])
    raise TypeError("problem must be a Quadratic1D, a QuadraticND or a curvature L > 0, "
                    f"got {type(problem).__name__}")


def smoothness(problem) -> float:
    """The largest curvature L (largest Hessian eigenvalue)."""
    return float(_eigenvalues(problem).max())


def stability_limit(problem, momentum=0.0) -> float:
    r"""Largest learning rate for which gradient descent converges: :math:`2(1+\beta)/L`.

    At exactly this rate the run neither converges nor grows; above it, it explodes.

    >>> stability_limit(Quadratic1D(a=2.0))   # f(x) = x²
    1.0
    """
    beta = v.real("momentum", momentum, low=0.0, high=1.0, high_open=True)
    return 2.0 * (1.0 + beta) / smoothness(problem)


def optimal_lr(problem) -> float:
    r"""The fixed rate with the smallest worst-case contraction: :math:`2/(\lambda_{min}+\lambda_{max})`.

    In 1-D this is :math:`1/L`, which reaches the minimum in a single step.

    >>> optimal_lr(QuadraticND(eigenvalues=[1.0, 9.0]))
    0.2
    """
    eig = _eigenvalues(problem)
    return 2.0 / (float(eig.min()) + float(eig.max()))


def optimal_momentum(problem) -> tuple[float, float]:
    r"""Polyak's heavy-ball tuning ``(lr, momentum)`` for a quadratic.

    :math:`\eta = 4/(\sqrt{L}+\sqrt{\mu})^2`, :math:`\beta = ((\sqrt\kappa-1)/(\sqrt\kappa+1))^2`,
    giving a contraction of :math:`(\sqrt\kappa-1)/(\sqrt\kappa+1)` per step instead of
    :math:`(\kappa-1)/(\kappa+1)`. In torch's SGD parametrisation (``b ← βb + g``,
    ``x ← x − η b``) the same pair applies.
    """
    eig = _eigenvalues(problem)
    L, mu = float(eig.max()), float(eig.min())
    root_kappa = math.sqrt(L / mu)
    return 4.0 / (math.sqrt(L) + math.sqrt(mu)) ** 2, ((root_kappa - 1) / (root_kappa + 1)) ** 2


def step_factors(lr, problem) -> np.ndarray:
    """The per-eigen-direction multipliers ``1 − lr·λ`` (signed)."""
    lr = v.positive("lr", lr)
    return 1.0 - lr * _eigenvalues(problem)


def contraction_factor(lr, problem) -> float:
    r"""Worst per-step factor on the distance to the minimum: :math:`\max_i |1 - \eta\lambda_i|`.

    Below 1 the run converges (the loss shrinks by about its square per step);
    above 1 it diverges.

    >>> contraction_factor(0.1, Quadratic1D(a=2.0))
    0.8
    """
    return float(np.abs(step_factors(lr, problem)).max())


def regime(lr, problem) -> str:
    """Name what a fixed rate does on this quadratic.

    One of ``"creeps"`` (every factor in (0, 1): monotone approach),
    ``"one step"`` (1-D, lr = 1/L exactly), ``"zig-zags"`` (converges, some
    direction flips sign each step), ``"stuck oscillating"`` (lr = 2/L: a
    factor of exactly −1), ``"diverges"`` (lr > 2/L).
    """
    q = step_factors(lr, problem)
    worst = np.abs(q).max()
    if worst > 1.0:
        return "diverges"
    if worst == 1.0:
        return "stuck oscillating"
    if np.all(q == 0.0):
        return "one step"
    if np.any(q < 0.0):
        return "zig-zags"
    return "creeps"


def iterate(lr, problem, k, x0=None):
    """Closed-form position after ``k`` steps of gradient descent: ``x* + (I − lr·A)^k (x0 − x*)``.

    ``k`` may be an int or an int array (1-D problems return an array of positions).
    """
    lr = v.positive("lr", lr)
    ks, scalar = v.steps_array("k", k)
    if isinstance(problem, Quadratic1D):
        start = problem.x0 if x0 is None else v.real("x0", x0)
        with np.errstate(over="ignore", invalid="ignore"):
            out = start * (1.0 - lr * problem.a) ** ks.astype(np.float64)
        return float(out) if scalar else out
    if not isinstance(problem, QuadraticND):
        raise TypeError(f"problem must be a Quadratic1D or QuadraticND, got {type(problem).__name__}")
    start = problem.x0 if x0 is None else v.array("x0", x0, shape=(problem.dim,))
    coeffs = problem.basis.T @ (start - problem.xstar)
    q = 1.0 - lr * problem.eigenvalues
    with np.errstate(over="ignore", invalid="ignore"):
        powers = q ** ks.astype(np.float64)[..., None]
        out = problem.xstar + (powers * coeffs) @ problem.basis.T
    return out


def loss_after(lr, problem, k, x0=None):
    """Closed-form loss after ``k`` gradient-descent steps (int or int array)."""
    x = iterate(lr, problem, k, x0)
    with np.errstate(over="ignore", invalid="ignore"):
        return problem.value(x if isinstance(problem, QuadraticND) or np.ndim(x) else np.array(x))


def _check_1d(problem, what):
    if not isinstance(problem, Quadratic1D):
        raise TypeError(f"{what} has a closed form for Quadratic1D problems only, got {type(problem).__name__}")


def steps_to_reach(lr, problem, tol, x0=None) -> int | None:
    r"""First step k with :math:`|x_k - x^*| \le` ``tol`` (1-D), or None if the run never gets there.

    From :math:`|x_k| = |x_0|\,|q|^k`: :math:`k = \lceil \ln(\mathrm{tol}/|x_0|) / \ln|q| \rceil`.
    Returns 0 if already within ``tol``, 1 when ``lr = 1/L`` (one exact step).

    >>> steps_to_reach(0.1, Quadratic1D(), 1e-3)   # 5·0.8^k ≤ 1e-3
    39
    """
    _check_1d(problem, "steps_to_reach")
    lr = v.positive("lr", lr)
    tol = v.positive("tol", tol)
    start = abs(problem.x0 if x0 is None else v.real("x0", x0))
    if start <= tol:
        return 0
    q = abs(1.0 - lr * problem.a)
    if q == 0.0:
        return 1
    if q >= 1.0:
        return None
    k = math.ceil(math.log(tol / start) / math.log(q))
    # Guard against rounding at the boundary: check the neighbours exactly as the engine computes.
    return _settle(k, lambda j: start * q ** j <= tol)


def steps_to_exceed(lr, problem, bound, x0=None) -> int | None:
    r"""First step k with :math:`|x_k - x^*| >` ``bound`` (1-D), or None if the run never exceeds it.

    For :math:`|q| > 1`: :math:`k = \lfloor \ln(\mathrm{bound}/|x_0|) / \ln|q| \rfloor + 1`.

    >>> steps_to_exceed(1.1, Quadratic1D(), 1000.0)   # 5·1.2^k > 1000
    30
    """
    _check_1d(problem, "steps_to_exceed")
    lr = v.positive("lr", lr)
    bound = v.positive("bound", bound)
    start = abs(problem.x0 if x0 is None else v.real("x0", x0))
    if start > bound:
        return 0
    q = abs(1.0 - lr * problem.a)
    if q <= 1.0 or start == 0.0:
        return None
    k = math.floor(math.log(bound / start) / math.log(q)) + 1
    return _settle(k, lambda j: start * q ** j > bound)


def _settle(k, holds):
    """Move ``k`` by one if floating-point rounding put it off by one."""
    k = max(k, 0)
    while k > 0 and holds(k - 1):
        k -= 1
    while not holds(k):
        k += 1
    return k
