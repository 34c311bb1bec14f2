"""A grading run leaves nothing behind: no temporary folder or file, no process of its sandbox uids.

Each run gets its own empty ``TMPDIR`` (so other programs on the machine cannot disturb the check)
and must leave it empty whether it finished, failed or was interrupted with Ctrl-C in the middle of
grading. ``/dev/shm`` (where workers keep their scratch gradebooks) must hold nothing new either.
Only the run's own block of uids is checked: other grading runs may be going on at the same time.
The finished run's grades are then exported for an LMS: the student who was not graded stays blank, and so
does one whose written answer waits for a grader unless ``--partial`` is asked for.
"""
import csv
import os
import signal
import subprocess
import sys
import time

import pytest

from adversarial import lesson as tiny
from adversarial import log_size, run_uids, sandbox_processes
from lrlab.grading import sandbox
from adversarial.submissions import write_class

pytestmark = pytest.mark.slow

LRLAB = os.path.join(os.path.dirname(sys.executable), "lrlab")
CLASS = ["s03-loop-inside", "s11-os-exit", "s19-spawn", "s43-blank"]
LIMITS = ["--cell-timeout", "3", "--notebook-timeout", "30", "--memory", "1024", "--processes", "64"]


def shm_entries():
    return {n for n in os.listdir("/dev/shm") if n.startswith("lrlab-")} if os.path.isdir("/dev/shm") else set()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cleanup")
    course = tiny.build_course(tmp / "course")
    write_class(course, tmp / "submissions", names=CLASS)
    return course, tmp / "submissions"


def grade(course, submissions, tmpdir, *args, interrupt_after_first=False):
    tmpdir.mkdir()
    env = dict(os.environ, TMPDIR=str(tmpdir))
    cmd = [LRLAB, "grade", str(submissions), "--course", str(course), *args, *LIMITS, "--quiet"]
    since = log_size(course / "grades")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if interrupt_after_first:  # Ctrl-C once the first student is saved, while others are being graded
        results = course / "grades" / ".lrlab" / "results" / tiny.NAME
        deadline = time.monotonic() + 120
        while not list(results.glob("*.json")) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, err, run_uids(course / "grades", since)


def assert_nothing_left(tmpdir, shm_before, uids):
    left = sorted(p.name for p in tmpdir.iterdir())
    assert left == [], f"the grading run left {left} in its temporary folder"
    assert shm_entries() - shm_before == set(), f"new entries in /dev/shm: {shm_entries() - shm_before}"
    if uids is None:  # the run held no uids (it stopped before grading, or ran without root)
        return
    deadline = time.monotonic() + 10  # a killed process may take a moment to be reaped
    while sandbox_processes(uids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sandbox_processes(uids) == [], f"processes of the run's sandbox uids are still running: " \
                                          f"{sandbox_processes(uids)}"


def assert_held_uids(uids):
    if sandbox.probe_mode() == "root":
        assert uids is not None, "a run as root records the block of sandbox uids it holds in grader.log"


def test_an_interrupted_run_leaves_nothing_and_says_how_to_go_on(course, tmp_path):
    course_dir, submissions = course
    shm = shm_entries()
    code, err, uids = grade(course_dir, submissions, tmp_path / "tmp", "--lesson", tiny.NAME,
                            interrupt_after_first=True)
    assert code == 130, err
    assert "run the same command again to continue" in err
    assert_held_uids(uids)
    assert_nothing_left(tmp_path / "tmp", shm, uids)


def test_a_finished_run_leaves_nothing(course, tmp_path):
    course_dir, submissions = course
    shm = shm_entries()
    code, err, uids = grade(course_dir, submissions, tmp_path / "tmp", "--lesson", tiny.NAME)
    assert code == 1, err  # the os._exit student is not graded
    assert_held_uids(uids)
    assert_nothing_left(tmp_path / "tmp", shm, uids)


def test_a_failed_run_leaves_nothing_and_names_the_lesson(course, tmp_path):
    course_dir, submissions = course
    shm = shm_entries()
    code, err, uids = grade(course_dir, submissions, tmp_path / "tmp", "--lesson", "no-such-lesson")
    assert code == 2 and f"--lesson 'no-such-lesson': no lesson of that name in {course_dir / 'solutions'}" in err
    assert uids is None, "a run that stops on a bad argument takes no sandbox uids"
    assert_nothing_left(tmp_path / "tmp", shm, uids)


def test_the_graded_class_exports_to_canvas_with_the_crash_left_blank(course, tmp_path):
    course_dir, submissions = course
    grades = course_dir / "grades" / "grades.csv"
    assert grades.is_file(), "test_a_finished_run_leaves_nothing grades the class first"
    proc = subprocess.run([LRLAB, "export", "--to", "canvas", "--grades", str(grades), "--out", str(tmp_path / "c.csv")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "s11-os-exit, 90-tiny: not graded" in proc.stderr, proc.stderr
    with open(tmp_path / "c.csv", newline="") as f:
        table = {row[0]: row[5] for row in csv.reader(f)}
    with open(grades, newline="") as f:
        maximum = {row["max_score"] for row in csv.DictReader(f)}
    assert [table["Points Possible"]] == sorted(maximum), "the points row gives the lesson's maximum"
    assert table["s11-os-exit"] == "", "a student who was not graded must be blank, never 0"
    assert table["s43-blank"] == "0", "a blank notebook is graded (nbgrader gives its blank written answer 0): a real 0"
    assert table["s19-spawn"] == "", "the written answer waits for a grader: the 4 so far is not final"
    assert "s19-spawn, 90-tiny: 1 written answer not graded yet; score so far 4 of 5" in proc.stderr, proc.stderr
    proc = subprocess.run([LRLAB, "export", "--to", "canvas", "--grades", str(grades), "--out", str(tmp_path / "c.csv"),
                           "--partial"], capture_output=True, text=True, timeout=60)
    with open(tmp_path / "c.csv", newline="") as f:
        table = {row[0]: row[5] for row in csv.reader(f)}
    assert table["s19-spawn"] == "4", "--partial writes the score so far"
    assert table["s11-os-exit"] == "", "--partial never gives a student who was not graded a score"
