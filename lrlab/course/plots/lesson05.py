"""Lesson 05's figures (re-exported by :mod:`lrlab.course.plots`).
"""
from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np

from lrlab import _validate as v
from lrlab.train.engine import History
from .common import PALETTE, _STYLES, colours, loss_curves, schedule


def _runs_dict(name: str, runs) -> dict:
    if not isinstance(runs, dict) or not runs or not all(isinstance(h, History) for h in runs.values()):
        raise TypeError(f"{name} must be a non-empty dict {{label: History}} from lrlab.train.engine.train, got {runs!r}")
    return runs


def _axes_pair(axes, size):
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=size, layout="constrained")
    axes = list(axes)
    if len(axes) != 2:
        raise ValueError(f"axes must be two matplotlib axes, got {len(axes)}")
    return axes


def distance_to_minimum(runs, f_star, *, marks=(), ax=None, title="Loss above the reference minimum"):
    """The loss minus a reference minimum ``f_star`` against the step (log scale), one line per run.

    ``runs``: ``{label: History}``. ``marks``: steps drawn as dotted vertical lines, e.g. where a
    schedule cuts the rate.
    """
    runs = _runs_dict("runs", runs)
    f_star = v.real("f_star", f_star)
    marks = [v.integer("marks", k, low=0) for k in marks]
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    loss_curves([h.losses - f_star for h in runs.values()], labels=list(runs), ax=ax, title=title)
    for i, k in enumerate(marks):
        ax.axvline(k, color="0.6", ls=":", lw=1, label="the rate is cut" if i == 0 else None)
    ax.set_ylabel("loss − reference minimum (log scale)")
    ax.legend(frameon=False)
    return ax


def schedule_panels(panels, steps, *, axes=None, title=None):
    """Groups of schedules side by side, one panel per group, on a shared learning-rate axis.

    ``panels``: ``{panel title: [schedule, ...]}``; each line is labelled with the name of the
    factory that made it (``step_decay``, ``one_cycle``...). Returns the list of axes.
    """
    if not isinstance(panels, dict) or not panels:
        raise TypeError(f"panels must be a non-empty dict {{title: [schedules]}}, got {panels!r}")
    if axes is None:
        _, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.2), layout="constrained",
                               sharey=True, squeeze=False)
        axes = axes[0]
    axes = list(axes)
    if len(axes) != len(panels):
        raise ValueError(f"axes must have one axis per panel ({len(panels)}), got {len(axes)}")
    for ax, (name, group) in zip(axes, panels.items()):
        group = [group] if callable(group) else list(group)
        schedule(group, steps, labels=[getattr(s, "__name__", repr(s)) for s in group], ax=ax, title=name)
        ax.set_ylabel("")
    axes[0].set_ylabel("learning rate (per step)")
    if title is not None:
        axes[0].figure.suptitle(title)
    return axes


def warmup_on_a_wall(problem, runs, *, show=200, top=1e4, axes=None, title=None):
    """Runs that start where the curvature is high: their loss, and the rate times the local curvature.

    Left: loss against step (log scale, cut at ``top``; a diverged run ends in a cross on the top
    edge). Right: ``lr × curvature`` at the current point over the first ``show`` steps
    (:func:`lrlab.train.engine.rate_times_curvature`), with the line at 2 above which a step overshoots.
    ``runs``: ``{label: History}`` trained with ``record_params=True`` on ``problem``; ``title``
    names the left panel.
    """
    from lrlab.train.engine import rate_times_curvature

    runs = _runs_dict("runs", runs)
    show, top = v.integer("show", show, low=1), v.positive("top", top)
    left, right = _axes_pair(axes, (12, 4.2))
    steps = max(h.steps for h in runs.values())
    loss_curves(list(runs.values()), labels=list(runs), ax=left, mark_divergence=False,
                title=title or f"{problem.name}: loss, {steps} steps")
    left.set_ylim(top=top)
    for (name, run), colour, style in zip(runs.items(), colours(len(runs)), itertools.cycle(_STYLES)):
        if run.diverged:
            left.plot([run.diverged_at], [top], "x", color=colour, ms=10, mew=2.5, clip_on=False)
        load = rate_times_curvature(problem, run)[:show]
        right.semilogy(np.arange(load.size), load, color=colour, ls=style, lw=1.8, label=name)
    right.axhline(2.0, color="0.4", ls=":", lw=1.5, label="2: above it a step overshoots")
    right.set(xlabel="step", ylabel="rate × curvature at the current point (log scale)", ylim=(1e-2, 1e3),
              xlim=(-0.02 * show, show), title=f"Rate times local curvature, first {show} steps")
    right.legend(frameon=False, fontsize="small")
    return [left, right]


def plateau(steps, held_out, train, lrs, *, axes=None, title=None):
    """A run driven by ``ReduceLROnPlateau``: the losses measured after each chunk, and the rate it chose.

    ``steps``: the step at the end of each chunk; ``held_out`` and ``train``: the loss on held-out
    and on training data measured there; ``lrs``: the rate each chunk used (drawn as a staircase on a
    log axis).
    """
    steps = v.array("steps", steps, ndim=1)
    held_out, train, lrs = (v.array(n, x, ndim=1) for n, x in (("held_out", held_out), ("train", train),
                                                             ("lrs", lrs)))
    if not held_out.size == train.size == lrs.size == steps.size:
        raise ValueError(f"steps, held_out, train and lrs must have one value per chunk, got lengths "
                         f"{steps.size}, {held_out.size}, {train.size}, {lrs.size}")
    left, right = _axes_pair(axes, (12, 3.8))
    left.plot(steps, held_out, "o-", color=PALETTE[5], label="held-out loss")
    left.plot(steps, train, "s--", color=PALETTE[6], label="training loss")
    left.set(xlabel="step", ylabel="loss after the chunk", title="Loss measured after every chunk")
    left.legend(frameon=False)
    right.step(np.r_[0, steps], np.r_[lrs, lrs[-1]], where="post", color=PALETTE[3], lw=2)
    right.set(yscale="log", xlabel="step", ylabel="learning rate (log scale)",
              title="Rate chosen by ReduceLROnPlateau")
    if title is not None:
        left.figure.suptitle(title)
    return [left, right]
