"""Lesson 04's figures (lrlab.course.plots, below "lesson 04 figures"): labelled, drawing what they were given,
returning their axes, and refusing bad input by name."""
import numpy as np
import pytest

from lrlab.course import plots
from lrlab.train.finder import lr_range_test
from lrlab.optim.optimizers import SGD
from lrlab.problems import LogisticRegression
from figures import assert_labelled


def test_range_test_and_sweep_marks_the_same_rates_in_both_panels():
    result = lr_range_test(LogisticRegression(), SGD(lr=1e-3), start_lr=1e-4, end_lr=10.0, num_steps=60, batch_size=64)
    picks = {"steepest": 1.5, "valley": 0.07}
    grid = np.geomspace(0.01, 10.0, 7)
    left, right = plots.range_test_and_sweep(result, picks, grid, np.linspace(2.0, 0.1, 7), limit=0.35, steps=60)
    for ax in (left, right):
        assert_labelled(ax)
        assert ax.get_xscale() == "log"
        marked = sorted(ln.get_xdata()[0] for ln in ax.get_lines() if len(set(ln.get_xdata())) == 1)
        assert marked == pytest.approx([0.07, 0.35, 1.5])
    assert right.get_yscale() == "log" and "60 steps" in right.get_title()
    assert "2/L = 0.35" in [t.get_text() for t in right.get_legend().get_texts()]
    with pytest.raises(ValueError, match="final_losses"):
        plots.range_test_and_sweep(result, picks, grid, [1.0, 2.0])
    with pytest.raises(TypeError, match="suggestions"):
        plots.range_test_and_sweep(result, [1.5], grid, np.ones(7))


def test_misread_average_draws_the_average_where_it_is_read_and_where_it_belongs():
    lrs = np.geomspace(1e-4, 1.0, 21)
    losses = 2.0 - np.tanh(np.log10(lrs) + 2.0)
    average = np.convolve(losses, np.ones(5) / 5, mode="valid")
    ax = plots.misread_average(lrs, losses, average, {"read": 0.004, "true": 0.01}, reader="the code")
    assert_labelled(ax)
    curves = [ln for ln in ax.get_lines() if len(set(ln.get_xdata())) > 1]
    assert [ln.get_linestyle() for ln in curves] == ["-", "--", ":"]
    assert np.allclose(curves[1].get_xdata(), lrs[:17])
    assert np.allclose(curves[2].get_xdata(), lrs[2:19])  # the middle of each 5-point window
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "5-point average, where the code reads it" in legend and "true 0.01" in legend
    with pytest.raises(ValueError, match="no longer than lrs"):
        plots.misread_average(lrs[:3], losses[:3], average, {"read": 0.004})
