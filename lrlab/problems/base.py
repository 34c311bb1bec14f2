"""The interface every objective in lrlab shares.

A problem is a loss to minimise. It knows its value and gradient, and where
they are defined its Hessian and smoothness constant ``L`` (the largest
curvature, which sets the stability limit ``2/L`` of gradient descent).
Problems with data (logistic regression, the MLP) also take a ``batch`` of
sample indices, so the same object serves full-batch and minibatch training.
"""
from __future__ import annotations

import numpy as np


class Problem:
    """Base class: subclasses implement ``value`` and ``grad``.

    Attributes
    ----------
    name : str
        Short human-readable name, used in plot titles.
    L : float or None
        Smoothness constant (largest Hessian eigenvalue over the domain), or
        ``None`` where no global constant exists (Rosenbrock, the MLP).
    n_samples : int or None
        Number of training samples for data problems, ``None`` otherwise.
    """

    name = "problem"
    L: float | None = None
    n_samples: int | None = None

    def initial_params(self, seed=None):
        """Starting parameters (a fresh copy each call)."""
        raise NotImplementedError

    def value(self, params, batch=None) -> float:
        """Loss at ``params`` (mean over ``batch`` for data problems)."""
        raise NotImplementedError

    def grad(self, params, batch=None):
        """Gradient of :meth:`value`, with the same structure as ``params``."""
        raise NotImplementedError

    def value_and_grad(self, params, batch=None):
        """Both at once; data problems override this to share the forward pass."""
        return self.value(params, batch), self.grad(params, batch)

    def hessian(self, params):
        """Hessian matrix at ``params``, where the problem defines one."""
        raise NotImplementedError(f"{type(self).__name__} does not provide a Hessian")

    def batches(self, batch_size, rng):
        """Yield index arrays covering one epoch; ``None`` (full batch) for problems without data."""
        yield None

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r})"
