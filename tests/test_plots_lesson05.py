"""Lesson 05's figures (lrlab.course.plots, below its marker) and engine.rate_times_curvature."""
import numpy as np
import pytest

from lrlab.course import plots
from lrlab.optim import schedules
from lrlab.train import engine
from lrlab.optim.optimizers import SGD
from lrlab.problems import Quadratic1D, Rosenbrock
from figures import assert_labelled


@pytest.fixture(scope="module")
def wall_runs():
    wall = Rosenbrock(x0=(2.0, 0.0))
    rate = 0.95 * 2 / wall.curvature(wall.minimizer)
    runs = {"too fast": engine.train(wall, SGD(lr=rate), 60, record_params=True),
            "slow": engine.train(wall, SGD(lr=1e-4), 60, record_params=True)}
    return wall, runs


def test_rate_times_curvature_is_lr_times_the_local_curvature(wall_runs):
    wall, runs = wall_runs
    slow = runs["slow"]
    load = engine.rate_times_curvature(wall, slow)
    assert load.shape == (60,)
    assert load[0] == pytest.approx(1e-4 * wall.curvature(wall.x0))
    assert load[7] == pytest.approx(slow.lrs[7] * wall.curvature(np.asarray(slow.params[7])))


def test_rate_times_curvature_stops_where_the_run_diverged(wall_runs):
    wall, runs = wall_runs
    fast = runs["too fast"]
    assert fast.diverged
    load = engine.rate_times_curvature(wall, fast)
    assert load.size == fast.diverged_at and np.isfinite(load).all() and load[0] > 2


@pytest.mark.parametrize("make, error, words", [
    (lambda wall, run: engine.rate_times_curvature(Quadratic1D(), run), TypeError, "curvature"),
    (lambda wall, run: engine.rate_times_curvature(wall, [1.0, 2.0]), TypeError, "History"),
    (lambda wall, run: engine.rate_times_curvature(wall, engine.train(wall, SGD(lr=1e-4), 3)), ValueError,
     "record_params=True")])
def test_rate_times_curvature_rejects_bad_input(wall_runs, make, error, words):
    wall, runs = wall_runs
    with pytest.raises(error, match=words):
        make(wall, runs["slow"])


def test_distance_to_minimum_draws_one_line_per_run_and_marks_the_cuts():
    q = Quadratic1D()
    runs = {"a": engine.train(q, SGD(lr=0.1), 30), "b": engine.train(q, SGD(lr=0.3), 30)}
    ax = plots.distance_to_minimum(runs, -1.0, marks=[10, 20], title="gaps")
    assert_labelled(ax)
    assert ax.get_yscale() == "log" and ax.get_title() == "gaps"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "the rate is cut"]
    curve = ax.get_lines()[0].get_ydata()
    assert curve[0] == pytest.approx(runs["a"].losses[0] + 1.0)


def test_schedule_panels_draws_one_panel_per_group_labelled_by_factory():
    panels = {"down": [schedules.step_decay(0.1, step_size=10), schedules.cosine_annealing(0.1, T_max=30)],
              "up": [schedules.linear_warmup(0.1, total_iters=5)]}
    axes = plots.schedule_panels(panels, 30, title="zoo")
    assert len(axes) == 2 and [a.get_title() for a in axes] == ["down", "up"]
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["step_decay", "cosine_annealing"]
    assert axes[0].get_ylabel() and axes[0].figure.get_suptitle() == "zoo"


def test_warmup_on_a_wall_crosses_the_diverged_run_and_draws_the_limit_2(wall_runs):
    wall, runs = wall_runs
    left, right = plots.warmup_on_a_wall(wall, runs, show=40, top=1e4)
    assert_labelled(left)
    assert_labelled(right)
    crosses = [ln for ln in left.get_lines() if ln.get_marker() == "x"]
    assert len(crosses) == 1 and crosses[0].get_ydata()[0] == 1e4
    assert any(list(ln.get_ydata()) == [2.0, 2.0] for ln in right.get_lines())
    assert right.get_yscale() == "log"


def test_plateau_plot_draws_the_losses_and_the_staircase():
    left, right = plots.plateau([50, 100, 150], [0.9, 0.8, 0.85], [0.8, 0.7, 0.75], [1.0, 1.0, 0.3], title="p")
    assert_labelled(left)
    assert_labelled(right)
    assert right.get_yscale() == "log" and len(left.get_lines()) == 2
    assert left.figure.get_suptitle() == "p"


@pytest.mark.parametrize("call, error, words", [
    (lambda: plots.distance_to_minimum([1, 2], 0.0), TypeError, "runs"),
    (lambda: plots.schedule_panels([], 10), TypeError, "panels"),
    (lambda: plots.plateau([50, 100], [0.9], [0.8, 0.7], [1.0, 1.0]), ValueError, "one value per chunk"),
    (lambda: plots.warmup_on_a_wall(Rosenbrock(), {}, show=10), TypeError, "runs")])
def test_lesson05_plots_reject_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()
