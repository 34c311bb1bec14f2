"""What every lesson's grading test checks, written once: ``class TestGrading(LessonGrading)``.

A lesson's ``tests/test_lesson_NN_grading.py`` describes its simulated class
(the mistakes learners make, which learner carries which, the score each
mistake must cost, the hints and hidden cases its failures must name) and
hands that description to a subclass of :class:`LessonGrading`. The class
grades everyone in ONE real ``nbgrader autograde`` run (a class-scoped
fixture) and checks, per learner and per grade cell, that the scores are
exactly the predicted ones.

Class attributes a subclass sets:

``lesson``           the lesson folder name
``answers``          the autograded answer cells' grade ids, in notebook order
``points``           {grade_id: points} of every graded cell, manual ones included
``manual``           the grade ids graded by hand (nbgrader must leave them at 0)
``autograded_max``   the autograded total, written out (a check on ``points``)
``mistakes``         {mistake: ({answer grade_id: source}, {test grade_id: points it leaves})}
``students``         {learner: [mistakes they carry]}; every mistake is carried by exactly one
``hints``            [(learner, test grade_id, words its failure message must contain)]
``hidden_failures``  [(learner, test grade_id, the hidden case its failure names)]
"""
from __future__ import annotations

import re
import textwrap

import nbformat
import pytest

from nbcourse import (answer_ids, autograde, error_text, grade_cells, learner_cells, make_course, predicted_scores,
                      solution_path, strip_markers, submission)


def src(code: str) -> str:
    """A cell's source written as an indented triple-quoted string in a test module."""
    return textwrap.dedent(code).strip("\n")


class LessonGrading:
    lesson: str
    answers: list[str]
    points: dict
    manual: set
    autograded_max: float
    mistakes: dict
    students: dict
    hints: list
    hidden_failures: list

    def pytest_generate_tests(self, metafunc):
        cases = {"test_each_mistake_gets_the_predicted_score_in_every_cell": ("student", sorted(self.students)),
                 "test_wrong_answers_pass_the_visible_example_and_fail_a_hidden_case":
                     ("student, gid, case", self.hidden_failures),
                 "test_failure_message_names_the_mistake": ("student, gid, words", self.hints)}
        if metafunc.function.__name__ in cases:
            metafunc.parametrize(*cases[metafunc.function.__name__])

    @property
    def full(self) -> dict:
        return {g: (0 if g in self.manual else p) for g, p in self.points.items()}

    @pytest.fixture(scope="class")
    @classmethod
    def solution_nb(cls):
        return nbformat.read(solution_path(cls.lesson), as_version=4)

    @pytest.fixture(scope="class")
    @classmethod
    def graded(cls, tmp_path_factory, solution_nb):
        """Grade the whole class in one autograde run; returns (scores, course directory)."""
        course = make_course(tmp_path_factory.mktemp(f"lesson{cls.lesson[:2]}"), [cls.lesson])
        sol = grade_cells(solution_nb)
        correct = {gid: strip_markers(sol[gid].source) for gid in [*answer_ids(solution_nb), *sorted(cls.manual)]}
        class_ = {"correct": submission(course, cls.lesson, correct), "blank": submission(course, cls.lesson, {})}
        for student, carried in cls.students.items():
            class_[student] = submission(course, cls.lesson, {**correct, **learner_cells(cls.mistakes, carried)})
        return autograde(course, cls.lesson, class_), course

    def test_the_lesson_has_the_designed_grade_cells_and_points(self, solution_nb):
        cells = grade_cells(solution_nb)
        graded_cells = {g: c.metadata.nbgrader.get("points") for g, c in cells.items()
                        if c.metadata.nbgrader["grade"]}
        assert graded_cells == self.points
        assert answer_ids(solution_nb) == self.answers
        assert sum(self.full.values()) == self.autograded_max

    def test_every_submission_was_graded(self, graded):
        scores, _ = graded
        everyone = {"correct", "blank", *self.students}
        assert set(scores) == everyone, f"not graded: {sorted(everyone - set(scores))}"

    def test_correct_submission_gets_every_autograded_point(self, graded):
        scores, _ = graded
        assert scores["correct"] == self.full

    def test_written_answers_are_left_for_the_instructor(self, graded):
        scores, _ = graded
        assert {g: scores["correct"][g] for g in self.manual} == {g: 0 for g in self.manual}, \
            "nbgrader must not award the manually graded cells"

    def test_the_class_is_graded_without_drawing_a_figure(self, graded):
        """The kernels ran with nbcourse.NO_FIGURES: figures were made (each shows its description in words,
        lrlab.course.plots' display hook) but none was drawn."""
        _, course = graded
        nb = nbformat.read(course / "autograded" / "correct" / self.lesson / f"{self.lesson}.ipynb", as_version=4)
        data = [o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        # a control (ipywidgets) draws its own figure into its snapshot; the inline backend drew nothing
        drawn = [d for d in data if "image/png" in d and "application/vnd.jupyter.widget-view+json" not in d]
        assert not drawn, f"{len(drawn)} figures were drawn"
        assert any(" against " in d.get("text/plain", "") for d in data), "no figure was made"

    def test_blank_submission_gets_zero(self, graded):
        scores, _ = graded
        assert scores["blank"] == {g: 0 for g in self.points}

    def test_every_mistake_is_carried_by_exactly_one_learner(self):
        carried = [m for mistakes in self.students.values() for m in mistakes]
        assert sorted(carried) == sorted(self.mistakes)

    def test_each_mistake_gets_the_predicted_score_in_every_cell(self, graded, student):
        scores, _ = graded
        carried = self.students[student]
        assert scores[student] == predicted_scores(self.full, self.mistakes, carried), f"{student} carries {carried}"

    def test_wrong_answers_pass_the_visible_example_and_fail_a_hidden_case(self, graded, student, gid, case):
        """Checks run in order, visible first: a failure that names a hidden case means the visible one passed."""
        scores, course = graded
        assert scores[student][gid] == 0
        text = error_text(course, self.lesson, student, gid)
        assert re.search(re.escape(case) + r"( \(\w+\))?: expected", text), f"{student}/{gid} said:\n{text[-800:]}"

    def test_failure_message_names_the_mistake(self, graded, student, gid, words):
        _, course = graded
        text = error_text(course, self.lesson, student, gid)
        assert words in text, f"{student}/{gid} said:\n{text[-800:]}"
