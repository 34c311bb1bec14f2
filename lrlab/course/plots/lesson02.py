"""Lesson 02's figures (re-exported by :mod:`lrlab.course.plots`).
"""
from __future__ import annotations


import matplotlib.pyplot as plt
import numpy as np

from lrlab.train.engine import Sweep
from .common import VERDICT_COLOURS, contour, trajectory_1d


#: The verdict colour of each regime :func:`lrlab.train.theory.regime` names (lesson 02's panels).
REGIME_VERDICTS = {"creeps": "too small", "one step": "good", "zig-zags": "good",
                   "stuck oscillating": "too large", "diverges": "too large"}


def _recorded_runs(runs, dim):
    if not isinstance(runs, Sweep):
        raise TypeError(f"runs must be an lrlab.train.engine.Sweep, got {type(runs).__name__}")
    if runs.params is None or runs.params.ndim != 3 or runs.params.shape[2] != dim:
        raise ValueError(f"runs must be a sweep of a {dim}-D problem recorded with "
                         f"engine.sweep(..., record_params=True)")
    return runs


def _row_of_panels(axes, n, sharey=False):
    if axes is None:
        _, axes = plt.subplots(1, n, figsize=(4 * n, 3.8), layout="constrained", sharey=sharey, squeeze=False)
    axes = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(axes) != n:
        raise ValueError(f"axes must hold one matplotlib axes per run ({n}), got {len(axes)}")
    return axes


def regime_trajectories(problem, runs, *, axes=None, title=None):
    """One panel per run of a 1-D sweep: the curve ``f(x)`` and the points the run visited, in order.

    ``runs``: a :class:`~lrlab.train.engine.Sweep` of ``problem`` made with ``record_params=True``. Each panel
    is :func:`trajectory_1d` titled with the regime :func:`lrlab.train.theory.regime` names and coloured by
    its verdict (:data:`REGIME_VERDICTS`); its legend gives the rate and the factor ``q = 1 − lr·L``.
    ``axes``: None (a new row of panels) or one axes per run; ``title`` heads the figure. Returns
    the list of axes.
    """
    from lrlab.train import theory

    runs = _recorded_runs(runs, 1)
    axes = _row_of_panels(axes, len(runs.lrs))
    for ax, lr, path in zip(axes, runs.lrs, runs.params):
        name = theory.regime(lr, problem)
        q = theory.step_factors(lr, problem)[0]
        trajectory_1d(problem, path[:, 0], ax=ax, colour=VERDICT_COLOURS[REGIME_VERDICTS[name]],
                      label=f"lr = {lr:g}, q = {q:+.2f}", title=f"{name} (lr = {lr:g})")
    if title is not None:
        axes[0].figure.suptitle(title)
    return axes


def regime_contours(problem, runs, *, bounds=None, axes=None, title=None):
    """One contour panel per run of a 2-D sweep, each titled with the regime of its rate.

    ``runs``: a :class:`~lrlab.train.engine.Sweep` of ``problem`` made with ``record_params=True``; each
    panel is :func:`contour` with that run's path. ``bounds``: ((xmin, xmax), (ymin, ymax)), the same
    for every panel (by default each panel's own box). ``axes``: None (a new row of panels sharing
    the x₂ axis) or one axes per run; ``title`` heads the figure. Returns the list of axes.
    """
    from lrlab.train import theory

    runs = _recorded_runs(runs, 2)
    axes = _row_of_panels(axes, len(runs.lrs), sharey=True)
    for ax, lr, path in zip(axes, runs.lrs, runs.params):
        contour(problem, [path], labels=[f"lr = {lr:g}"], ax=ax, bounds=bounds,
                title=f"{theory.regime(lr, problem)} (lr = {lr:g})")
    if title is not None:
        axes[0].figure.suptitle(title)
    return axes
