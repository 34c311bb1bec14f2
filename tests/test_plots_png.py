"""How a figure becomes the PNG of a notebook output (lrlab.course.plots.describe._png).

The inline backend prints with ``bbox_inches="tight"``: a layout draw, a measuring pass, then the
drawing. A figure that keeps everything inside its canvas (constrained layout, or fixed margins marked
with ``fits_canvas``) is laid out and drawn once, uncropped; anything else goes the usual way.
"""
from __future__ import annotations

import base64
import io
import types

import matplotlib
import pytest
from IPython.core.formatters import DisplayFormatter
from IPython.core.pylabtools import select_figure_formats
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from lrlab.course.plots.describe import _png, fits_canvas

matplotlib.use("Agg")


def _shell(formats=("png",), **kwargs):
    """What _png reads of an IPython shell: its display formatter, set up as %matplotlib inline does."""
    shell = types.SimpleNamespace(display_formatter=DisplayFormatter())
    select_figure_formats(shell, set(formats), **({"bbox_inches": "tight"} | kwargs))
    return shell


def _figure(layout=None, ylabel="loss"):
    fig = Figure(figsize=(6.0, 3.0), dpi=72, layout=layout)
    FigureCanvasAgg(fig)   # the canvas of %matplotlib inline's figures
    axes = fig.subplots(1, 2)
    for ax in axes:
        ax.plot([1, 10, 100], [3.0, 2.0, 0.5], label="SGD")
        ax.set(xscale="log", xlabel="learning rate", ylabel=ylabel, title="a panel")
        ax.legend()
    fig.suptitle("A figure of two panels")
    return fig


def _size(png):
    return Image.open(io.BytesIO(base64.b64decode(png))).size


def _draws(fig):
    count = []
    fig.canvas.mpl_connect("draw_event", lambda event: count.append(1))
    return count


def test_a_constrained_figure_is_laid_out_as_matplotlib_does_and_drawn_once_uncropped():
    shell = _shell()
    usual = _figure("constrained")
    cropped = shell.display_formatter.formatters["image/png"](usual)
    fig = _figure("constrained")
    draws = _draws(fig)
    png = _png(shell, fig)
    assert _size(png) == (432, 216), "the whole 6 x 3 in canvas at 72 dpi"
    assert _size(cropped) != _size(png), "the usual way crops to the tight box"
    assert len(draws) == 1, f"{len(draws)} draws"
    for a, b in zip(usual.axes, fig.axes):
        assert a.get_position().bounds == pytest.approx(b.get_position().bounds, abs=1e-9), "same layout"
    assert fig.get_layout_engine() is not None and fig.get_layout_engine().__class__.__name__ == "ConstrainedLayoutEngine"


def test_a_figure_with_fixed_margins_that_fit_is_drawn_once():
    fig = fits_canvas(_figure())
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.2, top=0.8, wspace=0.4)
    draws = _draws(fig)
    assert _size(_png(_shell(), fig)) == (432, 216)
    assert len(draws) == 1


def test_a_marked_figure_that_does_not_fit_is_printed_the_usual_way():
    shell = _shell()

    def too_narrow():
        fig = fits_canvas(_figure(ylabel="a y label far too long for the margin it was given, " * 3))
        fig.subplots_adjust(left=0.02, right=0.98)
        return fig

    png = _png(shell, too_narrow())
    assert png == shell.display_formatter.formatters["image/png"](too_narrow()), "cropped to everything drawn"
    assert _size(png) != (432, 216)


@pytest.mark.parametrize("formats, kwargs", [(("png",), {}), (("retina",), {}), (("png",), {"bbox_inches": None})])
def test_other_figures_and_other_settings_go_through_the_formatter(formats, kwargs):
    shell = _shell(formats, **kwargs)
    layout = None if not kwargs and formats == ("png",) else "constrained"   # unmarked, or another setting
    assert _png(shell, _figure(layout)) == shell.display_formatter.formatters["image/png"](_figure(layout))
