"""Shared pytest set-up: a headless matplotlib, and notebook items marked slow."""
import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.split("::")[0].endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)

# Fixture generators need torch and are run by hand, never collected.
collect_ignore = ["fixtures"]
