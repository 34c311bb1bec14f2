"""The instructor's nbgrader gradebook and course folders: kept consistent, written by one process.

Workers grade in private gradebooks; only the main process writes the
course's own gradebook (``CourseDirectory.db_url`` of ``nbgrader_config.py``),
one student at a time, each in its own transaction, with nbgrader's own
``SaveAutoGrades`` on the graded notebook, so that formgrader, ``nbgrader
export`` and ``nbgrader generate_feedback`` see exactly what ``nbgrader
autograde`` would have written. It also puts the graded notebook in
``autograded/<student>/<lesson>/`` (formgrader shows it for manual grading).

* graded: scores saved; written answers wait in formgrader's queue as usual;
* needs manual grading: scores saved and every test cell of that student
  marked "needs manual grade", so formgrader lists them;
* not graded: the student's submission is removed from the gradebook (no
  silent 0.0 in ``nbgrader export``) and their ``autograded/`` copy deleted.

A small marker file next to each result records that it was merged, so a
resumed run merges only what is new.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .lesson import generate, nbgrader_config
from .results import MANUAL, NOT_GRADED, ResultStore, atomic_write


def course_db_url(course: Path) -> str:
    """The course gradebook's URL, with a relative sqlite path resolved against the course folder."""
    config = nbgrader_config(course)
    url = config.CourseDirectory.get("db_url", "sqlite:///gradebook.db")
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url[len(prefix):].startswith("/"):
        path = course / url[len(prefix):]
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"{prefix}{path}"
    return url


class CourseGradebook:
    def __init__(self, course: Path, store: ResultStore, feedback_dir: Path, *, submitted_dir: Path | None = None):
        self.course = Path(course)
        self.feedback_dir = Path(feedback_dir)
        self.db_url = course_db_url(self.course)
        self.store = store
        config = nbgrader_config(self.course).CourseDirectory
        self.autograded = self.course / config.get("autograded_directory", "autograded")
        self.submitted = self.course / config.get("submitted_directory", "submitted")
        self.feedback = self.course / config.get("feedback_directory", "feedback")
        # feedback goes next to nbgrader's when the submissions are the course's own submitted/ folder
        self.nbgrader_layout = submitted_dir is not None and Path(submitted_dir).resolve() == self.submitted.resolve()

    def register(self, lesson_names) -> None:
        """Make sure the gradebook knows the lessons (nbgrader's GenerateAssignment, nothing else written)."""
        with tempfile.TemporaryDirectory(prefix="lrlab-release-") as tmp:
            for name in lesson_names:
                generate(self.course, name, self.course, self.db_url, release_dir=tmp)

    def _marker(self, result) -> Path:
        return self.store.path(result["lesson"], result["student"], ".merged")

    def _stamp(self, result) -> str:
        return f"{result['sha256']} {result['key']} {result['graded_at']} {result['status']}"

    def is_merged(self, result) -> bool:
        try:
            return self._marker(result).read_text() == self._stamp(result)
        except OSError:
            return False

    def merge(self, result: dict) -> None:
        """Write one student's result into the course gradebook and folders (idempotent)."""
        from nbgrader.api import Gradebook, MissingEntry

        lesson, student = result["lesson"], result["student"]
        target = self.autograded / student / lesson
        if result["status"] == NOT_GRADED:
            with Gradebook(self.db_url) as gb:
                try:
                    gb.remove_submission(lesson, student)
                except MissingEntry:
                    pass
            shutil.rmtree(target, ignore_errors=True)
        else:
            notebook = self.store.path(lesson, student, ".ipynb")
            target.mkdir(parents=True, exist_ok=True)
            atomic_write(target / f"{lesson}.ipynb", notebook.read_bytes())
            if not self.nbgrader_layout:
                sub = self.submitted / student / lesson
                sub.mkdir(parents=True, exist_ok=True)
                atomic_write(sub / f"{lesson}.ipynb", Path(result["submitted"]).read_bytes())
            self._save_grades(result, target / f"{lesson}.ipynb")
            self.copy_feedback(result)
        atomic_write(self._marker(result), self._stamp(result).encode())

    def _save_grades(self, result: dict, notebook: Path) -> None:
        import nbformat
        from nbgrader.api import Gradebook
        from nbgrader.preprocessors import SaveAutoGrades

        lesson, student = result["lesson"], result["student"]
        with Gradebook(self.db_url) as gb:
            gb.update_or_create_student(student)
            gb.update_or_create_submission(lesson, student)
        nb = nbformat.read(notebook, as_version=4)
        resources = {"nbgrader": {"notebook": lesson, "assignment": lesson, "student": student,
                                  "db_url": self.db_url}}
        SaveAutoGrades().preprocess(nb, resources)
        if result["status"] == MANUAL:
            with Gradebook(self.db_url) as gb:
                sub = gb.find_submission_notebook(lesson, lesson, student)
                for grade in sub.grades:
                    grade.needs_manual_grade = True
                gb.db.commit()

    def manual_entries(self) -> tuple[dict, dict]:
        """What graders entered in formgrader: ``({(lesson, student): {grade_id: score}}, {...: {grade_id: comment}})``.

        Also sets ``waiting``: the students with a test cell still marked "needs manual grade" (a flagged
        student stops being flagged once a grader has looked at each of those cells in formgrader).
        """
        from nbgrader.api import Gradebook

        scores, comments, self.waiting = {}, {}, set()
        with Gradebook(self.db_url) as gb:
            for assignment in gb.assignments:
                for sub in assignment.submissions:
                    for nb in sub.notebooks:
                        key = (assignment.name, sub.student.id)
                        if any(g.needs_manual_grade for g in nb.grades if g.cell.cell_type == "code"):
                            self.waiting.add(key)  # formgrader still lists a test cell of theirs
                        entered = {g.name: g.manual_score for g in nb.grades if g.manual_score is not None}
                        said = {c.name: c.manual_comment for c in nb.comments if c.manual_comment}
                        if entered:
                            scores[key] = entered
                        if said:
                            comments[key] = said
        return scores, comments

    def copy_feedback(self, result: dict) -> None:
        """Put a student's feedback where ``nbgrader release_feedback`` looks (nbgrader layout only)."""
        lesson, student = result["lesson"], result["student"]
        page = self.feedback_dir / lesson / f"{student}.html"
        if self.nbgrader_layout and page.is_file():
            target = self.feedback / student / lesson
            atomic_write(target / f"{lesson}.html", page.read_bytes())
            # release_feedback names the page after the submission's secret and timestamp
            for name in ("timestamp.txt", "submission_secret.txt"):
                source = Path(result["submitted"]).parent / name
                if source.is_file():
                    atomic_write(target / name, source.read_bytes())
