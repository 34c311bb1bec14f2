"""The article's LR finder, transcribed to numpy with its bugs kept, for the lesson to take apart.

:func:`article_lr_finder` follows the control flow of the ``lr_finder``
function in the article (a Keras range test) line for line; only the Keras
calls are swapped for the lrlab interface:

* ``model.train_on_batch(X_batch, y_batch)`` becomes
  ``loss, grads = problem.value_and_grad(params, batch)`` followed by
  ``optimizer.step`` (Keras returns the batch loss computed *before* the
  weight update, as here), and the new weights are written back **into the
  arrays that were passed in**, the way Keras changes the model it is given;
* ``K.set_value(model.optimizer.learning_rate, lr)`` becomes ``optimizer.lr = lr``;
* ``len(X)`` becomes ``problem.n_samples`` and ``X[batch_idx]`` an index
  array handed to the problem;
* the ``matplotlib`` plot and the ``print`` are left out; the function
  returns the numbers it computed (an :class:`ArticleFinderResult`) instead
  of only ``best_lr``.

The suggestion step (moving average, ``np.gradient``, ``argmin``) is
:func:`article_suggestion`, so it can also be run on a curve with a known
answer. Use :mod:`lrlab.train.finder` for real work.

Bugs (each one is demonstrated in ``tests/test_finder.py``)
-------------------------------------------------------------
1. **Misaligned suggestion.** ``np.convolve(losses, ones(10)/10, 'valid')``
   returns ``n − 9`` values; value ``j`` averages losses ``j … j+9`` and so
   belongs to step ``j + 4.5``, yet the answer is read as ``lrs[best_idx]``.
   The suggested rate is the one about 4.5 steps *earlier* than the steepest
   point: too small by about ``lr_mult ** 4.5`` (4 or 5 ramp steps).
2. **The stop test ignores NaN.** ``loss > losses[0] * 10`` is False for a
   NaN loss, so a run whose loss turns into NaN never stops; the NaNs then
   reach the moving average, ``np.gradient`` and ``np.argmin`` (which returns
   the index of the first NaN), so the "suggestion" is the rate where the
   window first touches the blow-up.
3. **``break`` leaves only the batch loop.** With ``epochs > 1`` the next epoch
   starts anyway, at an even larger rate; the stop test then fires after its
   first batch (or never, by bug 2), so every further epoch takes another
   step at an exploding rate.
4. **The ramp is computed for the wrong number of steps.** ``num_batches =
   len(X) // batch_size * epochs`` rounds down, but the loop runs
   ``ceil(len(X) / batch_size)`` batches per epoch (the last one partial).
   The last rate used is ``end_lr · lr_mult ** (epochs·(ceil − floor) − 1)``:
   past ``end_lr`` for ``epochs ≥ 2`` when the batch size does not divide the
   data, one ramp step short of it when it does. Fewer than ``batch_size``
   samples make ``num_batches`` zero and the ramp a ``ZeroDivisionError``.
5. **A raw, single-point stop test.** The raw batch loss is compared with
   10 × the *first* batch loss: one unlucky batch can stop the test, while a
   loss that first fell far below the start can grow many times over its
   best value without stopping it (fastai and pytorch-lr-finder compare a
   smoothed loss with the best smoothed loss so far).
6. **Short runs give garbage.** When the test stops within its first 9 steps,
   ``np.convolve(..., 'valid')`` with a window longer than the data returns
   ``10 − n + 1`` sums of the *whole* curve instead of failing, and the
   "suggestion" is one of the first rates.
7. **The model is left trained and damaged.** The weights (and the
   optimizer's state and learning rate) are changed in place and never
   restored, so after the call the model sits at the exploded weights of the
   last step and the optimizer at the last, huge, learning rate.
8. **Not reproducible.** ``np.random.permutation`` draws from numpy's global
   random state, so two calls give different curves unless the caller seeds
   it.
9. **``np.gradient`` against the step index, not ``log(lr)``.** Slope per
   step instead of per decade. For this exponential ramp ``log lr`` is a
   linear function of the step, so the ``argmin`` is the same and this is
   harmless here; with any other ramp (linear, or uneven steps) it would
   not be.
10. ``batch_size`` is fixed at 32 and cannot be chosen.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class ArticleFinderResult(NamedTuple):
    """What the article's function computed on the way to ``best_lr``."""

    best_lr: float
    lrs: list
    losses: list
    smoothed: np.ndarray
    gradients: np.ndarray
    best_idx: int


def article_suggestion(lrs, losses):
    """The article's last four lines: 10-point moving average, slope, argmin, read off ``lrs``.

    Returns ``(best_lr, smoothed, gradients, best_idx)``. No checks, as in
    the article.
    """
    window = np.convolve(losses, np.ones(10) / 10, mode="valid")
    with np.errstate(invalid="ignore"):
        slope = np.gradient(window)  # per step, not per log10(lr)
    pick = np.argmin(slope)
    return lrs[pick], window, slope, pick


def _write_back(params, new):
    """Keras updates the model's weights in place; so does this transcription."""
    if isinstance(params, dict):
        for key in params:
            params[key][...] = new[key]
    else:
        params[...] = new


def article_lr_finder(problem, optimizer, params, start_lr=1e-7, end_lr=1, epochs=1):
    """The article's ``lr_finder`` (see the module docstring for what was swapped and the bugs).

    ``problem`` must be a data problem (it needs ``n_samples``); ``params``
    (an array or dict of arrays) is trained **in place**, and ``optimizer``
    is used and left as it ends, just as the article does with its model.
    """
    bs = 32  # fixed, as in the article
    planned = problem.n_samples // bs * epochs  # rounds down (bug 4)
    factor = (end_lr / start_lr) ** (1 / planned)

    rates, history = [], []
    optimizer.lr = start_lr
    rate = start_lr

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(epochs):
            order = np.random.permutation(problem.n_samples)  # global random state (bug 8)
            for first in range(0, problem.n_samples, bs):  # ceil(n / bs) batches (bug 4)
                rows = order[first:first + bs]
                # Keras train_on_batch: the loss before the update, then one optimizer step
                loss, grads = problem.value_and_grad(params, rows)
                _write_back(params, optimizer.step(params, grads))  # in place, never undone (bug 7)
                rates.append(rate)
                history.append(loss)
                rate *= factor
                optimizer.lr = rate
                if loss > history[0] * 10:  # raw loss vs the first one; False for NaN (bugs 2, 5)
                    break  # leaves the batch loop only (bug 3)
        best_lr, window, slope, pick = article_suggestion(rates, history)
    return ArticleFinderResult(float(best_lr), rates, history, window, slope, int(pick))
