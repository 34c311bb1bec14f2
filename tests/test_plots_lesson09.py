"""Lesson 09's figures (lrlab.course.plots.lesson09): WSD branches, the schedule grid, rates across width."""
import numpy as np

from lrlab.course import plots
from lrlab.studies import scale
from figures import assert_fits_canvas, assert_labelled

#: the longest title lesson 09 gives its figures
TITLE = "Adam on MLPs 64-w-10 (tanh): the best rate against the width, measured on several seeds"


def test_wsd_branches_draws_a_rate_and_a_loss_panel_per_budget():
    b = scale.wsd_branches(0.01, budgets=(20, 40), seeds=(0,))
    left, right = plots.wsd_branches(b, title=TITLE)
    assert_fits_canvas(left)
    assert_labelled(left, legend=True)
    assert_labelled(right, legend=True)
    assert len(left.get_lines()) == 4, "a cosine and a WSD curve per budget"
    assert right.get_yscale() == "log"
    finals = [line.get_ydata()[0] for line in right.get_lines() if line.get_marker() == "o"]
    np.testing.assert_allclose(sorted(finals), sorted([*b.cosine.mean(axis=1), *b.wsd.mean(axis=1)]))


def test_schedule_grid_draws_the_whole_and_the_half_budget():
    s = scale.schedule_study(rates=(0.003, 0.03), seeds=(0, 1), steps=40)
    full, half = plots.schedule_grid(s, title=TITLE)
    assert_fits_canvas(full)
    assert_labelled(full, legend=True)
    assert half.get_title() and half.get_xlabel()
    assert [t.get_text() for t in full.get_legend().get_texts()] == ["cosine", "wsd", "schedule-free"]
    assert len(half.get_legend().get_texts()) == 4 and full.get_xscale() == full.get_yscale() == "log"


def test_width_transfer_marks_the_best_rate_of_every_width():
    w = scale.width_study(widths=(16, 32), rates=(0.003, 0.03), seeds=(0,), steps=10)
    axes = plots.width_transfer(w, title=TITLE)
    assert_fits_canvas(axes[0])
    assert len(axes) == 2
    for ax, p in zip(axes, w.PARAMETRIZATIONS):
        assert_labelled(ax, legend=True) if ax is axes[0] else None
        stars = [line for line in ax.get_lines() if line.get_marker() == "*"]
        np.testing.assert_allclose(sorted(s.get_xdata()[0] for s in stars), sorted(w.best_rates(p)))
        assert p in ax.get_title()


def test_every_line_of_the_lesson09_figures_is_named_and_shared_y_axes_are_labelled_on_both_panels():
    # the description of a figure reads the lines' labels and each panel's y label (alt text, long table)
    from lrlab.course.plots import description
    s = scale.schedule_study(rates=(0.003, 0.03), seeds=(0, 1), steps=40)
    w = scale.width_study(widths=(16, 32), rates=(0.003, 0.03), seeds=(0, 1), steps=10)
    b = scale.wsd_branches(0.01, budgets=(20, 40), seeds=(0,))
    for axes in (plots.schedule_grid(s, title=TITLE), plots.width_transfer(w, title=TITLE), plots.wsd_branches(b)):
        for ax in axes:
            assert ax.get_ylabel(), f"panel {ax.get_title()!r} has no y label"
            unnamed = [line for line in ax.get_lines() if line.get_label().startswith("_")]
            assert not unnamed, f"panel {ax.get_title()!r} draws {len(unnamed)} unnamed lines"
        assert_fits_canvas(axes[0])
        text = description(axes[0]).long_text()
        assert "(unlabelled)" not in text and "value against" not in text
    grid_rows = description(axes[0]).long  # the last figure drawn: the branches
    assert any("WSD, 40 steps" in row for row in grid_rows)
