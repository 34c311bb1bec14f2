"""Lessons 03 onwards in a real JupyterLab: Run All Cells goes through without an error and shows every figure.

Lessons 01 and 02, whose controls are driven with the keyboard, have their own
tests (``test_lessons_in_lab.py``). Here each later lesson's solution notebook
is run top to bottom through JupyterLab's menu, as a learner would, and the page
must show no error output and as many images as the same notebook produces when
executed headless with nbclient (figures, and the static picture of a widget).
"""
import base64

import pytest

from nbcourse import lessons, solution_path

from .jlab import ERROR_OUTPUT, open_notebook, run_all

pytestmark = pytest.mark.slow

# every lesson after 02, found in solutions/: a new lesson is covered the day it lands
LESSONS = [lesson for lesson in lessons() if lesson[:2] not in ("01", "02")]


def images_when_executed(executed, path) -> int:
    """PNG images in the outputs of the notebook executed headless (the run's shared execution of it)."""
    nb = executed.run(path)
    return sum(1 for cell in nb.cells for out in cell.get("outputs", []) if "image/png" in out.get("data", {})
               and base64.b64decode(out["data"]["image/png"])[:4] == b"\x89PNG")


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_top_to_bottom_with_every_figure(page, lab, executed, lesson):
    relpath = f"solutions/{lesson}/{lesson}.ipynb"
    expected = images_when_executed(executed, solution_path(lesson))
    assert expected >= 3, f"{lesson} should draw figures, nbclient saw {expected}"
    open_notebook(page, lab, relpath)
    run_all(page)
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    assert panel.locator(ERROR_OUTPUT).count() == 0, panel.locator(ERROR_OUTPUT).first.inner_text()[-500:]
    shown = panel.locator(".jp-OutputArea-output img")
    assert shown.count() >= expected, f"{lesson}: {shown.count()} images on the page, nbclient made {expected}"
