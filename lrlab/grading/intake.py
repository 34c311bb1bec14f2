"""Find the submissions in a folder, and check each one's shape before any of its code runs.

Two layouts are understood (``discover``):

* nbgrader's: ``<folder>/<student>/<lesson>/<lesson>.ipynb`` (the course's
  ``submitted/`` folder, after ``nbgrader collect``), with any other files the
  student handed in next to the notebook;
* a plain folder of ``<student>.ipynb`` files, as a learning-management
  system exports them: for one lesson, or ``<folder>/<lesson>/<student>.ipynb``
  for several.

``inspect(submission, lesson)`` compares the notebook with the one the
students were given and returns a ``Shape``: ``fatal`` when it cannot be
graded at all (not JSON, not a notebook, broken nbgrader metadata, none of the
lesson's cells), ``flags`` when nbgrader can grade it but a person should
look (graded cells missing, duplicated or turned into another cell type,
locked cells deleted), and ``notes`` for what nbgrader repairs by itself
(an edited locked cell is put back from the gradebook).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from lrlab._moved import modernize

from .lesson import Lesson, cell_kind

MAX_BYTES = 64 * 1024 * 1024
_SAFE = re.compile(r"[^A-Za-z0-9_.@+-]")


@dataclass
class Submission:
    student: str
    lesson: str
    path: Path  # the notebook
    folder: Path | None = None  # other files handed in with it (nbgrader layout)
    sha256: str = ""

    @property
    def key(self) -> str:
        return f"{self.lesson}/{self.student}"


@dataclass
class Shape:
    fatal: str | None = None
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    nb: object = None
    repaired: object = None  # the notebook to give nbgrader, when its nbgrader metadata had to be fixed


def _gid(cell):
    meta = cell.metadata.get("nbgrader")
    return meta.get("grade_id") if isinstance(meta, dict) else None


def _repair(nb, released: dict, shape: Shape):
    """A copy whose nbgrader metadata nbgrader can process, or None when nothing needed fixing.

    nbgrader itself stops on these (a duplicated graded cell leaves an empty metadata block behind
    that fails its own check; a cell whose flags were edited is graded as the student set it): the
    last copy of a duplicated cell keeps the metadata (nbgrader's own choice), earlier copies and
    cells with ids the lesson does not have lose it, and known cells get the lesson's settings back.
    """
    import copy

    last = {}
    for index, cell in enumerate(nb.cells):
        gid = _gid(cell)
        if gid in released:
            last[gid] = index
    fixed = copy.deepcopy(nb)
    changed = False
    for index, cell in enumerate(fixed.cells):
        if "nbgrader" not in cell.metadata:
            continue
        meta = cell.metadata["nbgrader"]
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if gid not in released:
            shape.notes.append(f"a cell with nbgrader settings the lesson does not have ({gid!r}) was "
                               "graded as an ordinary cell")
            del cell.metadata["nbgrader"]
            changed = True
        elif last[gid] != index:
            del cell.metadata["nbgrader"]
            changed = True
        else:
            want = dict(released[gid].metadata.nbgrader)
            if {k: meta.get(k) for k in want} != want:
                cell.metadata["nbgrader"] = want
                changed = True
    return fixed if changed else None


def student_id(raw: str) -> str:
    """A student id nbgrader can use safely (no path separators, no glob characters)."""
    cleaned = _SAFE.sub("_", raw.strip()).strip("._") or "student"
    return cleaned[:100]


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def discover(folder: Path, lessons: list[str]) -> tuple[list[Submission], list[str]]:
    """The submissions under ``folder`` for ``lessons``, and problems found on the way (in words)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {folder}")
    found: list[Submission] = []
    problems: list[str] = []
    plain_files = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    nbgrader_style = [d for d in sorted(folder.iterdir()) if d.is_dir() and not d.name.startswith(".")
                      and any((d / lesson).is_dir() for lesson in lessons)]
    lesson_dirs = [folder / lesson for lesson in lessons if (folder / lesson).is_dir()
                   and any((folder / lesson).glob("*.ipynb"))]
    if plain_files:
        if len(lessons) != 1:
            raise ValueError(f"{folder} holds notebooks directly: name the one lesson they belong to "
                             f"(--lesson), or put them in one folder per lesson")
        for path in plain_files:
            found.append(Submission(student_id(path.stem), lessons[0], path))
    for lesson_dir in lesson_dirs:
        for path in sorted(lesson_dir.glob("*.ipynb")):
            found.append(Submission(student_id(path.stem), lesson_dir.name, path))
    for student_dir in nbgrader_style:
        for lesson in lessons:
            sub = student_dir / lesson
            if not sub.is_dir():
                continue
            notebooks = sorted(sub.glob("*.ipynb"))
            wanted = sub / f"{lesson}.ipynb"
            if wanted.is_file():
                found.append(Submission(student_id(student_dir.name), lesson, wanted, folder=sub))
            elif notebooks:
                problems.append(f"{student_dir.name}/{lesson}: no {lesson}.ipynb (found "
                                f"{', '.join(p.name for p in notebooks)})")
                found.append(Submission(student_id(student_dir.name), lesson, notebooks[0], folder=sub))
            else:
                problems.append(f"{student_dir.name}/{lesson}: the folder holds no notebook")
    counts = Counter(s.key for s in found)
    unique = []
    for sub in found:
        if counts[sub.key] > 1:
            problems.append(f"{sub.key}: {counts[sub.key]} submissions map to this student id "
                            f"({sub.path}); rename the files so each student has one")
            continue
        sub.sha256 = _sha(sub.path)
        unique.append(sub)
    if not found and not problems:
        problems.append(f"no submissions for {', '.join(lessons)} in {folder}")
    return unique, problems


def inspect(sub: Submission, lesson: Lesson) -> Shape:
    """Check the notebook against the released one (see the module docstring)."""
    shape = Shape()
    size = sub.path.stat().st_size
    if size > MAX_BYTES:
        shape.fatal = f"malformed notebook: {size / 1e6:.0f} MB is too large (limit {MAX_BYTES / 1e6:.0f} MB)"
        return shape
    try:
        raw = json.loads(sub.path.read_bytes())
    except (ValueError, UnicodeDecodeError) as err:
        shape.fatal = f"malformed notebook: not valid JSON ({str(err)[:120]})"
        return shape
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # nbformat raises several types
        shape.fatal = f"malformed notebook: {type(err).__name__}: {str(err).splitlines()[0][:160]}"
        return shape
    shape.nb = nb
    released = {c.metadata.nbgrader["grade_id"]: c for c in lesson.released.cells if "nbgrader" in c.metadata}
    ids = [_gid(c) for c in nb.cells if "nbgrader" in c.metadata]
    known = [g for g in ids if g in released]
    if not known:
        shape.fatal = f"none of the cells of lesson {lesson.name} are in this notebook (is it the right file?)"
        return shape
    shape.repaired = _repair(nb, released, shape)
    counts = Counter(known)
    for gid, n in sorted(counts.items()):
        if n > 1:
            kind = cell_kind(released[gid])
            text = f"cell {gid} appears {n} times (the last copy was graded)"
            (shape.notes if kind == "answer" else shape.flags).append(text)
    first = {}  # the copy nbgrader grades: the last one
    for cell in nb.cells:
        gid = _gid(cell)
        if gid in released:
            first[gid] = cell
    missing = [g for g in released if g not in first]
    for gid in missing:
        kind = cell_kind(released[gid])
        if kind in ("test", "written", "answer-graded", "task"):
            shape.flags.append(f"graded cell {gid} was deleted (nbgrader put it back)")
        elif kind == "answer":
            shape.flags.append(f"answer cell {gid} was deleted")
        else:
            shape.flags.append(f"locked cell {gid} was deleted (nbgrader cannot put it back)")
    for gid, cell in first.items():
        want = released[gid]
        if cell.cell_type != want.cell_type:
            shape.flags.append(f"cell {gid} was changed from {want.cell_type} to {cell.cell_type}")
            continue
        mine, theirs = cell.metadata.nbgrader, want.metadata.nbgrader
        for key in ("solution", "grade", "locked", "points", "task"):
            if bool(mine.get(key)) != bool(theirs.get(key)) or (key == "points" and
                                                                  mine.get(key) != theirs.get(key)):
                shape.flags.append(f"the nbgrader settings of cell {gid} were changed ({key})")
                break
        else:
            if theirs.get("locked") and not theirs.get("solution") and modernize(cell.source) != want.source:
                shape.notes.append(f"locked cell {gid} was edited (nbgrader restored it)")
    return shape
