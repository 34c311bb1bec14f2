"""Fixtures for the real-browser tests: a private JupyterLab server and Debian's Chromium.

``lab`` (one per session) copies ``solutions/`` and ``notebooks/`` into a temporary
folder and serves it with JupyterLab on 127.0.0.1, on a random free port with a random
token, with every Jupyter folder (config, data, runtime, settings, workspaces, IPython)
isolated in the temporary folder; it is stopped by its PID at the end. ``page`` (one per
test) is a fresh browser context; it fails the test on any page error and saves a
screenshot when the test fails (the path is printed; the folder is
``<pytest basetemp>/browser-screenshots``, or ``$LRLAB_SCREENSHOTS`` when set).

Chromium comes from the system (``apt-get install chromium``; ``.ci/run`` does it):
Playwright's own browser download does not work on the machines this runs on.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pytest

from .jlab import Lab

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Chromium is missing: install it with `apt-get install chromium` (.ci/run does), "
                    "or leave the browser tests out with -m 'not slow'")
    return path


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    base = tmp_path_factory.mktemp("jupyterlab")
    served = base / "course"
    for folder in ("solutions", "notebooks"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, served / folder,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    served.mkdir(exist_ok=True)
    env = dict(os.environ)
    for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")]:
        env[var] = str(base / sub)
        (base / sub).mkdir()
    env.pop("JUPYTER_PATH", None)
    # The JupyterLab a learner gets from `course.py lab`: nbgrader's instructor tools switched off.
    env["JUPYTER_CONFIG_PATH"] = str(ROOT / "deploy" / "config" / "learner")
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    # No news or update pop-ups over the notebook.
    notify = base / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notify.parent.mkdir(parents=True)
    notify.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [str(Path(sys.executable).with_name("jupyter")), "lab", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={served}",
           "--ServerApp.port_retries=0",
           # window.jupyterapp: the tests run a cell with JupyterLab's own command (jlab.run_cell)
           "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = base / "jupyterlab.log"
    log = log_path.open("w")
    proc = subprocess.Popen(cmd, cwd=served, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Lab(f"http://127.0.0.1:{port}", token, served, proc.pid)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                server.api("GET", "/api/status")
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer in 90 s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.3)
        yield server
    finally:
        try:
            server.delete_sessions()
        except OSError:
            pass
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, lab, request, tmp_path_factory):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(30_000)
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        folder = Path(os.environ.get("LRLAB_SCREENSHOTS") or tmp_path_factory.getbasetemp() / "browser-screenshots")
        folder.mkdir(parents=True, exist_ok=True)
        shot = folder / f"{request.node.name}.png"
        try:
            pg.screenshot(path=str(shot), full_page=True)
            print(f"\nscreenshot of the failing page: {shot}", file=sys.stderr)
        except Exception as exc:  # the page may be gone; the test's own failure matters more
            print(f"\nno screenshot ({exc})", file=sys.stderr)
    context.close()
    lab.delete_sessions()
    if report is not None and report.passed:
        assert not errors, f"the page raised errors: {errors}"
