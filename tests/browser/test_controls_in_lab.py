"""All five controls in a real JupyterLab: each one renders, answers the keyboard and comes back.

The notebook is written by the test (the lessons use two of the controls; their own
tests are in test_lessons_in_lab.py), run with Run All, and then every control's first
slider is moved one step right and one step left with the arrow keys.
"""
import nbformat
import pytest

from .jlab import control, open_notebook, press, run_all, snapshot, wait_for_update

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


def test_every_control_answers_the_arrow_keys_and_comes_back(page, lab, gallery):
    open_notebook(page, lab, gallery)
    run_all(page)
    for css, slider in FIRST_SLIDER.items():
        ctrl = control(page, css)
        ctrl.scroll_into_view_if_needed()
        start = snapshot(ctrl)
        press(ctrl, slider, "ArrowRight")
        moved = wait_for_update(page, ctrl, start)
        assert moved.text, f"{css}: empty readout after ArrowRight"
        press(ctrl, slider, "ArrowLeft")
        back = wait_for_update(page, ctrl, moved)
        assert back.text == start.text, f"{css}: readout did not come back: {start.text!r} -> {back.text!r}"
        assert back.png == start.png, f"{css}: the plot after going back differs from the first one"
