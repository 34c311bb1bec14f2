r"""Many digits MLPs trained at once: one copy per learning rate (and seed), as stacked arrays.

A learning-rate study trains dozens of small networks that differ only in their rate, their
initial weights and their optimizer. :func:`train_mlps` trains ``K`` copies of one
:class:`~lrlab.problems.MLP` together: every parameter is one array with a leading copy axis,
``W1`` of shape ``(K, 64, h)`` and so on, each layer is one stacked matrix product over the
copies (forward and backward, with the MLP's own hand-written backpropagation), and the
optimizer from :mod:`lrlab.optim.optimizers` updates all copies in one call with the per-copy rates
``lrs`` (see "Per-copy learning rates" there).

>>> from lrlab.problems import MLP
>>> runs = train_mlps(MLP(activation="relu"), "sgd", [0.01, 0.1, 1000.0], 100, momentum=0.9)
>>> runs.diverged_at.tolist(), runs.val_accuracy.round(2).tolist()
([-1, -1, 2], [0.77, 0.92, nan])

Same result as one copy at a time
    All copies see the same minibatches: ``net.batches(batch_size, rng)`` epoch after epoch,
    drawn from ``data_seed`` exactly as ``lrlab.train.engine.train(net, opt, steps,
    batch_size=batch_size, seed=data_seed, params=net.initial_params(seed=seeds[k]))`` draws
    them. Copy ``k`` therefore follows the trajectory of that single run with the float rate
    ``lrs[k]`` (``tests/test_batched.py`` checks it to 1e-12 in float64 for every optimizer).

What is recorded (deviation from the brief's sketch)
    Evaluating the full training loss after every step would cost more than the training, so
    ``losses`` holds the **minibatch** loss of each step, shape ``(K, steps)``: ``losses[k, t]``
    is copy ``k``'s loss on the batch of step ``t + 1`` at its parameters after ``t`` steps,
    before that update (``History.batch_losses`` of ``engine.train``), not ``(K, steps + 1)``.
    The full training loss is computed at the start (``initial_loss``) and at the end
    (``train_loss``); ``val_loss`` and ``val_accuracy`` are measured at the end on the
    held-out split (``split="test"`` of the same data, which the lessons call the
    validation set). Losses include the MLP's ``l2`` term, as ``MLP.value`` does.

Divergence
    The threshold ``max_loss`` defaults, per copy, to engine's
    ``1e6 × max(initial loss, 1)``. A copy whose minibatch loss after ``t`` steps is
    non-finite or above it has ``diverged_at = t`` and is frozen there: its parameters stay
    those after ``t`` steps, ``losses[k, t]`` keeps the value that tripped the check, later
    losses are NaN. The final full training loss is checked the same way
    (``diverged_at = steps``). ``engine.train`` judges on the full training loss instead, so
    for a copy that creeps over ``max_loss`` the two may name different steps; once the loss
    overflows (the usual way a rate blows up) both stop at the same step with the same
    parameters. A diverged copy reports ``train_loss = val_loss = inf`` (so ``argmin``
    never picks it) and ``val_accuracy = NaN`` (use ``np.nanargmax``). Overflow is expected
    and silenced: no numpy warnings escape.

Many seeds
    ``grid(lrs, seeds)`` lists every (rate, seed) pair, rate-major, for ``train_mlps(...,
    lrs=..., seeds=...)``; ``runs.by_grid(n_lrs, n_seeds, "val_loss")`` folds a per-copy
    result back into an ``(n_lrs, n_seeds)`` table.

The building blocks, for studies that need their own loop around stacked copies
    :func:`run_stacked` (the training loop itself, on parameters you stacked), :func:`loss_and_grad`
    (per-copy loss and gradients on one batch), :func:`evaluate` (per-copy loss and accuracy on a
    split) and :func:`check_optimizer` (an optimizer name or class with its options checked).
    :mod:`lrlab.studies.tuning` and :mod:`lrlab.studies.mistakes` use them.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from lrlab import _validate as v
from lrlab.train.engine import default_max_loss, batch_stream
from lrlab.optim.optimizers import SGD, Adagrad, Adam, AdamW, AdamWScheduleFree, RMSprop, SGDScheduleFree
from lrlab.problems.digits import MLP, _sum_like_numpy

__all__ = ["train_mlps", "MLPRuns", "grid", "one_blas_thread", "OPTIMIZERS",
           "run_stacked", "loss_and_grad", "evaluate", "check_optimizer"]

#: The optimizers ``train_mlps`` accepts, by name (the classes themselves are accepted too).
OPTIMIZERS = {"sgd": SGD, "adagrad": Adagrad, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW,
              "sgd_schedulefree": SGDScheduleFree, "adamw_schedulefree": AdamWScheduleFree}
_CHUNK_FLOATS = 2_000_000  # activations per chunk of copies when evaluating a whole split


@dataclass
class MLPRuns:
    """``K`` copies of one MLP trained together by :func:`train_mlps`.

    Attributes
    ----------
    lrs : ndarray (K,)
        Learning rate of each copy.
    seeds : ndarray of int (K,)
        Seed of each copy's initial parameters (``net.initial_params(seed=seeds[k])``).
    steps : int
    optimizer : str
        Its name (a key of :data:`OPTIMIZERS`); ``options`` holds the keyword options.
    losses : ndarray (K, steps)
        Minibatch loss at each step, before that step's update; NaN after divergence.
    initial_loss, train_loss : ndarray (K,)
        Full training-set loss at the start and at the end (``inf`` if diverged).
    val_loss, val_accuracy : ndarray (K,)
        Loss and accuracy on the held-out split at the end (``inf`` / NaN if diverged).
    diverged_at : ndarray of int (K,)
        Step at which the copy was frozen (see the module docstring), -1 if never.
    max_loss : ndarray (K,)
        Divergence threshold each copy was held to.
    params : dict name -> ndarray (K, ...)
        Final parameters (or those at divergence), one copy per row of the leading axis.
    batch_size, data_seed
        How the minibatches were drawn.
    """

    lrs: np.ndarray
    seeds: np.ndarray
    steps: int
    optimizer: str
    losses: np.ndarray
    initial_loss: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    diverged_at: np.ndarray
    max_loss: np.ndarray
    params: dict
    batch_size: int | None = None
    data_seed: int = 0
    options: dict = field(default_factory=dict)

    @property
    def diverged(self) -> np.ndarray:
        """Bool (K,): which copies were frozen."""
        return self.diverged_at >= 0

    def __len__(self):
        return self.lrs.size

    def copy(self, k) -> dict:
        """Copy ``k``'s final parameters, as the dict ``MLP.value`` and friends take."""
        k = v.integer("k", k, low=-len(self), high=len(self) - 1)
        return {name: a[k].copy() for name, a in self.params.items()}

    def by_grid(self, n_lrs, n_seeds, attr="val_loss") -> np.ndarray:
        """A per-copy attribute reshaped to ``(n_lrs, n_seeds, ...)`` for a :func:`grid` layout."""
        n_lrs = v.integer("n_lrs", n_lrs, low=1)
        n_seeds = v.integer("n_seeds", n_seeds, low=1)
        if n_lrs * n_seeds != len(self):
            raise ValueError(f"n_lrs × n_seeds must equal the number of copies, {len(self)}; "
                             f"got {n_lrs} × {n_seeds} = {n_lrs * n_seeds}")
        per_copy = [name for name, val in vars(self).items()
                    if isinstance(val, np.ndarray) and val.shape[:1] == (len(self),)] + ["diverged"]
        if attr not in per_copy:
            raise ValueError(f"attr must name a per-copy attribute, one of {', '.join(map(repr, per_copy))}; "
                             f"got {attr!r}")
        values = getattr(self, attr)
        return values.reshape((n_lrs, n_seeds) + values.shape[1:])


# --------------------------------------------------------------------------- argument checks
def _check_lrs(lrs, name="lrs"):
    rates = v.array(name, lrs, ndim=(0, 1), finite=False).reshape(-1)
    if rates.size == 0:
        raise ValueError(f"{name} must hold at least one learning rate (one per copy), got none")
    for bad, rule in ((~np.isfinite(rates), "finite"), (rates <= 0, "> 0")):
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name} must all be {rule}, got {name}[{i}] = {float(rates[i])!r}")
    return rates


def _check_seeds(seeds, n=None, default=0):
    """Seeds as an int64 array: one int for every copy, or exactly ``n`` ints >= 0."""
    if seeds is None:
        seeds = default
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, (bool, np.bool_)):
        return np.full(1 if n is None else n, v.integer("seeds", seeds, low=0), dtype=np.int64)
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__len__"):
        raise TypeError(f"seeds must be an int or a list of ints >= 0, got {type(seeds).__name__} {seeds!r}")
    arr = np.asarray(seeds)
    if arr.ndim != 1:
        raise ValueError(f"seeds must be an int or a 1-D list of ints, got shape {arr.shape}")
    if n is not None and arr.size != n:
        raise ValueError(f"seeds must be one int or one per learning rate ({n}), got {arr.size}")
    if arr.size == 0:
        raise ValueError("seeds must hold at least one seed, got none")
    if arr.dtype.kind not in "iu":
        raise TypeError(f"seeds must be ints >= 0, got dtype {arr.dtype}")
    for i, s in enumerate(arr.tolist()):
        v.integer(f"seeds[{i}]", s, low=0)
    return arr.astype(np.int64)


def check_optimizer(optimizer, options):
    """The optimizer class, its name and its checked options (``lr`` comes from ``lrs``)."""
    if isinstance(optimizer, str):
        name = optimizer.lower()
        if name not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(map(repr, OPTIMIZERS))} "
                             f"(or one of those classes from lrlab.optim.optimizers), got {optimizer!r}")
        cls = OPTIMIZERS[name]
    elif isinstance(optimizer, type) and optimizer in OPTIMIZERS.values():
        cls = optimizer
        name = next(n for n, c in OPTIMIZERS.items() if c is cls)
    else:
        hint = ("; pass its name or class (train_mlps builds it with the per-copy rates)"
                if isinstance(optimizer, tuple(OPTIMIZERS.values())) else "")
        raise TypeError(f"optimizer must be one of {', '.join(map(repr, OPTIMIZERS))} or an optimizer class "
                        f"from lrlab.optim.optimizers, got {type(optimizer).__name__} {optimizer!r}{hint}")
    allowed = [k for k in cls._OPTIONS if k != "lr"]
    for key in options:
        if key == "lr":
            raise TypeError("lr is not an option here: pass the learning rates as lrs (one per copy)")
        if key not in allowed:
            raise ValueError(f"{key!r} is not an option of {cls.__name__}; its options are: {', '.join(allowed)}")
    return cls, name


def _check_lr_scales(lr_scales, names):
    if lr_scales is None:
        return {}
    if not isinstance(lr_scales, dict):
        raise TypeError(f"lr_scales must be a dict parameter name -> factor > 0, got {type(lr_scales).__name__}")
    out = {}
    for name, scale in lr_scales.items():
        if name not in names:
            raise ValueError(f"lr_scales names {name!r}, which is not a parameter of net; they are {names}")
        out[name] = v.positive(f"lr_scales[{name!r}]", scale)
    return out


# --------------------------------------------------------------------------- stacked forward/backward
def _hidden(z, activation):
    if activation == "tanh":
        return np.tanh(z, out=z)
    return np.maximum(z, 0.0, out=z)


def _forward(net, arrays, X):
    """Activations ``[X, a_1, …]`` ((B, in) then (K, B, h)) and logits (K, B, 10) of every copy."""
    acts, a = [X], X
    n = net.n_layers
    for layer in range(n):
        z = np.matmul(a, arrays[2 * layer])          # (B, in) or (K, B, in) @ (K, in, out)
        z += arrays[2 * layer + 1][:, None, :]
        if layer == n - 1:
            return acts, z
        a = _hidden(z, net.activation)
        acts.append(a)


def _softmax_cross_entropy(z, y, need_grad):
    """Per-copy mean cross-entropy (K,) of logits ``z`` (K, B, C) against labels ``y`` (B,).

    The same operations in the same order as ``lrlab.problems.digits._softmax_cross_entropy``
    for each copy, on a class-major copy ``(C, K, B)`` so that every reduction over the classes
    is a handful of whole-array operations. With ``need_grad`` also returns ``d loss / d z``,
    class-major, shape (C, K, B).
    """
    K, n, _ = z.shape
    zt = np.ascontiguousarray(z.transpose(2, 0, 1))
    zt -= np.maximum.reduce(zt, axis=0)          # the max is exact in any order
    pick = (y[None, :], np.arange(K)[:, None], np.arange(n)[None, :])
    picked = zt[pick].sum(axis=1)                 # (K, B) rows: numpy's pairwise sum, as MLP's
    np.exp(zt, out=zt)
    sums = _sum_like_numpy(zt)
    loss = (np.log(sums).sum(axis=1) - picked) / n
    if not need_grad:
        return loss, None
    sums *= n
    zt /= sums
    zt[pick] -= 1.0 / n
    return loss, zt


def _sum_over_batch(dz):
    """``dz`` (K, B, m) summed over the batch, row after row like MLP's ``sum(axis=0)``: (K, m)."""
    return np.ascontiguousarray(dz.transpose(1, 0, 2)).sum(axis=0)


def _l2_term(net, arrays):
    K = arrays[0].shape[0]
    return 0.5 * net.l2 * sum((W * W).reshape(K, -1).sum(axis=1) for W in arrays[0::2])


def loss_and_grad(net, arrays, X, y):
    """Per-copy loss (K,) and the gradient list in ``net``'s parameter order (MLP._loss_and_grad, stacked).

    ``arrays``: the stacked parameters (K, ...) in ``net``'s order (W1, b1, W2, ...); ``X`` (B, 64)
    and ``y`` (B,) are shared by all copies. Overflow from diverging copies is silenced.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _stacked_loss_and_grad(net, arrays, X, y)


def _stacked_loss_and_grad(net, arrays, X, y):
    acts, z = _forward(net, arrays, X)
    loss, dzt = _softmax_cross_entropy(z, y, True)
    dz = dzt.transpose(1, 2, 0)  # (K, B, C), a view
    weights = arrays[0::2]
    if net.l2:
        loss += _l2_term(net, arrays)
    grads = [None] * (2 * net.n_layers)
    for layer in range(net.n_layers - 1, -1, -1):
        a = acts[layer]
        gW = np.matmul(a.T if layer == 0 else a.transpose(0, 2, 1), dz)
        if net.l2:
            gW += net.l2 * weights[layer]
        grads[2 * layer] = gW
        grads[2 * layer + 1] = (np.ascontiguousarray(dzt.transpose(2, 1, 0)).sum(axis=0)
                                if layer == net.n_layers - 1 else _sum_over_batch(dz))
        if layer:
            dz = np.matmul(dz, weights[layer].transpose(0, 2, 1))
            if net.activation == "tanh":
                slope = np.multiply(a, a)                # 1 - a², in one scratch array
                dz *= np.subtract(1.0, slope, out=slope)
            else:
                dz *= a > 0.0
    return loss, grads


def evaluate(net, arrays, X, y):
    """Full-split loss and accuracy of every copy (K,), a chunk of copies at a time (overflow silenced)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _stacked_evaluate(net, arrays, X, y)


def _stacked_evaluate(net, arrays, X, y):
    K = arrays[0].shape[0]
    chunk = max(1, _CHUNK_FLOATS // (X.shape[0] * max(net.sizes[1:])))
    loss, accuracy = np.empty(K), np.empty(K)
    for lo in range(0, K, chunk):
        part = [a[lo:lo + chunk] for a in arrays]
        z = _forward(net, part, X)[1]
        accuracy[lo:lo + chunk] = np.mean(np.argmax(z, axis=2) == y, axis=1)  # before z is overwritten
        loss[lo:lo + chunk] = _softmax_cross_entropy(z, y, False)[0]
    if net.l2:
        loss += _l2_term(net, arrays)
    return loss, accuracy


# --------------------------------------------------------------------------- public functions
def one_blas_thread():
    """A context in which BLAS uses one thread.

    The stacked products of small matrices computed here run several times faster on one thread
    than when BLAS threads share two busy cores (measured for lesson 06's study: 1.5-2 s instead
    of 5.5-6 s). :func:`train_mlps` uses it; so may any code that calls BLAS on small arrays in a
    loop. ``threadpoolctl`` comes with scikit-learn; without it nothing changes.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn brings it
        import contextlib
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def grid(lrs, seeds):
    """Every (learning rate, seed) pair, rate-major, as two flat arrays for :func:`train_mlps`.

    >>> rates, seeds = grid([0.1, 1.0], [0, 1, 2])
    >>> rates.tolist(), seeds.tolist()
    ([0.1, 0.1, 0.1, 1.0, 1.0, 1.0], [0, 1, 2, 0, 1, 2])
    """
    rates = _check_lrs(lrs)
    seeds = _check_seeds(seeds)
    return np.repeat(rates, seeds.size), np.tile(seeds, rates.size)


def _evaluate_starts(net, arrays, X, y):
    """The loss of every copy (K,), each distinct set of parameters evaluated once (copies are independent)."""
    K = arrays[0].shape[0]
    seen, first, which = {}, [], np.empty(K, dtype=np.int64)
    for k in range(K):
        key = b"".join(np.ascontiguousarray(a[k]).tobytes() for a in arrays)
        if key not in seen:
            seen[key] = len(first)
            first.append(k)
        which[k] = seen[key]
    if len(first) == K:
        return evaluate(net, arrays, X, y)[0]
    return evaluate(net, [a[first] for a in arrays], X, y)[0][which]


def _evaluation_point(opt, params):
    """What to evaluate: the average ``x`` of a schedule-free optimizer (its ``eval``), else ``params``."""
    to_eval = getattr(opt, "eval", None)
    return to_eval(params) if to_eval is not None else params


def run_stacked(net, opt, params, steps, *, batch_size, data_seed, max_loss=None, eval_at=(),
                validate=True) -> dict:
    """Train the stacked ``params`` (name -> (K, ...)) with ``opt`` for ``steps`` minibatch steps.

    The loop behind :func:`train_mlps` and :mod:`lrlab.studies.tuning`'s budgeted runs: the shared minibatch
    stream of ``data_seed``, copies frozen where their loss blows up, the full training and
    validation losses measured at the end (see the module docstring). Returns the :class:`MLPRuns`
    fields it fills, as a dict.

    A schedule-free optimizer (one with ``eval``/``train``) is evaluated, and its ``params`` returned,
    at its average ``x``. ``eval_at`` lists steps ``0 <= t < steps`` at which the validation loss and
    accuracy are also measured (after ``t`` steps); they come back as ``checkpoints``, a dict
    ``t -> (val_loss, val_accuracy)`` of (K,) arrays (a copy diverged by then: ``inf``/NaN). A
    schedule-free run is switched to ``eval`` for the measurement and back with ``train``, as a torch
    loop that validates now and then does. ``validate=False`` skips the final validation (``val_loss``
    and ``val_accuracy`` come back as ``None``) for a study that reads only the training loss.

    Copies that start from the same parameters (one seed at many rates) share one evaluation of
    their initial loss.
    """
    checkpoints = {}
    eval_at = sorted({v.integer("eval_at[...]", t, low=0, high=steps - 1) for t in eval_at})
    names = list(params)
    K = params[names[0]].shape[0]
    X, y = net.X, net.y
    losses = np.full((K, steps), np.nan)
    diverged_at = np.full(K, -1, dtype=np.int64)
    active = np.ones(K, dtype=bool)
    everyone = True  # no copy frozen yet
    batches = batch_stream(net, batch_size, v.rng("data_seed", data_seed))
    with one_blas_thread(), np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        initial = _evaluate_starts(net, [params[p] for p in names], X, y)
        if max_loss is None:
            limit = np.array([default_max_loss(loss) for loss in initial])
        else:
            limit = np.full(K, max_loss)
        for t in range(steps):
            if eval_at and t == eval_at[0]:
                eval_at.pop(0)
                point = _evaluation_point(opt, params)
                val = evaluate(net, [point[p] for p in names], net.data.X_test, net.data.y_test)
                val[0][~active], val[1][~active] = np.inf, np.nan
                checkpoints[t] = val
                if point is not params:
                    params = opt.train(point)
            if batches is None:
                Xb, yb = X, y
            else:
                idx = next(batches)
                Xb, yb = X[idx], y[idx]
            loss, grads = _stacked_loss_and_grad(net, [params[p] for p in names], Xb, yb)  # errors silenced above
            blown = active & ~(loss <= limit)  # NaN fails the comparison too
            if everyone:
                losses[:, t] = loss
            else:
                losses[active, t] = loss[active]
            if blown.any():
                diverged_at[blown] = t
                active &= ~blown
                everyone = False
                if not active.any():
                    break
            new = opt.step(params, dict(zip(names, grads)))
            if not everyone:
                for p in names:
                    new[p][~active] = params[p][~active]
            params = new
        params = _evaluation_point(opt, params)
        train_loss = evaluate(net, [params[p] for p in names], X, y)[0]
        blown = active & ~(train_loss <= limit)
        diverged_at[blown] = steps
        active &= ~blown
        val_loss = val_accuracy = None
        if validate:
            val_loss, val_accuracy = evaluate(net, [params[p] for p in names], net.data.X_test, net.data.y_test)
    train_loss[~active] = np.inf
    if validate:
        val_loss[~active] = np.inf
        val_accuracy[~active] = np.nan
    return {"params": params, "losses": losses, "initial_loss": initial, "train_loss": train_loss,
            "val_loss": val_loss, "val_accuracy": val_accuracy, "diverged_at": diverged_at, "max_loss": limit,
            "checkpoints": checkpoints}


def train_mlps(net, optimizer, lrs, steps, *, seeds=0, batch_size=32, data_seed=0, max_loss=None,
               lr_scales=None, **optimizer_options) -> MLPRuns:
    """Train one copy of ``net`` per learning rate in ``lrs``, all at once; see the module docstring.

    Parameters
    ----------
    net : lrlab.problems.MLP
        The network (any sizes, activation and ``l2``) on ``split="train"``.
    optimizer : a key of :data:`OPTIMIZERS` ("sgd", "adam", "adamw_schedulefree", ...) or one of those classes
        Built once with ``lr=lrs`` and ``optimizer_options``, torch's keyword names
        (``momentum=0.9, nesterov=True``, ``betas=(0.9, 0.99)``, ``weight_decay=...``).
    lrs : float or 1-D array of floats > 0
        One learning rate per copy; ``K = len(lrs)``.
    steps : int >= 1
    seeds : int or K ints >= 0
        Initial parameters of copy ``k``: ``net.initial_params(seed=seeds[k])``. One int
        gives every copy the same start; ``None`` means ``net.init_seed``.
    batch_size : int >= 1 or None
        Minibatch size (``None``: full batch).
    data_seed : int >= 0
        Seeds the shared minibatch order (engine.train's ``seed``).
    max_loss : float > 0, optional
        Divergence threshold (default per copy ``1e6 × max(initial loss, 1)``).
    lr_scales : dict name -> float > 0, optional
        Per-layer rates: parameter ``name`` of copy ``k`` is trained at ``lrs[k] * lr_scales[name]``
        (one parameter group per name; e.g. the rate factors of
        :func:`lrlab.problems.digits.mup_scales`). Names left out use ``lrs``.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an lrlab.problems.MLP, got {type(net).__name__}")
    if getattr(net, "loss", "cross_entropy") != "cross_entropy":  # TabularMLP(loss="mse")
        raise ValueError(f"train_mlps trains cross-entropy networks only, got loss={net.loss!r}")
    if net.split != "train":
        raise ValueError(f"net must be built on split='train' (validation uses the 'test' split), "
                         f"got split={net.split!r}")
    cls, name = check_optimizer(optimizer, optimizer_options)
    rates = _check_lrs(lrs)
    K = rates.size
    seeds = _check_seeds(seeds, K, default=net.init_seed)
    steps = v.integer("steps", steps, low=1)
    if batch_size is not None:
        batch_size = v.integer("batch_size", batch_size, low=1)
    data_seed = v.integer("data_seed", data_seed, low=0)
    if max_loss is not None:
        max_loss = v.positive("max_loss", max_loss)
    names = list(net.initial_params())
    scales = _check_lr_scales(lr_scales, names)
    groups = [{"params": [name], "lr": rates * scale} for name, scale in scales.items()] or None
    opt = cls(groups, lr=rates, **optimizer_options)

    starts = {s: net.initial_params(seed=s) for s in set(seeds.tolist())}
    params = {p: np.stack([starts[s][p] for s in seeds.tolist()]) for p in names}
    run = run_stacked(net, opt, params, steps, batch_size=batch_size, data_seed=data_seed, max_loss=max_loss)
    return MLPRuns(lrs=rates, seeds=seeds, steps=steps, optimizer=name, losses=run["losses"],
                   initial_loss=run["initial_loss"], train_loss=run["train_loss"], val_loss=run["val_loss"],
                   val_accuracy=run["val_accuracy"], diverged_at=run["diverged_at"], max_loss=run["max_loss"],
                   params=run["params"], batch_size=batch_size, data_seed=data_seed, options=dict(optimizer_options))
