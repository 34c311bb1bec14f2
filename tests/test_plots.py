"""Figures: every plot titles and labels its axes, draws what it was given, and returns its ax."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lrlab.course import plots
from lrlab.train.engine import sweep
from lrlab.problems import Quadratic1D, QuadraticND
from figures import assert_labelled


def test_loss_curves_draw_one_line_per_rate_and_mark_divergence():
    s = sweep(Quadratic1D(), [0.01, 0.1, 1.1], 60)
    ax = plots.loss_curves(s)
    assert_labelled(ax)
    lines = [ln for ln in ax.get_lines() if ln.get_marker() != "x"]
    crosses = [ln for ln in ax.get_lines() if ln.get_marker() == "x"]
    assert len(lines) == 3 and len(crosses) == 1
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lr = 0.01", "lr = 0.1", "lr = 1.1"]


def test_loss_curves_uses_the_given_ax():
    fig, (a, b) = plt.subplots(1, 2)
    assert plots.loss_curves(np.array([3.0, 2.0, 1.0]), ax=b) is b
    assert not a.get_lines()


def test_lr_sweep_marks_1_over_L_2_over_L_and_the_working_band():
    p = Quadratic1D(a=4.0)
    s = sweep(p, np.geomspace(1e-3, 1.0, 80), 40)
    ax = plots.lr_sweep(s, tol=1e-6, L=p.L)
    assert_labelled(ax)
    xs = sorted(ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_linestyle() in ("--", ":")
                and len(set(ln.get_xdata())) == 1)
    assert xs == pytest.approx([0.25, 0.5])
    assert ax.patches, "the Goldilocks band should be shaded"
    assert ax.get_xscale() == "log"


def test_contour_draws_paths_and_labels():
    q = QuadraticND(condition_number=10.0, rotation=0.3)
    s = sweep(q, [0.05, 0.15], 20, record_params=True)
    ax = plots.contour(q, [s.params[0], s.params[1]], ["slow", "fast"])
    assert_labelled(ax)
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"slow", "fast"}


def test_trajectory_and_schedule_plots_are_labelled():
    p = Quadratic1D()
    ax = plots.trajectory_1d(p, sweep(p, [0.9], 8, record_params=True).params[0, :, 0], label="0.9")
    assert_labelled(ax)
    ax = plots.schedule([lambda k: 0.1 * 0.9 ** k, lambda k: 0.1], 30, ["decay", "constant"])
    assert_labelled(ax)
    assert len(ax.get_lines()) == 2


def test_colours_are_distinct_and_skip_yellow():
    cs = plots.colours(7)
    assert len(set(cs)) == 7 and "#F0E442" not in cs


@pytest.mark.parametrize("call, match", [
    (lambda: plots.lr_sweep([1, 2, 3]), "result must be an lrlab.train.engine.Sweep"),
    (lambda: plots.loss_curves([np.ones(3), np.ones(3)], labels=["one"]), "labels must have one entry per run"),
    (lambda: plots.contour(QuadraticND(condition_number=2.0), [np.ones((3, 3))]), "shape"),
    (lambda: plots.schedule(lambda k: 0.1, 0), "steps must be >= 1"),
])
def test_plots_reject_bad_input(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def test_shower_plot_shows_the_band_and_one_line_per_run():
    from lrlab.studies.shower import PRESETS, simulate

    runs = [simulate(**p.kwargs()) for p in PRESETS.values()]
    ax = plots.shower(runs)
    assert_labelled(ax)
    assert len(ax.get_lines()) == len(runs)
    assert ax.patches, "the comfort band should be shaded"
    with pytest.raises(TypeError, match="runs must be a ShowerRun"):
        plots.shower([1, 2])


def test_finder_plot_marks_every_suggestion():
    from lrlab.train.finder import SUGGESTIONS, lr_range_test
    from lrlab.optim.optimizers import SGD
    from lrlab.problems import LogisticRegression

    result = lr_range_test(LogisticRegression(), SGD(lr=1e-3), start_lr=1e-4, end_lr=100.0,
                           num_steps=80, batch_size=64)
    ax = plots.finder(result)
    assert_labelled(ax)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for name in SUGGESTIONS:
        assert any(t.startswith(f"{name}:") for t in legend), f"{name} not marked: {legend}"
    assert ax.get_xscale() == "log"
    with pytest.raises(TypeError, match="FinderResult"):
        plots.finder([1, 2, 3])
