r"""Reading a loss curve: is the learning rate too small, good, or too large?

:func:`diagnose` looks at one loss history (loss at the start and after each
step, as :class:`lrlab.train.engine.History` records it) and returns a
:class:`Diagnosis`: one label from :data:`LABELS`, the remedy from
:data:`REMEDIES`, and the numbers it based the decision on.

Every label has a classifier with the same signature ``(losses) -> bool``
(:data:`CLASSIFIERS`), so they can be listed and tried one by one; the
measures behind them come from :func:`measures`. :func:`diagnose` asks the
classifiers in the order of :data:`LABELS` and returns the first that says
yes (``"good"`` is what is left).

The measures
    Write :math:`\ell_0` for the first loss and split the history into
    quarters. ``end`` is the median of the last quarter and ``q3`` the median
    of the third (medians, so one noisy value cannot decide).

    * ``drop = (ℓ₀ − end) / ℓ₀``: the fraction of the starting loss removed.
    * ``tail_share = (q3 − end) / (ℓ₀ − end)``: how much of the whole
      decrease was still happening at the end. A curve that has bent over
      and flattened has a small share; a curve still falling at a steady
      pace (a rate too small to finish) a large one. For an exponential
      decay :math:`e^{-rk}` over :math:`n` steps the share is 0.14 at
      :math:`rn = 2`, 0.03 at :math:`rn ≈ 5` and 0.01 at :math:`rn ≈ 7`.
    * ``late_progress = (q3 − end) / end``: the last quarter's improvement
      relative to where the loss now is (0 or below: stalled).
    * ``rebound``: over the second half, the mean of
      :math:`\max(\log \ell_{k+1} - \log \ell_k, 0)`, the average upward jump
      per step in log units (0.05 ≈ the loss climbs back 5 % per step on
      average). A curve that only goes down has 0. Losses below
      :math:`10^{-12}\ell_0` count as :math:`10^{-12}\ell_0`, so rounding
      noise at a solved problem is not mistaken for swings.
    * ``nonfinite``: the number of NaN or infinite values;
      ``rose_steadily``: no step went down and the last value is above the first.

The rules (first match wins)
    ============  ===========================================================
    diverging     any NaN/inf; or ``end > ℓ₀`` (it ended worse than it
                  started); or ``rose_steadily``
    oscillating   ``rebound ≥ 0.05``
    too small     ``drop < 0.05`` (barely moved); or ``tail_share ≥ 0.03``
                  (still falling at a steady pace); or ``end ≥ 0.1·ℓ₀``
                  and ``late_progress ≥ 0.02`` (still high and still
                  improving)
    plateau       ``end ≥ 0.1·ℓ₀`` (and so ``late_progress < 0.02``): it
                  fell, then stopped improving while still holding at least
                  10 % of its starting loss
    good          the rest: it removed at least 90 % of the starting loss
                  and flattened out
    ============  ===========================================================

How the thresholds were chosen
    On runs whose answer is known (``tests/test_diagnosis.py`` has them), then
    rounded. ``tail_share``: on ``Quadratic1D`` gradient descent over 100 steps
    with ``lr = 0.01/L`` is still falling (share 0.13) and ``0.03/L`` has
    finished (0.017); on the digits, logistic regression with full-batch
    gradient descent at ``lr = 0.3`` (share 0.03-0.05) is beaten by ``lr = 1``
    (0.015-0.018), so the line is 0.03. ``rebound``: minibatch SGD on the
    digits at ``lr = 1`` (batch 32) moves its full loss up by about 1 % per
    step in its second half, at ``lr = 10`` by 20 %; 0.05 separates them.
    ``late_progress``: a run whose rate was cut 100x too early improves by
    0 in its last quarter, slow but healthy runs by 15-40 %; 0.02 leaves room
    for noise. The 10 % level is a convention: a history alone cannot say
    what loss is reachable, so "still high" is measured against zero. If the
    best reachable loss is known and is not zero, subtract it first
    (``diagnose(losses - best)``).

Limits (read these before trusting a label)
    * Losses must be ≥ 0; the rules measure everything against zero.
    * The loss curve cannot see *why* it is slow. On ``Quadratic1D`` a rate
      just under ``2/L`` (say ``1.99/L``) gives exactly the same loss curve as
      ``0.01/L`` (both multiply the error by 0.99 per step), so both are
      called "too small", though the first is nearly too large.
    * A plateau and a good run differ only in how low they ended. An
      ill-conditioned problem that drops 99 % fast and then crawls along its
      flat direction is called "good" here, although a larger rate would
      help it.
    * Momentum makes a converging loss swing up and down; such a run is
      called "oscillating" even when it ends far below its start. Lowering
      the momentum is then as good a remedy as lowering the rate.
    * Plain gradient descent on a quadratic never gives an oscillating loss:
      below ``2/L`` every term of the loss shrinks at every step, even when
      the iterate zig-zags across the minimum (``1/L < lr < 2/L``).

>>> import numpy as np
>>> diagnose(25 * 0.81 ** np.arange(101)).label       # x² with lr = 0.05: fast, then flat
'good'
>>> diagnose([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0]).label
'diverging'
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lrlab import _validate as v

#: The labels, in the order :func:`diagnose` tries them.
LABELS = ("diverging", "oscillating", "too small", "plateau", "good")

#: What to do about each label.
REMEDIES = {
    "diverging": "Lower the learning rate about 100x; if the loss turned into NaN right away, "
                 "also look for NaN or huge values in the inputs.",
    "oscillating": "Lower the learning rate about 10x (with momentum, lowering the momentum "
                   "helps too), or switch to an adaptive optimizer such as Adam.",
    "too small": "Raise the learning rate 3-10x: the loss is still falling at a steady pace, "
                 "so a bigger step would get there sooner.",
    "plateau": "The loss stopped improving while still high. With a constant rate, decay it "
               "(step or cosine schedule, or reduce-on-plateau) so it can settle lower; if a "
               "schedule already cut the rate, it cut too early: decay later or by less.",
    "good": "Keep the learning rate; to squeeze out more, decay it towards the end of training.",
}

#: Thresholds of the rules (see the module docstring for how they were chosen).
THRESHOLDS = {
    "rebound": 0.05,        # oscillating at or above
    "min_drop": 0.05,       # too small below
    "tail_share": 0.03,     # too small at or above
    "high_level": 0.1,      # "still high": end >= this fraction of the first loss
    "late_progress": 0.02,  # still high and improving at least this much: too small
}
MIN_LENGTH = 8  # two values per quarter
_LOG_FLOOR = 1e-12


@dataclass(frozen=True)
class Diagnosis:
    """A label from :data:`LABELS`, its remedy, and the measures behind it."""

    label: str
    remedy: str
    evidence: dict = field(default_factory=dict)


def _check(losses):
    """The one check every public function makes: 1-D, ≥ MIN_LENGTH values, no negative loss."""
    losses = v.array("losses", losses, ndim=1, min_size=MIN_LENGTH, finite=False)
    with np.errstate(invalid="ignore"):
        if np.any(losses < 0):
            raise ValueError(f"losses must be >= 0 (the rules measure against zero), "
                             f"got a minimum of {np.nanmin(losses)!r}")
    return losses


def _measures(losses):
    """The measures of the module docstring (``losses`` already checked)."""
    n = losses.size
    nonfinite = int(np.count_nonzero(~np.isfinite(losses)))
    out = {"n": n, "nonfinite": nonfinite, "start": float(losses[0])}
    if nonfinite:
        out.update(end=np.nan, drop=np.nan, tail_share=np.nan, late_progress=np.nan,
                   rebound=np.nan, rose_steadily=False)
        return out
    start = float(losses[0])
    quarter = n // 4
    end = float(np.median(losses[n - quarter:]))
    q3 = float(np.median(losses[n - 2 * quarter:n - quarter]))
    drop = (start - end) / start if start > 0 else (1.0 if end == 0 else 0.0)
    tail_share = (q3 - end) / (start - end) if start > end else 0.0
    late_progress = (q3 - end) / end if end > 0 else (0.0 if q3 == 0 else np.inf)
    floor = max(_LOG_FLOOR * start, np.finfo(float).tiny)
    logs = np.log(np.maximum(losses[n // 2:], floor))
    rebound = float(np.mean(np.maximum(np.diff(logs), 0.0)))
    steps = np.diff(losses)
    rose_steadily = bool(np.all(steps >= 0) and losses[-1] > losses[0])
    out.update(end=end, drop=drop, tail_share=tail_share, late_progress=late_progress,
               rebound=rebound, rose_steadily=rose_steadily)
    return out


def measures(losses) -> dict:
    """The numbers the rules use, as a dict (see the module docstring).

    Keys: ``n``, ``nonfinite``, ``start``, ``end``, ``drop``, ``tail_share``,
    ``late_progress``, ``rebound``, ``rose_steadily``. With any NaN/inf in ``losses`` only the
    first three are computed (the rest are NaN/False).

    >>> m = measures([4.0, 2.0, 1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125])
    >>> round(m["drop"], 4), m["rebound"]
    (0.9883, 0.0)
    """
    return _measures(_check(losses))


def _diverging(m):
    return bool(m["nonfinite"] or m["end"] > m["start"] or m["rose_steadily"])


def _oscillating(m):
    return m["rebound"] >= THRESHOLDS["rebound"]


def _high(m):
    return m["start"] > 0 and m["end"] >= THRESHOLDS["high_level"] * m["start"]


def _too_small(m):
    return (m["drop"] < THRESHOLDS["min_drop"] or m["tail_share"] >= THRESHOLDS["tail_share"]
            or (_high(m) and m["late_progress"] >= THRESHOLDS["late_progress"]))


def _plateau(m):
    return _high(m)


def is_diverging(losses) -> bool:
    """NaN/inf anywhere, or it ended above its start, or it only ever went up."""
    return _diverging(measures(losses))


def is_oscillating(losses) -> bool:
    """Not diverging, and the second half keeps jumping back up (``rebound ≥ 0.05``)."""
    m = measures(losses)
    return not _diverging(m) and _oscillating(m)


def is_too_small(losses) -> bool:
    """Not diverging or oscillating; barely moved, or still falling steadily, or still high and improving."""
    m = measures(losses)
    return not (_diverging(m) or _oscillating(m)) and _too_small(m)


def is_plateau(losses) -> bool:
    """None of the above, and stalled while still at ≥ 10 % of its start."""
    m = measures(losses)
    return not (_diverging(m) or _oscillating(m) or _too_small(m)) and _plateau(m)


def is_good(losses) -> bool:
    """None of the other labels: removed ≥ 90 % of the starting loss and flattened out."""
    return diagnose(losses).label == "good"


#: The classifiers by label, all ``(losses) -> bool``; exactly one says yes.
CLASSIFIERS = {
    "diverging": is_diverging,
    "oscillating": is_oscillating,
    "too small": is_too_small,
    "plateau": is_plateau,
    "good": is_good,
}

_RULES = (("diverging", _diverging), ("oscillating", _oscillating),
          ("too small", _too_small), ("plateau", _plateau))


def diagnose(losses) -> Diagnosis:
    """Label a loss history and say what to do about it.

    ``losses``: 1-D, at least 8 values (two per quarter), all ≥ 0; NaN and
    inf are allowed and always mean "diverging". The history should start
    at the initial loss, as :class:`lrlab.train.engine.History` ``.losses`` does.

    >>> d = diagnose([5.0, 4.9, 4.8, 4.7, 4.6, 4.5, 4.4, 4.3, 4.2, 4.1])
    >>> d.label, d.remedy.split(":")[0]
    ('too small', 'Raise the learning rate 3-10x')
    """
    m = measures(losses)
    label = next((name for name, rule in _RULES if rule(m)), "good")
    return Diagnosis(label=label, remedy=REMEDIES[label], evidence=m)
