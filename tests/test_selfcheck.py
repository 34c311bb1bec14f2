"""The student self-check (``lrlab.course.selfcheck``) on lesson 02: verdicts, warnings, and no hidden test in sight.

Each scenario is a real student notebook (the release with answers filled
in from ``solutions/``, or with a known mistake) checked once, in a real
kernel, by a module-scoped fixture; the tests read the reports. Expected
verdicts come from the lesson's design: the visible test of ``gd_step``
catches a sign error with the hint "check the sign of the update", and so on.
The integrity checks (edited / deleted read-only cells) are also tested
without a kernel.
"""
import copy
import re

import nbformat
import pytest

from lrlab.course import selfcheck
from nbcourse import grade_cells, hidden_lines, restore_solutions, solution_path, student_path

LESSON = "02-three-learning-rates"
EXERCISES = ["1 gd_step", "2 train", "3 stability_limit", "4 explosion_epoch", "5 classify"]
WRONG_STEP = "def gd_step(x, lr, grad):\n    return x + lr * grad\n"


def released():
    return nbformat.read(student_path(LESSON), as_version=4)


def correct():
    return restore_solutions(released(), nbformat.read(solution_path(LESSON), as_version=4))


def with_answer(nb, grade_id, source):
    nb = copy.deepcopy(nb)
    grade_cells(nb)[grade_id].source = source
    return nb


def without(nb, grade_id):
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]
    return nb


SCENARIOS = {
    "correct": lambda: correct(),
    "wrong": lambda: with_answer(correct(), "ex1_gd_step", WRONG_STEP),
    "blank": lambda: released(),
    # a wrong answer whose test cell was "fixed" by the student: the original test must still fail it
    "edited": lambda: with_answer(with_answer(correct(), "ex1_gd_step", WRONG_STEP), "test_ex1_gd_step", "pass\n"),
    "deleted": lambda: without(correct(), "test_ex2_train_values"),
    "kills_kernel": lambda: with_answer(correct(), "ex2_train", "import os\nos._exit(0)\n"),
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """{scenario: (report, printed text)} — one real check per scenario."""
    found = {}
    for name, make in SCENARIOS.items():
        folder = tmp_path_factory.mktemp(name) / LESSON
        folder.mkdir()
        path = folder / f"{LESSON}.ipynb"
        nbformat.write(make(), path)
        report = selfcheck.check_notebook(path, release=student_path(LESSON))
        found[name] = (report, report.format())
    return found


def statuses(report) -> dict:
    return {ex.title: ex.status for ex in report.exercises}


def row(report, title):
    return next(ex for ex in report.exercises if ex.title == title)


@pytest.mark.slow
def test_correct_notebook_passes_every_visible_test_and_is_ready(reports):
    report, _ = reports["correct"]
    got = statuses(report)
    assert [t for t in got if t in EXERCISES] == EXERCISES, f"exercise rows: {list(got)}"
    assert all(got[t] == selfcheck.PASSED for t in EXERCISES), got
    assert report.ready and not report.warnings, report.format()


@pytest.mark.slow
def test_written_answer_is_left_for_manual_grading(reports):
    report, _ = reports["correct"]
    assert statuses(report)["written: overshoot"] == selfcheck.MANUAL


@pytest.mark.slow
def test_wrong_answer_fails_with_the_visible_tests_message(reports):
    report, text = reports["wrong"]
    step = row(report, "1 gd_step")
    assert step.status == selfcheck.FAILED, report.format()
    assert "expected 4, got 6" in step.message and "check the sign of the update" in step.message, step.message
    assert "check the sign of the update" in text
    assert not report.ready


@pytest.mark.slow
def test_wrong_answer_leaves_the_independent_exercises_passing(reports):
    report, _ = reports["wrong"]
    got = statuses(report)
    assert got["3 stability_limit"] == got["5 classify"] == selfcheck.PASSED, got


@pytest.mark.slow
def test_blank_notebook_is_not_answered_anywhere(reports):
    report, _ = reports["blank"]
    got = statuses(report)
    assert set(got.values()) == {selfcheck.NOT_ANSWERED}, got
    assert "1 gd_step" in got and "written: overshoot" in got
    assert not report.warnings, report.warnings


@pytest.mark.slow
def test_edited_test_cell_is_warned_about_and_the_original_test_still_runs(reports):
    report, _ = reports["edited"]
    assert any("test_ex1_gd_step" in w and "read-only" in w for w in report.warnings), report.warnings
    step = row(report, "1 gd_step")
    assert step.status == selfcheck.FAILED, f"the original test must catch the wrong sign: {step}"
    assert "test_ex1_gd_step" in step.message


@pytest.mark.slow
def test_deleted_test_cell_is_warned_about_on_its_exercise(reports):
    report, _ = reports["deleted"]
    assert any("deleted" in w and "test_ex2_train_values" in w for w in report.warnings), report.warnings
    assert "test_ex2_train_values" in row(report, "2 train").message
    assert not report.ready


@pytest.mark.slow
def test_notebook_that_kills_its_kernel_fails_there_and_the_rest_is_not_checked(reports):
    report, _ = reports["kills_kernel"]
    got = statuses(report)
    assert got["1 gd_step"] == selfcheck.PASSED and got["2 train"] == selfcheck.FAILED, got
    assert got["3 stability_limit"] == got["5 classify"] == selfcheck.NOT_RUN, got
    assert any("kernel died" in w for w in report.warnings), report.warnings


@pytest.mark.slow
def test_no_hidden_test_line_appears_in_any_output(reports):
    lines = hidden_lines(LESSON)
    assert len(lines) >= 5, f"the lesson should have hidden tests to protect; found {len(lines)}"
    for name, (_, text) in reports.items():
        leaked = [line for line in lines if line in text]
        assert not leaked, f"{name}: hidden test lines in the self-check output: {leaked[:3]}"


@pytest.mark.slow
def test_command_line_exits_1_when_not_ready_and_prints_the_table(tmp_path, capsys):
    folder = tmp_path / LESSON
    folder.mkdir()
    nbformat.write(with_answer(released(), "ex1_gd_step", WRONG_STEP), folder / f"{LESSON}.ipynb")
    code = selfcheck.main([str(folder), "--release", str(student_path(LESSON))])
    out = capsys.readouterr().out
    assert code == 1, out
    assert re.search(r"1 gd_step\s+2\s+failed", out), out
    assert re.search(r"2 train\s+4\s+not answered yet", out), out
    leaked = [line for line in hidden_lines(LESSON) if line in out]
    assert not leaked, leaked[:3]


@pytest.mark.slow
def test_check_from_a_notebook_cell_reports_on_that_notebook(tmp_path):
    from nbclient import NotebookClient

    folder = tmp_path / LESSON
    folder.mkdir()
    nb = correct()
    nb.cells.append(nbformat.v4.new_code_cell("from lrlab.course.selfcheck import check\ncheck()"))
    path = folder / f"{LESSON}.ipynb"
    nbformat.write(nb, path)
    run = copy.deepcopy(nb)
    client = NotebookClient(run, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    with client.setup_kernel(env={**__import__("os").environ, "JPY_SESSION_NAME": str(path)}):
        client.execute_cell(run.cells[-1], len(run.cells) - 1)
    text = "".join(o.get("text", "") for o in run.cells[-1].outputs if o.get("output_type") == "stream")
    assert f"Self-check of {LESSON}.ipynb" in text, text
    rows = re.findall(r"^\s+(\d \w+)\s+\d+\s+passed visible tests$", text, re.M)
    assert rows == EXERCISES, text
    assert "Ready to submit." in text, text


def test_check_inside_the_checks_own_kernel_does_nothing(monkeypatch, capsys):
    monkeypatch.setenv(selfcheck.ENV_GUARD, "1")
    assert selfcheck.check("does-not-exist.ipynb") is None
    assert "skipped" in capsys.readouterr().out


def test_changed_locked_markdown_cell_is_found_by_its_checksum_alone():
    nb = released()
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("locked"))
    cell.source += "\nmy notes"
    warnings, changed, deleted = selfcheck._integrity(nb, None)
    assert changed == {cell.metadata.nbgrader["grade_id"]} and not deleted, warnings


def test_deleted_locked_cell_is_found_only_by_comparing_with_the_release():
    nb = without(released(), "test_ex5_classify")
    assert selfcheck._integrity(nb, None)[2] == set()
    warnings, changed, deleted = selfcheck._integrity(nb, released())
    assert deleted == {"test_ex5_classify"} and not changed, warnings


def test_duplicated_cell_is_warned_about():
    nb = released()
    nb.cells.append(copy.deepcopy(grade_cells(nb)["test_ex1_gd_step"]))
    warnings, _, _ = selfcheck._integrity(nb, released())
    assert any("test_ex1_gd_step" in w and "2 times" in w for w in warnings), warnings


def test_release_is_found_in_the_course_notebooks_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("LRLAB_EXCHANGE", str(tmp_path / "no-exchange"))
    mine = tmp_path / LESSON / f"{LESSON}.ipynb"
    assert selfcheck.find_reference(mine) == student_path(LESSON).resolve()


def test_release_is_found_in_the_nbgrader_exchange_first(tmp_path, monkeypatch):
    outbound = tmp_path / "exchange" / "lrlab" / "outbound" / LESSON
    outbound.mkdir(parents=True)
    nbformat.write(released(), outbound / f"{LESSON}.ipynb")
    monkeypatch.setenv("LRLAB_EXCHANGE", str(tmp_path / "exchange"))
    mine = tmp_path / "home" / LESSON / f"{LESSON}.ipynb"
    assert selfcheck.find_reference(mine) == outbound / f"{LESSON}.ipynb"


def test_bad_arguments_name_the_argument(tmp_path):
    with pytest.raises(ValueError, match="path must be a notebook"):
        selfcheck.check_notebook(tmp_path / "answers.py")
    with pytest.raises(FileNotFoundError, match="no notebook at"):
        selfcheck.check_notebook(tmp_path / "missing.ipynb")
    with pytest.raises(ValueError, match="timeout must be > 0"):
        selfcheck.check_notebook(student_path(LESSON), timeout=0)
    with pytest.raises(TypeError, match="path must be a path"):
        selfcheck.check_notebook(42)


@pytest.mark.slow
def test_lrlab_check_console_script_says_ready_for_a_correct_notebook(tmp_path):
    """What a student types in a terminal: the installed ``lrlab check``, exit 0 and "Ready to submit."."""
    import subprocess
    import sys
    from pathlib import Path

    folder = tmp_path / LESSON
    folder.mkdir()
    nbformat.write(correct(), folder / f"{LESSON}.ipynb")
    lrlab = Path(sys.executable).parent / "lrlab"
    proc = subprocess.run([str(lrlab), "check", str(folder / f"{LESSON}.ipynb"), "--release", str(student_path(LESSON))],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Ready to submit." in proc.stdout
    assert re.search(r"1 gd_step\s+2\s+passed visible tests", proc.stdout), proc.stdout


def test_lrlab_check_names_a_missing_notebook_and_exits_2(tmp_path, capsys):
    from lrlab.cli import main

    assert main(["check", str(tmp_path / "nowhere.ipynb")]) == 2
    assert "nowhere.ipynb" in capsys.readouterr().err
