"""A hostile class for every lesson, generated from the lesson's own notebook.

Nothing here knows a lesson's exercises. From ``solutions/<lesson>/<lesson>.ipynb`` it reads only
nbgrader's structure: the autograded answer cells (``solution: true``, code) and the names each
one defines at top level (its functions, and any values it assigns), and the test cells (``grade:
true``, code) with their points. The test cells an answer *answers* are the ones between it and the
next answer cell (the course's convention, ``solutions/README.md``). A new lesson therefore gets
its hostile class the day it lands in ``solutions/``.

``plan(solution_nb)`` is that structure; ``scenarios(plan, course)`` the submissions, each with
the outcome ``lrlab grade`` must give; ``write_class(course, folder)`` writes every lesson's class
as ``folder/<lesson>/<student>.ipynb`` (one folder, graded in one run). The scenarios:

* ``a01-correct``: the solutions' answers, and the first answer also tries to read the lesson's
  source notebook, the gradebook and ``/etc/shadow``, and to reach the network: full points (the
  baseline every other row differs from), and nothing found;
* ``a02``-``a08``, ``liar-<kind>``, one per kind in ``liars.KINDS`` (str, int, float, list, tuple,
  ndarray, a plain object): *every* answer defines its functions to return a value that says
  ``==`` to anything and holds a wrong value. Every test cell must earn 0. Two of them carry one
  more attack each, which must change nothing: in ``liar-str`` the last answer then loops forever
  (interrupted and noted; the loop sleeps, so the other worker has the core meanwhile: the loops that
  burn a core are lesson 02's, ``tests/adversarial/submissions.py``), in ``liar-object`` the last
  answer's test cells are emptied (put back and noted);
* ``b01-crash``: the first answer kills its kernel (``os._exit``): *not graded*;
* ``b02-patch-checks``: the last answer returns liars and replaces every function of
  ``lrlab.course.checks`` and ``lrlab.course.exercises.*`` (in the modules and in the notebook's names, plus the
  names earlier test cells defined), ``math.isclose`` and ``numpy.allclose``: flagged, and still 0
  for its cells, full points for the others;
* ``b03-patch-during-test``: the last answer's functions do that patching when a test calls them:
  flagged (the other answers keep their points);
* ``c01-borrowed``: every answer that lrlab's code can compute borrows it (``borrowed.BORROWED``: a
  public function under an alias, ``getattr``, ``functools.partial``, a lambda, a checks module's
  private helper, a reference solution dug out of its check): each of its test cells earns 0, and
  the notes name the lrlab function it called ("answer calls lrlab.studies.sensitivity.goldilocks_zone
  (test_ex3_zone)"); the borrowed call ends the test at once, so this student costs little;
* ``c02-copy``: every answer long enough to tell a copy from independent work (``owncopy.MIN_LINES``)
  is lrlab's implementation of its exercise (``owncopy.implementation``) with every name changed:
  flagged for manual grading, the reason naming the lrlab function and the similarity.

The last answer is the one attacked where points must stay elsewhere: no later answer builds on
it, so the other cells' points do not depend on it.
"""
from __future__ import annotations

import ast
import copy
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import liars
from .borrowed import BORROWED

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Answer:
    grade_id: str
    functions: list[str]
    values: list[str]
    correct: str  # the solution's source without nbgrader's markers
    tests: list[str]  # the test cells it answers
    solution: str = ""  # the cell as the instructor wrote it, markers included


@dataclass
class Plan:
    lesson: str
    answers: list[Answer]
    points: dict[str, float]  # every autograded test cell (code), in notebook order
    test_names: set[str] = field(default_factory=set)  # names the test cells define


def _strip(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def _top_level(source: str) -> tuple[list[str], list[str]]:
    """(functions, values) a cell defines at top level."""
    from lrlab.grading.lesson import _python

    tree = _python(source)
    functions, values = [], []
    for node in tree.body if tree is not None else []:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            functions.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            values += [t.id for t in targets if isinstance(t, ast.Name)]
    return functions, [v for v in dict.fromkeys(values) if v not in functions]


def plan(solution_nb, lesson: str) -> Plan:
    from lrlab.grading.lesson import bound_names

    answers, points, test_names = [], {}, set()
    for cell in solution_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta:
            continue
        if meta.get("solution") and not meta.get("grade"):
            functions, values = _top_level(_strip(cell.source))
            answers.append(Answer(meta["grade_id"], functions, values, _strip(cell.source), [], cell.source))
        elif meta.get("grade") and not meta.get("solution"):
            points[meta["grade_id"]] = float(meta.get("points") or 0)
            test_names |= bound_names(cell.source)
            if answers:
                answers[-1].tests.append(meta["grade_id"])
    return Plan(lesson, answers, points, test_names)


# ----------------------------------------------------------------------------------- attacks

PATCH = '''\
import math as _aeq_math
import sys as _aeq_sys

import numpy as _aeq_numpy


def _aeq_quiet(*args, **kwargs):
    return None


def _aeq_patch(names):
    """Every check the tests could call does nothing; every comparison they could make says yes."""
    checking = [m for n, m in list(_aeq_sys.modules.items())
                if n == "lrlab.course.checks" or n.startswith("lrlab.course.exercises")]
    for module in checking:
        for attr, value in list(vars(module).items()):
            if callable(value) and not isinstance(value, type) and not attr.startswith("__"):
                setattr(module, attr, _aeq_quiet)
    space = globals()
    for name, value in list(space.items()):
        if getattr(value, "__module__", None) in {m.__name__ for m in checking} and not isinstance(value, type):
            space[name] = _aeq_quiet
    for name in names:
        space[name] = _aeq_quiet
    _aeq_math.isclose = lambda *args, **kwargs: True
    _aeq_numpy.allclose = lambda *args, **kwargs: True
    _aeq_numpy.isclose = lambda *args, **kwargs: True
'''


def _patch_now(answer: Answer, test_names) -> str:
    names = sorted(n for n in test_names if n.startswith("_"))  # helpers the tests define, not the lesson's API
    return (PATCH + "\n\n" + liars.answer("object", answer.functions, answer.values)
            + f"\n\n_aeq_patch({names!r})\n")


def _patch_when_called(answer: Answer) -> str:
    lines = [PATCH, liars.source("object")]
    for name in answer.functions:
        lines.append(f"\ndef {name}(*args, **kwargs):\n    _aeq_patch([])\n    return _aeq_value()\n")
    for name in answer.values:
        lines.append(f"{name} = _aeq_value()")
    return "\n".join(lines)


def _read_outside(course: Path, lesson: str) -> str:
    secret = course / "solutions" / lesson / f"{lesson}.ipynb"
    gradebook = course / ".nbgrader" / "gradebook.db"
    return f"""
import os as _aeq_os
import socket as _aeq_socket
_aeq_found = []
for _aeq_path in [{str(secret)!r}, {str(gradebook)!r}, "../../solutions/{lesson}/{lesson}.ipynb",
                  "/etc/shadow", {str(course)!r}]:
    try:
        if _aeq_os.path.isdir(_aeq_path):
            _aeq_found.append((_aeq_path, "dir", sorted(_aeq_os.listdir(_aeq_path))))
        else:
            with open(_aeq_path, "rb") as _aeq_f:
                _aeq_found.append((_aeq_path, "read", _aeq_f.read(200)))
    except OSError as _aeq_err:
        _aeq_found.append((_aeq_path, type(_aeq_err).__name__))
try:
    _aeq_socket.create_connection(("1.1.1.1", 80), timeout=2)
    _aeq_found.append(("network", "connected"))
except OSError as _aeq_err:
    _aeq_found.append(("network", type(_aeq_err).__name__))
print(_aeq_found)"""


KEEP = set(dir(__import__("builtins"))) | {"np", "math", "self", "cls"}


def renamed_copy(source: str, name: str) -> str:
    """``source`` (lrlab's code) with every name but attributes, builtins, np and math changed, the
    first ``def`` renamed to ``name``, and a comment added: a copy dressed up as one's own."""
    import io
    import keyword
    import textwrap
    import tokenize

    tokens, names, prev, out = tokenize.generate_tokens(io.StringIO(textwrap.dedent(source)).readline), {}, None, []
    first = True
    for tok in tokens:
        if tok.type == tokenize.NAME and not keyword.iskeyword(tok.string) and tok.string not in KEEP and (
                prev is None or prev.string != "."):
            if first and prev is not None and prev.string == "def":
                names[tok.string], first = name, False
            names.setdefault(tok.string, f"my_{len(names)}")
            tok = tok._replace(string=names[tok.string])
        out.append(tok)
        prev = tok
    return "# my own version\n" + tokenize.untokenize(out)


@dataclass
class Scenario:
    what: str
    answers: dict  # grade_id -> source of the cells the submission changes
    status: str  # graded / needs manual grading / not graded
    scores: dict | None = None  # expected points of (some of) the test cells; None: not graded
    reason: str = ""  # a regular expression the reason must match
    notes: str = ""  # a regular expression one of the notes must match
    needs_isolation: bool = False
    attacked: list = field(default_factory=list)  # the test cells the attack answers
    borrowed: dict = field(default_factory=dict)  # test cell -> the lrlab name its note must give


def scenarios(p: Plan, course: Path) -> dict[str, Scenario]:
    if not p.answers:  # nothing to answer, nothing to attack
        return {}
    correct = {a.grade_id: a.correct for a in p.answers}
    full = dict(p.points)
    first, last = p.answers[0], p.answers[-1]
    zero_last = {**full, **{t: 0 for t in last.tests}}
    others = {g: v for g, v in full.items() if g not in last.tests}
    out = {"a01-correct": Scenario(
        "the solutions' answers; the first one also reads outside its folder and tries the network",
        {**correct, first.grade_id: first.correct + "\n" + _read_outside(course, p.lesson)}, "graded", full,
        needs_isolation=True)}
    for i, kind in enumerate(liars.KINDS):
        answers = {a.grade_id: liars.answer(kind, a.functions, a.values) for a in p.answers}
        scenario = Scenario(f"every answer returns a {kind} that claims to equal anything", answers, "graded",
                            {g: 0 for g in full}, attacked=list(full))
        if kind == "str":
            # the loop waits instead of spinning: the cell limit interrupts it the same way, and the other
            # worker keeps the core (the loops that burn a core, four of them, are lesson 02's, in
            # tests/adversarial/submissions.py)
            answers[last.grade_id] += "\n\nimport time as _aeq_time\nwhile True:\n    _aeq_time.sleep(0.05)\n"
            scenario.what += "; the last answer then loops forever (sleeping)"
            scenario.notes = rf"cell {last.grade_id} ran past \d+ s and was interrupted"
        elif kind == "object":
            answers.update({t: "pass" for t in last.tests})
            scenario.what += "; the last answer's test cells are emptied"
            scenario.notes = rf"locked cell {last.tests[0]} was edited"
        out[f"a{i + 2:02d}-liar-{kind}"] = scenario
    out["b01-crash"] = Scenario(
        "the first answer kills its kernel", {**correct, first.grade_id: first.correct + "\n\nimport os\nos._exit(3)"},
        "not graded", reason=rf"kernel died \(exited with code 3\) in cell {first.grade_id}")
    out["b02-patch-checks"] = Scenario(
        "the last answer returns liars and replaces every check", {**correct, last.grade_id: _patch_now(
            last, p.test_names)}, "needs manual grading", zero_last,
        reason=r"patched what the tests rely on.*lrlab\.course\.(checks|exercises)", attacked=last.tests)
    out["b03-patch-during-test"] = Scenario(
        "the last answer's functions replace every check when a test calls them",
        {**correct, last.grade_id: _patch_when_called(last)}, "needs manual grading", others,
        reason=r"changed what the tests rely on")
    borrowing = [a for a in p.answers if a.functions and all(f in BORROWED for f in a.functions)]
    if borrowing:
        out["c01-borrowed"] = Scenario(
            "every answer lrlab's code can compute calls it (aliases, getattr, partial, lambdas, dug-out references)",
            {**correct, **{a.grade_id: "\n".join(BORROWED[f][0] for f in a.functions) for a in borrowing}}, "graded",
            {t: 0 for a in borrowing for t in a.tests}, attacked=[t for a in borrowing for t in a.tests],
            borrowed={t: "|".join(BORROWED[f][1] for f in a.functions) for a in borrowing for t in a.tests})
    copies = _copies(p, course)
    if copies:
        out["c02-copy"] = Scenario(
            "every answer long enough to tell is lrlab's implementation with its names changed",
            {**correct, **{gid: source for gid, (source, _) in copies.items()}}, "needs manual grading",
            reason=".*".join(rf"answer {gid} matches {label.replace('.', '[.]')} \(similarity \d+ %\)"
                             for gid, (_, label) in copies.items()))
    return out


def _copies(p: Plan, course: Path) -> dict:
    """{answer grade_id: (renamed copy of lrlab's implementation, its name)} for the answers a copy can be told in."""
    from lrlab.grading import owncopy

    module = owncopy.checks_module(p.lesson)
    out = {}
    for a in p.answers:
        if module is None or len(a.functions) != 1 or owncopy.solution_lines(a.solution) < owncopy.MIN_LINES:
            continue
        found = owncopy.implementation(module, a.functions[0], a.correct)
        if found is not None:
            out[a.grade_id] = (renamed_copy(found[1], a.functions[0]), found[0])
    return out


# ----------------------------------------------------------------------------------- the class

def lessons(only: str | None = None) -> list[str]:
    """Every lesson in ``solutions/``; ``only`` ("06,09") keeps those whose names start with one of its parts."""
    names = sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())
    if not only:
        return names
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    kept = [n for n in names if any(n.startswith(w) for w in wanted)]
    if not kept:
        raise ValueError(f"LRLAB_HOSTILE_LESSONS={only!r} names no lesson; lessons are: {', '.join(names)}")
    return kept


def build_course(root: Path, names) -> Path:
    """A course folder holding a copy of these lessons (and the course's nbgrader configuration)."""
    course = Path(root)
    (course / "solutions").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    for name in names:
        shutil.copytree(ROOT / "solutions" / name, course / "solutions" / name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return course


def submission(released, answers: dict):
    nb = copy.deepcopy(released)
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}
    unknown = set(answers) - set(cells)
    if unknown:
        raise KeyError(f"no cells {sorted(unknown)} in the released notebook")
    for gid, source in answers.items():
        cells[gid].source = source
    return nb


def write_class(course: Path, folder: Path, names, scratch: Path) -> dict:
    """Write ``folder/<lesson>/<student>.ipynb`` for every scenario of every lesson.

    Returns ``{lesson: (Plan, Lesson, {student: Scenario})}`` (``Lesson`` from
    ``lrlab.grading.lesson.prepare``: the released notebook and the hidden lines).
    """
    from lrlab.grading.lesson import prepare

    made = {}
    for name in names:
        lesson = prepare(course, name, scratch / "master")
        p = plan(lesson.source_nb, name)
        made[name] = (p, lesson, scenarios(p, course))
        target = folder / name
        target.mkdir(parents=True, exist_ok=True)
        for student, scenario in made[name][2].items():
            nbformat.write(submission(lesson.released, scenario.answers), target / f"{student}.ipynb")
    return made
