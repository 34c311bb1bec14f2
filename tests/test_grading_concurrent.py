"""Two ``lrlab grade`` runs at once on one course (two lessons in two terminals) give the scores each gives alone.

Each lesson's class is graded alone first, then both are started at the same moment, each into an
output folder of its own; both runs write to the course's one gradebook. Every student must end with
the same status, points per test cell and notes in both cases (a kernel killed by the other run would
be "not graded", or noted as graded a second time), and as root the two runs must have held disjoint
blocks of sandbox uids while both were going.
"""
import json
import os
import shutil
import subprocess
import sys
import time

import nbformat
import pytest

from adversarial import lesson as tiny
from adversarial import log_size, run_uids, sandbox_processes
from lrlab.grading import sandbox

pytestmark = pytest.mark.slow

LRLAB = os.path.join(os.path.dirname(sys.executable), "lrlab")
OTHER = "91-tiny"  # a second lesson of the course: the tiny one under another name
SLOW = "import time\ntime.sleep(0.8)\n"  # each student takes long enough for the two runs to overlap
ANSWERS = {  # student -> answer cells replaced in the student notebook
    "correct": dict(tiny.CORRECT),
    "ex1-wrong": {**tiny.CORRECT, "ex1_double": "def double(x):\n    return x + x + 1"},
    "no-empty-check": {**tiny.CORRECT, "ex2_mean": "def mean(xs):\n    return sum(xs) / len(xs)"},
    "blank": {},
    "half": {"ex1_double": tiny.CORRECT["ex1_double"]},
}


def _add_second_lesson(course):
    src, dst = course / "solutions" / tiny.NAME, course / "solutions" / OTHER
    dst.mkdir()
    shutil.copy(src / "data.txt", dst / "data.txt")
    shutil.copy(src / f"{tiny.NAME}.ipynb", dst / f"{OTHER}.ipynb")
    nbgrader = os.path.join(os.path.dirname(sys.executable), "nbgrader")
    subprocess.run([nbgrader, "generate_assignment", OTHER, "--no-db", "--force", "--log-level=ERROR"], cwd=course,
                   check=True, env={"PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin", "HOME": str(course)})


def _write_class(course, lesson, folder):
    folder.mkdir(parents=True)
    student_nb = course / "notebooks" / lesson / f"{lesson}.ipynb"
    for name, answers in ANSWERS.items():
        nb = nbformat.read(student_nb, as_version=4)
        cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}
        for gid, source in answers.items():
            cells[gid].source = SLOW + source if gid == "ex1_double" else source
        nbformat.write(nb, folder / f"{lesson[:2]}-{name}.ipynb")


def _start(course, lesson, folder, out):
    cmd = [LRLAB, "grade", str(folder), "--lesson", lesson, "--course", str(course), "--out", str(out),
           "--workers", "2", "--cell-timeout", "10", "--quiet"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _outcome(out, lesson):
    """student -> (status, reason, points per cell, notes), from the run's result files."""
    found = {}
    for path in sorted((out / ".lrlab" / "results" / lesson).glob("*.json")):
        r = json.loads(path.read_text())
        found[r["student"]] = (r["status"], r["reason"], {g: v["score"] for g, v in r["scores"].items()},
                               sorted(r["notes"]))
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("concurrent")
    course = tiny.build_course(tmp / "course")
    _add_second_lesson(course)
    classes = {lesson: tmp / f"class-{lesson}" for lesson in (tiny.NAME, OTHER)}
    for lesson, folder in classes.items():
        _write_class(course, lesson, folder)
    alone = {}
    for lesson, folder in classes.items():
        proc = _start(course, lesson, folder, tmp / f"alone-{lesson}")
        _, err = proc.communicate(timeout=600)
        alone[lesson] = (proc.returncode, err, _outcome(tmp / f"alone-{lesson}", lesson))
    outs = {lesson: tmp / f"together-{lesson}" for lesson in classes}
    since = {lesson: log_size(out) for lesson, out in outs.items()}
    t0 = time.monotonic()
    procs = {lesson: _start(course, lesson, folder, outs[lesson]) for lesson, folder in classes.items()}
    together, ended = {}, {}
    for lesson, proc in procs.items():
        _, err = proc.communicate(timeout=600)
        ended[lesson] = time.monotonic() - t0
        together[lesson] = (proc.returncode, err, _outcome(outs[lesson], lesson))
    held = {lesson: run_uids(out, since[lesson]) for lesson, out in outs.items()}
    return alone, together, held, ended


def test_each_run_alone_grades_every_student(runs):
    alone, _, _, _ = runs
    for lesson, (code, err, outcome) in alone.items():
        assert code == 0 and len(outcome) == len(ANSWERS), (lesson, code, err[-2000:])
        assert {s for s, (status, *_) in outcome.items() if status != "graded"} == set(), outcome


def test_the_outcomes_alone_are_the_expected_ones(runs):
    alone, _, _, _ = runs
    points = {s: {g: v for g, v in o[2].items() if g in tiny.POINTS} for s, o in alone[tiny.NAME][2].items()}
    assert points["90-correct"] == tiny.POINTS
    assert points["90-ex1-wrong"] == {**tiny.POINTS, "test_ex1_double": 0}
    assert points["90-no-empty-check"] == {**tiny.POINTS, "test_ex2_empty": 0}
    assert points["90-blank"] == {g: 0 for g in tiny.POINTS}
    assert points["90-half"] == {**tiny.POINTS, "test_ex2_mean": 0, "test_ex2_empty": 0}


def test_two_runs_at_once_give_exactly_the_outcomes_each_gives_alone(runs):
    alone, together, _, _ = runs
    for lesson in alone:
        code, err, outcome = together[lesson]
        assert code == 0, (lesson, err[-2000:])
        assert outcome == alone[lesson][2], lesson


def test_no_student_of_either_run_ends_not_graded(runs):
    _, together, _, _ = runs
    not_graded = {s: o[1] for lesson in together for s, o in together[lesson][2].items() if o[0] != "graded"}
    assert not_graded == {}


def test_the_two_runs_held_disjoint_blocks_of_sandbox_uids(runs):
    _, _, held, _ = runs
    if sandbox.probe_mode() != "root":
        pytest.skip("only runs as root give kernels uids of their own")
    first, second = held.values()
    assert first is not None and second is not None, "each run records its block in grader.log"
    assert set(first).isdisjoint(second), held


def test_nothing_is_left_under_either_runs_uids(runs):
    _, _, held, _ = runs
    left = {lesson: sandbox_processes(uids) for lesson, uids in held.items() if uids is not None}
    assert all(not pids for pids in left.values()), left
