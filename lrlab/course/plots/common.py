"""Figures and helpers every lesson uses: the palette, loss curves, sweeps, contours, schedules.

Every function takes an optional ``ax`` (a new figure is made when it is None), returns the ``ax``
it drew on, labels both axes with their units and gives the plot a title.
"""
from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np

from lrlab import _validate as v
from lrlab.train.engine import History, Sweep


#: Okabe & Ito (2008) colour-blind-safe palette, black first.
PALETTE = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
#: The three colours the course uses for too small / about right / too large.
VERDICT_COLOURS = {"too small": "#0072B2", "good": "#009E73", "too large": "#D55E00"}
_STYLES = ("-", "--", "-.", ":")


def _ax(ax):
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    return ax


def colours(n):
    """``n`` colours from the palette (cycling past eight), skipping yellow, which is hard to see on white."""
    usable = [c for c in PALETTE if c != "#F0E442"]
    return list(itertools.islice(itertools.cycle(usable), v.integer("n", n, low=0)))


def loss_curves(runs, labels=None, *, ax=None, log=True, title="Loss per step", mark_divergence=True):
    """Loss against step for one or more runs.

    ``runs``: a :class:`~lrlab.train.engine.History`, a list of them, a
    :class:`~lrlab.train.engine.Sweep` (one line per rate), or 1-D arrays of losses.
    A diverged run ends in a cross at the step where it blew up.
    """
    ax = _ax(ax)
    if isinstance(runs, Sweep):
        if labels is None:
            labels = [f"lr = {lr:.3g}" for lr in runs.lrs]
        runs = [runs.history(i) for i in range(len(runs.lrs))]
    elif isinstance(runs, History) or (isinstance(runs, np.ndarray) and runs.ndim == 1):
        runs = [runs]
    runs = list(runs)
    if labels is not None and len(labels) != len(runs):
        raise ValueError(f"labels must have one entry per run ({len(runs)}), got {len(labels)}")
    for i, (run, colour) in enumerate(zip(runs, colours(len(runs)))):
        losses = run.losses if isinstance(run, History) else v.array("runs", run, ndim=1, finite=False)
        shown = np.where(losses > 0, losses, np.nan) if log else losses
        label = None if labels is None else labels[i]
        ax.plot(np.arange(losses.size), shown, color=colour, ls=_STYLES[i % 4], lw=1.8, label=label)
        if mark_divergence and isinstance(run, History) and run.diverged:
            k = run.diverged_at
            ax.plot([k], [shown[k] if np.isfinite(shown[k]) else np.nanmax(shown)], "x", color=colour,
                    ms=9, mew=2)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss" + (" (log scale)" if log else ""))
    ax.set_title(title)
    if labels is not None:
        ax.legend(frameon=False)
    return ax


def lr_sweep(result, *, tol=None, L=None, ax=None, title="Final loss against learning rate"):
    """Final loss of every run of a :class:`~lrlab.train.engine.Sweep` against its learning rate (log–log).

    Diverged runs are drawn as crosses along the top edge. With ``L`` the
    marks ``1/L`` and ``2/L`` are drawn; with ``tol`` the rates whose run
    reached ``loss <= tol`` are shaded as the working band ("Goldilocks zone").
    """
    if not isinstance(result, Sweep):
        raise TypeError(f"result must be an lrlab.train.engine.Sweep, got {type(result).__name__}")
    ax = _ax(ax)
    lrs, final = result.lrs, result.final_loss
    ok = ~result.diverged
    # Losses can reach 1e-300 at the exact optimum; show 16 decades below the start and clip.
    floor = result.losses[0, 0] * 1e-16 if result.losses[0, 0] > 0 else np.finfo(float).tiny
    ax.plot(lrs[ok], np.maximum(final[ok], floor), color=PALETTE[5], lw=2, label="final loss")
    if (~ok).any():
        top = np.nanmax(final[ok]) * 10 if ok.any() else 1.0
        ax.plot(lrs[~ok], np.full((~ok).sum(), top), "x", color=VERDICT_COLOURS["too large"],
                label="diverged")
    if tol is not None:
        tol = v.positive("tol", tol)
        inside = result.steps_to(tol) >= 0
        if inside.any():
            lo, hi = lrs[inside].min(), lrs[inside].max()
            ax.axvspan(lo, hi, color=VERDICT_COLOURS["good"], alpha=0.15,
                       label=f"reaches loss ≤ {tol:g} in {result.losses.shape[1] - 1} steps")
        ax.axhline(tol, color="0.5", lw=1, ls=":")
    if L is not None:
        L = v.positive("L", L)
        ax.axvline(1 / L, color=PALETTE[0], ls="--", lw=1, label=f"1/L = {1 / L:.3g}")
        ax.axvline(2 / L, color=PALETTE[0], ls=":", lw=1.5, label=f"2/L = {2 / L:.3g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(bottom=floor / 3)
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel(f"loss after {result.losses.shape[1] - 1} steps (log scale)")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize="small")
    return ax


def trajectory_1d(problem, path, *, ax=None, label=None, colour=None, span=None,
                  title="Steps on the loss curve"):
    """Draw ``f(x)`` and the points ``x_0, x_1, ...`` a 1-D run visited, joined in order."""
    ax = _ax(ax)
    xs = v.array("path", path, finite=False).reshape(-1)
    xs = xs[np.isfinite(xs)]
    if span is None:
        span = max(np.abs(xs).max() * 1.15, 1e-9) if xs.size else 1.0
    grid = np.linspace(-span, span, 400)
    ax.plot(grid, problem.value(grid), color="0.6", lw=1.5, label="f(x)")
    colour = colour or PALETTE[6]
    ax.plot(xs, problem.value(xs), "o-", color=colour, ms=4, lw=1, alpha=0.9, label=label)
    if xs.size:
        ax.plot(xs[:1], problem.value(xs[:1]), "s", color=colour, ms=8)
    ax.set_xlabel("parameter x")
    ax.set_ylabel("loss f(x)")
    ax.set_title(title)
    if label is not None:
        ax.legend(frameon=False)
    return ax


def contour(problem, paths=(), labels=None, *, ax=None, bounds=None, levels=25, log_levels=True,
            title=None):
    """Contours of a 2-D problem with optimisation paths drawn over them.

    ``paths``: arrays of shape (steps + 1, 2). ``bounds``: ((xmin, xmax), (ymin, ymax));
    by default the box around all paths and the problem's minimiser.
    """
    ax = _ax(ax)
    paths = [v.array("paths", p, finite=False) for p in paths]
    for p in paths:
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(f"each path must have shape (steps + 1, 2), got {p.shape}")
    if labels is not None and len(labels) != len(paths):
        raise ValueError(f"labels must have one entry per path ({len(paths)}), got {len(labels)}")
    if bounds is None:
        pts = [p[np.isfinite(p).all(axis=1)] for p in paths]
        pts.append(np.atleast_2d(getattr(problem, "minimizer", np.zeros(2))))
        pts.append(np.atleast_2d(problem.initial_params()))
        allp = np.vstack(pts)
        lo, hi = allp.min(axis=0), allp.max(axis=0)
        pad = 0.15 * np.maximum(hi - lo, 1e-3)
        bounds = ((lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1]))
    (x0, x1), (y0, y1) = bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    z = problem.value(np.stack([gx, gy], axis=-1))
    if log_levels:
        zmin = max(z.min(), 1e-6 * z.max(), 1e-12)
        lv = np.geomspace(zmin, z.max(), levels)
    else:
        lv = levels
    ax.contour(gx, gy, z, levels=lv, cmap="Greys_r", linewidths=0.7)
    for i, (p, colour) in enumerate(zip(paths, colours(len(paths) + 1)[1:])):
        label = None if labels is None else labels[i]
        ax.plot(p[:, 0], p[:, 1], marker=".", color=colour, ls=_STYLES[i % 4], ms=3, lw=1.3, label=label)
    if hasattr(problem, "minimizer"):
        m = problem.minimizer
        ax.plot([m[0]], [m[1]], "*", color=PALETTE[0], ms=12, label="minimum")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("parameter x₁")
    ax.set_ylabel("parameter x₂")
    ax.set_title(title or f"Paths on {problem.name}")
    if labels is not None:
        ax.legend(frameon=False, fontsize="small")
    return ax


def schedule(schedules, steps, labels=None, *, ax=None, log=False, title="Learning-rate schedule"):
    """Learning rate against step for one schedule callable or several."""
    ax = _ax(ax)
    steps = v.integer("steps", steps, low=1)
    if callable(schedules):
        schedules = [schedules]
    schedules = list(schedules)
    if labels is None:
        labels = [repr(s) for s in schedules]
    if len(labels) != len(schedules):
        raise ValueError(f"labels must have one entry per schedule ({len(schedules)}), got {len(labels)}")
    t = np.arange(steps)
    for i, (s, colour) in enumerate(zip(schedules, colours(len(schedules)))):
        ax.plot(t, [s(int(k)) for k in t], color=colour, ls=_STYLES[i % 4], lw=1.8, label=labels[i])
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate" + (" (log scale)" if log else ""))
    ax.set_title(title)
    ax.legend(frameon=False, fontsize="small")
    return ax


def shower(runs, labels=None, *, ax=None, title="Water temperature at the skin"):
    """Felt temperature against time for one or more :class:`~lrlab.studies.shower.ShowerRun`, with the comfort band.

    Each line is labelled with its gain and behaviour unless ``labels`` are given.
    """
    from lrlab.studies.shower import ShowerRun

    if isinstance(runs, ShowerRun):
        runs = [runs]
    runs = list(runs)
    if not runs or not all(isinstance(r, ShowerRun) for r in runs):
        raise TypeError("runs must be a ShowerRun or a list of them (from lrlab.studies.shower.simulate)")
    if labels is not None and len(labels) != len(runs):
        raise ValueError(f"labels must have one entry per run ({len(runs)}), got {len(labels)}")
    ax = _ax(ax)
    target, band = runs[0].target, runs[0].band
    ax.axhspan(target - band, target + band, color=VERDICT_COLOURS["good"], alpha=0.15,
               label=f"comfortable ({target:g} ± {band:g} °C)")
    for i, (run, colour) in enumerate(zip(runs, colours(len(runs)))):
        label = labels[i] if labels is not None else f"gain {run.gain:g}: {run.behaviour}"
        ax.plot(run.time, run.felt, color=colour, ls=_STYLES[i % 4], lw=1.8, label=label)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("temperature felt (°C)")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize="small")
    return ax


def finder(result, *, ax=None, suggestions=True, title="Learning-rate range test"):
    """Loss against learning rate from :func:`lrlab.train.finder.lr_range_test`, raw and smoothed.

    With ``suggestions`` (True: every rule in :data:`lrlab.train.finder.SUGGESTIONS`,
    or a dict ``{name: lr}``) each suggested rate is marked with a vertical line.
    """
    from lrlab.train.finder import FinderResult

    if not isinstance(result, FinderResult):
        raise TypeError(f"result must be a FinderResult from lrlab.train.finder.lr_range_test, got {type(result).__name__}")
    ax = _ax(ax)
    ok = np.isfinite(result.losses)
    ax.plot(result.lrs[ok], result.losses[ok], color="0.65", lw=1, label="loss at each step")
    good = np.isfinite(result.smoothed)
    ax.plot(result.lrs[good], result.smoothed[good], color=PALETTE[5], lw=2,
            label=f"smoothed ({result.smoothing})")
    if suggestions is True:
        suggestions = result.suggestions()
    if suggestions:
        styles = itertools.cycle(_STYLES[1:])
        for (name, lr), colour in zip(suggestions.items(), colours(len(suggestions) + 2)[2:]):
            ax.axvline(lr, color=colour, ls=next(styles), lw=1.5, label=f"{name}: {lr:.2g}")
    ax.set_xscale("log")
    finite = result.smoothed[good]
    if finite.size:
        lo = min(np.nanmin(finite), np.nanmin(result.losses[ok]))
        hi = finite[0]
        span = abs(hi - lo) or abs(hi) or 1.0
        ax.set_ylim(lo - 0.1 * span, hi + 0.6 * span)
    if result.stopped_early:
        top = ax.get_ylim()[1]
        ax.plot([result.lrs[result.stop_step]], [top - 0.04 * (top - ax.get_ylim()[0])], "x",
                color=VERDICT_COLOURS["too large"], ms=9, mew=2, label="stopped here: loss blew up")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("training loss")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize="small")
    return ax
