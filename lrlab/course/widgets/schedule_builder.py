"""ScheduleBuilder: a schedule, its parameters and a training run with it (lesson 05).
"""
from __future__ import annotations

import copy
import html

import ipywidgets as widgets
import numpy as np

from lrlab import _validate as v
from lrlab.course import plots
from lrlab.optim import schedules
from lrlab.train.engine import train
from lrlab.optim.optimizers import SGD
from lrlab.problems import LogisticRegression
from .base import (
    _Control, _check_in_range, _float_slider, _int_slider, _label, _legend, _log_axis, _log_slider,
    _row_layout, _style, outcome)


# --------------------------------------------------------------------------- schedule builder


def _schedule_specs():
    """Schedule name → (parameters shown, ``make(lr, steps, p) -> Schedule``).

    Parameters marked "× peak lr" are given to the factory multiplied by the
    peak rate; ``total_steps`` is always the run's length.
    """
    return {
        "constant": ((), lambda lr, n, p: schedules.constant(lr)),
        "step_decay": (("step_size", "gamma"),
                       lambda lr, n, p: schedules.step_decay(lr, step_size=p["step_size"], gamma=p["gamma"])),
        "exponential_decay": (("gamma_per_step",),
                              lambda lr, n, p: schedules.exponential_decay(lr, gamma=p["gamma_per_step"])),
        "cosine_annealing": (("T_max", "eta_min"),
                             lambda lr, n, p: schedules.cosine_annealing(lr, T_max=p["T_max"],
                                                                         eta_min=p["eta_min"] * lr)),
        "warmup_cosine": (("warmup_steps", "eta_min"),
                          lambda lr, n, p: schedules.warmup_cosine(lr, warmup_steps=p["warmup_steps"],
                                                                   total_steps=n, eta_min=p["eta_min"] * lr)),
        "one_cycle": (("pct_start", "div_factor", "final_div_factor"),
                      lambda lr, n, p: schedules.one_cycle(lr, total_steps=n, pct_start=p["pct_start"],
                                                           div_factor=p["div_factor"],
                                                           final_div_factor=p["final_div_factor"])),
        "cyclic": (("base_lr", "step_size_up"),
                   lambda lr, n, p: schedules.cyclic(p["base_lr"] * lr, lr, step_size_up=p["step_size_up"])),
        "cosine_warm_restarts": (("T_0", "T_mult", "eta_min"),
                                 lambda lr, n, p: schedules.cosine_warm_restarts(
                                     lr, T_0=p["T_0"], T_mult=p["T_mult"], eta_min=p["eta_min"] * lr)),
        "linear_warmup": (("total_iters", "start_factor"),
                          lambda lr, n, p: schedules.linear_warmup(lr, total_iters=p["total_iters"],
                                                                   start_factor=p["start_factor"])),
    }


class ScheduleBuilder(_Control):
    """Pick a schedule from :mod:`lrlab.optim.schedules`, set its parameters, watch a run use it.

    Inputs (CSS class): ``schedule`` (``lrlab-schedule``, a dropdown), ``lr``
    (``lrlab-lr``, the peak rate), ``steps`` (``lrlab-steps``) and the chosen
    schedule's parameters (``lrlab-param-<name>``, torch's keyword names;
    only those of the chosen schedule are shown). Draws ``schedule(step)``
    and runs ``lrlab.train.engine.train(problem, optimizer, steps, schedule=...)``,
    next to the same run at the constant peak rate. The readout is
    :func:`outcome` of the scheduled run; the note shows the schedule's repr.
    Parameters the factory rejects (e.g. a warmup longer than the run) are
    reported in the readout as ``invalid settings: <the factory's message>``.

    Parameters
    ----------
    problem : Problem, optional
        Default: ``LogisticRegression()`` on the digits, trained on minibatches.
    optimizer : lrlab optimizer, optional
        Default ``SGD(lr=0.1)``; copied for every run (the schedule sets its lr).
    schedule : str
        One of :data:`SCHEDULE_NAMES`.
    lr : float
        Peak learning rate, in ``[1e-3, 10**1.3]``.
    steps : int
        Length of the run, 10 to ``max_steps``.
    batch_size : int or None
        Minibatch size for problems with data (``None``: full batch).
    seed : int
        Seeds the start and the batches, so every run sees the same data order.
    """

    css_class = "lrlab-schedules"
    book_frames = 7  # every frame trains a network on the digits: fewer of them keep the book build short
    alt = "learning rate against step, and the training loss with that schedule"

    def __init__(self, problem=None, optimizer=None, *, schedule="cosine_annealing", lr=5.0, steps=200,
                 max_steps=500, batch_size=32, seed=0):
        self.problem = LogisticRegression() if problem is None else problem
        self.optimizer = SGD(lr=0.1) if optimizer is None else optimizer
        if not (hasattr(self.optimizer, "step") and hasattr(self.optimizer, "lr")):
            raise TypeError("optimizer must be an lrlab optimizer (e.g. SGD(lr=0.1)), "
                            f"got {type(self.optimizer).__name__}")
        self._specs = _schedule_specs()
        schedule = v.choice("schedule", schedule, self._specs)
        lr = _check_in_range("lr", lr, 1e-3, 10.0 ** 1.3)
        max_steps = v.integer("max_steps", max_steps, low=10)
        steps = v.integer("steps", steps, low=10, high=max_steps)
        self.batch_size = None if batch_size is None else v.integer("batch_size", batch_size, low=1)
        if self.problem.n_samples is None:
            self.batch_size = None
        self.seed = v.integer("seed", seed, low=0)
        self.schedule = widgets.Dropdown(options=list(self._specs), value=schedule, description="schedule",
                                         style=_style(), layout=_row_layout()).add_class("lrlab-schedule")
        self.lr = _log_slider(_label("peak lr", "per step"), lr, -3.0, 1.3, "lrlab-lr")
        self.steps = _int_slider(_label("steps", "updates"), steps, 10, max_steps, "lrlab-steps", step=10)
        half = max_steps // 2
        self.params = {
            "step_size": _int_slider(_label("step_size", "steps"), max(steps // 4, 1), 1, max_steps,
                                     "lrlab-param-step_size"),
            "gamma": _float_slider(_label("gamma", "factor per decay"), 0.5, 0.05, 1.0, 0.05, "lrlab-param-gamma"),
            "gamma_per_step": _float_slider(_label("gamma", "factor per step"), 0.99, 0.9, 1.0, 0.001,
                                            "lrlab-param-gamma_per_step", fmt=".3f"),
            "T_max": _int_slider(_label("T_max", "steps"), steps, 1, max_steps, "lrlab-param-T_max"),
            "eta_min": _float_slider(_label("eta_min", "× peak lr"), 0.0, 0.0, 1.0, 0.05, "lrlab-param-eta_min"),
            "warmup_steps": _int_slider(_label("warmup_steps", "steps"), max(steps // 10, 1), 0, half,
                                        "lrlab-param-warmup_steps"),
            "pct_start": _float_slider(_label("pct_start", "fraction of the run"), 0.3, 0.05, 0.95, 0.05,
                                       "lrlab-param-pct_start"),
            "div_factor": _log_slider(_label("div_factor", "peak ÷ first lr"), 25.0, 0.0, 3.0,
                                      "lrlab-param-div_factor"),
            "final_div_factor": _log_slider(_label("final_div_factor", "first ÷ last lr"), 1e4, 0.0, 5.0,
                                            "lrlab-param-final_div_factor"),
            "base_lr": _log_slider(_label("base_lr", "× peak lr"), 0.1, -3.0, -0.05, "lrlab-param-base_lr"),
            "step_size_up": _int_slider(_label("step_size_up", "steps"), max(steps // 8, 1), 1, half,
                                        "lrlab-param-step_size_up"),
            "T_0": _int_slider(_label("T_0", "steps"), max(steps // 4, 1), 1, max_steps, "lrlab-param-T_0"),
            "T_mult": _int_slider(_label("T_mult", "cycle growth factor"), 1, 1, 4, "lrlab-param-T_mult"),
            "total_iters": _int_slider(_label("total_iters", "steps"), max(steps // 4, 1), 1, max_steps,
                                       "lrlab-param-total_iters"),
            "start_factor": _float_slider(_label("start_factor", "× peak lr"), 0.1, 0.05, 1.0, 0.05,
                                          "lrlab-param-start_factor"),
        }
        self.param_box = widgets.VBox(self._shown_params(schedule)).add_class("lrlab-params")
        self._baseline = {}
        self.schedule.observe(self._schedule_changed, names="value")
        super().__init__([self.schedule, self.lr, self.steps, self.param_box],
                         [self.lr, self.steps, *self.params.values()])

    def _shown_params(self, name):
        return [self.params[key] for key in self._specs[name][0]]

    def _schedule_changed(self, change):
        self.param_box.children = self._shown_params(change["new"])
        self.refresh()

    def _changed(self, change):
        # Hidden parameters of other schedules do not change this run: skip the retraining.
        if change["owner"] in self.params.values() and change["owner"] not in self.param_box.children:
            return
        super()._changed(change)

    def _run(self, schedule):
        opt = copy.deepcopy(self.optimizer)
        return train(self.problem, opt, self.steps.value, schedule=schedule, batch_size=self.batch_size,
                     seed=self.seed)

    def _compute(self):
        name, lr, steps = self.schedule.value, self.lr.value, self.steps.value
        keys, make = self._specs[name]
        try:
            sched = make(lr, steps, {k: self.params[k].value for k in keys})
        except (TypeError, ValueError) as exc:
            return {"name": name, "lr": lr, "steps": steps, "error": str(exc)}
        if (lr, steps) not in self._baseline:
            self._baseline = {(lr, steps): self._run(schedules.constant(lr))}
        return {"name": name, "lr": lr, "steps": steps, "schedule": sched, "run": self._run(sched),
                "baseline": self._baseline[(lr, steps)], "error": None}

    def _draw(self, canvas):
        fig = canvas.figure
        left, right = fig.subplots(1, 2, gridspec_kw={"wspace": 0.28})
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.88)
        curve = canvas.moving(left.plot([], [], color=plots.PALETTE[5], lw=2, label="schedule")[0])
        left.set_xlabel("step")
        left.set_ylabel("learning rate")
        left.set_title("Learning rate at each step")
        base = canvas.moving(right.plot([], [], color="0.55", lw=1.2, ls="--", label="constant peak lr")[0])
        loss = canvas.moving(right.plot([], [], color=plots.PALETTE[6], lw=1.8, label="with the schedule")[0])
        right.set_yscale("log")
        _log_axis(right.yaxis)
        right.set_xlabel("step")
        right.set_ylabel("training loss (log scale)")
        right.set_title(f"Training: {self.problem.name}")
        _legend(right, loc="upper right")
        return {"canvas": canvas, "left": left, "right": right, "curve": curve, "base": base, "loss": loss}

    def _show(self, art, result):
        steps, lr = result["steps"], result["lr"]
        state = {"schedule": result["name"], "lr": lr, "steps": steps}
        art["left"].set_xlim(0, steps)
        art["right"].set_xlim(0, steps)
        if result["error"] is not None:
            for key in ("curve", "base", "loss"):
                art[key].set_data([], [])
            art["canvas"].invalidate()
            return f"invalid settings: {result['error']}", "", state
        sched, run, base = result["schedule"], result["run"], result["baseline"]
        t = np.arange(steps)
        rates = sched(t)
        art["curve"].set_data(t, rates)
        art["left"].set_ylim(0, 1.08 * max(float(np.max(rates)), lr))
        k = np.arange(steps + 1)
        art["loss"].set_data(k, run.losses)
        art["base"].set_data(k, base.losses)
        both = np.concatenate([run.losses, base.losses])
        both = both[np.isfinite(both) & (both > 0)]
        art["right"].set_ylim(both.min() / 1.5, both.max() * 1.5)
        art["canvas"].invalidate()
        state["params"] = {k: _jsonable(val) for k, val in sched.params.items()}
        note = (f"{html.escape(repr(sched))}; at the constant peak rate instead: "
                f"{outcome(base.losses, base.diverged_at)}.")
        return outcome(run.losses, run.diverged_at), note, state


def _jsonable(value):
    return value if isinstance(value, (int, float, str, bool)) or value is None else repr(value)


SCHEDULE_NAMES = tuple(_schedule_specs())
"""The schedules :class:`ScheduleBuilder` offers (factory names in :mod:`lrlab.optim.schedules`)."""
