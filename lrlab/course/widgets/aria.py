"""Accessible names for the controls' inputs in JupyterLab, and the figure's description as its alt text.

ipywidgets 8.1 draws a slider with noUiSlider: its keyboard handle (``role="slider"``)
gets a value but no name (the description is a ``<label>`` beside it, tied to
nothing), and the value it announces for a log slider is the exponent
(``-1.0`` for 0.1). JupyterLab's image renderer also drops the ``alt`` metadata
of the plot's PNG. :class:`Names` is an empty widget that each control carries
as its last child: in the browser it finds the control it sits in and, whenever
the control's DOM changes, gives each slider handle ``aria-label`` (what it sets,
with its unit) and ``aria-valuetext`` (the number the slider's readout shows),
and the plot's ``<img>`` the figure's description. Dropdowns and buttons need no
help: ipywidgets ties a dropdown's ``<select>`` to its description with
``<label for>``, and a button's name is its text.

It is an ``anywidget`` widget: the few lines of JavaScript below are sent to the
browser with the widget, and anywidget's JupyterLab extension, prebuilt in its
wheel, runs them. Nothing is built or fetched at install or run time.
"""
from __future__ import annotations

import anywidget
import traitlets

_ESM = """
function set(el, name, value) {
  if (value && el.getAttribute(name) !== value) { el.setAttribute(name, value); }
}

function label(root, names, alt) {
  for (const [cls, name] of Object.entries(names)) {
    const box = root.querySelector("." + cls);
    if (!box) { continue; }
    const handle = box.querySelector(".noUi-handle");
    if (!handle) { continue; }
    set(handle, "aria-label", name);
    const readout = box.querySelector(".widget-readout");
    if (readout) { set(handle, "aria-valuetext", readout.textContent.trim()); }
  }
  const img = root.querySelector(".lrlab-plot img");
  if (img) { set(img, "alt", alt); }
}

export default {
  render({ model, el }) {
    el.classList.add("lrlab-names");
    let observer = null;
    let frame = null;
    const relabel = () => {
      const root = el.closest(".lrlab-control");
      if (root) { label(root, model.get("names"), model.get("alt")); }
    };
    const start = () => {
      const root = el.closest(".lrlab-control");
      if (!root) { frame = requestAnimationFrame(start); return; }
      observer = new MutationObserver(relabel);
      observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true,
                               attributeFilter: ["aria-valuetext", "aria-label", "src", "alt"] });
      relabel();
    };
    start();
    model.on("change:names", relabel);
    model.on("change:alt", relabel);
    return () => {
      if (frame !== null) { cancelAnimationFrame(frame); }
      if (observer) { observer.disconnect(); }
      model.off("change:names", relabel);
      model.off("change:alt", relabel);
    };
  },
};
"""


class Names(anywidget.AnyWidget):
    """Names the sliders of the control it is a child of, in the browser (see the module's text).

    ``names`` maps an input's CSS class (e.g. ``lrlab-lr``) to its accessible name;
    ``alt`` is the description of the figure shown now.
    """

    _esm = _ESM
    names = traitlets.Dict().tag(sync=True)
    alt = traitlets.Unicode("").tag(sync=True)
