"""Shared pytest set-up: a headless matplotlib whose figures are closed after each test, notebook
items marked slow, and ``executed``: each notebook executed once per test run (``tests/executed.py``)."""
import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


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


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.split("::")[0].endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)

# Fixture generators need torch and are run by hand, never collected.
collect_ignore = ["fixtures"]
