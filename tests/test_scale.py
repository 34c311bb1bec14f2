"""lrlab.studies.scale: the verdict rule, small versions of the three studies, and bad arguments."""
from __future__ import annotations

import numpy as np
import pytest

from lrlab.studies import scale


def test_verdict_ranks_only_beyond_the_spread_over_seeds():
    assert scale.verdict([0.10, 0.12], [0.20, 0.21], ("a", "b")) == "a lower"
    assert scale.verdict([0.30, 0.31], [0.20, 0.21], ("a", "b")) == "b lower"
    assert scale.verdict([0.10, 0.14], [0.12, 0.13], ("a", "b")) == "indistinguishable"
    assert scale.verdict([0.10, 0.10], [0.10, 0.10]) == "indistinguishable"


@pytest.fixture(scope="module")
def small():
    return scale.schedule_study(rates=(0.003, 0.03), seeds=(0, 1), steps=40)


def test_schedule_study_holds_every_method_at_every_rate_and_seed(small):
    assert set(small.final) == {"cosine", "wsd", "schedule-free", "cosine, half budget"}
    assert set(small.half) == {"cosine", "wsd", "schedule-free"}
    for losses in [*small.final.values(), *small.half.values()]:
        assert losses.shape == (2, 2) and np.all(np.isfinite(losses)) and not losses.flags.writeable
    rate, mean, spread = small.best("cosine")
    assert mean == pytest.approx(small.at_best("cosine").mean()) and spread >= 0 and rate in small.rates
    assert len(small.summary().rows) == 7 and small.versus("cosine", "wsd").column("peak rate") == [0.003, 0.03]


def test_stacked_half_budget_cosine_equals_its_own_shorter_run(small):
    # the study trains it in the stack of the full-budget runs, with the rate 0 after its last step
    from lrlab.optim.optimizers import AdamW
    from lrlab.train.batched import grid, run_stacked
    net, lrs = scale._net(), grid(small.rates, small.seeds)[0]
    table = np.stack([scale.cosine_schedule(r, 20, 1)(np.arange(20)) for r in lrs], axis=1)
    out = run_stacked(net, AdamW(lr=lambda t: table[t]), scale._stack(net, small.seeds, 2), 20, batch_size=32,
                      data_seed=0)
    np.testing.assert_array_equal(small.final["cosine, half budget"], out["val_loss"].reshape(2, 2))


def test_cosine_schedule_ramps_as_wsd_and_then_follows_warmup_cosine():
    from lrlab.optim.schedules import warmup_cosine, wsd
    t = np.arange(320)
    cos, ours = warmup_cosine(0.03, 15, 300)(t), scale.cosine_schedule(0.03, 300, 15)(t)
    np.testing.assert_array_equal(ours[:15], wsd(0.03, 300, 15)(t)[:15], err_msg="the warmup should be WSD's ramp")
    assert ours[0] == 0.03 / 15 and cos[0] == 0.0, "the first update moves; warmup_cosine's does not"
    np.testing.assert_allclose(ours[15:], cos[15:], atol=1e-15, err_msg="after the warmup: warmup_cosine's cosine")


def test_margin_is_the_gap_in_ranges_and_ranks_where_the_verdict_does():
    assert scale.margin([0.10, 0.12], [0.13, 0.14]) == pytest.approx(1.25)
    assert scale.margin([0.1, 0.1], [0.1, 0.1]) == 0.0 and scale.margin([0.1], [0.2]) == float("inf")
    for a, b in (([0.10, 0.12], [0.20, 0.21]), ([0.10, 0.14], [0.12, 0.13]), ([0.3, 0.31], [0.2, 0.22])):
        assert (scale.margin(a, b) > 1) == (scale.verdict(a, b) != "indistinguishable"), (a, b)


def test_a_run_stopped_without_warning_keeps_the_rate_tuned_for_its_whole_budget(small):
    for name in small.half:
        final, stopped, hindsight = (small.pick(name, w) for w in ("final", "stopped", "half"))
        assert stopped == final == int(np.argmin(small.mean(name))), name
        assert hindsight == int(np.argmin(small.mean(name, "half"))), name
        np.testing.assert_array_equal(small.at_best(name, "stopped"), small.half[name][final])
        assert small.best(name, "stopped")[0] == small.best(name, "final")[0]
    rows = small.summary().column("measured")
    assert rows[-3:] == ["stopped at 20, rate tuned for 40"] * 3, "the summary reads stopped runs at the tuned rate"
    with pytest.raises(ValueError, match="when"):
        small.best("cosine", "later")


def test_comparisons_give_the_verdict_and_margin_of_compare(small):
    table = small.comparisons([("wsd", "cosine"), ("schedule-free", "cosine, half budget", "half", "final")])
    assert table.column("method") == ["wsd, 40 steps", "schedule-free, stopped at 20, rate picked at 20 (hindsight)"]
    assert table.column("against") == ["cosine, 40 steps", "cosine, half budget, 20 steps"]
    assert table.columns.count("peak rate") == 2 and table.rows[1][1] == small.best("schedule-free", "half")[0]
    assert table.column("verdict") == [small.compare("wsd", "cosine"),
                                       small.compare("schedule-free", "cosine, half budget", "half", "final")]
    assert table.column("gap / range")[0] == pytest.approx(small.margin("wsd", "cosine"))
    assert small.versus("cosine", "wsd").column("gap / range")[0] == pytest.approx(
        scale.margin(small.final["cosine"][0], small.final["wsd"][0]))


def test_width_study_stacks_both_parametrizations_as_separate_runs_would_give():
    from lrlab.optim.optimizers import Adam
    from lrlab.problems.digits import mup_scales
    from lrlab.train.batched import run_stacked
    w = scale.width_study(widths=(16, 64), rates=(0.003, 0.03), seeds=(0,), steps=10)
    scales = mup_scales((64, 64, 10), (64, 16, 10))
    net = scale._net(64, {k: a for k, (a, _) in scales.items()})
    lrs = np.array([0.003, 0.03])
    groups = [{"params": [k], "lr": lrs * b} for k, (_, b) in scales.items() if b != 1.0]
    out = run_stacked(net, Adam(groups, lr=lrs), scale._stack(net, (0,), 2), 10, batch_size=32, data_seed=0)
    np.testing.assert_array_equal(w.loss["µP"][1], out["train_loss"].reshape(2, 1))


def test_wsd_branches_share_the_longest_runs_prefix_and_cost_less():
    b = scale.wsd_branches(0.01, budgets=(20, 40), seeds=(0,))
    assert b.shared_prefix and b.cost == {"cosine": 60, "wsd": 44}
    assert b.cosine.shape == b.wsd.shape == (2, 1) and len(b.table().rows) == 2


def test_every_cosine_run_of_the_branches_warms_up_over_the_longest_runs_steps():
    # as Hägele et al.: one warmup length in steps at every budget, the one a branch inherits
    from lrlab.optim.optimizers import AdamW
    from lrlab.train.batched import run_stacked
    b = scale.wsd_branches(0.01, budgets=(20, 40), seeds=(0,))
    assert b.warmup == 2 == int(round(scale.WARMUP * 40))
    net, table = scale._net(), scale.cosine_schedule(0.01, 20, 2)(np.arange(20))[:, None]
    out = run_stacked(net, AdamW(lr=lambda t: table[t]), scale._stack(net, (0,), 1), 20, batch_size=32, data_seed=0)
    np.testing.assert_array_equal(b.cosine[0], out["val_loss"])


def test_width_study_is_the_same_network_at_the_base_width():
    w = scale.width_study(widths=(16, 64), rates=(0.003, 0.03), seeds=(0,), steps=10)
    np.testing.assert_array_equal(w.loss["standard"][0], w.loss["µP"][0])
    assert not np.array_equal(w.loss["standard"][1], w.loss["µP"][1])
    t = w.transfer("µP")
    assert t["cost_proxy"] < t["cost_direct"] and w.params(32) == 64 * 32 + 32 + 32 * 10 + 10


def test_width_table_shows_the_range_the_lead_of_the_best_rate_and_the_loss_at_the_proxys_rate():
    w = scale.width_study(widths=(16, 32, 64), rates=(0.003, 0.01, 0.03), seeds=(0, 1), steps=10)
    table = w.table()
    assert table.column("parametrization") == ["standard"] * 3 + ["µP"] * 3
    assert table.column("range")[:3] == pytest.approx([np.ptp(w.at_best("standard", i)) for i in range(3)])
    means = w.mean("standard")
    for i in range(3):
        order = np.argsort(means[i])
        assert w.best_index("standard")[i] == order[0] and w.next_best_index("standard")[i] == order[1]
        rival = w.loss["standard"][i, order[1]]
        assert table.column("best vs next: gap / range")[i] == pytest.approx(
            scale.margin(w.at_best("standard", i), rival))
    proxy = w.best_index("µP")[0]
    np.testing.assert_array_equal(w.at_proxy_rate("µP", 2), w.loss["µP"][2, proxy])
    paid, against = table.column("gap / range"), table.column("against own best")
    for i in range(3):
        same = w.best_index("µP")[i] == proxy
        assert against[3 + i] == ("same rate" if same else scale.verdict(
            w.at_proxy_rate("µP", i), w.at_best("µP", i), ("width-16 rate", "own best")))
        assert paid[3 + i] == pytest.approx(w.paid("µP")[i]) and (paid[3 + i] == 0) == same


@pytest.mark.parametrize("call, error, match", [
    (lambda: scale.schedule_study(rates=(0.1,)), ValueError, "rates"),
    (lambda: scale.schedule_study(rates=(0.1, -1.0)), ValueError, "rates"),
    (lambda: scale.schedule_study(seeds=()), TypeError, "seeds"),
    (lambda: scale.schedule_study(steps=2), ValueError, "steps"),
    (lambda: scale.wsd_branches(0.0), ValueError, "peak"),
    (lambda: scale.wsd_branches(0.1, budgets=(100, 50)), ValueError, "budgets"),
    (lambda: scale.width_study(widths=(64, 32)), ValueError, "widths"),
    (lambda: scale.width_study(widths=32), TypeError, "widths")])
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
