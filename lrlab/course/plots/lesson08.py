"""Lesson 08's figures (re-exported by :mod:`lrlab.course.plots`).
"""
from __future__ import annotations


import matplotlib.pyplot as plt
import numpy as np

from .common import VERDICT_COLOURS, _STYLES, colours


_ZONE_ALPHA = {"too small": 0.45, "good": 0.9, "too large": 0.45}


def zone_atlas(sweeps, *, claimed=(1e-4, 1e-2), span=(1e-7, 1e1), axes=None,
               title="The Goldilocks zone, measured"):
    """Two panels for :class:`lrlab.studies.tuning.ZoneSweep` results (one per training recipe).

    Left: each recipe's final validation loss against the rate (log–log), thick where the run is in
    its zone (loss within the zone's factor of the best), crosses along the top for runs that
    diverged. Right: the post's sketch redrawn with measurements, one row per recipe: the rates
    tried below the zone ("too small"), the zone, the rates above it ("too large"); the top row is
    the zone the post draws, ``claimed``. ``span`` is the rate axis of the right panel.
    """
    sweeps = list(sweeps)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(12.0, 4.4), layout="constrained",
                                 gridspec_kw={"width_ratios": [1.0, 1.15]})
        fig.suptitle(title)
    left, right = axes
    tops = [min(np.nanmax(np.where(np.isfinite(s.val_loss), s.val_loss, np.nan)), 10 * s.start_loss) for s in sweeps]
    top = 1.5 * max(tops)
    for i, (s, colour) in enumerate(zip(sweeps, colours(len(sweeps)))):
        ok = np.isfinite(s.val_loss) & ~s.diverged
        shown = np.where(ok, np.minimum(s.val_loss, top), np.nan)
        left.plot(s.lrs, shown, color=colour, ls=_STYLES[i % 4], lw=1.2, label=s.name)
        inside = np.where(s.zone.inside, shown, np.nan)
        left.plot(s.lrs, inside, color=colour, ls="-", lw=4, alpha=0.8, solid_capstyle="round")
        if (~ok).any():
            left.plot(s.lrs[~ok], np.full((~ok).sum(), top / 1.2), "x", color=colour, ms=6, mew=1.6)
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("learning rate (log scale)")
    left.set_ylabel(f"validation loss after {sweeps[0].steps} steps (log scale, clipped)")
    left.set_title("Loss against rate; thick: inside the zone")
    left.legend(frameon=False, fontsize="x-small", loc="lower left")

    rows = [("the post's sketch", None)] + [(s.name, s) for s in sweeps]
    for k, (label, s) in enumerate(rows):
        y = len(rows) - 1 - k
        if s is None:
            pieces = [(span[0], claimed[0], "too small"), (claimed[0], claimed[1], "good"),
                      (claimed[1], 1.0, "too large")]
        else:
            lo, hi = s.lrs.min(), s.lrs.max()
            pieces = [(lo, s.zone.low, "too small"), (s.zone.low, s.zone.high, "good"), (s.zone.high, hi, "too large")]
        for a, b, verdict in pieces:
            if b > a:
                right.plot([a, b], [y, y], color=VERDICT_COLOURS[verdict], lw=9, solid_capstyle="butt",
                           alpha=_ZONE_ALPHA[verdict])
        if s is not None and s.diverged.any():
            right.plot(s.lrs[s.diverged], np.full(s.diverged.sum(), y + 0.32), "x",
                       color=VERDICT_COLOURS["too large"], ms=5, mew=1.4)
        holes = getattr(s.zone, "holes", ()) if s is not None else ()
        if len(holes):
            right.plot(holes, np.full(len(holes), y), "o", mfc="white", mec=VERDICT_COLOURS["too large"], ms=6,
                       mew=1.6)
    for verdict, label in (("too small", "too small"), ("good", "zone"), ("too large", "too large")):
        right.plot([], [], color=VERDICT_COLOURS[verdict], lw=6, alpha=_ZONE_ALPHA[verdict], label=label)
    if any(s.diverged.any() for s in sweeps):
        right.plot([], [], "x", color=VERDICT_COLOURS["too large"], label="diverged")
    if any(len(getattr(s.zone, "holes", ())) for s in sweeps):
        right.plot([], [], "o", mfc="white", mec=VERDICT_COLOURS["too large"], label="hole: outside, inside the span")
    right.set_yticks(range(len(rows)), [label for label, _ in rows][::-1], fontsize="small")
    right.set_xscale("log")
    right.set_xlim(*span)
    right.set_ylim(-0.7, len(rows) - 0.3)
    right.set_xlabel("learning rate (log scale)")
    right.set_title("Zone per recipe, the post's sketch on top")
    right.legend(frameon=False, fontsize="x-small", loc="lower left")
    return axes


def edge_of_stability(runs, *, axes=None, title="Full-batch gradient descent at the edge of stability",
                      panels=("Sharpness rises until it meets 2/lr", "Loss: still falling, no longer monotone")):
    """Two panels for :class:`lrlab.studies.stability.SharpnessRun` results, one colour per rate.

    Left: the sharpness (top Hessian eigenvalue) against the step, with the line 2/lr of each rate
    dotted in the same colour. Right: the loss on the batch against the step (log scale).
    ``panels`` are the two panels' titles.
    """
    runs = list(runs)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(12.0, 4.2), layout="constrained")
        fig.suptitle(title)
    left, right = axes
    for i, (run, colour) in enumerate(zip(runs, colours(len(runs) + 1)[1:])):
        label = f"lr = {run.lr:g}"
        left.plot(run.at, run.sharpness, color=colour, ls=_STYLES[i % 4], lw=1.6, label=f"{label}: sharpness")
        left.axhline(run.limit, color=colour, ls=":", lw=1.6, label=f"2/lr = {run.limit:.3g}")
        steps = np.arange(run.losses.size)
        right.plot(steps, run.losses, color=colour, ls=_STYLES[i % 4], lw=1.2, label=label)
    left.set_xlabel("step")
    left.set_ylabel("sharpness: top Hessian eigenvalue")
    left.set_title(panels[0])
    left.legend(frameon=False, fontsize="x-small", ncol=2, loc="lower right" if len(runs) > 1 else "upper right")
    right.set_yscale("log")
    right.set_xlabel("step")
    right.set_ylabel("loss on the batch (log scale)")
    right.set_title(panels[1])
    right.legend(frameon=False, fontsize="small")
    return axes
