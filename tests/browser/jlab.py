"""Driving JupyterLab from Playwright the way a learner does: open, Run All, run a cell, press keys, read.

Helpers for the browser tests (the fixtures live in ``conftest.py``). Waits are on what
the learner sees: the kernel status in the status bar, the execution prompts, the
readout text of a control; never fixed sleeps.
"""
from __future__ import annotations

import base64
import json
import secrets
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

RUN_TIMEOUT_MS = 90_000
#: How JupyterLab shows a traceback.
ERROR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'


@dataclass
class Lab:
    """A running JupyterLab: where it listens, its token, the folder it serves, its PID."""

    url: str
    token: str
    root: Path
    pid: int

    def api(self, method, path, body=None):
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"},
                                     data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read().decode()
        return json.loads(text) if text else None

    def delete_sessions(self):
        """Shut down every kernel session, so the next test starts with fresh kernels and widgets."""
        for session in self.api("GET", "/api/sessions") or []:
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def notebook_url(self, relpath: str) -> str:
        # A fresh workspace name each time: a reused workspace would reopen old tabs.
        workspace = "t" + secrets.token_hex(6)
        return (f"{self.url}/lab/workspaces/{workspace}/tree/{urllib.parse.quote(relpath)}"
                f"?token={self.token}")


def wait_idle(page, timeout=RUN_TIMEOUT_MS):
    """Wait until the status bar shows the kernel as idle ("Python 3 (ipykernel) | Idle")."""
    page.wait_for_function(
        """() => {
            const bar = document.querySelector('#jp-main-statusbar');
            if (!bar) return false;
            const items = [...bar.querySelectorAll('span, div')].map(e => e.textContent.trim());
            return items.some(t => /\\|\\s*Idle$/.test(t));
        }""", timeout=timeout)


def open_notebook(page, lab: Lab, relpath: str):
    """Open ``relpath`` (relative to the served folder) in a fresh workspace; wait for an idle kernel."""
    page.goto(lab.notebook_url(relpath))
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_idle(page)


def run_all(page, *, stops_at_error=False, timeout=RUN_TIMEOUT_MS):
    """Run → Run All Cells from the menu bar, then wait until the run is over and the kernel is idle.

    Over means every code cell has a number in its prompt, or, with ``stops_at_error`` (a
    student notebook stops at its first unanswered exercise), an error is shown and no cell
    is still waiting.
    """
    page.locator("#jp-MainMenu").get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(
        """([stopsAtError, errorOutput]) => {
            const panel = '.jp-NotebookPanel:not(.lm-mod-hidden) ';
            const prompts = [...document.querySelectorAll(panel + '.jp-CodeCell .jp-InputArea-prompt')];
            if (prompts.length === 0 || prompts.some(p => p.textContent.includes('*'))) return false;
            if (prompts.every(p => /\\[\\d+\\]/.test(p.textContent))) return true;
            return stopsAtError && document.querySelector(panel + errorOutput) !== null;
        }""", arg=[stops_at_error, ERROR_OUTPUT], timeout=timeout)
    wait_idle(page, timeout)


def code_cell(page, first_line: str):
    """The one code cell of the open notebook whose source contains ``first_line``."""
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").filter(
        has=page.locator(".cm-content", has_text=first_line))
    assert cells.count() == 1, f"expected one code cell containing {first_line!r}, found {cells.count()}"
    return cells


def replace_source(page, cell, source: str):
    """Select all of the cell's text and put ``source`` in its place, as a paste would."""
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source)


def run_cell(page, cell, timeout=RUN_TIMEOUT_MS):
    """Run ``cell`` with JupyterLab's own command; wait for a new execution number and an idle kernel.

    The cell is made the notebook's active cell through the notebook widget itself and run with
    ``notebook:run-cell`` (Run → Run Selected Cell), as ``window.jupyterapp.commands`` exposes it
    (the ``lab`` fixture starts JupyterLab with ``expose_app_in_browser``). No click or key press is
    involved, so nothing depends on where the page has scrolled to: a key press once landed nowhere.
    """
    prompt = cell.locator(".jp-InputArea-prompt")
    before = prompt.text_content()
    index = page.evaluate(RUN_CELL_JS, cell.element_handle())
    assert index >= 0, "the cell is not a cell of the notebook shown"
    page.wait_for_function(
        """([el, before]) => /\\[\\d+\\]/.test(el.textContent) && el.textContent !== before""",
        arg=[prompt.element_handle(), before], timeout=timeout)
    wait_idle(page, timeout)


#: select the cell whose node is ``el`` in the notebook shown, then run it with JupyterLab's command
RUN_CELL_JS = """async (el) => {
    const app = window.jupyterapp;
    const notebook = app.shell.currentWidget.content;
    const index = notebook.widgets.findIndex(w => w.node === el);
    if (index < 0) return index;
    notebook.activeCellIndex = index;
    notebook.deselectAll();
    await app.commands.execute('notebook:run-cell');
    return index;
}"""


def error_text(cell) -> str:
    """The text of the error the cell shows, or '' when it shows none."""
    errors = cell.locator(ERROR_OUTPUT)
    return "\n".join(errors.all_text_contents())


def control(page, css_class: str):
    """The one control with this CSS class (e.g. ``lrlab-lr-explorer``) in the open notebook."""
    loc = page.locator(f".jp-NotebookPanel:not(.lm-mod-hidden) .{css_class}")
    loc.first.wait_for()
    assert loc.count() == 1, f"expected one .{css_class} on the page, found {loc.count()}"
    return loc


@dataclass(frozen=True)
class Shown:
    """What a control shows: its readout text, the settings behind it, and the plot's PNG bytes."""

    text: str
    state: dict
    raw_state: str
    png: bytes


def snapshot(ctrl) -> Shown:
    """What ``ctrl`` shows right now."""
    span = ctrl.locator(".lrlab-readout .lrlab-readout-text")
    raw = span.get_attribute("data-state")
    src = ctrl.locator(".lrlab-plot img").get_attribute("src")
    assert src and src.startswith("data:image/png;base64,"), f"the plot is not an inline PNG: {src!r:.80}"
    return Shown(span.text_content().strip(), json.loads(raw), raw, base64.b64decode(src.split(",", 1)[1]))


def press(ctrl, input_class: str, key: str):
    """Focus the slider handle inside ``.input_class`` and press ``key`` (e.g. ArrowRight, End)."""
    handle = ctrl.locator(f".{input_class}").get_by_role("slider")
    handle.focus()
    handle.press(key)


def wait_for_update(page, ctrl, before: Shown, timeout=30_000) -> Shown:
    """After an input change: wait until the control shows new settings and a new plot.

    The readout carries the settings it was computed from (``data-state``), so "new
    settings" is exact, not a guess from the text; the plot must differ from ``before``.
    """
    page.wait_for_function(
        """([el, oldState, oldSrc]) => {
            const span = el.querySelector('.lrlab-readout .lrlab-readout-text');
            const img = el.querySelector('.lrlab-plot img');
            return Boolean(span && img && span.dataset.state !== oldState && img.getAttribute('src') !== oldSrc);
        }""", arg=[ctrl.element_handle(), before.raw_state,
                   "data:image/png;base64," + base64.b64encode(before.png).decode()], timeout=timeout)
    return snapshot(ctrl)
