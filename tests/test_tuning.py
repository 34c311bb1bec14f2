"""lrlab.studies.tuning: the budget counts every step, refuses before it runs, and the runs are the usual runs."""
import numpy as np
import pytest

from lrlab.optim import schedules
from lrlab.train import engine
from lrlab.train.batched import train_mlps
from lrlab.train.finder import lr_range_test
from lrlab.optim.optimizers import SGD, Adam
from lrlab.problems import MLP, TabularMLP
from lrlab.studies.tuning import (Budget, BudgetExceeded, Recipe, TuningProblem, fingerprint, recipe_zones, zone_sweep)


def wine(budget=1000, **kw):
    return TuningProblem(TabularMLP("wine", hidden=(8,)), budget, **kw)


# ----------------------------------------------------------------------------- the budget
def test_budget_counts_and_keeps_a_ledger():
    b = Budget(10)
    b.spend(4, "a")
    b.spend(6, "b")
    assert (b.total, b.spent, b.left, b.ledger) == (10, 10, 0, [("a", 4), ("b", 6)])
    with pytest.raises(BudgetExceeded, match="needs 1 steps but only 0 of the budget of 10 are left"):
        b.spend(1, "c")
    assert b.spent == 10 and len(b.ledger) == 2


def test_budget_cannot_be_reset_or_raised_through_its_interface():
    b = Budget(10)
    for name in ("total", "spent", "left", "ledger"):
        with pytest.raises(AttributeError):
            setattr(b, name, 0)
    with pytest.raises(AttributeError):
        b.anything = 1  # __slots__: no new attributes either
    b.ledger.append(("fake", -5))
    assert b.ledger == [] and b.spent == 0, "the ledger handed out is a copy"


def test_every_call_costs_what_the_table_says():
    p = wine()
    test = p.range_test(1e-4, 1.0, num_steps=30)
    p.sweep([0.01, 0.1, 1.0], 50)
    p.train(schedules.cosine_annealing(0.1, T_max=100), 100)
    p.evaluate(p.initial_params())
    assert p.budget.ledger == [("range_test(num_steps=30)", len(test.lrs)), ("sweep(3 rates, steps=50)", 150),
                               ("train(steps=100)", 100)]


def test_a_range_test_that_stops_early_costs_only_the_steps_it_ran():
    p = wine()
    test = p.range_test(1e-2, 1e6, num_steps=100)
    assert test.stopped_early and p.budget.spent == len(test.lrs) < 100


@pytest.mark.parametrize("call", [lambda p: p.sweep([0.1, 0.2], 60), lambda p: p.train(0.1, 101),
                                  lambda p: p.range_test(num_steps=101)])
def test_a_call_past_the_budget_is_refused_and_spends_nothing(call):
    p = wine(budget=100)
    with pytest.raises(BudgetExceeded):
        call(p)
    assert p.budget.spent == 0


# ----------------------------------------------------------------------------- the runs
def test_a_sweep_is_train_mlps_and_train_is_engine_train():
    net = MLP()
    p = TuningProblem(net, 10_000)
    runs = p.sweep([0.03, 0.3], 80)
    ref = train_mlps(net, "sgd", [0.03, 0.3], 80, momentum=0.9)
    np.testing.assert_array_equal(runs.val_loss, ref.val_loss)
    np.testing.assert_array_equal(runs.losses, ref.losses)
    alone = p.train(0.3, 80)
    np.testing.assert_allclose(alone.params["W1"], runs.run(1).params["W1"], rtol=0, atol=1e-12)
    h = engine.train(net, SGD(lr=0.3, momentum=0.9), 80, batch_size=32, seed=0, params=net.initial_params())
    np.testing.assert_allclose(alone.losses, h.batch_losses, rtol=1e-12)


def test_train_follows_a_schedule_and_adam():
    net = TabularMLP("breast_cancer", hidden=(4,))
    p = TuningProblem(net, 1000, optimizer="adam", options={}, batch_size=16)
    sched = schedules.warmup_cosine(0.01, warmup_steps=10, total_steps=60)
    run = p.train(sched, 60)
    h = engine.train(net, Adam(lr=0.01), 60, schedule=sched, batch_size=16, seed=0, params=net.initial_params())
    np.testing.assert_allclose(run.lrs, h.lrs, rtol=0, atol=0)
    np.testing.assert_allclose(run.losses, h.batch_losses, rtol=1e-10)


def test_the_range_test_is_lesson_04s_with_the_problems_optimizer():
    net = MLP()
    p = TuningProblem(net, 1000)
    mine = p.range_test(1e-4, 10.0, num_steps=60)
    ref = lr_range_test(net, SGD(lr=1e-4, momentum=0.9), start_lr=1e-4, end_lr=10.0, num_steps=60, batch_size=32)
    np.testing.assert_array_equal(mine.losses, ref.losses)


def test_only_parameters_made_here_can_start_a_run():
    p = wine()
    run = p.train(0.1, 20)
    assert p.made_here(run.params) and p.made_here(p.initial_params())
    more = p.train(0.1, 20, params=run.params)
    assert p.made_here(more.params) and not np.allclose(more.params["W1"], run.params["W1"])
    edited = {k: a.copy() for k, a in run.params.items()}
    edited["W1"][0, 0] += 1e-12
    assert not p.made_here(edited) and not p.made_here({"W1": 1}) and not p.made_here("params")
    with pytest.raises(ValueError, match="unchanged"):
        p.train(0.1, 10, params=edited)
    assert p.budget.spent == 40


def test_diverged_runs_are_remembered_and_reported():
    p = TuningProblem(TabularMLP("wine", hidden=(8,), activation="relu"), 1000, batch_size=16)
    runs = p.sweep([0.01, 1e4], 30)
    assert runs.diverged.tolist() == [False, True] and np.isinf(runs.val_loss[1]) and np.isnan(runs.val_accuracy[1])
    assert int(np.nanargmin(runs.val_loss)) == 0
    assert p.from_a_diverged_run(runs.run(1).params) and not p.from_a_diverged_run(runs.run(0).params)
    assert runs.run(1).diverged and not runs.run(0).diverged
    blown = runs.run(1)
    assert blown.diverged_at < 30 and np.all(np.isnan(blown.losses[blown.diverged_at + 1:]))
    assert not np.isnan(blown.losses[blown.diverged_at]), "the loss that tripped the check is kept"


def test_fingerprint_sees_any_change_and_ignores_key_order():
    a = {"W": np.arange(4.0).reshape(2, 2), "b": np.zeros(2)}
    assert fingerprint(a) == fingerprint({"b": np.zeros(2), "W": np.arange(4.0).reshape(2, 2)})
    assert fingerprint(a) != fingerprint({"W": np.arange(4.0).reshape(4, 1), "b": np.zeros(2)})
    assert fingerprint(a) != fingerprint({"W": np.arange(4.0).reshape(2, 2), "b": np.array([0.0, 1e-300])})


@pytest.mark.parametrize("kwargs, error, match", [
    ({"net": "digits"}, TypeError, "MLP or TabularMLP"),
    ({"net": TabularMLP("wine", loss="mse")}, ValueError, "cross-entropy"),
    ({"optimizer": "lbfgs"}, ValueError, "optimizer must be one of"),
    ({"options": {"betas": (0.9, 0.9)}}, ValueError, "not an option of SGD"),
    ({"budget": 0}, ValueError, "total"),
])
def test_bad_problems_are_named(kwargs, error, match):
    args = {"net": TabularMLP("wine"), "budget": 10, **kwargs}
    with pytest.raises(error, match=match):
        TuningProblem(args.pop("net"), args.pop("budget"), **args)


# ----------------------------------------------------------------------------- zones
def test_zone_sweep_finds_the_band_within_a_factor_of_the_best():
    z = zone_sweep(TabularMLP("wine", hidden=(8,)), [1e-3, 1e-2, 1e-1, 1.0], 100)
    best = np.nanmin(z.val_loss)
    assert z.zone.best_loss == best and np.all(z.val_loss[z.zone.inside] <= 2 * best)
    assert z.start_loss > best


def test_recipe_zones_are_computed_once_and_named_by_their_label():
    first = recipe_zones([Recipe("one", dataset="wine", hidden=(4,))], [0.01, 0.1], 20)[0]
    again = recipe_zones([Recipe("two", dataset="wine", hidden=(4,))], [0.01, 0.1], 20)[0]
    assert (first.name, again.name) == ("one", "two") and again.val_loss is first.val_loss
    assert not first.val_loss.flags.writeable
    with pytest.raises(TypeError, match="Recipe"):
        recipe_zones([("wine",)], [0.1], 10)


def test_recipe_zones_average_several_seeds_trained_together():
    recipe = Recipe("wine", dataset="wine", hidden=(4,))
    sweep = recipe_zones([recipe], [0.01, 0.1, 1.0], 30, seeds=(0, 1, 2), floor=0.0)[0]
    assert sweep.seed_loss.shape == (3, 3) and sweep.seeds == (0, 1, 2)
    np.testing.assert_allclose(sweep.val_loss, sweep.seed_loss.mean(axis=1))
    alone = zone_sweep(TabularMLP("wine", hidden=(4,), init_seed=2), [0.01, 0.1, 1.0], 30)
    np.testing.assert_allclose(sweep.seed_loss[:, 2], alone.val_loss, rtol=1e-10)


def test_recipe_zone_seed_holes_are_zone_rates_where_one_seed_alone_is_outside():
    sweep = recipe_zones([Recipe("wine", dataset="wine", hidden=(4,))], [0.01, 0.1, 1.0], 30, seeds=(0, 1))[0]
    outside = (sweep.seed_loss > sweep.zone.threshold).any(axis=1) & sweep.zone.inside
    assert sweep.seed_holes.tolist() == sweep.lrs[outside].tolist()
