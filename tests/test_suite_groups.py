"""The pytest-xdist groups of ``tests/conftest.py``: a shared fixture stays on one worker, grading runs stay apart."""
import re
from pathlib import Path

import pytest

from conftest import GRADING, GRADING_SHARES_UIDS, INDEPENDENT, xdist_group

TESTS = Path(__file__).resolve().parent
MODULES = sorted(p.relative_to(TESTS.parent).as_posix() for p in TESTS.rglob("test_*.py"))
SHARED_FIXTURE = re.compile(r"@pytest\.fixture\(\s*scope=[\"'](module|class|package)[\"']|\(LessonGrading\)")
#: ``[LRLAB, "grade", ...]``, ``run_as(..., "lrlab", "grade", ...)``, ``main(["grade", ...])``, ``grading.run.x(...)``
RUNS_LRLAB_GRADE = re.compile(r"""(LRLAB,\s*|["']lrlab["'],\s*|main\(\[)["']grade["']|grading\.run\.|"""
                              r"""from lrlab\.grading\.run import|lrlab\.grading import run\b""")


def test_every_test_module_is_found():
    assert "tests/test_notebooks.py" in MODULES and "tests/browser/test_lessons_in_lab.py" in MODULES


@pytest.mark.parametrize("module", MODULES)
def test_a_module_with_a_shared_fixture_is_one_group(module):
    if SHARED_FIXTURE.search((TESTS.parent / module).read_text()):
        assert xdist_group(module) is not None, f"{module} shares a fixture: its tests must stay on one worker"


@pytest.mark.parametrize("module", INDEPENDENT)
def test_the_modules_handed_out_test_by_test_share_no_fixture(module):
    assert not SHARED_FIXTURE.search((TESTS.parent / module).read_text()), f"{module} now shares a fixture"
    assert xdist_group(module) is None


GRADERS = [m for m in MODULES if m != "tests/test_suite_groups.py" and RUNS_LRLAB_GRADE.search((TESTS.parent / m).read_text())]


def test_the_modules_that_run_lrlab_grade_are_found():
    assert {"tests/test_grading_adversarial_lessons.py", "tests/test_hub.py"} <= set(GRADERS), GRADERS


@pytest.mark.parametrize("module", GRADERS)
def test_every_module_that_runs_lrlab_grade_is_in_the_grading_group(module):
    assert module.startswith(GRADING), f"{module} runs lrlab grade: add it to conftest.GRADING"
    assert xdist_group(module) == ("lrlab-grade" if GRADING_SHARES_UIDS else module)


def test_lessons_and_doctests_are_not_grouped_and_browser_tests_share_one_lab():
    assert xdist_group("lrlab/train/engine.py") is None
    assert xdist_group("tests/browser/test_lessons_in_lab.py") == xdist_group("tests/browser/test_controls_in_lab.py")
    assert xdist_group("tests/test_lesson_02_grading.py") == "tests/test_lesson_02_grading.py"
