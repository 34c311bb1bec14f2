r"""The digits MLP on other small tables of data, and with a squared-error loss.

:class:`lrlab.problems.MLP` trains on scikit-learn's 8×8 digits only. :class:`TabularMLP` is the same
network (the same initialisation, forward pass, backpropagation and batches: it *is* an ``MLP``) on
any of three datasets that ship with scikit-learn, so no download is needed:

==================  =======  ========  =======  ==========================================
``dataset``         samples  features  classes  features as given to the network
==================  =======  ========  =======  ==========================================
``"digits"``        1797     64        10       pixel / 16, in [0, 1] (exactly ``MLP``'s data)
``"wine"``          178      13        3        standardised: mean 0, std 1 on the training split
``"breast_cancer"`` 569      30        2        standardised: mean 0, std 1 on the training split
==================  =======  ========  =======  ==========================================

Each is split once, stratified, ``test_size=0.2`` with seed 0 (:func:`load_split`); the
standardisation uses the training split's mean and standard deviation for both splits, so nothing
is learned from the held-out images or rows.

``loss="mse"`` replaces the softmax cross-entropy by half the squared distance between the raw
outputs and the one-hot target, averaged over the samples,
:math:`f = \frac{1}{2n}\sum_i \lVert z_i - e_{y_i}\rVert^2` (plus the same L2 term): the loss
under which Cohen et al. (2021) saw the sharpness rise most clearly. Accuracy still takes the
largest output. :mod:`lrlab.train.curvature` multiplies by its Hessian exactly for both losses;
:func:`lrlab.train.batched.train_mlps` trains cross-entropy networks only.

>>> net = TabularMLP("wine", hidden=(16,))
>>> net.sizes, net.n_samples, net.name
((13, 16, 3), 142, 'MLP 13-16-3 tanh (wine)')
>>> same = TabularMLP("digits")
>>> from lrlab.problems import MLP
>>> bool(same.value(same.initial_params()) == MLP().value(MLP().initial_params()))
True
"""
from __future__ import annotations

import functools
import numbers

import numpy as np

from lrlab import _validate as v
from . import toy_data
from .digits import MLP, DigitsData, load_digits_split

__all__ = ["TabularMLP", "load_split", "DATASETS", "LOSSES"]

#: The datasets :class:`TabularMLP` can train on: name -> (scikit-learn loader, standardise the features?).
DATASETS = {"digits": ("load_digits", False), "wine": ("load_wine", True),
            "breast_cancer": ("load_breast_cancer", True)}
#: The losses: softmax cross-entropy (as ``MLP``) or half the mean squared error on one-hot targets.
LOSSES = ("cross_entropy", "mse")


def load_split(dataset, test_size=0.2, seed=0) -> DigitsData:
    """``dataset`` (a key of :data:`DATASETS`) split once, stratified, as float64 features and int64 labels.

    ``"digits"`` is :func:`lrlab.problems.load_digits_split`. For the others, every class sends
    ``round(test_size · count)`` random rows (``numpy.random.default_rng(seed)``) to the test set,
    then the features are standardised with the training rows' mean and standard deviation. The
    result is cached and read-only (index or copy it to get writable arrays).

    >>> d = load_split("breast_cancer")
    >>> d.X_train.shape, d.X_test.shape, round(float(d.X_train.mean()), 12)
    ((456, 30), (113, 30), 0.0)
    """
    dataset = v.choice("dataset", dataset, DATASETS)
    test_size = v.fraction("test_size", test_size)
    seed = v.integer("seed", seed, low=0)
    if dataset == "digits":
        return load_digits_split(test_size, seed)
    return _load_split(dataset, test_size, seed)


@functools.lru_cache(maxsize=8)
def _load_split(dataset, test_size, seed):
    data, target = toy_data.load(DATASETS[dataset][0])
    X = np.ascontiguousarray(data, dtype=np.float64)
    y = np.asarray(target, dtype=np.int64)
    gen = np.random.default_rng(seed)
    is_test = np.zeros(y.size, dtype=bool)
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        n_test = int(round(test_size * members.size))
        if not 0 < n_test < members.size:
            raise ValueError(f"test_size must leave rows of every class in both sets, got {test_size}")
        is_test[gen.permutation(members)[:n_test]] = True
    train_index, test_index = np.flatnonzero(~is_test), np.flatnonzero(is_test)
    mean = X[train_index].mean(axis=0)
    std = X[train_index].std(axis=0)
    std[std == 0] = 1.0
    X = (X - mean) / std
    out = DigitsData(X[train_index], y[train_index], X[test_index], y[test_index], train_index, test_index)
    for arr in out:
        arr.flags.writeable = False
    return out


class TabularMLP(MLP):
    r""":class:`lrlab.problems.MLP` on ``dataset``, with ``hidden`` layer widths and a choice of ``loss``.

    Parameters
    ----------
    dataset : "digits", "wine" or "breast_cancer"
    hidden : tuple of ints >= 1
        Widths of the hidden layers; ``sizes`` is ``(features, *hidden, classes)``.
    activation : "tanh" or "relu"
    loss : "cross_entropy" or "mse"
        See the module docstring.
    l2, split, init_seed
        As for ``MLP``.

    Everything else (parameters, ``value``, ``grad``, ``batches``, ``accuracy``) works as for
    ``MLP``. With ``dataset="digits"`` and ``loss="cross_entropy"`` the network is exactly
    ``MLP(sizes=(64, *hidden, 10))``.
    """

    def __init__(self, dataset="digits", hidden=(32,), activation="tanh", loss="cross_entropy", l2=0.0,
                 split="train", init_seed=0):
        self.dataset = v.choice("dataset", dataset, DATASETS)
        self.loss = v.choice("loss", loss, LOSSES)
        self.split = v.choice("split", split, ("train", "test"))
        self.l2 = v.non_negative("l2", l2)
        self.data = load_split(self.dataset)
        self.X, self.y = self._split_arrays(self.split)
        self.n_samples = int(self.y.size)
        self.n_features = int(self.data.X_train.shape[1])
        self.n_classes = int(max(self.data.y_train.max(), self.data.y_test.max()) + 1)
        self.sizes = (self.n_features, *self._check_hidden(hidden), self.n_classes)
        self.activation = v.choice("activation", activation, ("tanh", "relu"))
        self.init_seed = v.integer("init_seed", init_seed, low=0)
        self.n_layers = len(self.sizes) - 1
        self._shapes = {}
        for i, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:]), start=1):
            self._shapes[f"W{i}"] = (fan_in, fan_out)
            self._shapes[f"b{i}"] = (fan_out,)
        self._names = list(self._shapes)
        self.L = None
        suffix = "" if self.loss == "cross_entropy" else ", squared error"
        self.name = f"MLP {'-'.join(map(str, self.sizes))} {self.activation} ({self.dataset}{suffix})"

    @staticmethod
    def _check_hidden(hidden):
        if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
            hidden = (hidden,)
        if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__len__"):
            raise TypeError(f"hidden must be a tuple of layer widths, got {type(hidden).__name__}")
        for h in hidden:
            if isinstance(h, (bool, np.bool_)) or not isinstance(h, numbers.Integral) or h < 1:
                raise ValueError(f"hidden must hold integers >= 1, got {tuple(hidden)}")
        return tuple(int(h) for h in hidden)

    def with_split(self, split):
        """The same network (same settings) evaluated on another split ("train" or "test")."""
        return TabularMLP(self.dataset, self.sizes[1:-1], self.activation, self.loss, self.l2, split,
                          self.init_seed)

    def _head(self, z, y, need_grad):
        """Cross-entropy as ``MLP``; squared error ``½‖z − onehot(y)‖² / n`` (gradient ``(z − onehot) / n``)."""
        if self.loss == "cross_entropy":
            return super()._head(z, y, need_grad)
        n = z.shape[0]
        z[np.arange(n), y] -= 1.0            # the residual z − onehot(y), in place
        loss = 0.5 * float(np.vdot(z, z)) / n
        return loss, (z / n if need_grad else None)
