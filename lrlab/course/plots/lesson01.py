"""Lesson 01's figures (re-exported by :mod:`lrlab.course.plots`).
"""
from __future__ import annotations


import matplotlib.pyplot as plt
import numpy as np

from lrlab import _validate as v
from .common import VERDICT_COLOURS, _STYLES, _ax, colours, shower


def _shower_runs(runs) -> list:
    from lrlab.studies.shower import ShowerRun

    if isinstance(runs, ShowerRun):
        runs = [runs]
    runs = list(runs)
    if not runs or not all(isinstance(r, ShowerRun) for r in runs):
        raise TypeError("runs must be a ShowerRun or a list of them (from lrlab.studies.shower.simulate)")
    return runs


def _sized_ax(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def knob_positions(runs, labels=None, *, ax=None, title="Knob position over time"):
    """Knob position against time for one or more :class:`~lrlab.studies.shower.ShowerRun`, between the end stops.

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
    marks where each line crosses ρ = 1 (:func:`lrlab.studies.shower.stable_gain_limit`), the region above
    1 is tinted, and ``marks`` (``{label: gain}``) adds labelled grey dotted verticals. Uses the
    default tap of :func:`lrlab.studies.shower.simulate`.
    """
    from lrlab.studies import shower as sh

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
    """When each run of a :class:`~lrlab.studies.shower.ShowerSweep` becomes comfortable, against its gain (log scale).

    One marker per gain, coloured and shaped by its verdict; runs that never settle sit on a top row.
    ``deadline`` (s) is a dashed line, ``band`` (``(lowest, highest)`` from
    :func:`lrlab.studies.shower.settling_range`, or None) a shaded strip, and ``limit`` (the largest safe
    gain, or None) a dotted vertical.
    """
    from lrlab.studies.shower import LABELS, ShowerSweep

    if not isinstance(sweep, ShowerSweep):
        raise TypeError(f"sweep must be a ShowerSweep from lrlab.studies.shower.sweep_gains, got {type(sweep).__name__}")
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

    ``showers``: a :class:`~lrlab.studies.shower.ShowerSweep`; ``descent_knob``: an array of shape
    ``(n_gains, steps + 1)``, the gradient-descent iterates turned back into knob positions;
    ``k_star``: the comfortable knob position (a dotted line). With ``c`` (°C per knob unit) the
    legend also gives each g·c.
    """
    from lrlab.studies.shower import ShowerSweep

    if not isinstance(showers, ShowerSweep):
        raise TypeError(f"showers must be a ShowerSweep from lrlab.studies.shower.sweep_gains, got {type(showers).__name__}")
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
