"""The course pipeline: solutions/ → notebooks/ with nbgrader, and every lesson's shape.

Every solution notebook runs top to bottom without an error
(``test_solution_notebook_runs_top_to_bottom``: the check ``pytest --nbval-lax solutions/``
makes, on the one execution of the lesson that the other checks of the run share, see
``tests/executed.py``). ``--nbval-lax`` stays on, so ``pytest solutions/NN-name`` still runs
a lesson cell by cell with nbval.
"""
import re
import shutil
import subprocess

import nbformat
import pytest

from executed import first_error
from nbcourse import (NOTEBOOKS, ROOT, SOLUTIONS, grade_cells, lessons, nbgrader, restore_solutions,
                      solution_path, student_path, strip_markers)

LESSONS = lessons()
ALL_NOTEBOOKS = sorted(SOLUTIONS.glob("*/*.ipynb")) + sorted(NOTEBOOKS.glob("*/*.ipynb"))


def read(path):
    return nbformat.read(path, as_version=4)


def meta(cell):
    return cell.metadata.get("nbgrader", {})


def test_there_are_lessons():
    assert len(LESSONS) >= 2, f"expected lessons in {SOLUTIONS}, found {LESSONS}"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_stored_without_outputs(path):
    nb = read(path)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"cells {dirty} of {path.name} have outputs: clear them before committing"


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_has_a_student_notebook(lesson):
    assert student_path(lesson).is_file(), f"run: python3 course.py generate {lesson}"


@pytest.mark.slow
def test_student_notebooks_match_a_fresh_generation(tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(SOLUTIONS, tmp_path / "solutions")
    for lesson in LESSONS:
        nbgrader("generate_assignment", lesson, "--no-db", "--force", cwd=tmp_path)
    for lesson in LESSONS:
        fresh = (tmp_path / "notebooks" / lesson / f"{lesson}.ipynb").read_bytes()
        assert student_path(lesson).read_bytes() == fresh, (
            f"notebooks/{lesson} is stale: run python3 course.py generate {lesson}")
    committed = {p.name for p in NOTEBOOKS.iterdir() if p.is_dir()}
    assert committed == set(LESSONS), f"notebooks/ has folders without a source lesson: {committed - set(LESSONS)}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_has_goals_recap_and_next(lesson):
    nb = read(solution_path(lesson))
    md = [c.source for c in nb.cells if c.cell_type == "markdown"]
    head, tail = "\n".join(md[:3]), "\n".join(md[-3:])
    assert re.search(r"^#+ .*what you will be able to do", head, re.I | re.M), "learning goals at the top"
    assert re.search(r"^#+ .*recap", tail, re.I | re.M), "a recap at the end"
    assert re.search(r"^#+ .*next", tail, re.I | re.M), "a 'Next' section at the end"


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_has_enough_graded_work(lesson):
    nb = read(solution_path(lesson))
    tests = [c for c in nb.cells if c.cell_type == "code" and meta(c).get("grade")]
    answers = [c for c in nb.cells if c.cell_type == "code" and meta(c).get("solution")]
    written = [c for c in nb.cells if c.cell_type == "markdown" and meta(c).get("solution") and meta(c).get("grade")]
    with_hidden = [c for c in tests if "### BEGIN HIDDEN TESTS" in c.source]
    assert len(answers) >= 3, f"{lesson}: {len(answers)} autograded exercises, need >= 3"
    assert len({c.metadata.nbgrader['grade_id'] for c in with_hidden}) >= 3, "need >= 3 test cells with hidden tests"
    assert all(meta(c).get("points", 0) > 0 for c in tests + written), "every graded cell carries points"
    assert written, f"{lesson} needs a manually graded written answer"
    ids = [meta(c)["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), "grade ids must be unique"


@pytest.mark.parametrize("lesson", LESSONS)
def test_student_notebook_hides_solutions_and_hidden_tests(lesson):
    student = read(student_path(lesson))
    text = "\n".join(c.source for c in student.cells)
    for marker in ("BEGIN HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION"):
        assert marker not in text, f"{marker} leaked into notebooks/{lesson}"
    solution = read(solution_path(lesson))
    secret = set()
    for cell in solution.cells:
        if cell.cell_type == "code" and meta(cell).get("solution"):
            inside = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S)
            secret |= {ln.strip() for block in inside for ln in block.splitlines() if len(ln.strip()) >= 15}
        if cell.cell_type == "code" and meta(cell).get("grade"):
            inside = re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S)
            secret |= {ln.strip() for block in inside for ln in block.splitlines() if len(ln.strip()) >= 15}
        if cell.cell_type == "markdown" and meta(cell).get("solution"):
            secret |= {ln.strip() for ln in cell.source.splitlines() if len(ln.strip()) >= 15}
    student_lines = {ln.strip() for ln in text.splitlines()}
    leaked = sorted(secret & student_lines)
    assert not leaked, f"solution or hidden-test lines visible in notebooks/{lesson}: {leaked[:5]}"


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_notebook_runs_top_to_bottom(lesson, executed):
    nb = executed.run(solution_path(lesson))
    i, err = first_error(nb)
    assert i is None, (f"solutions/{lesson}: cell {i} raised {err.ename}: {err.evalue}\n"
                       f"{nb.cells[i].source[:800]}\n" + "\n".join(err.traceback)[-2000:])


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_student_notebook_runs_until_its_first_exercise(lesson, executed):
    nb = executed.run(student_path(lesson), ROOT, stop_at_error=True)  # nothing after the first error runs
    i, err = first_error(nb)
    first_answer = next(k for k, c in enumerate(nb.cells) if c.cell_type == "code" and meta(c).get("solution"))
    assert i is not None, "the untouched student notebook should stop at its first exercise"
    assert (i, err.ename) == (first_answer, "NotImplementedError"), (
        f"first error is {err.ename} in cell {i} ({err.evalue}); expected NotImplementedError in cell {first_answer}")


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_student_notebook_runs_to_the_end_with_solutions_put_back(lesson, executed):
    nb = restore_solutions(read(student_path(lesson)), read(solution_path(lesson)))
    nb = executed.run(nb, ROOT)
    i, err = first_error(nb)
    assert i is None, f"cell {i} raised {err.ename}: {err.evalue}"


def test_strip_markers_removes_only_marker_lines():
    src = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"
    assert strip_markers(src) == "def f():\n    return 1"
