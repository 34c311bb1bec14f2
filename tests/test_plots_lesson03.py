"""Lesson 03's figures (lrlab.course.plots, below "lesson 03 figures"): labelled, drawing what they were given,
returning their axes, and refusing bad input by name."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lrlab.course import plots
from lrlab.train import theory
from lrlab.train.engine import sweep
from lrlab.problems import QuadraticND
from figures import assert_labelled

VALLEY = QuadraticND(eigenvalues=[1.0, 25.0], x0=[4.0, 1.0])


def vertical_lines(ax):
    return sorted(ln.get_xdata()[0] for ln in ax.get_lines() if len(set(ln.get_xdata())) == 1)


def test_valley_paths_draws_one_panel_per_rate_with_its_path():
    runs = sweep(VALLEY, [0.01, 0.07], 10, record_params=True)
    axes = plots.valley_paths(VALLEY, runs, ["slow", "fast"])
    assert len(axes) == 2
    for ax, name in zip(axes, ["slow", "fast"]):
        assert_labelled(ax)
        assert ax.get_title().startswith(name)
        path = [ln for ln in ax.get_lines() if ln.get_marker() == "."]
        assert len(path) == 1 and len(path[0].get_xdata()) == 11
    assert "10 steps from (4, 1)" in axes[0].figure.get_suptitle()


def test_valley_paths_uses_the_given_axes_and_needs_recorded_paths():
    runs = sweep(VALLEY, [0.01, 0.07], 10, record_params=True)
    _, given = plt.subplots(1, 2)
    assert list(plots.valley_paths(VALLEY, runs, ["a", "b"], axes=given)) == list(given)
    with pytest.raises(ValueError, match="axes must hold one Axes per panel"):
        plots.valley_paths(VALLEY, runs, ["a", "b"], axes=given[:1])
    with pytest.raises(ValueError, match="record_params=True"):
        plots.valley_paths(VALLEY, sweep(VALLEY, [0.01], 5), ["a"])
    with pytest.raises(ValueError, match="names must give one name per run"):
        plots.valley_paths(VALLEY, runs, ["only one"])


def test_factor_per_direction_marks_the_best_rate_and_the_limit():
    ax = plots.factor_per_direction(VALLEY)
    assert_labelled(ax)
    assert vertical_lines(ax) == pytest.approx([2 / 26, 2 / 25])
    worst = next(ln for ln in ax.get_lines() if ln.get_label().startswith("worst"))
    etas, rho = worst.get_data()
    assert etas[np.argmin(rho)] == pytest.approx(theory.optimal_lr(VALLEY), rel=0.01)
    assert ax.get_xlim()[1] == pytest.approx(1.25 * 2 / 25)
    with pytest.raises(ValueError, match="lr_max must be > 0"):
        plots.factor_per_direction(VALLEY, lr_max=-1.0)


def test_steps_against_kappa_is_log_log_with_dots_and_a_line():
    ax = plots.steps_against_kappa([2, 10, 100], [7, 35, 346], [6.3, 34.4, 345.4], eps=1e-6)
    assert_labelled(ax)
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert [ln.get_marker() for ln in ax.get_lines()] == ["None", "o"]
    with pytest.raises(ValueError, match="measured must have shape"):
        plots.steps_against_kappa([2, 10], [7], [6.3, 34.4], eps=1e-6)
    with pytest.raises(ValueError, match="eps must be"):
        plots.steps_against_kappa([2], [7], [6.3], eps=2.0)


def test_loss_shapes_draws_one_linear_panel_per_run():
    runs = sweep(VALLEY, [0.002, 0.0769, 0.0799, 0.0805], 30)
    axes = plots.loss_shapes(runs, ["too small", "good", "too large", "diverging"], limit=0.08)
    assert len(axes) == 4 and len(axes[0].figure.axes) == 4
    for ax in axes:
        assert_labelled(ax)
        assert ax.get_yscale() == "linear"
    assert axes[3].get_legend().get_texts()[0].get_text() == "lr = 0.0805 = 1.01 × 2/L"
    with pytest.raises(TypeError, match="result must be an lrlab.train.engine.Sweep"):
        plots.loss_shapes(runs.losses, ["a"] * 4)


def test_sweep_with_picks_adds_one_line_per_pick():
    runs = sweep(VALLEY, np.geomspace(1e-3, 0.1, 40), 50)
    ax = plots.sweep_with_picks(runs, {"picked": 0.07, "backed off": 0.07 / 3}, tol=1e-6, L=25.0)
    assert_labelled(ax)
    assert vertical_lines(ax) == pytest.approx(sorted([0.04, 0.08, 0.07, 0.07 / 3]))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "picked = 0.07" in labels and "backed off = 0.0233" in labels
    with pytest.raises(TypeError, match="picks must be a non-empty dict"):
        plots.sweep_with_picks(runs, [0.07])
    with pytest.raises(ValueError, match=r"picks\['bad'\] must be > 0"):
        plots.sweep_with_picks(runs, {"bad": -1.0})


def test_momentum_preview_repeats_the_last_run_alone_in_the_same_style():
    runs = {"plain": sweep(VALLEY, [0.07], 40).history(0),
            "heavy": sweep(VALLEY, [0.0243], 40, momentum=0.9).history(0)}
    left, right = plots.momentum_preview(runs, shown=20)
    assert_labelled(left)
    assert_labelled(right)
    assert left.get_yscale() == "log" and right.get_yscale() == "linear"
    assert len(right.get_lines()[0].get_xdata()) == 21
    last = left.get_lines()[-1]
    assert (right.get_lines()[0].get_color(), right.get_lines()[0].get_linestyle()) == \
        (last.get_color(), last.get_linestyle())
    with pytest.raises(TypeError, match="runs must be a non-empty dict"):
        plots.momentum_preview([runs["plain"]])
    with pytest.raises(ValueError, match="shown must be >= 1"):
        plots.momentum_preview(runs, shown=0)
