"""How sensitive an optimizer is to its learning rate: the measurements behind lesson 06.

* :func:`settle_steps` — per run of a sweep, the step from which the loss stays at or below a
  tolerance (a run that dips below it and comes back does not count).
* :func:`best_settling_rate` — the rate of a sweep that gets there first, and how many steps it takes.
* :func:`goldilocks_zone` — the rates of a grid whose loss is within ``factor`` of the best, as a
  :class:`Zone` with its edges and its width in decades.
* :func:`decay_under_noise` — what weight decay does to parameters whose gradients are pure noise of
  different sizes (L2 added to the gradient versus decoupled decay).
* :func:`run_study` — the sensitivity study: several optimizers, a log grid of rates and several seeds
  on the digits MLP, all copies trained at once with :mod:`lrlab.train.batched`, returned as a :class:`Study`.

>>> z = goldilocks_zone([1e-3, 1e-2, 1e-1, 1.0], [0.9, 0.3, 0.5, float("nan")])
>>> z.low, z.high, round(z.width, 6)
(0.01, 0.1, 1.0)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lrlab import _validate as v
from lrlab.train.batched import one_blas_thread

#: The post's claims on optimizers and their rates (section "Learning Rate vs. Optimizer" and its
#: list of defaults), as data: the words it uses, and the default rates it recommends.
POST_CLAIMS = {
    "sensitivity": {"SGD": "very high", "Adam": "low"},
    "defaults": {"SGD": 0.01, "Adam": 0.001},
    "final performance": {"SGD": "often better (tuned)", "Adam": "usually good"},
}


# --------------------------------------------------------------------------- steps to a tolerance
def settle_steps(losses, tol) -> np.ndarray:
    """Per row of ``losses`` (runs × (steps + 1)), the first step from which every loss is ≤ ``tol``.

    -1 where the run is above ``tol`` (or NaN) at its last step. Unlike ``Sweep.steps_to``, a run
    that dips below ``tol`` on an oscillation and comes back up is not counted as arrived.

    >>> settle_steps([[5.0, 0.5, 2.0, 0.5, 0.1], [5.0, 4.0, 3.0, 2.0, 1.5]], 1.0).tolist()
    [3, -1]
    """
    tol = v.real("tol", tol)
    losses = np.atleast_2d(v.array("losses", losses, finite=False))
    with np.errstate(invalid="ignore"):
        above = ~(losses <= tol)
    n = losses.shape[1]
    last_above = np.where(above.any(axis=1), n - 1 - np.argmax(above[:, ::-1], axis=1), -1)
    return np.where(above[:, -1], -1, last_above + 1)


def best_settling_rate(sweep, tol) -> tuple[float, int]:
    """``(lr, steps)``: the rate of an :class:`lrlab.train.engine.Sweep` whose loss settles below ``tol`` first."""
    steps = settle_steps(sweep.losses, tol)
    if not (steps >= 0).any():
        raise ValueError(f"no rate of the sweep gets its loss to stay below tol={tol!r}; "
                         "run more steps or raise tol")
    i = int(np.argmin(np.where(steps >= 0, steps, np.iinfo(np.int64).max)))
    return float(sweep.lrs[i]), int(steps[i])


def best_of_grid(problem, make, lrs, steps):
    """Run ``make(lr)`` (an lrlab optimizer) on a quadratic for every rate of ``lrs`` at once
    (stacked copies, one rate per copy) and return the :class:`lrlab.train.engine.History` of the rate
    with the lowest final loss (a run whose loss becomes non-finite counts as infinitely bad).
    """
    from lrlab.train.engine import History

    lrs = v.array("lrs", lrs, ndim=1, min_size=1)
    steps = v.integer("steps", steps, low=1)
    x = np.tile(problem.initial_params(), (lrs.size, 1))
    opt = make(lrs)
    path = [x]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            x = opt.step(x, problem.grad(x))
            path.append(x)
        path = np.array(path)                                     # (steps + 1, K, dim)
        losses = problem.value(path).T                            # (K, steps + 1)
    final = np.where(np.isfinite(losses).all(axis=1), losses[:, -1], np.inf)
    i = int(np.argmin(final))
    return History(losses=losses[i], lrs=np.full(steps, lrs[i]), diverged_at=None, final_params=path[-1, i],
                   params=path[:, i])


# --------------------------------------------------------------------------- the Goldilocks zone
@dataclass(frozen=True)
class Zone:
    """The rates of a grid whose loss is within ``factor`` of the best loss on that grid.

    ``low``/``high`` are the smallest and largest such rates, ``width`` is ``log10(high / low)`` in
    decades. ``touches_low``/``touches_high`` say the zone reaches an end of the grid, where the true
    zone may go on: its width is then a lower bound.
    """

    best_lr: float
    best_loss: float
    low: float
    high: float
    factor: float
    touches_low: bool
    touches_high: bool
    inside: np.ndarray = field(repr=False)

    @property
    def width(self) -> float:
        return math.log10(self.high / self.low)

    @property
    def count(self) -> int:
        """How many grid rates are inside."""
        return int(self.inside.sum())


def goldilocks_zone(lrs, losses, factor=2.0) -> Zone:
    """The zone of rates whose loss is ≤ ``factor`` × the best finite loss (NaN and inf are outside).

    ``lrs``: the grid, positive, in any order; ``losses``: one per rate (NaN/inf for runs that
    diverged). The width runs from the smallest to the largest rate inside.
    """
    lrs = v.array("lrs", lrs, ndim=1, min_size=1)
    if np.any(lrs <= 0):
        raise ValueError("lrs must all be > 0 (the width is measured on a log scale)")
    losses = v.array("losses", losses, ndim=1, finite=False)
    if losses.shape != lrs.shape:
        raise ValueError(f"losses must have one value per rate ({lrs.size}), got {losses.size}")
    factor = v.real("factor", factor, low=1.0)
    finite = np.isfinite(losses)
    if not finite.any():
        raise ValueError("every loss is NaN or infinite: no run of the grid worked, so there is no zone")
    if np.any(losses[finite] <= 0):
        raise ValueError("losses must be > 0 for a factor-of-best zone")
    best = int(np.argmin(np.where(finite, losses, np.inf)))
    with np.errstate(invalid="ignore"):
        inside = finite & (losses <= factor * losses[best])
    low, high = float(lrs[inside].min()), float(lrs[inside].max())
    return Zone(best_lr=float(lrs[best]), best_loss=float(losses[best]), low=low, high=high, factor=factor,
                touches_low=low == lrs.min(), touches_high=high == lrs.max(), inside=inside)


# --------------------------------------------------------------------------- weight decay
def decay_under_noise(optimizers, noise_scales, steps, *, copies=200, seed=0) -> dict:
    """Start every parameter at 1 and feed it gradients of pure noise (mean 0, std ``noise_scales[i]``).

    The loss itself pulls nowhere, so whatever moves the parameters on average is the weight decay.
    ``optimizers``: name -> a fresh lrlab optimizer. Returns name -> the mean final value of the
    parameters with each noise scale (``copies`` parameters per scale, the same noise for every
    optimizer).
    """
    scales = v.array("noise_scales", noise_scales, ndim=1, min_size=1)
    steps = v.integer("steps", steps, low=1)
    copies = v.integer("copies", copies, low=1)
    out = {}
    for name, opt in optimizers.items():
        gen = np.random.default_rng(seed)
        x = np.ones((scales.size, copies))
        for _ in range(steps):
            x = opt.step(x, scales[:, None] * gen.standard_normal(x.shape))
        out[name] = x.mean(axis=1)
    return out


# --------------------------------------------------------------------------- the study
#: The three optimizers of the study: name -> (lrlab.train.batched optimizer name, torch keyword options).
STUDY_OPTIMIZERS = {"SGD": ("sgd", {}), "SGD + momentum 0.9": ("sgd", {"momentum": 0.9}), "Adam": ("adam", {})}


@dataclass
class Study:
    """Final validation losses of every (optimizer, rate, seed) of :func:`run_study`.

    ``val_loss[name]`` and ``val_accuracy[name]`` have shape ``(len(lrs), len(seeds))``;
    ``diverged[name]`` too (True where the copy was frozen). ``start_loss`` is the validation loss
    of the untrained network (the mean over seeds).
    """

    lrs: np.ndarray
    seeds: np.ndarray
    steps: int
    batch_size: int
    val_loss: dict
    val_accuracy: dict
    diverged: dict
    start_loss: float
    seconds: float = 0.0

    @property
    def names(self) -> list:
        return list(self.val_loss)

    def mean_loss(self, name) -> np.ndarray:
        """Per rate, the validation loss averaged over seeds; inf where any seed diverged."""
        loss = self.val_loss[name]
        bad = self.diverged[name].any(axis=1) | ~np.isfinite(loss).all(axis=1)
        with np.errstate(invalid="ignore"):
            mean = loss.mean(axis=1)
        return np.where(bad, np.inf, mean)

    def zone(self, name, factor=2.0) -> Zone:
        return goldilocks_zone(self.lrs, self.mean_loss(name), factor)

    def loss_at(self, name, lr) -> float:
        """Mean validation loss at the grid rate ``lr`` (it must be on the grid)."""
        i = np.flatnonzero(np.isclose(self.lrs, lr, rtol=1e-9))
        if i.size == 0:
            raise ValueError(f"lr={lr!r} is not on the study's grid")
        return float(self.mean_loss(name)[i[0]])

    def first_failure(self, name) -> float | None:
        """The smallest rate above the best one whose run diverged or ended worse than the untrained net."""
        mean, zone = self.mean_loss(name), self.zone(name)
        fails = (self.lrs > zone.best_lr) & ~(mean < self.start_loss)
        return float(self.lrs[fails].min()) if fails.any() else None

    def summary(self):
        """A :class:`lrlab.tables.Table`: best rate, best loss, zone edges and width, first failure."""
        from lrlab.tables import Table

        rows = []
        for name in self.names:
            z = self.zone(name)
            fail = self.first_failure(name)
            rows.append([name, z.best_lr, z.best_loss, z.low, z.high, z.width, fail,
                         None if fail is None else math.log10(fail / z.best_lr)])
        return Table(["optimizer", "best lr", "best val loss", "zone from", "zone to", "width (decades)",
                      "first failing lr", "best → failure (decades)"], rows,
                     formats=["", ".3g", ".3f", ".3g", ".3g", ".2f", ".3g", ".2f"])


def run_study(net, lrs, seeds, steps, *, optimizers=None, batch_size=32, data_seed=0) -> Study:
    """Train the digits MLP ``net`` for every optimizer × rate × seed (with :func:`lrlab.train.batched.train_mlps`).

    ``optimizers``: name -> (optimizer name, options); default :data:`STUDY_OPTIMIZERS`. Every copy
    sees the same minibatches (``data_seed``); the seed sets the initial weights.
    """
    import time

    from lrlab.train.batched import grid, train_mlps
    from lrlab.problems import MLP

    lrs = v.array("lrs", lrs, ndim=1, min_size=1)
    seeds = np.atleast_1d(np.asarray(seeds))
    optimizers = STUDY_OPTIMIZERS if optimizers is None else optimizers
    flat_lrs, flat_seeds = grid(lrs, seeds)
    t0 = time.perf_counter()
    loss, acc, div = {}, {}, {}
    for name, (opt, options) in optimizers.items():
        with one_blas_thread():
            runs = train_mlps(net, opt, flat_lrs, steps, seeds=flat_seeds, batch_size=batch_size,
                              data_seed=data_seed, **options)
        loss[name] = runs.by_grid(lrs.size, seeds.size, "val_loss")
        acc[name] = runs.by_grid(lrs.size, seeds.size, "val_accuracy")
        div[name] = runs.by_grid(lrs.size, seeds.size, "diverged")
    seconds = time.perf_counter() - t0
    held_out = MLP(sizes=net.sizes, activation=net.activation, l2=net.l2, split="test")
    start = float(np.mean([held_out.value(net.initial_params(seed=int(s))) for s in seeds]))
    return Study(lrs=lrs, seeds=seeds, steps=int(steps), batch_size=int(batch_size), val_loss=loss,
                 val_accuracy=acc, diverged=div, start_loss=start, seconds=seconds)


def train_at(net, name, lr, seeds, steps, *, batch_size=32, data_seed=0) -> float:
    """Mean final validation loss over ``seeds`` of optimizer ``name`` (a key of
    :data:`STUDY_OPTIMIZERS`) at one rate ``lr``, trained as in :func:`run_study` (inf if any copy
    diverged)."""
    from lrlab.train.batched import train_mlps

    if name not in STUDY_OPTIMIZERS:
        raise ValueError(f"name must be one of {list(STUDY_OPTIMIZERS)}, got {name!r}")
    opt, options = STUDY_OPTIMIZERS[name]
    seeds = np.atleast_1d(np.asarray(seeds))
    with one_blas_thread():
        runs = train_mlps(net, opt, np.full(seeds.size, v.positive("lr", lr)), steps, seeds=seeds,
                          batch_size=batch_size, data_seed=data_seed, **options)
    return float(np.inf) if runs.diverged.any() else float(runs.val_loss.mean())
