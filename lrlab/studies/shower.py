r"""The shower knob: a small dynamical system in which the gain plays the learning rate.

Someone in a shower turns the knob once per step, by an amount proportional to
how far the water they feel is from comfortable. Too small a gain and they are
still cold when the run ends; too large and, because the pipe delays every
change, they swing between the end stops; in between they settle. This module
simulates that story so a lesson or a slider can show all three behaviours.

The model (one step = one adjustment, ``seconds_per_step`` = 1 s by default)
-----------------------------------------------------------------------------
* Knob and tap. The knob position is :math:`k_t \in [0, 1]` (0 = fully cold,
  1 = fully hot). Water leaving the mixer, once settled, is
  :math:`T_{tap}(k) = T_{cold} + c\,k` with :math:`c = T_{hot} - T_{cold}` in °C
  per knob unit. The comfortable knob position is
  :math:`k^* = (T_{target} - T_{cold}) / c`.
* Pipe. The water reaching your skin left the tap ``delay`` steps ago:
  :math:`p_t = T_{tap}(k_{t-d})`. Before the run the knob rested at
  ``start_knob`` (:math:`k_j = k_0` for :math:`j < 0`), so the pipe starts full
  of water at that temperature.
* Skin (optional first-order lag :math:`\lambda \in [0, 1)`):
  :math:`F_t = \lambda F_{t-1} + (1-\lambda)\,p_t`, with
  :math:`F_{-1} = T_{tap}(k_0)`. With ``lag=0`` the felt temperature is the
  pipe temperature.
* Person. :math:`k_{t+1} = \mathrm{clip}\big(k_t + g\,(T_{target} - F_t),\,0,\,1\big)`.

Sign convention: the error :math:`e_t = T_{target} - F_t` is positive when the
water is too cold, and a positive error turns the knob towards hot. The gain
:math:`g` (knob units per °C) plays the learning rate and :math:`-e_t` plays the
gradient: with ``delay=0`` and ``lag=0``, :math:`-e_t = c\,(k_t - k^*)` is exactly
the derivative of :math:`f(k) = \tfrac12 c\,(k - k^*)^2`, so the knob follows
gradient descent on that quadratic with ``lr = gain`` (projected onto [0, 1]
by the end stops). Its curvature is :math:`c`, so the classic results hold:
the run converges for :math:`0 < g c < 2` and fastest (in one step) at
:math:`g c = 1`.

With a delay the linear part (end stops not touching) is the recurrence
:math:`x_{t+1} = x_t - g\,y_t`, :math:`y_t = \lambda y_{t-1} + (1-\lambda)\,c\,x_{t-d}`
in the deviations :math:`x = k - k^*`, :math:`y = F - T_{target}`. Its
characteristic polynomial is

.. math:: P(z) = z^d (z - 1)(z - \lambda) + g c (1 - \lambda)\, z,

and the error shrinks (or grows) by a factor of about its spectral radius
:math:`\rho` (largest root modulus) per step. :func:`stable_gain_limit` finds
the gain where :math:`\rho` reaches 1. For ``lag=0`` this limit is
:math:`g c = 2\sin(\pi / (2(2d+1)))` (2, 1, 0.618, ... for d = 0, 1, 2) and the
fastest gain is :math:`g c = d^d/(d+1)^{d+1}` with :math:`\rho = d/(d+1)`
(:func:`fastest_gain`): every step of pipe delay makes the safe gains smaller.
The end stops keep the simulation bounded: above the limit the swings grow
until the knob runs into a stop (often both), instead of growing forever.

Behaviour labels (one per run, see :func:`label_rules`):
``"settles"`` if, from some reading to the end of the run, the felt
temperature stays inside ``target ± band``, and that comfortable stretch is at
least ``hold`` readings long (default 5, so that a swing which merely passes
through the band at the end of the run does not count); otherwise ``"wild swings"`` if
the water still flips between too cold and too hot (outside the band on both
sides) during the second half of the run; otherwise ``"too timid"`` (still
on one side of comfort through the second half: creeping towards it, or, with
a heavy lag, drifting back after one slow overshoot).

>>> run = simulate(0.005, delay=2)
>>> run.behaviour, run.settled_at
('settles', 13.0)
>>> [simulate(**PRESETS[name].kwargs()).behaviour for name in ("timid", "wild", "sensible")]
['too timid', 'wild swings', 'settles']

Nothing here comes from torch; ``gain`` is this module's name for the step size
because the person, not an optimiser, is taking the steps.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from lrlab import _validate as v
from lrlab._cache import cached

LABELS = ("too timid", "wild swings", "settles")
"""The three behaviour labels, in order of increasing sense."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ShowerRun:
    """One simulated shower.

    Arrays have ``steps + 1`` entries: reading ``t`` is taken at ``time[t]``
    seconds, after ``t`` adjustments (the last reading gets no adjustment).

    Attributes
    ----------
    gain, delay, lag, target, band : the settings of the run.
    time : seconds, ``t * seconds_per_step``.
    knob : knob positions :math:`k_t` in [0, 1].
    felt : felt temperature :math:`F_t` in °C.
    settled_at : first time (s) from which every reading to the end is inside
        ``target ± band``; ``None`` if there is no such time or if that final
        comfortable stretch is shorter than ``hold`` readings.
    overshoot : worst excess above the target in °C, ``max(felt - target)``,
        0 if the water never got warmer than the target (it includes the start).
    sign_changes : how often the water went from too cold to too hot or back;
        readings inside the band are skipped, so rounding-level wobbles around
        the target do not count.
    oscillates : ``sign_changes >= 2`` (overshot and came back at least once).
    behaviour : one of :data:`LABELS`.
    """

    gain: float
    delay: int
    lag: float
    target: float
    band: float
    time: np.ndarray
    knob: np.ndarray
    felt: np.ndarray
    settled_at: float | None
    overshoot: float
    sign_changes: int
    oscillates: bool
    behaviour: str

    @property
    def error(self) -> np.ndarray:
        """``target - felt`` in °C: positive when too cold (the negative gradient)."""
        return self.target - self.felt


@dataclass(frozen=True)
class ShowerSweep:
    """Many showers, one per gain, simulated in one pass.

    Same fields as :class:`ShowerRun`, stacked: ``knob`` and ``felt`` have shape
    ``(n_gains, steps + 1)``; ``settled_at`` is a float array with NaN where
    the run never settled; ``labels`` is an array of strings. ``run(i)`` gives
    gain ``i`` as a :class:`ShowerRun`.
    """

    gains: np.ndarray
    delay: int
    lag: float
    target: float
    band: float
    seconds_per_step: float
    time: np.ndarray
    knob: np.ndarray
    felt: np.ndarray
    settled_at: np.ndarray
    overshoot: np.ndarray
    sign_changes: np.ndarray
    labels: np.ndarray

    @property
    def oscillates(self) -> np.ndarray:
        return self.sign_changes >= 2

    def settles_within(self, steps_allowed: int) -> np.ndarray:
        """Boolean mask: settled no later than ``steps_allowed`` adjustments."""
        steps_allowed = v.integer("steps_allowed", steps_allowed, low=0)
        with np.errstate(invalid="ignore"):  # NaN (never settled) compares False
            return self.settled_at <= steps_allowed * self.seconds_per_step

    def run(self, i: int) -> ShowerRun:
        i = v.integer("i", i, low=-len(self.gains), high=len(self.gains) - 1)
        settled = self.settled_at[i]
        return ShowerRun(
            gain=float(self.gains[i]), delay=self.delay, lag=self.lag, target=self.target,
            band=self.band, time=self.time.copy(), knob=self.knob[i].copy(),
            felt=self.felt[i].copy(),
            settled_at=None if np.isnan(settled) else float(settled),
            overshoot=float(self.overshoot[i]), sign_changes=int(self.sign_changes[i]),
            oscillates=bool(self.sign_changes[i] >= 2), behaviour=str(self.labels[i]),
        )


@dataclass(frozen=True)
class Preset:
    """A named setting that reproduces one behaviour of the analogy."""

    name: str
    gain: float
    delay: int
    steps: int
    story: str

    def kwargs(self) -> dict:
        """Keyword arguments for :func:`simulate` (``simulate(**p.kwargs())``)."""
        return {"gain": self.gain, "delay": self.delay, "steps": self.steps}


# c = 50 °C per knob unit and delay 2: the stable limit is g ≈ 0.0124, the fastest g ≈ 0.0030.
PRESETS = {
    "timid": Preset("timid", 0.0005, 2, 60,
                    "a tiny turn each second: a minute later it is still cold"),
    "wild": Preset("wild", 0.04, 2, 60,
                   "big turns meet a slow pipe: it bangs between freezing and scalding"),
    "sensible": Preset("sensible", 0.005, 2, 60,
                       "moderate turns: slightly too hot once, then comfortable"),
}
"""The three behaviours of the analogy, with the default temperatures of :func:`simulate`."""


# --------------------------------------------------------------------------- validation


def _check_setup(delay, steps, start_knob, target, band, cold, hot, lag, hold, seconds_per_step):
    delay = v.integer("delay", delay, low=0)
    steps = v.integer("steps", steps, low=1)
    start_knob = v.real("start_knob", start_knob, low=0.0, high=1.0)
    cold = v.real("cold", cold)
    hot = v.real("hot", hot)
    if not hot > cold:
        raise ValueError(f"hot must be > cold ({cold!r}), got {hot!r}")
    target = v.real("target", target)
    if not cold <= target <= hot:
        raise ValueError(f"target must be between cold ({cold!r}) and hot ({hot!r}), got {target!r}")
    band = v.positive("band", band)
    lag = v.real("lag", lag, low=0.0, high=1.0, high_open=True)
    hold = v.integer("hold", hold, low=1)
    seconds_per_step = v.positive("seconds_per_step", seconds_per_step)
    return delay, steps, start_knob, target, band, cold, hot, lag, hold, seconds_per_step


def _check_gains(gains) -> np.ndarray:
    gains = v.array("gains", gains, ndim=1, min_size=1)
    if np.any(gains <= 0):
        raise ValueError(f"gains must all be > 0.0, got a minimum of {gains.min()!r}")
    return gains


def _curvature(cold, hot) -> float:
    cold = v.real("cold", cold)
    hot = v.real("hot", hot)
    if not hot > cold:
        raise ValueError(f"hot must be > cold ({cold!r}), got {hot!r}")
    return hot - cold


# --------------------------------------------------------------------------- simulation


def _simulate(gains, delay, steps, start_knob, target, cold, hot, lag):
    """Knob and felt histories, shape (n_gains, steps + 1). Inputs are trusted."""
    c = hot - cold
    n = gains.shape[0]
    knob = np.empty((n, steps + 1))
    felt = np.empty((n, steps + 1))
    knob[:, 0] = start_knob
    previous = np.full(n, cold + c * start_knob)
    with np.errstate(over="ignore"):  # a huge gain overflows to ±inf, which the clip turns into a stop
        for t in range(steps + 1):
            source = knob[:, t - delay] if t >= delay else start_knob
            previous = lag * previous + (1.0 - lag) * (cold + c * source)
            felt[:, t] = previous
            if t < steps:
                knob[:, t + 1] = np.clip(knob[:, t] + gains * (target - previous), 0.0, 1.0)
    return knob, felt


def _facts(felt, target, band, hold, seconds_per_step):
    """settled_at (NaN = never), overshoot, sign_changes and labels for each row."""
    n, length = felt.shape
    deviation = felt - target
    inside = np.abs(deviation) <= band
    stays = np.logical_and.accumulate(inside[:, ::-1], axis=1)[:, ::-1]
    first = np.argmax(stays, axis=1)
    settled = stays[:, -1] & (length - first >= hold)
    settled_at = np.where(settled, first * seconds_per_step, np.nan)
    overshoot = np.maximum(deviation.max(axis=1), 0.0)

    side = np.where(inside, 0, np.sign(deviation)).astype(np.int64)  # -1 too cold, +1 too hot
    index = np.where(side != 0, np.arange(length), -1)
    last_seen = np.maximum.accumulate(index, axis=1)  # latest reading outside the band, up to t
    before = np.zeros_like(side)
    valid = last_seen[:, :-1] >= 0
    rows = np.arange(n)[:, None]
    before[:, 1:] = np.where(valid, side[rows, np.maximum(last_seen[:, :-1], 0)], 0)
    flips = (side != 0) & (before != 0) & (side != before)
    sign_changes = flips.sum(axis=1)
    late_flips = flips[:, length // 2:].any(axis=1)

    labels = np.where(settled, "settles", np.where(late_flips, "wild swings", "too timid"))
    return settled_at, overshoot, sign_changes, labels


def label_rules() -> str:
    """The labelling rules in words, for a lesson or a widget's help text."""
    return (
        "settles: from some reading to the end of the run the felt temperature stays "
        "within target ± band, for at least `hold` readings.\n"
        "wild swings: not settled, and in the second half of the run the water still "
        "flips from too cold to too hot or back (outside the band on both sides).\n"
        "too timid: not settled and not flipping in the second half: still on one "
        "side of comfort."
    )


@cached
def sweep_gains(gains, *, delay=2, steps=60, start_knob=0.0, target=38.0, band=1.0,
                cold=10.0, hot=60.0, lag=0.0, hold=5, seconds_per_step=1.0) -> ShowerSweep:
    """Simulate one shower per gain, all at once (see the module docstring for the model).

    ``gains`` is a 1-D array of positive numbers (knob units per °C).

    >>> s = sweep_gains([0.0005, 0.005, 0.04])
    >>> s.labels.tolist(), s.knob.shape
    (['too timid', 'settles', 'wild swings'], (3, 61))
    """
    gains = _check_gains(gains)
    delay, steps, start_knob, target, band, cold, hot, lag, hold, seconds_per_step = _check_setup(
        delay, steps, start_knob, target, band, cold, hot, lag, hold, seconds_per_step)
    knob, felt = _simulate(gains, delay, steps, start_knob, target, cold, hot, lag)
    settled_at, overshoot, sign_changes, labels = _facts(felt, target, band, hold, seconds_per_step)
    return ShowerSweep(
        gains=gains, delay=delay, lag=lag, target=target, band=band,
        seconds_per_step=seconds_per_step, time=np.arange(steps + 1) * seconds_per_step, knob=knob, felt=felt,
        settled_at=settled_at, overshoot=overshoot, sign_changes=sign_changes, labels=labels,
    )


def simulate(gain, *, delay=2, steps=60, start_knob=0.0, target=38.0, band=1.0,
             cold=10.0, hot=60.0, lag=0.0, hold=5, seconds_per_step=1.0) -> ShowerRun:
    """Simulate one shower: ``steps`` knob adjustments with gain ``gain``.

    Units: ``gain`` in knob units per °C (knob range [0, 1]); temperatures in °C;
    ``delay`` in steps; ``lag`` in [0, 1) is the fraction of yesterday's felt
    temperature kept each step; ``hold`` is how many final readings in the band
    count as settled (see :class:`ShowerRun`). The equations are in the module
    docstring.

    >>> run = simulate(0.02, delay=0, steps=3)   # g·c = 1: one step to comfort
    >>> run.knob.round(3), run.felt.round(3)
    (array([0.  , 0.56, 0.56, 0.56]), array([10., 38., 38., 38.]))
    """
    gain = v.positive("gain", gain)
    return sweep_gains(
        [gain], delay=delay, steps=steps, start_knob=start_knob, target=target, band=band,
        cold=cold, hot=hot, lag=lag, hold=hold, seconds_per_step=seconds_per_step,
    ).run(0)


def default_settings() -> dict:
    """The settings :func:`simulate` uses unless told otherwise, read from its signature.

    A dict ``{keyword: default}`` (everything but ``gain``): temperatures in °C (``cold``, ``hot``,
    ``target``, ``band``), ``delay`` in steps, ``start_knob`` in knob units... A lesson quotes
    these instead of typing them, so that its tables follow the simulator.

    >>> s = default_settings()
    >>> s["cold"], s["hot"], s["target"], s["band"], s["delay"], s["start_knob"]
    (10.0, 60.0, 38.0, 1.0, 2, 0.0)
    """
    return {name: p.default for name, p in inspect.signature(simulate).parameters.items()
            if p.default is not inspect.Parameter.empty}


def settling_range(steps_allowed, *, gains=None, delay=2, steps=None, start_knob=0.0,
                   target=38.0, band=1.0, cold=10.0, hot=60.0, lag=0.0, hold=5):
    """``(lowest, highest)`` gain in ``gains`` that settles within ``steps_allowed`` steps.

    ``gains`` defaults to 241 values from ``1e-3/c`` to ``10/c`` (geometric,
    ``c = hot - cold``). Each run lasts ``steps`` adjustments (default
    ``2 * steps_allowed + hold``) so that a run counted as settled has stayed
    comfortable well past the deadline. Returns ``None`` if no gain in the grid
    settles in time. Only the two ends are reported: check ``sweep_gains``
    if you need every gain in between.

    >>> low, high = settling_range(20, delay=2)
    >>> 0.002 < low < 0.003 < high < 0.007
    True
    """
    steps_allowed = v.integer("steps_allowed", steps_allowed, low=1)
    hold = v.integer("hold", hold, low=1)
    if steps is None:
        steps = 2 * steps_allowed + hold
    else:
        steps = v.integer("steps", steps, low=steps_allowed)
    if gains is None:
        gains = np.geomspace(1e-3, 10.0, 241) / _curvature(cold, hot)
    sweep = sweep_gains(gains, delay=delay, steps=steps, start_knob=start_knob, target=target,
                        band=band, cold=cold, hot=hot, lag=lag, hold=hold)
    ok = sweep.gains[sweep.settles_within(steps_allowed)]
    if ok.size == 0:
        return None
    return float(ok.min()), float(ok.max())


# --------------------------------------------------------------------------- theory


def _radius(a, delay, lag):
    """Spectral radius of z^d (z-1)(z-lag) + a (1-lag) z, with a = gain * c."""
    poly = np.polymul(np.polymul([1.0, -1.0], [1.0, -lag]), np.r_[1.0, np.zeros(delay)])
    poly[-2] += a * (1.0 - lag)
    return float(np.abs(np.roots(poly)).max())


def spectral_radius(gain, delay=2, *, lag=0.0, cold=10.0, hot=60.0) -> float:
    """Per-step shrink factor of the error while the end stops are not touched.

    The largest root modulus of :math:`z^d (z-1)(z-\\lambda) + g c (1-\\lambda) z`
    (module docstring): below 1 the linear system settles, above 1 it swings
    ever wider. For ``delay=0, lag=0`` it is :math:`|1 - g c|`.

    >>> round(spectral_radius(0.01, delay=0), 12)   # g·c = 0.5
    0.5
    """
    gain = v.positive("gain", gain)
    delay = v.integer("delay", delay, low=0)
    lag = v.real("lag", lag, low=0.0, high=1.0, high_open=True)
    return _radius(gain * _curvature(cold, hot), delay, lag)


def stable_gain_limit(delay=2, *, lag=0.0, cold=10.0, hot=60.0, rtol=1e-12) -> float:
    """The gain at which the delayed, linear shower stops settling.

    Method: starting from ``g c = 1e-3`` (always stable) the product
    ``a = g c`` is multiplied by 1.05 until the spectral radius reaches 1, then
    bisection between the last stable and the first unstable ``a`` narrows the
    boundary to relative width ``rtol``. This finds the first loss of
    stability as the gain grows (numerically the stable set is the interval
    (0, limit)). Closed forms to compare with: ``2 / c`` for ``delay=0, lag=0``;
    ``2 sin(π / (2(2d+1))) / c`` for ``lag=0``; ``2 (1+λ) / ((1-λ) c)`` for
    ``delay=0``.

    >>> round(stable_gain_limit(0) * 50, 9), round(stable_gain_limit(1) * 50, 9)
    (2.0, 1.0)
    """
    delay = v.integer("delay", delay, low=0)
    lag = v.real("lag", lag, low=0.0, high=1.0, high_open=True)
    c = _curvature(cold, hot)
    rtol = v.real("rtol", rtol, low=1e-15, high=0.1)
    low = 1e-3
    high = low * 1.05
    while _radius(high, delay, lag) < 1.0:
        low, high = high, high * 1.05
        if high > 1e12:  # cannot happen for lag < 1; guards against an endless loop
            raise ArithmeticError("no unstable gain found below 1e12 / c")
    while high - low > rtol * high:
        mid = 0.5 * (low + high)
        if _radius(mid, delay, lag) < 1.0:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high) / c


def fastest_gain(delay=2, *, cold=10.0, hot=60.0) -> float:
    """The gain with the smallest spectral radius when there is no skin lag.

    :math:`g c = d^d / (d+1)^{d+1}` (1, 1/4, 4/27, ... for d = 0, 1, 2), where the
    characteristic polynomial :math:`z^{d+1} - z^d + g c` has a double root at
    :math:`z = d/(d+1)`, which is then the spectral radius. For ``delay=0`` it
    is gradient descent's one-step rate ``1 / c``. With a lag there is no such
    simple formula (and the best radius can be reached by a whole range of
    gains); scan :func:`spectral_radius` instead.

    >>> fastest_gain(0), round(fastest_gain(1), 12)
    (0.02, 0.005)
    """
    delay = v.integer("delay", delay, low=0)
    c = _curvature(cold, hot)
    return float(delay**delay / (delay + 1) ** (delay + 1)) / c
