"""Lesson 03's figures (re-exported by :mod:`lrlab.course.plots`).
"""
from __future__ import annotations


import matplotlib.pyplot as plt
import numpy as np

from lrlab import _validate as v
from lrlab.train.engine import History, Sweep
from .common import PALETTE, VERDICT_COLOURS, _STYLES, _ax, colours, contour, loss_curves, lr_sweep


def _lesson03_panels(axes, n, *, ncols=None, width=4.0, height=3.6, **subplots):
    """``axes`` as a flat list of ``n`` Axes: a new figure of panels when None, else checked."""
    if axes is None:
        ncols = n if ncols is None else ncols
        nrows = -(-n // ncols)
        _, grid = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), layout="constrained",
                               squeeze=False, **subplots)
        return list(grid.flat)[:n]
    axes = list(np.ravel(axes))
    if len(axes) != n:
        raise ValueError(f"axes must hold one Axes per panel ({n}), got {len(axes)}")
    return axes


def _lesson03_sweep(name, result, *, params=False):
    if not isinstance(result, Sweep):
        raise TypeError(f"{name} must be an lrlab.train.engine.Sweep, got {type(result).__name__}")
    if params and result.params is None:
        raise ValueError(f"{name} must be a sweep run with record_params=True (it holds no paths)")
    return result


def _lesson03_names(names, n):
    if isinstance(names, str) or len(names) != n:
        raise ValueError(f"names must give one name per run ({n}), got {names!r}")
    return [str(x) for x in names]


def valley_paths(problem, result, names, *, bounds=None, axes=None, title=None):
    """The path of every rate of a 2-D sweep, one contour panel per rate, side by side.

    ``result``: a :class:`~lrlab.train.engine.Sweep` run with ``record_params=True``; ``names``: one
    panel title per rate (the rate is added); ``bounds``: as in :func:`contour`, the same for all
    panels. ``axes``: as many Axes as rates, or None for a new row of panels. Returns the axes.
    """
    result = _lesson03_sweep("result", result, params=True)
    if result.params.shape[2] != 2:
        raise ValueError(f"valley_paths draws 2-D problems, the sweep has {result.params.shape[2]} parameters")
    names = _lesson03_names(names, len(result.lrs))
    axes = _lesson03_panels(axes, len(names), sharey=True)
    for ax, name, lr, path in zip(axes, names, result.lrs, result.params):
        contour(problem, [path], labels=[f"lr = {lr:.3g}"], ax=ax, bounds=bounds, title=f"{name} (lr = {lr:.3g})")
    steps = result.losses.shape[1] - 1
    start = ", ".join(f"{x:g}" for x in result.params[0, 0])
    curvatures = " and ".join(f"{lam:g}" for lam in getattr(problem, "eigenvalues", ()))
    axes[0].figure.suptitle(title or f"{steps} steps from ({start}) on the bowl with curvatures {curvatures}")
    return axes


def factor_per_direction(problem, *, lr_max=None, ax=None, title=None):
    """The factor per step on the distance along the flattest and the steepest direction, against the rate.

    Draws ``|1 − η·μ|`` (flat), ``|1 − η·L|`` (steep) and the worse of the two, ``ρ(η)``, over
    ``0 < η ≤ lr_max`` (default: 1.25 × the stability limit ``2/L``), with a dotted level at 1 (above
    it a run diverges) and vertical lines at the best fixed rate ``2/(L+μ)`` and at ``2/L``.
    """
    from lrlab.train import theory

    mu, L = float(theory._eigenvalues(problem).min()), theory.smoothness(problem)
    best, limit = theory.optimal_lr(problem), theory.stability_limit(problem)
    lr_max = 1.25 * limit if lr_max is None else v.positive("lr_max", lr_max)
    ax = _ax(ax)
    etas = np.linspace(lr_max / 1000, lr_max, 600)
    flat, steep = np.abs(1 - etas * mu), np.abs(1 - etas * L)
    ax.plot(etas, flat, color=PALETTE[5], ls="--", lw=1.8, label="flat direction |1 − η·μ|")
    ax.plot(etas, steep, color=PALETTE[1], ls="-.", lw=1.8, label="steep direction |1 − η·L|")
    ax.plot(etas, np.maximum(flat, steep), color="0.3", lw=5, alpha=0.35, label="worst of the two, ρ(η)")
    ax.axhline(1.0, color="0.5", ls=":", lw=1)
    ax.axvline(best, color=VERDICT_COLOURS["good"], ls="--", lw=1.5, label=f"2/(L+μ) = {best:.3g}")
    ax.axvline(limit, color=VERDICT_COLOURS["too large"], ls=":", lw=2, label=f"2/L = {limit:.3g}")
    ax.set(xlim=(0, lr_max), ylim=(0, 1.6), xlabel="learning rate η (per step)",
           ylabel="factor per step on the distance (no unit)",
           title=title or f"Factor per step along each direction (κ = {L / mu:g})")
    ax.legend(frameon=False, fontsize="small", loc="upper left")
    return ax


def steps_against_kappa(kappas, measured, predicted, *, eps, ax=None, title="Steps needed at the best fixed rate"):
    """Steps to shrink the loss by ``eps`` against the condition number: measured (dots), predicted (line).

    ``kappas``, ``measured`` and ``predicted`` are equally long; both axes are logarithmic.
    """
    kappas = v.array("kappas", kappas, ndim=1, min_size=1)
    measured = v.array("measured", measured, shape=kappas.shape)
    predicted = v.array("predicted", predicted, shape=kappas.shape)
    eps = v.fraction("eps", eps)
    ax = _ax(ax)
    ax.loglog(kappas, predicted, color=PALETTE[5], lw=1.8, label="predicted: ln(1/ε) / (2·ln(1/ρ))")
    ax.loglog(kappas, measured, "o", color=PALETTE[6], ms=7, label="measured with engine.sweep")
    ax.set(xlabel="condition number κ = L/μ (log scale)",
           ylabel=f"steps until the loss is {eps:g} × its start (log scale)", title=title)
    ax.legend(frameon=False)
    return ax


def loss_shapes(result, names, *, limit=None, axes=None, title=None):
    """One panel per run of a sweep: its loss against the step on a linear axis, titled with its name.

    ``names``: one per rate. With ``limit`` (the stability limit ``2/L``) each legend also gives the
    rate as a multiple of it. ``axes``: as many Axes as runs, or None for a grid two panels wide.
    """
    result = _lesson03_sweep("result", result)
    names = _lesson03_names(names, len(result.lrs))
    if limit is not None:
        limit = v.positive("limit", limit)
    axes = _lesson03_panels(axes, len(names), ncols=min(2, len(names)), width=5.0, height=3.1, sharex=True)
    for ax, name, lr, losses in zip(axes, names, result.lrs, result.losses):
        label = f"lr = {lr:.4g}" + ("" if limit is None else f" = {lr / limit:.3g} × 2/L")
        loss_curves([losses], labels=[label], ax=ax, log=False, title=name)
    steps = result.losses.shape[1] - 1
    axes[0].figure.suptitle(title or f"{len(names)} loss curves, {steps} steps each, one run per panel")
    return axes


def sweep_with_picks(result, picks, *, tol=None, L=None, ax=None, title="Final loss against learning rate"):
    """:func:`lr_sweep` with vertical lines at chosen rates: ``picks`` maps a name to a rate."""
    if not isinstance(picks, dict) or not picks:
        raise TypeError(f"picks must be a non-empty dict of name -> learning rate, got {picks!r}")
    rates = {str(name): v.positive(f"picks[{name!r}]", lr) for name, lr in picks.items()}
    ax = lr_sweep(result, tol=tol, L=L, ax=ax, title=title)
    for i, (name, lr) in enumerate(rates.items()):
        ax.axvline(lr, color=PALETTE[7], lw=2 if i == 0 else 1.5, ls=("-", "-.", "--", ":")[i % 4],
                   label=f"{name} = {lr:.3g}")
    ax.legend(frameon=False, fontsize="small", loc="lower left")
    return ax


def momentum_preview(runs, *, shown=60, axes=None, title="Plain gradient descent and momentum"):
    """Left: the loss of every run on a log axis. Right: the last run alone, its first ``shown`` steps, linear.

    ``runs`` maps a legend label to a :class:`~lrlab.train.engine.History` (or a 1-D array of losses).
    ``axes``: two Axes, or None for a new figure. The last run keeps its colour and line style.
    """
    if not isinstance(runs, dict) or not runs:
        raise TypeError(f"runs must be a non-empty dict of label -> History, got {type(runs).__name__}")
    shown = v.integer("shown", shown, low=1)
    left, right = _lesson03_panels(axes, 2, width=6.0, height=4.0)
    labels, histories = list(runs), list(runs.values())
    loss_curves(histories, labels=labels, ax=left, title=f"All {len(runs)} runs, log scale")
    last = histories[-1].losses if isinstance(histories[-1], History) else np.asarray(histories[-1], float)
    loss_curves([last[:shown + 1]], labels=[labels[-1]], ax=right, log=False,
                title=f"{labels[-1]}: first {shown} steps, linear scale")
    right.lines[0].set(color=colours(len(runs))[-1], linestyle=_STYLES[(len(runs) - 1) % 4])
    right.legend(frameon=False)
    left.figure.suptitle(title)
    return left, right
