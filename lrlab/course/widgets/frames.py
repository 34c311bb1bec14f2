"""Controls that move on a static page: frames rendered in advance behind an accessible range input.

A web page of the book has no kernel, so an ipywidgets slider there cannot
recompute anything. :func:`player` instead takes frames computed in advance
(one per value of the main slider) and writes a small, self-contained HTML
control: a labelled ``<input type="range">`` that moves by mouse and by arrow
keys, an image that swaps to the frame of the chosen value (with that frame's
description as its alt text), and a live region that reads the value and the
frame's key number. It loads nothing from anywhere: the frames are PNGs inside
the page and the script is a few lines inline.
"""
from __future__ import annotations

import base64
import html
import itertools
import json
import re
from dataclasses import dataclass

_IDS = itertools.count(1)


@dataclass(frozen=True)
class Frame:
    """One state of a control: ``value`` as shown to the reader, the PNG, its alt text and the readout."""

    value: str
    png: bytes
    alt: str
    text: str


_SCRIPT = """(function () {
  var root = document.getElementById("%(id)s");
  if (!root) { return; }
  var frames = JSON.parse(root.querySelector("script[type='application/json']").textContent);
  var input = root.querySelector("input[type=range]");
  var img = root.querySelector("img");
  var status = root.querySelector("[role=status]");
  function show() {
    var f = frames[Number(input.value)];
    img.src = "data:image/png;base64," + f.png;
    img.alt = f.alt;
    input.setAttribute("aria-valuetext", f.value);
    status.textContent = f.label + " " + f.value + ": " + f.text;
  }
  input.addEventListener("input", show);
})();"""


def player(frames, *, label: str, start: int = 0, note: str = "", css_class: str = "") -> str:
    """HTML of a range input over ``frames`` (a list of :class:`Frame`), showing ``frames[start]`` first.

    ``label`` names what the slider sets, with its unit (it labels the input and
    starts every announcement); ``note`` is a sentence shown above the control.
    """
    frames = list(frames)
    if not frames:
        raise ValueError("frames must hold at least one frame")
    if not isinstance(label, str) or not label.strip():
        raise ValueError("label must say what the slider sets, with its unit")
    if not 0 <= start < len(frames):
        raise ValueError(f"start must be between 0 and {len(frames) - 1}, got {start!r}")
    uid = f"lrlab-frames-{next(_IDS)}"
    data = [{"value": f.value, "png": base64.b64encode(f.png).decode("ascii"), "alt": f.alt, "text": f.text,
             "label": label} for f in frames]
    first = frames[start]
    payload = json.dumps(data).replace("</", "<\\/")
    e = html.escape
    return (
        f'<div class="lrlab-frames {e(css_class)}" id="{uid}">'
        + (f'<p class="lrlab-frames-note">{e(note)}</p>' if note else "")
        + f'<div class="lrlab-frames-row"><label for="{uid}-input">{e(label)}</label>'
        f'<input type="range" id="{uid}-input" min="0" max="{len(frames) - 1}" step="1" value="{start}" '
        f'aria-valuetext="{e(first.value)}"></div>'
        f'<p class="lrlab-frames-status" role="status" aria-live="polite">{e(label)} {e(first.value)}: '
        f"{e(first.text)}</p>"
        f'<img src="data:image/png;base64,{data[start]["png"]}" alt="{e(first.alt)}">'
        f'<script type="application/json">{payload}</script>'
        f"<script>{_SCRIPT % {'id': uid}}</script></div>"
    )


def label_animation(jshtml: str, *, alt: str, label: str = "frame of the animation") -> str:
    """matplotlib's ``Animation.to_jshtml()`` output with an alt text on its image and a name on its slider.

    matplotlib (3.11) names its buttons but leaves the frame ``<img>`` without ``alt`` and the frame
    slider without a label; a screen reader then reads neither.
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt must say what the animation shows")
    out = re.sub(r'<img id="(_anim_img\w+)"', lambda m: f'<img id="{m.group(1)}" alt="{html.escape(alt)}"',
                 jshtml, count=1)
    out = re.sub(r'<input id="(_anim_slider\w+)"',
                 lambda m: f'<input id="{m.group(1)}" aria-label="{html.escape(label)}"', out, count=1)
    if out.count(' alt="') == jshtml.count(' alt="') or "aria-label=\"" + html.escape(label) not in out:
        raise ValueError("jshtml is not matplotlib's to_jshtml() output (no frame image or slider found)")
    return out
