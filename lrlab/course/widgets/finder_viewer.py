"""FinderViewer: the range-test curve with every suggestion rule marked (lesson 04).
"""
from __future__ import annotations


import ipywidgets as widgets
import numpy as np

from lrlab.course import plots
from lrlab.train.finder import SUGGESTIONS, FinderResult, lr_range_test
from lrlab.optim.optimizers import SGD
from lrlab.problems import LogisticRegression
from .base import _Control, _int_slider, _label, _legend, _log_axis, _row_layout, _style


# --------------------------------------------------------------------------- finder viewer


_RULE_STYLES = {"steepest": ("#0072B2", "--"), "minimum/10": ("#009E73", "-."), "valley": ("#D55E00", ":")}


class FinderViewer(_Control):
    """The learning-rate range test's curve with every suggestion rule marked.

    Give a :class:`lrlab.train.finder.FinderResult`, or a problem and optimizer to
    run :func:`lrlab.train.finder.lr_range_test` on (default: logistic regression
    on the digits, ``SGD(lr=0.1)``, rates 1e-4 to 10 over 100 steps, batches
    of 32; extra keywords go to ``lr_range_test``). Inputs (CSS class):
    ``curve`` (``lrlab-curve``: which curve the rules read, smoothed or raw),
    ``skip_start`` and ``skip_end`` (``lrlab-skip-start``,
    ``lrlab-skip-end``: points trimmed before the rules read it). Every rule
    in :data:`lrlab.train.finder.SUGGESTIONS` is applied with
    ``FinderResult.suggest``; the readout lists them, e.g.
    ``"steepest 1.6 | minimum/10 0.27 | valley 0.045"``.
    """

    css_class = "lrlab-finder"
    alt = "loss against learning rate in the range test, with the suggested rates marked"

    def __init__(self, result=None, *, problem=None, optimizer=None, **test_kwargs):
        if result is None:
            problem = LogisticRegression() if problem is None else problem
            optimizer = SGD(lr=0.1) if optimizer is None else optimizer
            kwargs = {"start_lr": 1e-4, "end_lr": 10.0, "num_steps": 100,
                      "batch_size": 32 if getattr(problem, "n_samples", None) else None}
            kwargs.update(test_kwargs)
            result = lr_range_test(problem, optimizer, **kwargs)
        elif not isinstance(result, FinderResult):
            raise TypeError(f"result must be a lrlab.train.finder.FinderResult, got {type(result).__name__}")
        elif problem is not None or optimizer is not None or test_kwargs:
            raise ValueError("give either a finished result or what to run (problem, optimizer, ...), not both")
        self.test = result
        n = len(result.lrs)
        self.curve = widgets.Dropdown(options=["smoothed", "raw"], value="smoothed",
                                      description="curve the rules read", style=_style(),
                                      layout=_row_layout()).add_class("lrlab-curve")
        self.skip_start = _int_slider(_label("skip_start", "points"), min(result.num_steps // 10, n // 2), 0,
                                      max(n // 2, 1), "lrlab-skip-start")
        self.skip_end = _int_slider(_label("skip_end", "points"), min(5, n // 2), 0, max(n // 2, 1),
                                    "lrlab-skip-end")
        super().__init__([self.curve, self.skip_start, self.skip_end],
                         [self.curve, self.skip_start, self.skip_end])

    def _compute(self):
        options = {"curve": self.curve.value, "skip_start": self.skip_start.value, "skip_end": self.skip_end.value}
        try:
            found = self.test.suggestions(**options)
            error = None
        except ValueError as exc:
            found, error = {}, str(exc)
        return {"options": options, "suggestions": found, "error": error,
                "used": self.test.curve(**options)}

    def _draw(self, canvas):
        ax = canvas.figure.subplots()
        canvas.figure.subplots_adjust(left=0.07, right=0.75, bottom=0.16, top=0.88)
        res = self.test
        ax.plot(res.lrs, res.losses, color="0.7", lw=1, label="loss per step")
        ax.plot(res.lrs, res.smoothed, color=plots.PALETTE[0], lw=1.5, label="smoothed")
        used = canvas.moving(ax.plot([], [], color=plots.PALETTE[2], lw=6, alpha=0.45, solid_capstyle="butt",
                                     label="read by the rules")[0])
        lines = {name: canvas.moving(ax.axvline(res.lrs[0], color=c, ls=ls, lw=2, label=name))
                 for name, (c, ls) in _RULE_STYLES.items() if name in SUGGESTIONS}
        finite = np.concatenate([res.losses[np.isfinite(res.losses)], res.smoothed[np.isfinite(res.smoothed)]])
        top = 1.5 * max(float(res.losses[0]), float(res.smoothed[0]))
        ax.set_ylim(0.9 * float(finite.min()), top)
        ax.set_xscale("log")
        _log_axis(ax.xaxis)
        ax.set_xlim(res.lrs[0], res.lrs[-1])
        ax.set_xlabel("learning rate (log scale)")
        ax.set_ylabel("loss")
        ax.set_title("Learning-rate range test")
        return {"canvas": canvas, "ax": ax, "used": used, "lines": lines}

    def _show(self, art, result):
        lrs, losses = result["used"]
        art["used"].set_data(lrs, losses)
        for name, line in art["lines"].items():
            lr = result["suggestions"].get(name)
            line.set_visible(lr is not None)
            if lr is not None:
                line.set_xdata([lr, lr])
                line.set_label(f"{name}: {lr:.2g}")
        # the legend carries the suggested rates: it moves with them, over a background drawn once
        old = art["ax"].get_legend()
        _legend(art["ax"], loc="upper left", bbox_to_anchor=(1.01, 1.0))
        art["canvas"].swap(old, art["ax"].get_legend())
        state = dict(result["options"])
        state["suggestions"] = result["suggestions"]
        if result["error"] is not None:
            return f"no suggestion: {result['error']}", "", state
        text = " | ".join(f"{name} {lr:.2g}" for name, lr in result["suggestions"].items())
        note = (f"The test ran {len(self.test.lrs)} of {self.test.num_steps} planned steps "
                f"({'stopped when the loss blew up' if self.test.stopped_early else 'no blow-up'}); "
                f"the rules read {len(lrs)} points of the {result['options']['curve']} curve.")
        return text, note, state
