"""lrlab.studies.mistakes: the experiments of lesson 07 and the rules that turn them into verdicts.

The rules (a trial's verdict over seeds, a row's verdict over its premise runs, when a run counts as
stalled, the window an end is judged on, the best rate per seed) are checked on small made-up inputs
whose answer is known; the studies themselves on small real runs. The lesson's own verdicts, on the
full studies, are checked in ``test_the_lessons_verdicts_*`` (slow: they train the studies).
"""
import numpy as np
import pytest

from lrlab.optim.optimizers import SGD, Adam
from lrlab.optim.schedules import ReduceLROnPlateau
from lrlab.problems import MLP
from lrlab.studies import mistakes as m

NET = MLP(sizes=(64, 32, 10), activation="tanh")


def trial(before, after, best, *, row=2, run="run", premise=True, option="", tried="x"):
    s, c, f = m.TABLE[row - 1]
    return m.Trial(row, s, c, f, run, tried, premise, tuple(before), tuple(after), tuple(best), "loss", option)


# ------------------------------------------------------------------------------ verdicts

def test_a_trial_is_judged_per_seed_and_gets_its_worst_seed():
    t = trial([1.0, 1.0, 1.0], [0.1, 0.5, 0.1], [0.1, 0.1, 0.1])
    assert t.verdicts == ("yes", "partly", "yes") and t.verdict == "partly"


def test_a_fix_that_stays_above_the_untrained_loss_does_not_work():
    t = trial([50.0], [10.0], [0.1])
    assert t.verdicts == ("no",), "better than before but above ln 10 is not a fix"


def test_a_row_ignores_its_counter_examples():
    trials = [trial([1.0], [0.1], [0.1]), trial([1.0], [5.0], [0.1], premise=False, run="other cause")]
    assert m.row_verdict(trials, 2) == "yes"


def test_a_range_fix_holds_when_one_end_of_the_range_works_on_every_premise_run():
    trials = [trial([1.0], [0.5], [0.1], run="a", tried="x3"), trial([1.0], [0.1], [0.1], run="a", tried="x10"),
              trial([1.0], [0.2], [0.1], run="b", tried="x3"), trial([1.0], [0.9], [0.1], run="b", tried="x10")]
    assert m.row_verdict(trials, 2) == "yes"
    trials[2] = trial([1.0], [0.5], [0.1], run="b", tried="x3")
    assert m.row_verdict(trials, 2) == "partly", "run b is fixed by neither end"


def test_alternative_fixes_must_each_work():
    trials = [trial([1.0], [0.1], [0.1], row=6, option="decrease"),
              trial([1.0], [0.5], [0.1], row=6, option="Adam")]
    assert m.row_verdict(trials, 6) == "partly"


def test_a_row_without_a_premise_run_is_refused():
    with pytest.raises(ValueError, match="no premise trial for row 2"):
        m.row_verdict([trial([1.0], [0.1], [0.1], premise=False)], 2)


# ------------------------------------------------------------------------------ stalls

def test_first_cut_is_where_reduce_lr_on_plateau_first_lowers_the_rate():
    losses = [1.0, 0.8, 0.8, 0.8, 0.8, 0.79, 0.8]
    rule, seen = ReduceLROnPlateau(0.1, patience=2), []
    for loss in losses:
        seen.append(rule.step(loss))
    assert m._first_cut(losses, 0.1, 2) == 4 == seen.index(min(seen))
    assert m._first_cut([1.0, 0.9, 0.8, 0.7], 0.1, 2) == -1


def fake_stalls(val_first, val_after, window=2, fork=(2, 2), patience=0):
    val_first, val_after = np.asarray(val_first, float), np.asarray(val_after, float)
    curves = lambda v: m.Curves(np.arange(v.shape[1]), v, v, v, np.full(v.shape[0], -1), {})  # noqa: E731
    return m.Stalls({}, (0, 1), 10, 10, 1, patience, window, {"r": curves(val_first)},
                    {"r": {"continue as is": curves(val_after)}}, {"r": np.array(fork)}, {"r": np.array([1, -1])})


def test_ends_are_the_mean_of_the_last_window_of_evaluations_per_seed():
    st = fake_stalls([[1, 1, 1], [1, 1, 1]], [[5.0, 0.2, 0.4], [5.0, 0.1, 0.1]], fork=(2, -1))
    np.testing.assert_allclose(st.ends("r", "continue as is"), [0.3, 0.1])
    np.testing.assert_array_equal(st.stalled("r"), [True, False])


def test_wobble_and_the_level_at_the_stall_use_the_window_ending_at_each_seeds_fork():
    st = fake_stalls([[9.0, 1.0, 3.0, 7.0], [9.0, 2.0, 2.0, 7.0]], [[1, 1, 1], [1, 1, 1]], fork=(2, 2))
    np.testing.assert_allclose(st.wobble("r"), [0.5, 0.0])
    np.testing.assert_allclose(st.at_stall("r"), [2.0, 2.0])
    st = fake_stalls([[9.0, 1.0, 3.0, 7.0], [9.0, 2.0, 2.0, 7.0]], [[1, 1, 1], [1, 1, 1]], fork=(3, 1))
    np.testing.assert_allclose(st.at_stall("r"), [5.0, 5.5])


def test_best_before_is_the_lowest_smoothed_loss_before_the_last_patience_plus_one_evaluations():
    # windows of 2 ending before index 4 - patience(1) = 3: means 3.5, 2.5 -> 2.5 (the later 1.5 is too recent)
    st = fake_stalls([[4.0, 3.0, 2.0, 1.0, 2.0, 9.0]], [[1, 1, 1]], fork=(4,), patience=1)
    np.testing.assert_allclose(st.best_before("r"), [2.5])


def test_a_stall_is_where_reduce_lr_on_plateau_fed_the_smoothed_loss_first_cuts():
    losses = [1.0, 5.0, 1.0, 5.0, 0.5, 0.6]
    assert m._first_cut(losses, 1.0, 1) == 2        # raw: 1.0, then two evaluations without a new low
    assert m._stall_index(losses, 2, 1) == 3        # means 3, 3, 3 (ending at 1, 2, 3): the third is the cut
    assert m._stall_index([4.0, 3.0, 2.0, 1.0, 0.5], 2, 1) == -1


@pytest.mark.parametrize("kwargs, match", [
    (dict(limit=100, every=30), "multiples of every"),
    (dict(runs={"x": (8, 0.5, ("stop",))}), "way"),
    (dict(runs={"x": (0, 0.5, ("continue as is",))}), "batch size"),
    (dict(seeds=(0, 0)), "different"),
    (dict(window=0), "window"),
    (dict(runs={"x": (32, 0.001, ("continue as is",))}, limit=60, more=30, window=1), "limit"),
])
def test_stalls_checks_its_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        m.stalls(**kwargs)


def test_a_small_stall_study_forks_every_seed_at_its_own_stall_with_the_same_start_for_every_way():
    st = m.stalls({"tiny": (32, 1.0, ("continue as is", "divide by 10"))}, seeds=(0, 1), limit=600, more=60,
                  every=30, window=2, patience=1)
    first, after, fork = st.first["tiny"], st.after["tiny"], st.fork["tiny"]
    assert first.val_loss.shape == (2, 23) and set(after) == {"continue as is", "divide by 10"}
    assert np.all(fork >= 0) and np.all(st.plateau_cut["tiny"] <= fork)
    np.testing.assert_allclose(after["divide by 10"].lrs, [0.1, 0.1])
    np.testing.assert_array_equal(after["divide by 10"].steps, [0, 30, 60])
    for k, f in enumerate(fork // 30):     # both ways start from the constant-rate run at the seed's own fork
        for way in after.values():
            assert way.val_loss[k, 0] == first.val_loss[k, f]
        np.testing.assert_array_equal(after["continue as is"].val_loss[k], first.val_loss[k, f:f + 3])
    assert first.val_loss[0, -1] != first.val_loss[1, -1], "the seeds should start apart"


# ------------------------------------------------------------------------------ training loop

def test_track_train_false_measures_the_training_loss_only_at_the_ends():
    X, y, Xv, yv = m._digits(NET)
    kw = dict(params=m.stack_seeds(NET, (0, 1)), X=X, y=y, X_val=Xv, y_val=yv, every=10)
    full = m.train(NET, SGD(lr=0.5), 30, **kw)
    light = m.train(NET, SGD(lr=0.5), 30, track_train=False, **kw)
    assert np.isnan(light.train_loss[:, 1:-1]).all()
    np.testing.assert_allclose(light.train_loss[:, [0, -1]], full.train_loss[:, [0, -1]])
    np.testing.assert_allclose(light.val_loss, full.val_loss)


def test_a_diverging_copy_is_frozen_and_leaves_the_others_alone():
    X, y, Xv, yv = m._digits(NET)
    kw = dict(X=X, y=y, X_val=Xv, y_val=yv, every=20)
    both = m.train(NET, SGD(lr=np.array([0.5, 300.0])), 20, params=m.stack(NET.initial_params(0), 2), **kw)
    alone = m.train(NET, SGD(lr=0.5), 20, params=m.stack_seeds(NET, (0,)), **kw)
    assert both.diverged.tolist() == [False, True]
    np.testing.assert_allclose(both.params["W1"][0], alone.params["W1"][0])
    assert np.isfinite(both.params["W1"][1]).all(), "the frozen copy keeps its last finite parameters"


# ------------------------------------------------------------------------------ fine-tuning

def small_finetune(seeds=(0, 1)):
    pre, before = m.pretrain(NET, (0, 1, 2, 3, 4), steps=30, seeds=seeds)
    return m.finetune(NET, pre, (0, 1, 2, 3, 4), [0.0, 1e-2], [1e-2, 1e-2], seeds=seeds, steps=10,
                      before=before), pre


def test_finetune_runs_every_pair_from_every_seed_pair_major():
    ft, pre = small_finetune()
    assert ft.seeds.tolist() == [0, 1, 0, 1] and ft.body_lrs.tolist() == [0.0, 0.0, 1e-2, 1e-2]
    assert ft.by_pair("score").shape == (2, 2) and ft.pairs.tolist() == [[0.0, 1e-2], [1e-2, 1e-2]]
    np.testing.assert_array_equal(ft.moved[:2], 0.0)
    np.testing.assert_allclose(ft.curves.params["W1"][:2], pre["W1"])
    assert np.all(ft.moved[2:] > 0)


def test_adam_moves_a_weight_by_about_its_rate_times_the_steps_at_most():
    ft, pre = small_finetune()
    moved = np.abs(ft.curves.params["W1"][2:] - pre["W1"]).max()
    assert 0.5 * m.max_adam_move(1e-2, 10) < moved <= 1.1 * m.max_adam_move(1e-2, 10), moved


def test_best_pair_and_best_single_rate_average_over_the_seeds():
    ft = m.FineTune(np.repeat([1e-3, 1e-2, 1e-1], 2), np.repeat([1e-1, 1e-2, 1e-1], 2), np.tile([0, 1], 3), 1,
                    np.array([0.9, 0.9, 0.99, 0.8, 0.9, 0.9]), np.array([1.0, 1.0, 0.99, 0.8, 0.2, 0.2]),
                    np.zeros(6), np.ones(6), None)
    assert m.best_pair(ft) == (1e-3, 1e-1), "seed 0 alone would pick (0.01, 0.01)"
    assert m.best_single_rate(ft) == 1e-2


def test_held_out_counts_the_test_images_of_the_old_and_the_new_classes():
    y = NET.data.y_test
    assert m.held_out((0, 1, 2, 3, 4)) == (int(np.sum(y < 5)), int(np.sum(y >= 5))) == (180, 179)


def test_paired_gives_each_seeds_score_gap_in_points_and_its_gaps_in_images():
    n_old, n_new = m.held_out()
    ft = m.FineTune(np.repeat([1e-3, 1e-2], 2), np.repeat([1e-1, 1e-2], 2), np.tile([0, 1], 2), 1,
                    np.array([170, 160, 173, 160]) / n_new, np.array([178, 178, 173, 150]) / n_old,
                    np.zeros(4), np.ones(4), None)
    t = m.paired(m.pick(ft, 1e-3, 1e-1), m.pick(ft, 1e-2, 1e-2), ("groups", "single"))
    assert t.column("seed") == [0, 1] and t.caption.startswith("groups minus single")
    assert t.column("new classes: images right") == [-3, 0] and t.column("old classes: images kept") == [5, 28]
    np.testing.assert_allclose(t.column("score gap (points)"), [50 * (-3 / n_new + 5 / n_old), 50 * 28 / n_old])
    with pytest.raises(ValueError, match="same seeds"):
        m.paired(m.pick(ft, 1e-3, 1e-1), ft)


@pytest.mark.parametrize("call, match", [
    (lambda pre: m.finetune(NET, pre, (0, 1, 2, 3, 4), [-1.0], [1e-2], seeds=(0, 1)), "body rates"),
    (lambda pre: m.finetune(NET, pre, (0, 1, 2, 3, 4), [1e-3], [1e-2], seeds=(0, 1, 2)), "one stacked row per seed"),
])
def test_finetune_checks_its_arguments(call, match):
    pre, _ = m.pretrain(NET, (0, 1, 2, 3, 4), steps=30, seeds=(0, 1))
    with pytest.raises(ValueError, match=match):
        call(pre)


# ------------------------------------------------------------------------------ batch size

def test_best_rate_is_refined_per_seed_by_a_parabola_in_log_rate():
    lrs = 10.0 ** np.arange(-2, 1.01, 0.5)
    vertex = np.array([-0.8, 0.1])                       # log10 of each seed's best rate
    losses = np.exp((np.log10(lrs)[:, None] - vertex) ** 2)[None]       # (1 batch, rates, 2 seeds)
    sweep = m.BatchSweep("sgd", np.array([32]), lrs, 3, losses, (0, 1))
    np.testing.assert_allclose(np.log10(sweep.best[0]), vertex, atol=1e-9)
    assert sweep.steps.tolist() == [3 * 1438 // 32]


def test_largest_stable_rate_is_per_seed():
    lrs = np.array([0.1, 1.0, 10.0])
    losses = np.array([[[0.5, 0.5], [1.0, 9.0], [np.inf, np.inf]]])
    sweep = m.BatchSweep("sgd", np.array([8]), lrs, 3, losses, (0, 1))
    assert sweep.largest_stable().tolist() == [[1.0, 0.1]]


def test_batch_sweep_checks_its_arguments():
    with pytest.raises(ValueError, match="optimizer"):
        m.batch_sweep("lion", (8,), (0.1,))
    with pytest.raises(ValueError, match="seeds"):
        m.batch_sweep("sgd", (8,), (0.1,), seeds=())


# ------------------------------------------------------------------------------ the lesson's verdicts (slow)

@pytest.mark.slow
def test_the_lessons_verdicts_on_the_quick_reference_table():
    trials = m.quick_reference()
    assert {row: m.row_verdict(trials, row) for row in range(1, 7)} == {
        1: "partly", 2: "yes", 3: "yes", 4: "no", 5: "yes", 6: "partly"}
    assert all(len(t.before) == len(m.SEEDS) for t in trials)
    counter = [t for t in trials if not t.premise]
    floor = [t for t in counter if "smooth floor" in t.run]   # a cut moves it by under 5 % per seed, either way
    assert len(floor) == 1 and np.all(np.abs(floor[0].gain - 1) < 0.05), [t.gain for t in floor]
    assert len(counter) > 1 and all(t.verdict == "no" for t in counter if t not in floor)
    assert not any("Adam at the same" in t.tried for t in trials), "the post never suggests Adam at SGD's rate"


@pytest.mark.slow
def test_the_lessons_verdicts_on_the_stalls():
    st = m.stalls()
    assert all(st.stalled(name).all() for name in st.first), "every run must have stalled by the plateau rule"
    for name in st.first:
        assert np.all(st.at_stall(name) >= st.best_before(name)), f"{name}: the smoothed loss must have stopped"
    noisy, smooth = "batch 4, lr 0.5", "batch 32, lr 1"
    assert np.all(st.ends(noisy, "divide by 10") < 0.85 * st.ends(noisy, "continue as is"))
    change = st.ends(smooth, "divide by 10") / st.ends(smooth, "continue as is") - 1
    assert np.all(np.abs(change) < 0.05), change


@pytest.mark.slow
def test_the_stall_figure_names_every_line_and_keeps_its_legend_short():
    import importlib

    import matplotlib.pyplot as plt

    from lrlab.course import plots

    describe = importlib.import_module("lrlab.course.plots.describe")
    st = m.stalls()
    axes = plots.after_a_stall(st)
    try:
        rows = [row for ax in axes for row in describe.panel_rows(ax, ax.get_title())]
        assert rows and not [r for r in rows if r[1] == "(unlabelled)"], "the description names every line"
        assert all(ax.get_ylabel() for ax in axes), "every panel says what its y axis is"
        for ax, name in zip(axes, st.first):
            legend = [t.get_text() for t in ax.get_legend().get_texts()]
            assert legend == ["constant rate, to the stall", *st.after[name]], legend
    finally:
        plt.close(axes[0].figure)
