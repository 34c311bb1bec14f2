"""The shell every control shares (a row of sliders over a figure redrawn on change) and the
slider, axis and canvas helpers.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import json
import math
import os

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from PIL import Image

from lrlab import _validate as v
from lrlab.course.plots.describe import MAX_ALT, _shorten, read_figure

from .aria import Names
from .frames import Frame, player


#: Pixels per inch of the rendered figures (a 9.6 × 3.6 in figure is 768 × 288 px).
DPI = 80
_FIGSIZE = (9.6, 3.6)
#: Layout shared by every input row, so labels and tracks line up in a column.
_ROW_WIDTH = "680px"
_LABEL_WIDTH = "250px"
_LOG_STEP = 0.05  # slider step in decades: each arrow key multiplies the rate by 10**0.05 ≈ 1.12
#: Environment variable the book's build sets (to ``frames``): controls then display as frames (see
#: :meth:`_Control.frames_html`), since a static page has no kernel to run their sliders.
BOOK_MODE = "LRLAB_BOOK_CONTROLS"
_SLIDERS = (widgets.FloatLogSlider, widgets.FloatSlider, widgets.IntSlider)




# --------------------------------------------------------------------------- small helpers


def outcome(losses, diverged_at) -> str:
    """The readout of one run: ``"final loss 2.3e-09"`` or ``"diverged at step 30"``.

    ``diverged_at`` is a step number, or ``None``/a negative number for a run
    that never diverged (the conventions of :class:`lrlab.train.engine.History` and
    :class:`lrlab.train.engine.Sweep`).

    >>> outcome([25.0, 16.0], None), outcome([25.0, 900.0, float("nan")], 1)
    ('final loss 16', 'diverged at step 1')
    """
    if diverged_at is not None and diverged_at >= 0:
        return f"diverged at step {int(diverged_at)}"
    return f"final loss {float(losses[-1]):.2g}"


def _label(name: str, unit: str) -> str:
    return f"{name} ({unit})"


#: What the inputs whose label is a parameter's name set, in words (said after the name).
_WORDS = {
    "lr": "learning rate",
    "step_size": "steps between two decays",
    "gamma": "decay factor",
    "T_max": "length of the cosine",
    "eta_min": "lowest learning rate",
    "warmup_steps": "length of the linear warm-up",
    "pct_start": "share of the run spent rising",
    "div_factor": "how far below the peak the run starts",
    "final_div_factor": "how far below the start the run ends",
    "base_lr": "lowest learning rate of a cycle",
    "step_size_up": "length of the rise",
    "T_0": "length of the first cycle",
    "T_mult": "growth of each cycle",
    "total_iters": "length of the change",
    "start_factor": "first learning rate",
    "skip_start": "points of the curve left out at the start",
    "skip_end": "points of the curve left out at the end",
}


def accessible_name(widget) -> str:
    """What a screen reader calls the input: its label, the parameter in words, the unit, the scale.

    >>> accessible_name(widgets.FloatLogSlider(description="peak lr (per step)"))
    'peak lr: learning rate (per step), log scale'
    >>> accessible_name(widgets.IntSlider(description="T_0 (steps)"))
    'T_0: length of the first cycle (steps)'
    """
    text = widget.description
    name, sep, unit = text.partition(" (")
    words = _WORDS.get(name.split()[-1] if name else name)
    if words and words not in name:
        text = f"{name}: {words}{sep}{unit}"
    if isinstance(widget, widgets.FloatLogSlider):
        text += ", log scale"
    return text


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
                             f'font-size:10px;color:#595959">{10.0 ** e:g}</div>')
        for label, value, colour in marks:
            p = self._pos(value)
            if 0.0 <= p <= 100.0:
                parts.append(f'<div style="position:absolute;left:{p:.2f}%;top:-3px;height:16px;'
                             f'border-left:2px solid {colour}"></div>'
                             f'<div style="position:absolute;left:{p:.2f}%;top:12px;'
                             f'transform:translateX(-50%);font-size:11px;font-weight:bold;color:#222;'
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

    def swap(self, old, new):
        """Make ``new`` a moving artist in place of ``old`` (a legend rebuilt with new labels); returns it."""
        if old in self._moving:
            self._moving.remove(old)
        return self.moving(new)

    def invalidate(self):
        """Forget the background: the next :meth:`png` draws everything again."""
        self._background = None

    def reset(self):
        """An empty figure, with no moving artists, for a control that rebuilds its axes."""
        self.figure.clear()
        self._moving.clear()
        self._background = None

    def rgb(self) -> np.ndarray:
        """The figure as it is now, drawn (the background pasted, the moving artists on top): an RGB array
        that stays valid until the next draw."""
        if self._background is None:
            self._agg.draw()
            self._background = self._agg.copy_from_bbox(self.figure.bbox)
        else:
            self._agg.restore_region(self._background)
        for artist in self._moving:
            if artist.get_visible():
                self.figure.draw_artist(artist)
        return np.asarray(self._agg.buffer_rgba())[..., :3]

    def png(self) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(self.rgb()).save(buf, format="png", compress_level=1)
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
    #: How many values of the main slider the book renders as frames (the start value is added).
    book_frames = 13

    def __init__(self, rows, inputs):
        self.readout = widgets.HTML(layout=widgets.Layout(margin="6px 0 0 8px"),
                                    style={"font_size": "1.15em"}).add_class("lrlab-readout")
        self.note = widgets.HTML(layout=widgets.Layout(margin="0 0 0 8px")).add_class("lrlab-note")
        self.plot = widgets.Output().add_class("lrlab-plot")
        # Names the sliders and the plot in the browser (see aria.py); it takes no room. Not in the
        # book: a page shows frames, and its widget manager could not load anywidget's module offline.
        self.aria = None
        if os.environ.get(BOOK_MODE) != "frames":
            self.aria = Names(names={_input_class(w): accessible_name(w) for w in inputs if isinstance(w, _SLIDERS)},
                              layout=widgets.Layout(height="0px", margin="0"))
        super().__init__(children=[*rows, self.readout, self.note, self.plot, *filter(None, [self.aria])])
        self.add_class("lrlab-control")
        self.add_class(self.css_class)
        self._quiet = False
        self._framing = False  # True while frames() renders: refresh() then only computes and updates the figure
        self._canvas = _Canvas(self.figsize)
        self._art = self._draw(self._canvas)
        self.readout_text = ""
        self.png = b""
        self.result = None
        self._inputs = list(inputs)
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
        self.readout_text = text
        if self._framing:  # a frame for the book: frames() draws and encodes it; nothing is sent to the page
            return
        self.png = self._canvas.png()
        alt = self.figure_alt()
        if self.aria is not None:
            self.aria.alt = alt
        self.plot.outputs = ({"output_type": "display_data",
                              "data": {"image/png": base64.b64encode(self.png).decode("ascii"),
                                       "text/plain": alt},
                              "metadata": {"image/png": {"alt": alt}}},)
        self.note.value = f'<div style="line-height:1.45">{note}</div>' if note else ""
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

    def figure_alt(self) -> str:
        """The figure as it is now, in words: the readout, then what each panel plots against what."""
        return _shorten(f"{self.readout_text}. {read_figure(self._canvas.figure).alt}", MAX_ALT)

    # -- frames for pages without a kernel
    def main_slider(self):
        """The slider the book's static copy moves: the control's first slider."""
        return next(w for w in self._inputs if isinstance(w, _SLIDERS))

    def frame_values(self, count=None) -> tuple[list, int]:
        """Up to ``count`` (default :attr:`book_frames`) values on the main slider's grid, spread
        evenly from end to end, plus its current value; returns them and the current one's index."""
        slider = self.main_slider()
        count = v.integer("count", self.book_frames if count is None else count, low=2)
        n = int(round((slider.max - slider.min) / slider.step))
        if isinstance(slider, widgets.FloatLogSlider):
            grid = [10.0 ** round(slider.min + k * slider.step, 10) for k in range(n + 1)]
            now = int(round((math.log10(slider.value) - slider.min) / slider.step))
        else:
            grid = [slider.min + k * slider.step for k in range(n + 1)]
            now = int(round((slider.value - slider.min) / slider.step))
        picked = sorted(set(np.linspace(0, n, min(count, n + 1)).round().astype(int).tolist()) | {now})
        return [grid[k] for k in picked], picked.index(now)

    def frames(self, count=None) -> tuple[list[Frame], int]:
        """The control's figure for each of :meth:`frame_values`, computed by moving the main slider
        (which is put back afterwards); returns the frames and the index of the current value."""
        slider = self.main_slider()
        values, start = self.frame_values(count)
        kept, kept_result = slider.value, self.result

        def frame():
            return Frame(value=f"{slider.value:{_value_format(slider)}}", png=_small_png(self._canvas.rgb()),
                         alt=self.figure_alt(), text=self.readout_text)

        out = {start: frame()}  # the control as it is now: nothing to compute
        self._framing = True
        try:
            for i in (i for i in range(len(values)) if i != start):
                slider.value = values[i]
                out[i] = frame()
        finally:
            self._framing = False
            # back to where it was, from the result kept aside: no recomputation, nothing sent to the page
            self._quiet = True
            try:
                slider.value = kept
            finally:
                self._quiet = False
            self.result = kept_result
            self.readout_text = self._show(self._art, kept_result)[0]
        return [out[i] for i in range(len(values))], start

    def frames_html(self, count=None) -> str:
        """The control as a page without a kernel shows it: :func:`frames.player` over :meth:`frames`."""
        slider = self.main_slider()
        frames, start = self.frames(count)
        others = [f"{w.description} {w.value if not isinstance(w.value, float) else format(w.value, '.3g')}"
                  for w in self._inputs if w is not slider and hasattr(w, "description")]
        note = (f"On this page the slider {slider.description} moves through {len(frames)} values, from "
                f"{frames[0].value} to {frames[-1].value}, computed when the book was built"
                + (f"; the other settings stay at {', '.join(others)}" if others else "")
                + ". Open the lesson in Jupyter to move every control.")
        return player(frames, label=slider.description, start=start, note=note,
                      css_class=f"lrlab-control-frames {self.css_class}")

    def _repr_mimebundle_(self, **kwargs):
        text = f"<{type(self).__name__}: {self.readout_text}>"
        if os.environ.get(BOOK_MODE) == "frames":
            return {"text/html": self.frames_html(), "text/plain": text}
        bundle = super()._repr_mimebundle_(**kwargs)
        data, meta = bundle if isinstance(bundle, tuple) else (bundle, {})
        data, meta = dict(data or {}), dict(meta or {})
        data["image/png"] = base64.b64encode(self.png).decode("ascii")
        data["text/plain"] = text
        meta["image/png"] = {"alt": self.figure_alt()}
        return data, meta


def _input_class(widget) -> str:
    """The ``lrlab-...`` CSS class that tells an input apart inside its control."""
    (css,) = [c for c in widget._dom_classes if c.startswith("lrlab-")]
    return css


def _value_format(slider) -> str:
    return "d" if isinstance(slider, widgets.IntSlider) else ".3g"


def _small_png(rgb) -> bytes:
    """The PNG of an RGB array (or of PNG bytes) in at most 64 colours: a frame of the book weighs about a
    third of a full-colour PNG. The fast octree quantizer and zlib level 6 encode a 768 × 288 frame in about
    15 ms (median cut and ``optimize`` took 62 ms for a PNG 6 % bigger: ``benchmarks/bench_frames.py``)."""
    image = Image.open(io.BytesIO(rgb)).convert("RGB") if isinstance(rgb, bytes) else Image.fromarray(rgb)
    image = image.quantize(colors=64, method=Image.Quantize.FASTOCTREE)
    buf = io.BytesIO()
    image.save(buf, format="png", compress_level=6)
    return buf.getvalue()


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
