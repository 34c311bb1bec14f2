"""Figures described in words: the alternative text every course figure carries.

A screen reader reads a figure's *alternative text* where a sighted reader looks
at the plot. Every figure of the course gets one, computed from what it draws:

* :func:`describe` attaches a description to a figure: ``alt``, a sentence of
  at most :data:`MAX_ALT` characters, and optionally ``long``, a longer text or
  a table (rows of cells) for a figure that carries a table's worth of numbers.
  A plot function calls it with the numbers its lesson's prose relies on.
* :func:`description` returns what a figure says about itself: the text given
  to :func:`describe` or, for a figure nobody described, one read off its axes
  (titles, what is plotted against what, scales, ranges and legend entries).
* When a notebook shows a figure, the formatter registered by
  :func:`register_formatter` publishes its PNG with the description as
  ``metadata["image/png"]["alt"]`` (nbconvert writes that into the ``<img alt=...>``
  of a page; for myst-nb the book's extension does), as an ``<img alt=...>`` in ``text/html``
  (what JupyterLab shows: its image renderer drops the alt) and as the ``text/plain`` of the output, and a
  long description as a collapsed ``<details>`` table below the image.

>>> import matplotlib
>>> from matplotlib.figure import Figure
>>> fig = Figure()
>>> ax = fig.subplots()
>>> _ = ax.plot([1, 10, 100], [3.0, 2.0, 0.5], label="SGD")
>>> _ = ax.set(xscale="log", xlabel="learning rate", ylabel="final loss", title="Final loss against rate")
>>> description(fig).alt
'Final loss against rate: final loss against learning rate (log x), from 0.5 to 3; line: SGD.'
"""
from __future__ import annotations

import base64
import html
import math
import re
from dataclasses import dataclass, field

import numpy as np

#: Longest alternative text, in characters (screen readers read alt text in one go, without pausing).
MAX_ALT = 250
_ATTR = "_lrlab_description"


@dataclass(frozen=True)
class Description:
    """What a figure shows, in words: ``alt`` (short) and ``long`` (text, or rows of a table)."""

    alt: str
    long: str | tuple = ""
    header: tuple = field(default=())
    #: the whole sentence when ``alt`` had to be cut (the long description starts with it)
    full: str = ""

    @property
    def text(self) -> str:
        """Everything the description says in words: the full sentence, else ``alt``."""
        return self.full or self.alt

    def long_html(self) -> str:
        """The long description as HTML: a paragraph, or a table with ``header`` over its rows."""
        if not self.long:
            return ""
        lead = f"<p>{html.escape(self.full)}</p>" if self.full else ""
        if isinstance(self.long, str):
            return lead + f"<p>{html.escape(self.long)}</p>"
        head = "".join(f"<th scope=\"col\">{html.escape(str(h))}</th>" for h in self.header)
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(c))}</td>" for c in row) + "</tr>"
                       for row in self.long)
        return lead + (f"<table>{f'<thead><tr>{head}</tr></thead>' if head else ''}"
                f"<tbody>{rows}</tbody></table>")

    def long_text(self) -> str:
        if isinstance(self.long, str):
            return "\n".join(filter(None, [self.full, self.long]))
        lines = [self.full] if self.full else []
        lines += [" | ".join(map(str, self.header))] if self.header else []
        return "\n".join(lines + [" | ".join(_cell(c) for c in row) for row in self.long])


def _cell(value) -> str:
    return fmt(value) if isinstance(value, (float, np.floating)) else str(value)


def fmt(x, digits: int = 2) -> str:
    """A number as a reader hears it: ``0.0012``, ``1.2e-09``, ``25``, ``inf``."""
    x = float(x)
    if not math.isfinite(x):
        return "not a number" if math.isnan(x) else ("infinity" if x > 0 else "minus infinity")
    return f"{x:.{digits}g}"


def _shorten(text: str, limit: int = MAX_ALT) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else cut
    return cut.rstrip(" ,;:") + "…"


def _figure(obj):
    """The root Figure of a Figure, SubFigure, Axes or array/list of Axes."""
    from matplotlib.figure import FigureBase

    if isinstance(obj, (list, tuple, np.ndarray)) and len(obj):
        obj = np.asarray(obj, dtype=object).flat[0]
    fig = obj if isinstance(obj, FigureBase) else getattr(obj, "figure", None)
    if not isinstance(fig, FigureBase):
        raise TypeError(f"fig must be a matplotlib Figure or Axes, got {type(obj).__name__}")
    return fig.get_figure(root=True)


def describe(fig, alt: str, long="", header=()):
    """Attach a description to ``fig`` (a Figure, an Axes of it, or the axes a plot function returned).

    ``alt`` says what is plotted against what and the numbers the prose relies
    on; it is cut at a word to :data:`MAX_ALT` characters. ``long`` is a longer
    text or the figure's numbers as rows of a table (``header`` names the
    columns). Returns the Figure.
    """
    fig = _figure(fig)
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt must be a sentence saying what the figure shows")
    if not isinstance(long, (str, list, tuple)):
        raise TypeError(f"long must be a string or rows of a table, got {type(long).__name__}")
    rows = long if isinstance(long, str) else tuple(tuple(row) for row in long)
    setattr(fig, _ATTR, Description(_shorten(alt), rows, tuple(header)))
    return fig


# --------------------------------------------------------------------------- reading a figure


def _label(text: str) -> str:
    return re.sub(r"\$([^$]*)\$", r"\1", text or "").replace("\\", "").strip()


def _scale_words(ax) -> str:
    """`` (log x)``, `` (log y)`` or `` (log–log)``, unless the axis labels already say so."""
    x = ax.get_xscale() != "linear" and "log" not in ax.get_xlabel()
    y = ax.get_yscale() != "linear" and "log" not in ax.get_ylabel()
    return " (log–log)" if x and y else " (log x)" if x else " (log y)" if y else ""


def _data_range(ax):
    """Smallest and largest finite y value of the lines and collections drawn on ``ax``."""
    values = []
    for line in ax.get_lines():
        y = np.asarray(line.get_ydata(), dtype=float).ravel()
        x = np.asarray(line.get_xdata(), dtype=float).ravel()
        if y.size > 2 or (y.size and not np.allclose(x, x[0])):  # skip vertical/horizontal marks
            values.append(y)
    for patch in ax.patches:
        if hasattr(patch, "get_height") and type(patch).__name__ == "Rectangle":
            values.append(np.array([patch.get_height()], dtype=float))
    if not values:
        return None
    y = np.concatenate(values)
    if ax.get_yscale() == "log":
        y = y[y > 0]
    y = y[np.isfinite(y)]
    return (float(y.min()), float(y.max())) if y.size else None


def _legend_names(ax) -> list[str]:
    legend = ax.get_legend()
    if legend is not None:
        return [_label(t.get_text()) for t in legend.get_texts() if t.get_text()]
    return [_label(a.get_label()) for a in ax.get_lines() + ax.collections + ax.patches
            if a.get_label() and not a.get_label().startswith("_")]


def _panels(fig):
    """The axes of ``fig`` that show data (colour bars and empty axes left out)."""
    return [ax for ax in fig.get_axes() if ax.get_visible() and ax.has_data()
            and not getattr(ax, "_colorbar", None) and ax.get_label() != "<colorbar>"]


def panel_sentence(ax) -> str:
    """One panel in words: title, what against what, scales, the range of y and the legend's names."""
    title = _label(ax.get_title()) or _label(ax.get_title(loc="left"))
    y, x = _label(ax.get_ylabel()) or "value", _label(ax.get_xlabel()) or "position"
    text = f"{title}: " if title else ""
    text += f"{y} against {x}{_scale_words(ax)}"
    span = _data_range(ax)
    if span:
        text += f", from {fmt(span[0])} to {fmt(span[1])}" if span[0] != span[1] else f", at {fmt(span[0])}"
    names = _legend_names(ax)
    if names:
        text += f"; {'lines' if len(names) > 1 else 'line'}: " + ", ".join(names)
    return text


def panel_rows(ax, panel: str) -> list[tuple]:
    """The numbers of one panel as table rows: (panel, line, points, first, last, smallest, largest)."""
    rows = []
    for line in ax.get_lines():
        name = line.get_label()
        y = np.asarray(line.get_ydata(), dtype=float).ravel()
        if not y.size:
            continue
        finite = y[np.isfinite(y)]
        label = _label(name) if name and not name.startswith("_") else "(unlabelled)"
        if finite.size:
            rows.append((panel, label, y.size, fmt(y[0]), fmt(y[-1]), fmt(finite.min()), fmt(finite.max())))
    return rows


ROW_HEADER = ("panel", "line", "points", "first y", "last y", "smallest y", "largest y")


def read_figure(fig) -> Description:
    """A description of ``fig`` read off its axes (for figures that were not given one)."""
    panels = _panels(fig)
    if not panels:
        return Description("An empty figure.")
    sentences = [panel_sentence(ax) for ax in panels]
    suptitle = _label(fig._suptitle.get_text()) if getattr(fig, "_suptitle", None) else ""
    if len(panels) == 1:
        alt = (suptitle + ". " if suptitle else "") + sentences[0] + "."
    else:
        alt = (f"{suptitle}. " if suptitle else "") + f"{len(panels)} panels. " + " ".join(
            f"{i}) {s}." for i, s in enumerate(sentences, 1))
    rows = [r for i, ax in enumerate(panels, 1) for r in panel_rows(ax, str(i))]
    cut = len(alt) > MAX_ALT
    long = tuple(rows) if cut or len(rows) > 3 else ""
    return Description(_shorten(alt), long, ROW_HEADER if long else (), alt if cut else "")


def description(fig) -> Description:
    """The description attached with :func:`describe`, or one read off the figure's axes."""
    fig = _figure(fig)
    return getattr(fig, _ATTR, None) or read_figure(fig)


# --------------------------------------------------------------------------- notebooks


def _details(desc: Description) -> str:
    return (f'<details class="lrlab-figure-data"><summary>The figure in numbers</summary>'
            f"{desc.long_html()}</details>")


#: set on a Figure whose plot function placed every artist inside the canvas with fixed margins
_FITS = "_lrlab_fits_canvas"


def fits_canvas(fig):
    """Mark ``fig`` as laid out with fixed margins that keep every artist inside the canvas; returns it.

    A marked figure (like one with the constrained layout) is shown without the inline backend's
    ``bbox_inches="tight"`` pass (see :func:`_png`); ``tests/test_plots*.py`` check that nothing of a
    marked figure lies outside its canvas.
    """
    fig = _figure(fig)
    setattr(fig, _FITS, True)
    return fig


def _png(shell, fig):
    """The PNG of ``fig`` as the inline backend makes it, with one draw where that gives the same figure.

    The inline backend prints every figure with ``bbox_inches="tight"``: matplotlib then draws the figure
    once without rendering (which runs the constrained layout), measures every artist for the tight box,
    and draws it again, cropped. A course figure keeps all it draws inside its canvas (the constrained
    layout, or fixed margins marked by :func:`fits_canvas`), so the crop only trims the outer margin:
    such a figure is laid out once and drawn once, uncropped, and then measured with the renderer of that
    draw; if something lies outside the canvas after all (a long tick label, a collapsed layout), it is
    printed again the usual way. Any other figure, or another configuration of the backend (retina,
    other keywords), goes through the configured formatter unchanged.
    """
    import functools

    from matplotlib.layout_engine import ConstrainedLayoutEngine

    formatter = shell.display_formatter.formatters["image/png"]
    try:
        printer = formatter.lookup(fig) if formatter.enabled else None
    except KeyError:
        printer = None
    engine = fig.get_layout_engine()
    laid_out = isinstance(engine, ConstrainedLayoutEngine) or (engine is None and getattr(fig, _FITS, False))
    if not (laid_out and isinstance(printer, functools.partial)
            and getattr(printer.func, "__name__", "") == "print_figure"
            and printer.keywords.get("fmt") == "png" and printer.keywords.get("bbox_inches") == "tight"
            and set(printer.keywords) <= {"fmt", "base64", "bbox_inches"}):
        return formatter(fig)
    if engine is not None:
        engine.execute(fig)
        fig.set_layout_engine(None)     # laid out: the print below draws once, as matplotlib's last draw does
    try:
        png = printer(fig, bbox_inches=None)
        fits = _inside_canvas(fig)      # measured with the draw's own renderer: cheap after the draw
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)
    return png if fits else formatter(fig)


def _inside_canvas(fig) -> bool:
    """Whether everything ``fig`` draws lies inside its canvas (measured after a draw)."""
    if not hasattr(fig.canvas, "get_renderer"):           # not an Agg canvas: no renderer to measure with
        return False
    box = fig.get_tightbbox(fig.canvas.get_renderer())   # inches
    width, height = fig.get_size_inches()
    tol = 0.5 / fig.dpi                                  # half a pixel
    return box.x0 >= -tol and box.y0 >= -tol and box.x1 <= width + tol and box.y1 <= height + tol


def _img_html(png: str, meta: dict) -> str:
    """The PNG (base64) as an ``<img>`` with its alt text (and the width/height of ``meta``, if given).

    JupyterLab 4's image renderer ignores ``metadata["image/png"]["alt"]`` (it writes only ``src``,
    ``width`` and ``height``), so the figure also travels as HTML, which JupyterLab ranks above a
    PNG; the book prefers the PNG (``nb_mime_priority_overrides`` in book/config.yml) and nbconvert
    reads the alt either way.
    """
    size = "".join(f' {key}="{int(meta[key])}"' for key in ("width", "height")
                   if isinstance(meta.get(key), (int, float)))
    return f'<img src="data:image/png;base64,{png}" alt="{html.escape(meta["alt"])}"{size}>'


def _show_figure(fig):
    """IPython display hook for Figures: the PNG with its description as alt text, then the long one."""
    from IPython import get_ipython
    from IPython.display import publish_display_data

    shell = get_ipython()
    desc = description(fig)
    png = _png(shell, fig)
    if png is None:  # no PNG format configured (e.g. %config InlineBackend.figure_formats = ["svg"])
        publish_display_data({"text/plain": desc.alt})
        return
    if isinstance(png, tuple):
        png, meta = png
    else:
        meta = {}
    if isinstance(png, bytes):
        png = base64.b64encode(png).decode("ascii")
    meta = {**(meta or {}), "alt": desc.alt}
    publish_display_data({"image/png": png, "text/html": _img_html(png, meta), "text/plain": desc.alt},
                         metadata={"image/png": meta})
    if desc.long:
        publish_display_data({"text/html": _details(desc), "text/plain": desc.long_text()})


def register_formatter(shell=None) -> bool:
    """Show every matplotlib Figure in IPython with its description; False outside IPython."""
    from matplotlib.figure import Figure

    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None:
        return False
    shell.display_formatter.ipython_display_formatter.for_type(Figure, _show_figure)
    return True
