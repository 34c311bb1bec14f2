"""Shared pytest set-up: a headless matplotlib whose figures are closed after each test, notebook
items marked slow, ``executed``: each notebook executed once per test run (``tests/executed.py``),
and the groups pytest-xdist would keep together with ``--dist loadgroup``. Measured on 2026-12-07:
pytest-xdist 3.8 did not honour these marks (a module's tests ran on both workers), so ``.ci/run``
uses ``--dist loadfile`` and runs the ``GRADING`` modules in a second pytest run, one after another, beside
the first.

Groups (``xdist_group``), so that every test still runs alone and each expensive fixture runs once:

* a test module whose tests share a module- or class-scoped fixture (a class graded by nbgrader,
  the book built, a grading run) is one group, the module: its fixture runs once, on one worker;
* the browser tests are one group: one JupyterLab and one Chromium for all of them;
* every module that grades with ``lrlab grade`` (``GRADING``) is one group per module: each run holds
  sandbox uids of its own (``lrlab.grading.uids``), so two grading runs at once are safe. (Set
  ``GRADING_SHARES_UIDS = True`` to put them all in ONE group again, one after another on one worker.)
  ``.ci/run`` grades them one after another in a pytest run of their own, beside the 2-core run;
* tests without such a fixture (``INDEPENDENT``: each lesson executed for its own check) are not
  grouped: xdist hands them out one by one, so the lessons execute on both cores.
"""
from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


def pytest_configure(config):
    """Kernels this run starts share one study cache (``lrlab._cache``), this process never reads it.

    Every lesson is executed many times in a run (nbval's check, the student copy, the book, JupyterLab,
    each simulated learner of an nbgrader class): its studies are computed by the first kernel that
    needs them and read back by the others. The folder is made by the first pytest process of the run
    (pytest-xdist's workers inherit it) and removed at its end; set ``LRLAB_STUDY_CACHE`` yourself to
    keep it, or to an empty value to compute everything every time. The tests themselves call studies
    with lrlab patched, so in the test processes the cache is off.
    """
    import shutil
    import tempfile

    from lrlab import _cache

    _cache.disable()
    if _cache.ENV not in os.environ:
        os.environ[_cache.ENV] = tempfile.mkdtemp(prefix="lrlab-study-cache-")
        config._lrlab_study_cache = os.environ[_cache.ENV]
        config.add_cleanup(lambda: shutil.rmtree(config._lrlab_study_cache, ignore_errors=True))


@pytest.fixture(scope="session")
def executed(tmp_path_factory):
    """Notebooks executed once per test run and shared; under pytest-xdist, by every worker of the run."""
    from executed import Executed

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, above each worker's own
    return Executed(base / "executed-notebooks")


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test opened (a figure test leaves nothing to the next one)."""
    yield
    plt.close("all")


#: test modules that run ``lrlab grade``
GRADING = ("tests/test_grading_", "tests/test_hub.py")
GRADING_SHARES_UIDS = False
#: modules whose tests share no expensive fixture: handed out one test at a time
INDEPENDENT = ("tests/test_notebooks.py",)


def xdist_group(path: str) -> str | None:
    """The pytest-xdist group of the tests of the file at ``path`` (relative, with /), or None."""
    if path.startswith(GRADING) and GRADING_SHARES_UIDS:
        return "lrlab-grade"
    if path.startswith("tests/browser/"):
        return "browser"
    if path.startswith(INDEPENDENT) or not path.startswith("tests/"):
        return None  # doctests of lrlab/, and the independent modules
    return path


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.nodeid.split("::")[0]
        if path.endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)
        group = xdist_group(path)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))

# Fixture generators need torch and are run by hand, never collected.
collect_ignore = ["fixtures"]
