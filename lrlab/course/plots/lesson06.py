"""Lesson 06's figures (re-exported by :mod:`lrlab.course.plots`).
"""
from __future__ import annotations


import matplotlib.pyplot as plt
import numpy as np

from lrlab import _validate as v
from .common import PALETTE, VERDICT_COLOURS, _STYLES, _ax, colours


def momentum_limits(sweeps, limits, labels, *, ax=None, title="Where heavy-ball momentum stops converging"):
    """Final loss over initial loss against the rate, one line per momentum setting, with each predicted limit.

    ``sweeps``: :class:`~lrlab.train.engine.Sweep` results on the same quadratic; ``limits``: the predicted
    largest stable rate of each (a dashed vertical line in the line's colour). Diverged runs are clipped
    to the top of the axis.
    """
    if not (len(sweeps) == len(limits) == len(labels)):
        raise ValueError("sweeps, limits and labels must have the same length")
    ax = _ax(ax)
    top = 1e6
    for i, (s, lim, label, colour) in enumerate(zip(sweeps, limits, labels, colours(len(sweeps)))):
        ratio = s.final_loss / s.losses[:, 0]
        ratio = np.where(np.isfinite(ratio), np.clip(ratio, 1e-30, top), top)
        ax.plot(s.lrs, ratio, color=colour, ls=_STYLES[i % 4], lw=1.8, label=label)
        ax.axvline(lim, color=colour, ls=":", lw=1.5)
    ax.axhline(1.0, color="0.5", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(1e-30, top * 10)
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel(f"loss after {sweeps[0].losses.shape[1] - 1} steps / loss at the start (log scale)")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize="small", loc="upper left")
    return ax


def settle_curves(lrs, steps, labels, *, ax=None, tol=None, title="Steps until the loss stays below the tolerance"):
    """Per method, the steps its loss needs to settle below a tolerance, against the rate (-1: never).

    ``steps``: one array per method (from :func:`lrlab.studies.sensitivity.settle_steps`); the best rate of each
    method is marked with a dot.
    """
    ax = _ax(ax)
    lrs = v.array("lrs", lrs, ndim=1)
    for i, (st, label, colour) in enumerate(zip(steps, labels, colours(len(steps)))):
        st = np.asarray(st, dtype=float)
        shown = np.where(st >= 0, st, np.nan)
        ax.plot(lrs, shown, color=colour, ls=_STYLES[i % 4], lw=1.8, label=label)
        if np.isfinite(shown).any():
            j = int(np.nanargmin(shown))
            ax.plot([lrs[j]], [shown[j]], "o", color=colour, ms=7)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("steps (log scale)" if tol is None else f"steps until loss ≤ {tol:g} for good (log scale)")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize="small")
    return ax


def adam_first_steps(t, steps, labels, *, ax=None, title="Size of Adam's steps under a constant gradient"):
    """Step length divided by the rate, against the step number, for several versions of Adam's update."""
    ax = _ax(ax)
    for i, (s, label, colour) in enumerate(zip(steps, labels, colours(len(steps)))):
        ax.plot(t, s, color=colour, ls=_STYLES[i % 4], lw=1.8, label=label)
    ax.axhline(1.0, color="0.5", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step number t (log scale)")
    ax.set_ylabel("|step| / learning rate (log scale)")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize="small")
    return ax


def sensitivity(study, *, defaults=None, factor=2.0, axes=None,
                title="Validation loss after a fixed budget, against the learning rate"):
    """One panel per optimizer of a :class:`lrlab.studies.sensitivity.Study`: each seed's final validation loss
    (dots), their mean (line), the Goldilocks zone (shaded band, loss ≤ ``factor`` × best) and the
    loss of the untrained network (dotted). ``defaults``: optimizer name -> a rate to mark (dashed).
    Diverged copies are drawn as crosses along the top edge.
    """
    names = study.names
    if axes is None:
        fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.9), sharey=True, layout="constrained")
        fig.suptitle(title + f" ({study.steps} steps, batch {study.batch_size}, {len(study.seeds)} seeds)")
    axes = np.atleast_1d(axes)
    finite = np.concatenate([l[np.isfinite(l)] for l in study.val_loss.values()])
    top = float(min(finite.max(), 20 * study.start_loss)) * 1.5
    bottom = float(finite.min()) / 1.5
    for ax, name, colour in zip(axes, names, colours(len(names) + 1)[1:]):
        loss, div = study.val_loss[name], study.diverged[name]
        z = study.zone(name, factor)
        ax.axvspan(z.low / 10 ** 0.05, z.high * 10 ** 0.05, color=VERDICT_COLOURS["good"], alpha=0.18,
                   label=f"zone: {z.width:.2f} decades")
        for j in range(loss.shape[1]):
            ok = np.isfinite(loss[:, j]) & ~div[:, j]
            ax.plot(study.lrs[ok], np.minimum(loss[ok, j], top), ".", color=colour, alpha=0.6, ms=5,
                    label="each seed" if j == 0 else None)
        bad = div.any(axis=1) | ~np.isfinite(loss).all(axis=1)
        if bad.any():
            ax.plot(study.lrs[bad], np.full(bad.sum(), top / 1.15), "x", color=VERDICT_COLOURS["too large"],
                    ms=7, mew=2, label="a seed diverged")
        mean = study.mean_loss(name)
        ax.plot(study.lrs[~bad], np.minimum(mean[~bad], top), "-", color=colour, lw=2, label="mean over seeds")
        ax.axhline(factor * z.best_loss, color="0.4", ls="--", lw=1, label=f"{factor:g} × best")
        ax.axhline(study.start_loss, color="0.4", ls=":", lw=1, label="untrained network")
        if defaults and name in defaults:
            ax.axvline(defaults[name], color=PALETTE[0], ls="-.", lw=1.2, label=f"default {defaults[name]:g}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(bottom, top)
        ax.set_xlabel("learning rate (log scale)")
        ax.set_title(name)
        ax.legend(frameon=False, fontsize="x-small", loc="upper left")
    axes[0].set_ylabel("validation loss at the end (log scale)")
    return axes
