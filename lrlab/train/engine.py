"""Training runs: one optimizer on one problem, or a whole sweep of learning rates at once.

``train`` drives any lrlab optimizer (and optionally a schedule) on any
problem and returns a :class:`History`. ``sweep`` runs plain gradient descent
(optionally with torch-style momentum) on a quadratic for many learning rates
in a single vectorised numpy pass and returns a :class:`Sweep`; the sliders
and the Goldilocks-zone plots are built on it.

Divergence
    A run has diverged at step ``k`` when its loss after ``k`` steps is
    non-finite or larger than ``max_loss``. The default ``max_loss`` is
    ``1e6 × max(initial loss, 1)``: a run that made its loss a million times
    worse is not coming back. The run stops there: later losses are NaN.
    Overflow on the way is expected and handled, so numpy prints no warnings.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from lrlab import _validate as v
from lrlab.problems.base import Problem
from lrlab.problems.quadratic import Quadratic1D, QuadraticND
from lrlab._cache import cached

_DEFAULT_BLOWUP = 1e6
_BLOCK = 64  # steps per numpy call in the 1-D sweep


def default_max_loss(initial_loss: float) -> float:
    """The loss above which a run counts as diverged: ``1e6 × max(|initial loss|, 1)``."""
    return _DEFAULT_BLOWUP * max(abs(float(initial_loss)), 1.0)


@dataclass
class History:
    """What happened in one training run.

    Attributes
    ----------
    losses : ndarray, shape (steps + 1,)
        Loss at the start (index 0) and after each step, on the full objective
        (all training data for data problems). NaN after divergence.
    lrs : ndarray, shape (steps,)
        Learning rate used at each step.
    diverged_at : int or None
        First step after which the loss was non-finite or above ``max_loss``.
    final_params
        Parameters at the end (or at divergence).
    params : list or ndarray or None
        Parameters at the start and after each step, when recorded.
    batch_losses : ndarray or None
        Minibatch loss seen at each step (data problems with ``batch_size``).
    """

    losses: np.ndarray
    lrs: np.ndarray
    diverged_at: int | None
    final_params: object
    params: object = None
    batch_losses: np.ndarray | None = None
    max_loss: float = field(default=np.inf)

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def steps(self) -> int:
        return len(self.lrs)

    @property
    def final_loss(self) -> float:
        """Loss after the last step (NaN if the run diverged)."""
        return float(self.losses[-1])

    def steps_to(self, tol) -> int | None:
        """First step at which the loss is ≤ ``tol``, or None if it never gets there."""
        tol = v.real("tol", tol)
        hits = np.flatnonzero(self.losses <= tol)
        return int(hits[0]) if hits.size else None


def rate_times_curvature(problem, history) -> np.ndarray:
    """``lr_k · curvature(params_k)`` at every step ``k`` a run took before it diverged.

    Lesson 02's stability rule, applied where the curvature changes from place to place: a
    gradient step overshoots the local minimum along the steepest direction when this product
    is above 2. ``problem`` needs a ``curvature(params)`` method (e.g.
    :class:`~lrlab.problems.Rosenbrock`); ``history`` comes from :func:`train` with
    ``record_params=True``.

    >>> from lrlab.optim.optimizers import SGD
    >>> from lrlab.problems import Rosenbrock
    >>> wall = Rosenbrock(x0=(2.0, 0.0))
    >>> run = train(wall, SGD(lr=1e-4), 3, record_params=True)
    >>> rate_times_curvature(wall, run).round(3)
    array([0.494, 0.349, 0.277])
    """
    if not callable(getattr(problem, "curvature", None)):
        raise TypeError(f"problem must have a curvature(params) method, got {type(problem).__name__}")
    if not isinstance(history, History):
        raise TypeError(f"history must be an lrlab.train.engine.History from train(), got {type(history).__name__}")
    if history.params is None:
        raise ValueError("history has no recorded parameters: run train(..., record_params=True)")
    n = history.steps if history.diverged_at is None else history.diverged_at
    points = np.asarray(history.params[:n], dtype=float)
    return history.lrs[:n] * np.asarray(problem.curvature(points), dtype=float).reshape(n)


def copy_params(params):
    """A float64 copy of an array or of a dict of arrays (runs never modify what they were given)."""
    if isinstance(params, dict):
        return {k: np.array(a, dtype=np.float64) for k, a in params.items()}
    return np.array(params, dtype=np.float64)


def _check_problem(problem):
    if not isinstance(problem, Problem):
        raise TypeError(f"problem must be an lrlab Problem (e.g. Quadratic1D()), got {type(problem).__name__}")


def check_run_args(problem, optimizer, batch_size):
    """The argument checks ``train`` and the LR finder share; returns the validated ``batch_size``."""
    _check_problem(problem)
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "lr")):
        raise TypeError("optimizer must have a step(params, grads) method and an lr attribute "
                        f"(e.g. lrlab.optim.optimizers.SGD(lr=0.1)), got {type(optimizer).__name__}")
    if batch_size is not None:
        batch_size = v.integer("batch_size", batch_size, low=1)
        if problem.n_samples is None:
            raise ValueError(f"batch_size is only for problems with data; {problem.name} has none")
    return batch_size


def batch_stream(problem, batch_size, gen):
    """Endless minibatches: shuffled epochs of ``problem.batches``; None for full-batch runs."""
    if batch_size is None:
        return None

    def epochs():
        while True:
            yield from problem.batches(batch_size, gen)

    return epochs()


@cached
def train(problem, optimizer, steps, *, schedule=None, batch_size=None, seed=0, params=None,
          record_params=False, max_loss=None) -> History:
    """Run ``optimizer`` on ``problem`` for ``steps`` steps and return a :class:`History`.

    Parameters
    ----------
    problem : Problem
    optimizer : lrlab optimizer
        Anything with ``step(params, grads) -> params`` and a settable ``lr``.
        It is used as given (its state advances); pass a fresh one per run.
    steps : int >= 1
    schedule : callable ``step -> lr``, optional
        Sets ``optimizer.lr`` before each step (0-based).
    batch_size : int, optional
        Minibatch size for data problems (``None``: full batch). Batches come
        from ``problem.batches`` in shuffled epochs drawn from ``seed``.
    seed : int
        Seeds the initial parameters (when ``params`` is None) and the batches.
    params : optional
        Starting parameters (copied, never modified); default
        ``problem.initial_params(seed)``.
    record_params : bool
        Keep the parameters after every step in ``History.params``.
    max_loss : float, optional
        Divergence threshold (see the module docstring for the default).

    >>> from lrlab.problems import Quadratic1D
    >>> from lrlab.optim.optimizers import SGD
    >>> h = train(Quadratic1D(), SGD(lr=0.1), 50)
    >>> round(h.final_loss, 12) < 1e-8
    True
    """
    batch_size = check_run_args(problem, optimizer, batch_size)
    steps = v.integer("steps", steps, low=1)
    if schedule is not None and not callable(schedule):
        raise TypeError(f"schedule must be a callable step -> lr, got {type(schedule).__name__}")
    gen = v.rng("seed", seed)
    params = problem.initial_params(seed) if params is None else copy_params(params)
    if max_loss is not None:
        max_loss = v.positive("max_loss", max_loss)

    losses = np.full(steps + 1, np.nan)
    lrs = np.full(steps, np.nan)
    batch_losses = np.full(steps, np.nan) if batch_size is not None else None
    trajectory = [copy_params(params)] if record_params else None
    diverged_at = None

    batches = batch_stream(problem, batch_size, gen)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        loss = float(problem.value(params))
        losses[0] = loss
        limit = default_max_loss(loss) if max_loss is None else max_loss
        if not np.isfinite(loss):
            raise ValueError("the initial loss is not finite; check params")
        for k in range(steps):
            if schedule is not None:
                optimizer.lr = schedule(k)
            # lrlab optimizers resolve a callable lr themselves; record the rate actually used.
            lrs[k] = optimizer.get_lr() if hasattr(optimizer, "get_lr") else optimizer.lr
            if batches is None:
                grads = problem.grad(params)
            else:
                batch = next(batches)
                batch_losses[k], grads = problem.value_and_grad(params, batch)
            params = optimizer.step(params, grads)
            loss = float(problem.value(params))
            losses[k + 1] = loss
            if record_params:
                trajectory.append(copy_params(params))
            if not np.isfinite(loss) or loss > limit:
                diverged_at = k + 1
                break
    if record_params and not isinstance(params, dict):
        trajectory = np.array(trajectory)
    return History(losses=losses, lrs=lrs, diverged_at=diverged_at, final_params=params,
                   params=trajectory, batch_losses=batch_losses, max_loss=limit)


@dataclass
class Sweep:
    """Gradient descent on one quadratic for many learning rates, run together.

    Attributes
    ----------
    lrs : ndarray, shape (n,)
    losses : ndarray, shape (n, steps + 1)
        Loss at the start and after each step for each rate; NaN after divergence.
    diverged_at : ndarray of int, shape (n,)
        Step at which each run diverged, -1 where it never did.
    final_params : ndarray, shape (n, dim)
        Parameters after the last step (NaN for diverged runs).
    params : ndarray, shape (n, steps + 1, dim), or None
        Whole trajectories, when recorded (for ``dim == 1`` the last axis is kept).
    momentum, nesterov, max_loss
        The settings the sweep ran with.
    """

    lrs: np.ndarray
    losses: np.ndarray
    diverged_at: np.ndarray
    final_params: np.ndarray
    params: np.ndarray | None
    momentum: float
    nesterov: bool
    max_loss: float

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0

    @property
    def final_loss(self) -> np.ndarray:
        return self.losses[:, -1]

    def steps_to(self, tol) -> np.ndarray:
        """Per rate, the first step with loss ≤ ``tol``; -1 where never reached."""
        tol = v.real("tol", tol)
        with np.errstate(invalid="ignore"):
            hit = self.losses <= tol
        first = hit.argmax(axis=1)
        return np.where(hit.any(axis=1), first, -1)

    def history(self, i) -> History:
        """Run ``i`` of the sweep as a :class:`History`."""
        i = v.integer("i", i, low=-len(self.lrs), high=len(self.lrs) - 1)
        steps = self.losses.shape[1] - 1
        d = int(self.diverged_at[i])
        return History(losses=self.losses[i].copy(), lrs=np.full(steps, self.lrs[i]),
                       diverged_at=None if d < 0 else d, final_params=self.final_params[i].copy(),
                       params=None if self.params is None else self.params[i].copy(),
                       max_loss=self.max_loss)


@cached
def sweep(problem, lrs, steps, *, x0=None, momentum=0.0, nesterov=False, max_loss=None,
          record_params=False) -> Sweep:
    """Gradient descent on a quadratic for every learning rate in ``lrs`` at once.

    The update is torch's SGD: with ``momentum`` β the buffer is
    ``b ← β·b + g`` (``b = g`` on the first step) and the step is
    ``x ← x − lr·b`` (``x ← x − lr·(g + β·b)`` with ``nesterov``); β = 0 is
    plain gradient descent ``x ← x − lr·∇f(x)``. All rates advance together,
    one numpy operation per step for the whole sweep; a rate whose loss blows
    up is frozen at NaN from then on (see the module docstring).

    Parameters
    ----------
    problem : Quadratic1D or QuadraticND
    lrs : float or 1-D array of floats > 0
    steps : int >= 1
    x0 : float or array, optional
        Start point (default: the problem's ``x0``).

    >>> from lrlab.problems import Quadratic1D
    >>> s = sweep(Quadratic1D(), [0.001, 0.1, 1.1], 50)
    >>> s.diverged.tolist()
    [False, False, True]
    """
    if not isinstance(problem, (Quadratic1D, QuadraticND)):
        raise TypeError("sweep runs on Quadratic1D or QuadraticND problems (use train for others), "
                        f"got {type(problem).__name__}")
    lrs = np.atleast_1d(v.array("lrs", lrs, ndim=(0, 1), min_size=1))
    if np.any(lrs <= 0):
        raise ValueError(f"lrs must all be > 0, got a minimum of {lrs.min()!r}")
    steps = v.integer("steps", steps, low=1)
    momentum = v.real("momentum", momentum, low=0.0, high=1.0, high_open=True)
    if not isinstance(nesterov, bool):
        raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
    if nesterov and momentum == 0.0:
        raise ValueError("nesterov=True needs momentum > 0")
    dim = problem.dim
    start = problem.initial_params() if x0 is None else v.array("x0", x0, ndim=(0, 1)).reshape(-1)
    if start.size != dim:
        raise ValueError(f"x0 must have {dim} value(s) for this problem, got {start.size}")
    n = lrs.size
    one_d = isinstance(problem, Quadratic1D)
    initial_loss = float(problem.value(start))
    limit = default_max_loss(initial_loss) if max_loss is None else v.positive("max_loss", max_loss)

    # Work in coordinates centred on the minimiser: d = x − x*, ∇f = A d.
    centre = problem.minimizer
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        if one_d and momentum == 0.0:
            losses, path = _plain_1d(problem.a, start[0] - centre[0], lrs, steps, record_params)
        else:
            losses, path = _general(problem, start - centre, lrs, steps, momentum, nesterov,
                                    record_params)
        # Overflow is left to run its course (inf stays inf, ∞ − ∞ gives NaN) and
        # divergence is found afterwards: the first step whose loss is not <= limit.
        diverged_at = _first_over(losses, limit, monotone=one_d and momentum == 0.0)
    gone = np.flatnonzero(diverged_at >= 0)
    for i in gone:
        k = diverged_at[i]
        if not np.isfinite(losses[k, i]):
            losses[k, i] = np.inf
        losses[k + 1:, i] = np.nan
    if one_d:
        final = path[-1][:, None] + centre if record_params else None
    if record_params:
        params = (path[..., None] if one_d else path) + centre
        params = params.transpose(1, 0, 2)
        for i in gone:
            params[i, diverged_at[i] + 1:] = np.nan
        final = params[:, -1].copy()
    else:
        params = None
        last = path if not one_d else path[:, None]
        final = last + centre
    final[gone] = np.nan
    return Sweep(lrs=lrs, losses=losses.T, diverged_at=diverged_at, final_params=final,
                 params=params, momentum=momentum, nesterov=nesterov, max_loss=limit)


def _plain_1d(a, d0, lrs, steps, record):
    """1-D gradient descent without momentum: each step multiplies d by q = 1 − lr·a.

    The iterates are written straight into the output buffer in blocks of
    ``_BLOCK`` steps, ``d[t+j] = d[t]·q^j``, using a table of powers of q built by
    repeated multiplication; so a whole sweep costs a few dozen numpy calls
    instead of one per step. Returns ``(losses (steps+1, n), path)`` where
    ``path`` is the whole trajectory of d when ``record`` is set, the final d
    otherwise.
    """
    q = 1.0 - lrs * a
    scale = np.sqrt(0.5 * a)  # track s = √(a/2)·d, so that the loss is simply s²
    rows = np.empty((steps + 1, lrs.size))
    rows[0] = scale * d0
    if d0 == 0.0:  # at the minimum already: stays there whatever the rate (avoid 0·∞)
        rows[1:] = 0.0
    else:
        block = min(steps, _BLOCK)
        powers = np.empty((block, lrs.size))
        powers[0] = q
        for j in range(1, block):
            np.multiply(powers[j - 1], q, out=powers[j])
        t = 0
        while t < steps:
            b = min(block, steps - t)
            np.multiply(powers[:b], rows[t], out=rows[t + 1:t + 1 + b])
            t += b
    path = rows / scale if record else rows[-1] / scale
    np.square(rows, out=rows)
    return rows, path


def _general(problem, d0, lrs, steps, momentum, nesterov, record):
    """Torch-style SGD with momentum (or n-D plain GD) for every rate, one pass."""
    one_d = isinstance(problem, Quadratic1D)
    n = lrs.size
    A = np.array([[problem.a]]) if one_d else problem.A
    d = np.tile(np.atleast_1d(d0), (n, 1))
    step_lrs = lrs[:, None]
    losses = np.empty((steps + 1, n))
    losses[0] = 0.5 * np.einsum("ij,ij->i", d @ A, d)
    path = np.empty((steps + 1, n, d.shape[1])) if record else None
    if record:
        path[0] = d
    buf = None
    grad = np.empty_like(d)
    tmp = np.empty_like(d)
    for t in range(steps):
        np.matmul(d, A, out=grad)
        if momentum == 0.0:
            direction = grad
        else:
            if buf is None:
                buf = grad.copy()
            else:
                np.multiply(buf, momentum, out=buf)
                np.add(buf, grad, out=buf)
            if nesterov:
                np.multiply(buf, momentum, out=tmp)
                np.add(tmp, grad, out=tmp)
                direction = tmp
            else:
                direction = buf
        np.multiply(direction, step_lrs, out=grad)
        np.subtract(d, grad, out=d)
        np.matmul(d, A, out=grad)
        np.einsum("ij,ij->i", grad, d, out=losses[t + 1])
        if record:
            path[t + 1] = d
    losses[1:] *= 0.5
    if record:
        return losses, (path[..., 0] if one_d else path)
    return losses, (d[:, 0] if one_d else d)


def _first_over(losses, limit, monotone=False):
    """Per column of ``losses`` (steps+1, n): first row whose value is not <= limit, or -1.

    ``monotone``: every column is known to be monotone (plain gradient descent in 1-D:
    |d| is multiplied by the same |q| each step), so only the last row needs screening.
    """
    n = losses.shape[1]
    out = np.full(n, -1)
    # Cheap screen on the last row: a run that ends over the limit (or at NaN) diverged;
    # the full scan below is only needed for the columns that could have gone over and come back.
    suspects = ~(losses[-1] <= limit)
    if not monotone and not suspects.all():
        # Runs that end under the limit may still have crossed it on the way (momentum can
        # overshoot transiently): check their maxima in one pass.
        peak = np.max(losses, axis=0, initial=-np.inf, where=~np.isnan(losses))
        suspects |= ~(peak <= limit)
    cols = np.flatnonzero(suspects)
    if cols.size:
        bad = ~(losses[:, cols] <= limit)
        out[cols] = np.where(bad.any(axis=0), bad.argmax(axis=0), -1)
    return out
