r"""Interactive controls for the lessons: ipywidgets sliders wired to lrlab, drawn with matplotlib.

Five controls, each an ``ipywidgets.VBox`` you display in a notebook:

=========================  ======================================================================
control                    what moves, and what it calls
=========================  ======================================================================
:class:`LRExplorer`        learning rate, start and steps → :func:`lrlab.engine.sweep` on a 1-D
                           quadratic; the steps on the loss curve and the loss per step
:class:`ShowerKnob`        gain and pipe delay → :func:`lrlab.shower.simulate`; the temperature
                           felt against the comfort band
:class:`ScheduleBuilder`   a schedule from :mod:`lrlab.schedules` and its parameters → the
                           learning-rate curve and :func:`lrlab.engine.train` with it
:class:`OptimizerRace`     one learning rate each for SGD, SGD with momentum and Adam
                           (:mod:`lrlab.optimizers`) → paths on the contours, losses side by side
:class:`FinderViewer`      the range-test curve of :func:`lrlab.finder.lr_range_test` with every
                           rule of :data:`lrlab.finder.SUGGESTIONS` marked
=========================  ======================================================================

The controls compute nothing themselves: every number comes from the lrlab
function named above, and the text they print is built from its result.

How a control behaves
    * Sliders send their value when released (``continuous_update=False``), so
      dragging does not flood the kernel; arrow keys move them one step, Page
      Up/Down five, Home/End to the ends. Learning rates and gains move on a
      log scale; a strip under such a slider marks the theory's landmarks
      (``1/L`` and ``2/L``, or the shower's fastest and largest stable gain).
    * The figure is inline matplotlib: one off-screen ``Figure`` per control,
      rendered to PNG and put in an ``Output`` widget (``.plot``). The parts
      that do not change with the slider are drawn once and kept as a bitmap;
      a slider change redraws only the lines that move (matplotlib's blitting),
      which keeps a redraw of :class:`LRExplorer` at 500 steps near 10 ms
      (``benchmarks/bench_widgets.py``). Identical settings give byte-identical
      PNGs.
    * ``.readout`` says what happened in predictable words, e.g.
      ``final loss 2.3e-09`` or ``diverged at step 30``; its ``data-state``
      attribute holds the settings it was computed from (JSON), and
      ``.note`` adds a sentence of context.
    * Static fallback: :meth:`static_figure` returns the current state (the
      initial state, before anyone moves a slider) as a plain matplotlib
      figure, and displaying a control also carries that figure as
      ``image/png``, so a notebook stored with outputs still shows the plot
      where widgets cannot run (GitHub, nbconvert, a book page without state).
    * Stable CSS classes for styling and tests: every control has
      ``lrlab-control`` and its own class (``lrlab-lr-explorer``,
      ``lrlab-shower``, ``lrlab-schedules``, ``lrlab-race``, ``lrlab-finder``);
      inside it ``lrlab-readout``, ``lrlab-note``, ``lrlab-plot``,
      ``lrlab-scale`` and one class per input (listed on each class).

>>> explorer = LRExplorer(lr=0.1, steps=50)
>>> explorer.readout_text
'final loss 5.1e-09'
>>> explorer.lr.value = 10 ** 0.05    # one slider notch above 2/L = 1: each step multiplies |x| by 1.24
>>> explorer.readout_text
'diverged at step 32'
"""
from __future__ import annotations

import base64
import contextlib
import copy
import html
import io
import json
import math

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from PIL import Image

from . import _validate as v
from . import plots, schedules, shower, theory
from .engine import sweep, train
from .finder import SUGGESTIONS, FinderResult, lr_range_test
from .optimizers import SGD, Adam
from .problems import LogisticRegression, Quadratic1D, QuadraticND, Rosenbrock

__all__ = ["LRExplorer", "ShowerKnob", "ScheduleBuilder", "OptimizerRace", "FinderViewer",
           "outcome", "SCHEDULE_NAMES", "RACERS"]

#: Pixels per inch of the rendered figures (a 9.6 × 3.6 in figure is 768 × 288 px).
DPI = 80
_FIGSIZE = (9.6, 3.6)
#: Layout shared by every input row, so labels and tracks line up in a column.
_ROW_WIDTH = "680px"
_LABEL_WIDTH = "250px"
_LOG_STEP = 0.05  # slider step in decades: each arrow key multiplies the rate by 10**0.05 ≈ 1.12


# --------------------------------------------------------------------------- small helpers


def outcome(losses, diverged_at) -> str:
    """The readout of one run: ``"final loss 2.3e-09"`` or ``"diverged at step 30"``.

    ``diverged_at`` is a step number, or ``None``/a negative number for a run
    that never diverged (the conventions of :class:`lrlab.engine.History` and
    :class:`lrlab.engine.Sweep`).

    >>> outcome([25.0, 16.0], None), outcome([25.0, 900.0, float("nan")], 1)
    ('final loss 16', 'diverged at step 1')
    """
    if diverged_at is not None and diverged_at >= 0:
        return f"diverged at step {int(diverged_at)}"
    return f"final loss {float(losses[-1]):.2g}"


def _label(name: str, unit: str) -> str:
    return f"{name} ({unit})"


def _style():
    return {"description_width": _LABEL_WIDTH}


def _row_layout():
    return widgets.Layout(width=_ROW_WIDTH)


def _on_grid(value: float, low: float, step: float) -> float:
    """The slider position nearest ``value`` on a log grid starting at exponent ``low``."""
    k = round((math.log10(value) - low) / step)
    return 10.0 ** round(low + k * step, 10)


def _log_slider(description, value, low, high, css, *, step=_LOG_STEP, fmt=".3g", tooltip=""):
    """A FloatLogSlider over ``10**low .. 10**high`` whose start value sits on its grid."""
    return widgets.FloatLogSlider(
        value=_on_grid(value, low, step), base=10.0, min=low, max=high, step=step,
        description=description, tooltip=tooltip, readout_format=fmt, continuous_update=False,
        style=_style(), layout=_row_layout()).add_class(css)


def _int_slider(description, value, low, high, css, *, step=1, tooltip=""):
    return widgets.IntSlider(value=value, min=low, max=high, step=step, description=description,
                             tooltip=tooltip, continuous_update=False, style=_style(),
                             layout=_row_layout()).add_class(css)


def _float_slider(description, value, low, high, step, css, *, fmt=".3g", tooltip=""):
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               tooltip=tooltip, readout_format=fmt, continuous_update=False,
                               style=_style(), layout=_row_layout()).add_class(css)


def _check_in_range(name, value, low, high):
    value = v.positive(name, value)
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low:.3g} and {high:.3g} (the slider's range), "
                         f"got {value!r}")
    return value


class _Scale(widgets.HTML):
    """The strip under a log slider: decade ticks, shaded zones and labelled marks.

    Positions are percentages of the slider's track, which the strip is laid out
    to match (same row width, indented by the label width).
    """

    def __init__(self, low, high):
        super().__init__(layout=widgets.Layout(width=_ROW_WIDTH, margin="0 0 4px 0"))
        self.low, self.high = low, high
        self.add_class("lrlab-scale")

    def _pos(self, value):
        return 100.0 * (math.log10(value) - self.low) / (self.high - self.low)

    def draw(self, marks, zones=()):
        """``marks``: (label, value, colour); ``zones``: (start, end, colour, label)."""
        parts = []
        for start, end, colour, label in zones:
            a, b = (max(0.0, min(100.0, self._pos(x))) for x in (start, end))
            if b > a:
                parts.append(f'<div title="{html.escape(label)}" style="position:absolute;left:{a:.2f}%;'
                             f'width:{b - a:.2f}%;top:2px;height:6px;background:{colour};opacity:0.35"></div>')
        spots = [self._pos(value) for _, value, _ in marks]
        for e in range(math.ceil(self.low), math.floor(self.high) + 1):
            p = self._pos(10.0 ** e)
            parts.append(f'<div style="position:absolute;left:{p:.2f}%;top:0;height:10px;'
                         f'border-left:1px solid #888"></div>')
            if all(abs(p - q) > 7.0 for q in spots):  # a mark's label goes there instead
                parts.append(f'<div style="position:absolute;left:{p:.2f}%;top:10px;transform:translateX(-50%);'
                             f'font-size:10px;color:#666">{10.0 ** e:g}</div>')
        for label, value, colour in marks:
            p = self._pos(value)
            if 0.0 <= p <= 100.0:
                parts.append(f'<div style="position:absolute;left:{p:.2f}%;top:-3px;height:16px;'
                             f'border-left:2px solid {colour}"></div>'
                             f'<div style="position:absolute;left:{p:.2f}%;top:12px;'
                             f'transform:translateX(-50%);font-size:11px;font-weight:bold;color:{colour};'
                             f'white-space:nowrap">{html.escape(label)}</div>')
        names = "; ".join(f"{label} at {value:.3g}" for label, value, _ in marks)
        self.value = (f'<div role="img" aria-label="slider scale: {html.escape(names)}" '
                      f'style="position:relative;height:30px;margin-left:calc({_LABEL_WIDTH} + 16px);'
                      f'margin-right:80px">{"".join(parts)}</div>')


class _Canvas:
    """An off-screen matplotlib figure that redraws only what moves.

    Artists registered with :meth:`moving` are left out of the full draw; the
    rest is drawn once and kept as a bitmap (the background) until
    :meth:`invalidate`. :meth:`png` pastes the background and draws the moving
    artists on top. With ``blit=False`` (the static figure) nothing is special.
    """

    def __init__(self, figsize=_FIGSIZE, *, blit=True):
        self.figure = Figure(figsize=figsize, dpi=DPI)
        self._agg = FigureCanvasAgg(self.figure)
        self.blit = blit
        self._moving = []
        self._background = None

    def moving(self, artist):
        if self.blit:
            artist.set_animated(True)
            self._moving.append(artist)
        return artist

    def invalidate(self):
        """Forget the background: the next :meth:`png` draws everything again."""
        self._background = None

    def reset(self):
        """An empty figure, with no moving artists, for a control that rebuilds its axes."""
        self.figure.clear()
        self._moving.clear()
        self._background = None

    def png(self) -> bytes:
        if self._background is None:
            self._agg.draw()
            self._background = self._agg.copy_from_bbox(self.figure.bbox)
        else:
            self._agg.restore_region(self._background)
        for artist in self._moving:
            if artist.get_visible():
                self.figure.draw_artist(artist)
        rgb = np.asarray(self._agg.buffer_rgba())[..., :3]
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, format="png", compress_level=1)
        return buf.getvalue()


# --------------------------------------------------------------------------- the common shell


class _Control(widgets.VBox):
    """Inputs on top, then the readout, a note and the figure; subclasses fill in the parts.

    A subclass creates its input widgets, calls ``super().__init__(rows, inputs)``
    and implements ``_compute()`` (call lrlab, return the result), ``_draw(canvas)``
    (create the artists, return them in a dict) and ``_show(art, result)`` (put
    the result into the artists; return ``(readout_text, note_html, state)``).
    """

    css_class = "lrlab-control"
    figsize = _FIGSIZE
    alt = "figure"

    def __init__(self, rows, inputs):
        self.readout = widgets.HTML(layout=widgets.Layout(margin="6px 0 0 8px"),
                                    style={"font_size": "1.15em"}).add_class("lrlab-readout")
        self.note = widgets.HTML(layout=widgets.Layout(margin="0 0 0 8px")).add_class("lrlab-note")
        self.plot = widgets.Output().add_class("lrlab-plot")
        super().__init__(children=[*rows, self.readout, self.note, self.plot])
        self.add_class("lrlab-control")
        self.add_class(self.css_class)
        self._quiet = False
        self._canvas = _Canvas(self.figsize)
        self._art = self._draw(self._canvas)
        self.readout_text = ""
        self.png = b""
        self.result = None
        for w in inputs:
            w.observe(self._changed, names="value")
        self.refresh()

    # -- wiring
    def _changed(self, change):
        if not self._quiet:
            self.refresh()

    @contextlib.contextmanager
    def _hold(self):
        """Change several inputs at once with a single refresh at the end."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False
        self.refresh()

    def refresh(self):
        """Recompute from the current inputs and redraw (sliders call this on every change)."""
        self.result = self._compute()
        text, note, state = self._show(self._art, self.result)
        self.png = self._canvas.png()
        self.plot.outputs = ({"output_type": "display_data",
                              "data": {"image/png": base64.b64encode(self.png).decode("ascii"),
                                       "text/plain": f"<{self.alt}: {text}>"},
                              "metadata": {}},)
        self.note.value = f'<div style="line-height:1.45">{note}</div>' if note else ""
        self.readout_text = text
        self.readout.value = (f'<span class="lrlab-readout-text" role="status" aria-live="polite" '
                              f'style="font-weight:600" data-state="{html.escape(json.dumps(state))}">'
                              f'{html.escape(text)}</span>')

    # -- static fallback
    def static_figure(self) -> Figure:
        """The control's current state (its initial state until a slider moves) as a plain Figure.

        The figure is not managed by pyplot: ``display(fig)`` or ``fig.savefig(...)`` it.
        """
        canvas = _Canvas(self.figsize, blit=False)
        self._show(self._draw(canvas), self.result)
        return canvas.figure

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data, meta = bundle if isinstance(bundle, tuple) else (bundle, {})
        data = dict(data or {})
        data["image/png"] = base64.b64encode(self.png).decode("ascii")
        data["text/plain"] = f"<{type(self).__name__}: {self.readout_text}>"
        return (data, meta) if meta else data


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(value, _pos=None) -> str:
    """Tick label ``10⁻³`` in plain Unicode (mathtext labels cost most of a full redraw)."""
    if not value > 0:
        return ""
    exponent = math.log10(value)
    if abs(exponent - round(exponent)) > 1e-9:
        return ""
    return "10" + str(int(round(exponent))).translate(_SUPERSCRIPT)


def _log_axis(axis):
    """A log-scaled axis labelled at powers of ten, without minor ticks."""
    axis.set_major_formatter(FuncFormatter(_power_of_ten))
    axis.set_minor_locator(NullLocator())


def _decade_ticks(axis, low, high):
    """Ticks at round powers of ten (every 1, 2, 5, 10, 20, 50 or 100 decades) between ``low`` and ``high``."""
    lo, hi = math.floor(math.log10(low)), math.ceil(math.log10(high))
    stride = next(s for s in (1, 2, 5, 10, 20, 50, 100) if (hi - lo) / s <= 7)
    exponents = range(stride * math.ceil(lo / stride), hi + 1, stride)
    axis.set_major_locator(FixedLocator([10.0 ** e for e in exponents]))


def _legend(ax, **kwargs):
    ax.legend(frameon=False, fontsize="small", **kwargs)


def _floor_for_log(values, floor):
    """Values clipped from below at ``floor`` so zeros and underflows sit on a log axis' bottom."""
    with np.errstate(invalid="ignore"):
        return np.where(values < floor, floor, values)


_CHUNK = 20  # decades: the bottom of a loss axis moves in steps this big, so it rarely moves


def _loss_bottom(losses, top) -> float:
    """Bottom of a log loss axis with the given top: low enough for the smallest positive loss.

    It is a power of ten in whole chunks of 20 decades, at least 20 decades below ``top``
    and at most 300 (float64 has nothing smaller), so it stays put while a slider moves
    through similar runs and the axis is only redrawn when a run reaches a new chunk.
    """
    values = np.asarray(losses, dtype=float).ravel()
    with np.errstate(invalid="ignore"):
        positive = values[np.isfinite(values) & (values > 0)]
    lowest = float(positive.min()) if positive.size else top
    exponent = _CHUNK * math.floor(math.log10(lowest) / _CHUNK)
    exponent = min(exponent, _CHUNK * math.floor(math.log10(top) / _CHUNK - 1))
    return 10.0 ** max(exponent, -300)



def _loss_per_step_axis(ax, canvas):
    """Style ``ax`` as the controls' "loss after each step" panel; returns its moving bottom note."""
    ax.set_yscale("log")
    _log_axis(ax.yaxis)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (log scale)")
    ax.set_title("Loss after each step")
    _legend(ax, loc="upper right")
    return canvas.moving(_bottom_note(ax))

def _bottom_note(ax):
    """The remark shown when some loss is 0 (or below 1e-300) and sits on the axis' bottom edge."""
    return ax.text(0.98, 0.03, "losses of 0 are drawn on the bottom edge", transform=ax.transAxes,
                   ha="right", va="bottom", fontsize="small", color="0.35")


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
    ``lrlab.engine.sweep(problem, [lr], steps, x0=x0, record_params=True)``
    and shows the points visited on the loss curve and the loss after each
    step (log scale). The readout is :func:`outcome` of the run; the note
    names the regime (:func:`lrlab.theory.regime`).

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


# --------------------------------------------------------------------------- shower knob


class ShowerKnob(_Control):
    """The shower analogy with a gain slider and a pipe delay.

    Inputs (CSS class): ``gain`` (``lrlab-gain``, log scale; the strip below
    marks :func:`lrlab.shower.fastest_gain` and
    :func:`lrlab.shower.stable_gain_limit` for the current delay) and
    ``delay`` (``lrlab-delay``, seconds). Runs
    ``lrlab.shower.simulate(gain, delay=delay, steps=steps)`` and draws the
    temperature felt over time against the comfort band. The readout follows
    the run's ``behaviour``: ``"settles after 12 s"``, ``"too timid: still
    9.3 °C too cold after 60 s"`` or ``"wild swings: never settles in 60 s"``.

    Parameters
    ----------
    gain : float
        Start gain in knob units per °C, inside ``[1e-4, 10**-0.7]``.
        Default: the ``"sensible"`` preset.
    delay : int
        Start delay in steps (seconds), 0 to ``max_delay`` (the slider's top).
    steps : int
        Adjustments per run (one per second).
    cold, hot : float
        Tap temperatures in °C with the knob fully cold / fully hot (as in ``simulate``).
    """

    css_class = "lrlab-shower"
    alt = "temperature felt over time, with the comfortable band shaded"
    _LOW, _HIGH = -4.0, -0.7

    def __init__(self, *, gain=None, delay=2, steps=60, max_delay=6, cold=10.0, hot=60.0):
        gain = shower.PRESETS["sensible"].gain if gain is None else gain
        gain = _check_in_range("gain", gain, 10.0 ** self._LOW, 10.0 ** self._HIGH)
        max_delay = v.integer("max_delay", max_delay, low=0, high=20)
        delay = v.integer("delay", delay, low=0, high=max_delay)
        self.steps_per_run = v.integer("steps", steps, low=2)
        self.cold, self.hot = v.real("cold", cold), v.real("hot", hot)
        if not self.hot > self.cold:
            raise ValueError(f"hot must be > cold ({self.cold!r}), got {self.hot!r}")
        self.gain = _log_slider(_label("gain", "knob turn per °C"), gain, self._LOW, self._HIGH,
                                "lrlab-gain", fmt=".2g",
                                tooltip="how far the knob turns per degree of error (the learning rate)")
        self.scale = _Scale(self._LOW, self._HIGH)
        self.delay = _int_slider(_label("pipe delay", "s"), delay, 0, max_delay, "lrlab-delay",
                                 tooltip="seconds before a knob turn reaches your skin")
        self._marked_delay = None
        super().__init__([self.gain, self.scale, self.delay], [self.gain, self.delay])

    def _compute(self):
        return shower.simulate(self.gain.value, delay=self.delay.value, steps=self.steps_per_run,
                               cold=self.cold, hot=self.hot)

    def _draw(self, canvas):
        fig = canvas.figure
        ax = fig.subplots()
        fig.subplots_adjust(left=0.07, right=0.78, bottom=0.16, top=0.88)
        target = ax.axhline(0, color=plots.VERDICT_COLOURS["good"], ls="--", lw=1, label="target")
        felt = canvas.moving(ax.plot([], [], color=plots.PALETTE[6], lw=2, marker=".", ms=4,
                                     label="temperature felt")[0])
        ax.set_xlabel("time (s)")
        ax.set_ylabel("temperature felt (°C)")
        ax.set_title("Water temperature at the skin")
        return {"canvas": canvas, "ax": ax, "band": None, "target": target, "felt": felt, "layout": None}

    def _show(self, art, run):
        key = (run.target, run.band, float(run.time[-1]))
        if art["layout"] != key:
            ax = art["ax"]
            if art["band"] is not None:
                art["band"].remove()
            art["band"] = ax.axhspan(run.target - run.band, run.target + run.band, zorder=0,
                                     color=plots.VERDICT_COLOURS["good"], alpha=0.15,
                                     label=f"comfortable ({run.target:g} ± {run.band:g} °C)")
            art["target"].set_ydata([run.target, run.target])
            ax.set_xlim(0, run.time[-1])
            ax.set_ylim(self.cold - 2.0, self.hot + 2.0)
            _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
            art["layout"] = key
            art["canvas"].invalidate()
        art["felt"].set_data(run.time, run.felt)
        if self._marked_delay != run.delay and art is self._art:
            self._mark_scale(run.delay)
        end = float(run.time[-1])
        if run.behaviour == "settles":
            text = f"settles after {run.settled_at:g} s"
        elif run.behaviour == "too timid":
            miss = float(run.error[-1])
            text = f"too timid: still {abs(miss):.1f} °C too {'cold' if miss > 0 else 'hot'} after {end:g} s"
        else:
            text = f"wild swings: never settles in {end:g} s"
        limit = shower.stable_gain_limit(run.delay, cold=self.cold, hot=self.hot)
        fastest = shower.fastest_gain(run.delay, cold=self.cold, hot=self.hot)
        note = (f"gain {run.gain:.2g} knob/°C with a {run.delay} s delay: gains above {limit:.3g} knob/°C "
                f"swing ever wider; the fastest settling gain is {fastest:.3g} knob/°C.")
        state = {"gain": run.gain, "delay": run.delay, "steps": len(run.time) - 1}
        return text, note, state

    def _mark_scale(self, delay):
        fastest = shower.fastest_gain(delay, cold=self.cold, hot=self.hot)
        limit = shower.stable_gain_limit(delay, cold=self.cold, hot=self.hot)
        self.scale.draw([("fastest", fastest, plots.VERDICT_COLOURS["good"]),
                         ("stable limit", limit, plots.VERDICT_COLOURS["too large"])],
                        [(limit, 10.0 ** self._HIGH, plots.VERDICT_COLOURS["too large"], "swings grow")])
        self._marked_delay = delay


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
    """Pick a schedule from :mod:`lrlab.schedules`, set its parameters, watch a run use it.

    Inputs (CSS class): ``schedule`` (``lrlab-schedule``, a dropdown), ``lr``
    (``lrlab-lr``, the peak rate), ``steps`` (``lrlab-steps``) and the chosen
    schedule's parameters (``lrlab-param-<name>``, torch's keyword names;
    only those of the chosen schedule are shown). Draws ``schedule(step)``
    and runs ``lrlab.engine.train(problem, optimizer, steps, schedule=...)``,
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
"""The schedules :class:`ScheduleBuilder` offers (factory names in :mod:`lrlab.schedules`)."""


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


#: The three racers: name → (slider label, optimizer factory from lrlab.optimizers).
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
    ``lrlab.engine.train(problem, optimizer, steps, record_params=True)``;
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


# --------------------------------------------------------------------------- finder viewer


_RULE_STYLES = {"steepest": ("#0072B2", "--"), "minimum/10": ("#009E73", "-."), "valley": ("#D55E00", ":")}


class FinderViewer(_Control):
    """The learning-rate range test's curve with every suggestion rule marked.

    Give a :class:`lrlab.finder.FinderResult`, or a problem and optimizer to
    run :func:`lrlab.finder.lr_range_test` on (default: logistic regression
    on the digits, ``SGD(lr=0.1)``, rates 1e-4 to 10 over 100 steps, batches
    of 32; extra keywords go to ``lr_range_test``). Inputs (CSS class):
    ``curve`` (``lrlab-curve``: which curve the rules read, smoothed or raw),
    ``skip_start`` and ``skip_end`` (``lrlab-skip-start``,
    ``lrlab-skip-end``: points trimmed before the rules read it). Every rule
    in :data:`lrlab.finder.SUGGESTIONS` is applied with
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
            raise TypeError(f"result must be a lrlab.finder.FinderResult, got {type(result).__name__}")
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
        _legend(art["ax"], loc="upper left", bbox_to_anchor=(1.01, 1.0))
        art["canvas"].invalidate()
        state = dict(result["options"])
        state["suggestions"] = result["suggestions"]
        if result["error"] is not None:
            return f"no suggestion: {result['error']}", "", state
        text = " | ".join(f"{name} {lr:.2g}" for name, lr in result["suggestions"].items())
        note = (f"The test ran {len(self.test.lrs)} of {self.test.num_steps} planned steps "
                f"({'stopped when the loss blew up' if self.test.stopped_early else 'no blow-up'}); "
                f"the rules read {len(lrs)} points of the {result['options']['curve']} curve.")
        return text, note, state
