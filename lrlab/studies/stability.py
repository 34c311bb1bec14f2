r"""The edge of stability: full-batch gradient descent while the sharpness is measured along the way.

Lesson 02's rule says gradient descent with rate :math:`\eta` is stable on a quadratic while
:math:`\eta < 2/L`. A network has no fixed :math:`L`: the **sharpness** :math:`S(\theta)`, the
largest eigenvalue of the Hessian where the parameters are now, changes as they move. Cohen et
al. (2021, "Gradient descent on neural networks typically occurs at the edge of stability")
tracked it during full-batch gradient descent and found two phases: *progressive sharpening*,
where :math:`S` rises while :math:`S < 2/\eta`, and the *edge of stability*, where :math:`S`
stops at about :math:`2/\eta` and hovers there while the loss keeps falling, though no longer
monotonically.

:func:`track_sharpness` runs that experiment on any lrlab problem with a gradient: plain gradient
descent :math:`\theta \leftarrow \theta - \eta\nabla f(\theta)` on one fixed batch (all of it, or
the index array ``batch``), the loss after every step, and every ``every`` steps the sharpness by
:func:`lrlab.train.curvature.power_iteration` on exact Hessian-vector products
(:func:`lrlab.train.curvature.hvp_operator`), warm-started from the previous eigenvector, so each measurement
after the first costs only a few products.

>>> from lrlab.problems import QuadraticND
>>> run = track_sharpness(QuadraticND([1.0, 4.0]), 0.1, 20, every=10)
>>> run.at.tolist(), run.sharpness.round(3).tolist()
([0, 10, 20], [4.0, 4.0, 4.0])
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from lrlab import _validate as v
from lrlab.train.batched import one_blas_thread
from lrlab.train.curvature import flatten, hvp_operator, power_iteration
from lrlab.train.engine import default_max_loss, copy_params
from lrlab._cache import cached

__all__ = ["SharpnessRun", "track_sharpness", "EdgeSummary", "edge_summary", "predicted_spike", "ROUNDOFF"]


@dataclass
class SharpnessRun:
    """One full-batch gradient-descent run with its sharpness measured along the way.

    Attributes
    ----------
    lr : float
    losses : ndarray (steps + 1,)
        Loss on the batch at the start and after every step (NaN after divergence).
    at : ndarray of int
        The steps at which the sharpness was measured (0, every, 2·every, ...).
    sharpness : ndarray
        The top Hessian eigenvalue (largest magnitude, signed) at those steps.
    products : int
        Hessian-vector products spent on the measurements.
    diverged_at : int or None
    seconds : float
        Wall-clock time of the whole run.
    """

    lr: float
    losses: np.ndarray
    at: np.ndarray
    sharpness: np.ndarray
    products: int
    diverged_at: int | None
    seconds: float

    @property
    def limit(self) -> float:
        """The stability limit of lesson 02 for this rate: 2/lr."""
        return 2.0 / self.lr

    def first_crossing(self, fraction=1.0) -> int | None:
        """First measured step at which the sharpness reaches ``fraction`` × 2/lr (None if never)."""
        hits = np.flatnonzero(self.sharpness >= fraction * self.limit)
        return int(self.at[hits[0]]) if hits.size else None


@cached
def track_sharpness(problem, lr, steps, *, every=10, batch=None, params=None, seed=0, tol=1e-4,
                    iters=100) -> SharpnessRun:
    """Full-batch gradient descent at rate ``lr`` for ``steps`` steps, measuring the sharpness every ``every``.

    ``batch``: the index array the whole run uses (default: all of the problem's data); ``params``:
    the start (default ``problem.initial_params(seed)``); ``tol`` and ``iters`` go to
    :func:`lrlab.train.curvature.power_iteration`. A run whose loss becomes non-finite or grows a
    million-fold stops there (``diverged_at``). BLAS is held to one thread: for these small
    matrices more threads only wait for each other.
    """
    lr = v.positive("lr", lr)
    steps = v.integer("steps", steps, low=1)
    every = v.integer("every", every, low=1)
    params = problem.initial_params(seed) if params is None else copy_params(params)
    size = flatten(params).size
    losses = np.full(steps + 1, np.nan)
    at, sharp = [], []
    products, vec, diverged = 0, None, None
    start = time.perf_counter()
    with one_blas_thread(), np.errstate(over="ignore", invalid="ignore"):
        loss, grads = problem.value_and_grad(params, batch)
        limit = default_max_loss(loss)
        for t in range(steps + 1):
            losses[t] = loss
            if not np.isfinite(loss) or loss > limit:
                diverged = t
                break
            if t % every == 0:
                product = hvp_operator(problem, params, batch=batch)
                lam, vec, k = power_iteration(product, size, tol=tol, iters=iters, seed=seed, start=vec)
                at.append(t)
                sharp.append(lam)
                products += k
            if t == steps:
                break
            params = {k: params[k] - lr * grads[k] for k in params} if isinstance(params, dict) \
                else params - lr * grads
            loss, grads = problem.value_and_grad(params, batch)
    return SharpnessRun(lr=lr, losses=losses, at=np.array(at, dtype=int), sharpness=np.array(sharp),
                        products=products, diverged_at=diverged, seconds=time.perf_counter() - start)


class EdgeSummary(NamedTuple):
    """What :func:`edge_summary` measures on one run."""

    reached: int | None   # first measured step with sharpness >= fraction × 2/lr (None: never)
    hover: float          # median sharpness from then on, divided by 2/lr (NaN if never reached)
    rises_before: int     # steps before ``reached`` whose loss was higher than the step before
    rises_after: int      # the same, from ``reached`` on
    crossed: int | None = None         # first step at which the sharpness (interpolated) reaches 2/lr
    first_rise: int | None = None      # first step whose loss is higher than the step before
    predicted_rise: int | None = None  # when round-off along the top eigenvector would have grown to O(1)


#: Relative size of float64 round-off: what the component along a newly unstable direction starts from.
ROUNDOFF = float(np.finfo(np.float64).eps)


def predicted_spike(run) -> tuple[int | None, int | None]:
    r"""``(crossed, predicted)``: the step at which the sharpness of ``run`` reaches 2/lr, and the step at
    which an error along the top eigenvector that started at round-off would have grown to the size of
    the parameters' own changes.

    While :math:`S < 2/\eta` every step multiplies the component of the error along the top eigenvector
    by :math:`|1 - \eta S| < 1`: gradient descent wipes it out, down to round-off. Once :math:`S > 2/\eta`
    the same factor is above 1 and the component grows again, from round-off (about 2.2e-16 relative to
    the parameters), so nothing is visible in the loss until the product of the factors since the
    crossing reaches :math:`1/\epsilon_{\text{machine}} \approx 4.5 \cdot 10^{15}`. The sharpness is
    interpolated linearly between the measured steps. ``None`` where the run never crosses, or the
    product never gets there.
    """
    steps = np.arange(int(run.at[0]), int(run.at[-1]) + 1)
    sharp = np.interp(steps, run.at, run.sharpness)
    above = np.flatnonzero(sharp >= run.limit)
    if above.size == 0:
        return None, None
    first = int(above[0])
    with np.errstate(divide="ignore"):
        growth = np.cumsum(np.log(np.abs(1.0 - run.lr * sharp[first:])))
    done = np.flatnonzero(growth >= np.log(1.0 / ROUNDOFF))
    return int(steps[first]), None if done.size == 0 else int(steps[first + done[0]])


def edge_summary(run, *, fraction=0.9) -> EdgeSummary:
    """Where the sharpness of ``run`` (a :class:`SharpnessRun`) met its line 2/lr, and what followed.

    ``rises_before`` and ``rises_after`` count the steps whose loss went up: zero for a monotone
    descent. For a run that never reaches the line, everything counts as "before". ``crossed``,
    ``first_rise`` and ``predicted_rise`` compare the first loss rise with :func:`predicted_spike`.
    """
    first = run.first_crossing(fraction)
    losses = run.losses[np.isfinite(run.losses)]
    up = np.diff(losses) > 0
    rise = int(np.argmax(up)) + 1 if up.any() else None
    crossed, predicted = predicted_spike(run)
    if first is None:
        return EdgeSummary(None, float("nan"), int(up.sum()), 0, crossed, rise, predicted)
    after = run.sharpness[run.at >= first]
    return EdgeSummary(first, float(np.median(after) / run.limit), int(up[:first].sum()), int(up[first:].sum()),
                       crossed, rise, predicted)
