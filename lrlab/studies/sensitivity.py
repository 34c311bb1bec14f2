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

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from lrlab import _validate as v
from lrlab.train.batched import one_blas_thread
from lrlab._cache import cached

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


@cached
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
    zone may go on: its width is then a lower bound. ``threshold`` is the largest loss inside:
    ``factor × max(best_loss, floor)``. ``holes`` lists the grid rates between ``low`` and ``high``
    that are *not* inside: the width counts them as if they worked.
    """

    best_lr: float
    best_loss: float
    low: float
    high: float
    factor: float
    touches_low: bool
    touches_high: bool
    inside: np.ndarray = field(repr=False)
    lrs: np.ndarray = field(repr=False, default=None)
    floor: float = 0.0

    @property
    def width(self) -> float:
        return math.log10(self.high / self.low)

    @property
    def count(self) -> int:
        """How many grid rates are inside."""
        return int(self.inside.sum())

    @property
    def threshold(self) -> float:
        """The largest loss that counts as inside: ``factor × max(best_loss, floor)``."""
        return self.factor * max(self.best_loss, self.floor)

    @property
    def holes(self) -> np.ndarray:
        """The grid rates strictly between ``low`` and ``high`` that are outside the zone (sorted)."""
        if self.lrs is None:
            return np.array([])
        between = (self.lrs > self.low) & (self.lrs < self.high) & ~self.inside
        return np.sort(self.lrs[between])


def goldilocks_zone(lrs, losses, factor=2.0, floor=0.0) -> Zone:
    """The zone of rates whose loss is ≤ ``factor`` × max(best finite loss, ``floor``) (NaN, inf: outside).

    ``lrs``: the grid, positive, in any order; ``losses``: one per rate (NaN/inf for runs that
    diverged). The width runs from the smallest to the largest rate inside; rates in between that
    are outside are the zone's ``holes``. ``floor`` (default 0) keeps the rule meaningful when the
    best loss is close to zero, where twice the best is still close to zero and would leave out
    rates that are just as good in every other respect.
    """
    lrs = v.array("lrs", lrs, ndim=1, min_size=1)
    if np.any(lrs <= 0):
        raise ValueError("lrs must all be > 0 (the width is measured on a log scale)")
    losses = v.array("losses", losses, ndim=1, finite=False)
    if losses.shape != lrs.shape:
        raise ValueError(f"losses must have one value per rate ({lrs.size}), got {losses.size}")
    factor = v.real("factor", factor, low=1.0)
    floor = v.non_negative("floor", floor)
    finite = np.isfinite(losses)
    if not finite.any():
        raise ValueError("every loss is NaN or infinite: no run of the grid worked, so there is no zone")
    if np.any(losses[finite] <= 0):
        raise ValueError("losses must be > 0 for a factor-of-best zone")
    best = int(np.argmin(np.where(finite, losses, np.inf)))
    with np.errstate(invalid="ignore"):
        inside = finite & (losses <= factor * max(losses[best], floor))
    low, high = float(lrs[inside].min()), float(lrs[inside].max())
    return Zone(best_lr=float(lrs[best]), best_loss=float(losses[best]), low=low, high=high, factor=factor,
                touches_low=low == lrs.min(), touches_high=high == lrs.max(), inside=inside, lrs=lrs.copy(),
                floor=floor)


# --------------------------------------------------------------------------- weight decay
@cached
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
#: A seed fails at a rate when its final validation loss ends above this many times the optimizer's best
#: mean loss (an order of magnitude worse than tuned), or when it diverged (:meth:`Study.failing`).
FAIL_FACTOR = 10.0

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
    n_val: int = 0

    def accuracy_error(self, accuracy) -> float:
        """The binomial standard error of one accuracy measured on the ``n_val`` validation images,
        :math:`\\sqrt{p(1-p)/n}`: differences smaller than about this are noise."""
        p = v.real("accuracy", accuracy, low=0.0, high=1.0)
        return math.sqrt(p * (1.0 - p) / self.n_val)

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

    def failing(self, name, factor=None) -> np.ndarray:
        """Per rate, how many seeds failed: diverged, or ended with a validation loss above
        ``factor`` × the optimizer's best mean loss (default :data:`FAIL_FACTOR`, ten times)."""
        factor = FAIL_FACTOR if factor is None else v.real("factor", factor, low=1.0)
        loss = self.val_loss[name]
        with np.errstate(invalid="ignore"):
            bad = self.diverged[name] | ~(loss <= factor * self.zone(name).best_loss)
        return bad.sum(axis=1)

    def first_failure(self, name, *, every_seed=False, factor=None) -> float | None:
        """The smallest rate above the best one at which a seed failed (:meth:`failing`); with
        ``every_seed=True``, at which every seed failed. None if there is none on the grid."""
        count = self.failing(name, factor)
        need = self.seeds.size if every_seed else 1
        fails = (self.lrs > self.zone(name).best_lr) & (count >= need)
        return float(self.lrs[fails].min()) if fails.any() else None

    def steepest_rise(self, name) -> float:
        """The largest factor by which the mean loss grows from one grid rate to the next, between the
        best rate and the first rate at which every seed failed (or the end of the grid): about 1–2 for
        a loss that degrades gradually, ten or more for a wall."""
        mean = self.mean_loss(name)
        lo = int(np.flatnonzero(self.lrs == self.zone(name).best_lr)[0])
        end = self.first_failure(name, every_seed=True)
        hi = self.lrs.size - 1 if end is None else int(np.flatnonzero(self.lrs == end)[0])
        with np.errstate(invalid="ignore", divide="ignore"):
            return float(np.max(mean[lo + 1:hi + 1] / mean[lo:hi])) if hi > lo else float("nan")

    def summary(self):
        """A :class:`lrlab.tables.Table`: best rate, best loss, zone edges and width, first failure."""
        from lrlab.tables import Table

        rows = []
        for name in self.names:
            z = self.zone(name)
            fail = self.first_failure(name)
            seeds = None if fail is None else int(self.failing(name)[np.flatnonzero(self.lrs == fail)[0]])
            rows.append([name, z.best_lr, z.best_loss, z.low, z.high, z.width, fail,
                         None if fail is None else f"{seeds} of {self.seeds.size}",
                         None if fail is None else math.log10(fail / z.best_lr)])
        return Table(["optimizer", "best lr", "best val loss", "zone from", "zone to", "width (decades)",
                      "first failing lr", "seeds failing there", "best → failure (decades)"], rows,
                     formats=["", ".3g", ".3f", ".3g", ".3g", ".2f", ".3g", "", ".2f"])


#: Lesson 06's study (and the errata's section on optimizers): the digits MLP 64-32-10 tanh, 17 rates a quarter
#: decade apart from 10^-3.5 to 10^0.5, three initial seeds, 300 steps of minibatches of 32.
STUDY_SIZES = (64, 32, 10)
STUDY_RATES = 10.0 ** np.arange(-3.5, 0.51, 0.25)
STUDY_SEEDS = (0, 1, 2)
STUDY_STEPS = 300
STUDY_BATCH = 32


def _freeze(*arrays):
    for a in arrays:
        a.flags.writeable = False


def _net_key(net):
    """A hashable description of a plain digits MLP on the training split (None for anything else)."""
    from lrlab.problems import MLP

    if type(net) is not MLP or net.split != "train":
        return None
    return (net.sizes, net.activation, float(net.l2), tuple(sorted(net.init_scales.items())))


def _net_of(key):
    from lrlab.problems import MLP

    sizes, activation, l2, scales = key
    return MLP(sizes=sizes, activation=activation, l2=l2, init_scales=dict(scales) or None)


@cached
def run_study(net, lrs, seeds, steps, *, optimizers=None, batch_size=32, data_seed=0) -> Study:
    """Train the digits MLP ``net`` for every optimizer × rate × seed (with :func:`lrlab.train.batched.train_mlps`).

    ``optimizers``: name -> (optimizer name, options); default :data:`STUDY_OPTIMIZERS`. Every copy
    sees the same minibatches (``data_seed``); the seed sets the initial weights. The same network,
    grid, seeds, budget and optimizers are trained once per Python session (lesson 06 and
    :mod:`lrlab.studies.article` ask for the same study): every call returns a new :class:`Study`
    over the same read-only arrays.
    """
    lrs = v.array("lrs", lrs, ndim=1, min_size=1)
    seeds = tuple(v.integer("seeds", s, low=0) for s in np.atleast_1d(np.asarray(seeds)).tolist())
    if not seeds:
        raise ValueError("seeds must hold at least one initial seed")
    steps = v.integer("steps", steps, low=1)
    optimizers = STUDY_OPTIMIZERS if optimizers is None else optimizers
    opt_key = tuple((name, opt, tuple(sorted(options.items()))) for name, (opt, options) in optimizers.items())
    args = (tuple(float(x) for x in lrs), seeds, steps, opt_key, batch_size, data_seed)
    key = _net_key(net)
    try:
        hash((key, args))
    except TypeError:
        key = None
    if key is None:
        out = _run_study(net, *args)
    else:
        out = _cached_study(key, *args)
    return Study(**{**out.__dict__, "val_loss": dict(out.val_loss), "val_accuracy": dict(out.val_accuracy),
                    "diverged": dict(out.diverged)})


@functools.lru_cache(maxsize=8)
def _cached_study(key, lrs, seeds, steps, opt_key, batch_size, data_seed):
    return _run_study(_net_of(key), lrs, seeds, steps, opt_key, batch_size, data_seed)


def _run_study(net, lrs, seeds, steps, opt_key, batch_size, data_seed) -> Study:
    import time

    from lrlab.train.batched import grid, train_mlps
    from lrlab.problems import MLP

    lrs, seeds = np.array(lrs), np.array(seeds)
    flat_lrs, flat_seeds = grid(lrs, seeds)
    t0 = time.perf_counter()
    loss, acc, div = {}, {}, {}
    for name, opt, options in opt_key:
        with one_blas_thread():
            runs = train_mlps(net, opt, flat_lrs, steps, seeds=flat_seeds, batch_size=batch_size,
                              data_seed=data_seed, **dict(options))
        loss[name] = runs.by_grid(lrs.size, seeds.size, "val_loss")
        acc[name] = runs.by_grid(lrs.size, seeds.size, "val_accuracy")
        div[name] = runs.by_grid(lrs.size, seeds.size, "diverged")
        _freeze(loss[name], acc[name], div[name])
    seconds = time.perf_counter() - t0
    held_out = MLP(sizes=net.sizes, activation=net.activation, l2=net.l2, split="test")
    start = float(np.mean([held_out.value(net.initial_params(seed=int(s))) for s in seeds]))
    _freeze(lrs, seeds)
    return Study(lrs=lrs, seeds=seeds, steps=int(steps), batch_size=int(batch_size), val_loss=loss,
                 val_accuracy=acc, diverged=div, start_loss=start, seconds=seconds, n_val=held_out.n_samples)


@cached
def train_at(net, name, lr, seeds, steps, *, batch_size=32, data_seed=0) -> float:
    """Mean final validation loss over ``seeds`` of optimizer ``name`` (a key of
    :data:`STUDY_OPTIMIZERS`) at one rate ``lr``, trained as in :func:`run_study` (inf if any copy
    diverged). Like :func:`run_study`, the same run is trained once per Python session."""
    if name not in STUDY_OPTIMIZERS:
        raise ValueError(f"name must be one of {list(STUDY_OPTIMIZERS)}, got {name!r}")
    lr = v.positive("lr", lr)
    seeds = tuple(v.integer("seeds", s, low=0) for s in np.atleast_1d(np.asarray(seeds)).tolist())
    steps = v.integer("steps", steps, low=1)
    key = _net_key(net)
    if key is None:
        return _train_at(net, name, lr, seeds, steps, batch_size, data_seed)
    return _cached_train_at(key, name, lr, seeds, steps, batch_size, data_seed)


@functools.lru_cache(maxsize=16)
def _cached_train_at(key, name, lr, seeds, steps, batch_size, data_seed):
    return _train_at(_net_of(key), name, lr, seeds, steps, batch_size, data_seed)


def _train_at(net, name, lr, seeds, steps, batch_size, data_seed):
    from lrlab.train.batched import train_mlps

    opt, options = STUDY_OPTIMIZERS[name]
    with one_blas_thread():
        runs = train_mlps(net, opt, np.full(len(seeds), lr), steps, seeds=np.array(seeds),
                          batch_size=batch_size, data_seed=data_seed, **options)
    return float(np.inf) if runs.diverged.any() else float(runs.val_loss.mean())
