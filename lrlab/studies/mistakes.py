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
    * one rate for all layers: :func:`class_split`, :func:`pretrain`, :func:`finetune`;
    * batch size and the rate: :func:`batch_sweep` (best rate per batch size);
    * setting and forgetting: :func:`watch` (curves for several rates, an overfitting run);
    * giving up too early: :func:`give_up`;
    * the post's quick-reference table: :func:`quick_reference`.

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

__all__ = ["Curves", "train", "stack", "class_split", "pretrain", "finetune", "FineTune",
           "batch_sweep", "BatchSweep", "watch", "give_up", "quick_reference", "BODY", "HEAD"]

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
          classes=None, max_loss=1e3) -> Curves:
    """Minibatch training of stacked MLP copies on rows ``(X, y)``; evaluates every ``every`` steps.

    ``opt`` is an lrlab optimizer whose rates are per-copy arrays (or one float for every copy);
    ``params`` the stacked starting parameters (see :func:`stack`). Batches are drawn without
    replacement, one shuffled epoch after another, from ``data_seed``; all copies see the same
    batches. ``classes``: evaluate accuracy with an argmax over these outputs only (the task's
    classes), default all. A copy whose minibatch loss is not finite or exceeds ``max_loss`` is
    frozen and its later records are NaN.
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
        record["train"][active, j] = batched.evaluate(net, arrays, X, y)[0][active]
        record["val"][active, j] = batched.evaluate(net, arrays, X_val, y_val)[0][active]
        record["acc"][active, j] = _accuracy(net, arrays, X_val, y_val, cols)[active]

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
            params = {p: np.where(_expand(active, new[p]), new[p], params[p]) for p in names}
            if t == checks[j + 1]:
                j += 1
                evaluate(j)
    return Curves(np.array(checks), record["train"], record["val"], record["acc"], diverged_at, params)


def _expand(mask, a):
    return mask.reshape((-1,) + (1,) * (a.ndim - 1))


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

def class_split(old=(0, 1, 2, 3, 4)):
    """``(old, new)``: the classes a network is pretrained on and the ones it is adapted to."""
    old = tuple(sorted(int(c) for c in old))
    new = tuple(c for c in range(10) if c not in old)
    if not old or not new:
        raise ValueError(f"old must hold some of the ten classes, not none or all, got {old}")
    return old, new


@dataclass
class FineTune:
    """Fine-tuning runs: per copy, its body and head rates and what it ended with.

    ``new_accuracy``: accuracy on the held-out images of the new classes (argmax over the new
    classes' outputs of the new head); ``retention``: accuracy on the held-out images of the old
    classes when the fine-tuned body is put back under the pretrained head (argmax over the old
    classes); ``moved``: ``‖W1 − W1_pretrained‖ / ‖W1_pretrained‖``, how far the hidden weights
    moved, relative to their size. ``before``: the pretrained network's accuracy on the old classes.
    """

    body_lrs: np.ndarray
    head_lrs: np.ndarray
    steps: int
    new_accuracy: np.ndarray
    retention: np.ndarray
    moved: np.ndarray
    before: float
    curves: Curves


@functools.lru_cache(maxsize=4)
def _pretrained(sizes, old, steps, lr, seed):
    net = MLP(sizes=sizes, activation="tanh")
    X, y, Xv, yv = _digits(net)
    Xo, yo = _rows(X, y, old)
    Xvo, yvo = _rows(Xv, yv, old)
    run = train(net, Adam(lr=lr), steps, params=stack(net.initial_params(seed), 1), X=Xo, y=yo,
                X_val=Xvo, y_val=yvo, every=steps, classes=old)
    params = {k: a[0] for k, a in run.params.items()}
    for a in params.values():
        a.flags.writeable = False
    return params, float(run.val_accuracy[0, -1])


def pretrain(net, old, *, steps=300, lr=1e-2, seed=0):
    """The network pretrained with Adam on the classes ``old`` only: ``(params, held-out accuracy on them)``.

    Cached: the same arguments give the same (read-only) arrays.
    """
    old, _ = class_split(old)
    params, acc = _pretrained(net.sizes, old, v.integer("steps", steps, low=1), v.positive("lr", lr),
                              v.integer("seed", seed, low=0))
    return {k: a.copy() for k, a in params.items()}, acc


def finetune(net, pretrained, old, body_lrs, head_lrs, *, steps=100, head_seed=1, batch_size=32,
             data_seed=0, before=float("nan")) -> FineTune:
    """Adapt a pretrained MLP to the classes not in ``old`` with a new head, one copy per rate pair.

    The new head (``W2``, ``b2``) is drawn fresh from ``net.initial_params(head_seed)``; the body
    (``W1``, ``b1``) starts from ``pretrained``. Each copy trains with Adam and two parameter
    groups: ``Adam(lr=head_lrs, param_groups=[{"params": ["W1", "b1"], "lr": body_lrs}])``; a body
    rate of 0 freezes the body.
    """
    old, new = class_split(old)
    body = np.atleast_1d(np.asarray(body_lrs, dtype=float))
    head = np.broadcast_to(np.asarray(head_lrs, dtype=float), body.shape).copy()
    if np.any(body < 0) or np.any(head <= 0):
        raise ValueError("body rates must be >= 0 (0 freezes the body) and head rates > 0")
    K = body.size
    fresh = net.initial_params(head_seed)
    start = {**{k: pretrained[k] for k in BODY}, **{k: fresh[k] for k in HEAD}}
    opt = Adam(lr=head, param_groups=[{"params": list(BODY), "lr": np.maximum(body, 1.0)}])
    opt.param_groups[0]["lr"] = body  # the constructor wants rates > 0; a frozen body has 0
    X, y, Xv, yv = _digits(net)
    Xn, yn = _rows(X, y, new)
    Xvn, yvn = _rows(Xv, yv, new)
    run = train(net, opt, steps, params=stack(start, K), X=Xn, y=yn, X_val=Xvn, y_val=yvn,
                batch_size=batch_size, data_seed=data_seed, every=steps, classes=new)
    Xvo, yvo = _rows(Xv, yv, old)
    with np.errstate(**_QUIET):
        arrays = [run.params["W1"], run.params["b1"]] + [np.repeat(pretrained[k][None], K, axis=0) for k in HEAD]
        retention = _accuracy(net, arrays, Xvo, yvo, np.asarray(old))
        moved = (np.linalg.norm((run.params["W1"] - pretrained["W1"]).reshape(K, -1), axis=1)
                 / np.linalg.norm(pretrained["W1"]))
    return FineTune(body, head, steps, run.val_accuracy[:, -1], retention, moved, before, run)


#: The fine-tuning grid of the lesson: body rates (0 freezes the body) and head rates, 100 steps of Adam.
BODY_RATES = (0.0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
HEAD_RATES = (1e-3, 1e-2, 1e-1)


@functools.lru_cache(maxsize=4)
def _finetune_grid(body_rates, head_rates, steps, old):
    net = MLP(sizes=(64, 32, 10), activation="tanh")
    pre, before = pretrain(net, old)
    body, head = (a.ravel() for a in np.meshgrid(body_rates, head_rates, indexing="ij"))
    return finetune(net, pre, old, body, head, steps=steps, before=before)


def finetune_grid(body_rates=BODY_RATES, head_rates=HEAD_RATES, *, steps=100, old=(0, 1, 2, 3, 4)) -> FineTune:
    """Every (body rate, head rate) pair of the grid, body-major, after pretraining on ``old`` (cached)."""
    old, _ = class_split(old)
    return _finetune_grid(tuple(float(r) for r in body_rates), tuple(float(r) for r in head_rates),
                          v.integer("steps", steps, low=1), old)


def pick(ft: FineTune, body_lr, head_lr) -> FineTune:
    """The one copy of ``ft`` trained with this pair of rates, as a :class:`FineTune` of one copy."""
    k = np.flatnonzero(np.isclose(ft.body_lrs, body_lr, rtol=1e-9, atol=0)
                       & np.isclose(ft.head_lrs, head_lr, rtol=1e-9, atol=0))
    if k.size != 1:
        raise ValueError(f"no copy with body rate {body_lr!r} and head rate {head_lr!r}")
    return FineTune(ft.body_lrs[k], ft.head_lrs[k], ft.steps, ft.new_accuracy[k], ft.retention[k],
                    ft.moved[k], ft.before, ft.curves)


def best_pair(ft: FineTune) -> tuple[float, float]:
    """The (body rate, head rate) with the highest mean of new-class accuracy and old-class retention."""
    k = int(np.nanargmax((ft.new_accuracy + ft.retention) / 2))
    return float(ft.body_lrs[k]), float(ft.head_lrs[k])


# ------------------------------------------------------------------ part 2: batch size and the rate

#: The batch-size study of the lesson: batch sizes, rate grids (a quarter decade apart), passes over the data.
BATCHES = (8, 32, 128, 512)
SGD_RATES = tuple(float(r) for r in 10.0 ** np.arange(-1.25, 0.51, 0.25))
ADAM_RATES = tuple(float(r) for r in 10.0 ** np.arange(-2.5, -0.49, 0.25))
EPOCHS = 3

@dataclass
class BatchSweep:
    """Best rate per batch size: ``losses[i, j]`` is the final training loss at ``batch_sizes[i]``, ``lrs[j]``."""

    optimizer: str
    batch_sizes: np.ndarray
    lrs: np.ndarray
    epochs: int
    losses: np.ndarray
    warmup: int = 0

    @property
    def best(self) -> np.ndarray:
        """Per batch size, the best rate: the grid's minimum refined by a parabola in log(rate) through it and its neighbours."""
        out = np.empty(len(self.batch_sizes))
        logs = np.log10(self.lrs)
        for i, row in enumerate(np.log(self.losses)):
            j = int(np.nanargmin(row))
            out[i] = self.lrs[j]
            if 0 < j < len(row) - 1 and np.all(np.isfinite(row[j - 1:j + 2])):
                a, b, _ = np.polyfit(logs[j - 1:j + 2], row[j - 1:j + 2], 2)
                if a > 0:
                    out[i] = 10 ** np.clip(-b / (2 * a), logs[j - 1], logs[j + 1])
        return out

    @property
    def best_loss(self) -> np.ndarray:
        return np.nanmin(self.losses, axis=1)

    def largest_stable(self) -> np.ndarray:
        """Per batch size, the largest rate of the grid whose final loss is below the starting loss."""
        ok = self.losses < np.log(10.0)
        return np.array([self.lrs[r].max() if r.any() else np.nan for r in ok])


def batch_sweep(optimizer, batch_sizes, lrs, *, epochs=3, warmup=0, seed=0) -> BatchSweep:
    """Train the digits MLP for ``epochs`` passes at every batch size and rate; final training losses.

    The number of steps is ``epochs × 1438 // batch_size`` (a fixed amount of data, the setting of
    the linear scaling rule). ``warmup``: the rate climbs linearly over the first ``warmup`` steps
    (``lr·(t + 1)/warmup``). Copies that diverge count as an infinite loss.
    """
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    sizes = tuple(v.integer("batch_sizes[i]", b, low=1) for b in batch_sizes)
    rates = tuple(float(r) for r in lrs)
    losses = _batch_sweep(optimizer, sizes, rates, v.integer("epochs", epochs, low=1),
                          v.integer("warmup", warmup, low=0), v.integer("seed", seed, low=0))
    return BatchSweep(optimizer, np.array(sizes), np.array(rates), epochs, losses.copy(), warmup)


@functools.lru_cache(maxsize=16)
@_one_blas_thread
def _batch_sweep(optimizer, batch_sizes, lrs, epochs, warmup, seed):
    from lrlab.train.batched import train_mlps

    lrs = np.asarray(lrs, dtype=float)
    net = MLP(sizes=(64, 32, 10), activation="tanh")
    rows = []
    for b in batch_sizes:
        steps = max(1, epochs * net.n_samples // b)
        if warmup:
            rates = (lambda k, r=lrs: r * min(1.0, (k + 1) / warmup))
            rows.append(_train_scheduled(net, optimizer, lrs, rates, steps, b, seed, {}))
        else:
            rows.append(train_mlps(net, optimizer, lrs, steps, batch_size=b, seeds=seed).train_loss)
    return np.array(rows)


def _train_scheduled(net, optimizer, lrs, schedule, steps, batch_size, seed, options):
    """Final training loss of one copy per rate when the optimizer's rate follows ``schedule`` (step -> rates)."""
    make = {"sgd": SGD, "adam": Adam}[optimizer]
    X, y, Xv, yv = _digits(net)
    run = train(net, make(lr=schedule, **options), steps, params=stack(net.initial_params(seed), len(lrs)),
                X=X, y=y, X_val=Xv, y_val=yv, batch_size=batch_size, every=steps)
    out = run.train_loss[:, -1].copy()
    out[run.diverged | ~np.isfinite(out)] = np.inf
    return out


# ------------------------------------------------------------------ parts 3-5: watching runs

#: The SGD rates of the "ladder": one 300-step run per rate from the same start, shared by parts 3 and 5.
LADDER = (1e-3, 1e-2, 3e-2, 0.1, 0.2, 0.3, 1.0, 2.0, 3.0, 30.0, 100.0, 300.0)


@functools.lru_cache(maxsize=8)
def _ladder(optimizer, lrs, steps, every, seed, batch_size):
    net = MLP(sizes=(64, 32, 10), activation="tanh")
    X, y, Xv, yv = _digits(net)
    make = {"sgd": SGD, "adam": Adam}[optimizer]
    run = train(net, make(lr=np.array(lrs)), steps, params=stack(net.initial_params(seed), len(lrs)),
                X=X, y=y, X_val=Xv, y_val=yv, every=every, batch_size=batch_size)
    run.lrs = np.array(lrs)
    return run


def ladder(optimizer="sgd", lrs=LADDER, *, steps=300, every=10, seed=0, batch_size=32) -> Curves:
    """The digits MLP (64-32-10, tanh) trained at every rate of ``lrs`` from one start, for ``steps`` steps.

    Training and validation loss every ``every`` steps; the same batches for every copy. Cached:
    treat the result as read-only.
    """
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    return _ladder(optimizer, tuple(float(r) for r in lrs), v.integer("steps", steps, low=1),
                   v.integer("every", every, low=1), v.integer("seed", seed, low=0),
                   v.integer("batch_size", batch_size, low=1))


@functools.lru_cache(maxsize=4)
def _overfit(n_images, hidden, steps, lr, every, seed):
    net = MLP(sizes=(64, hidden, 10), activation="tanh")
    X, y, Xv, yv = _digits(net)
    rows = np.random.default_rng(seed).choice(y.size, n_images, replace=False)
    run = train(net, Adam(lr=lr), steps, params=stack(net.initial_params(seed), 1), X=X[rows], y=y[rows],
                X_val=Xv, y_val=yv, batch_size=min(32, n_images), every=every)
    run.lrs = np.array([lr])
    return run


def overfit(n_images=60, *, hidden=128, steps=400, lr=1e-2, every=20, seed=0) -> Curves:
    """A run that overfits: a wide MLP (64-``hidden``-10) trained with Adam on ``n_images`` training images only."""
    return _overfit(v.integer("n_images", n_images, low=1), v.integer("hidden", hidden, low=1),
                    v.integer("steps", steps, low=1), v.positive("lr", lr), v.integer("every", every, low=1),
                    v.integer("seed", seed, low=0))


@dataclass
class GiveUp:
    """What happens after a stall: ``runs[option]`` continues every stalled run for the same steps.

    ``stalled``: the ``lr`` of each stalled run (the copies of every :class:`Curves`, in order);
    ``start_step``: where the stall was judged; ``options``: option name -> rate factor (None for
    the plateau rule); ``plateau_lrs``: (copies, chunks) rates the plateau rule used.
    """

    stalled: np.ndarray
    start_step: int
    runs: dict
    plateau_lrs: np.ndarray


#: The continuations tried after a stall: a factor on the rate, or None for ReduceLROnPlateau.
OPTIONS = {"continue as is": 1.0, "divide by 10": 0.1, "multiply by 10": 10.0, "ReduceLROnPlateau": None}


@functools.lru_cache(maxsize=4)
def _give_up(lrs, more, chunk, patience, factor):
    first = ladder()
    rows = [first.index(lr) for lr in lrs]
    start = {k: a[rows] for k, a in first.params.items()}
    net = MLP(sizes=(64, 32, 10), activation="tanh")
    X, y, Xv, yv = _digits(net)
    base = np.array(lrs)
    runs = {}
    for name, f in OPTIONS.items():
        if f is None:
            continue
        runs[name] = train(net, SGD(lr=base * f), more, params=start, X=X, y=y, X_val=Xv, y_val=yv,
                           every=chunk, data_seed=1)
        runs[name].lrs = base * f
    rules = [ReduceLROnPlateau(lr, factor=factor, patience=patience) for lr in lrs]
    params, parts, used = start, [], []
    for i in range(more // chunk):
        rates = np.array([r.lr for r in rules])
        part = train(net, SGD(lr=rates), chunk, params=params, X=X, y=y, X_val=Xv, y_val=yv,
                     every=chunk, data_seed=100 + i)
        params = part.params
        for r, loss in zip(rules, part.val_loss[:, -1]):
            r.step(float(loss))
        parts.append(part)
        used.append(rates)
    keys = ("train_loss", "val_loss", "val_accuracy")
    joined = {k: np.concatenate([first.__dict__[k][rows, -1:]] + [p.__dict__[k][:, -1:] for p in parts], axis=1)
              for k in keys}
    runs["ReduceLROnPlateau"] = Curves(np.arange(0, more + 1, chunk), joined["train_loss"], joined["val_loss"],
                                       joined["val_accuracy"], np.full(len(lrs), -1), params, base)
    return GiveUp(base, first.steps[-1], runs, np.array(used).T)


def give_up(lrs=(1.0, 0.01), *, more=600, chunk=30, patience=2, factor=0.1) -> GiveUp:
    """Continue the ladder's runs at ``lrs`` (each stalled after its 300 steps) for ``more`` steps, four ways.

    The ways are :data:`OPTIONS`; the plateau rule is ``ReduceLROnPlateau(lr, factor, patience)``
    fed the validation loss every ``chunk`` steps. The same ``more`` steps for every option.
    """
    more = v.integer("more", more, low=1)
    chunk = v.integer("chunk", chunk, low=1)
    if more % chunk:
        raise ValueError(f"more must be a multiple of chunk, got more={more}, chunk={chunk}")
    return _give_up(tuple(float(r) for r in lrs), more, chunk, v.integer("patience", patience, low=0),
                    v.fraction("factor", factor))


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


@dataclass(frozen=True)
class Trial:
    """One fix of the table tried on one run that shows the symptom.

    ``before``/``after``: the final loss of the symptom run and of the fixed run (``metric`` says
    which loss); ``best``: the lowest final loss any run of the comparison reached; ``verdict``:
    "yes" (the fixed run ends within :data:`WORKS_WITHIN` of ``best``), "partly" (better, not
    that close) or "no" (not better, or not below ``start``, the untrained network's loss ln 10).
    """

    row: int
    symptom: str
    cause: str
    fix: str
    run: str
    tried: str
    before: float
    after: float
    best: float
    metric: str
    start: float = float(np.log(10.0))

    @property
    def verdict(self) -> str:
        if not (self.after < self.before and self.after < self.start):
            return "no"
        return "yes" if self.after <= WORKS_WITHIN * self.best else "partly"

    @property
    def gain(self) -> float:
        """How many times lower the fixed run's loss is (below 1: the fix made it worse)."""
        return self.before / self.after if self.after > 0 else np.inf


def quick_reference() -> list[Trial]:
    """Every row of :data:`TABLE` tried: SGD runs of the ladder (300 steps, batch 32), Adam where the fix names it."""
    return list(_quick_reference())


@functools.lru_cache(maxsize=1)
def _quick_reference():
    sgd = ladder()
    adam = ladder("adam", (1e-3, 2.0))
    loss = sgd.final("train_loss")
    best = float(np.nanmin(loss))
    at = lambda lr: float(loss[sgd.index(lr)])  # noqa: E731
    metric = "training loss after 300 steps"
    out = []

    def add(row, run, tried, before, after, best_=best, metric_=metric):
        s, c, f = TABLE[row]
        out.append(Trial(row + 1, s, c, f, run, tried, before, after, best_, metric_))

    add(0, "SGD lr 0.001: flat at the start", "× 10 → 0.01", at(1e-3), at(1e-2))
    add(0, "SGD lr 3: rose, then flat above the start", "× 10 → 30", at(3.0), at(30.0))
    add(1, "SGD lr 0.03: slow, steady", "× 3.3 → 0.1", at(3e-2), at(0.1))
    add(1, "SGD lr 0.03: slow, steady", "× 10 → 0.3", at(3e-2), at(0.3))
    add(2, "SGD lr 2: jumps up and down", "÷ 10 → 0.2", at(2.0), at(0.2))
    add(3, "SGD lr 100: blows up at step 7", "÷ 100 → 1", at(100.0), at(1.0))
    add(3, "SGD lr 300: blows up at step 3", "÷ 100 → 3", at(300.0), at(3.0))
    g = give_up()
    cont, cut = (g.runs[k].final("val_loss")[list(g.stalled).index(1.0)] for k in ("continue as is", "divide by 10"))
    plat = g.runs["ReduceLROnPlateau"].final("val_loss")[list(g.stalled).index(1.0)]
    add(4, "SGD lr 1 after 300 steps: flat", "÷ 10 at step 300 (vs. going on at lr 1)", float(cont), float(cut),
        float(min(cont, cut, plat)), "validation loss 600 steps later")
    add(5, "SGD lr 2: jumps up and down", "decrease: ÷ 2 → 1", at(2.0), at(1.0))
    adam_loss = adam.final("train_loss")
    add(5, "SGD lr 2: jumps up and down", "Adam at its default, lr 0.001", at(2.0), float(adam_loss[0]))
    add(5, "SGD lr 2: jumps up and down", "Adam at the same lr 2", at(2.0), float(adam_loss[1]))
    return tuple(out)


def pick_head(ft: FineTune, head_lr) -> FineTune:
    """The copies of ``ft`` trained with head rate ``head_lr`` (every body rate), as one :class:`FineTune`."""
    k = np.flatnonzero(np.isclose(ft.head_lrs, head_lr, rtol=1e-9, atol=0))
    if k.size == 0:
        raise ValueError(f"no copy with head rate {head_lr!r}; the head rates are {sorted(set(ft.head_lrs))}")
    return FineTune(ft.body_lrs[k], ft.head_lrs[k], ft.steps, ft.new_accuracy[k], ft.retention[k],
                    ft.moved[k], ft.before, ft.curves)
