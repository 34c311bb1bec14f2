"""Feedback may show a student their own code even when a line of it equals a hidden test line.

A short hidden line (``return None``, ``return i``) is often also a line of a correct answer. The leak
audit used to find it in the student's own answer cell and withhold the feedback, flagging a correct
submission for manual grading; found by the hostile class of lesson 04
(``tests/test_grading_adversarial_lessons.py``). A hidden line anywhere else is still refused.
"""
import copy

import nbformat
import pytest

from adversarial import lesson as tiny
from lrlab.grading import feedback
from lrlab.grading.lesson import prepare

HIDDEN = "_check_double(1e6)  # hidden: a large input"


@pytest.fixture(scope="module")
def lesson(tmp_path_factory):
    course = tiny.build_course(tmp_path_factory.mktemp("tiny") / "course")
    return prepare(course, tiny.NAME, tmp_path_factory.mktemp("master"))


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_a_hidden_line_the_student_wrote_in_an_answer_is_not_a_leak(lesson):
    assert HIDDEN in lesson.hidden_lines
    nb = copy.deepcopy(lesson.released)
    _cell(nb, "ex1_double").source = f"def double(x):\n    return SCALE * x\n\n{HIDDEN}"
    shown, _ = feedback.sanitize(nb, lesson, {})
    assert HIDDEN in _cell(shown, "ex1_double").source
    html, _ = feedback.render(nb, lesson, "ada", {"test_ex1_double": (2, 2), "test_ex2_mean": (1, 1),
                                                   "test_ex2_empty": (1, 1), "written_linear": (None, 1)})
    assert "feedback for ada" in html


def test_a_hidden_line_in_a_locked_cell_is_still_refused(lesson):
    nb = copy.deepcopy(lesson.released)
    _cell(nb, "ex1_double").source = f"def double(x):\n    return SCALE * x\n\n{HIDDEN}"
    _cell(nb, "demo").outputs = [nbformat.v4.new_output("stream", name="stdout", text="no leak here\n")]
    _cell(nb, "demo").source = "print('double(5) =', double(5))\n" + "_check_double(-1.25)  # hidden: a negative input"
    with pytest.raises(feedback.FeedbackLeak):
        feedback.sanitize(nb, lesson, {})
