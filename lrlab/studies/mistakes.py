r"""The experiments of lesson 07 (the common learning-rate mistakes), on the digits MLP.

Every experiment trains ``K`` copies of one :class:`~lrlab.problems.MLP` at once, as stacked
arrays (the forward and backward passes of :mod:`lrlab.train.batched`), with any lrlab optimizer built
with per-copy rates, parameter groups included::

    opt = Adam(lr=[1e-2, 1e-2], param_groups=[{"params": ["W1", "b1"], "lr": [1e-2, 1e-4]}])

Unlike :func:`lrlab.train.batched.train_mlps`, :func:`train` trains on any rows of the data (a subset
of the classes, or of the images), starts from any stacked parameters (a pretrained body with a
new head), and records the full training and validation loss every ``every`` steps, which is
what a learner watching a run would plot.

Parts of the lesson and their functions
    * one rate for all layers: :func:`class_split`, :func:`pretrain`, :func:`finetune`,
      :func:`finetune_grid` (every body/head rate pair, several seeds), :func:`best_pair`,
      :func:`paired` (two recipes seed by seed, in held-out images);
    * batch size and the rate: :func:`batch_sweep` (best rate per batch size and seed);
    * setting and forgetting: :func:`ladder` (curves for several rates), :func:`overfit`;
    * giving up too early: :func:`stalls` (runs trained until ReduceLROnPlateau, fed their smoothed
      validation loss, would cut, then forked per seed: going on unchanged or with the rate divided by 10);
    * the post's quick-reference table: :func:`quick_reference`, :func:`row_verdict`.

Several seeds
    The studies train every setting from the seeds of :data:`SEEDS` (stacked copies that share
    their minibatches), so that each verdict can be checked on every seed and shown with its spread.

The results that :mod:`lrlab.studies.article` turns into claims are cached (:func:`functools.lru_cache`),
so the lesson, the errata page and the tests compute each of them once per process.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from lrlab import _validate as v
from lrlab.train import batched
from lrlab.train.batched import one_blas_thread
from lrlab.optim.optimizers import SGD, Adam, Optimizer
from lrlab.problems.digits import MLP
from lrlab.optim.schedules import ReduceLROnPlateau
from lrlab.tables import Table
from lrlab._cache import cached

__all__ = ["Curves", "train", "stack", "stack_seeds", "class_split", "pretrain", "finetune", "FineTune",
           "finetune_grid", "pick", "pick_head", "best_pair", "best_single_rate", "held_out", "paired", "max_adam_move",
           "batch_sweep", "BatchSweep", "ladder", "overfit", "stalls", "Stalls", "quick_reference", "Trial",
           "row_verdict", "BODY", "HEAD", "SEEDS"]

#: Parameter names of the hidden layer (the body) and of the output layer (the head) of a one-hidden-layer MLP.
BODY, HEAD = ("W1", "b1"), ("W2", "b2")
_QUIET = dict(over="ignore", invalid="ignore", divide="ignore", under="ignore")


@dataclass
class Curves:
    """What :func:`train` recorded for ``K`` copies.

    ``steps`` (n,): the step of each evaluation (0 first); ``train_loss``, ``val_loss``,
    ``val_accuracy``: shape (K, n), on the training rows and the validation rows given to
    :func:`train` (NaN after a copy diverged); ``diverged_at`` (K,): the step a copy was frozen,
    -1 if never; ``params``: the final stacked parameters.
    """

    steps: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    diverged_at: np.ndarray
    params: dict
    lrs: np.ndarray | None = None

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0

    def final(self, attr="train_loss") -> np.ndarray:
        """Per copy, the last recorded value of ``attr`` (inf for a loss, NaN for accuracy, if it diverged)."""
        out = getattr(self, attr)[:, -1].copy()
        out[self.diverged] = np.nan if attr == "val_accuracy" else np.inf
        return out

    def index(self, lr) -> int:
        """The copy trained at rate ``lr`` (to a relative 1e-9)."""
        hits = np.flatnonzero(np.isclose(self.lrs, lr, rtol=1e-9, atol=0))
        if hits.size != 1:
            raise ValueError(f"no single copy with lr = {lr!r}; the rates are {self.lrs.tolist()}")
        return int(hits[0])


def stack(params: dict, K: int) -> dict:
    """``K`` copies of one parameter dict, stacked along a new first axis."""
    K = v.integer("K", K, low=1)
    return {k: np.repeat(np.asarray(a, dtype=float)[None], K, axis=0) for k, a in params.items()}


def _rows(X, y, classes):
    """The rows of (X, y) whose label is in ``classes`` (all rows for None)."""
    if classes is None:
        return X, y
    keep = np.isin(y, list(classes))
    return X[keep], y[keep]


def _one_blas_thread(fn):
    """Run ``fn`` with one BLAS thread: its matrices are small, and threads only fight over the cores."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with one_blas_thread():
            return fn(*args, **kwargs)
    return wrapper


@_one_blas_thread
def train(net, opt, steps, *, params, X, y, X_val, y_val, batch_size=32, data_seed=0, every=10,
          classes=None, max_loss=1e3, track_train=True) -> Curves:
    """Minibatch training of stacked MLP copies on rows ``(X, y)``; evaluates every ``every`` steps.

    ``opt`` is an lrlab optimizer whose rates are per-copy arrays (or one float for every copy);
    ``params`` the stacked starting parameters (see :func:`stack`). Batches are drawn without
    replacement, one shuffled epoch after another, from ``data_seed``; all copies see the same
    batches. ``classes``: evaluate accuracy with an argmax over these outputs only (the task's
    classes), default all. A copy whose minibatch loss is not finite or exceeds ``max_loss`` is
    frozen and its later records are NaN. ``track_train=False`` measures the training loss only at
    the start and at the end (NaN between), which saves most of the cost of an evaluation.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an lrlab.problems.MLP, got {type(net).__name__}")
    if not isinstance(opt, Optimizer):
        raise TypeError(f"opt must be an lrlab optimizer, got {type(opt).__name__}")
    steps = v.integer("steps", steps, low=1)
    every = v.integer("every", every, low=1)
    batch_size = v.integer("batch_size", batch_size, low=1)
    names = list(net.initial_params())
    params = {k: np.array(params[k], dtype=float) for k in names}
    K = params[names[0]].shape[0]
    n = y.shape[0]
    gen = np.random.default_rng(data_seed)
    checks = list(range(0, steps + 1, every)) + ([steps] if steps % every else [])
    record = {key: np.full((K, len(checks)), np.nan) for key in ("train", "val", "acc")}
    diverged_at = np.full(K, -1)
    active = np.ones(K, dtype=bool)
    cols = None if classes is None else np.asarray(sorted(classes))

    def evaluate(j):
        arrays = [params[p] for p in names]
        if track_train or j in (0, len(checks) - 1):
            record["train"][active, j] = batched.evaluate(net, arrays, X, y)[0][active]
        val, acc = batched.evaluate(net, arrays, X_val, y_val)
        record["val"][active, j] = val[active]
        record["acc"][active, j] = (acc if cols is None else _accuracy(net, arrays, X_val, y_val, cols))[active]

    order, pos, j = gen.permutation(n), 0, 0
    with np.errstate(**_QUIET):
        evaluate(0)
        for t in range(1, steps + 1):
            if pos + batch_size > n:  # a new epoch (the short remainder is dropped)
                order, pos = gen.permutation(n), 0
            idx = order[pos:pos + min(batch_size, n)]
            pos += batch_size
            loss, grads = batched.loss_and_grad(net, [params[p] for p in names], X[idx], y[idx])
            blown = active & ~(loss <= max_loss)
            if blown.any():
                diverged_at[blown] = t
                active &= ~blown
            new = opt.step(params, dict(zip(names, grads)))
            if not active.all():  # frozen copies keep their parameters
                for p in names:
                    new[p][~active] = params[p][~active]
            params = new
            if t == checks[j + 1]:
                j += 1
                evaluate(j)
    return Curves(np.array(checks), record["train"], record["val"], record["acc"], diverged_at, params)


def _accuracy(net, arrays, X, y, cols):
    """Per-copy accuracy, the argmax taken over the outputs ``cols`` (all if None)."""
    z = np.matmul(X, arrays[0]) + arrays[1][:, None, :]
    for layer in range(1, net.n_layers):
        z = np.tanh(z) if net.activation == "tanh" else np.maximum(z, 0.0)
        z = np.matmul(z, arrays[2 * layer]) + arrays[2 * layer + 1][:, None, :]
    if cols is None:
        pred = np.argmax(z, axis=2)
    else:
        pred = cols[np.argmax(z[:, :, cols], axis=2)]
    return np.mean(pred == y, axis=1)


def _digits(net):
    d = net.data
    return d.X_train, d.y_train, d.X_test, d.y_test


# ------------------------------------------------------------------ part 1: one rate for all layers

#: The seeds of the fine-tuning study: seed ``s`` pretrains from ``net.initial_params(s)`` and draws the
#: new head from ``net.initial_params(HEAD_SEED + s)``; every seed sees the same minibatches.
SEEDS = (0, 1, 2)
HEAD_SEED = 100


def class_split(old=(0, 1, 2, 3, 4)):
    """``(old, new)``: the classes a network is pretrained on and the ones it is adapted to."""
    old = tuple(sorted(int(c) for c in old))
    new = tuple(c for c in range(10) if c not in old)
    if not old or not new:
        raise ValueError(f"old must hold some of the ten classes, not none or all, got {old}")
    return old, new


def _check_seeds(seeds):
    seeds = tuple(v.integer(f"seeds[{i}]", s, low=0) for i, s in enumerate(seeds))
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be one or more different ints >= 0, got {seeds}")
    return seeds


def stack_seeds(net, seeds) -> dict:
    """The initial parameters of ``net`` for each seed, stacked along a new first axis."""
    inits = [net.initial_params(s) for s in _check_seeds(seeds)]
    return {k: np.stack([p[k] for p in inits]) for k in inits[0]}


@dataclass
class FineTune:
    """Fine-tuning runs: per copy, its body and head rates, its seed and what it ended with.

    Copies are pair-major: the seeds of one (body rate, head rate) pair are neighbours.
    ``new_accuracy``: accuracy on the held-out images of the new classes (argmax over the new
    classes' outputs of the new head); ``retention``: accuracy on the held-out images of the old
    classes when the fine-tuned body is put back under its pretrained head (argmax over the old
    classes); ``moved``: ``‖W1 − W1_pretrained‖ / ‖W1_pretrained‖``, how far the hidden weights
    moved, relative to their size. ``before``: per copy, its pretrained network's accuracy on the
    old classes. ``score``: the mean of new-class accuracy and retention, which rewards learning
    the new task without forgetting the old one.
    """

    body_lrs: np.ndarray
    head_lrs: np.ndarray
    seeds: np.ndarray
    steps: int
    new_accuracy: np.ndarray
    retention: np.ndarray
    moved: np.ndarray
    before: np.ndarray
    curves: Curves

    @property
    def score(self) -> np.ndarray:
        return (self.new_accuracy + self.retention) / 2

    @property
    def n_seeds(self) -> int:
        return int(np.unique(self.seeds).size)

    def by_pair(self, attr="score") -> np.ndarray:
        """A per-copy quantity (``score``, ``new_accuracy``, ``retention``, ``moved``) as (pairs, seeds)."""
        if attr not in ("score", "new_accuracy", "retention", "moved", "before"):
            raise ValueError(f"attr must be 'score', 'new_accuracy', 'retention', 'moved' or 'before', got {attr!r}")
        return np.asarray(getattr(self, attr)).reshape(-1, self.n_seeds)

    @property
    def pairs(self) -> np.ndarray:
        """(pairs, 2): the (body rate, head rate) of each pair, in the order of :meth:`by_pair`."""
        return np.stack([self.body_lrs, self.head_lrs], axis=1)[::self.n_seeds]


@functools.lru_cache(maxsize=4)
def _pretrained(sizes, old, steps, lr, seeds):
    net = MLP(sizes=sizes, activation="tanh")
    X, y, Xv, yv = _digits(net)
    Xo, yo = _rows(X, y, old)
    Xvo, yvo = _rows(Xv, yv, old)
    run = train(net, Adam(lr=lr), steps, params=stack_seeds(net, seeds), X=Xo, y=yo,
                X_val=Xvo, y_val=yvo, every=steps, classes=old)
    for a in run.params.values():
        a.flags.writeable = False
    return run.params, run.val_accuracy[:, -1].copy()


@cached
def pretrain(net, old, *, steps=300, lr=1e-2, seeds=SEEDS):
    """The network pretrained with Adam on the classes ``old`` only, once per seed (stacked copies).

    Returns ``(params, accuracy)``: the stacked parameters (one row per seed) and each copy's
    held-out accuracy on the old classes. Cached: the same arguments give the same numbers.
    """
    old, _ = class_split(old)
    params, acc = _pretrained(net.sizes, old, v.integer("steps", steps, low=1), v.positive("lr", lr),
                              _check_seeds(seeds))
    return {k: a.copy() for k, a in params.items()}, acc.copy()


def finetune(net, pretrained, old, body_lrs, head_lrs, *, seeds=SEEDS, steps=100, batch_size=32,
             data_seed=0, before=None) -> FineTune:
    """Adapt pretrained MLPs to the classes not in ``old`` with a new head, one copy per rate pair and seed.

    ``pretrained``: stacked parameters, one row per seed of ``seeds`` (see :func:`pretrain`). The
    new head (``W2``, ``b2``) of seed ``s`` is ``net.initial_params(HEAD_SEED + s)``'s; the body
    (``W1``, ``b1``) starts from that seed's pretrained one. Each copy trains with Adam and two
    parameter groups: ``Adam(lr=head, param_groups=[{"params": ["W1", "b1"], "lr": body}])``; a body
    rate of 0 freezes the body. ``before``: the pretrained accuracy per seed (NaN if not given).
    """
    old, new = class_split(old)
    seeds = _check_seeds(seeds)
    S = len(seeds)
    if any(np.shape(pretrained[k])[0] != S for k in BODY + HEAD):
        raise ValueError(f"pretrained must hold one stacked row per seed ({S}), got shape "
                         f"{np.shape(pretrained['W1'])}")
    body = np.atleast_1d(np.asarray(body_lrs, dtype=float))
    head = np.broadcast_to(np.asarray(head_lrs, dtype=float), body.shape).copy()
    if np.any(body < 0) or np.any(head <= 0):
        raise ValueError("body rates must be >= 0 (0 freezes the body) and head rates > 0")
    body, head = np.repeat(body, S), np.repeat(head, S)
    row = np.tile(np.arange(S), body.size // S)
    K = body.size
    fresh = stack_seeds(net, [HEAD_SEED + s for s in seeds])
    start = {**{k: np.asarray(pretrained[k], dtype=float)[row] for k in BODY}, **{k: fresh[k][row] for k in HEAD}}
    opt = Adam(lr=head, param_groups=[{"params": list(BODY), "lr": np.maximum(body, 1.0)}])
    opt.param_groups[0]["lr"] = body  # the constructor wants rates > 0; a frozen body has 0
    X, y, Xv, yv = _digits(net)
    Xn, yn = _rows(X, y, new)
    Xvn, yvn = _rows(Xv, yv, new)
    run = train(net, opt, steps, params=start, X=Xn, y=yn, X_val=Xvn, y_val=yvn,
                batch_size=batch_size, data_seed=data_seed, every=steps, classes=new)
    Xvo, yvo = _rows(Xv, yv, old)
    with np.errstate(**_QUIET):
        arrays = [run.params["W1"], run.params["b1"]] + [np.asarray(pretrained[k], dtype=float)[row] for k in HEAD]
        retention = _accuracy(net, arrays, Xvo, yvo, np.asarray(old))
        W0 = np.asarray(pretrained["W1"], dtype=float)[row]
        moved = (np.linalg.norm((run.params["W1"] - W0).reshape(K, -1), axis=1)
                 / np.linalg.norm(W0.reshape(K, -1), axis=1))
    acc = np.full(S, np.nan) if before is None else np.asarray(before, dtype=float).reshape(S)
    return FineTune(body, head, np.asarray(seeds)[row], steps, run.val_accuracy[:, -1], retention, moved,
                    acc[row], run)


#: The fine-tuning grid of the lesson: body rates (0 freezes the body) and head rates, 100 steps of Adam.
BODY_RATES = (0.0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
HEAD_RATES = (1e-3, 1e-2, 1e-1)


@functools.lru_cache(maxsize=4)
def _finetune_grid(body_rates, head_rates, steps, old, seeds):
    net = MLP(sizes=(64, 32, 10), activation="tanh")
    pre, before = pretrain(net, old, seeds=seeds)
    body, head = (a.ravel() for a in np.meshgrid(body_rates, head_rates, indexing="ij"))
    return finetune(net, pre, old, body, head, seeds=seeds, steps=steps, before=before)


@cached
def finetune_grid(body_rates=BODY_RATES, head_rates=HEAD_RATES, *, steps=100, old=(0, 1, 2, 3, 4),
                  seeds=SEEDS) -> FineTune:
    """Every (body rate, head rate) pair of the grid, body-major, for every seed, after pretraining on ``old`` (cached)."""
    old, _ = class_split(old)
    return _finetune_grid(tuple(float(r) for r in body_rates), tuple(float(r) for r in head_rates),
                          v.integer("steps", steps, low=1), old, _check_seeds(seeds))


def _subset(ft: FineTune, k) -> FineTune:
    return FineTune(ft.body_lrs[k], ft.head_lrs[k], ft.seeds[k], ft.steps, ft.new_accuracy[k], ft.retention[k],
                    ft.moved[k], ft.before[k], ft.curves)


def pick(ft: FineTune, body_lr, head_lr) -> FineTune:
    """The copies of ``ft`` (one per seed) trained with this pair of rates."""
    k = np.flatnonzero(np.isclose(ft.body_lrs, body_lr, rtol=1e-9, atol=0)
                       & np.isclose(ft.head_lrs, head_lr, rtol=1e-9, atol=0))
    if k.size == 0:
        raise ValueError(f"no copy with body rate {body_lr!r} and head rate {head_lr!r}")
    return _subset(ft, k)


def pick_head(ft: FineTune, head_lr) -> FineTune:
    """The copies of ``ft`` trained with head rate ``head_lr`` (every body rate and seed)."""
    k = np.flatnonzero(np.isclose(ft.head_lrs, head_lr, rtol=1e-9, atol=0))
    if k.size == 0:
        raise ValueError(f"no copy with head rate {head_lr!r}; the head rates are {sorted(set(ft.head_lrs))}")
    return _subset(ft, k)


def best_pair(ft: FineTune) -> tuple[float, float]:
    """The (body rate, head rate) with the highest score averaged over the seeds."""
    k = int(np.nanargmax(ft.by_pair("score").mean(axis=1)))
    body, head = ft.pairs[k]
    return float(body), float(head)


def best_single_rate(ft: FineTune) -> float:
    """Among the pairs whose body and head share one rate, the rate with the highest mean score."""
    pairs, score = ft.pairs, ft.by_pair("score").mean(axis=1)
    same = np.flatnonzero(np.isclose(pairs[:, 0], pairs[:, 1], rtol=1e-9, atol=0))
    if same.size == 0:
        raise ValueError("the grid holds no pair with the same rate for body and head")
    return float(pairs[same[np.nanargmax(score[same])], 0])


def held_out(old=(0, 1, 2, 3, 4)) -> tuple[int, int]:
    """``(old, new)``: how many held-out images the old and the new classes have (retention and new-class
    accuracy are fractions of these)."""
    old, new = class_split(old)
    y = MLP(sizes=(64, 32, 10), activation="tanh").data.y_test
    return int(np.isin(y, old).sum()), int(np.isin(y, new).sum())


def paired(a: FineTune, b: FineTune, names=("a", "b"), old=(0, 1, 2, 3, 4)) -> Table:
    """Recipe ``a`` against recipe ``b``, seed by seed: on one seed both start from the same pretrained body
    and new head and see the same batches, so their difference there is the recipe's alone.

    One row per seed: the score gap ``a − b`` in points of accuracy, and how many more held-out images
    ``a`` gets right than ``b`` on the new classes and keeps right on the old ones (negative: fewer).
    ``names`` label ``a`` and ``b`` in the caption.
    """
    if not (isinstance(a, FineTune) and isinstance(b, FineTune)):
        raise TypeError("a and b must be FineTune results, one copy per seed (see pick)")
    if a.seeds.tolist() != b.seeds.tolist() or len(set(a.seeds.tolist())) != a.seeds.size:
        raise ValueError(f"a and b must hold one copy per seed, the same seeds: {a.seeds} and {b.seeds}")
    n_old, n_new = held_out(old)
    images = lambda attr, n: np.rint((getattr(a, attr) - getattr(b, attr)) * n).astype(int)  # noqa: E731
    rows = zip(a.seeds.tolist(), 100 * (a.score - b.score), images("new_accuracy", n_new),
               images("retention", n_old))
    return Table(["seed", "score gap (points)", "new classes: images right", "old classes: images kept"],
                 [list(r) for r in rows], formats=["d", ".2f", "+d", "+d"],
                 caption=f"{names[0]} minus {names[1]}, seed by seed (held-out images: {n_new} of the new "
                         f"classes, {n_old} of the old)")


def max_adam_move(lr, steps) -> float:
    """The most one parameter can move under Adam in ``steps`` steps of rate ``lr`` (about ``lr`` a step).

    Adam's step on one entry is ``lr·m̂/(√v̂ + eps)``, about ``lr`` in size at most whatever the
    gradient's scale (exactly ``lr`` on the first step; a little more is possible when the gradient's
    size changes quickly), so ``steps`` steps move an entry by at most about ``lr × steps``.
    """
    return v.positive("lr", lr) * v.integer("steps", steps, low=1)


# ------------------------------------------------------------------ part 2: batch size and the rate

#: The batch-size study of the lesson: batch sizes, rate grids (a quarter decade apart), passes over the data.
BATCHES = (8, 32, 128, 512)
SGD_RATES = tuple(float(r) for r in 10.0 ** np.arange(-0.75, 0.51, 0.25))
ADAM_RATES = tuple(float(r) for r in 10.0 ** np.arange(-2.25, -0.74, 0.25))
EPOCHS = 3


@dataclass
class BatchSweep:
    """Best rate per batch size and seed: ``losses[i, j, s]`` is the final training loss at
    ``batch_sizes[i]``, ``lrs[j]``, from ``seeds[s]``'s start (``inf`` if it diverged).

    ``steps[i]``: the optimizer steps batch size ``i`` gets in ``epochs`` passes over the data.
    """

    optimizer: str
    batch_sizes: np.ndarray
    lrs: np.ndarray
    epochs: int
    losses: np.ndarray
    seeds: tuple = (0,)
    warmup: int = 0
    n_images: int = 1438

    @property
    def steps(self) -> np.ndarray:
        return np.array([max(1, self.epochs * self.n_images // int(b)) for b in self.batch_sizes])

    @property
    def best(self) -> np.ndarray:
        """(batch sizes, seeds): the grid's minimum refined by a parabola in log(rate) through it and its neighbours."""
        out = np.empty(self.losses.shape[::2])
        logs = np.log10(self.lrs)
        for i in range(self.losses.shape[0]):
            for s in range(self.losses.shape[2]):
                row = np.log(self.losses[i, :, s])
                j = int(np.nanargmin(row))
                out[i, s] = self.lrs[j]
                if 0 < j < len(row) - 1 and np.all(np.isfinite(row[j - 1:j + 2])):
                    a, b, _ = np.polyfit(logs[j - 1:j + 2], row[j - 1:j + 2], 2)
                    if a > 0:
                        out[i, s] = 10 ** np.clip(-b / (2 * a), logs[j - 1], logs[j + 1])
        return out

    @property
    def best_loss(self) -> np.ndarray:
        """(batch sizes, seeds): the lowest final training loss of the grid."""
        return np.nanmin(self.losses, axis=1)

    def largest_stable(self) -> np.ndarray:
        """(batch sizes, seeds): the largest rate of the grid whose final loss is below the starting loss."""
        ok = self.losses < np.log(10.0)
        return np.where(ok.any(axis=1), np.max(np.where(ok, self.lrs[None, :, None], -np.inf), axis=1), np.nan)


@cached
def batch_sweep(optimizer, batch_sizes, lrs, *, epochs=3, warmup=0, seeds=SEEDS) -> BatchSweep:
    """Train the digits MLP for ``epochs`` passes at every batch size, rate and seed; final training losses.

    The number of steps is ``epochs × 1438 // batch_size`` (a fixed amount of data, the setting of
    the linear scaling rule). ``warmup``: the rate climbs linearly over the first ``warmup`` steps
    (``lr·(t + 1)/warmup``). Copies that diverge count as an infinite loss. Every seed is its own
    start; all copies of one batch size see the same minibatches.
    """
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    sizes = tuple(v.integer("batch_sizes[i]", b, low=1) for b in batch_sizes)
    rates = tuple(float(r) for r in lrs)
    seeds = _check_seeds(seeds)
    losses = _batch_sweep(optimizer, sizes, rates, v.integer("epochs", epochs, low=1),
                          v.integer("warmup", warmup, low=0), seeds)
    return BatchSweep(optimizer, np.array(sizes), np.array(rates), epochs, losses.copy(), seeds, warmup)


@functools.lru_cache(maxsize=16)
@_one_blas_thread
def _batch_sweep(optimizer, batch_sizes, lrs, epochs, warmup, seeds):
    from lrlab.train.batched import train_mlps

    net = MLP(sizes=(64, 32, 10), activation="tanh")
    rates, starts = np.repeat(np.asarray(lrs, dtype=float), len(seeds)), np.tile(seeds, len(lrs))
    rows = []
    for b in batch_sizes:
        steps = max(1, epochs * net.n_samples // b)
        if warmup:
            schedule = (lambda k, r=rates: r * min(1.0, (k + 1) / warmup))
            rows.append(_train_scheduled(net, optimizer, rates, schedule, steps, b, seeds, {}))
        else:
            rows.append(train_mlps(net, optimizer, rates, steps, batch_size=b, seeds=starts).train_loss)
    return np.array(rows).reshape(len(batch_sizes), len(lrs), len(seeds))


def _train_scheduled(net, optimizer, lrs, schedule, steps, batch_size, seeds, options):
    """Final training loss of each copy (rate-major, ``seeds`` within) when the rate follows ``schedule``."""
    make = {"sgd": SGD, "adam": Adam}[optimizer]
    X, y, Xv, yv = _digits(net)
    start = {k: np.tile(a, (len(lrs) // len(seeds),) + (1,) * (a.ndim - 1)) for k, a in stack_seeds(net, seeds).items()}
    run = train(net, make(lr=schedule, **options), steps, params=start,
                X=X, y=y, X_val=Xv, y_val=yv, batch_size=batch_size, every=steps)
    out = run.train_loss[:, -1].copy()
    out[run.diverged | ~np.isfinite(out)] = np.inf
    return out


# ------------------------------------------------------------------ parts 3-5: watching runs

#: The SGD rates of the "ladder": 300-step runs from the same starts, shared by parts 3 and 5.
LADDER = (1e-3, 1e-2, 3e-2, 0.1, 0.2, 0.3, 1.0, 2.0, 3.0, 30.0, 100.0, 300.0)


@functools.lru_cache(maxsize=8)
def _ladder(optimizer, lrs, steps, every, seeds, batch_size):
    net = MLP(sizes=(64, 32, 10), activation="tanh")
    X, y, Xv, yv = _digits(net)
    make = {"sgd": SGD, "adam": Adam}[optimizer]
    rates = np.repeat(np.array(lrs), len(seeds))
    start = {k: np.tile(a, (len(lrs),) + (1,) * (a.ndim - 1)) for k, a in stack_seeds(net, seeds).items()}
    run = train(net, make(lr=rates), steps, params=start, X=X, y=y, X_val=Xv, y_val=yv, every=every,
                batch_size=batch_size)
    run.lrs = rates
    return run


@cached
def ladder(optimizer="sgd", lrs=LADDER, *, steps=300, every=10, seeds=(0,), batch_size=32) -> Curves:
    """The digits MLP (64-32-10, tanh) trained at every rate of ``lrs`` from each seed's start, for ``steps`` steps.

    Copies are rate-major (``len(seeds)`` neighbours per rate). Training and validation loss
    every ``every`` steps; the same batches for every copy. Cached: treat the result as read-only.
    """
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    return _ladder(optimizer, tuple(float(r) for r in lrs), v.integer("steps", steps, low=1),
                   v.integer("every", every, low=1), _check_seeds(seeds), v.integer("batch_size", batch_size, low=1))


@functools.lru_cache(maxsize=4)
def _overfit(n_images, hidden, steps, lr, every, seed):
    net = MLP(sizes=(64, hidden, 10), activation="tanh")
    X, y, Xv, yv = _digits(net)
    rows = np.random.default_rng(seed).choice(y.size, n_images, replace=False)
    run = train(net, Adam(lr=lr), steps, params=stack(net.initial_params(seed), 1), X=X[rows], y=y[rows],
                X_val=Xv, y_val=yv, batch_size=min(32, n_images), every=every)
    run.lrs = np.array([lr])
    return run


@cached
def overfit(n_images=60, *, hidden=128, steps=400, lr=1e-2, every=20, seed=0) -> Curves:
    """A run that overfits: a wide MLP (64-``hidden``-10) trained with Adam on ``n_images`` training images only."""
    return _overfit(v.integer("n_images", n_images, low=1), v.integer("hidden", hidden, low=1),
                    v.integer("steps", steps, low=1), v.positive("lr", lr), v.integer("every", every, low=1),
                    v.integer("seed", seed, low=0))


#: The runs that look stuck in part 4: name -> (batch size, SGD rate, the ways on tried).
STALLED = {"batch 4, lr 0.5": (4, 0.5, ("continue as is", "divide by 10")),
           "batch 32, lr 1": (32, 1.0, ("continue as is", "divide by 10"))}
#: The ways on after the stall: name -> factor on the rate.
OPTIONS = {"continue as is": 1.0, "divide by 10": 0.1, "multiply by 10": 10.0}


@dataclass
class Stalls:
    """Runs that have stalled, and what each way on did: see :func:`stalls`.

    ``first[name]``: the :class:`Curves` of the run at its constant rate (one copy per seed, steps 0
    to ``limit + more``); ``fork[name]``: per seed, the step at which it stalled and was forked: the
    first evaluation at which :class:`~lrlab.optim.schedules.ReduceLROnPlateau` (``patience``,
    ``factor`` 0.1), fed the mean validation loss of the last ``window`` evaluations, would cut the
    rate. ``after[name][option]``: per seed, the ``more`` steps after its own fork (steps count from
    the fork; "continue as is" is the rest of ``first``, so its ``params`` are empty).
    ``plateau_cut[name]``: per seed, the first step at which the same rule fed each evaluation
    unsmoothed would cut (-1: never by ``limit + more``).
    """

    runs: dict
    seeds: tuple
    limit: int
    more: int
    every: int
    patience: int
    window: int
    first: dict
    after: dict
    fork: dict
    plateau_cut: dict

    def _index(self, name) -> np.ndarray:
        return self.fork[name] // self.every

    def _before(self, name, attr="val_loss", back=0) -> np.ndarray:
        """Per seed, the ``window`` evaluations that end ``back`` evaluations before the fork."""
        values = getattr(self.first[name], attr)
        return np.array([values[k, i - back - self.window + 1:i - back + 1] for k, i in enumerate(self._index(name))])

    def stalled(self, name) -> np.ndarray:
        """Per seed: did the run stall (a fork was found) within ``limit`` steps?"""
        return self.fork[name] >= 0

    def ends(self, name, option, attr="val_loss") -> np.ndarray:
        """Per seed, the mean of ``attr`` over the last ``window`` evaluations, ``more`` steps after the fork."""
        return np.mean(getattr(self.after[name][option], attr)[:, -self.window:], axis=1)

    def wobble(self, name) -> np.ndarray:
        """Per seed, how much the validation loss jumps before the fork: its standard deviation over
        the last ``window`` evaluations, relative to their mean (noise from a rate too large for it
        makes this large; a smooth floor keeps it small)."""
        last = self._before(name)
        return last.std(axis=1) / last.mean(axis=1)

    def at_stall(self, name, attr="val_loss") -> np.ndarray:
        """Per seed, the mean of ``attr`` over the last ``window`` evaluations up to the fork."""
        return self._before(name, attr).mean(axis=1)

    def best_before(self, name) -> np.ndarray:
        """Per seed, the lowest mean of ``window`` evaluations in a row that ended more than ``patience``
        evaluations before the fork (the level the smoothed loss has not improved on since)."""
        val, w = self.first[name].val_loss, self.window
        return np.array([np.convolve(val[k, :i - self.patience], np.ones(w) / w, mode="valid").min()
                         for k, i in enumerate(self._index(name))])


def _first_cut(losses, lr, patience):
    rule = ReduceLROnPlateau(lr, factor=0.1, patience=patience)
    for i, loss in enumerate(losses):
        if rule.step(float(loss)) < lr:
            return i
    return -1


def _stall_index(losses, window, patience):
    """The first evaluation at which ReduceLROnPlateau, fed the mean of the last ``window`` losses, cuts."""
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")   # smooth[j] ends at losses[j + window - 1]
    hit = _first_cut(smooth, 1.0, patience)
    return hit + window - 1 if hit >= 0 else -1


@functools.lru_cache(maxsize=4)
def _stalls(runs, seeds, limit, more, every, patience, window):
    net = MLP(sizes=(64, 32, 10), activation="tanh")
    X, y, Xv, yv = _digits(net)
    S, e = len(seeds), more // every
    first, after, fork, cut = {}, {}, {}, {}
    for batch in sorted({b for _, b, _, _ in runs}):
        mine = [(n, lr, ways) for n, b, lr, ways in runs if b == batch]
        base = np.repeat([lr for _, lr, _ in mine], S)
        init = {k: np.tile(a, (len(mine),) + (1,) * (a.ndim - 1)) for k, a in stack_seeds(net, seeds).items()}
        run = train(net, SGD(lr=base), limit + more, params=init, X=X, y=y, X_val=Xv, y_val=yv, every=every,
                    batch_size=batch)
        at = np.array([_stall_index(run.val_loss[k, :limit // every + 1], window, patience) for k in range(base.size)])
        for k in np.flatnonzero(at < 0):
            raise ValueError(f"run {mine[k // S][0]!r} did not stall within limit={limit} steps on seed "
                             f"{seeds[k % S]}; give it a larger limit")
        src = [(i, way) for i, (_, _, ways) in enumerate(mine) for way in ways if OPTIONS[way] != 1.0]
        rows = np.concatenate([np.arange(i * S, (i + 1) * S) for i, _ in src]) if src else np.arange(0)
        if src:   # each copy at its run's rate up to its own fork, then at the way's rate (the same batches)
            steps = run.steps[at[rows]]
            before, after_fork = base[rows], base[rows] * np.repeat([OPTIONS[way] for _, way in src], S)

            def rate(t, steps=steps, before=before, after_fork=after_fork):   # t counts steps from 0
                return np.where(t >= steps, after_fork, before)

            forked = train(net, SGD(lr=rate), int(steps.max()) + more, params={k: a[rows] for k, a in init.items()},
                           X=X, y=y, X_val=Xv, y_val=yv, every=every, batch_size=batch)
        for i, (name, lr, ways) in enumerate(mine):
            own = np.arange(i * S, (i + 1) * S)
            first[name] = _curves_rows(run, own, base[own])
            fork[name] = run.steps[at[own]]
            cut[name] = np.array([int(run.steps[h]) if h >= 0 else -1
                                  for h in (_first_cut(run.val_loss[k], lr, patience) for k in own)])
            after[name] = {}
            for way in ways:
                if OPTIONS[way] == 1.0:
                    source, where = run, own
                else:
                    j = src.index((i, way))
                    source, where = forked, np.arange(j * S, (j + 1) * S)
                after[name][way] = _slice_after(source, where, at[own], e, base[own] * OPTIONS[way])
    return Stalls(runs, seeds, limit, more, every, patience, window, first, after, fork, cut)


def _slice_after(c: Curves, rows, starts, n, lrs) -> Curves:
    """Per row, the ``n + 1`` evaluations from its own start (steps count from there)."""
    pick = lambda a: np.array([a[r, s:s + n + 1] for r, s in zip(rows, starts)])  # noqa: E731
    return Curves(c.steps[:n + 1] - c.steps[0], pick(c.train_loss), pick(c.val_loss), pick(c.val_accuracy),
                  c.diverged_at[rows], {}, np.asarray(lrs))


def _curves_rows(c: Curves, rows, lrs) -> Curves:
    return Curves(c.steps, c.train_loss[rows], c.val_loss[rows], c.val_accuracy[rows], c.diverged_at[rows],
                  {k: a[rows] for k, a in c.params.items()}, np.asarray(lrs))


@cached
def stalls(runs=None, *, seeds=SEEDS, limit=1500, more=450, every=30, patience=5, window=5) -> Stalls:
    """Runs trained until they stall, then continued ``more`` steps in each of their ways of :data:`OPTIONS`.

    ``runs``: name -> (batch size, SGD rate, ways on from :data:`OPTIONS`), default :data:`STALLED`.
    Every run is trained at its rate from each seed's start (the same batches for every seed and
    every way on), evaluated every ``every`` steps. A seed's run has **stalled** at the first
    evaluation at which ReduceLROnPlateau (``patience``, factor 0.1), fed the mean validation loss
    of the last ``window`` evaluations rather than each noisy one, would cut its rate: the smoothed
    loss has not improved for ``patience + 1`` evaluations. Each seed is forked there, within the
    first ``limit`` steps (a ValueError names a run that does not stall by then), and goes on each
    of its ways (unchanged, the rate divided by 10, or multiplied by 10) for ``more`` steps. Ends
    are compared over the last ``window`` evaluations, per seed, not on one noisy value.
    """
    runs = STALLED if runs is None else runs
    items = tuple((str(n), v.integer("batch size", b, low=1), v.positive("lr", lr),
                   tuple(v.choice("way", w, OPTIONS) for w in ways)) for n, (b, lr, ways) in runs.items())
    limit, more, every = (v.integer(n, x, low=1) for n, x in (("limit", limit), ("more", more), ("every", every)))
    if limit % every or more % every:
        raise ValueError(f"limit and more must be multiples of every, got limit={limit}, more={more}, every={every}")
    window = v.integer("window", window, low=1, high=min(more, limit) // every)
    return _stalls(items, _check_seeds(seeds), limit, more, every, v.integer("patience", patience, low=0), window)


# ------------------------------------------------------------------ part 5: the post's quick-reference table

#: The post's table, column by column, as printed (row i is SYMPTOMS[i], CAUSES[i], FIXES[i]).
SYMPTOMS = ("Loss not decreasing", "Loss decreasing very slowly", "Loss oscillating wildly",
            "Loss exploding / NaN", "Loss stuck (plateu)", "Training unstable")
CAUSES = ("LR too small", "LR too small", "LR too large", "LR way too large", "LR was good, now too large",
          "LR too large")
FIXES = ("Increase LR by 10x", "Increase LR by 3-10x", "Decrease LR by 10x", "Decrease LR by 100x",
         "Reduce LR (schedule)", "Decrease LR, or use Adam")
#: The rows: (symptom, likely cause, fix).
TABLE = tuple(zip(SYMPTOMS, CAUSES, FIXES))

#: The fix "works" when the fixed run ends within this factor of the best loss any run reached.
WORKS_WITHIN = 3.0
_ORDER = {"no": 0, "partly": 1, "yes": 2}


@dataclass(frozen=True)
class Trial:
    """One fix of the table tried on one run that shows the symptom, from several seeds.

    ``premise``: True when the run shows the row's symptom *and* its stated cause (the trials a
    row is judged on); False for a counter-example (same symptom, another cause), shown apart.
    ``before``/``after``: per seed, the loss of the symptom run and of the fixed run (``metric``
    says which loss); ``best``: per seed, the lowest loss any run of the comparison reached;
    ``verdict``: per seed "yes" (the fixed run ends within :data:`WORKS_WITHIN` of ``best``),
    "partly" (better, not that close) or "no" (not better, or not below ``start``, the untrained
    network's loss ln 10), and for the trial the worst over the seeds.
    """

    row: int
    symptom: str
    cause: str
    fix: str
    run: str
    tried: str
    premise: bool
    before: tuple
    after: tuple
    best: tuple
    metric: str
    option: str = ""
    start: float = float(np.log(10.0))

    @property
    def verdicts(self) -> tuple:
        out = []
        for before, after, best in zip(self.before, self.after, self.best):
            if not (after < before and after < self.start):
                out.append("no")
            else:
                out.append("yes" if after <= WORKS_WITHIN * best else "partly")
        return tuple(out)

    @property
    def verdict(self) -> str:
        return min(self.verdicts, key=_ORDER.get)

    @property
    def gain(self) -> np.ndarray:
        """Per seed, how many times lower the fixed run's loss is (below 1: the fix made it worse)."""
        return np.asarray(self.before) / np.asarray(self.after)


def row_verdict(trials, row) -> str:
    """A row of the table on its premise trials: "yes" only when every premise run is fixed.

    Per premise run, the best verdict over the fix's options (the ends of a range such as 3-10×
    each count as a way to follow the advice; the two halves of "decrease, or use Adam" are two
    separate fixes and both must work); the row gets the worst of these.
    """
    mine = [t for t in trials if t.row == row and t.premise]
    if not mine:
        raise ValueError(f"no premise trial for row {row}")
    per_run = {}
    for t in mine:
        key = (t.run, t.option)
        per_run[key] = max(per_run.get(key, "no"), t.verdict, key=_ORDER.get)
    return min(per_run.values(), key=_ORDER.get)


@cached
def quick_reference() -> list[Trial]:
    """Every row of :data:`TABLE` tried on runs that show the symptom, premise runs and counter-examples.

    Rows 1-4 and 6: SGD runs of the ladder's rates (300 steps, batch 32, every seed of
    :data:`SEEDS`; the rates of 100 and more, which blow up within a few steps, are run for 20 and
    count as an infinite loss), judged on the final training loss; "use Adam" is Adam at its default rate
    0.001. Row 5: the stalls of :func:`stalls` (each seed forked where it stalled), judged on the
    validation loss over the last evaluations, against going on unchanged.
    """
    return list(_quick_reference())


@functools.lru_cache(maxsize=1)
def _quick_reference():
    S = len(SEEDS)
    calm, wild = tuple(r for r in LADDER if r < 100), tuple(r for r in LADDER if r >= 100)
    sgd = ladder(lrs=calm, steps=300, every=300, seeds=SEEDS)
    blown = ladder(lrs=wild, steps=20, every=20, seeds=SEEDS)  # they blow up within a few steps: inf after
    adam = ladder("adam", (1e-3,), steps=300, every=300, seeds=SEEDS)
    if not blown.diverged.all():
        raise RuntimeError(f"the rates {wild} should blow up within 20 steps on every seed")
    loss = np.vstack([sgd.final("train_loss").reshape(len(calm), S), blown.final("train_loss").reshape(len(wild), S)])
    best = tuple(float(b) for b in np.nanmin(loss, axis=0))
    at = lambda lr: tuple(float(x) for x in loss[(calm + wild).index(lr)])  # noqa: E731
    metric = "training loss after 300 steps"
    out = []

    def add(row, run, tried, premise, before, after, best_=best, metric_=metric, option=""):
        s, c, f = TABLE[row]
        out.append(Trial(row + 1, s, c, f, run, tried, premise, before, after, best_, metric_, option))

    add(0, "SGD lr 0.001: flat at its start (rate too small)", "× 10 → 0.01", True, at(1e-3), at(1e-2))
    add(0, "SGD lr 3: rose, then flat above its start (rate too large)", "× 10 → 30", False, at(3.0), at(30.0))
    for lr in (3e-2, 0.1):
        run = f"SGD lr {lr:g}: slow, steady (rate too small)"
        add(1, run, f"× {0.1 / 3e-2 if lr == 3e-2 else 3:.2g} → {lr * (0.1 / 3e-2 if lr == 3e-2 else 3):g}", True,
            at(lr), at(0.1 if lr == 3e-2 else 0.3))
        add(1, run, f"× 10 → {lr * 10:g}", True, at(lr), at(0.3 if lr == 3e-2 else 1.0))
    add(2, "SGD lr 2: jumps up and down (rate too large)", "÷ 10 → 0.2", True, at(2.0), at(0.2))
    for lr, fixed in ((100.0, 1.0), (300.0, 3.0)):
        last = int(blown.diverged_at.reshape(len(wild), S)[wild.index(lr)].max())
        add(3, f"SGD lr {lr:g}: blows up by step {last} (rate far too large)", f"÷ 100 → {fixed:g}", True,
            at(lr), at(fixed))
    st = stalls()
    vmetric = f"validation loss, mean of the last {st.window} evaluations, {st.more} steps after the stall"
    for name, premise, why in (("batch 4, lr 0.5", True, "stalled, jumping loss (rate too large for the noise)"),
                               ("batch 32, lr 1", False, "stalled, smooth floor (not the rate)")):
        ends = {way: tuple(float(x) for x in st.ends(name, way)) for way in st.after[name]}
        best5 = tuple(float(b) for b in np.min(list(ends.values()), axis=0))
        add(4, f"SGD {name}: {why}", "÷ 10 (vs. going on unchanged)", premise, ends["continue as is"],
            ends["divide by 10"], best5, vmetric)
    add(4, "SGD lr 0.01: slow, not stalled (rate too small)", "÷ 10 → 0.001 (vs. going on at 0.01)", False,
        at(1e-2), at(1e-3))
    adam_loss = tuple(float(x) for x in adam.final("train_loss"))
    add(5, "SGD lr 2: jumps up and down (rate too large)", "decrease: ÷ 2 → 1", True, at(2.0), at(1.0),
        option="decrease")
    add(5, "SGD lr 2: jumps up and down (rate too large)", "Adam at its default, lr 0.001", True, at(2.0),
        adam_loss, option="Adam")
    return tuple(out)
