r"""Learning-rate schedules: factories that return ``schedule(step) -> lr``.

A factory checks its hyperparameters once and returns a :class:`Schedule`, a
plain callable with no hidden state. ``step`` is 0-based and counts optimizer
updates: ``schedule(t)`` is the learning rate used for update ``t``. That is
the ``optimizer.param_groups[0]["lr"]`` PyTorch shows after ``t`` calls of
``scheduler.step()`` (one after each ``optimizer.step()``). Pass an ``int`` to
get a ``float``; pass an integer numpy array to get a float64 array of the same
shape, which is how a whole curve is drawn::

    >>> import numpy as np
    >>> sched = cosine_annealing(0.1, T_max=4)
    >>> sched
    cosine_annealing(lr=0.1, T_max=4, eta_min=0.0, after='cycle')
    >>> sched(4)
    0.0
    >>> sched(np.arange(3)).round(4)
    array([0.1   , 0.0854, 0.05  ])

Factories named after a ``torch.optim.lr_scheduler`` class take the same
keywords and give the same numbers (the tests compare them with PyTorch at
every step):

=========================  ===================================
lrlab                      torch.optim.lr_scheduler
=========================  ===================================
``step_decay``             ``StepLR``
``exponential_decay``      ``ExponentialLR``
``cosine_annealing``       ``CosineAnnealingLR``
``cosine_warm_restarts``   ``CosineAnnealingWarmRestarts``
``linear_warmup``          ``LinearLR``
``one_cycle``              ``OneCycleLR`` (learning rate only)
``cyclic``                 ``CyclicLR`` (learning rate only)
``ReduceLROnPlateau``      ``ReduceLROnPlateau``
=========================  ===================================

``constant``, ``warmup_cosine``, ``wsd`` and ``join_schedules`` have no single torch
class (``join_schedules`` plays the role of ``SequentialLR``, with optax's
semantics). ``ReduceLROnPlateau`` is the one stateful object: it reacts to a
metric, so it cannot be a function of the step alone.

Where we differ from torch (each factory's docstring has the details):

* torch updates several schedules recursively (``lr ← lr · ratio``); we use the
  closed form, so values can differ by rounding (about ``1e-16`` per step
  taken; see :func:`cosine_annealing`).
* ``one_cycle`` holds its final value from ``total_steps`` on, where torch
  raises (and at exactly ``step == total_steps`` it still extrapolates).
* Hyperparameters are checked more strictly: learning rates must be finite and
  > 0, decay factors lie in (0, 1], floors lie in [0, lr].
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np

from lrlab import _validate as v

__all__ = [
    "Schedule",
    "constant",
    "step_decay",
    "exponential_decay",
    "cosine_annealing",
    "cosine_warm_restarts",
    "linear_warmup",
    "warmup_cosine",
    "wsd",
    "one_cycle",
    "cyclic",
    "join_schedules",
    "ReduceLROnPlateau",
]


class Schedule:
    """A learning-rate schedule: ``schedule(step) -> lr``, made by a factory.

    ``step`` is a non-negative ``int`` (returns a ``float``) or an integer
    numpy array (returns a float64 array of the same shape); anything else
    raises ``TypeError`` and a negative step raises ``ValueError``.
    ``repr(schedule)`` shows the factory call that made it, so a printed
    schedule or a plot legend says which curve is which. ``__name__`` is the
    factory's name and ``params`` a dict of its (validated) arguments.

    You rarely build one yourself; if you do, ``fn`` receives the steps as a
    1-d int64 array (also for a single step, so both kinds of call run the
    same numpy code and agree to the last bit) and returns as many lrs.
    """

    def __init__(self, name: str, params: dict, fn: Callable[[np.ndarray], np.ndarray]):
        self.__name__ = name
        self.params = dict(params)
        self._fn = fn

    def __call__(self, step):
        steps, scalar = v.steps_array("step", step)
        # Decays such as gamma**step underflow to 0.0 far out; that is the answer.
        with np.errstate(under="ignore"):
            out = np.asarray(self._fn(steps.reshape(-1)), dtype=np.float64)
        return float(out[0]) if scalar else out.reshape(steps.shape)

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        return f"{self.__name__}({args})"


# ---------------------------------------------------------------- validation

def _floor(name: str, value, lr: float) -> float:
    """A lower bound such as ``eta_min``: finite, in ``[0, lr]``."""
    value = v.non_negative(name, value)
    if value > lr:
        raise ValueError(f"{name} must be <= the peak learning rate {lr!r}, got {value!r}")
    return value


def _decay(name: str, value) -> float:
    """A multiplicative decay factor in ``(0, 1]``."""
    return v.fraction(name, value, open_low=True, open_high=False)


def _flag(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


# ---------------------------------------------------------------- factories

def constant(lr) -> Schedule:
    r"""The same learning rate at every step: :math:`\eta_t = \eta`.

    >>> constant(0.01)(1000)
    0.01
    """
    lr = v.positive("lr", lr)
    return Schedule("constant", {"lr": lr}, lambda t: np.full(t.shape, lr))


def step_decay(lr, step_size, gamma=0.1) -> Schedule:
    r"""Multiply the learning rate by ``gamma`` every ``step_size`` steps.

    .. math:: \eta_t = \eta \, \gamma^{\lfloor t / \text{step\_size} \rfloor}

    Same as ``torch.optim.lr_scheduler.StepLR``. ``step_size`` is an integer
    >= 1, ``gamma`` lies in (0, 1] (torch accepts any number; ``gamma > 1``
    would make this a growth schedule).

    >>> sched = step_decay(0.1, step_size=2, gamma=0.5)
    >>> [sched(t) for t in range(5)]
    [0.1, 0.1, 0.05, 0.05, 0.025]
    """
    lr = v.positive("lr", lr)
    step_size = v.integer("step_size", step_size, low=1)
    gamma = _decay("gamma", gamma)
    params = {"lr": lr, "step_size": step_size, "gamma": gamma}
    return Schedule("step_decay", params, lambda t: lr * gamma ** (t // step_size))


def exponential_decay(lr, gamma) -> Schedule:
    r"""Multiply the learning rate by ``gamma`` after every step.

    .. math:: \eta_t = \eta \, \gamma^{t}

    Same as ``torch.optim.lr_scheduler.ExponentialLR``, with ``gamma`` in
    (0, 1]. Far enough out the value underflows to ``0.0``.

    >>> exponential_decay(1.0, gamma=0.5)(3)
    0.125
    """
    lr = v.positive("lr", lr)
    gamma = _decay("gamma", gamma)
    return Schedule("exponential_decay", {"lr": lr, "gamma": gamma}, lambda t: lr * gamma**t)


def cosine_annealing(lr, T_max, eta_min=0.0, *, after="cycle") -> Schedule:
    r"""Half a cosine from ``lr`` down to ``eta_min`` over ``T_max`` steps.

    .. math::
        \eta_t = \eta_{\min} + \tfrac12 (\eta - \eta_{\min})
                 \left(1 + \cos\frac{\pi t}{T_{\max}}\right)

    Libraries disagree about steps after ``T_max``:

    * ``after="cycle"`` (default, PyTorch's ``CosineAnnealingLR``): the formula
      keeps going, so the rate climbs back to ``lr`` at ``2·T_max`` and repeats
      with period ``2·T_max``.
    * ``after="hold"`` (optax ``cosine_decay_schedule``, Keras
      ``CosineDecay``): the rate stays at ``eta_min`` from ``T_max`` on.

    ``T_max`` is an integer >= 1 and ``eta_min`` lies in ``[0, lr]``.

    Torch computes this recursively (``lr_t`` from ``lr_{t-1}``), so its
    rounding errors pile up: its values drift from the exact curve by roughly
    ``1e-16`` (relative) per step, about ``1e-13`` after a thousand steps and
    past ``1e-12`` after several thousand. We evaluate the closed form above
    (torch's own ``_get_closed_form_lr``) with the step reduced modulo
    ``2·T_max``, which is accurate to a few units in the last place at any
    step; for ``t < 2·T_max`` it is bit-for-bit torch's closed form.

    >>> sched = cosine_annealing(1.0, T_max=2)
    >>> [round(sched(t), 3) for t in range(5)]
    [1.0, 0.5, 0.0, 0.5, 1.0]
    >>> [round(cosine_annealing(1.0, T_max=2, after="hold")(t), 3) for t in range(5)]
    [1.0, 0.5, 0.0, 0.0, 0.0]
    """
    lr = v.positive("lr", lr)
    T_max = v.integer("T_max", T_max, low=1)
    eta_min = _floor("eta_min", eta_min, lr)
    after = v.choice("after", after, ("cycle", "hold"))

    def fn(t):
        t = t % (2 * T_max) if after == "cycle" else np.minimum(t, T_max)
        return eta_min + (lr - eta_min) * (1 + np.cos(np.pi * t / T_max)) / 2

    params = {"lr": lr, "T_max": T_max, "eta_min": eta_min, "after": after}
    return Schedule("cosine_annealing", params, fn)


def _restart_starts(T_0: int, T_mult: int, last: int) -> np.ndarray:
    """Steps at which the cycles of ``cosine_warm_restarts`` begin, up to ``last``."""
    starts, start, length = [], 0, T_0
    while start <= last:
        starts.append(start)
        start, length = start + length, length * T_mult
    return np.array(starts, dtype=np.int64)


def cosine_warm_restarts(lr, T_0, T_mult=1, eta_min=0.0) -> Schedule:
    r"""Cosine annealing that restarts at ``lr``; cycle ``i`` lasts ``T_0·T_mult^i``.

    .. math::
        \eta_t = \eta_{\min} + \tfrac12 (\eta - \eta_{\min})
                 \left(1 + \cos\frac{\pi T_{cur}}{T_i}\right)

    where :math:`T_i` is the length of the current cycle and :math:`T_{cur}`
    the steps taken since it began. Same as
    ``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts`` stepped once per
    update (integer steps; torch also accepts fractional epochs, we do not).
    ``T_0`` and ``T_mult`` are integers >= 1; ``eta_min`` lies in ``[0, lr]``.
    The rate never quite reaches ``eta_min``: the step that would is the
    restart.

    >>> sched = cosine_warm_restarts(1.0, T_0=2, T_mult=2)
    >>> [round(sched(t), 3) for t in range(7)]   # cycles of 2 and 4 steps
    [1.0, 0.5, 1.0, 0.854, 0.5, 0.146, 1.0]
    """
    lr = v.positive("lr", lr)
    T_0 = v.integer("T_0", T_0, low=1)
    T_mult = v.integer("T_mult", T_mult, low=1)
    eta_min = _floor("eta_min", eta_min, lr)

    def fn(t):
        if T_mult == 1:
            T_cur, T_i = t % T_0, T_0
        else:
            starts = _restart_starts(T_0, T_mult, int(t.max()) if t.size else 0)
            cycle = np.searchsorted(starts, t, side="right") - 1
            T_cur = t - starts[cycle]
            T_i = T_0 * np.float64(T_mult) ** cycle
        return eta_min + (lr - eta_min) * (1 + np.cos(np.pi * T_cur / T_i)) / 2

    params = {"lr": lr, "T_0": T_0, "T_mult": T_mult, "eta_min": eta_min}
    return Schedule("cosine_warm_restarts", params, fn)


def linear_warmup(lr, total_iters, start_factor=1 / 3, end_factor=1.0) -> Schedule:
    r"""Scale ``lr`` by a factor moving linearly from ``start_factor`` to ``end_factor``.

    .. math::
        \eta_t = \eta \left(s + (e - s)\,\frac{\min(t, T)}{T}\right)

    with :math:`s` = ``start_factor``, :math:`e` = ``end_factor`` and
    :math:`T` = ``total_iters``; the rate holds at ``end_factor·lr`` from step
    ``T`` on. Same as ``torch.optim.lr_scheduler.LinearLR`` (torch updates it
    recursively; the values agree to rounding). ``start_factor`` lies in
    (0, 1], ``end_factor`` in [0, 1] (torch's ranges) and ``total_iters`` is an
    integer >= 1. With ``start_factor > end_factor`` it is a linear decay.

    >>> sched = linear_warmup(0.1, total_iters=4, start_factor=0.5)
    >>> [round(sched(t), 4) for t in range(6)]
    [0.05, 0.0625, 0.075, 0.0875, 0.1, 0.1]
    """
    lr = v.positive("lr", lr)
    total_iters = v.integer("total_iters", total_iters, low=1)
    start_factor = v.fraction("start_factor", start_factor, open_low=True, open_high=False)
    end_factor = v.fraction("end_factor", end_factor, open_low=False, open_high=False)

    def fn(t):
        return lr * (start_factor + (end_factor - start_factor) * np.minimum(t, total_iters) / total_iters)

    params = {"lr": lr, "total_iters": total_iters, "start_factor": start_factor,
              "end_factor": end_factor}
    return Schedule("linear_warmup", params, fn)


def warmup_cosine(lr, warmup_steps, total_steps, start_factor=0.0, eta_min=0.0) -> Schedule:
    r"""Linear warmup to ``lr``, then a cosine decay to ``eta_min`` at ``total_steps``.

    With :math:`W` = ``warmup_steps``, :math:`T` = ``total_steps`` and
    :math:`s` = ``start_factor``:

    .. math::
        \eta_t = \begin{cases}
            \eta \left(s + (1 - s)\, t / W\right) & 0 \le t < W \\
            \eta_{\min} + \tfrac12 (\eta - \eta_{\min})
                \left(1 + \cos\frac{\pi (t - W)}{T - W}\right) & W \le t < T \\
            \eta_{\min} & t \ge T
        \end{cases}

    Both pieces give ``lr`` at ``t = W``, so the curve is continuous at the
    join: the last warmup step rises by the same amount as every other one.
    This is optax's ``warmup_cosine_decay_schedule`` (``init_value = s·lr``,
    ``peak_value = lr``, ``end_value = eta_min``, ``decay_steps = T``) and, for
    ``start_factor=0``, Hugging Face's ``get_cosine_schedule_with_warmup``.
    With the default ``start_factor=0.0`` the first update uses ``lr = 0``.

    ``warmup_steps`` is an integer >= 0 (0: no warmup), ``total_steps`` an
    integer > ``warmup_steps``, ``start_factor`` in [0, 1], ``eta_min`` in
    ``[0, lr]``.

    >>> sched = warmup_cosine(1.0, warmup_steps=2, total_steps=4)
    >>> [round(sched(t), 3) for t in range(6)]
    [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """
    lr = v.positive("lr", lr)
    warmup_steps = v.integer("warmup_steps", warmup_steps, low=0)
    total_steps = v.integer("total_steps", total_steps)
    if total_steps <= warmup_steps:
        raise ValueError(
            f"total_steps must be > warmup_steps ({warmup_steps}), got {total_steps}")
    start_factor = v.fraction("start_factor", start_factor, open_low=False, open_high=False)
    eta_min = _floor("eta_min", eta_min, lr)
    decay_steps = total_steps - warmup_steps

    def fn(t):
        warm = lr * (start_factor + (1 - start_factor) * t / max(warmup_steps, 1))
        into_decay = np.clip(t - warmup_steps, 0, decay_steps)
        cos = eta_min + (lr - eta_min) * (1 + np.cos(np.pi * into_decay / decay_steps)) / 2
        return np.where(t < warmup_steps, warm, cos)

    params = {"lr": lr, "warmup_steps": warmup_steps, "total_steps": total_steps,
              "start_factor": start_factor, "eta_min": eta_min}
    return Schedule("warmup_cosine", params, fn)


#: The decay shapes :func:`wsd` knows: the fraction of the way from ``eta_min`` to ``lr`` left at
#: the fraction ``u`` of the decay done.
WSD_SHAPES = {
    "linear": lambda u: 1.0 - u,
    "1-sqrt": lambda u: 1.0 - np.sqrt(u),
    "cosine": lambda u: 0.5 * (1.0 + np.cos(np.pi * u)),
}


def wsd(lr, total_steps, warmup_steps=0, decay_steps=None, decay_shape="1-sqrt", eta_min=0.0) -> Schedule:
    r"""Warmup, stable, decay: a linear warmup, a long constant phase, a short decay at the end.

    With :math:`W` = ``warmup_steps``, :math:`T` = ``total_steps``, :math:`D` = ``decay_steps``
    and :math:`u = (t - (T - D))/D`, the fraction of the decay done:

    .. math::
        \eta_t = \begin{cases}
            \eta\, (t + 1) / W & 0 \le t < W \\
            \eta & W \le t < T - D \\
            \eta_{\min} + (\eta - \eta_{\min})\, h(u) & T - D \le t < T \\
            \eta_{\min} & t \ge T
        \end{cases}

    where the shape :math:`h` is ``"linear"`` (:math:`1 - u`), ``"1-sqrt"`` (:math:`1 - \sqrt u`,
    the shape Hägele et al. 2024 found best) or ``"cosine"`` (:math:`(1 + \cos \pi u)/2`). The
    warmup's first update already moves (at :math:`\eta/W`) and its last one uses :math:`\eta`: the
    ramp of lesson 05's warmup and of the schedule-free optimizers' ``warmup_steps`` (where
    :func:`warmup_cosine` starts from ``start_factor``·lr). Because the rate is constant until
    :math:`T - D`, every ``wsd`` with the same ``lr`` and warmup gives the same rates up to its own decay: one run can
    branch off a decay at any step. ``decay_steps`` defaults to 20 % of ``total_steps``
    (rounded); it must leave the warmup whole (:math:`W + D \le T`).

    >>> sched = wsd(1.0, total_steps=10, warmup_steps=2, decay_steps=4, decay_shape="linear")
    >>> [round(sched(t), 2) for t in range(11)]
    [0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0]
    """
    lr = v.positive("lr", lr)
    total_steps = v.integer("total_steps", total_steps, low=1)
    warmup_steps = v.integer("warmup_steps", warmup_steps, low=0)
    if decay_steps is None:
        decay_steps = max(1, int(round(0.2 * total_steps)))
    decay_steps = v.integer("decay_steps", decay_steps, low=1)
    if warmup_steps + decay_steps > total_steps:
        raise ValueError(f"warmup_steps + decay_steps must be <= total_steps ({total_steps}), "
                         f"got {warmup_steps} + {decay_steps}")
    decay_shape = v.choice("decay_shape", decay_shape, WSD_SHAPES)
    eta_min = _floor("eta_min", eta_min, lr)
    shape = WSD_SHAPES[decay_shape]
    decay_start = total_steps - decay_steps

    def fn(t):
        warm = lr * (t + 1) / max(warmup_steps, 1)
        u = np.clip(t - decay_start, 0, decay_steps) / decay_steps
        after = eta_min + (lr - eta_min) * shape(u)
        return np.where(t < warmup_steps, warm, np.where(t < decay_start, lr, after))

    params = {"lr": lr, "total_steps": total_steps, "warmup_steps": warmup_steps, "decay_steps": decay_steps,
              "decay_shape": decay_shape, "eta_min": eta_min}
    return Schedule("wsd", params, fn)


def one_cycle(max_lr, total_steps, pct_start=0.3, anneal_strategy="cos", div_factor=25.0,
              final_div_factor=1e4, three_phase=False) -> Schedule:
    r"""The 1cycle policy: up from ``max_lr/div_factor`` to ``max_lr``, then far down.

    The rate moves through phases, each annealing (cosine or linear) from one
    value to the next, with :math:`N` = ``total_steps``, :math:`p` =
    ``pct_start``, ``initial_lr = max_lr / div_factor`` and
    ``min_lr = initial_lr / final_div_factor``:

    * two phases (default): ``initial_lr → max_lr`` ending at step
      :math:`pN - 1`, then ``max_lr → min_lr`` ending at step :math:`N - 1`;
    * ``three_phase=True``: ``initial_lr → max_lr`` ending at :math:`pN - 1`,
      ``max_lr → initial_lr`` ending at :math:`2pN - 2`, then
      ``initial_lr → min_lr`` ending at :math:`N - 1`.

    A phase from step :math:`a` to step :math:`b` (the previous phase's end;
    0 for the first) sets :math:`x = (t - a) / (b - a)` and returns
    ``end + (start - end)·(1 + cos(πx))/2`` (``"cos"``) or
    ``start + (end - start)·x`` (``"linear"``). These are PyTorch's
    ``OneCycleLR`` phase ends, including their fractional values
    (``float(pct_start * total_steps) - 1``), so the numbers match torch's
    learning rate at every step below ``total_steps`` (momentum cycling is not
    modelled).

    Differences from torch:

    * From ``step == total_steps`` on we hold the last value (``min_lr`` for
      ordinary settings). Torch raises past ``total_steps``, and at exactly
      ``total_steps`` it extrapolates the last phase one step too far (with
      ``"linear"`` that can give a negative rate).
    * If ``pct_start * total_steps == 1`` torch divides 0 by 0 at step 0; we
      return ``max_lr`` there (the first phase has length zero, so it is
      already over).
    * ``pct_start`` lies in (0, 1) (torch allows 0 and 1), ``div_factor`` and
      ``final_div_factor`` are >= 1 so that ``max_lr`` really is the maximum.
      With ``three_phase=True`` and ``pct_start`` above about 0.5 the third
      phase starts after ``total_steps`` and ``min_lr`` is never reached, as in
      torch.

    >>> sched = one_cycle(1.0, total_steps=5, pct_start=0.4, div_factor=10.0,
    ...                   final_div_factor=10.0, anneal_strategy="linear")
    >>> [round(sched(t), 4) for t in range(6)]
    [0.1, 1.0, 0.67, 0.34, 0.01, 0.01]
    """
    max_lr = v.positive("max_lr", max_lr)
    total_steps = v.integer("total_steps", total_steps, low=1)
    pct_start = v.fraction("pct_start", pct_start)
    anneal_strategy = v.choice("anneal_strategy", anneal_strategy, ("cos", "linear"))
    div_factor = v.real("div_factor", div_factor, low=1.0)
    final_div_factor = v.real("final_div_factor", final_div_factor, low=1.0)
    three_phase = _flag("three_phase", three_phase)

    initial_lr = max_lr / div_factor
    min_lr = initial_lr / final_div_factor
    # (end_step, start_lr, end_lr), with torch's exact float arithmetic.
    if three_phase:
        phases = [(float(pct_start * total_steps) - 1, initial_lr, max_lr),
                  (float(2 * pct_start * total_steps) - 2, max_lr, initial_lr),
                  (float(total_steps - 1), initial_lr, min_lr)]
    else:
        phases = [(float(pct_start * total_steps) - 1, initial_lr, max_lr),
                  (float(total_steps - 1), max_lr, min_lr)]

    def anneal(start, end, pct):
        if anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (np.cos(np.pi * pct) + 1)
        return (end - start) * pct + start

    def fn(t):
        s = np.minimum(t, total_steps - 1).astype(np.float64)
        out = np.empty(s.shape)
        todo = np.ones(s.shape, dtype=bool)
        start_step = 0.0
        for i, (end_step, start_lr, end_lr) in enumerate(phases):
            here = todo & (s <= end_step) if i < len(phases) - 1 else todo
            if end_step == start_step:  # zero-length phase: already at its end
                out[here] = end_lr
            else:
                out[here] = anneal(start_lr, end_lr, (s[here] - start_step) / (end_step - start_step))
            todo &= ~here
            start_step = end_step
        return out

    params = {"max_lr": max_lr, "total_steps": total_steps, "pct_start": pct_start,
              "anneal_strategy": anneal_strategy, "div_factor": div_factor,
              "final_div_factor": final_div_factor, "three_phase": three_phase}
    return Schedule("one_cycle", params, fn)


def cyclic(base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
           gamma=1.0) -> Schedule:
    r"""Cyclical learning rate: triangle waves between ``base_lr`` and ``max_lr``.

    A cycle rises for ``step_size_up`` steps and falls for ``step_size_down``
    (default: the same). With :math:`C` the cycle length, :math:`r` =
    ``step_size_up / C``, cycle number :math:`c = \lfloor 1 + t/C \rfloor` and
    position :math:`x = 1 + t/C - c \in [0, 1)`:

    .. math::
        \eta_t = \eta_{base} + (\eta_{max} - \eta_{base})\,
                 h(x)\, \sigma, \qquad
        h(x) = \begin{cases} x / r & x \le r \\ (1 - x)/(1 - r) & x > r \end{cases}

    where the amplitude scale :math:`\sigma` is 1 (``"triangular"``),
    :math:`1/2^{c-1}` (``"triangular2"``: halves every cycle) or
    :math:`\gamma^t` (``"exp_range"``). Same learning rate as
    ``torch.optim.lr_scheduler.CyclicLR`` (custom ``scale_fn`` and momentum
    cycling are not offered). Step sizes are integers >= 1, ``max_lr >
    base_lr > 0`` and ``gamma`` lies in (0, 1]; it only matters for
    ``"exp_range"``.

    >>> sched = cyclic(0.1, 0.5, step_size_up=2)
    >>> [round(sched(t), 3) for t in range(6)]
    [0.1, 0.3, 0.5, 0.3, 0.1, 0.3]
    """
    base_lr = v.positive("base_lr", base_lr)
    max_lr = v.positive("max_lr", max_lr)
    if max_lr <= base_lr:
        raise ValueError(f"max_lr must be > base_lr ({base_lr!r}), got {max_lr!r}")
    step_size_up = v.integer("step_size_up", step_size_up, low=1)
    if step_size_down is not None:
        step_size_down = v.integer("step_size_down", step_size_down, low=1)
    mode = v.choice("mode", mode, ("triangular", "triangular2", "exp_range"))
    gamma = _decay("gamma", gamma)

    up = float(step_size_up)
    down = float(step_size_down) if step_size_down is not None else up
    total_size = up + down
    step_ratio = up / total_size

    def fn(t):
        cycle = np.floor(1 + t / total_size)
        x = 1.0 + t / total_size - cycle
        scale_factor = np.where(x <= step_ratio, x / step_ratio, (x - 1) / (step_ratio - 1))
        base_height = (max_lr - base_lr) * scale_factor
        if mode == "triangular":
            return base_lr + base_height * 1.0
        if mode == "triangular2":
            with np.errstate(over="ignore"):  # 2**(cycle-1) -> inf after ~1000 cycles: scale 0
                return base_lr + base_height * (1 / (2.0 ** (cycle - 1)))
        return base_lr + base_height * gamma**t

    params = {"base_lr": base_lr, "max_lr": max_lr, "step_size_up": step_size_up,
              "step_size_down": step_size_down, "mode": mode, "gamma": gamma}
    return Schedule("cyclic", params, fn)


def join_schedules(schedules: Sequence[Callable], boundaries: Sequence[int]) -> Schedule:
    r"""Run ``schedules`` one after another, switching at ``boundaries``.

    From step ``boundaries[i-1]`` up to (not including) ``boundaries[i]`` the
    result is ``schedules[i](step - boundaries[i-1])``: each piece starts its
    own clock at 0 (optax's ``join_schedules``; torch's ``SequentialLR`` does
    the same with milestones). The first piece runs from step 0 and the last
    forever. Pieces can be any ``step -> lr`` callables: lrlab schedules get
    whole arrays of steps, other callables one Python ``int`` at a time. The
    join is continuous when
    each piece starts where the previous one would have continued, e.g. a
    warmup ending at ``lr`` followed by a decay starting at ``lr``.

    ``boundaries`` holds ``len(schedules) - 1`` strictly increasing integers
    >= 1.

    >>> warm = linear_warmup(0.1, total_iters=2, start_factor=0.5)
    >>> sched = join_schedules([warm, exponential_decay(0.1, gamma=0.5)], [2])
    >>> [round(sched(t), 4) for t in range(5)]
    [0.05, 0.075, 0.1, 0.05, 0.025]
    """
    if isinstance(schedules, (str, bytes)) or not isinstance(schedules, Sequence):
        raise TypeError(f"schedules must be a list of callables, got {type(schedules).__name__}")
    schedules = list(schedules)
    if not schedules:
        raise ValueError("schedules must hold at least one schedule, got an empty list")
    for i, sched in enumerate(schedules):
        if not callable(sched):
            raise TypeError(f"schedules[{i}] must be callable step -> lr, got {type(sched).__name__}")
    if isinstance(boundaries, (str, bytes)) or not isinstance(boundaries, (Sequence, np.ndarray)):
        raise TypeError(f"boundaries must be a list of integers, got {type(boundaries).__name__}")
    boundaries = [v.integer(f"boundaries[{i}]", b, low=1) for i, b in enumerate(boundaries)]
    if len(boundaries) != len(schedules) - 1:
        raise ValueError(
            f"boundaries must hold len(schedules) - 1 = {len(schedules) - 1} value(s), "
            f"got {len(boundaries)}")
    for i in range(1, len(boundaries)):
        if boundaries[i] <= boundaries[i - 1]:
            raise ValueError(f"boundaries must be strictly increasing, got {boundaries}")
    starts = [0] + boundaries
    ends = boundaries + [math.inf]

    def fn(t):
        out = np.empty(t.shape)
        for sched, lo, hi in zip(schedules, starts, ends):
            here = (t >= lo) & (t < hi)
            if not here.any():
                continue
            if isinstance(sched, Schedule):
                out[here] = sched(t[here] - lo)
            else:
                out[here] = [sched(int(step) - lo) for step in t[here]]
        return out

    return Schedule("join_schedules", {"schedules": schedules, "boundaries": boundaries}, fn)


# ---------------------------------------------------------------- stateful

class ReduceLROnPlateau:
    r"""Cut the learning rate by ``factor`` when a metric stops improving.

    The one stateful schedule: it follows a metric (say a validation loss),
    not the step count. Call ``new_lr = plateau.step(metric)`` once per
    evaluation; ``plateau.lr`` is the current rate. Same rules as
    ``torch.optim.lr_scheduler.ReduceLROnPlateau`` with one parameter group:

    * a metric *improves* on the best so far when, for ``mode="min"``, it is
      below ``best·(1 - threshold)`` (``threshold_mode="rel"``) or
      ``best - threshold`` (``"abs"``); for ``mode="max"``, above
      ``best·(1 + threshold)`` or ``best + threshold``. NaN never improves.
    * After more than ``patience`` evaluations in a row without improvement the
      rate becomes ``max(lr·factor, min_lr)``; the change is skipped if it is
      not larger than ``eps``. Then ``cooldown`` evaluations are ignored.

    Attributes mirror torch: ``lr``, ``best``, ``num_bad_epochs``,
    ``cooldown_counter``, ``last_epoch`` (evaluations seen).

    ``factor`` lies in (0, 1), ``patience`` and ``cooldown`` are integers
    >= 0, ``threshold`` and ``eps`` are >= 0, ``min_lr`` lies in ``[0, lr]``.

    >>> plateau = ReduceLROnPlateau(0.1, patience=1)
    >>> [round(plateau.step(loss), 4) for loss in [1.0, 0.5, 0.5, 0.5, 0.5, 0.5]]
    [0.1, 0.1, 0.1, 0.01, 0.01, 0.001]
    """

    def __init__(self, lr, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8):
        self.initial_lr = v.positive("lr", lr)
        self.mode = v.choice("mode", mode, ("min", "max"))
        self.factor = v.fraction("factor", factor)
        self.patience = v.integer("patience", patience, low=0)
        self.threshold = v.non_negative("threshold", threshold)
        self.threshold_mode = v.choice("threshold_mode", threshold_mode, ("rel", "abs"))
        self.cooldown = v.integer("cooldown", cooldown, low=0)
        self.min_lr = _floor("min_lr", min_lr, self.initial_lr)
        self.eps = v.non_negative("eps", eps)
        self.lr = self.initial_lr
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0

    def _is_better(self, a: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < self.best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < self.best - self.threshold
        if self.threshold_mode == "rel":
            return a > self.best * (self.threshold + 1.0)
        return a > self.best + self.threshold

    def step(self, metric) -> float:
        """Record one evaluation of the metric and return the (possibly reduced) lr."""
        if isinstance(metric, np.ndarray) and metric.ndim == 0:
            metric = metric[()]
        if isinstance(metric, (bool, np.bool_)) or not isinstance(metric, numbers.Real):
            raise TypeError(f"metric must be a real number, got {type(metric).__name__} {metric!r}")
        current = float(metric)
        self.last_epoch += 1
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad evaluations during cooldown do not count
        if self.num_bad_epochs > self.patience:
            new_lr = max(self.lr * self.factor, self.min_lr)
            if self.lr - new_lr > self.eps:
                self.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        return self.lr

    def __repr__(self) -> str:
        return (f"ReduceLROnPlateau(lr={self.initial_lr!r}, mode={self.mode!r}, "
                f"factor={self.factor!r}, patience={self.patience!r}, "
                f"threshold={self.threshold!r}, threshold_mode={self.threshold_mode!r}, "
                f"cooldown={self.cooldown!r}, min_lr={self.min_lr!r}, eps={self.eps!r})"
                f"  # now lr={self.lr!r} after {self.last_epoch} step(s)")
