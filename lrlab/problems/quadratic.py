"""Quadratic bowls: the problems on which learning-rate theory is exact.

``Quadratic1D`` is ``f(x) = (a/2) x²`` (the article's ``x²`` is ``a = 2``);
``QuadraticND`` is ``f(x) = ½ (x − x*)ᵀ A (x − x*)`` with chosen eigenvalues or
condition number. Both evaluate element-wise on stacked inputs, so a whole
sweep of learning rates can be run in one numpy pass (see ``lrlab.train.engine``).
"""
from __future__ import annotations

import numpy as np

from lrlab import _validate as v
from .base import Problem


class Quadratic1D(Problem):
    """``f(x) = (a/2)·x²`` with curvature ``a`` (so ``L = a``) and minimum at 0.

    ``value`` and ``grad`` work element-wise on arrays of any shape: each entry
    is an independent copy of the problem.

    >>> p = Quadratic1D(a=2.0, x0=5.0)   # the article's f(x) = x²
    >>> p.value(5.0), p.grad(5.0), p.L
    (25.0, 10.0, 2.0)
    """

    def __init__(self, a=2.0, x0=5.0):
        self.a = v.positive("a", a)
        self.x0 = v.real("x0", x0)
        self.L = self.a
        self.mu = self.a
        self.dim = 1
        self.name = "x²" if self.a == 2.0 else f"({self.a:g}/2)·x²"

    def initial_params(self, seed=None):
        return np.array([self.x0])

    def value(self, params, batch=None):
        x = np.asarray(params, dtype=np.float64)
        out = 0.5 * self.a * x * x
        return float(out[0]) if out.shape == (1,) else (float(out) if out.ndim == 0 else out)

    def grad(self, params, batch=None):
        x = np.asarray(params, dtype=np.float64)
        out = self.a * x
        return float(out) if out.ndim == 0 else out

    def hessian(self, params=None):
        return np.array([[self.a]])

    @property
    def minimizer(self):
        return np.zeros(1)


class QuadraticND(Problem):
    """``f(x) = ½ (x − x*)ᵀ A (x − x*)`` with ``A`` symmetric positive definite.

    Give either ``eigenvalues`` or ``condition_number`` (with ``dim``); the
    eigenvalues then run geometrically from 1 to the condition number. With
    ``rotation=0`` (default) ``A`` is diagonal, so the axes are the
    eigen-directions; any other angle (radians, 2-D only) or ``"random"``
    (with ``seed``) rotates the bowl.

    ``value``/``grad`` accept ``x`` of shape ``(dim,)`` or ``(..., dim)`` for a
    stack of independent points.

    >>> p = QuadraticND(condition_number=10.0, dim=2)
    >>> p.L, p.mu, p.condition_number
    (10.0, 1.0, 10.0)
    """

    def __init__(self, eigenvalues=None, *, condition_number=None, dim=2, rotation=0.0,
                 x0=None, minimizer=None, seed=0):
        if (eigenvalues is None) == (condition_number is None):
            raise ValueError("give exactly one of eigenvalues or condition_number")
        if eigenvalues is not None:
            eig = v.array("eigenvalues", eigenvalues, ndim=1, min_size=1)
            if np.any(eig <= 0):
                raise ValueError("eigenvalues must all be > 0 (A must be positive definite)")
        else:
            kappa = v.real("condition_number", condition_number, low=1.0)
            dim = v.integer("dim", dim, low=1)
            eig = np.geomspace(1.0, kappa, dim) if dim > 1 else np.array([1.0])
        self.eigenvalues = eig
        self.dim = eig.size
        if isinstance(rotation, str):
            v.choice("rotation", rotation, ("random",))
            gen = v.rng("seed", seed)
            q, r = np.linalg.qr(gen.standard_normal((self.dim, self.dim)))
            basis = q * np.sign(np.diag(r))
        else:
            angle = v.real("rotation", rotation)
            if angle != 0.0 and self.dim != 2:
                raise ValueError("rotation as an angle needs dim == 2; use rotation='random' otherwise")
            c, s = np.cos(angle), np.sin(angle)
            basis = np.array([[c, -s], [s, c]]) if self.dim == 2 else np.eye(self.dim)
        self.basis = basis
        self.A = (basis * eig) @ basis.T
        self.A = 0.5 * (self.A + self.A.T)
        self.xstar = (np.zeros(self.dim) if minimizer is None
                      else v.array("minimizer", minimizer, shape=(self.dim,)))
        default_x0 = self.xstar + np.ones(self.dim)
        self.x0 = default_x0 if x0 is None else v.array("x0", x0, shape=(self.dim,))
        self.L = float(eig.max())
        self.mu = float(eig.min())
        self.condition_number = self.L / self.mu
        self.name = f"quadratic (dim {self.dim}, κ = {self.condition_number:g})"

    def initial_params(self, seed=None):
        return self.x0.copy()

    def _check(self, x):
        x = np.asarray(x, dtype=np.float64)
        if x.shape[-1:] != (self.dim,):
            raise ValueError(f"params must have last dimension {self.dim}, got shape {x.shape}")
        return x

    def value(self, params, batch=None):
        d = self._check(params) - self.xstar
        out = 0.5 * np.einsum("...i,ij,...j->...", d, self.A, d)
        return float(out) if np.ndim(out) == 0 else out

    def grad(self, params, batch=None):
        d = self._check(params) - self.xstar
        return d @ self.A  # A is symmetric

    def hessian(self, params=None):
        return self.A.copy()

    @property
    def minimizer(self):
        return self.xstar.copy()
