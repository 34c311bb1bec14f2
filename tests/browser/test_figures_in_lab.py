"""A course figure in a real JupyterLab carries its description as alt text, as run and once reopened.

``lrlab.course.plots`` publishes every Figure with its description in the output's metadata
(``metadata["image/png"]["alt"]``, what nbconvert and the book read), but JupyterLab 4's image
renderer writes only ``src``, ``width`` and ``height``. The figure therefore also travels as an
``<img alt>`` in ``text/html``, which JupyterLab ranks above the PNG. This test runs a figure in
JupyterLab, reads the image a screen reader meets, saves the notebook, and reopens it (its
outputs are then untrusted: JupyterLab sanitises the HTML) to read it again.
"""
import nbformat
import pytest

from .jlab import open_notebook, run_all

pytestmark = pytest.mark.slow

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CELLS = [
    "import matplotlib.pyplot as plt\nfrom lrlab.course import plots",
    "fig, ax = plt.subplots()\n_ = ax.plot([1, 2, 3], [4.0, 2.0, 1.0])\n"
    "_ = ax.set(xlabel='step', ylabel='loss', title='Loss per step')",
]
ALT = "Loss per step: loss against step, from 1 to 4."
OUTPUT_IMG = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img"


def _figure(page):
    img = page.locator(OUTPUT_IMG)
    img.first.wait_for()
    assert img.count() == 1, f"expected one image in the outputs, found {img.count()}"
    shown = img.evaluate("i => i.complete && i.naturalWidth > 0")
    return img, shown


def test_a_figure_has_its_description_as_alt_text_in_jupyterlab(page, lab):
    from axe_playwright_python.sync_playwright import Axe

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, lab.root / "figure-alt.ipynb")
    open_notebook(page, lab, "figure-alt.ipynb")
    run_all(page)
    img, shown = _figure(page)
    assert shown, "the figure is not drawn"
    assert img.get_attribute("alt") == ALT
    assert page.get_by_role("img", name=ALT).count() == 1, "the image's accessible name is not its description"
    found = Axe().run(page, context=".jp-OutputArea", options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    assert "image-alt" not in [v["id"] for v in found.response["violations"]], found.response["violations"]

    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-mod-dirty')")
    saved = nbformat.read(lab.root / "figure-alt.ipynb", as_version=4)
    (out,) = [o for o in saved.cells[1].outputs if "image/png" in o.get("data", {})]
    assert out.metadata["image/png"]["alt"] == ALT and f'alt="{ALT}"' in out.data["text/html"]
    lab.delete_sessions()
    open_notebook(page, lab, "figure-alt.ipynb")  # a fresh workspace: saved outputs, not trusted
    img, shown = _figure(page)
    assert shown, "the reopened figure is not drawn (the sanitiser dropped its data: source?)"
    assert img.get_attribute("alt") == ALT
