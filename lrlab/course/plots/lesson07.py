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

    Bars are means over the seeds, a dot per seed. Right: the same two against the body's rate
    for one head rate (``sweep``: a :class:`lrlab.studies.mistakes.FineTune` whose copies share a head
    rate; mean line, a band from the lowest to the highest seed), a frozen body (rate 0) drawn as
    horizontal dotted lines. ``recipes``: name -> :class:`lrlab.studies.mistakes.FineTune` of one pair.
    """
    left, right = _lesson07_panels(axes, 2, width=5.4)
    names = list(recipes)
    x = np.arange(len(names))
    c_new, c_old = PALETTE[5], PALETTE[6]
    for shift, attr, colour, hatch, label in ((-0.2, "new_accuracy", c_new, None, "new classes: accuracy"),
                                              (0.2, "retention", c_old, "//", "old classes: retention")):
        values = [np.asarray(getattr(recipes[n], attr)) for n in names]
        left.bar(x + shift, [v.mean() for v in values], 0.4, color=colour, hatch=hatch, edgecolor="white",
                 label=f"{label} (mean)")
        for i, v in enumerate(values):
            left.plot(np.full(v.size, x[i] + shift), v, "o", color="0.15", ms=3)
    left.plot([], [], "o", color="0.15", ms=3, label="one seed")
    before = float(np.mean(next(iter(recipes.values())).before))
    left.axhline(before, color="0.3", ls=":", lw=1.2, label="old classes before fine-tuning")
    left.set_xticks(x, [n.replace(" (", "\n(") for n in names], fontsize="small")
    left.set_ylim(0, 1.45)
    left.set_yticks(np.linspace(0, 1, 6))
    left.set_ylabel("accuracy on held-out images")
    left.set_title(f"{len(names)} ways to fine-tune, same budget")
    left.legend(frameon=False, fontsize="x-small", loc="upper left", ncol=2)
    frozen = sweep.body_lrs == 0
    for attr, colour, style, label in (("new_accuracy", c_new, "o-", "new classes: accuracy"),
                                       ("retention", c_old, "s--", "old classes: retention")):
        per_seed = sweep.by_pair(attr)
        rates = sweep.pairs[:, 0]
        moving = rates > 0
        right.plot(rates[moving], per_seed[moving].mean(axis=1), style, color=colour, lw=1.8, label=label)
        right.fill_between(rates[moving], per_seed[moving].min(axis=1), per_seed[moving].max(axis=1),
                           color=colour, alpha=0.2, lw=0)
        if frozen.any():
            right.axhline(float(per_seed[~moving].mean()), color=colour, ls=":", lw=1.2,
                          label=f"frozen body: {'new' if attr == 'new_accuracy' else 'old'}")
    right.set_xscale("log")
    right.set_ylim(0, 1.05)
    right.set_xlabel("rate of the body (log scale)")
    right.set_ylabel("accuracy on held-out images")
    right.set_title(f"Head rate {float(sweep.head_lrs[0]):g}, body rate varied (band: seeds)")
    right.legend(frameon=False, fontsize="x-small", loc="lower left")
    if title:
        left.figure.suptitle(title)
    return np.array([left, right])


def best_rate_by_batch(sweeps, labels, *, ax=None, title="Best rate against batch size"):
    """Best rate against batch size on log-log axes, one line per :class:`lrlab.studies.mistakes.BatchSweep`.

    Markers: the geometric mean over the seeds, bars from the lowest to the highest seed. Two
    guides start at the first sweep's mean best rate at its smallest batch: the linear rule (slope
    1, dashed) and the square-root rule (slope ½, dotted); the thin grey line is the largest rate of
    the first sweep's grid that trained from every seed.
    """
    ax = _ax(ax)
    first = sweeps[0]
    b = first.batch_sizes.astype(float)
    for i, (s, label, colour) in enumerate(zip(sweeps, labels, colours(len(sweeps) + 1)[1:])):
        best = s.best
        mid = np.exp(np.log(best).mean(axis=1))
        ax.errorbar(s.batch_sizes, mid, yerr=[mid - best.min(axis=1), best.max(axis=1) - mid], marker="os^D"[i % 4],
                    ls=_STYLES[i % 4], color=colour, lw=1.8, capsize=3, label=f"{label} (bars: seeds)")
    b0, r0 = b[0], float(np.exp(np.log(first.best[0]).mean()))
    ax.plot(b, r0 * b / b0, color="0.35", ls="--", lw=1.2, label="linear rule: rate ∝ batch")
    ax.plot(b, r0 * np.sqrt(b / b0), color="0.35", ls=":", lw=1.5, label="square-root rule: rate ∝ √batch")
    ax.plot(b, first.largest_stable().min(axis=1), color="0.6", lw=1, drawstyle="steps-mid",
            label=f"largest {labels[0]} rate that trained (every seed)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(b, [f"{int(x)}\n({n} steps)" for x, n in zip(b, first.steps)])
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


def after_a_stall(result, *, axes=None, title=None):
    """Validation loss of each stalled run, then each way on from each seed's fork: one panel per run.

    ``result``: a :class:`lrlab.studies.mistakes.Stalls`. One line per seed and way; the run at its
    constant rate is drawn up to each seed's fork (a dotted line), the ways on after it; a marker at
    the end of each continuation gives the mean of the evaluations compared (its last ``window``),
    and small ticks at the top mark where ReduceLROnPlateau, fed each unsmoothed evaluation,
    would first have cut the rate on each seed.
    """
    names = list(result.first)
    axes = _lesson07_panels(axes, len(names), width=4.6, height=3.6)
    for ax, name in zip(axes, names):
        first, forks = result.first[name], result.fork[name]
        legend = {}   # one entry per kind of line (the first seed's), while every line is named by its seed
        for k, (seed, fork) in enumerate(zip(result.seeds, forks)):
            upto = first.steps <= fork
            line, = ax.plot(first.steps[upto], first.val_loss[k, upto], color=PALETTE[0], lw=0.9,
                            label=f"seed {seed}: constant rate, to the stall")
            legend.setdefault("constant rate, to the stall", line)
            ax.axvline(fork, color="0.5", ls=":", lw=1, label=f"seed {seed}: fork at step {fork}")
            for i, (way, run) in enumerate(result.after[name].items()):
                colour = colours(5)[i + 1]
                line, = ax.plot(fork + run.steps, np.minimum(run.val_loss[k], 10.0), color=colour,
                                ls=_STYLES[(i + 1) % 4], lw=0.9, label=f"seed {seed}: {way}")
                legend.setdefault(way, line)
                ax.plot(fork + run.steps[-1], result.ends(name, way)[k], "o", color=colour, ms=5, mec="k", mew=0.5,
                        label=f"seed {seed}: {way}, mean of the last {result.window} evaluations")
        for seed, step in zip(result.seeds, result.plateau_cut[name]):
            if step >= 0:
                ax.plot(step, 1.0, "v", color="0.3", ms=5, transform=ax.get_xaxis_transform(), clip_on=False,
                        label=f"seed {seed}: ReduceLROnPlateau's first cut, unsmoothed")
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("validation loss (log scale, cut at 10)")
        ax.set_title(f"SGD, {name}", fontsize="medium")
        ax.legend(list(legend.values()), list(legend), frameon=False, fontsize="x-small", loc="upper right")
    if title:
        axes[0].figure.suptitle(title)
    return axes
