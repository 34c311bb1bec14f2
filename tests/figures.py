"""What every figure test asks of a plot (the tests of lrlab.course.plots share it)."""
import re

from lrlab.course.plots import description
from lrlab.course.plots.describe import MAX_ALT, _label


def assert_labelled(ax, *, legend=False):
    """``ax`` has a title and labels on both axes (and a legend, when ``legend``), and the figure's
    description in words (its alt text) names both axes and is short."""
    assert ax.get_title(), "figure has no title"
    assert ax.get_xlabel() and ax.get_ylabel(), "axes must be labelled"
    if legend:
        assert ax.get_legend() is not None, "figure has no legend"
    assert_described(ax)


def assert_described(ax):
    """The description of ``ax``'s figure names ``ax``'s axes, fits in an alt text and is no repr."""
    desc = description(ax)
    assert 20 <= len(desc.alt) <= MAX_ALT, f"alt text of {len(desc.alt)} characters: {desc.alt!r}"
    assert "<Figure" not in desc.alt and "<Axes" not in desc.alt, f"alt text is a repr: {desc.alt!r}"
    assert not re.search(r"\.(png|svg|jpe?g)\b|_images/", desc.alt), f"alt text is a file name: {desc.alt!r}"
    for axis in (ax.get_xlabel(), ax.get_ylabel()):
        if axis:
            assert _label(axis) in desc.text, f"the description does not name the axis {axis!r}: {desc.text!r}"


def assert_fits_canvas(ax):
    """A figure marked with ``fits_canvas`` (fixed margins, shown uncropped) draws nothing outside its canvas."""
    from lrlab.course.plots.describe import _FITS, _figure

    fig = _figure(ax)
    assert getattr(fig, _FITS, False), "the figure is not marked as fitting its canvas"
    box = fig.get_tightbbox(fig.canvas.get_renderer())          # inches
    width, height = fig.get_size_inches()
    assert box.x0 >= -1e-6 and box.y0 >= -1e-6 and box.x1 <= width + 1e-6 and box.y1 <= height + 1e-6, (
        f"the figure draws outside its {width:g} x {height:g} in canvas: {box.bounds}")
