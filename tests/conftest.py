"""Shared pytest set-up: a headless matplotlib whose figures are closed after each test, and notebook
items marked slow."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


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
