"""Classifiers of handwritten digits: real data problems to train with minibatches.

The data is scikit-learn's 8×8 digits (1797 images, 10 classes; it ships with
scikit-learn, no download). :func:`load_digits_split` scales the pixels to
``[0, 1]`` and splits them once, with a fixed seed, into training and test
sets. Two models train on it:

* :class:`LogisticRegression`: softmax regression, convex, with a proven
  smoothness constant ``L`` (so ``2/L`` means something);
* :class:`MLP`: a small neural network with hand-written backpropagation,
  non-convex, ``L = None``.

Both take ``batch``, an index array into their split, so one object serves
full-batch and minibatch training; :meth:`batches` yields one shuffled epoch.
Parameters are dicts of float64 arrays (``{"W": ..., "b": ...}``) and are
never modified in place.
"""
from __future__ import annotations

import functools
import numbers
from typing import NamedTuple

import numpy as np

from lrlab import _validate as v
from . import toy_data
from .base import Problem

N_FEATURES = 64
N_CLASSES = 10
_SPLITS = ("train", "test")
_ACTIVATIONS = ("tanh", "relu")


class DigitsData(NamedTuple):
    """The digits, split once. ``*_index`` are row numbers in ``sklearn.datasets.load_digits()``."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    train_index: np.ndarray
    test_index: np.ndarray


def load_digits_split(test_size=0.2, seed=0) -> DigitsData:
    """The digits as float64 features in ``[0, 1]`` (pixel / 16) and int64 labels.

    The split is stratified: for each class, ``round(test_size · count)``
    (Python's ``round``) images chosen at random (``numpy.random.default_rng(seed)``) go to the
    test set, the rest to the training set; each set keeps the original row
    order. The defaults give 1438 training and 359 test images. Results are
    cached and the arrays are read-only, so every caller shares one copy;
    index or copy them to get writable arrays.

    >>> d = load_digits_split()
    >>> d.X_train.shape, d.X_test.shape, float(d.X_train.max())
    ((1438, 64), (359, 64), 1.0)
    """
    test_size = v.fraction("test_size", test_size)
    seed = v.integer("seed", seed, low=0)
    return _load_digits_split(test_size, seed)


@functools.lru_cache(maxsize=4)
def _load_digits_split(test_size, seed):
    data, target = toy_data.load("load_digits")
    X = np.ascontiguousarray(data, dtype=np.float64) / 16.0
    y = np.asarray(target, dtype=np.int64)
    gen = np.random.default_rng(seed)
    test_parts = []
    for label in range(N_CLASSES):
        members = np.flatnonzero(y == label)
        n_test = int(round(test_size * members.size))
        if not 0 < n_test < members.size:
            raise ValueError(f"test_size must leave images of every class in both sets, "
                             f"got {test_size} ({n_test} of {members.size} images of a {label})")
        test_parts.append(gen.permutation(members)[:n_test])
    is_test = np.zeros(y.size, dtype=bool)
    is_test[np.concatenate(test_parts)] = True
    train_index, test_index = np.flatnonzero(~is_test), np.flatnonzero(is_test)
    out = DigitsData(X[train_index], y[train_index], X[test_index], y[test_index],
                     train_index, test_index)
    for arr in out:
        arr.flags.writeable = False
    return out


#: rows from which :func:`_softmax_cross_entropy` reduces over the classes column by column: a reduction
#: along a short last axis runs numpy's inner loop once per row, slower than a few whole-column operations
#: once there are many rows (a full split of 1,438 or 359 images); below, numpy's own call is faster.
_BY_COLUMN_FROM = 512


def _row_max(z):
    """``z.max(axis=1, keepdims=True)`` from whole-column operations (the maximum is exact in any order)."""
    top = z[:, 0].copy()
    for j in range(1, z.shape[1]):
        np.maximum(top, z[:, j], out=top)
    return top[:, None]


def _sum_like_numpy(rows):
    """``rows[0] + rows[1] + …`` in the order numpy's pairwise ``sum`` uses for ``len(rows) <= 128``.

    Summing over a short last axis calls numpy's inner loop once per row, which is slow for
    thousands of rows of 10 classes; adding whole rows (here: columns of a batch) in the same order is
    fast and gives the same bits as ``sum(axis=1)``.
    """
    n = len(rows)
    if n < 8:
        out = rows[0].copy()
        for row in rows[1:]:
            out += row
        return out
    r = list(rows[:8])
    stop = n - n % 8
    for i in range(8, stop, 8):
        r = [r[j] + rows[i + j] for j in range(8)]
    out = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for row in rows[stop:]:
        out += row
    return out


def _softmax_cross_entropy(logits, y, need_grad):
    """Mean cross-entropy of ``logits`` (B, K) against labels ``y`` (B,).

    Works in place on ``logits``, which must be a scratch array. Uses the
    stable ``log_softmax(z) = (z − max z) − log Σ exp(z − max z)``. With
    ``need_grad`` also returns ``d loss / d logits = (softmax − onehot) / B``
    (in the same buffer), else ``None``.
    """
    n = logits.shape[0]
    rows = np.arange(n)
    by_column = n >= _BY_COLUMN_FROM
    logits -= _row_max(logits) if by_column else logits.max(axis=1, keepdims=True)
    picked = logits[rows, y].sum()
    np.exp(logits, out=logits)
    sums = _sum_like_numpy(list(logits.T))[:, None] if by_column else logits.sum(axis=1, keepdims=True)
    loss = (np.log(sums).sum() - picked) / n
    if not need_grad:
        return float(loss), None
    sums *= n
    logits /= sums
    logits[rows, y] -= 1.0 / n
    return float(loss), logits


def _uniform_layer(gen, fan_in, fan_out):
    """``W`` (fan_in, fan_out) and ``b`` (fan_out,) ~ U(−1/√fan_in, 1/√fan_in), like ``torch.nn.Linear``."""
    bound = 1.0 / np.sqrt(fan_in)
    W = gen.uniform(-bound, bound, size=(fan_in, fan_out))
    b = gen.uniform(-bound, bound, size=fan_out)
    return W, b


class _DigitsProblem(Problem):
    """Data handling shared by the digits models: splits, batches, checks, accuracy."""

    def __init__(self, split, l2):
        self.split = v.choice("split", split, _SPLITS)
        self.l2 = v.non_negative("l2", l2)
        self.data = load_digits_split()
        self.X, self.y = self._split_arrays(self.split)
        self.n_samples = int(self.y.size)
        self.n_features = N_FEATURES
        self.n_classes = N_CLASSES
        self._shapes = {}  # name -> shape, filled in by subclasses (in order)

    def _split_arrays(self, split):
        if split == "train":
            return self.data.X_train, self.data.y_train
        return self.data.X_test, self.data.y_test

    # --- checks at the public boundary -------------------------------------
    def _check_params(self, params):
        """The parameter arrays in the order of ``self._shapes`` (float64, right shapes)."""
        if not isinstance(params, dict):
            raise TypeError(
                f"params must be a dict with keys {list(self._shapes)}, got {type(params).__name__}")
        if params.keys() != self._shapes.keys():
            missing = [k for k in self._shapes if k not in params]
            extra = [k for k in params if k not in self._shapes]
            raise ValueError(f"params must have exactly the keys {list(self._shapes)}; "
                             f"missing {missing}, unexpected {extra}")
        out = []
        for name, shape in self._shapes.items():
            a = params[name]
            if not (type(a) is np.ndarray and a.dtype == np.float64 and a.shape == shape):
                a = v.array(f"params[{name!r}]", a, shape=shape, finite=False)
            out.append(a)
        return out

    def _check_batch(self, batch):
        """``(X, y)`` rows for ``batch`` (an index array into this split, or ``None`` for all)."""
        if batch is None:
            return self.X, self.y
        idx = np.asarray(batch)
        if idx.dtype.kind not in "iu":
            raise TypeError(f"batch must be None or an integer index array, got dtype {idx.dtype}")
        if idx.ndim != 1 or idx.size == 0:
            raise ValueError(f"batch must be a non-empty 1-D index array, got shape {idx.shape}")
        lo, hi = idx.min(), idx.max()
        if lo < 0 or hi >= self.n_samples:
            raise ValueError(f"batch indices must lie in [0, {self.n_samples - 1}] "
                             f"(the {self.split} split), got values from {lo} to {hi}")
        return self.X[idx], self.y[idx]

    # --- shared public methods ---------------------------------------------
    def batches(self, batch_size, rng):
        """Index arrays for one epoch in a random order (``rng``: Generator, int seed or None).

        Every sample appears exactly once. The last batch holds the remainder
        (``n_samples % batch_size`` indices) when ``batch_size`` does not
        divide ``n_samples``; it is kept, not dropped (torch's
        ``DataLoader(drop_last=False)``). ``batch_size=None`` yields a single
        ``None``, which the other methods read as "all samples".

        >>> p = LogisticRegression()
        >>> [len(b) for b in p.batches(500, rng=0)]
        [500, 500, 438]
        """
        if batch_size is not None:
            batch_size = v.integer("batch_size", batch_size, low=1)
        gen = v.rng("rng", rng)
        return self._epoch(batch_size, gen)

    def _epoch(self, batch_size, gen):
        if batch_size is None:
            yield None
            return
        order = gen.permutation(self.n_samples)
        for start in range(0, self.n_samples, batch_size):
            yield order[start:start + batch_size]

    def value(self, params, batch=None):
        """Mean cross-entropy over ``batch`` (all samples of the split if ``None``), plus the L2 term."""
        arrays = self._check_params(params)
        X, y = self._check_batch(batch)
        with np.errstate(over="ignore", invalid="ignore"):  # diverging runs give inf/NaN
            return self._loss_and_grad(arrays, X, y, need_grad=False)[0]

    def grad(self, params, batch=None):
        """Gradient of :meth:`value`: a new dict with the keys and shapes of ``params``."""
        return self.value_and_grad(params, batch)[1]

    def value_and_grad(self, params, batch=None):
        """``(value, grad)`` from one forward and one backward pass."""
        arrays = self._check_params(params)
        X, y = self._check_batch(batch)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._loss_and_grad(arrays, X, y, need_grad=True)

    def accuracy(self, params, split="test"):
        """Fraction of images in ``split`` ("train" or "test") whose predicted class is right."""
        arrays = self._check_params(params)
        X, y = self._split_arrays(v.choice("split", split, _SPLITS))
        with np.errstate(over="ignore", invalid="ignore"):
            logits = self._logits(arrays, X)
        return float(np.mean(np.argmax(logits, axis=1) == y))

    def _l2_term(self, weights):
        return 0.5 * self.l2 * sum(float(np.vdot(W, W)) for W in weights)


@functools.lru_cache(maxsize=None)
def _top_gram_eigenvalue(split):
    """``λmax(X̃ᵀX̃ / n)`` for ``X̃ = [X, 1]`` of the default split (fixed data, so cached)."""
    data = load_digits_split()
    X = data.X_train if split == "train" else data.X_test
    Xt = np.hstack([X, np.ones((X.shape[0], 1))])
    return float(np.linalg.eigvalsh(Xt.T @ Xt / X.shape[0])[-1])


class LogisticRegression(_DigitsProblem):
    r"""Multinomial (softmax) logistic regression on the 10 digit classes.

    With logits :math:`z_i = W^\top x_i + b` and labels :math:`y_i`,

    .. math::
        f(W, b) = \frac1n \sum_i \Big(\log \sum_k e^{z_{ik}} - z_{i y_i}\Big)
                  + \frac{\lambda}{2}\,\lVert W\rVert^2 ,

    ``λ = l2`` (the bias is not penalised). ``params`` is
    ``{"W": (64, 10), "b": (10,)}``; ``W`` is ``(in, out)``, the transpose of
    ``torch.nn.Linear.weight``.

    **Smoothness.** ``L = ½·λmax(X̃ᵀX̃ / n) + l2`` with ``X̃ = [X, 1]`` the
    data of the problem's split with a column of ones. Why it bounds every
    Hessian eigenvalue: per sample, the Hessian of the cross-entropy in the
    logits is ``S = diag(p) − ppᵀ`` (``p`` = softmax). For a unit vector
    ``u``, ``uᵀSu`` is the variance of ``u_k`` when ``k`` is drawn from ``p``,
    which is at most ``(max u − min u)²/4 ≤ 2‖u‖²/4 = ½``; so ``S ≼ ½·I``.
    In the stacked parameters ``Θ = [W; bᵀ]`` the per-sample Hessian is
    ``x̃x̃ᵀ ⊗ S ≼ ½·x̃x̃ᵀ ⊗ I``; averaging gives ``≼ ½·(X̃ᵀX̃/n) ⊗ I``, whose
    top eigenvalue is ``½·λmax(X̃ᵀX̃/n)``, and the penalty adds at most
    ``l2``. For ``l2 = 0`` the bound is sharp: with ``W = 0`` and two biases
    far above the other eight, every image splits its probability evenly
    between two classes and the top Hessian eigenvalue equals ``L``. It is a
    bound for the full objective of the split; a minibatch's own Hessian can
    exceed it.

    >>> p = LogisticRegression()
    >>> params = p.initial_params()              # zeros: every class equally likely
    >>> round(p.value(params), 6) == round(float(np.log(10)), 6)
    True
    """

    def __init__(self, l2=0.0, split="train"):
        super().__init__(split, l2)
        self._shapes = {"W": (N_FEATURES, N_CLASSES), "b": (N_CLASSES,)}
        self.L = 0.5 * _top_gram_eigenvalue(self.split) + self.l2
        self.name = "logistic regression (digits)" + (f", l2 = {self.l2:g}" if self.l2 else "")

    def initial_params(self, seed=None):
        """Zeros for ``seed=None``; otherwise ``nn.Linear``-style U(−1/8, 1/8) draws from ``seed``."""
        if seed is None:
            return {"W": np.zeros((N_FEATURES, N_CLASSES)), "b": np.zeros(N_CLASSES)}
        W, b = _uniform_layer(v.rng("seed", seed), N_FEATURES, N_CLASSES)
        return {"W": W, "b": b}

    @staticmethod
    def _logits(arrays, X):
        W, b = arrays
        z = X @ W
        z += b
        return z

    def _loss_and_grad(self, arrays, X, y, need_grad):
        W = arrays[0]
        loss, dz = _softmax_cross_entropy(self._logits(arrays, X), y, need_grad)
        if self.l2:
            loss += self._l2_term([W])
        if not need_grad:
            return loss, None
        gW = X.T @ dz
        if self.l2:
            gW += self.l2 * W
        return loss, {"W": gW, "b": dz.sum(axis=0)}

    def hessian(self, params):
        r"""The full-split Hessian, shape ``(650, 650)``.

        Coordinates are ordered as ``np.concatenate([W.ravel(), b])`` (``W``
        row-major). Entry ``[(j,k), (l,m)]`` is
        :math:`\frac1n\sum_i \tilde x_{ij}\tilde x_{il}\,(p_{ik}\delta_{km} - p_{ik}p_{im})`
        plus ``l2`` on the diagonal of the ``W`` block.
        """
        arrays = self._check_params(params)
        X, n, K = self.X, self.n_samples, N_CLASSES
        with np.errstate(over="ignore", invalid="ignore"):
            z = self._logits(arrays, X)
            z -= z.max(axis=1, keepdims=True)
            np.exp(z, out=z)
            p = z / z.sum(axis=1, keepdims=True)
        Xt = np.hstack([X, np.ones((n, 1))])
        d = Xt.shape[1]
        q = (Xt[:, :, None] * p[:, None, :]).reshape(n, d * K)  # q[i, (j,k)] = x̃_ij p_ik
        H = -(q.T @ q)
        # diag[k, j, l] = Σ_i p_ik x̃_ij x̃_il: the diag(p) part, which lives on k == m
        diag = ((p[:, :, None] * Xt[:, None, :]).reshape(n, K * d).T @ Xt).reshape(K, d, d)
        H4 = H.reshape(d, K, d, K)
        H4[:, np.arange(K), :, np.arange(K)] += diag
        H /= n
        if self.l2:
            w = np.arange(N_FEATURES * K)
            H[w, w] += self.l2
        return H


def _check_scales(name, scales, names):
    """A dict parameter name -> finite factor > 0 (``None``: no factors)."""
    if scales is None:
        return {}
    if not isinstance(scales, dict):
        raise TypeError(f"{name} must be a dict parameter name -> factor > 0, got {type(scales).__name__}")
    out = {}
    for key, value in scales.items():
        if key not in names:
            raise ValueError(f"{name} names {key!r}, which is not a parameter; the parameters are {names}")
        out[key] = v.positive(f"{name}[{key!r}]", value)
    return out


def mup_scales(sizes, base_sizes) -> dict:
    r"""Per-parameter factors of the maximal-update parametrization (µP) for an MLP trained with Adam.

    ``sizes`` is the network to train, ``base_sizes`` the one whose rate was tuned (same depth, same
    input and output). For each parameter the result holds ``(init, lr)``: multiply its standard
    initial draw (``MLP``'s ``nn.Linear``-style one) by ``init`` and the base learning rate by ``lr``.
    With :math:`m` the width ratio ``fan_in / base_fan_in`` of the layer:

    =========================================  =================  ================
    parameter                                  init factor        Adam rate factor
    =========================================  =================  ================
    input layer ``W1`` and ``b1``              1                  1
    hidden ``W`` (both sides grow)             1                  :math:`1/m`
    output ``W``                               :math:`1/\sqrt m`  :math:`1/m`
    bias of a hidden or the output layer       :math:`\sqrt m`    1
    =========================================  =================  ================

    These are the rules of Yang et al. (2022, "Tensor Programs V") as the ``mup`` package applies
    them to ``nn.Linear`` hidden layers, a ``MuReadout`` output layer and ``MuAdam`` (its
    ``set_base_shapes`` also multiplies the bias of every layer whose fan-in grows by
    :math:`\sqrt m`, since torch draws biases at :math:`1/\sqrt{\text{fan-in}}`), written
    without an output multiplier: ``MuReadout`` stores :math:`\sqrt m` times the standard draw and
    divides its input by :math:`m`, which is the same network as an output weight of :math:`1/\sqrt
    m` times the draw, and (Adam's step not depending on the gradient's scale, up to ``eps``) the same
    training as an output rate of :math:`1/m` (``tests/test_mup.py`` checks both against ``mup``).
    With ``sizes == base_sizes`` every factor is 1: µP and the standard parametrization agree at the
    base width.

    >>> s = mup_scales((64, 128, 10), (64, 32, 10))
    >>> s["W1"], s["W2"], s["b2"]
    ((1.0, 1.0), (0.5, 0.25), (2.0, 1.0))
    """
    sizes = MLP._check_sizes(sizes)
    base = MLP._check_sizes(base_sizes)
    if len(sizes) != len(base):
        raise ValueError(f"base_sizes must have as many layers as sizes ({len(sizes)}), got {base_sizes}")
    out = {}
    last = len(sizes) - 1
    for i in range(1, last + 1):
        m_in = sizes[i - 1] / base[i - 1]
        m_out = sizes[i] / base[i]
        if i == last:
            out[f"W{i}"] = (float(1 / np.sqrt(m_in)), float(1 / m_in))
            out[f"b{i}"] = (float(np.sqrt(m_in)), 1.0)
        elif i == 1:
            out[f"W{i}"] = (1.0, 1.0)
            out[f"b{i}"] = (1.0, 1.0)
        else:
            if m_in != m_out:
                raise ValueError(f"hidden layers must grow together: layer {i} goes from {sizes[i - 1]} to "
                                 f"{sizes[i]}, base {base[i - 1]} to {base[i]} (ratios {m_in:g} and {m_out:g})")
            out[f"W{i}"] = (1.0, float(1 / m_in))
            out[f"b{i}"] = (float(np.sqrt(m_in)), 1.0)
    return out


class MLP(_DigitsProblem):
    r"""A fully connected network with hand-written backpropagation (numpy, float64).

    For ``sizes = (64, h_1, …, 10)``: ``a_0 = x``,
    ``a_l = φ(a_{l−1} W_l + b_l)`` for the hidden layers (``φ`` = ``tanh`` or
    ``relu``), logits ``z = a_{last} W_last + b_last``, and the loss is the mean
    softmax cross-entropy plus ``(l2/2)·Σ_l ‖W_l‖²`` (biases not penalised).
    ``params`` is ``{"W1": (64, h_1), "b1": (h_1,), "W2": ..., ...}``; each
    ``W`` is ``(in, out)``, the transpose of ``torch.nn.Linear.weight``.

    Initial weights and biases of a layer with ``fan_in`` inputs are drawn
    from U(−1/√fan_in, 1/√fan_in): the same distribution as torch's default
    ``nn.Linear`` initialisation, but from numpy's generator, so the numbers
    differ from torch's. ``initial_params()`` uses ``init_seed``; pass
    ``seed`` for another draw. ReLU's derivative at 0 is taken as 0, like torch.

    ``L`` is ``None``: the loss is not convex and its curvature is unbounded
    in the weights.

    >>> net = MLP(sizes=(64, 32, 10), activation="tanh")
    >>> loss, g = net.value_and_grad(net.initial_params(), batch=np.arange(64))
    >>> sorted(g), g["W1"].shape
    (['W1', 'W2', 'b1', 'b2'], (64, 32))
    """

    def __init__(self, sizes=(64, 32, 10), activation="tanh", l2=0.0, split="train", init_seed=0,
                 init_scales=None):
        super().__init__(split, l2)
        self.sizes = self._check_sizes(sizes)
        self.activation = v.choice("activation", activation, _ACTIVATIONS)
        self.init_seed = v.integer("init_seed", init_seed, low=0)
        self.n_layers = len(self.sizes) - 1
        for i, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:]), start=1):
            self._shapes[f"W{i}"] = (fan_in, fan_out)
            self._shapes[f"b{i}"] = (fan_out,)
        self._names = list(self._shapes)
        self.init_scales = _check_scales("init_scales", init_scales, self._names)
        self.L = None
        self.name = f"MLP {'-'.join(map(str, self.sizes))} {self.activation} (digits)"

    @staticmethod
    def _check_sizes(sizes):
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(f"sizes must be a tuple of layer widths, got {type(sizes).__name__}")
        sizes = tuple(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least the input and output widths, got {sizes}")
        for s in sizes:
            if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral) or s < 1:
                raise ValueError(f"sizes must hold integers >= 1, got {sizes}")
        if sizes[0] != N_FEATURES or sizes[-1] != N_CLASSES:
            raise ValueError(f"sizes must start with {N_FEATURES} (pixels) and end with "
                             f"{N_CLASSES} (classes), got {sizes}")
        return tuple(int(s) for s in sizes)

    def initial_params(self, seed=None):
        """Fresh ``nn.Linear``-style random parameters from ``seed`` (``init_seed`` if ``None``)."""
        gen = v.rng("seed", self.init_seed if seed is None else seed)
        params = {}
        for i, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:]), start=1):
            params[f"W{i}"], params[f"b{i}"] = _uniform_layer(gen, fan_in, fan_out)
        for name, scale in getattr(self, "init_scales", {}).items():  # subclasses may not set it
            params[name] = params[name] * scale
        return params

    def _hidden(self, z):
        if self.activation == "tanh":
            return np.tanh(z, out=z)
        return np.maximum(z, 0.0, out=z)

    def _forward(self, arrays, X):
        """Hidden activations ``[a_0 = X, a_1, …]`` and the logits."""
        acts = [X]
        a = X
        for layer in range(self.n_layers - 1):
            z = a @ arrays[2 * layer]
            z += arrays[2 * layer + 1]
            a = self._hidden(z)
            acts.append(a)
        z = a @ arrays[-2]
        z += arrays[-1]
        return acts, z

    def _logits(self, arrays, X):
        return self._forward(arrays, X)[1]

    def _head(self, z, y, need_grad):
        """Mean loss of the logits ``z`` (a scratch array) and, with ``need_grad``, ``d loss / d z``."""
        return _softmax_cross_entropy(z, y, need_grad)

    def _loss_and_grad(self, arrays, X, y, need_grad):
        acts, z = self._forward(arrays, X)
        loss, dz = self._head(z, y, need_grad)
        weights = arrays[0::2]
        if self.l2:
            loss += self._l2_term(weights)
        if not need_grad:
            return loss, None
        return loss, self._backward(acts, dz, weights)

    def _backward(self, acts, dz, weights):
        """Backpropagate ``dz = d loss / d logits`` through the layers: the gradient dict."""
        grads = [None] * (2 * self.n_layers)
        for layer in range(self.n_layers - 1, -1, -1):
            a = acts[layer]
            gW = a.T @ dz
            if self.l2:
                gW += self.l2 * weights[layer]
            grads[2 * layer] = gW
            grads[2 * layer + 1] = dz.sum(axis=0)
            if layer:
                dz = dz @ weights[layer].T  # gradient w.r.t. a, then through φ
                if self.activation == "tanh":
                    dz *= 1.0 - a * a
                else:
                    dz *= a > 0.0
        return dict(zip(self._names, grads))
