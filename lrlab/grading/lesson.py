"""What the grader knows about one lesson: its cells, its hidden tests, and its nbgrader registration.

``prepare(course, name, master)`` runs nbgrader's own ``GenerateAssignment``
on ``solutions/<name>`` into a private course folder ``master`` (its release
folder and gradebook; the instructor's ``notebooks/`` is never written) and
returns a ``Lesson``:

* ``cells``: every nbgrader cell of the source notebook with its kind
  (``locked``, ``answer``, ``test``, ``written``), points and source;
* ``released``: the student notebook nbgrader generated, to compare
  submissions with;
* ``hidden_lines``: the hidden tests' lines (those not also visible anywhere
  in the student notebook), which feedback must never show;
* ``plan``: a ``GuardPlan`` for ``execute.GuardedExecute`` (which cells are
  the instructor's, which names each test uses, which modules to preload);
* ``digest``: changes whenever the lesson changes (results of an older
  version are graded again).
"""
from __future__ import annotations

import ast
import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"


def cell_kind(cell) -> str | None:
    meta = cell.metadata.get("nbgrader", {})
    if not meta:
        return None
    if meta.get("solution") and meta.get("grade"):
        return "written" if cell.cell_type == "markdown" else "answer-graded"
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    if meta.get("task"):
        return "task"
    if meta.get("locked"):
        return "locked"
    return None


@dataclass
class LessonCell:
    grade_id: str
    kind: str
    cell_type: str
    source: str
    points: float = 0.0
    index: int = 0

    @property
    def hidden(self) -> list[str]:
        return hidden_region(self.source)[1]

    def region_of_line(self, lineno: int) -> str:
        """'visible' or 'hidden': where 1-based line ``lineno`` of this (test) cell lies."""
        kinds = hidden_region(self.source)[0]
        return kinds[lineno - 1] if 0 < lineno <= len(kinds) else "visible"


def hidden_region(source: str) -> tuple[list[str], list[str]]:
    """Per line 'visible'/'hidden'/'marker', and the hidden lines themselves."""
    kinds, hidden, inside = [], [], False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            inside = True
            kinds.append("marker")
        elif END_HIDDEN in line:
            inside = False
            kinds.append("marker")
        else:
            kinds.append("hidden" if inside else "visible")
            if inside:
                hidden.append(line)
    return kinds, hidden


# --------------------------------------------------------------------------------------------- names

def _python(source: str) -> ast.Module | None:
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None


def _targets(node) -> set[str]:
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, (ast.Tuple, ast.List)):
        return set().union(*(_targets(e) for e in node.elts)) if node.elts else set()
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    return set()


def bound_names(source: str) -> set[str]:
    """Names a cell binds at top level (assignments, defs, imports, loop targets, ``with ... as``)."""
    tree = _python(source)
    names: set[str] = set()
    if tree is None:
        return names

    def visit(stmts):
        for node in stmts:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
                continue
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    names.update(_targets(t))
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                names.update(_targets(node.target))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    names.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                names.update(_targets(node.target))
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        names.update(_targets(item.optional_vars))
            for sub in ast.walk(node):
                if isinstance(sub, ast.NamedExpr):
                    names.update(_targets(sub.target))
            for attr in ("body", "orelse", "finalbody"):
                visit(getattr(node, attr, []) or [])
            for handler in getattr(node, "handlers", []) or []:
                if handler.name:
                    names.add(handler.name)
                visit(handler.body)

    visit(tree.body)
    return names


def used_names(source: str) -> set[str]:
    """Every name a cell reads, anywhere (including inside the functions it defines)."""
    tree = _python(source)
    if tree is None:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def imported_modules(source: str) -> list[str]:
    tree = _python(source)
    found = []
    if tree is None:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
            found += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
    return found


def _is_module(name: str) -> bool:
    """Whether ``name`` is an importable module (``from a import b`` may import a function ``b``)."""
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


@dataclass
class GuardPlan:
    """What ``GuardedExecute`` needs to know about the lesson to run the guard."""

    trusted: dict[str, set[str]] = field(default_factory=dict)  # grade_id -> acceptable sources
    tests: dict[str, dict] = field(default_factory=dict)  # grade_id -> {"uses": names, "binds": names}
    record: dict[str, set[str]] = field(default_factory=dict)  # grade_id -> names to remember after it
    preload: list[str] = field(default_factory=list)
    checks_source: str = ""
    checks_filename: str = "lrlab/course/checks.py"

    def is_trusted(self, grade_id: str | None, source: str) -> bool:
        return grade_id is not None and source in self.trusted.get(grade_id, ())


def guard_plan(source_nb, released_nb) -> GuardPlan:
    import lrlab.course.checks

    released = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in released_nb.cells}
    plan = GuardPlan(checks_source=Path(lrlab.course.checks.__file__).read_text(),
                     checks_filename=os.path.realpath(lrlab.course.checks.__file__))
    trusted_cells = []
    for cell in source_nb.cells:
        kind = cell_kind(cell)
        if cell.cell_type != "code" or kind not in ("locked", "test"):
            continue
        gid = cell.metadata.nbgrader["grade_id"]
        sources = {cell.source}
        if gid in released:
            sources.add(released[gid].source)
        plan.trusted[gid] = sources
        trusted_cells.append((gid, kind, cell.source))
    for gid, kind, source in trusted_cells:
        if kind == "test":
            plan.tests[gid] = {"uses": used_names(source), "binds": bound_names(source)}
        for module in imported_modules(source):
            if module not in plan.preload and _is_module(module):
                plan.preload.append(module)
    for i, (gid, _, source) in enumerate(trusted_cells):
        later_uses = set().union(*(plan.tests[g]["uses"] for g, k, _ in trusted_cells[i + 1:] if k == "test")) \
            if i + 1 < len(trusted_cells) else set()
        names = bound_names(source) & later_uses
        if names:
            plan.record[gid] = names
    return plan


# --------------------------------------------------------------------------------------------- lesson

@dataclass
class Lesson:
    name: str
    source_path: Path
    source_nb: object
    released: object
    cells: dict[str, LessonCell]
    plan: GuardPlan
    digest: str
    hidden_lines: set[str]
    stale: bool = False  # notebooks/<name> differs from a fresh generation

    @property
    def tests(self) -> list[LessonCell]:
        return [c for c in self.cells.values() if c.kind == "test"]

    @property
    def graded(self) -> list[LessonCell]:
        """Cells that carry points, in notebook order."""
        return sorted((c for c in self.cells.values() if c.kind in ("test", "written", "answer-graded", "task")),
                      key=lambda c: c.index)

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.graded)

    @property
    def auto_max(self) -> float:
        return sum(c.points for c in self.graded if c.kind == "test")


def _hidden_lines(source_nb, released_nb) -> set[str]:
    visible = {line.strip() for c in released_nb.cells for line in c.source.split("\n")}
    hidden = set()
    for cell in source_nb.cells:
        for line in hidden_region(cell.source)[1]:
            text = line.strip()
            if len(text) >= 6 and text not in visible:
                hidden.add(text)
    return hidden


def digest_of(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def nbgrader_config(course: Path):
    """The course's nbgrader configuration (``nbgrader_config.py``), loaded from the course folder."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    path = course / "nbgrader_config.py"
    if not path.is_file():
        return Config()
    here = os.getcwd()
    os.chdir(course)  # the file may use relative paths
    try:
        return PyFileConfigLoader(str(path)).load_config()
    finally:
        os.chdir(here)


def course_config(course: Path, root: Path, db_url: str, *, release_dir: str = "release"):
    """The course's config pointed at a private course folder ``root`` with its own gradebook."""
    config = nbgrader_config(course)
    cd = config.CourseDirectory
    source = cd.get("source_directory", "source")
    cd.root = str(root)
    cd.source_directory = str(course / source) if not os.path.isabs(source) else source
    cd.release_directory = release_dir
    cd.submitted_directory = "submitted"
    cd.autograded_directory = "autograded"
    cd.feedback_directory = "feedback"
    cd.db_url = db_url
    cd.notebook_id = "*"
    cd.student_id = "*"
    config.Exchange.root = str(root / "exchange")
    return config


def generate(course: Path, name: str, root: Path, db_url: str, *, release_dir: str = "release"):
    """Run nbgrader's GenerateAssignment for ``name``: fills ``db_url`` and ``root/release_dir``."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    import logging

    from . import speedups

    ensure_path()
    speedups.apply()
    config = course_config(course, root, db_url, release_dir=release_dir)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = name
    converter = GenerateAssignment(coursedir=coursedir, config=config)
    converter.force = True
    errors: list[str] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = lambda record: errors.append(record.getMessage())
    converter.log.addHandler(handler)
    converter.log.propagate = False
    try:
        converter.start()
    except Exception as err:
        detail = "\n".join(errors[-3:]) or str(err)
        raise RuntimeError(f"nbgrader could not register lesson {name!r}: {detail[-1500:]}") from None
    finally:
        converter.log.removeHandler(handler)
    return coursedir


def ensure_path() -> None:
    """nbgrader runs ``alembic`` by name when it creates a gradebook: put this Python's bin folder on PATH."""
    import sys

    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def source_folder(course: Path) -> Path:
    source = nbgrader_config(course).CourseDirectory.get("source_directory", "source")
    return Path(source) if os.path.isabs(source) else course / source


def prepare(course: Path, name: str, master: Path) -> Lesson:
    """Register lesson ``name`` in the private course ``master`` and describe it (see module doc)."""
    course = Path(course).absolute()  # not resolve(): the course may be reached through a link
    src_dir = source_folder(course) / name
    source_path = src_dir / f"{name}.ipynb"
    if not source_path.is_file():
        raise FileNotFoundError(f"lesson {name!r}: no {source_path}")
    master.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(master / "release" / name, ignore_errors=True)
    generate(course, name, master, f"sqlite:///{master / 'gradebook.db'}")
    released_path = master / "release" / name / f"{name}.ipynb"
    released = nbformat.read(released_path, as_version=4)
    source_nb = nbformat.read(source_path, as_version=4)
    cells = {}
    for index, cell in enumerate(source_nb.cells):
        kind = cell_kind(cell)
        if kind:
            meta = cell.metadata.nbgrader
            cells[meta["grade_id"]] = LessonCell(meta["grade_id"], kind, cell.cell_type, cell.source,
                                                 float(meta.get("points", 0) or 0), index)
    config = nbgrader_config(course)
    release = config.CourseDirectory.get("release_directory", "release")
    committed = (course / release / name / f"{name}.ipynb")
    stale = committed.is_file() and committed.read_bytes() != released_path.read_bytes()
    return Lesson(name=name, source_path=source_path, source_nb=source_nb, released=released, cells=cells,
                  plan=guard_plan(source_nb, released), digest=digest_of(src_dir),
                  hidden_lines=_hidden_lines(source_nb, released), stale=stale)
