r"""The learning-rate range test ("LR finder") and the rules that read its curve.

The test (Leslie Smith, 2015; popularised by fastai) trains from a fixed
start while the learning rate grows geometrically, one value per step, from
``start_lr`` to ``end_lr``:

.. math::
    \eta_i = \eta_{start}\,\Big(\frac{\eta_{end}}{\eta_{start}}\Big)^{i/(N-1)},
    \qquad i = 0, \dots, N-1,

so the first step uses exactly ``start_lr`` and the last exactly ``end_lr``
(like pytorch-lr-finder; fastai's ramp divides by ``N`` instead and stops one
factor short of ``end_lr``). The loss recorded at step ``i`` is the loss of
that step's batch at the parameters *before* the update made with
:math:`\eta_i` (what the forward pass of a training step sees, as in fastai
and pytorch-lr-finder). Plotting loss against :math:`\log\eta` shows a flat
start (rate too small to matter), a descent, and a blow-up once the rate is
too large; :func:`lr_range_test` runs it and the suggestion rules
(:data:`SUGGESTIONS`) turn the curve into one number.

Smoothing and the stop rule
    Two conventions, chosen with ``smoothing``:

    ``"fastai"`` — exponential moving average with bias correction,
    :math:`a_i = \beta a_{i-1} + (1-\beta)\ell_i` (:math:`a_{-1} = 0`,
    :math:`\beta = 0.98`) and :math:`s_i = a_i / (1 - \beta^{i+1})`; stop when
    :math:`s_i > 4 \min_{j \le i} s_j`.

    ``"pytorch-lr-finder"`` — :math:`s_0 = \ell_0`,
    :math:`s_i = 0.05\,\ell_i + 0.95\,s_{i-1}` (no bias correction); stop
    when :math:`s_i > 5 \min_{j \le i} s_j`.

    ``diverge_factor`` replaces the 4 or the 5. A non-finite loss always stops
    the test. The step that triggers the stop is recorded, then the test ends.
    The ratio test assumes positive losses (all lrlab losses are ≥ 0).

    An exponential moving average *lags*: on a falling curve the smoothed
    value at step ``i`` still remembers older, higher losses, so the smoothed
    curve falls fastest some steps *after* the raw one (up to about
    :math:`\beta/(1-\beta)` = 49 steps for fastai's β). Rules applied to the
    smoothed curve (the default, as in fastai and pytorch-lr-finder) inherit
    that shift; ``FinderResult.suggest(rule, curve="raw")`` reads the raw
    losses instead, which is exact for noise-free curves.

Differences from fastai's ``lr_find`` and pytorch-lr-finder
    * The ramp ends exactly at ``end_lr`` (fastai's stops one factor short).
    * The test runs on a deep copy of the optimizer and a copy of the
      parameters instead of saving and restoring them; nothing passed in changes.
    * Only the default rate (``optimizer.lr``) is ramped; parameter groups
      that set their own ``lr`` keep it (fastai ramps every group).
    * Both smoothing conventions are available, and the raw losses are kept
      next to the smoothed ones.

Suggestion rules
    Every rule has the same signature ``rule(lrs, losses) -> lr`` (fastai's
    ``SuggestionMethod`` idea), so they can be listed, compared and plotted
    side by side: :func:`steepest`, :func:`minimum_over_10`, :func:`valley`,
    collected in :data:`SUGGESTIONS`.

>>> from lrlab.problems import Quadratic1D
>>> from lrlab.optim.optimizers import SGD
>>> res = lr_range_test(Quadratic1D(a=2.0), SGD(lr=0.1), start_lr=1e-4, end_lr=10.0, num_steps=60)
>>> res.stopped_early, bool(res.lrs[res.stop_step] > 1.0)      # blew up past 2/L = 1
(True, True)
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from lrlab import _validate as v
from lrlab.train.engine import batch_stream, check_run_args, copy_params

#: The two smoothing conventions: name -> (description, default stop factor).
SMOOTHING = {
    "fastai": ("EMA beta=0.98 with bias correction", 4.0),
    "pytorch-lr-finder": ("s = 0.05·loss + 0.95·s_prev, s_0 = loss_0", 5.0),
}
FASTAI_BETA = 0.98
PYTORCH_SMOOTH_F = 0.05


# --------------------------------------------------------------------------- smoothing
class _Smoother:
    """Online version of :func:`smooth` (one loss in, one smoothed value out)."""

    def __init__(self, method):
        self.method = method
        self.count = 0
        self.avg = 0.0

    def update(self, loss):
        with np.errstate(over="ignore", invalid="ignore"):
            if self.method == "fastai":
                self.avg = FASTAI_BETA * self.avg + (1.0 - FASTAI_BETA) * loss
                self.count += 1
                return self.avg / (1.0 - FASTAI_BETA ** self.count)
            if self.count == 0:
                self.avg = loss
            else:
                self.avg = PYTORCH_SMOOTH_F * loss + (1.0 - PYTORCH_SMOOTH_F) * self.avg
            self.count += 1
            return self.avg


def smooth(losses, method="fastai") -> np.ndarray:
    r"""Smooth a loss curve the way the LR finder does (see the module docstring).

    ``losses`` is a 1-D sequence of at least one number; non-finite values are
    allowed and propagate (every later smoothed value is then non-finite).

    >>> smooth([2.0, 2.0, 2.0]).round(12).tolist()       # bias correction: a constant stays put
    [2.0, 2.0, 2.0]
    >>> smooth([0.0, 1.0, 1.0], "pytorch-lr-finder").round(4).tolist()
    [0.0, 0.05, 0.0975]
    """
    method = v.choice("method", method, SMOOTHING)
    losses = v.array("losses", losses, ndim=1, min_size=1, finite=False)
    s = _Smoother(method)
    return np.array([s.update(float(x)) for x in losses])


# --------------------------------------------------------------------------- suggestion rules
def _check_curve(lrs, losses):
    """The checks every suggestion rule makes (the public boundary of each rule)."""
    lrs = v.array("lrs", lrs, ndim=1, min_size=3)
    losses = v.array("losses", losses, ndim=1, min_size=3)
    if lrs.size != losses.size:
        raise ValueError(f"lrs and losses must have the same length, got {lrs.size} and {losses.size}")
    if np.any(lrs <= 0):
        raise ValueError(f"lrs must all be > 0, got a minimum of {lrs.min()!r}")
    if np.any(np.diff(lrs) <= 0):
        raise ValueError("lrs must be strictly increasing")
    return lrs, losses


def steepest(lrs, losses) -> float:
    r"""The learning rate where the loss falls fastest against :math:`\log_{10}\eta`.

    The slope at every point is ``np.gradient(losses, log10(lrs))`` (central
    differences, one-sided at the two ends), so slope ``i`` belongs to
    ``lrs[i]``: the answer is ``lrs[argmin(slope)]``, with no index shift.
    fastai's ``steep`` uses forward differences and so reports the left end of
    the steepest segment.

    ``lrs``: 1-D, positive, strictly increasing; ``losses``: same length,
    finite; at least 3 points.

    >>> lrs = np.geomspace(1e-4, 1.0, 9)
    >>> float(steepest(lrs, [5, 5, 5, 4, 2.5, 1, 1, 1, 1]))  # the drop is centred on lrs[4]
    0.01
    """
    lrs, losses = _check_curve(lrs, losses)
    slope = np.gradient(losses, np.log10(lrs))
    return float(lrs[int(np.argmin(slope))])


def minimum_over_10(lrs, losses) -> float:
    """One tenth of the learning rate at the lowest loss (fastai's ``minimum``).

    Same inputs as :func:`steepest`.

    >>> float(minimum_over_10([0.01, 0.1, 1.0], [3.0, 1.0, 9.0]))
    0.01
    """
    lrs, losses = _check_curve(lrs, losses)
    return float(lrs[int(np.argmin(losses))] / 10.0)


def _longest_decrease(losses):
    """``run[i]``: length of the longest strictly decreasing subsequence ending at ``i`` (O(n²))."""
    run = np.ones(losses.size, dtype=int)
    for i in range(1, losses.size):
        higher_before = losses[:i] > losses[i]
        if higher_before.any():
            run[i] = run[:i][higher_before].max() + 1
    return run


def valley(lrs, losses) -> float:
    r"""fastai's "valley" rule: a learning rate inside the longest descent of the curve.

    1. For every point ``i`` find the length ``run[i]`` of the longest
       strictly decreasing subsequence of ``losses`` ending there (a
       descent that may step over small bumps; O(n²) dynamic programme).
    2. The valley ends at the first point with the longest run, ``end``, and
       is taken to start at ``start = end − run[end]`` (fastai's convention:
       one point before the run's first point when the run is contiguous).
    3. The answer is ``lrs[start + ⌊ℓ/3⌋ + ⌊ℓ/6⌋]`` with ``ℓ = end − start``:
       about halfway down the valley (fastai describes this as between its
       first and second third).

    Difference from fastai: when the index would be negative (no two losses
    decrease, or a valley of length 2 starting at the first point) fastai's
    list indexing wraps round to the *largest* rate; here it is clipped to
    ``lrs[0]``, the most cautious choice.

    Same inputs as :func:`steepest`.

    >>> lrs = 10.0 ** np.arange(-4, 4)
    >>> valley(lrs, [8, 7, 6, 5, 4, 3, 9, 12])   # run of 6 ends at 5: start −1, index −1 + 2 + 1
    0.01
    """
    lrs, losses = _check_curve(lrs, losses)
    run = _longest_decrease(losses)
    end = int(np.argmax(run))
    start = end - int(run[end])
    length = end - start
    idx = max(start + int(length / 3) + int(length / 6), 0)
    return float(lrs[idx])


#: The suggestion rules by name, all ``rule(lrs, losses) -> lr``.
SUGGESTIONS = {"steepest": steepest, "minimum/10": minimum_over_10, "valley": valley}


# --------------------------------------------------------------------------- the range test
@dataclass(frozen=True)
class FinderResult:
    """The record of one range test.

    Attributes
    ----------
    lrs : ndarray
        Learning rate of every step taken (ends at ``end_lr``, or where the test stopped).
    losses : ndarray
        Raw loss at each step (the batch loss before that step's update).
    smoothed : ndarray
        The smoothed losses the stop rule looked at.
    stopped_early : bool
        Whether the stop rule fired (the loss diverged or became non-finite).
    stop_step : int or None
        Index of the step that fired it (the last one recorded), or None when
        the test ran all ``num_steps`` steps without it firing.
    smoothing : str
    diverge_factor : float
        The stop factor that was used.
    num_steps : int
        The planned number of steps (``len(lrs)`` is smaller after a stop).
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    stopped_early: bool
    stop_step: int | None
    smoothing: str
    diverge_factor: float
    num_steps: int

    def curve(self, curve="smoothed", *, skip_start=None, skip_end=None):
        """``(lrs, losses)`` for a rule: the finite part of the chosen curve, trimmed.

        ``curve`` is ``"smoothed"`` (default) or ``"raw"``. Points from the
        first non-finite value on are dropped, then ``skip_start`` points from
        the front and ``skip_end`` from the back. The defaults are fastai's:
        ``num_steps // 10`` and 5 (the first few smoothed values average only
        a handful of noisy losses; the last few are the blow-up). Pass 0 to
        keep everything.
        """
        v.choice("curve", curve, ("smoothed", "raw"))
        skip_start = self.num_steps // 10 if skip_start is None else v.integer("skip_start", skip_start, low=0)
        skip_end = 5 if skip_end is None else v.integer("skip_end", skip_end, low=0)
        ys = self.smoothed if curve == "smoothed" else self.losses
        bad = np.flatnonzero(~np.isfinite(ys))
        stop = (int(bad[0]) if bad.size else ys.size) - skip_end
        return self.lrs[skip_start:max(stop, 0)].copy(), ys[skip_start:max(stop, 0)].copy()

    def suggest(self, rule="valley", *, curve="smoothed", skip_start=None, skip_end=None) -> float:
        """Apply a suggestion rule (a name in :data:`SUGGESTIONS` or a callable) to :meth:`curve`.

        Raises ``ValueError`` when fewer than 3 points remain after trimming.
        """
        if isinstance(rule, str):
            rule = SUGGESTIONS[v.choice("rule", rule, SUGGESTIONS)]
        elif not callable(rule):
            raise TypeError(f"rule must be a name in {list(SUGGESTIONS)} or a callable "
                            f"(lrs, losses) -> lr, got {type(rule).__name__}")
        lrs, losses = self.curve(curve, skip_start=skip_start, skip_end=skip_end)
        if lrs.size < 3:
            raise ValueError(f"only {lrs.size} point(s) of the {curve} curve are left after dropping "
                             "non-finite values and trimming; a suggestion needs at least 3 "
                             "(use more steps, a lower start_lr, or smaller skip_start/skip_end)")
        return float(rule(lrs, losses))

    def suggestions(self, *, curve="smoothed", skip_start=None, skip_end=None) -> dict:
        """Every rule in :data:`SUGGESTIONS` applied to the same curve: ``{name: lr}``."""
        return {name: self.suggest(name, curve=curve, skip_start=skip_start, skip_end=skip_end)
                for name in SUGGESTIONS}


def lr_range_test(problem, optimizer, *, start_lr=1e-7, end_lr=10.0, num_steps=100, batch_size=None,
                  params=None, smoothing="fastai", diverge_factor=None, seed=0) -> FinderResult:
    """Run the learning-rate range test and return a :class:`FinderResult`.

    Parameters
    ----------
    problem : Problem
    optimizer : lrlab optimizer instance (e.g. ``SGD(lr=0.1)``)
        Its settings (momentum, betas, ...) are used; its ``lr`` is ignored.
        The test runs on a deep copy, so the optimizer you pass keeps its
        state (torch's finders instead save and restore the optimizer's
        ``state_dict``; a copy gets the same effect without a reset step).
    start_lr, end_lr : float, 0 < start_lr < end_lr
    num_steps : int >= 3
        Number of steps (= learning rates) in the ramp.
    batch_size : int, optional
        Minibatch size for data problems (``None``: full batch). Batches come
        from ``problem.batches`` in shuffled epochs drawn from ``seed``, in the
        same way as :func:`lrlab.train.engine.train`.
    params : optional
        Starting parameters (copied, never modified); default
        ``problem.initial_params(seed)``.
    smoothing : "fastai" or "pytorch-lr-finder"
    diverge_factor : float > 1, optional
        Stop when the smoothed loss exceeds this multiple of the best smoothed
        loss so far (default 4 for fastai, 5 for pytorch-lr-finder).
    seed : int
        Seeds the default parameters and the batch order; the run is
        deterministic given it.

    Nothing passed in is changed: not ``params``, not ``optimizer``, not
    ``problem``.
    """
    batch_size = check_run_args(problem, optimizer, batch_size)
    start_lr = v.positive("start_lr", start_lr)
    end_lr = v.positive("end_lr", end_lr)
    if end_lr <= start_lr:
        raise ValueError(f"end_lr must be > start_lr ({start_lr!r}), got {end_lr!r}")
    num_steps = v.integer("num_steps", num_steps, low=3)
    smoothing = v.choice("smoothing", smoothing, SMOOTHING)
    factor = (SMOOTHING[smoothing][1] if diverge_factor is None
              else v.real("diverge_factor", diverge_factor, low=1.0, low_open=True))
    gen = v.rng("seed", seed)
    params = problem.initial_params(seed) if params is None else copy_params(params)
    opt = copy.deepcopy(optimizer)

    ramp = np.geomspace(start_lr, end_lr, num_steps)
    losses = np.full(num_steps, np.nan)
    smoothed = np.full(num_steps, np.nan)
    smoother = _Smoother(smoothing)
    best = np.inf
    stop_step = None

    batches = batch_stream(problem, batch_size, gen)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i, lr in enumerate(ramp):
            if batches is None:
                loss, grads = problem.value_and_grad(params)
            else:
                loss, grads = problem.value_and_grad(params, next(batches))
            loss = float(loss)
            losses[i] = loss
            s = smoother.update(loss)
            smoothed[i] = s
            if not (np.isfinite(loss) and np.isfinite(s)):
                stop_step = i
                break
            best = min(best, s)
            if s > factor * best:
                stop_step = i
                break
            opt.lr = float(lr)
            params = opt.step(params, grads)
    n = num_steps if stop_step is None else stop_step + 1
    return FinderResult(lrs=ramp[:n].copy(), losses=losses[:n], smoothed=smoothed[:n],
                        stopped_early=stop_step is not None, stop_step=stop_step,
                        smoothing=smoothing, diverge_factor=factor, num_steps=num_steps)
