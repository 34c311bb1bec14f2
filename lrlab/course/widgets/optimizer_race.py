"""OptimizerRace: SGD, momentum and Adam on one valley, one rate each (lesson 06).
"""
from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

from lrlab import _validate as v
from lrlab.course import plots
from lrlab.train.engine import train
from lrlab.optim.optimizers import SGD, Adam
from lrlab.problems import QuadraticND, Rosenbrock
from .base import (
    _Control, _decade_ticks, _floor_for_log, _int_slider, _label, _log_slider, _loss_bottom,
    _loss_per_step_axis, _on_grid, _row_layout, _style, outcome)


# --------------------------------------------------------------------------- optimizer race


def _race_problems():
    """Problem name → (problem, contour bounds, start rates per racer)."""
    return {
        "Rosenbrock": (Rosenbrock(), ((-2.0, 2.0), (-1.0, 3.0)),
                       {"SGD": 10 ** -2.7, "momentum": 10 ** -3.0, "Adam": 10 ** -1.0}),
        "ill-conditioned quadratic": (
            QuadraticND(condition_number=50.0, rotation=math.pi / 6, x0=[-2.0, 1.5]),
            ((-2.5, 2.5), (-2.0, 2.0)),
            {"SGD": 10 ** -1.45, "momentum": 10 ** -2.0, "Adam": 10 ** -1.0}),
    }


#: The three racers: name → (slider label, optimizer factory from lrlab.optim.optimizers).
RACERS = {
    "SGD": ("SGD lr", lambda lr: SGD(lr=lr)),
    "momentum": ("SGD + momentum 0.9 lr", lambda lr: SGD(lr=lr, momentum=0.9)),
    "Adam": ("Adam lr", lambda lr: Adam(lr=lr)),
}


class OptimizerRace(_Control):
    """SGD, SGD with momentum and Adam on the same problem, each with its own learning rate.

    Inputs (CSS class): ``problem`` (``lrlab-problem``: Rosenbrock or an
    ill-conditioned quadratic; choosing one resets the rates to ones that
    work there), ``lrs["SGD"]``, ``lrs["momentum"]``, ``lrs["Adam"]``
    (``lrlab-lr-sgd``, ``lrlab-lr-momentum``, ``lrlab-lr-adam``) and
    ``steps`` (``lrlab-steps``). Each racer is one
    ``lrlab.train.engine.train(problem, optimizer, steps, record_params=True)``;
    the paths are drawn on the contours and the losses per step side by
    side. The readout lists :func:`outcome` per racer, e.g.
    ``"SGD: final loss 0.00053 | momentum: diverged at step 12 | Adam: final loss 0.0094"``.
    """

    css_class = "lrlab-race"
    alt = "paths of three optimizers on the contours, and their losses per step"

    def __init__(self, *, problem="Rosenbrock", steps=500, max_steps=2000):
        self._problems = _race_problems()
        problem = v.choice("problem", problem, self._problems)
        max_steps = v.integer("max_steps", max_steps, low=10)
        steps = v.integer("steps", steps, low=10, high=max_steps)
        self.problem = widgets.Dropdown(options=list(self._problems), value=problem, description="problem",
                                        style=_style(), layout=_row_layout()).add_class("lrlab-problem")
        start = self._problems[problem][2]
        self.lrs = {name: _log_slider(_label(label, "per step"), start[name], -5.0, 0.5,
                                      f"lrlab-lr-{name.lower()}")
                    for name, (label, _) in RACERS.items()}
        self.steps = _int_slider(_label("steps", "updates"), steps, 10, max_steps, "lrlab-steps", step=10)
        self.problem.observe(self._problem_changed, names="value")
        super().__init__([self.problem, *self.lrs.values(), self.steps], [*self.lrs.values(), self.steps])

    def _problem_changed(self, change):
        start = self._problems[change["new"]][2]
        with self._hold():
            for name, slider in self.lrs.items():
                slider.value = _on_grid(start[name], slider.min, slider.step)

    def _compute(self):
        name = self.problem.value
        problem = self._problems[name][0]
        runs = {racer: train(problem, make(self.lrs[racer].value), self.steps.value, record_params=True)
                for racer, (_, make) in RACERS.items()}
        return {"name": name, "problem": problem, "runs": runs}

    def _draw(self, canvas):
        canvas.figure.subplots(1, 2, gridspec_kw={"wspace": 0.25})
        canvas.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.88)
        return {"canvas": canvas, "problem": None}

    def _layout(self, art, name):
        """(Re)draw the contours and create the moving lines for problem ``name``."""
        canvas = art["canvas"]
        canvas.reset()
        problem, bounds, _ = self._problems[name]
        left, right = canvas.figure.subplots(1, 2, gridspec_kw={"wspace": 0.25})
        canvas.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.88)
        plots.contour(problem, [], ax=left, bounds=bounds, title=f"Paths on {problem.name}")
        colours = plots.colours(len(RACERS) + 1)[1:]
        styles = ("-", "--", "-.")
        paths, ends, losses, blowups = {}, {}, {}, {}
        for (racer, _), colour, ls in zip(RACERS.items(), colours, styles):
            paths[racer] = canvas.moving(left.plot([], [], ls=ls, color=colour, lw=1.5, label=racer)[0])
            ends[racer] = canvas.moving(left.plot([], [], "o", color=colour, ms=6)[0])
            losses[racer] = canvas.moving(right.plot([], [], ls=ls, color=colour, lw=1.8, label=racer)[0])
            blowups[racer] = canvas.moving(right.plot([], [], "x", color=colour, ms=10, mew=2.5)[0])
        left.legend(loc="lower right", fontsize="small", framealpha=0.9)
        zero = _loss_per_step_axis(right, canvas)
        art.update(problem=name, left=left, right=right, paths=paths, ends=ends, losses=losses,
                   blowups=blowups, zero=zero, limits=None)
        canvas.invalidate()

    def _show(self, art, result):
        if art["problem"] != result["name"]:
            self._layout(art, result["name"])
        steps = self.steps.value
        runs = result["runs"].values()
        top = 10.0 ** math.ceil(math.log10(max(run.max_loss for run in runs) * 10.0))
        bottom = _loss_bottom([run.losses for run in runs], top)
        if art["limits"] != (steps, bottom, top):
            art["right"].set_xlim(0, steps)
            art["right"].set_ylim(bottom, top)
            _decade_ticks(art["right"].yaxis, bottom, top)
            art["limits"] = (steps, bottom, top)
            art["canvas"].invalidate()
        art["zero"].set_visible(any(bool(np.any(run.losses < bottom)) for run in runs))
        texts, state = [], {"problem": result["name"], "steps": steps, "lrs": {}}
        for racer, run in result["runs"].items():
            path = np.asarray(run.params)
            art["paths"][racer].set_data(path[:, 0], path[:, 1])
            last = path[np.isfinite(path).all(axis=1)][-1:]
            art["ends"][racer].set_data(last[:, 0], last[:, 1])
            art["losses"][racer].set_data(np.arange(run.losses.size), _floor_for_log(run.losses, bottom * 1.01))
            k = run.diverged_at
            art["blowups"][racer].set_data(([k], [min(run.losses[k], top)]) if k is not None else ([], []))
            texts.append(f"{racer}: {outcome(run.losses, k)}")
            state["lrs"][racer] = float(run.lrs[0])
        note = ("Each optimizer starts from the same point; the dots mark where each one ended. "
                f"Start loss {float(result['runs']['SGD'].losses[0]):.3g}.")
        return " | ".join(texts), note, state
