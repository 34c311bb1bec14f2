"""Lesson 07's figures (re-exported by :mod:`lrlab.course.plots`).
"""
from __future__ import annotations


import matplotlib.pyplot as plt
import numpy as np

from .common import PALETTE, _STYLES, _ax, colours


def _lesson07_panels(axes, n, width=4.2, height=3.6):
    if axes is None:
        _, axes = plt.subplots(1, n, figsize=(width * n, height), layout="constrained")
    return np.atleast_1d(axes)


def finetune_recipes(recipes, sweep, *, axes=None, title=None):
    """Fine-tuning, two panels. Left: new-class accuracy and old-class retention per recipe (bars).

    Right: the same two against the body's rate for one head rate (``sweep``: a
    :class:`lrlab.studies.mistakes.FineTune` whose copies share a head rate), a frozen body (rate 0) drawn
    as horizontal dotted lines. ``recipes``: name -> :class:`lrlab.studies.mistakes.FineTune` of one copy.
    """
    left, right = _lesson07_panels(axes, 2, width=5.0)
    names = list(recipes)
    x = np.arange(len(names))
    new = [float(recipes[n].new_accuracy[0]) for n in names]
    kept = [float(recipes[n].retention[0]) for n in names]
    c_new, c_old = PALETTE[5], PALETTE[6]
    left.bar(x - 0.2, new, 0.4, color=c_new, label="new classes: accuracy")
    left.bar(x + 0.2, kept, 0.4, color=c_old, hatch="//", edgecolor="white", label="old classes: retention")
    before = float(next(iter(recipes.values())).before)
    left.axhline(before, color="0.3", ls=":", lw=1.2, label="old classes before fine-tuning")
    left.set_xticks(x, [n.replace(" (", "\n(") for n in names], fontsize="small")
    left.set_ylim(0, 1.4)
    left.set_yticks(np.linspace(0, 1, 6))
    left.set_ylabel("accuracy on held-out images")
    left.set_title("Four ways to fine-tune, same budget")
    left.legend(frameon=False, fontsize="x-small", loc="upper left", ncol=2)
    frozen = sweep.body_lrs == 0
    rates = sweep.body_lrs[~frozen]
    right.plot(rates, sweep.new_accuracy[~frozen], "o-", color=c_new, lw=1.8, label="new classes: accuracy")
    right.plot(rates, sweep.retention[~frozen], "s--", color=c_old, lw=1.8, label="old classes: retention")
    if frozen.any():
        right.axhline(float(sweep.new_accuracy[frozen][0]), color=c_new, ls=":", lw=1.2, label="frozen body: new")
        right.axhline(float(sweep.retention[frozen][0]), color=c_old, ls=":", lw=1.2, label="frozen body: old")
    right.set_xscale("log")
    right.set_ylim(0, 1.05)
    right.set_xlabel("rate of the body (log scale)")
    right.set_ylabel("accuracy on held-out images")
    right.set_title(f"Head rate {float(sweep.head_lrs[0]):g}, body rate varied")
    right.legend(frameon=False, fontsize="x-small", loc="lower left")
    if title:
        left.figure.suptitle(title)
    return np.array([left, right])


def best_rate_by_batch(sweeps, labels, *, ax=None, title="Best rate against batch size"):
    """Best rate (markers) against batch size on log-log axes, one line per :class:`lrlab.studies.mistakes.BatchSweep`.

    Two guides start at the first sweep's smallest batch: the linear rule (slope 1, dashed) and the
    square-root rule (slope ½, dotted); the first sweep's largest stable rate of the grid is drawn
    as a thin grey line.
    """
    ax = _ax(ax)
    first = sweeps[0]
    b = first.batch_sizes.astype(float)
    for i, (s, label, colour) in enumerate(zip(sweeps, labels, colours(len(sweeps) + 1)[1:])):
        ax.plot(s.batch_sizes, s.best, marker="os^D"[i % 4], ls=_STYLES[i % 4], color=colour, lw=1.8, label=label)
    b0, r0 = b[0], first.best[0]
    ax.plot(b, r0 * b / b0, color="0.35", ls="--", lw=1.2, label="linear rule: rate ∝ batch")
    ax.plot(b, r0 * np.sqrt(b / b0), color="0.35", ls=":", lw=1.5, label="square-root rule: rate ∝ √batch")
    ax.plot(b, first.largest_stable(), color="0.6", lw=1, drawstyle="steps-mid",
            label=f"largest {labels[0]} rate that trained")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(b, [str(int(x)) for x in b])
    ax.set_xlabel("batch size (images per step, log scale)")
    ax.set_ylabel("learning rate (log scale)")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize="x-small", loc="upper left")
    return ax


def train_and_validation(panels, *, axes=None, title=None):
    """One panel per run: training loss (solid) and validation loss (dashed) against the step, log axis.

    ``panels``: title -> (:class:`lrlab.studies.mistakes.Curves`, copy index).
    """
    axes = _lesson07_panels(axes, len(panels), width=3.4, height=3.2)
    for ax, (name, (run, k)) in zip(axes, panels.items()):
        ax.plot(run.steps, run.train_loss[k], color=PALETTE[5], lw=1.8, label="training")
        ax.plot(run.steps, run.val_loss[k], color=PALETTE[6], ls="--", lw=1.8, label="validation")
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_title(name, fontsize="medium")
    axes[0].set_ylabel("loss (cross-entropy, log scale)")
    axes[0].legend(frameon=False, fontsize="small")
    if title:
        axes[0].figure.suptitle(title)
    return axes


def after_a_stall(first, result, *, axes=None, title=None):
    """Validation loss of each stalled run (from ``first``, a :class:`lrlab.studies.mistakes.Curves`), then each way on.

    One panel per stalled rate of ``result`` (a :class:`lrlab.studies.mistakes.GiveUp`); the dotted line
    marks the step where the stall was judged.
    """
    axes = _lesson07_panels(axes, len(result.stalled), width=4.6, height=3.6)
    start = result.start_step
    for j, (ax, lr) in enumerate(zip(axes, result.stalled)):
        k = first.index(lr)
        ax.plot(first.steps, first.val_loss[k], color=PALETTE[0], lw=2, label=f"first {start} steps, lr = {lr:g}")
        for i, (name, run, colour) in enumerate(zip(result.runs, result.runs.values(), colours(5)[1:])):
            shown = np.minimum(run.val_loss[j], 10.0)
            ax.plot(start + run.steps, shown, color=colour, ls=_STYLES[(i + 1) % 4], lw=1.6, label=name)
        ax.axvline(start, color="0.5", ls=":", lw=1)
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_title(f"stalled at lr = {lr:g}", fontsize="medium")
        ax.legend(frameon=False, fontsize="x-small", loc="upper right")
    axes[0].set_ylabel("validation loss (log scale, cut at 10)")
    if title:
        axes[0].figure.suptitle(title)
    return axes
