"""A whole class on the course's JupyterHub, on this machine: real users, real servers, nbgrader's exchange.

The hub of ``deploy/`` (``deploy/hubctl.py``) runs on 127.0.0.1 with an
instructor and three students, each a real Linux user made for this test and
removed afterwards (with their processes and files), whatever happens. Then
the cycle a class goes through:

1. every server starts; a student's token and a student's browser cookie get
   403 on another student's server; only the instructor has formgrader;
2. the instructor releases lesson 02; one student fetches it with the
   ``nbgrader`` command, one through JupyterLab's Assignment List API;
3. they save their answers (through the server's contents API, as JupyterLab
   does) — one correct, one with a wrong sign, one that kills its kernel —
   self-check on the hub, and submit (command / Assignment List API);
4. the instructor collects, grades with ``lrlab grade`` and releases the
   feedback; a student fetches it;
5. scores and statuses are what they must be: full marks for the correct one,
   the wrong sign costs exactly its exercise, the kernel killer is *not
   graded* (no score, no silent 0 in the gradebook).

Needs root, ``useradd`` and the system Python (the hub environment is built
from it once, 1-3 minutes, and cached in /opt/lrlab-hub); skipped otherwise.
"""
import csv
import importlib.util
import json
import pwd
import re
import secrets
import time
from pathlib import Path

import nbformat
import pytest

from nbcourse import grade_cells, hidden_lines, restore_solutions, solution_path, student_path

ROOT = Path(__file__).resolve().parents[1]
LESSON = "02-three-learning-rates"
WRONG_STEP = "def gd_step(x, lr, grad):\n    return x + lr * grad\n"
KILLER = "import os\nos._exit(0)\n"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"lrlab_deploy_{name}", ROOT / "deploy" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hubctl = _load("hubctl")
hubenv = _load("hubenv")
WHY_NOT = hubctl.preconditions()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(WHY_NOT is not None, reason=f"JupyterHub class smoke test not run: it {WHY_NOT}"),
]


@pytest.fixture(scope="module")
def hub():
    env = hubenv.ensure()
    tag = secrets.token_hex(2)
    h = hubctl.Hub(env=env, instructors=[f"lrlab-t{tag}-teacher"],
                   students=[f"lrlab-t{tag}-s{i}" for i in (1, 2, 3)])
    try:
        h.setup()
        h.start()
        h.ready = h.spawn(h.instructors + h.students)
        yield h
    finally:
        h.close()
        assert not [n for n in h.created if hubctl.is_ours(n)], "test users were not removed"


@pytest.fixture(scope="module")
def tokens(hub):
    return {name: hub.user_token(name) for name in hub.instructors + hub.students}


def lab_api(hub, user, token, method, path, body=None):
    return hub.request(method, f"/user/{user}{path}", body, token)


def test_every_server_starts(hub):
    assert set(hub.ready) == set(hub.instructors + hub.students)
    assert all(hub.server_pid(name) for name in hub.ready), "each server runs as its own Linux user"


def test_student_token_gets_403_on_another_students_server(hub, tokens):
    s1, s2 = hub.students[:2]
    assert lab_api(hub, s1, tokens[s1], "GET", "/api/contents")[0] == 200
    assert lab_api(hub, s2, tokens[s1], "GET", "/api/contents")[0] == 403
    assert lab_api(hub, s2, tokens[s1], "GET", "/api/kernels")[0] == 403


def test_student_cookie_gets_403_on_another_students_server(hub):
    import requests

    s1, s2 = hub.students[:2]
    browser = requests.Session()
    page = browser.get(f"{hub.url}/hub/login", timeout=30)
    xsrf = re.search(r'name="_xsrf"\s+value="([^"]+)"', page.text)
    form = {"username": s1, "password": hub.password, **({"_xsrf": xsrf.group(1)} if xsrf else {})}
    login = browser.post(f"{hub.url}/hub/login", data=form, timeout=30)
    assert login.status_code == 200, f"login failed: {login.status_code}"
    own = browser.get(f"{hub.url}/user/{s1}/lab", timeout=30)
    assert own.status_code == 200 and own.url.startswith(f"{hub.url}/user/{s1}/"), (own.status_code, own.url)
    assert browser.get(f"{hub.url}/user/{s1}/api/contents", timeout=30).status_code == 200
    other = browser.get(f"{hub.url}/user/{s2}/lab", timeout=30)
    assert other.status_code == 403, (other.status_code, other.url)
    assert browser.get(f"{hub.url}/user/{s2}/api/contents", timeout=30).status_code == 403


def test_formgrader_is_for_the_instructor_only(hub, tokens):
    teacher, s1 = hub.instructors[0], hub.students[0]
    assert lab_api(hub, teacher, tokens[teacher], "GET", "/formgrader/manage_assignments")[0] == 200
    assert lab_api(hub, s1, tokens[s1], "GET", "/formgrader/manage_assignments")[0] == 404


def _lab_disabled_plugins(hub, user, token) -> list:
    status, page = lab_api(hub, user, token, "GET", "/lab")
    assert status == 200, f"{user}'s JupyterLab page: {status}"
    data = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(data.group(1)).get("disabledExtensions", [])


def test_students_lab_hides_the_instructor_tools_and_the_instructors_does_not(hub, tokens):
    teacher, s1 = hub.instructors[0], hub.students[0]
    hidden = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list"}
    assert hidden <= set(_lab_disabled_plugins(hub, s1, tokens[s1]))
    assert not hidden & set(_lab_disabled_plugins(hub, teacher, tokens[teacher]))


def _save(hub, user, token, nb):
    """Save a notebook into the student's fetched lesson, as JupyterLab does (contents API)."""
    path = f"/api/contents/{LESSON}/{LESSON}.ipynb"
    status, reply = lab_api(hub, user, token, "PUT", path, {"type": "notebook", "format": "json", "content": nb})
    assert status in (200, 201), f"saving {user}'s notebook: {status} {reply}"


@pytest.fixture(scope="module")
def cycle(hub, tokens):
    """Run the class cycle once; return what the tests look at."""
    teacher = hub.instructors[0]
    good, wrong, killer = hub.students
    course = Path(pwd.getpwnam(teacher).pw_dir) / "lrlab"
    out = {"times": {}}
    t0 = time.monotonic()

    def lap(what):
        out["times"][what] = round(time.monotonic() - t0, 1)

    hub.run_as(teacher, "nbgrader", "generate_assignment", LESSON, "--force", cwd=course)
    hub.run_as(teacher, "nbgrader", "release_assignment", LESSON, "--force", cwd=course)
    lap("released")

    hub.run_as(good, "nbgrader", "fetch_assignment", LESSON)
    status, listing = lab_api(hub, wrong, tokens[wrong], "POST", "/assignments/fetch",
                              {"course_id": "lrlab", "assignment_id": LESSON})
    assert status == 200, f"fetch through the Assignment List API: {status} {listing}"
    out["api_listing"] = listing
    hub.run_as(killer, "nbgrader", "fetch_assignment", LESSON)
    lap("fetched")

    release = nbformat.read(student_path(LESSON), as_version=4)
    correct = restore_solutions(release, nbformat.read(solution_path(LESSON), as_version=4))
    answers = {good: correct, wrong: _with(correct, "ex1_gd_step", WRONG_STEP),
               killer: _with(correct, "ex2_train", KILLER)}
    for user, nb in answers.items():
        _save(hub, user, tokens[user], nb)
    out["selfcheck"] = hub.run_as(good, "python", "-m", "lrlab.course.selfcheck", LESSON, check=False)
    lap("self-checked")

    hub.run_as(good, "nbgrader", "submit", LESSON)
    status, reply = lab_api(hub, wrong, tokens[wrong], "POST", "/assignments/submit",
                            {"course_id": "lrlab", "assignment_id": LESSON})
    assert status == 200 and not (isinstance(reply, dict) and reply.get("success") is False), reply
    hub.run_as(killer, "nbgrader", "submit", LESSON)
    lap("submitted")

    hub.run_as(teacher, "nbgrader", "collect", LESSON, cwd=course)
    out["grade"] = hub.run_as(teacher, "lrlab", "grade", "submitted", "--lesson", LESSON, "--quiet",
                              cwd=course, check=False)
    lap("graded")
    with open(course / "grades" / "grades.csv", newline="") as f:
        out["grades"] = {row["student"]: row for row in csv.DictReader(f)}
    out["release_feedback"] = hub.run_as(teacher, "nbgrader", "release_feedback", LESSON, cwd=course, check=False)
    out["fetch_feedback"] = hub.run_as(good, "nbgrader", "fetch_feedback", LESSON, check=False)
    lap("feedback")
    home = Path(pwd.getpwnam(good).pw_dir)
    out["feedback_files"] = sorted((home / LESSON / "feedback").glob("*/*.html"))
    out["course"] = course
    out["students"] = (good, wrong, killer)
    return out


def _with(nb, grade_id, source):
    import copy

    nb = copy.deepcopy(nb)
    grade_cells(nb)[grade_id].source = source
    return nb


def test_fetch_through_the_assignment_list_api_lists_the_lesson_as_fetched(cycle):
    listing = cycle["api_listing"]
    entries = listing.get("value", listing) if isinstance(listing, dict) else listing
    fetched = [a for a in entries if a.get("assignment_id") == LESSON and a.get("status") == "fetched"]
    assert fetched, f"lesson not listed as fetched: {json.dumps(listing)[:1000]}"


def test_self_check_on_the_hub_finds_the_release_in_the_exchange_and_passes(cycle):
    proc = cycle["selfcheck"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Ready to submit." in proc.stdout and "No released copy" not in proc.stdout, proc.stdout


def test_correct_submission_gets_every_autograded_point(cycle):
    row = cycle["grades"][_student(cycle, 0)]
    assert row["status"] == "graded", row
    assert float(row["autograded_score"]) == float(row["autograded_max"]) > 0, row


def test_wrong_sign_costs_the_gd_step_test_and_keeps_the_independent_exercises(cycle):
    row = cycle["grades"][_student(cycle, 1)]
    assert row["status"] == "graded", row
    assert float(row["test_ex1_gd_step"]) == 0.0, row
    assert float(row["test_ex3_stability_limit"]) == 2.0 and float(row["test_ex5_classify"]) == 2.0, row
    assert float(row["autograded_score"]) < float(row["autograded_max"]), row


def test_kernel_killer_is_not_graded_and_gets_no_silent_zero(cycle):
    from nbgrader.api import Gradebook, MissingEntry

    student = _student(cycle, 2)
    row = cycle["grades"][student]
    assert row["status"] == "not graded" and row["score"] == "", row
    assert cycle["grade"].returncode == 1, "lrlab grade must say that a student needs attention"
    with Gradebook(f"sqlite:///{cycle['course'] / '.nbgrader' / 'gradebook.db'}") as gb:
        with pytest.raises(MissingEntry):
            gb.find_submission(LESSON, student)


def test_student_fetches_feedback_that_shows_no_hidden_test(cycle):
    assert cycle["release_feedback"].returncode == 0, cycle["release_feedback"].stderr[-2000:]
    assert cycle["fetch_feedback"].returncode == 0, cycle["fetch_feedback"].stderr[-2000:]
    assert [p.name for p in cycle["feedback_files"]] == [f"{LESSON}.html"], cycle["feedback_files"]
    html = cycle["feedback_files"][0].read_text()
    hidden = hidden_lines(LESSON)
    assert not [line for line in hidden if line in html], "hidden test lines in the feedback"


def _student(cycle, index):
    return cycle["students"][index]


def test_course_hub_command_starts_and_ctrl_c_removes_its_users():
    """``python3 course.py hub``, as the README says: up with an instructor and a student; Ctrl-C cleans up."""
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    prefix = f"lrlab-c{secrets.token_hex(2)}-"
    proc = subprocess.Popen([sys.executable, str(ROOT / "course.py"), "hub", "--students", "1", "--port", str(port),
                             "--prefix", prefix], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        shown = []
        for line in proc.stdout:
            shown.append(line)
            if "Ctrl-C stops" in line:
                break
        text = "".join(shown)
        assert f"http://127.0.0.1:{port}/" in text, text
        made = [u.pw_name for u in pwd.getpwall() if u.pw_name.startswith(prefix)]
        assert sorted(made) == [f"{prefix}instructor", f"{prefix}student01"], text
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(60)
        for name in [u.pw_name for u in pwd.getpwall() if u.pw_name.startswith(prefix)]:
            hubctl.delete_user(name)  # only if the command failed to
    assert proc.returncode == 0
    assert not [u.pw_name for u in pwd.getpwall() if u.pw_name.startswith(prefix)]
