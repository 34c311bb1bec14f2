"""Helpers for the notebook tests: lessons, generated copies, simulated submissions, real nbgrader.

Nothing here imitates nbgrader: submissions are graded by running the real
``nbgrader autograde`` in a temporary course directory and reading its gradebook.
"""
from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"
NBGRADER = str(Path(sys.executable).with_name("nbgrader"))


def lessons() -> list[str]:
    return sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").is_file())


def solution_path(lesson: str) -> Path:
    return SOLUTIONS / lesson / f"{lesson}.ipynb"


def student_path(lesson: str) -> Path:
    return NOTEBOOKS / lesson / f"{lesson}.ipynb"


def grade_cells(nb) -> dict:
    """grade_id -> cell for every nbgrader cell of a notebook."""
    return {c.metadata.nbgrader["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def answer_ids(nb) -> list[str]:
    """Autograded answer cells (code the learner writes), in order."""
    return [c.metadata.nbgrader["grade_id"] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]


#: The kernel configuration of a grading run without figures: the inline backend makes no image of a
#: figure (the figure and its axes still exist for code that inspects them), as ``lrlab grade`` does by
#: default. Figures carry no points; drawing them was a quarter of the lessons' CPU time here.
NO_FIGURES = "c.InlineBackend.figure_formats = set()\n"


def nbgrader(*args, cwd: Path, check=True, ipython_dir: Path | None = None) -> subprocess.CompletedProcess:
    # nbgrader runs `alembic` by name: the venv's bin folder must be on PATH.
    env = dict(os.environ, PATH=f"{Path(NBGRADER).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if ipython_dir is not None:  # the kernels nbgrader starts read their profile from here
        env["IPYTHONDIR"] = str(ipython_dir)
    proc = subprocess.run([NBGRADER, *args, "--log-level=WARN"], cwd=cwd, capture_output=True, text=True,
                          env=env)
    if check and proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def make_course(tmp: Path, lesson_names) -> Path:
    """A throw-away nbgrader course directory with these lessons generated (with a gradebook)."""
    course = tmp / "course"
    (course / "solutions").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    for name in lesson_names:
        shutil.copytree(SOLUTIONS / name, course / "solutions" / name)
        nbgrader("generate_assignment", name, "--force", cwd=course)
    return course


def submission(course: Path, lesson: str, answers: dict[str, str]):
    """The released notebook of ``lesson`` with the given cells' sources replaced (by grade_id)."""
    nb = nbformat.read(course / "notebooks" / lesson / f"{lesson}.ipynb", as_version=4)
    cells = grade_cells(nb)
    unknown = set(answers) - set(cells)
    if unknown:
        raise KeyError(f"no cells with grade_id {sorted(unknown)} in {lesson}")
    for gid, source in answers.items():
        cells[gid].source = source
    return nb


def autograde(course: Path, lesson: str, submissions: dict, figures: bool = False) -> dict[str, dict[str, float]]:
    """Grade ``{student: notebook}`` with one real ``nbgrader autograde`` run.

    Returns ``{student: {grade_id: score}}`` read from the gradebook; a student
    nbgrader could not grade is missing from the result. Unless ``figures``, the
    kernels draw no figure (:data:`NO_FIGURES`, through an IPython profile of the
    run's own): the scores are the same, and the lessons' figures are checked where
    they are shown (``tests/test_notebooks.py``, the book, JupyterLab).
    """
    for student, nb in submissions.items():
        target = course / "submitted" / student / lesson
        target.mkdir(parents=True, exist_ok=True)
        nbformat.write(copy.deepcopy(nb), target / f"{lesson}.ipynb")
    with tempfile.TemporaryDirectory(prefix="lrlab-ipython-") as ipython_dir:
        if not figures:
            profile = Path(ipython_dir) / "profile_default"
            profile.mkdir()
            (profile / "ipython_kernel_config.py").write_text(NO_FIGURES)
        nbgrader("autograde", lesson, "--force", cwd=course, check=False,
                 ipython_dir=None if figures else Path(ipython_dir))
    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(f"sqlite:///{course}/.nbgrader/gradebook.db") as gb:
        for student in submissions:
            try:
                sub = gb.find_submission_notebook(lesson, lesson, student)
            except MissingEntry:
                continue
            if not (course / "autograded" / student / lesson).exists():
                continue
            scores[student] = {g.name: g.score for g in sub.grades}
    return scores


def learner_cells(mistakes: dict, carried) -> dict[str, str]:
    """The answer cells of a simulated learner who makes every mistake named in ``carried``.

    ``mistakes`` maps a mistake's name to ``(cells, scores)``: the answer cells it writes
    ({grade_id: source}) and the points it leaves in the test cells it affects.
    """
    out = {}
    for mistake in carried:
        cells = mistakes[mistake][0]
        assert not set(cells) & set(out), f"mistakes {carried} change a cell twice"
        out.update(cells)
    return out


def predicted_scores(full: dict, mistakes: dict, carried) -> dict:
    """{grade_id: points} a learner carrying these mistakes must get: full marks but where a mistake costs."""
    out = dict(full)
    for mistake in carried:
        out.update(mistakes[mistake][1])
    return out


def error_text(course: Path, lesson: str, student: str, grade_id: str) -> str:
    """The error messages and tracebacks nbgrader recorded in one graded cell of a student's notebook."""
    nb = nbformat.read(course / "autograded" / student / lesson / f"{lesson}.ipynb", as_version=4)
    cell = grade_cells(nb)[grade_id]
    return "\n".join(o.get("evalue", "") + "".join(o.get("traceback", [])) for o in cell.outputs
                     if o.output_type == "error")


def hidden_lines(lesson: str) -> set[str]:
    """Every line (12+ characters) between a lesson's HIDDEN TESTS markers that its students never see."""
    found, inside = set(), False
    for cell in nbformat.read(solution_path(lesson), as_version=4).cells:
        for line in cell.source.splitlines():
            text = line.strip()
            if text == "### BEGIN HIDDEN TESTS":
                inside = True
            elif text == "### END HIDDEN TESTS":
                inside = False
            elif inside and len(text) >= 12:
                found.add(text)
    visible = "\n".join(c.source for c in nbformat.read(student_path(lesson), as_version=4).cells)
    return {line for line in found if line not in visible}


def restore_solutions(student_nb, solution_nb):
    """The student notebook with every answer cell (code and written) put back from the solutions."""
    nb = copy.deepcopy(student_nb)
    sol = grade_cells(solution_nb)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = strip_markers(sol[meta["grade_id"]].source)
    return nb


def strip_markers(source: str) -> str:
    """Solution source without nbgrader's BEGIN/END SOLUTION marker lines."""
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
