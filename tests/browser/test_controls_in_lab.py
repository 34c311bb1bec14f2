"""All five controls in a real JupyterLab: each one renders, answers the keyboard and comes back,
and every input says what it sets.

The notebook is written by the test (the lessons use two of the controls; their own
tests are in test_lessons_in_lab.py), run with Run All, and then every control's first
slider is moved one step right and one step left with the arrow keys. The second test
reads the controls as a screen reader does: the accessible name of every slider,
dropdown and button, the value a slider announces, and axe-core's WCAG 2.1 A/AA rules
over the controls.
"""
import re

import nbformat
import pytest

from .jlab import control, open_notebook, press, run_all, snapshot, wait_for_update

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = pytest.mark.slow

CELLS = [
    "from lrlab.course.widgets import FinderViewer, LRExplorer, OptimizerRace, ScheduleBuilder, ShowerKnob",
    "LRExplorer()",
    "ShowerKnob()",
    "ScheduleBuilder(steps=100)",
    "OptimizerRace(steps=200)",
    "FinderViewer()",
]

# control class -> the input moved by the test
FIRST_SLIDER = {
    "lrlab-lr-explorer": "lrlab-lr",
    "lrlab-shower": "lrlab-gain",
    "lrlab-schedules": "lrlab-lr",
    "lrlab-race": "lrlab-lr-sgd",
    "lrlab-finder": "lrlab-skip-start",
}


@pytest.fixture(scope="module")
def gallery(lab):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, lab.root / "controls-gallery.ipynb")
    return "controls-gallery.ipynb"


def each_control(page, lab, gallery):
    """(css class, first slider's class, locator) of every control, once the gallery has run in JupyterLab."""
    open_notebook(page, lab, gallery)
    run_all(page)
    for css, slider in FIRST_SLIDER.items():
        ctrl = control(page, css)
        ctrl.scroll_into_view_if_needed()
        yield css, slider, ctrl


def test_every_control_answers_the_arrow_keys_and_comes_back(page, lab, gallery):
    for css, slider, ctrl in each_control(page, lab, gallery):
        start = snapshot(ctrl)
        press(ctrl, slider, "ArrowRight")
        moved = wait_for_update(page, ctrl, start)
        assert moved.text, f"{css}: empty readout after ArrowRight"
        press(ctrl, slider, "ArrowLeft")
        back = wait_for_update(page, ctrl, moved)
        assert back.text == start.text, f"{css}: readout did not come back: {start.text!r} -> {back.text!r}"
        assert back.png == start.png, f"{css}: the plot after going back differs from the first one"


# control class -> the accessible name of each slider shown at the start (what it sets, its unit)
SLIDER_NAMES = {
    "lrlab-lr-explorer": ["learning rate η (per step), log scale", "start x₀ (x units)", "steps (updates)"],
    "lrlab-shower": ["gain (knob turn per °C), log scale", "pipe delay (s)"],
    "lrlab-schedules": ["peak lr: learning rate (per step), log scale", "steps (updates)",
                        "T_max: length of the cosine (steps)", "eta_min: lowest learning rate (× peak lr)"],
    "lrlab-race": ["SGD lr: learning rate (per step), log scale",
                   "SGD + momentum 0.9 lr: learning rate (per step), log scale",
                   "Adam lr: learning rate (per step), log scale", "steps (updates)"],
    "lrlab-finder": ["skip_start: points of the curve left out at the start (points)",
                     "skip_end: points of the curve left out at the end (points)"],
}
# control class -> the accessible name of each dropdown
DROPDOWN_NAMES = {"lrlab-lr-explorer": [], "lrlab-shower": [], "lrlab-schedules": ["schedule"],
                  "lrlab-race": ["problem"], "lrlab-finder": ["curve the rules read"]}


def announced(handle) -> str:
    """The value a screen reader reads for a slider handle: aria-valuetext, else aria-valuenow."""
    return handle.get_attribute("aria-valuetext") or handle.get_attribute("aria-valuenow") or ""


def test_every_input_of_every_control_is_named_and_announces_its_value(page, lab, gallery):
    for css, slider, ctrl in each_control(page, lab, gallery):
        # the names are put on by the control's Names widget once it has rendered: wait for the first
        handle = ctrl.get_by_role("slider", name=SLIDER_NAMES[css][0], exact=True)
        handle.wait_for()
        sliders = ctrl.get_by_role("slider")
        names = [s.get_attribute("aria-label") for s in sliders.all()]
        assert names == SLIDER_NAMES[css], f"{css}: slider names {names}"
        for name in names:
            assert ctrl.get_by_role("slider", name=name, exact=True).count() == 1, f"{css}: {name!r} not unique"
        dropdowns = [ctrl.get_by_role("combobox", name=n, exact=True) for n in DROPDOWN_NAMES[css]]
        assert ctrl.get_by_role("combobox").count() == len(dropdowns), f"{css}: a dropdown is not named"
        assert all(d.count() == 1 for d in dropdowns), f"{css}: dropdown names {DROPDOWN_NAMES[css]} not found"
        buttons = ctrl.get_by_role("button")
        assert all(b.text_content().strip() or b.get_attribute("aria-label") for b in buttons.all())
        for s in sliders.all():  # the announced value is the number the readout beside the slider shows
            readout = s.locator("xpath=ancestor::div[contains(@class, 'widget-slider')][1]//div[contains("
                                "@class, 'widget-readout')]").text_content().strip()
            assert announced(s) == readout, f"{css}: {s.get_attribute('aria-label')} announces {announced(s)!r}"
        handle = ctrl.locator(f".{slider}").get_by_role("slider")
        before, start = announced(handle), snapshot(ctrl)
        press(ctrl, slider, "ArrowRight")
        moved = wait_for_update(page, ctrl, start)
        page.wait_for_function("([el, old]) => el.getAttribute('aria-valuetext') !== old",
                               arg=[handle.element_handle(), before])
        assert re.fullmatch(r"-?[\d.]+(e[-+]?\d+)?", announced(handle)), f"{css}: {announced(handle)!r}"
        assert ctrl.locator(".lrlab-plot img").get_attribute("alt").startswith(moved.text), (
            f"{css}: the figure's alt text does not start with the new readout {moved.text!r}")
    _no_serious_axe_violation(page)


def _no_serious_axe_violation(page):
    """axe-core's WCAG 2.1 A/AA rules over the five controls: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, context=".jp-NotebookPanel:not(.lm-mod-hidden) .lrlab-control",
                      options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    violations = found.response["violations"]
    for v in violations:
        print(f"[axe] {v['impact']}: {v['id']} ({len(v['nodes'])}) {v['help']}")
    assert found.response["passes"], "axe-core checked nothing"
    serious = [f"{v['id']}: {[n['target'] for n in v['nodes'][:3]]}" for v in violations
               if v["impact"] in ("serious", "critical")]
    assert not serious, f"serious/critical WCAG 2.1 A/AA violations in the controls: {serious}"
