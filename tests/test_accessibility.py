"""Figures described in words, and controls that move without a kernel (issue 20).

The book-wide checks (axe-core over every page, every figure output of every lesson
described) are in tests/test_book.py, on the built book.
"""
from __future__ import annotations

import io
import json
import re

import matplotlib
import nbformat
import numpy as np
import pytest
from matplotlib.figure import Figure

from lrlab.course import plots
from lrlab.course.plots.describe import MAX_ALT, read_figure
from lrlab.course.widgets import FinderViewer, LRExplorer
from lrlab.course.widgets.base import BOOK_MODE
from lrlab.course.widgets.frames import Frame, label_animation, player

from figures import assert_described

matplotlib.use("Agg")


def _figure(panels=1, log=False):
    fig = Figure()
    axes = np.atleast_1d(fig.subplots(1, panels))
    for i, ax in enumerate(axes):
        ax.plot(np.arange(5), 10.0 ** -np.arange(5) * (i + 1), label="SGD")
        ax.plot(np.arange(5), 10.0 ** -np.arange(5) * 3, label="Adam")
        ax.set(xlabel="step", ylabel="loss (log scale)" if log else "loss", title=f"panel {i + 1}")
        if log:
            ax.set_yscale("log")
        ax.legend()
    return fig, axes


# --------------------------------------------------------------------------- descriptions


def test_an_undescribed_figure_is_read_off_its_axes():
    fig, (ax,) = _figure(log=True)
    alt = plots.description(fig).alt
    assert alt.startswith("panel 1: loss (log scale) against step"), alt
    assert "from 0.0001 to 3" in alt and "SGD" in alt and "Adam" in alt, alt
    assert_described(ax)


def test_the_scale_is_said_when_the_label_does_not_say_it():
    fig, (ax,) = _figure()
    ax.set_xscale("log")
    assert "loss against step (log x)" in plots.description(fig).alt


def test_a_long_description_is_cut_at_a_word_and_kept_whole_beside_a_table():
    fig, axes = _figure(panels=4)
    for ax in axes:
        ax.set_xlabel("the number of optimizer steps taken so far in this run")
    desc = plots.description(fig)
    assert len(desc.alt) <= MAX_ALT and desc.alt.endswith("…"), desc.alt
    assert desc.full.count("against the number of optimizer steps") == 4, "the whole sentence is kept"
    assert len(desc.long) == 8 and desc.header[0] == "panel", "one row per line of each panel"
    assert "<table>" in desc.long_html() and "<th scope=\"col\">" in desc.long_html()
    for ax in axes:
        assert_described(ax)


def test_describe_attaches_a_description_to_the_figure_of_an_axes():
    fig, axes = _figure(panels=2)
    plots.describe(axes, "Loss against step, two panels; Adam ends 3 times above SGD",
                   long=[("SGD", 1e-4), ("Adam", 3e-4)], header=("optimizer", "final loss"))
    desc = plots.description(axes[1])
    assert desc.alt.startswith("Loss against step, two panels")
    assert "<td>0.0003</td>" in desc.long_html()


@pytest.mark.parametrize("alt, error", [("", ValueError), ("  ", ValueError), (None, ValueError)])
def test_describe_refuses_an_empty_alt(alt, error):
    fig, _ = _figure()
    with pytest.raises(error, match="alt must be"):
        plots.describe(fig, alt)


def test_describe_refuses_what_is_not_a_figure():
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure or Axes"):
        plots.describe("figure.png", "Loss against step")


def test_an_empty_figure_says_so():
    assert read_figure(Figure()).alt == "An empty figure."


@pytest.mark.slow
def test_a_notebook_figure_carries_its_description_as_alt_text(tmp_path):
    """In a real kernel: a Figure shown inline has the description as metadata alt (what myst-nb and
    nbconvert write into <img alt>), as an <img alt> in text/html (what JupyterLab shows) and as its
    text/plain, never the '<Figure size ...>' repr."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in (
        "import matplotlib.pyplot as plt\nfrom lrlab.course import plots",
        "fig, ax = plt.subplots()\n_ = ax.plot([1, 2, 3], [4.0, 2.0, 1.0])\n"
        "_ = ax.set(xlabel='step', ylabel='loss', title='Loss per step')",
        "fig, axes = plt.subplots(1, 4)\nfor a in axes:\n    _ = a.plot(range(9), label='a'); _ = a.plot(range(9), label='b')\n"
        "    _ = a.set(xlabel='step', ylabel='loss', title='a panel with a rather long title to cut')",
    )]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}).execute()
    first = [o for o in nb.cells[1].outputs if "image/png" in o.get("data", {})]
    assert len(first) == 1, nb.cells[1].outputs
    assert first[0].metadata["image/png"]["alt"] == "Loss per step: loss against step, from 1 to 4."
    assert first[0].data["text/plain"] == first[0].metadata["image/png"]["alt"]
    # what JupyterLab shows (it ranks HTML above a PNG and its image renderer drops the alt): the same PNG
    img = first[0].data["text/html"]
    assert img == f'<img src="data:image/png;base64,{first[0].data["image/png"]}" alt="{first[0].data["text/plain"]}">'
    kinds = [list(o.get("data", {})) for o in nb.cells[2].outputs]
    assert kinds == [["image/png", "text/html", "text/plain"], ["text/html", "text/plain"]], kinds
    assert "<details" in nb.cells[2].outputs[1].data["text/html"]


def test_a_figures_html_is_its_png_with_the_alt_text_escaped():
    from lrlab.course.plots.describe import _img_html

    out = _img_html("iVBOR", {"alt": 'loss "x" < 1 & more', "width": 400.0, "height": "tall"})
    assert out == '<img src="data:image/png;base64,iVBOR" alt="loss &quot;x&quot; &lt; 1 &amp; more" width="400">'


# --------------------------------------------------------------------------- frames without a kernel


def _frames(n=3):
    return [Frame(value=f"{v:g}", png=b"\x89PNG" + bytes([i]), alt=f"loss against step at {v:g}", text=f"t{i}")
            for i, v in enumerate(np.logspace(-2, 0, n))]


def test_the_player_is_a_labelled_range_input_with_a_live_region_and_described_image():
    page = player(_frames(), label="learning rate (per step)", start=1, note="Three values.")
    uid = re.search(r'<input type="range" id="([\w-]+)"', page).group(1)
    assert f'<label for="{uid}">learning rate (per step)</label>' in page
    assert 'min="0" max="2" step="1" value="1"' in page and 'aria-valuetext="0.1"' in page
    assert '<p class="lrlab-frames-status" role="status" aria-live="polite">learning rate (per step) 0.1: t1</p>' in page
    assert 'alt="loss against step at 0.1"' in page
    data = json.loads(re.search(r'<script type="application/json">(.*?)</script>', page).group(1))
    assert [d["value"] for d in data] == ["0.01", "0.1", "1"]
    assert not re.search(r"<script[^>]+src=", page), "the player loads no script file"


@pytest.mark.parametrize("kwargs, match", [({"frames": []}, "at least one frame"),
                                           ({"label": " "}, "label must say"),
                                           ({"start": 3}, "start must be between 0 and 2")])
def test_the_player_refuses_bad_arguments(kwargs, match):
    args = {"frames": _frames(), "label": "rate", "start": 0, **kwargs}
    with pytest.raises(ValueError, match=match):
        player(args.pop("frames"), **args)


def test_a_control_renders_frames_over_its_main_slider_and_puts_it_back():
    explorer = LRExplorer(lr=0.1, steps=50)
    before = (explorer.lr.value, explorer.readout_text, explorer.png)
    frames, start = explorer.frames()
    assert len(frames) == explorer.book_frames + 1, "13 evenly spread values plus the start value"
    assert frames[start].value == "0.1" and frames[start].text == before[1]
    assert float(frames[0].value) == pytest.approx(10 ** explorer.lr.min, rel=0.01)
    assert float(frames[-1].value) == pytest.approx(10 ** explorer.lr.max, rel=0.01)
    assert frames[-1].text.startswith("diverged"), "the top of the slider is above 2/L"
    assert len({f.png for f in frames}) == len(frames), "every frame is another figure"
    assert all(f.alt.startswith(f.text) and "against" in f.alt and len(f.alt) <= MAX_ALT for f in frames)
    assert (explorer.lr.value, explorer.readout_text, explorer.png) == before


def test_frames_compute_each_value_once_and_send_nothing_to_the_page(monkeypatch):
    """The book's frames are the costliest part of its build: the control's own value is the figure it
    shows already, every other value is computed and drawn once, putting the slider back recomputes
    nothing, and the widget's outputs, readout and note are not re-sent for any frame."""
    explorer = LRExplorer(lr=0.1, steps=50)
    calls = []
    compute = explorer._compute
    monkeypatch.setattr(explorer, "_compute", lambda: calls.append(explorer.lr.value) or compute())
    shown = (explorer.plot.outputs, explorer.readout.value, explorer.note.value)
    png = explorer.png
    frames, start = explorer.frames()
    assert len(calls) == len(frames) - 1 and explorer.lr.value not in calls, calls
    assert explorer.plot.outputs is shown[0], "the figure output was sent again"
    assert (explorer.readout.value, explorer.note.value) == shown[1:]
    assert explorer._canvas.png() == png, "the figure is back where it was"
    explorer.lr.value = explorer.lr.value * 2  # the control still answers its slider
    assert len(calls) == len(frames) and explorer.png != png and explorer.plot.outputs is not shown[0]


def test_a_frame_is_a_small_png_close_to_the_figure():
    from PIL import Image

    from lrlab.course.widgets.base import _small_png

    explorer = LRExplorer(lr=0.1, steps=50)
    rgb = np.asarray(Image.open(io.BytesIO(explorer.png)).convert("RGB"))
    small = _small_png(rgb)
    image = Image.open(io.BytesIO(small))
    assert image.mode == "P" and len(image.getcolors()) <= 64 and image.size == (rgb.shape[1], rgb.shape[0])
    error = np.abs(np.asarray(image.convert("RGB"), dtype=int) - rgb).mean()
    assert error < 3.0, f"mean error {error:.2f} of 255 per channel"
    assert len(small) < len(explorer.png) / 2, (len(small), len(explorer.png))
    assert _small_png(explorer.png) == small, "PNG bytes and the RGB array give the same frame"


def test_an_integer_slider_gives_whole_numbers():
    viewer = FinderViewer()
    frames, _ = viewer.frames(count=4)
    assert all(re.fullmatch(r"\d+", f.value) for f in frames), [f.value for f in frames]


def test_in_the_book_a_control_displays_as_frames(monkeypatch):
    explorer = LRExplorer(lr=0.1, steps=50)
    normal = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in normal[0]
    assert normal[1]["image/png"]["alt"].startswith("final loss")
    monkeypatch.setenv(BOOK_MODE, "frames")
    book = explorer._repr_mimebundle_()
    assert set(book) == {"text/html", "text/plain"}
    assert '<input type="range"' in book["text/html"] and "learning rate η (per step)" in book["text/html"]
    assert "moves through 14 values, from 0.001 to 1.58" in book["text/html"]


def test_the_control_figure_in_jupyter_carries_its_description():
    explorer = LRExplorer(lr=0.1, steps=50)
    (output,) = explorer.plot.outputs
    assert output["metadata"]["image/png"]["alt"] == output["data"]["text/plain"]
    assert "against parameter x" in output["data"]["text/plain"]


def test_an_animation_gets_alt_text_and_a_named_slider():
    from matplotlib.animation import FuncAnimation

    fig = Figure()
    ax = fig.subplots()
    (line,) = ax.plot([], [])
    anim = FuncAnimation(fig, lambda k: line.set_data([0, k], [0, k]), frames=3)
    out = label_animation(anim.to_jshtml(), alt="A line grows", label="frame shown")
    assert re.search(r'<img id="_anim_img\w+" alt="A line grows"', out)
    assert re.search(r'<input id="_anim_slider\w+" aria-label="frame shown"', out)
    with pytest.raises(ValueError, match="not matplotlib's to_jshtml"):
        label_animation("<div></div>", alt="x")
