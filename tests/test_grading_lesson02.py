"""``lrlab grade`` on the real lesson 02, side by side with ``nbgrader autograde`` on the same class.

The class has right answers, a blank notebook, the common mistakes, and one learner who answers
wrongly and replaces the checks so that every test passes. ``lrlab grade`` must give every honest
learner exactly nbgrader's points, give the cheater the points their wrong answer deserves (plain
nbgrader gives more) and flag them, and its feedback must hold none of lesson 02's hidden lines.
"""
import copy
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import nbformat
import pytest

from adversarial.classes import LESSON, lesson02_class
from nbcourse import autograde, make_course, solution_path
from lrlab.grading.lesson import prepare

pytestmark = pytest.mark.slow

LRLAB = os.path.join(os.path.dirname(sys.executable), "lrlab")
CHEAT = "99-cheat"
PATCH = """\
import numpy as np
import lrlab.course.checks as _checks

def _quiet(*args, **kwargs):
    return None

for _name in ("fail", "expect_close", "expect_equal", "expect_sequence"):
    setattr(_checks, _name, _quiet)
    globals()[_name] = _quiet
np.allclose = lambda *args, **kwargs: True

def gd_step(x, lr, grad):
    return x + lr * grad"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lesson02")
    reference = make_course(tmp / "nbgrader", [LESSON])
    released = nbformat.read(reference / "notebooks" / LESSON / f"{LESSON}.ipynb", as_version=4)
    klass = lesson02_class(released, nbformat.read(solution_path(LESSON), as_version=4), 10)
    cheat = copy.deepcopy(klass["01-sign"])
    next(c for c in cheat.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1_gd_step").source = PATCH
    klass[CHEAT] = cheat
    by_nbgrader = autograde(reference, LESSON, klass)
    course = make_course(tmp / "lrlab", [LESSON])
    folder = tmp / "submissions"
    folder.mkdir()
    for student, nb in klass.items():
        nbformat.write(nb, folder / f"{student}.ipynb")
    proc = subprocess.run([LRLAB, "grade", str(folder), "--lesson", LESSON, "--course", str(course), "--quiet"],
                          capture_output=True, text=True, timeout=600)
    results = {}
    for path in (course / "grades" / ".lrlab" / "results" / LESSON).glob("*.json"):
        result = json.loads(path.read_text())
        results[result["student"]] = result
    lesson = prepare(course, LESSON, tmp / "master")
    return SimpleNamespace(nbgrader=by_nbgrader, results=results, proc=proc, out=course / "grades",
                           lesson=lesson, students=sorted(klass))


def _scores(result):
    return {g: v["score"] for g, v in result["scores"].items() if v["kind"] == "test"}


def test_every_learner_has_a_result(graded):
    assert sorted(graded.results) == graded.students, graded.proc.stderr[-2000:]


def test_honest_learners_get_exactly_nbgraders_points(graded):
    differ = {}
    for student in graded.students:
        if student == CHEAT:
            continue
        mine = _scores(graded.results[student])
        theirs = {g: s for g, s in graded.nbgrader[student].items() if g in mine}
        if mine != theirs:
            differ[student] = (mine, theirs)
    assert not differ, differ


def test_honest_learners_are_graded_without_flags(graded):
    flagged = {s: r["reason"] for s, r in graded.results.items() if s != CHEAT and r["status"] != "graded"}
    assert not flagged, flagged


def test_the_cheat_works_on_plain_nbgrader(graded):
    assert sum(graded.nbgrader[CHEAT].values()) > sum(graded.nbgrader["01-sign"].values())


def test_the_cheater_gets_what_the_wrong_answer_deserves(graded):
    assert _scores(graded.results[CHEAT]) == _scores(graded.results["01-sign"])


def test_the_cheater_is_flagged_for_manual_grading(graded):
    result = graded.results[CHEAT]
    assert result["status"] == "needs manual grading" and "lrlab.course.checks" in result["reason"], result["reason"]


def test_feedback_holds_no_hidden_line_of_the_lesson(graded):
    assert graded.lesson.hidden_lines, "lesson 02 should have hidden tests"
    leaks = {}
    for page in (graded.out / "feedback" / LESSON).glob("*.html"):
        text = page.read_text()
        found = [line for line in graded.lesson.hidden_lines if line in text]
        if found:
            leaks[page.name] = found[:3]
    assert not leaks, leaks


def test_feedback_tells_a_learner_who_only_fits_the_example_that_a_hidden_check_failed(graded):
    page = (graded.out / "feedback" / LESSON / "04-hardcoded_step.html").read_text()
    assert "a hidden check failed" in page


def test_the_summary_says_where_the_class_struggled(graded):
    summary = (graded.out / "summary.txt").read_text()
    assert "where the class struggled most: test_ex" in summary and "99-cheat: needs manual grading" in summary


def test_graded_notebooks_show_each_figure_in_words(graded):
    """The kernels are forked from a template that imported lrlab.course.plots before any IPython shell existed;
    each kernel still registers the plots' display hook, so a figure in the graded notebook (shown in formgrader)
    is its description in words, not matplotlib's "<Figure size ...>". (No figure is drawn: no image.)"""
    nb = nbformat.read(graded.out.parent / "autograded" / "00-correct" / LESSON / f"{LESSON}.ipynb", as_version=4)
    texts = [o.get("data", {}).get("text/plain", "") for c in nb.cells if c.cell_type == "code"
             for o in c.get("outputs", []) if o.output_type == "display_data"]
    assert texts and not [t for t in texts if t.startswith("<Figure size")], texts
    assert any(" against " in t for t in texts), texts
