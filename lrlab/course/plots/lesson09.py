"""Lesson 09's figures: WSD branches against cosine runs, schedule-free against schedules, rates across width."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .common import _STYLES, colours
from .describe import fits_canvas

__all__ = ["wsd_branches", "schedule_grid", "width_transfer"]


def _panels(axes, n, width=4.4, height=3.7, **kw):
    # Fixed margins instead of layout="constrained": the constrained layout measures every log-axis tick
    # label before each draw, which took half of each figure's time (0.9-1.4 s of 2-3 s, measured loaded).
    # With a shared y axis the last panel repeats the y label on its right-hand side (room at the right).
    if axes is None:
        fig, axes = plt.subplots(1, n, figsize=(width * n, height), **kw)
        fig.subplots_adjust(left=0.1, right=0.94 if kw.get("sharey") else 0.975, bottom=0.14, top=0.84,
                            wspace=0.1 if kw.get("sharey") else 0.4)
        fits_canvas(fig)
    axes = np.atleast_1d(axes)
    if axes.size != n:
        raise ValueError(f"axes must hold {n} axes, got {axes.size}")
    return axes


def _range_bars(ax, x, losses, name, **style):
    """Mean over seeds (axis 1) as a line named ``name``, bars from the lowest seed to the highest.

    Every line drawn is named (the figure's description reads the names): the mean ``name``, the caps
    ``name, lowest seed`` and ``name, highest seed``. Returns the container, the legend's handle.
    """
    mean = losses.mean(axis=1)
    bars = ax.errorbar(x, mean, yerr=[mean - losses.min(axis=1), losses.max(axis=1) - mean], label=name,
                       capsize=2, **style)
    bars.lines[0].set_label(name)
    for cap, end in zip(bars.lines[1], ("lowest", "highest")):
        cap.set_label(f"{name}, {end} seed")
    return bars


def _shared_ylabel(axes, label):
    """The y label of panels that share their y axis: on the left of the first, on the right of the last."""
    axes[0].set_ylabel(label)
    axes[-1].set_ylabel(label)
    axes[-1].yaxis.set_label_position("right")


def _smooth(losses, window=15):
    """A trailing mean of the minibatch losses (mean over seeds first), NaN-free steps only."""
    mean = np.nanmean(np.asarray(losses, dtype=float), axis=0)
    kernel = np.ones(window) / window
    padded = np.concatenate([np.full(window - 1, mean[0]), mean])
    return np.convolve(padded, kernel, mode="valid")


def wsd_branches(study, *, axes=None, title=None):
    """Left: the rate of every run of a :class:`~lrlab.studies.scale.BranchStudy` against the step (the
    WSD runs share their constant phase, each cosine run has its own curve; all warm up over the study's
    ``warmup`` steps). Right: their minibatch losses (mean over seeds, trailing mean of 15 steps), log
    scale, the final validation loss of each run marked at its last step.
    """
    from lrlab.optim.schedules import wsd
    from lrlab.studies.scale import cosine_schedule

    ax_rate, ax_loss = _panels(axes, 2)
    budgets = study.budgets
    cols = colours(len(budgets) + 1)[1:]
    warm = study.warmup
    dots = []
    for i, (b, d, c) in enumerate(zip(budgets, study.decay, cols)):
        t = np.arange(b)
        cos = cosine_schedule(study.peak, b, warm)(t)
        w = wsd(study.peak, b, warm, d)(t)
        ax_rate.plot(t, cos, color=c, ls="--", lw=1.4, label=f"cosine, {b} steps")
        ax_rate.plot(t, w, color=c, ls="-", lw=2.0, label=f"WSD, decay at {b - d}")
        ax_loss.plot(t, _smooth(study.losses["cosine"][i]), color=c, ls="--", lw=1.2, label=f"cosine, {b} steps")
        ax_loss.plot(t, _smooth(study.losses["wsd"][i]), color=c, ls="-", lw=1.8, label=f"WSD, {b} steps")
        dots += ax_loss.plot([b - 1], [study.cosine[i].mean()], "o", mfc="white", color=c, ms=7,
                             label=f"{b} steps: cosine (open), WSD (filled)")
        ax_loss.plot([b - 1], [study.wsd[i].mean()], "o", color=c, ms=6, label=f"WSD, {b} steps, validation")
    ax_rate.set_xlabel("step")
    ax_rate.set_ylabel("learning rate")
    ax_rate.set_title("Rates: cosine dashed, WSD solid")
    ax_rate.legend(frameon=False, fontsize="x-small")
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("minibatch loss, mean of 15 steps (log)")
    ax_loss.set_title("Losses; dots: final validation loss")
    ax_loss.legend(handles=dots, frameon=False, fontsize="x-small")
    if title:
        ax_rate.figure.suptitle(title)
    return np.array([ax_rate, ax_loss])


def schedule_grid(study, *, axes=None, title=None):
    """Validation loss against the peak rate for each method of a :class:`~lrlab.studies.scale.ScheduleStudy`:
    left after the whole budget, right after half of it (the runs of the whole budget stopped early,
    next to the cosine planned for half the budget). Lines: mean over seeds; bars: the range over
    seeds. Log–log.
    """
    ax_full, ax_half = _panels(axes, 2, sharey=True)
    half_plan = "cosine, half budget"
    panels = ((ax_full, f"after {study.steps} steps", {n: l for n, l in study.final.items() if n != half_plan}),
              (ax_half, f"after {study.steps // 2} steps", {**{f"{n}, stopped at half": l for n, l in study.half.items()},
                                                             half_plan: study.final[half_plan]}))
    for ax, label, runs in panels:
        handles = [_range_bars(ax, study.rates, losses, name, color=c, ls=_STYLES[i % 4], marker="os^D"[i % 4],
                               ms=4, lw=1.6)
                   for i, ((name, losses), c) in enumerate(zip(runs.items(), colours(len(runs) + 1)[1:]))]
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("peak learning rate (log scale)")
        ax.set_title(f"Validation loss {label}")
        ax.legend(handles=handles, frameon=False, fontsize="x-small")
    _shared_ylabel([ax_full, ax_half], "validation loss (log scale)")
    if title:
        ax_full.figure.suptitle(title)
    return np.array([ax_full, ax_half])


def width_transfer(study, *, axes=None, title=None):
    """One panel per parametrization of a :class:`~lrlab.studies.scale.WidthStudy`: final training loss
    against Adam's rate, one line per hidden width (mean over seeds, range as bars), the best rate of
    each width marked with a star. Log–log.
    """
    ps = study.PARAMETRIZATIONS
    axes = _panels(axes, len(ps), sharey=True)
    top = float(np.nanmax([np.nanmin([study.mean(p).max(), 20.0]) for p in ps]))
    for ax, p in zip(axes, ps):
        best = study.best_index(p)
        handles = []
        for i, (w, c) in enumerate(zip(study.widths, colours(len(study.widths) + 1)[1:])):
            losses = np.minimum(study.loss[p][i], top)
            handles.append(_range_bars(ax, study.rates, losses, f"width {w}", color=c, ls=_STYLES[i % 4],
                                       marker="o", ms=3, lw=1.6))
            ax.plot([study.rates[best[i]]], [losses[best[i]].mean()], "*", color=c, ms=14, mec="black", mew=0.6,
                    label=f"width {w}, best rate")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("Adam learning rate (log scale)")
        ax.set_title(f"{p}: best rate moves {study.shift(p):+d} grid steps")
        ax.legend(handles=handles, frameon=False, fontsize="x-small", title="stars: best rate",
                  title_fontsize="x-small")
    _shared_ylabel(axes, f"training loss after {study.steps} steps (log scale)")
    if title:
        axes[0].figure.suptitle(title)
    return axes
