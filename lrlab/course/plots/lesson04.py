"""Lesson 04's figures (re-exported by :mod:`lrlab.course.plots`).
"""
from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np

from lrlab import _validate as v
from .common import PALETTE, _STYLES, _ax, colours, finder


def _lesson04_pair(axes, **subplots):
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained", **subplots)
    axes = list(np.ravel(axes))
    if len(axes) != 2:
        raise ValueError(f"axes must be two matplotlib axes, got {len(axes)}")
    return axes


def _lesson04_rates(name, rates) -> dict:
    if not isinstance(rates, dict) or not rates:
        raise TypeError(f"{name} must be a non-empty dict {{label: learning rate}}, got {type(rates).__name__}")
    return {str(label): v.positive(f"{name}[{label!r}]", lr) for label, lr in rates.items()}


def range_test_and_sweep(result, suggestions, lrs, final_losses, *, limit=None, limit_label="2/L", steps=None,
                         axes=None, title="Range test with the three suggestions"):
    """The range test next to a sweep of full training runs, with the same rates marked in both panels.

    Left: :func:`finder` on ``result`` (a :class:`~lrlab.train.finder.FinderResult`) with a vertical line per
    suggestion (``suggestions``: ``{name: lr}``). Right: ``final_losses[i]``, the training loss after a
    whole run at the fixed rate ``lrs[i]`` (log–log), with the same vertical lines. ``limit`` (e.g.
    ``2/L``, named by ``limit_label``) adds a black dotted line to both panels; ``steps`` (the length of each run) goes into the
    right panel's labels. Returns the two axes.
    """
    suggestions = _lesson04_rates("suggestions", suggestions)
    lrs = v.array("lrs", lrs, ndim=1, min_size=2)
    final_losses = v.array("final_losses", final_losses, shape=(lrs.size,))
    if np.any(lrs <= 0) or np.any(final_losses <= 0):
        raise ValueError("lrs and final_losses must be positive (both axes of the sweep are logarithmic)")
    limit = None if limit is None else v.positive("limit", limit)
    steps = None if steps is None else v.integer("steps", steps, low=1)
    left, right = _lesson04_pair(axes, sharex=True)
    finder(result, suggestions=suggestions, ax=left, title=title)
    left.set_ylabel("training loss (cross-entropy, nats)")
    run = "" if steps is None else f" of {steps} steps"
    right.plot(lrs, final_losses, "o-", color=PALETTE[5], lw=2, label=f"loss after {steps} steps" if steps
               else "loss after the run")
    for (name, lr), colour, style in zip(suggestions.items(), colours(len(suggestions) + 2)[2:],
                                         itertools.cycle(_STYLES[1:])):
        right.axvline(lr, color=colour, ls=style, lw=1.5, label=f"{name}: {lr:.2g}")
    if limit is not None:
        for ax in (left, right):
            ax.axvline(limit, color=PALETTE[0], ls=":", lw=1.5, label=f"{limit_label} = {limit:.2g}")
    right.set(xscale="log", yscale="log", xlabel="learning rate, fixed for the whole run (log scale)",
              ylabel="training loss after the run (cross-entropy, log scale)",
              title=f"Sweep: one training run{run} per rate")
    for ax in (left, right):
        ax.legend(frameon=False, fontsize="small", loc="lower left")
    return [left, right]


def misread_average(lrs, losses, average, picks, *, curve_label="the curve", reader="the code", ylabel="loss",
                    ax=None, title="A moving average read at the wrong step"):
    """A loss curve, its moving average drawn where a finder reads it and where it belongs, and the picks.

    ``average[j]`` is the mean of ``losses[j : j + w]``, with ``w = len(lrs) − len(average) + 1`` (what
    ``np.convolve(..., mode="valid")`` returns). It is drawn twice: at ``lrs[j]`` (dashed), where code
    that reads ``lrs[best_idx]`` puts it, and at the geometric middle of its window (dotted), where
    it belongs (``reader`` names the code in the legend). ``picks`` (``{label: lr}``) are marked with vertical lines, the first dash-dotted in
    the colour of the dashed curve, the others solid.
    """
    lrs = v.array("lrs", lrs, ndim=1, min_size=2)
    losses = v.array("losses", losses, shape=(lrs.size,))
    average = v.array("average", average, ndim=1, min_size=1)
    if average.size > lrs.size or np.any(lrs <= 0):
        raise ValueError("average must be no longer than lrs, and lrs must be positive (a log axis)")
    picks = _lesson04_rates("picks", picks)
    window = lrs.size - average.size + 1
    middles = np.sqrt(lrs[:average.size] * lrs[window - 1:])
    ax = _ax(ax)
    ax.plot(lrs, losses, color="0.6", lw=4, label=curve_label)
    ax.plot(lrs[:average.size], average, color=PALETTE[1], ls="--", lw=2,
            label=f"{window}-point average, where {reader} reads it")
    ax.plot(middles, average, color=PALETTE[5], ls=":", lw=2.5, label=f"{window}-point average, where it belongs")
    for k, (label, lr) in enumerate(picks.items()):
        colour, style = (PALETTE[1], "-.") if k == 0 else (colours(k + 3)[k + 2], "-")
        ax.axvline(lr, color=colour, ls=style, lw=1.5, label=f"{label} {lr:.3g}")
    ax.set(xscale="log", xlabel="learning rate (log scale)", ylabel=ylabel, title=title)
    ax.legend(frameon=False, fontsize="small", loc="lower left")
    return ax
