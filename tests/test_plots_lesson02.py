"""Lesson 02's figures (lrlab.course.plots, below the lesson 02 marker): one labelled panel per run, titled with its regime."""
import functools

import matplotlib.pyplot as plt
import pytest

from lrlab.course import plots
from lrlab.train.engine import sweep
from lrlab.problems import Quadratic1D, QuadraticND
from figures import assert_labelled

assert_labelled = functools.partial(assert_labelled, legend=True)


def test_regime_trajectories_draw_one_panel_per_rate_in_its_verdict_colour():
    bowl = Quadratic1D(a=2.0, x0=5.0)
    runs = sweep(bowl, [0.2, 0.85, 1.05], 8, record_params=True, max_loss=1e12)
    axes = plots.regime_trajectories(bowl, runs, title="Eight steps")
    assert [ax.get_title() for ax in axes] == ["creeps (lr = 0.2)", "zig-zags (lr = 0.85)", "diverges (lr = 1.05)"]
    for ax, verdict in zip(axes, ["too small", "good", "too large"]):
        assert_labelled(ax)
        path = [ln for ln in ax.get_lines() if ln.get_marker() == "o"][0]
        assert path.get_color() == plots.VERDICT_COLOURS[verdict]
        assert len(path.get_xdata()) == 9, "the start and eight steps"
    assert axes[0].figure._suptitle.get_text() == "Eight steps"


def test_regime_contours_draw_each_path_on_its_own_panel():
    valley = QuadraticND(eigenvalues=[1.0, 10.0], x0=[4.0, 1.0])
    runs = sweep(valley, [0.09, 0.18, 0.205], 20, record_params=True, max_loss=1e12)
    axes = plots.regime_contours(valley, runs, bounds=((-0.5, 4.5), (-3.0, 3.0)))
    assert [ax.get_title() for ax in axes] == ["creeps (lr = 0.09)", "zig-zags (lr = 0.18)", "diverges (lr = 0.205)"]
    for ax, lr in zip(axes, [0.09, 0.18, 0.205]):
        assert_labelled(ax)
        assert f"lr = {lr:g}" in [t.get_text() for t in ax.get_legend().get_texts()]
        assert ax.get_xlim() == pytest.approx((-0.5, 4.5))


def test_regime_panels_use_the_given_axes():
    bowl = Quadratic1D(a=2.0, x0=5.0)
    runs = sweep(bowl, [0.2, 0.85], 4, record_params=True)
    _, given = plt.subplots(1, 2)
    assert plots.regime_trajectories(bowl, runs, axes=given) == list(given)


@pytest.mark.parametrize("call, error, match", [
    (lambda b, v: plots.regime_trajectories(b, [0.1, 0.2]), TypeError, "runs must be an lrlab.train.engine.Sweep"),
    (lambda b, v: plots.regime_trajectories(b, sweep(b, [0.1], 3)), ValueError, "record_params=True"),
    (lambda b, v: plots.regime_contours(v, sweep(b, [0.1], 3, record_params=True)), ValueError, "2-D problem"),
    (lambda b, v: plots.regime_trajectories(b, sweep(b, [0.1, 0.2], 3, record_params=True),
                                            axes=plt.subplots(1, 3)[1]), ValueError, "one matplotlib axes per run"),
], ids=["not a sweep", "positions not recorded", "wrong dimension", "wrong number of axes"])
def test_regime_panels_reject_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call(Quadratic1D(a=2.0, x0=5.0), QuadraticND(eigenvalues=[1.0, 10.0], x0=[4.0, 1.0]))
