"""Lesson 01's figures (lrlab.course.plots, below the lesson 01 marker): labelled, drawing exactly the runs they were given."""
import functools

import numpy as np
import pytest

from lrlab.course import plots
from figures import assert_labelled

assert_labelled = functools.partial(assert_labelled, legend=True)


def test_shower_and_knob_draws_two_panels_line_for_line():
    from lrlab.studies.shower import PRESETS, simulate

    runs = [simulate(**p.kwargs()) for p in PRESETS.values()]
    top, bottom = plots.shower_and_knob(runs, title="three gains")
    assert top.get_title() == "three gains" and top.get_ylabel() and bottom.get_title()
    assert_labelled(bottom)
    assert len(top.get_lines()) == len(bottom.get_lines()) == len(runs)
    assert [ln.get_color() for ln in top.get_lines()] == [ln.get_color() for ln in bottom.get_lines()]
    assert np.array_equal(bottom.get_lines()[1].get_ydata(), runs[1].knob)
    with pytest.raises(TypeError, match="pair"):
        plots.shower_and_knob(runs, ax=top)


def test_stability_by_delay_marks_each_limit_and_the_given_gains():
    from lrlab.studies.shower import stable_gain_limit

    ax = plots.stability_by_delay(np.geomspace(1e-4, 0.06, 50), delays=[0, 2], marks={"a": 0.001, "b": 0.01})
    assert_labelled(ax)
    dots = sorted(ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_marker() == "o")
    assert dots == pytest.approx(sorted([stable_gain_limit(0), stable_gain_limit(2)]))
    assert [t.get_text().strip() for t in ax.texts] == ["a", "b"]
    assert ax.get_xscale() == "log"
    with pytest.raises(ValueError, match="gains must all be > 0"):
        plots.stability_by_delay([0.0, 0.1])


def test_settling_times_puts_every_gain_on_the_plot_and_the_unsettled_on_top():
    from lrlab.studies.shower import settling_range, sweep_gains

    grid = np.geomspace(2e-4, 0.03, 40)
    sweep = sweep_gains(grid, delay=2, steps=45)
    ax = plots.settling_times(sweep, 20, band=settling_range(20, gains=grid), limit=0.0124)
    assert_labelled(ax)
    points = [ln for ln in ax.get_lines() if ln.get_marker() in ("o", "v", "^")]
    assert sum(len(ln.get_xdata()) for ln in points) == grid.size
    top = max(max(ln.get_ydata()) for ln in points)
    assert top > sweep.time[-1], "runs that never settle belong above the last second"
    assert ax.patches, "the band of gains in time should be shaded"
    with pytest.raises(TypeError, match="ShowerSweep"):
        plots.settling_times([1, 2], 20)


def test_shower_vs_descent_draws_lines_markers_and_k_star():
    from lrlab.studies.shower import sweep_gains

    showers = sweep_gains([0.01, 0.03], delay=0, steps=5)
    ax = plots.shower_vs_descent(showers, showers.knob, 0.56, c=50.0)
    assert_labelled(ax)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "shower, gain 0.01 (g·c = 0.5)" in legend and "k* = 0.56" in legend
    with pytest.raises(ValueError, match="descent_knob must have shape"):
        plots.shower_vs_descent(showers, showers.knob[:1], 0.56)
