"""The course's figures, drawn with matplotlib.

Every function takes an optional ``ax`` (a new figure is made when it is
None), returns the ``ax`` it drew on, labels both axes with their units and
gives the plot a title. Colours come from the Okabe–Ito palette, which
readers with the common forms of colour blindness can tell apart; line styles
differ as well, so the figures also survive greyscale printing.
"""
from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np

from . import _validate as v
from .engine import History, Sweep

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

    ``runs``: a :class:`~lrlab.engine.History`, a list of them, a
    :class:`~lrlab.engine.Sweep` (one line per rate), or 1-D arrays of losses.
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
    """Final loss of every run of a :class:`~lrlab.engine.Sweep` against its learning rate (log–log).

    Diverged runs are drawn as crosses along the top edge. With ``L`` the
    marks ``1/L`` and ``2/L`` are drawn; with ``tol`` the rates whose run
    reached ``loss <= tol`` are shaded as the working band ("Goldilocks zone").
    """
    if not isinstance(result, Sweep):
        raise TypeError(f"result must be an lrlab.engine.Sweep, got {type(result).__name__}")
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
    """Felt temperature against time for one or more :class:`~lrlab.shower.ShowerRun`, with the comfort band.

    Each line is labelled with its gain and behaviour unless ``labels`` are given.
    """
    from .shower import ShowerRun

    if isinstance(runs, ShowerRun):
        runs = [runs]
    runs = list(runs)
    if not runs or not all(isinstance(r, ShowerRun) for r in runs):
        raise TypeError("runs must be a ShowerRun or a list of them (from lrlab.shower.simulate)")
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
    """Loss against learning rate from :func:`lrlab.finder.lr_range_test`, raw and smoothed.

    With ``suggestions`` (True: every rule in :data:`lrlab.finder.SUGGESTIONS`,
    or a dict ``{name: lr}``) each suggested rate is marked with a vertical line.
    """
    from .finder import FinderResult

    if not isinstance(result, FinderResult):
        raise TypeError(f"result must be a FinderResult from lrlab.finder.lr_range_test, got {type(result).__name__}")
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


# Figures of particular lessons. Each lesson adds its functions below its own marker (and nowhere else),
# so that lessons can be edited side by side without touching each other's code.

# --- lesson 01 figures ---

def _shower_runs(runs) -> list:
    from .shower import ShowerRun

    if isinstance(runs, ShowerRun):
        runs = [runs]
    runs = list(runs)
    if not runs or not all(isinstance(r, ShowerRun) for r in runs):
        raise TypeError("runs must be a ShowerRun or a list of them (from lrlab.shower.simulate)")
    return runs


def _sized_ax(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def knob_positions(runs, labels=None, *, ax=None, title="Knob position over time"):
    """Knob position against time for one or more :class:`~lrlab.shower.ShowerRun`, between the end stops.

    Lines are labelled with their gain and behaviour unless ``labels`` are given; colours and line
    styles are those of :func:`shower`, so the two can be read line for line.
    """
    runs = _shower_runs(runs)
    if labels is not None and len(labels) != len(runs):
        raise ValueError(f"labels must have one entry per run ({len(runs)}), got {len(labels)}")
    ax = _ax(ax)
    for i, (run, colour) in enumerate(zip(runs, colours(len(runs)))):
        label = labels[i] if labels is not None else f"gain {run.gain:g}: {run.behaviour}"
        ax.plot(run.time, run.knob, color=colour, ls=_STYLES[i % 4], lw=1.8, label=label)
    ax.set(xlabel="time (s)", ylabel="knob position (0 = cold, 1 = hot)", ylim=(-0.05, 1.05), title=title)
    ax.legend(frameon=False, fontsize="small")
    return ax


def shower_and_knob(runs, labels=None, *, ax=None, title="Water temperature at the skin"):
    """Two panels on one time axis: the felt temperature (:func:`shower`) above, the knob below.

    ``ax`` is None (a new 9 × 7 inch figure) or a pair ``(top, bottom)`` of axes; the pair is
    returned. ``title`` heads the top panel; legends sit to the right of the panels.
    """
    runs = _shower_runs(runs)
    if ax is None:
        _, ax = plt.subplots(2, 1, figsize=(9, 7), sharex=True, layout="constrained")
    try:
        top, bottom = ax
    except (TypeError, ValueError):
        raise TypeError(f"ax must be None or a pair (top, bottom) of matplotlib axes, got {ax!r}") from None
    shower(runs, labels, ax=top, title=title)
    knob_positions(runs, labels, ax=bottom, title="The knob behind each line")
    if bottom in top.get_shared_x_axes().get_siblings(top):
        top.set_xlabel("")  # one time axis, labelled under the bottom panel
    for panel in (top, bottom):
        panel.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return top, bottom


def stability_by_delay(gains, delays=(0, 1, 2, 3), *, marks=None, ax=None,
                       title="A longer pipe leaves fewer safe gains"):
    """ρ, the shower's error factor per second, against the gain (log scale), one line per pipe delay.

    ``gains``: positive gains (knob units per °C) to draw over; ``delays``: pipe delays in s. A dot
    marks where each line crosses ρ = 1 (:func:`lrlab.shower.stable_gain_limit`), the region above
    1 is tinted, and ``marks`` (``{label: gain}``) adds labelled grey dotted verticals. Uses the
    default tap of :func:`lrlab.shower.simulate`.
    """
    from . import shower as sh

    gains = v.array("gains", gains, ndim=1, min_size=2)
    if np.any(gains <= 0):
        raise ValueError(f"gains must all be > 0, got a minimum of {gains.min()!r}")
    delays = [v.integer("delays", d, low=0) for d in delays]
    if not delays:
        raise ValueError("delays must name at least one pipe delay")
    marks = {} if marks is None else {str(k): v.positive(f"marks[{k!r}]", g) for k, g in dict(marks).items()}
    ax = _sized_ax(ax, (7, 4.2))
    top = 1.6
    for i, (d, colour) in enumerate(zip(delays, colours(len(delays)))):
        ax.plot(gains, [sh.spectral_radius(g, d) for g in gains], color=colour, ls=_STYLES[i % 4], lw=1.8,
                label=f"pipe delay {d} s")
    for i, (d, colour) in enumerate(zip(delays, colours(len(delays)))):
        ax.plot(sh.stable_gain_limit(d), 1.0, "o", color=colour, ms=6, ls="none",
                label="largest safe gain (ρ = 1)" if i == 0 else None)
    ax.axhspan(1.0, top, color=VERDICT_COLOURS["too large"], alpha=0.08, label="swings grow (ρ > 1)")
    ax.axhline(1.0, color="grey", lw=1)
    for name, g in marks.items():
        ax.axvline(g, color="grey", ls=":", lw=1)
        ax.text(g, 0.02, f" {name}", color="dimgrey", fontsize="small", va="bottom")
    ax.set(xscale="log", ylim=(0, top), xlabel="gain g (knob units per °C, log scale)",
           ylabel="ρ: error factor per second", title=title)
    ax.legend(frameon=False, fontsize="small", loc="lower left")
    return ax


def settling_times(sweep, deadline, *, band=None, limit=None, ax=None, title=None):
    """When each run of a :class:`~lrlab.shower.ShowerSweep` becomes comfortable, against its gain (log scale).

    One marker per gain, coloured and shaped by its verdict; runs that never settle sit on a top row.
    ``deadline`` (s) is a dashed line, ``band`` (``(lowest, highest)`` from
    :func:`lrlab.shower.settling_range`, or None) a shaded strip, and ``limit`` (the largest safe
    gain, or None) a dotted vertical.
    """
    from .shower import LABELS, ShowerSweep

    if not isinstance(sweep, ShowerSweep):
        raise TypeError(f"sweep must be a ShowerSweep from lrlab.shower.sweep_gains, got {type(sweep).__name__}")
    deadline = v.positive("deadline", deadline)
    if band is not None:
        band = tuple(v.array("band", band, shape=(2,)))
    limit = None if limit is None else v.positive("limit", limit)
    ax = _sized_ax(ax, (9, 4.2))
    end = float(sweep.time[-1])
    never = end + 5  # the row of the runs that never settle
    colour_of = {"too timid": VERDICT_COLOURS["too small"], "settles": VERDICT_COLOURS["good"],
                 "wild swings": VERDICT_COLOURS["too large"]}
    marker_of = {"too timid": "v", "settles": "o", "wild swings": "^"}
    if band is not None:
        ax.axvspan(*band, color=VERDICT_COLOURS["good"], alpha=0.15,
                   label=f"comfortable within {deadline:g} s: {band[0]:.4f} to {band[1]:.4f}")
    for label in LABELS:
        pick = sweep.labels == label
        y = np.where(np.isnan(sweep.settled_at[pick]), never, sweep.settled_at[pick])
        ax.plot(sweep.gains[pick], y, marker_of[label], color=colour_of[label], ms=4, ls="none", label=label)
    ax.axhline(deadline, color="black", ls="--", lw=1, label=f"deadline: {deadline:g} s")
    if limit is not None:
        ax.axvline(limit, color="grey", ls=":", lw=1.2, label=f"largest safe gain: {limit:.4f}")
    ticks = list(np.arange(0, never - 4, 10))
    ax.set_yticks(ticks + [never], [f"{t:g}" for t in ticks] + [f"not within\n{end:g} s"])
    ax.set(xscale="log", ylim=(0, never + 4), xlabel="gain g (knob units per °C, log scale)",
           ylabel="comfortable from (s)",
           title=title or f"Which gains settle in time? (pipe delay {sweep.delay} s)")
    ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def shower_vs_descent(showers, descent_knob, k_star, *, c=None, ax=None,
                      title="No delay: the shower is gradient descent on ½·c·(k − k*)²"):
    """Knob positions of a shower sweep (lines) over gradient-descent iterates (markers), one colour per gain.

    ``showers``: a :class:`~lrlab.shower.ShowerSweep`; ``descent_knob``: an array of shape
    ``(n_gains, steps + 1)``, the gradient-descent iterates turned back into knob positions;
    ``k_star``: the comfortable knob position (a dotted line). With ``c`` (°C per knob unit) the
    legend also gives each g·c.
    """
    from .shower import ShowerSweep

    if not isinstance(showers, ShowerSweep):
        raise TypeError(f"showers must be a ShowerSweep from lrlab.shower.sweep_gains, got {type(showers).__name__}")
    descent_knob = v.array("descent_knob", descent_knob, shape=(len(showers.gains), None))
    k_star = v.real("k_star", k_star)
    c = None if c is None else v.positive("c", c)
    ax = _sized_ax(ax, (7, 4.2))
    for i, (g, colour) in enumerate(zip(showers.gains, colours(len(showers.gains)))):
        extra = "" if c is None else f" (g·c = {g * c:.1f})"
        ax.plot(showers.time, showers.knob[i], color=colour, ls=_STYLES[i % 4], lw=1.8,
                label=f"shower, gain {g:.3g}{extra}")
        ax.plot(np.arange(descent_knob.shape[1]), descent_knob[i], "o", color=colour, mfc="none", ms=7,
                ls="none", label=f"gradient descent, lr {g:.3g}")
    ax.axhline(k_star, color="grey", ls=":", lw=1.2, label=f"k* = {k_star:.2f}")
    ax.set(xlabel="time (s) = step", ylabel="knob position (0 = cold, 1 = hot)", title=title)
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    return ax

# --- lesson 02 figures ---

#: The verdict colour of each regime :func:`lrlab.theory.regime` names (lesson 02's panels).
REGIME_VERDICTS = {"creeps": "too small", "one step": "good", "zig-zags": "good",
                   "stuck oscillating": "too large", "diverges": "too large"}


def _recorded_runs(runs, dim):
    if not isinstance(runs, Sweep):
        raise TypeError(f"runs must be an lrlab.engine.Sweep, got {type(runs).__name__}")
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

    ``runs``: a :class:`~lrlab.engine.Sweep` of ``problem`` made with ``record_params=True``. Each panel
    is :func:`trajectory_1d` titled with the regime :func:`lrlab.theory.regime` names and coloured by
    its verdict (:data:`REGIME_VERDICTS`); its legend gives the rate and the factor ``q = 1 − lr·L``.
    ``axes``: None (a new row of panels) or one axes per run; ``title`` heads the figure. Returns
    the list of axes.
    """
    from . import theory

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

    ``runs``: a :class:`~lrlab.engine.Sweep` of ``problem`` made with ``record_params=True``; each
    panel is :func:`contour` with that run's path. ``bounds``: ((xmin, xmax), (ymin, ymax)), the same
    for every panel (by default each panel's own box). ``axes``: None (a new row of panels sharing
    the x₂ axis) or one axes per run; ``title`` heads the figure. Returns the list of axes.
    """
    from . import theory

    runs = _recorded_runs(runs, 2)
    axes = _row_of_panels(axes, len(runs.lrs), sharey=True)
    for ax, lr, path in zip(axes, runs.lrs, runs.params):
        contour(problem, [path], labels=[f"lr = {lr:g}"], ax=ax, bounds=bounds,
                title=f"{theory.regime(lr, problem)} (lr = {lr:g})")
    if title is not None:
        axes[0].figure.suptitle(title)
    return axes

# --- lesson 03 figures ---

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
        raise TypeError(f"{name} must be an lrlab.engine.Sweep, got {type(result).__name__}")
    if params and result.params is None:
        raise ValueError(f"{name} must be a sweep run with record_params=True (it holds no paths)")
    return result


def _lesson03_names(names, n):
    if isinstance(names, str) or len(names) != n:
        raise ValueError(f"names must give one name per run ({n}), got {names!r}")
    return [str(x) for x in names]


def valley_paths(problem, result, names, *, bounds=None, axes=None, title=None):
    """The path of every rate of a 2-D sweep, one contour panel per rate, side by side.

    ``result``: a :class:`~lrlab.engine.Sweep` run with ``record_params=True``; ``names``: one
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
    from . import theory

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

    ``runs`` maps a legend label to a :class:`~lrlab.engine.History` (or a 1-D array of losses).
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


# --- lesson 04 figures ---

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

    Left: :func:`finder` on ``result`` (a :class:`~lrlab.finder.FinderResult`) with a vertical line per
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


# --- lesson 05 figures ---

def _runs_dict(name: str, runs) -> dict:
    if not isinstance(runs, dict) or not runs or not all(isinstance(h, History) for h in runs.values()):
        raise TypeError(f"{name} must be a non-empty dict {{label: History}} from lrlab.engine.train, got {runs!r}")
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
    (:func:`lrlab.engine.rate_times_curvature`), with the line at 2 above which a step overshoots.
    ``runs``: ``{label: History}`` trained with ``record_params=True`` on ``problem``; ``title``
    names the left panel.
    """
    from .engine import rate_times_curvature

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


# --- lesson 06 figures ---


def momentum_limits(sweeps, limits, labels, *, ax=None, title="Where heavy-ball momentum stops converging"):
    """Final loss over initial loss against the rate, one line per momentum setting, with each predicted limit.

    ``sweeps``: :class:`~lrlab.engine.Sweep` results on the same quadratic; ``limits``: the predicted
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

    ``steps``: one array per method (from :func:`lrlab.sensitivity.settle_steps`); the best rate of each
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
    """One panel per optimizer of a :class:`lrlab.sensitivity.Study`: each seed's final validation loss
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


# --- lesson 07 figures ---

def _lesson07_panels(axes, n, width=4.2, height=3.6):
    if axes is None:
        _, axes = plt.subplots(1, n, figsize=(width * n, height), layout="constrained")
    return np.atleast_1d(axes)


def finetune_recipes(recipes, sweep, *, axes=None, title=None):
    """Fine-tuning, two panels. Left: new-class accuracy and old-class retention per recipe (bars).

    Right: the same two against the body's rate for one head rate (``sweep``: a
    :class:`lrlab.mistakes.FineTune` whose copies share a head rate), a frozen body (rate 0) drawn
    as horizontal dotted lines. ``recipes``: name -> :class:`lrlab.mistakes.FineTune` of one copy.
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
    """Best rate (markers) against batch size on log-log axes, one line per :class:`lrlab.mistakes.BatchSweep`.

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

    ``panels``: title -> (:class:`lrlab.mistakes.Curves`, copy index).
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
    """Validation loss of each stalled run (from ``first``, a :class:`lrlab.mistakes.Curves`), then each way on.

    One panel per stalled rate of ``result`` (a :class:`lrlab.mistakes.GiveUp`); the dotted line
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


# --- lesson 08 figures ---

_ZONE_ALPHA = {"too small": 0.45, "good": 0.9, "too large": 0.45}


def zone_atlas(sweeps, *, claimed=(1e-4, 1e-2), span=(1e-7, 1e1), axes=None,
               title="The Goldilocks zone, measured"):
    """Two panels for :class:`lrlab.tuning.ZoneSweep` results (one per training recipe).

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
    left.set_title("Loss against rate; thick: within 2× of the best")
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
    for verdict, label in (("too small", "too small"), ("good", "zone"), ("too large", "too large")):
        right.plot([], [], color=VERDICT_COLOURS[verdict], lw=6, alpha=_ZONE_ALPHA[verdict], label=label)
    if any(s.diverged.any() for s in sweeps):
        right.plot([], [], "x", color=VERDICT_COLOURS["too large"], label="diverged")
    right.set_yticks(range(len(rows)), [label for label, _ in rows][::-1], fontsize="small")
    right.set_xscale("log")
    right.set_xlim(*span)
    right.set_ylim(-0.7, len(rows) - 0.3)
    right.set_xlabel("learning rate (log scale)")
    right.set_title("Zone (within 2× of the best) per recipe, the post's on top")
    right.legend(frameon=False, fontsize="x-small", loc="lower left")
    return axes


def edge_of_stability(runs, *, axes=None, title="Full-batch gradient descent at the edge of stability",
                      panels=("Sharpness rises until it meets 2/lr", "Loss: still falling, no longer monotone")):
    """Two panels for :class:`lrlab.stability.SharpnessRun` results, one colour per rate.

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
