"""The Rosenbrock function: a curved valley whose curvature changes from place to place.

``f(x, y) = (a − x)² + b·(y − x²)²`` has its minimum ``0`` at ``(a, a²)`` at
the bottom of a narrow, bent valley. Across the valley the curvature is about
``2b``; along it, it is small. Because the Hessian depends on the point, there
is no single smoothness constant: ``L`` is ``None`` and :meth:`Rosenbrock.curvature`
gives the local one instead. Like the quadratics, everything works element-wise
on stacked points of shape ``(..., 2)``, so a contour plot or a batch of runs
is one numpy call.
"""
from __future__ import annotations

import numpy as np

from lrlab import _validate as v
from .base import Problem


class Rosenbrock(Problem):
    r"""``f(x, y) = (a − x)² + b·(y − x²)²`` with minimum 0 at ``(a, a²)``.

    Gradient and Hessian:

    .. math::
        \nabla f = \begin{pmatrix} -2(a - x) - 4bx(y - x^2) \\ 2b(y - x^2) \end{pmatrix},\qquad
        \nabla^2 f = \begin{pmatrix} 2 - 4b(y - x^2) + 8bx^2 & -4bx \\ -4bx & 2b \end{pmatrix}

    ``L`` is ``None``: the largest Hessian eigenvalue grows like ``12·b·x²``
    without bound, so no global constant exists. :meth:`curvature` returns
    that eigenvalue at a given point; gradient descent started near that
    point needs ``lr < 2 / curvature`` to stay stable there.

    ``params`` is an array of shape ``(2,)`` (one point ``(x, y)``) or
    ``(..., 2)`` (a stack of independent points); ``value`` then returns a float
    or an array of shape ``(...)``.

    >>> p = Rosenbrock()
    >>> p.value(p.minimizer), p.grad(np.array([0.0, 0.0])).tolist()
    (0.0, [-2.0, 0.0])
    >>> round(p.curvature(p.minimizer), 4)   # at the minimum, for b = 100
    1001.6006
    """

    def __init__(self, a=1.0, b=100.0, x0=(-1.5, 2.0)):
        self.a = v.real("a", a)
        self.b = v.positive("b", b)
        self.x0 = v.array("x0", x0, shape=(2,))
        self.dim = 2
        self.L = None
        if self.a == 1.0 and self.b == 100.0:
            self.name = "Rosenbrock"
        else:
            self.name = f"Rosenbrock (a = {self.a:g}, b = {self.b:g})"

    def initial_params(self, seed=None):
        """The start ``x0`` as a fresh array (``seed`` is ignored: the start is fixed)."""
        return self.x0.copy()

    @property
    def minimizer(self):
        """``(a, a²)``, where ``f = 0``."""
        return np.array([self.a, self.a * self.a])

    @staticmethod
    def _check(params):
        try:
            p = np.asarray(params, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"params must be an array of numbers, got {type(params).__name__}") from None
        if p.shape[-1:] != (2,):
            raise ValueError(f"params must have last dimension 2 (x, y), got shape {p.shape}")
        return p[..., 0], p[..., 1]

    def value(self, params, batch=None):
        x, y = self._check(params)
        with np.errstate(over="ignore", invalid="ignore"):  # diverging runs give inf/NaN
            out = (self.a - x) ** 2 + self.b * (y - x * x) ** 2
        return float(out) if np.ndim(out) == 0 else out

    def grad(self, params, batch=None):
        x, y = self._check(params)
        with np.errstate(over="ignore", invalid="ignore"):
            r = y - x * x
            out = np.empty(np.broadcast_shapes(x.shape, y.shape) + (2,))
            out[..., 0] = -2.0 * (self.a - x) - 4.0 * self.b * x * r
            out[..., 1] = 2.0 * self.b * r
        return out

    def hessian(self, params):
        """Hessian at ``params``: shape ``(2, 2)``, or ``(..., 2, 2)`` for stacked points."""
        x, y = self._check(params)
        b = self.b
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.empty(x.shape + (2, 2))
            out[..., 0, 0] = 2.0 - 4.0 * b * (y - x * x) + 8.0 * b * x * x
            out[..., 0, 1] = out[..., 1, 0] = -4.0 * b * x
            out[..., 1, 1] = 2.0 * b
        return out

    def curvature(self, params):
        r"""Largest Hessian eigenvalue at ``params`` (the local stand-in for ``L``).

        For the symmetric 2×2 Hessian ``[[p, q], [q, r]]`` this is
        :math:`\tfrac{p + r}{2} + \sqrt{(\tfrac{p - r}{2})^2 + q^2}`.
        Returns a float for one point, an array for stacked points. It is
        never below ``2b`` (the Hessian's ``yy`` entry); the other eigenvalue
        can be negative, where ``f`` is not convex.

        >>> round(Rosenbrock().curvature(np.array([0.0, 0.0])), 6)
        200.0
        """
        h = self.hessian(params)
        p, q, r = h[..., 0, 0], h[..., 0, 1], h[..., 1, 1]
        with np.errstate(over="ignore", invalid="ignore"):
            out = 0.5 * (p + r) + np.hypot(0.5 * (p - r), q)
        return float(out) if np.ndim(out) == 0 else out
