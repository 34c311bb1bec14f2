"""An interrupted ``lrlab grade`` continues where it stopped and never grades a finished student twice.

The run is stopped twice (SIGTERM, then SIGINT, as a terminal's Ctrl-C would) while students are
being graded; a third run finishes. Results written before each interruption must be kept as they
were, every student must end up graded once in the results and in the course gradebook, and no
half-written file or kernel may be left behind.
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from adversarial import lesson as tiny
from adversarial import log_size, run_uids, sandbox_processes

pytestmark = pytest.mark.slow

LRLAB = os.path.join(os.path.dirname(sys.executable), "lrlab")
STUDENTS = [f"st{i:02d}" for i in range(12)]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("resume")
    course = tiny.build_course(tmp / "course")
    folder = tmp / "submissions"
    folder.mkdir()
    slow = "import time\ntime.sleep(0.6)\n" + tiny.CORRECT["ex1_double"]  # time to interrupt
    for i, name in enumerate(STUDENTS):
        answers = {**tiny.CORRECT, "ex1_double": slow} if i % 2 == 0 else {"ex1_double": slow}
        import nbformat
        nbformat.write(tiny.answered(course, answers), folder / f"{name}.ipynb")
    return course, folder


def _command(course, folder):
    return [LRLAB, "grade", str(folder), "--lesson", tiny.NAME, "--course", str(course), "--quiet", "--workers", "2"]


def _results(course):
    found = {}
    for path in (course / "grades" / ".lrlab" / "results" / tiny.NAME).glob("*.json"):
        result = json.loads(path.read_text())
        found[result["student"]] = result["graded_at"]
    return found


def _left_behind(course, since):
    """Processes of the sandbox uids the run that just ended held (other runs may hold other uids)."""
    uids = run_uids(course / "grades", since)
    deadline = time.monotonic() + 10  # a killed process may take a moment to be reaped
    while uids and sandbox_processes(uids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return sandbox_processes(uids) if uids else []


def _interrupt_after(course, folder, more, sig):
    before = len(_results(course))
    since = log_size(course / "grades")
    proc = subprocess.Popen(_command(course, folder), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(_results(course)) < before + more and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err, _results(course), _left_behind(course, since)


@pytest.fixture(scope="module")
def runs(setup):
    course, folder = setup
    first = _interrupt_after(course, folder, 3, signal.SIGTERM)
    second = _interrupt_after(course, folder, 3, signal.SIGINT)
    final = subprocess.run(_command(course, folder), capture_output=True, text=True, timeout=300)
    return first, second, final, _results(course)


def test_an_interrupted_run_exits_with_130_and_says_how_to_continue(runs):
    (code, err, _, _), (code2, err2, _, _), _, _ = runs
    assert (code, code2) == (130, 130) and "run the same command again" in err, err


def test_the_interruptions_happened_before_the_class_was_done(runs):
    (_, _, after_first, _), (_, _, after_second, _), _, _ = runs
    assert 3 <= len(after_first) < len(after_second) < len(STUDENTS), (len(after_first), len(after_second))


def test_students_finished_before_an_interruption_are_not_graded_again(runs):
    (_, _, after_first, _), (_, _, after_second, _), _, final = runs
    changed = {s for s, t in {**after_first, **after_second}.items() if final[s] != t}
    assert not changed and all(after_second[s] == t for s, t in after_first.items()), changed


def test_the_last_run_finishes_the_class(runs):
    _, _, final_run, final = runs
    assert final_run.returncode == 0 and set(final) == set(STUDENTS), final_run.stderr[-2000:]


def test_the_gradebook_has_every_student_once_with_the_right_score(setup, runs):
    from nbgrader.api import Gradebook

    course, _ = setup
    with Gradebook(f"sqlite:///{course / '.nbgrader' / 'gradebook.db'}") as gb:
        subs = gb.find_assignment(tiny.NAME).submissions
        scores = {s.student.id: s.score for s in subs}
    expected = {name: (tiny.AUTO_MAX if i % 2 == 0 else 2) for i, name in enumerate(STUDENTS)}
    assert scores == expected


def test_no_half_written_file_is_left(setup, runs):
    course, _ = setup
    leftovers = [p.name for p in (course / "grades").rglob("*.tmp")]
    assert not leftovers, leftovers


def test_no_kernel_outlives_an_interruption(runs):
    (_, _, _, left_first), (_, _, _, left_second), _, _ = runs
    assert (left_first, left_second) == ([], []), "processes of the interrupted runs' sandbox uids are still running"
