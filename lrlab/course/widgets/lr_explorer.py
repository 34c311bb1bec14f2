"""LRExplorer: gradient descent on a 1-D quadratic with a learning-rate slider (lesson 02).
"""
from __future__ import annotations

import math

import numpy as np

from lrlab import _validate as v
from lrlab.course import plots
from lrlab.train import theory
from lrlab.train.engine import sweep
from lrlab.problems import Quadratic1D
from .base import (
    _Control, _Scale, _check_in_range, _decade_ticks, _float_slider, _floor_for_log, _int_slider, _label,
    _legend, _log_slider, _loss_bottom, _loss_per_step_axis, outcome)


# --------------------------------------------------------------------------- LR explorer


_REGIME_WORDS = {
    "creeps": "creeps towards the minimum from one side",
    "one step": "lands on the minimum in a single step",
    "zig-zags": "zig-zags across the minimum while closing in",
    "stuck oscillating": "bounces between two points for ever",
    "diverges": "overshoots further every step",
}


class LRExplorer(_Control):
    """Gradient descent on a 1-D quadratic with a learning-rate slider.

    Inputs (CSS class): ``lr`` (``lrlab-lr``, log scale, with ``1/L`` and
    ``2/L`` marked on the strip below it, ``lrlab-scale``), ``x0``
    (``lrlab-x0``), ``steps`` (``lrlab-steps``). Runs
    ``lrlab.train.engine.sweep(problem, [lr], steps, x0=x0, record_params=True)``
    and shows the points visited on the loss curve and the loss after each
    step (log scale). The readout is :func:`outcome` of the run; the note
    names the regime (:func:`lrlab.train.theory.regime`).

    Parameters
    ----------
    problem : Quadratic1D, optional
        Default ``Quadratic1D(a=2.0, x0=5.0)``, i.e. ``f(x) = x²``.
    lr : float
        Start value, inside the slider's range ``2/L · [1e-3, 10**0.2]``.
    x0 : float, optional
        Start point (default the problem's); the slider spans ``±2·max(|x0|, 1)``.
    steps : int
        Number of steps, between 1 and ``max_steps``.
    max_steps : int
        Upper end of the steps slider.
    max_loss : float, optional
        Passed to ``sweep``: the loss above which a run counts as diverged
        (default: the engine's, a million times the starting loss).
    """

    css_class = "lrlab-lr-explorer"
    alt = "steps of gradient descent on the loss curve, and the loss per step"

    def __init__(self, problem=None, *, lr=0.1, x0=None, steps=50, max_steps=500, max_loss=None):
        problem = Quadratic1D() if problem is None else problem
        if not isinstance(problem, Quadratic1D):
            raise TypeError(f"problem must be a Quadratic1D (the explorer draws a 1-D loss curve), "
                            f"got {type(problem).__name__}")
        self.problem = problem
        self.limit = theory.stability_limit(problem)          # 2/L
        self.best = theory.optimal_lr(problem)                # 1/L
        low = round(math.log10(self.limit) - 3.0, 10)
        high = round(math.log10(self.limit) + 0.2, 10)
        lr = _check_in_range("lr", lr, 10.0 ** low, 10.0 ** high)
        x0 = problem.x0 if x0 is None else v.real("x0", x0)
        reach = 2.0 * max(abs(problem.x0), 1.0)
        if abs(x0) > reach:
            raise ValueError(f"x0 must be between {-reach:g} and {reach:g} (the slider's range), got {x0!r}")
        max_steps = v.integer("max_steps", max_steps, low=1)
        steps = v.integer("steps", steps, low=1, high=max_steps)
        self.max_loss = None if max_loss is None else v.positive("max_loss", max_loss)

        self.lr = _log_slider(_label("learning rate η", "per step"), lr, low, high, "lrlab-lr",
                              tooltip="step size: each arrow key multiplies it by 10^0.05")
        self.scale = _Scale(low, high)
        self.scale.draw([("1/L", self.best, plots.PALETTE[0]),
                         ("2/L", self.limit, plots.VERDICT_COLOURS["too large"])],
                        [(10.0 ** low, self.best, plots.VERDICT_COLOURS["too small"], "creeps"),
                         (self.best, self.limit, plots.VERDICT_COLOURS["good"], "zig-zags but converges"),
                         (self.limit, 10.0 ** high, plots.VERDICT_COLOURS["too large"], "diverges")])
        self.x0 = _float_slider(_label("start x₀", "x units"), x0, -reach, reach,
                                reach / 20.0, "lrlab-x0")
        self.steps = _int_slider(_label("steps", "updates"), steps, 1, max_steps, "lrlab-steps")
        super().__init__([self.lr, self.scale, self.x0, self.steps], [self.lr, self.x0, self.steps])

    def _compute(self):
        return sweep(self.problem, [self.lr.value], self.steps.value, x0=self.x0.value,
                     max_loss=self.max_loss, record_params=True)

    def _draw(self, canvas):
        fig = canvas.figure
        left, right = fig.subplots(1, 2, gridspec_kw={"wspace": 0.28})
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.88)
        colour = plots.PALETTE[6]
        curve, = left.plot([], [], color="0.6", lw=1.5, label="loss curve f(x)")
        path = canvas.moving(left.plot([], [], "o-", color=colour, ms=4, lw=1, label="steps x₀, x₁, …")[0])
        start = canvas.moving(left.plot([], [], "s", color=colour, ms=8, label="start x₀")[0])
        left.set_xlabel("parameter x")
        left.set_ylabel("loss f(x)")
        left.set_title(f"Steps on f(x) = {self.problem.name}")
        _legend(left, loc="upper center")
        loss = canvas.moving(right.plot([], [], color=plots.PALETTE[5], lw=1.8, label="loss")[0])
        blowup = canvas.moving(right.plot([], [], "x", color=plots.VERDICT_COLOURS["too large"], ms=10,
                                          mew=2.5, label="diverged")[0])
        zero = _loss_per_step_axis(right, canvas)
        return {"canvas": canvas, "left": left, "right": right, "curve": curve, "path": path,
                "start": start, "loss": loss, "blowup": blowup, "zero": zero, "layout": None}

    def _show(self, art, run):
        x0, steps = float(run.params[0, 0, 0]), run.losses.shape[1] - 1
        f0 = float(run.losses[0, 0])
        losses = run.losses[0]
        top = 10.0 ** math.ceil(math.log10(run.max_loss * 10.0))
        bottom = _loss_bottom(losses, top)
        if art["layout"] != (x0, steps, bottom):  # the parts that do not move with every rate
            span = 1.3 * max(abs(x0), 1.0)
            grid = np.linspace(-span, span, 201)
            fmax = self.problem.value(np.array([span]))
            art["curve"].set_data(grid, self.problem.value(grid))
            art["left"].set_xlim(-span, span)
            art["left"].set_ylim(-0.06 * fmax, 1.1 * fmax)
            art["right"].set_xlim(0, max(steps, 1))
            art["right"].set_ylim(bottom, top)
            _decade_ticks(art["right"].yaxis, bottom, top)
            art["layout"] = (x0, steps, bottom)
            art["canvas"].invalidate()
        xs = run.params[0, :, 0]
        art["path"].set_data(xs, self.problem.value(xs))
        art["start"].set_data([x0], [f0])
        art["loss"].set_data(np.arange(steps + 1), _floor_for_log(losses, bottom * 1.01))
        art["zero"].set_visible(bool(np.any(losses < bottom)))
        k = int(run.diverged_at[0])
        art["blowup"].set_data(([k], [min(losses[k], top)]) if k >= 0 else ([], []))
        lr = float(run.lrs[0])
        regime = theory.regime(lr, self.problem)
        note = (f"η = {lr:.3g} is {lr / self.limit:.3g} × 2/L (1/L = {self.best:.3g}, 2/L = {self.limit:.3g}): "
                f"each step {_REGIME_WORDS.get(regime, regime)}. A run counts as diverged once its loss "
                f"passes {run.max_loss:.3g}.")
        state = {"lr": lr, "x0": x0, "steps": steps, "a": self.problem.a, "max_loss": run.max_loss}
        return outcome(losses, k), note, state
