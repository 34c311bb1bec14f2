"""``lrlab grade`` against a class of hostile and broken submissions (``tests/adversarial``).

One run of the real command grades the whole class with short limits (3 s per cell, 30 s per
notebook, 1 GB, 64 processes); every scenario must end as ``SCENARIOS`` says, every correct
submission graded right after a hostile one must get full points, feedback must never show a
hidden test, the course gradebook must agree with the results, and nothing may be left running.
"""
import json
import os
import re
import subprocess
import sys
from types import SimpleNamespace

import nbformat
import pytest

from adversarial import lesson as tiny
from adversarial import run_uids, sandbox_processes
from adversarial.submissions import SCENARIOS, write_class
from lrlab.grading.sandbox import probe_mode

pytestmark = pytest.mark.slow

LRLAB = os.path.join(os.path.dirname(sys.executable), "lrlab")
LIMITS = ["--cell-timeout", "3", "--notebook-timeout", "30", "--memory", "1024", "--processes", "64"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("adversarial")
    course = tiny.build_course(tmp / "course")
    write_class(course, tmp / "submissions")
    proc = subprocess.run([LRLAB, "grade", str(tmp / "submissions"), "--lesson", tiny.NAME, "--course", str(course),
                           *LIMITS, "--quiet"], capture_output=True, text=True, timeout=900)
    out = course / "grades"
    results = {}
    for path in (out / ".lrlab" / "results" / tiny.NAME).glob("*.json"):
        result = json.loads(path.read_text())
        results[result["student"]] = result
    return SimpleNamespace(course=course, out=out, proc=proc, results=results, mode=probe_mode())


def _scores(result):
    return {g: v["score"] for g, v in result["scores"].items() if g in tiny.POINTS}


def _skip_without_isolation(run, name):
    if SCENARIOS[name].needs_isolation and run.mode == "none":
        pytest.skip("this machine offers no namespaces: files and network are not isolated")


def _cell_output(run, student, grade_id):
    nb = nbformat.read(run.out / ".lrlab" / "results" / tiny.NAME / f"{student}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return "".join(o.get("text", "") for o in cell.outputs)


def test_every_submission_has_a_result(run):
    assert set(run.results) == set(SCENARIOS), (sorted(set(SCENARIOS) - set(run.results)), run.proc.stderr[-2000:])


def test_the_exit_code_says_something_needs_attention(run):
    assert run.proc.returncode == 1, run.proc.stderr[-2000:]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_submission_gets_the_expected_status(run, name):
    _skip_without_isolation(run, name)
    result = run.results[name]
    assert result["status"] == SCENARIOS[name].status, (SCENARIOS[name].what, result["reason"], result["notes"])


@pytest.mark.parametrize("name", sorted(n for n, s in SCENARIOS.items() if s.scores is not None))
def test_each_graded_submission_gets_the_expected_points(run, name):
    _skip_without_isolation(run, name)
    assert _scores(run.results[name]) == SCENARIOS[name].scores, SCENARIOS[name].what


@pytest.mark.parametrize("name", sorted(n for n, s in SCENARIOS.items() if s.reason))
def test_each_flagged_submission_says_why(run, name):
    assert re.search(SCENARIOS[name].reason, run.results[name]["reason"]), run.results[name]["reason"]


@pytest.mark.parametrize("name", sorted(n for n, s in SCENARIOS.items() if s.notes))
def test_what_the_grader_had_to_do_is_noted(run, name):
    notes = run.results[name]["notes"]
    assert any(re.search(SCENARIOS[name].notes, note) for note in notes), notes


def test_every_correct_submission_after_a_hostile_one_gets_full_points(run):
    wrong = {n: _scores(r) for n, r in run.results.items() if n.endswith("-correct") and _scores(r) != tiny.POINTS}
    assert not wrong, wrong


def test_code_reading_outside_its_folder_finds_nothing(run):
    _skip_without_isolation(run, "s37-read-outside")
    printed = _cell_output(run, "s37-read-outside", "ex1_double")
    assert "solutions/90-tiny/90-tiny.ipynb', 'FileNotFoundError'" in printed
    assert "gradebook.db', 'FileNotFoundError'" in printed and "BEGIN HIDDEN" not in printed, printed


def test_code_cannot_reach_the_network(run):
    _skip_without_isolation(run, "s37-read-outside")
    assert "('network', 'OSError')" in _cell_output(run, "s37-read-outside", "ex1_double")


def test_spawning_processes_stops_at_the_process_limit(run):
    _skip_without_isolation(run, "s19-spawn")
    printed = _cell_output(run, "s19-spawn", "ex1_double")
    started = int(printed.split()[0])
    assert started < 64 and "BlockingIOError" in printed, printed


def test_no_process_of_a_kernel_is_left_running(run):
    left = sandbox_processes(run_uids(run.out))  # the run's own uids: other runs may be going on
    assert not left, left


def test_feedback_never_shows_a_hidden_test(run):
    leaks = {}
    for page in (run.out / "feedback" / tiny.NAME).glob("*.html"):
        found = [m for m in tiny.HIDDEN_MARKERS if m in page.read_text()]
        if found:
            leaks[page.name] = found
    assert not leaks and len(list((run.out / "feedback" / tiny.NAME).glob("*.html"))) == len(SCENARIOS), leaks


def test_feedback_names_the_visible_check_that_failed_and_its_hint(run):
    page = (run.out / "feedback" / tiny.NAME / "s21-edited-test.html").read_text()
    assert "double(3.0): expected 6, got 5. Hint: multiply x by SCALE" in page


def test_feedback_of_a_failed_hidden_check_gives_only_the_hint(run):
    page = (run.out / "feedback" / tiny.NAME / "s45-hidden-fails.html").read_text()
    assert "a hidden check failed. Hint: multiply x by SCALE" in page and "-1.25" not in page


def test_the_gradebook_holds_what_the_results_say(run):
    from nbgrader.api import Gradebook

    mismatches = []
    with Gradebook(f"sqlite:///{run.course / '.nbgrader' / 'gradebook.db'}") as gb:
        for name, result in run.results.items():
            if result["status"] == "not graded":
                continue
            nb = gb.find_submission_notebook(tiny.NAME, tiny.NAME, name)
            stored = {g.name: g.auto_score for g in nb.grades if g.name in tiny.POINTS}
            if stored != _scores(result):
                mismatches.append((name, stored, _scores(result)))
    assert not mismatches, mismatches


def test_students_who_were_not_graded_have_no_score_in_the_gradebook(run):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{run.course / '.nbgrader' / 'gradebook.db'}") as gb:
        stored = {s.student.id for s in gb.find_assignment(tiny.NAME).submissions}
    not_graded = {n for n, r in run.results.items() if r["status"] == "not graded"}
    assert stored == set(run.results) - not_graded


def test_flagged_students_wait_in_formgraders_manual_grading_queue(run):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{run.course / '.nbgrader' / 'gradebook.db'}") as gb:
        waiting = {n for n, r in run.results.items() if r["status"] == "needs manual grading"
                   if all(g.needs_manual_grade for g in gb.find_submission_notebook(tiny.NAME, tiny.NAME, n).grades)}
    assert waiting == {n for n, r in run.results.items() if r["status"] == "needs manual grading"}


def test_the_summary_lists_each_student_not_graded_with_the_reason(run):
    summary = (run.out / "summary.txt").read_text()
    missing = [n for n, r in run.results.items() if r["status"] != "graded" and f"{n}: {r['status']}" not in summary]
    assert not missing, missing


def test_the_grades_table_has_one_row_per_submission_with_its_status(run):
    lines = (run.out / "grades.csv").read_text().splitlines()
    assert lines[0].startswith("student,lesson,status,reason") and len(lines) == len(SCENARIOS) + 1


def test_the_class_figure_is_a_png(run):
    assert (run.out / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
