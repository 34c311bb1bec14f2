r"""Tuning a learning rate on a budget of optimizer steps, and checking that the budget was kept.

Lesson 08's capstone asks for a procedure ``tune(problem, budget)`` that chooses a learning rate
and a schedule for a network it has never seen and trains it, spending at most ``budget``
optimizer steps in total. This module is what ``tune`` receives: a :class:`TuningProblem`, the
only door to the data. Every way through it that trains costs steps from its :class:`Budget`:

============================================  =========================================
call                                          steps it costs
============================================  =========================================
``problem.range_test(start_lr, end_lr, n)``   the steps the range test ran (at most ``n``)
``problem.sweep(lrs, steps)``                 ``len(lrs) × steps`` (one run per rate)
``problem.train(schedule, steps)``            ``steps``
``problem.evaluate(params)``                  nothing (no optimizer step)
============================================  =========================================

A call that would go past the budget is refused *before* it runs: it raises
:class:`BudgetExceeded` and spends nothing. ``problem.budget.left`` says what remains.

The optimizer and the batch size belong to the problem (``problem.optimizer``,
``problem.options``, ``problem.batch_size``: a recipe someone gives you, whose rate you must
choose). All runs start from ``problem.initial_params()`` or from parameters a previous run of
the same problem returned (``params=run.params``), and see minibatches drawn in the same order
(``problem.data_seed``), so the same rate gives the same run whether it is trained alone or in
a sweep.

What the grader can trust
    The budget counts on its own: ``Budget.spent`` only grows, only the problem's methods add to
    it, and there is no way to reset it or to raise ``total`` through the public interface.
    Parameters carry no mark of where they came from, so the problem keeps a fingerprint (a
    hash of the values) of every set of parameters it has handed out; :meth:`TuningProblem.made_here`
    tells whether a dict of parameters is one of them, unchanged. Parameters trained outside the
    problem (by calling the network's gradient directly), or edited after a run, are not, and
    ``train(params=...)`` refuses them as a start. Python lets determined code reach into any
    object's private attributes; doing so is visible in the submitted code and is cheating, not
    tuning.

>>> from lrlab.problems.tabular import TabularMLP
>>> problem = TuningProblem(TabularMLP("wine", hidden=(8,)), budget=300)
>>> runs = problem.sweep([0.01, 0.1], 100)
>>> problem.budget.spent, problem.budget.left
(200, 100)
>>> problem.train(0.1, 200)
Traceback (most recent call last):
...
lrlab.studies.tuning.BudgetExceeded: train(steps=200) needs 200 steps but only 100 of the budget of 300 are left
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from lrlab import _validate as v
from lrlab.train import batched
from lrlab.train.batched import OPTIMIZERS
from lrlab.train.finder import FinderResult, lr_range_test
from lrlab.problems.digits import MLP
from lrlab._cache import cached

__all__ = ["Budget", "BudgetExceeded", "TuningProblem", "Run", "SweepRuns", "ZoneSweep", "zone_sweep", "Recipe",
           "recipe_zones", "ZONE_RATES", "ZONE_STEPS", "ZONE_SEEDS", "ZONE_FLOOR", "ZONE_RECIPES",
           "fingerprint"]


class BudgetExceeded(RuntimeError):
    """A call would spend more optimizer steps than the budget has left; nothing was run."""


class Budget:
    """A number of optimizer steps that can be spent once.

    ``total`` is fixed when the budget is made; ``spent`` only grows; ``left = total − spent``.
    ``ledger`` lists what was spent on what, as ``(call, steps)`` pairs.

    >>> b = Budget(100)
    >>> b.spend(30, "range_test")
    >>> b.spent, b.left, b.ledger
    (30, 70, [('range_test', 30)])
    """

    __slots__ = ("_total", "_spent", "_ledger")

    def __init__(self, total):
        self._total = v.integer("total", total, low=1)
        self._spent = 0
        self._ledger = []

    @property
    def total(self) -> int:
        return self._total

    @property
    def spent(self) -> int:
        return self._spent

    @property
    def left(self) -> int:
        return self._total - self._spent

    @property
    def ledger(self) -> list:
        return list(self._ledger)

    def check(self, steps, what) -> None:
        """Raise :class:`BudgetExceeded` if ``steps`` more steps would go past the total."""
        if steps > self.left:
            raise BudgetExceeded(f"{what} needs {steps} steps but only {self.left} of the budget of "
                                 f"{self._total} are left")

    def spend(self, steps, what) -> None:
        """Record ``steps`` steps spent on ``what`` (after :meth:`check`)."""
        steps = v.integer("steps", steps, low=0)
        self.check(steps, what)
        self._spent += steps
        self._ledger.append((what, steps))

    def __repr__(self):
        return f"Budget(total={self._total}, spent={self._spent})"


def fingerprint(params) -> str:
    """A hash of a dict of arrays: its keys, shapes and float64 values (any change gives another)."""
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(params):
        arr = np.ascontiguousarray(np.asarray(params[name], dtype=np.float64))
        h.update(repr((name, arr.shape)).encode())
        h.update(arr.tobytes())
    return h.hexdigest()


@dataclass
class Run:
    """One training run made through a :class:`TuningProblem`.

    ``losses`` holds the minibatch loss of every step (before its update; NaN after a
    divergence), ``lrs`` the rate each step used; ``val_loss`` and ``val_accuracy`` are measured
    on the held-out split at the end (``inf`` and NaN when the run diverged). ``params`` are the
    final parameters (those at divergence for a run that diverged).
    """

    lrs: np.ndarray
    losses: np.ndarray
    params: dict
    train_loss: float
    val_loss: float
    val_accuracy: float
    diverged_at: int | None

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


@dataclass
class SweepRuns:
    """One run per rate, made together by :meth:`TuningProblem.sweep`.

    ``val_loss``, ``val_accuracy``, ``train_loss``: one value per rate (``inf``/NaN where the run
    diverged, so ``np.argmin(val_loss)`` never picks one); ``losses`` is ``(len(lrs), steps)``;
    ``diverged_at`` the step at which each run was stopped (-1: never, as in
    :mod:`lrlab.train.batched`). ``run(i)`` is the i-th run as a :class:`Run`, with its parameters.
    """

    lrs: np.ndarray
    losses: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    diverged_at: np.ndarray
    _params: list

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0

    def run(self, i) -> Run:
        i = v.integer("i", i, low=-self.lrs.size, high=self.lrs.size - 1)
        steps = self.losses.shape[1]
        d = int(self.diverged_at[i])
        return Run(lrs=np.full(steps, self.lrs[i]), losses=self.losses[i].copy(),
                   params={k: a.copy() for k, a in self._params[i].items()},
                   train_loss=float(self.train_loss[i]), val_loss=float(self.val_loss[i]),
                   val_accuracy=float(self.val_accuracy[i]), diverged_at=None if d < 0 else d)


class TuningProblem:
    """A network to train with a given optimizer and batch size, on a budget of optimizer steps.

    Parameters
    ----------
    net : lrlab.problems.MLP or TabularMLP (cross-entropy, ``split="train"``)
    budget : int >= 1
        Optimizer steps that every call together may spend.
    optimizer : str
        A name from :data:`lrlab.train.batched.OPTIMIZERS` ("sgd", "adam", ...); ``options`` are its
        keyword options in torch's names (default: SGD with ``momentum=0.9``).
    batch_size : int >= 1
    data_seed : int >= 0
        Seeds the minibatch order, the same for every run.
    name : str, optional
        How the problem is named in messages (default: the network's name).
    """

    def __init__(self, net, budget, *, optimizer="sgd", options=None, batch_size=32, data_seed=0, name=None):
        if not isinstance(net, MLP):
            raise TypeError(f"net must be an lrlab.problems.MLP or TabularMLP, got {type(net).__name__}")
        if getattr(net, "loss", "cross_entropy") != "cross_entropy" or net.split != "train":
            raise ValueError("net must use the cross-entropy loss on split='train'")
        default_sgd = options is None and isinstance(optimizer, str) and optimizer.lower() == "sgd"
        options = {"momentum": 0.9} if default_sgd else dict(options or {})
        self._cls, self.optimizer = batched.check_optimizer(optimizer, options)
        self.options = dict(options)
        self.batch_size = v.integer("batch_size", batch_size, low=1)
        self.data_seed = v.integer("data_seed", data_seed, low=0)
        self._net = net
        self.budget = Budget(budget)
        self.name = net.name if name is None else str(name)
        self.n_samples = net.n_samples
        self._made = {fingerprint(net.initial_params()): False}  # fingerprint -> its run diverged

    def __repr__(self):
        opts = "".join(f", {k}={val!r}" for k, val in self.options.items())
        return (f"TuningProblem({self.name}; {self.optimizer}{opts}; batch {self.batch_size}; "
                f"{self.budget.left} of {self.budget.total} steps left)")

    # ----- parameters
    def initial_params(self) -> dict:
        """The starting parameters every run begins from (a fresh copy)."""
        return self._net.initial_params()

    def made_here(self, params) -> bool:
        """Whether ``params`` is, unchanged, the start or the result of a run of this problem."""
        try:
            return fingerprint(params) in self._made
        except (TypeError, ValueError, AttributeError, KeyError):
            return False

    def from_a_diverged_run(self, params) -> bool:
        """Whether ``params`` (made here) are where a run of this problem stopped because it diverged."""
        try:
            return self._made.get(fingerprint(params), False)
        except (TypeError, ValueError, AttributeError, KeyError):
            return False

    def _hand_out(self, params, diverged=False) -> dict:
        key = fingerprint(params)
        self._made[key] = self._made.get(key, False) or bool(diverged)
        return params

    def _start(self, params):
        if params is None:
            return self._net.initial_params()
        if not isinstance(params, dict) or not self.made_here(params):
            raise ValueError("params must be problem.initial_params() or the .params of a run of this "
                             "problem, unchanged (runs can only continue what the budget paid for)")
        return {k: np.array(a, dtype=np.float64) for k, a in params.items()}

    def evaluate(self, params) -> tuple[float, float]:
        """``(validation loss, validation accuracy)`` of ``params`` on the held-out split; costs nothing."""
        arrays = [np.asarray(a, dtype=np.float64)[None] for a in self._net._check_params(params)]
        loss, accuracy = batched.evaluate(self._net, arrays, self._net.data.X_test, self._net.data.y_test)
        return float(loss[0]), float(accuracy[0])

    # ----- the three ways to spend steps
    def range_test(self, start_lr=1e-5, end_lr=10.0, num_steps=100, *, smoothing="fastai",
                   diverge_factor=None) -> FinderResult:
        """Lesson 04's range test (:func:`lrlab.train.finder.lr_range_test`) with this problem's optimizer.

        From the initial parameters, with the problem's batches. Costs the steps it ran:
        ``num_steps``, or fewer when it stopped at a blow-up.
        """
        num_steps = v.integer("num_steps", num_steps, low=3)
        what = f"range_test(num_steps={num_steps})"
        self.budget.check(num_steps, what)
        opt = self._cls(lr=float(start_lr), **self.options)
        result = lr_range_test(self._net, opt, start_lr=start_lr, end_lr=end_lr, num_steps=num_steps,
                               batch_size=self.batch_size, params=self._net.initial_params(),
                               seed=self.data_seed, smoothing=smoothing, diverge_factor=diverge_factor)
        self.budget.spend(len(result.lrs), what)
        return result

    def sweep(self, lrs, steps) -> SweepRuns:
        """One run of ``steps`` steps at each constant rate of ``lrs``, from the initial parameters.

        Costs ``len(lrs) × steps``.
        """
        rates = v.array("lrs", lrs, ndim=(0, 1), min_size=1).reshape(-1)
        if np.any(rates <= 0):
            raise ValueError("lrs must all be > 0")
        steps = v.integer("steps", steps, low=1)
        what = f"sweep({rates.size} rates, steps={steps})"
        self.budget.check(rates.size * steps, what)
        start = self._net.initial_params()
        out = self._train([start] * rates.size, lambda t: rates, steps)
        self.budget.spend(rates.size * steps, what)
        params = [self._hand_out(p, d >= 0) for p, d in zip(out["params"], out["diverged_at"])]
        return SweepRuns(lrs=rates.copy(), losses=out["losses"], train_loss=out["train_loss"],
                         val_loss=out["val_loss"], val_accuracy=out["val_accuracy"],
                         diverged_at=out["diverged_at"], _params=params)

    def train(self, schedule, steps, *, params=None) -> Run:
        """One run of ``steps`` steps; ``schedule`` is a constant rate or a function ``step -> lr``.

        ``params``: where to start (default: the initial parameters; or a previous run's
        ``.params`` to continue it, its schedule then starting again at step 0). Costs ``steps``.
        """
        steps = v.integer("steps", steps, low=1)
        what = f"train(steps={steps})"
        self.budget.check(steps, what)
        if callable(schedule):
            rate_at = schedule
        else:
            rate = v.positive("schedule", schedule)
            rate_at = lambda t: rate  # noqa: E731
        lrs = np.array([v.real(f"schedule({t})", rate_at(t), low=0.0) for t in range(steps)])
        start = self._start(params)
        out = self._train([start], lambda t: lrs[t:t + 1], steps)
        self.budget.spend(steps, what)
        d = int(out["diverged_at"][0])
        return Run(lrs=lrs, losses=out["losses"][0], params=self._hand_out(out["params"][0], d >= 0),
                   train_loss=float(out["train_loss"][0]), val_loss=float(out["val_loss"][0]),
                   val_accuracy=float(out["val_accuracy"][0]), diverged_at=None if d < 0 else d)

    # ----- the runs themselves
    def _train(self, starts, rates_at, steps) -> dict:
        """Train ``len(starts)`` copies together; ``rates_at(t)`` gives the (K,) rates of step t."""
        names = list(self._net.initial_params())
        params = {p: np.stack([s[p] for s in starts]) for p in names}
        opt = self._cls(lr=lambda t: np.asarray(rates_at(t), dtype=np.float64), **self.options)
        out = batched.run_stacked(self._net, opt, params, steps, batch_size=self.batch_size, data_seed=self.data_seed)
        out["params"] = [{p: out["params"][p][k].copy() for p in names} for k in range(len(starts))]
        return out


# --------------------------------------------------------------------------- the zone of one recipe
@dataclass
class ZoneSweep:
    """Final validation loss of one training recipe at every rate of a grid, and its Goldilocks zone.

    ``val_loss`` and ``val_accuracy`` are per rate, the mean over the seeds (``inf``/NaN where a
    seed diverged); ``seed_loss`` holds every seed's loss, shape ``(len(lrs), len(seeds))``.
    ``zone`` is :func:`lrlab.studies.sensitivity.goldilocks_zone` of ``val_loss`` (within ``factor`` of
    max(best, ``floor``)); ``diverged`` marks the rates at which a seed blew up. ``start_loss``
    is the validation loss of the untrained networks (mean over the seeds).
    """

    name: str
    lrs: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    diverged: np.ndarray
    start_loss: float
    zone: object
    steps: int
    seeds: tuple = (0,)
    seed_loss: np.ndarray = None

    @property
    def seed_holes(self) -> np.ndarray:
        """The rates inside the zone at which at least one seed alone ends above the zone's threshold."""
        if self.seed_loss is None:
            return np.array([])
        with np.errstate(invalid="ignore"):
            out = ~(self.seed_loss <= self.zone.threshold).all(axis=1)
        return self.lrs[self.zone.inside & out]

    @property
    def spread(self) -> np.ndarray:
        """Per rate, the largest seed loss divided by the smallest (1: the seeds agree; inf: one diverged)."""
        if self.seed_loss is None:
            return np.ones_like(self.val_loss)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.seed_loss.max(axis=1) / self.seed_loss.min(axis=1)


def zone_sweep(net, lrs, steps, *, optimizer="sgd", options=None, batch_size=32, factor=2.0, floor=0.0,
               name=None) -> ZoneSweep:
    """Train ``net`` for ``steps`` steps at every rate of ``lrs`` (all at once) and find its zone.

    ``optimizer``, ``options`` and ``batch_size`` make the recipe, as for :class:`TuningProblem`
    (default SGD with momentum 0.9, batches of 32); no budget applies. ``name`` labels the recipe
    (default: the network's name).

    >>> from lrlab.problems.tabular import TabularMLP
    >>> z = zone_sweep(TabularMLP("wine", hidden=(8,)), [0.001, 0.1, 1.0], 100)
    >>> z.zone.best_lr, z.zone.count
    (0.1, 1)
    """
    from lrlab.studies.sensitivity import goldilocks_zone

    rates = v.array("lrs", lrs, ndim=1, min_size=1)
    steps = v.integer("steps", steps, low=1)
    problem = TuningProblem(net, rates.size * steps, optimizer=optimizer, options=options,
                            batch_size=batch_size, name=name)
    start_loss = problem.evaluate(problem.initial_params())[0]
    runs = problem.sweep(rates, steps)
    return ZoneSweep(name=problem.name, lrs=rates.copy(), val_loss=runs.val_loss, val_accuracy=runs.val_accuracy,
                     diverged=runs.diverged, start_loss=start_loss,
                     zone=goldilocks_zone(rates, runs.val_loss, factor, floor), steps=steps,
                     seeds=(net.init_seed,), seed_loss=runs.val_loss[:, None].copy())


class Recipe(NamedTuple):
    """A training recipe whose zone :func:`recipe_zones` measures: data and network, optimizer, batch size.

    ``options`` are the optimizer's keyword options as ``(name, value)`` pairs; ``label`` names the
    recipe in figures and tables.
    """

    label: str
    dataset: str = "digits"
    hidden: tuple = (32,)
    optimizer: str = "sgd"
    options: tuple = (("momentum", 0.9),)
    batch_size: int = 32


#: The grid, the number of steps and the initial seeds the lesson and :mod:`lrlab.studies.article` measure
#: zones with: 14 rates a quarter decade apart, from 10^-3 to 10^0.25 (every zone of lesson 08 has rates of
#: the grid on both sides), three seeds each.
ZONE_RATES = tuple(float(x) for x in 10.0 ** np.arange(-3.0, 0.26, 0.25))
ZONE_STEPS = 300
ZONE_SEEDS = (0, 1, 2)
#: The zone keeps the rates whose mean validation loss is at most twice max(best, ZONE_FLOOR): a
#: cross-entropy of 0.05 (about 95 % on the right class, on average) counts as solved, so that a best
#: loss near zero does not shrink the zone to the rates that happen to push it closest to zero.
ZONE_FLOOR = 0.05

#: The five recipes of lesson 08's atlas: the digits MLP with SGD + momentum (batch 32 and 8) and
#: Adam, and two small tabular datasets.
ZONE_RECIPES = (Recipe("digits, SGD + momentum, batch 32"),
                Recipe("digits, SGD + momentum, batch 8", batch_size=8),
                Recipe("digits, Adam, batch 32", optimizer="adam", options=()),
                Recipe("wine, SGD + momentum, batch 32", dataset="wine", hidden=(16,)),
                Recipe("breast cancer, SGD + momentum, batch 32", dataset="breast_cancer"))


@cached
def recipe_zones(recipes=ZONE_RECIPES, lrs=ZONE_RATES, steps=ZONE_STEPS, factor=2.0, *, seeds=ZONE_SEEDS,
                 floor=ZONE_FLOOR) -> list:
    """The zone of every :class:`Recipe`, each rate trained from every initial seed of ``seeds``.

    All rates and seeds of one recipe train together as stacked copies
    (:func:`lrlab.train.batched.train_mlps`), on the same minibatches; the zone is read from the mean
    validation loss over the seeds (:class:`ZoneSweep`). The same recipe, grid, steps and seeds
    are trained once per Python session (the errata and the lesson ask for the same ones); the
    results are read-only.
    """
    rates = tuple(float(x) for x in v.array("lrs", lrs, ndim=1, min_size=1))
    steps = v.integer("steps", steps, low=1)
    seeds = tuple(v.integer("seeds", s, low=0) for s in np.atleast_1d(seeds).tolist())
    if not seeds:
        raise ValueError("seeds must hold at least one initial seed")
    out = []
    for recipe in recipes:
        if not isinstance(recipe, Recipe):
            raise TypeError(f"recipes must be lrlab.studies.tuning.Recipe tuples, got {type(recipe).__name__}")
        sweep = _recipe_zone(recipe._replace(label=""), rates, steps, float(factor), seeds, float(floor))
        out.append(ZoneSweep(**{**sweep.__dict__, "name": recipe.label}))
    return out


@functools.lru_cache(maxsize=64)
def _recipe_zone(recipe, rates, steps, factor, seeds, floor):
    from lrlab.train.batched import grid, one_blas_thread, train_mlps
    from lrlab.problems.tabular import TabularMLP
    from lrlab.studies.sensitivity import goldilocks_zone

    net = TabularMLP(recipe.dataset, hidden=recipe.hidden)
    lrs = np.array(rates)
    flat_lrs, flat_seeds = grid(lrs, np.array(seeds))
    with one_blas_thread():
        runs = train_mlps(net, recipe.optimizer, flat_lrs, steps, seeds=flat_seeds, batch_size=recipe.batch_size,
                          **dict(recipe.options))
    loss = runs.by_grid(lrs.size, len(seeds), "val_loss")
    diverged = runs.by_grid(lrs.size, len(seeds), "diverged").any(axis=1)
    with np.errstate(invalid="ignore"):
        mean = np.where(diverged, np.inf, loss.mean(axis=1))
        accuracy = np.where(diverged, np.nan, runs.by_grid(lrs.size, len(seeds), "val_accuracy").mean(axis=1))
    held_out = net.with_split("test")
    start = float(np.mean([held_out.value(net.initial_params(seed=s)) for s in seeds]))
    sweep = ZoneSweep(name="", lrs=lrs, val_loss=mean, val_accuracy=accuracy, diverged=diverged, start_loss=start,
                      zone=goldilocks_zone(lrs, mean, factor, floor), steps=steps, seeds=seeds, seed_loss=loss)
    for arr in (sweep.lrs, sweep.val_loss, sweep.val_accuracy, sweep.diverged, sweep.seed_loss):
        arr.flags.writeable = False
    return sweep
