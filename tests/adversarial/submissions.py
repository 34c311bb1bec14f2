"""Hostile and broken submissions of the tiny lesson, each with the outcome the grader must give.

Every one is bounded: the grading tests run them with short limits (a few
seconds per cell, 1 GB of memory, 64 processes), so nothing here can hurt the
machine even if a limit failed: loops are ended by the time limits, the
process spawner stops at 200, the big allocations are single requests that
fail at once.

``SCENARIOS`` maps a student id to a ``Scenario``; ``write_class(course,
folder)`` writes them all as a plain folder of ``<student>.ipynb`` files, with
a correct submission after each hostile one (``sNN-correct``), so the tests
can check that the next student is unaffected.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .lesson import AUTO_MAX, CORRECT, POINTS, answered, student_notebook

FULL = dict(POINTS)
ZERO_EX1 = {**POINTS, "test_ex1_double": 0}
ZERO_ALL = {g: 0 for g in POINTS}


@dataclass
class Scenario:
    what: str
    build: object  # (course) -> notebook, or bytes for a file that is not a notebook
    status: str  # graded / needs manual grading / not graded
    reason: str = ""  # a regular expression the reason must match
    scores: dict | None = None  # expected points per test cell (None: not graded)
    notes: str = ""  # a regular expression one of the notes must match
    needs_isolation: bool = False  # only meaningful when the sandbox has namespaces


def _with(**answers):
    return lambda course: answered(course, {**CORRECT, **answers})


def _edit(change):
    def build(course):
        nb = answered(course, CORRECT)
        change(nb)
        return nb
    return build


def _index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _delete(grade_id):
    return _edit(lambda nb: nb.cells.pop(_index(nb, grade_id)))


def _duplicate(grade_id):
    def change(nb):
        twin = copy.deepcopy(nb.cells[_index(nb, grade_id)])
        twin.id = twin.id[:-4] + "copy"  # Jupyter gives a copied cell an id of its own
        nb.cells.insert(_index(nb, grade_id), twin)
    return _edit(change)


def _to_markdown(grade_id):
    def change(nb):
        i = _index(nb, grade_id)
        old = nb.cells[i]
        new = nbformat.v4.new_markdown_cell(old.source)
        new.metadata = old.metadata
        nb.cells[i] = new
    return _edit(change)


def _replace_test(grade_id, source, **answers):
    def build(course):
        nb = answered(course, {**CORRECT, **answers})
        nb.cells[_index(nb, grade_id)].source = source
        return nb
    return build


WRONG_DOUBLE = "def double(x):\n    return x + 2"
DEF_DOUBLE = "def double(x):\n    return SCALE * x\n"

PATCH_CHECKS = """\
import math
import lrlab.course.checks
lrlab.course.checks.expect_close = lambda *args, **kwargs: None   # the module's function
expect_close = lambda *args, **kwargs: None                # the name the tests call
lrlab.course.checks.fail.__code__ = (lambda *args, **kwargs: None).__code__
math.isclose = lambda *args, **kwargs: True

def double(x):
    return x + 2"""

PATCH_DURING_TEST = """\
import sys

def double(x):
    # called by the test: replace the check it is about to use, then answer wrongly
    sys.modules["lrlab.course.checks"].expect_close = lambda *args, **kwargs: None
    globals()["expect_close"] = lambda *args, **kwargs: None
    return x + 2"""

PATCH_IPYTHON = """\
import ast

class Empty(ast.NodeTransformer):
    def visit_Module(self, node):
        return ast.Module(body=[], type_ignores=[])   # every later cell, tests included, does nothing

get_ipython().ast_transformers.append(Empty())
get_ipython().events.register("post_run_cell", lambda result: setattr(result, "error_in_exec", None))

def double(x):
    return x + 2"""


def read_outside(course: Path) -> str:
    secret = course / "solutions" / "90-tiny" / "90-tiny.ipynb"
    gradebook = course / ".nbgrader" / "gradebook.db"
    return f"""\
import os, socket
found = []
for path in [{str(secret)!r}, {str(gradebook)!r}, "../../solutions/90-tiny/90-tiny.ipynb",
             "/root/.bash_history", "/etc/shadow", {str(course)!r}]:
    try:
        if os.path.isdir(path):
            found.append((path, "dir", sorted(os.listdir(path))))
        else:
            with open(path, "rb") as f:
                found.append((path, "read", f.read(200)))
    except OSError as err:
        found.append((path, type(err).__name__))
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2)
    found.append(("network", "connected"))
except OSError as err:
    found.append(("network", type(err).__name__))
print(found)
{DEF_DOUBLE}"""


SPAWN = f"""\
import subprocess
children, error = [], None
for _ in range(200):
    try:
        children.append(subprocess.Popen(["sleep", "60"]))
    except OSError as err:
        error = type(err).__name__
        break
print(len(children), "processes started, then", error)
{DEF_DOUBLE}"""

SCENARIOS: dict[str, Scenario] = {
    "s01-loop-before": Scenario(
        "an endless loop before the function is defined", _with(ex1_double="while True:\n    pass\n" + DEF_DOUBLE),
        "graded", scores=ZERO_EX1, notes=r"ex1_double ran past \d+ s and was interrupted"),
    "s03-loop-inside": Scenario(
        "an endless loop inside the graded function", _with(ex1_double="def double(x):\n    while True:\n        pass"),
        "graded", scores=ZERO_EX1, notes=r"test_ex1_double ran past"),
    "s05-loop-after": Scenario(
        "an endless loop after the function is defined", _with(ex1_double=DEF_DOUBLE + "while True:\n    pass"),
        "graded", scores=FULL, notes=r"ex1_double ran past"),
    "s07-ignores-sigint": Scenario(
        "a loop that ignores SIGINT",
        _with(ex1_double="import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n" + DEF_DOUBLE
              + "while True:\n    pass"),
        "not graded", reason=r"ex1_double ran past \d+ s and ignored the interrupt"),
    "s09-sys-exit": Scenario(
        "sys.exit() in an answer", _with(ex1_double=DEF_DOUBLE + "import sys\nsys.exit()"), "graded", scores=FULL),
    "s11-os-exit": Scenario(
        "os._exit() kills the kernel", _with(ex1_double=DEF_DOUBLE + "import os\nos._exit(3)"),
        "not graded", reason=r"kernel died \(exited with code 3\) in cell ex1_double"),
    "s13-segfault": Scenario(
        "a segmentation fault", _with(ex1_double=DEF_DOUBLE + "import ctypes\nctypes.string_at(0)"),
        "not graded", reason=r"kernel died \(killed by signal SIGSEGV\) in cell ex1_double"),
    "s15-memory": Scenario(
        "allocating past the memory limit",
        _with(ex1_double=DEF_DOUBLE + "hog = bytearray(8 * 1024 ** 3)"),
        "graded", scores=FULL, notes=r"ex1_double ran out of memory"),
    "s17-print-100mb": Scenario(
        "printing 100 MB", _with(ex1_double=DEF_DOUBLE + "for _ in range(100):\n    print('x' * 1_000_000)"),
        "graded", scores=FULL, notes=r"output of cell ex1_double was cut"),
    "s19-spawn": Scenario(
        "spawning processes in a bounded loop", _with(ex1_double=SPAWN), "graded", scores=FULL,
        needs_isolation=True),
    "s21-edited-test": Scenario(
        "a wrong answer with its test cell emptied", _replace_test("test_ex1_double", "pass", ex1_double=WRONG_DOUBLE),
        "graded", scores=ZERO_EX1, notes=r"locked cell test_ex1_double was edited"),
    "s23-deleted-test": Scenario(
        "a test cell deleted", _delete("test_ex2_mean"), "needs manual grading",
        reason=r"graded cell test_ex2_mean was deleted", scores=FULL),
    "s25-duplicated-test": Scenario(
        "a test cell duplicated", _duplicate("test_ex1_double"), "needs manual grading",
        reason=r"cell test_ex1_double appears 2 times", scores=FULL),
    "s27-deleted-setup": Scenario(
        "the locked setup cell deleted", _delete("setup"), "needs manual grading",
        reason=r"locked cell setup was deleted",
        scores={"test_ex1_double": 0, "test_ex2_mean": 0, "test_ex2_empty": 1}),
    "s29-cell-type": Scenario(
        "an answer cell turned into Markdown", _to_markdown("ex1_double"), "needs manual grading",
        reason=r"cell ex1_double was changed from code to markdown", scores=FULL),
    "s31-patch-checks": Scenario(
        "a wrong answer that replaces the checks so that everything passes", _with(ex1_double=PATCH_CHECKS),
        "needs manual grading", reason=r"patched what the tests rely on.*lrlab\.course\.checks", scores=ZERO_EX1),
    "s33-patch-during-test": Scenario(
        "a wrong answer whose function patches the checks while the test runs",
        _with(ex1_double=PATCH_DURING_TEST), "needs manual grading",
        reason=r"changed what the tests rely on", scores=ZERO_EX1),
    "s35-patch-ipython": Scenario(
        "a wrong answer that empties every later cell through IPython", _with(ex1_double=PATCH_IPYTHON),
        "needs manual grading", reason=r"IPython", scores=ZERO_EX1),
    "s37-read-outside": Scenario(
        "reading files outside the submission and the network", lambda c: answered(
            c, {**CORRECT, "ex1_double": read_outside(c)}), "graded", scores=FULL, needs_isolation=True),
    "s39-malformed": Scenario(
        "a file that is not JSON", lambda c: b'{"cells": [ this is not json', "not graded",
        reason=r"malformed notebook: not valid JSON"),
    "s41-wrong-file": Scenario(
        "a notebook of some other lesson", lambda c: nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]),
        "not graded", reason=r"none of the cells of lesson 90-tiny"),
    "s45-hidden-fails": Scenario(
        "an answer that passes the worked example but not the hidden checks",
        _with(ex1_double="def double(x):\n    return abs(2 * x)"), "graded", scores=ZERO_EX1),
    "s43-blank": Scenario(
        "the notebook as handed out", student_notebook, "graded", scores=ZERO_ALL),
}


def _correct(course):
    return answered(course, CORRECT)


for _name in list(SCENARIOS):
    _n = int(_name[1:3]) + 1
    SCENARIOS[f"s{_n:02d}-correct"] = Scenario("a correct submission right after it", _correct, "graded", scores=FULL)


def write_class(course: Path, folder: Path, names=None) -> list[str]:
    """Write the scenarios (all, or ``names``) as ``<student>.ipynb`` files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, scenario in sorted(SCENARIOS.items()):
        if names is not None and name not in names:
            continue
        made = scenario.build(course)
        path = folder / f"{name}.ipynb"
        if isinstance(made, bytes):
            path.write_bytes(made)
        else:
            nbformat.write(made, path)
        written.append(name)
    return written


__all__ = ["SCENARIOS", "Scenario", "write_class", "AUTO_MAX", "json"]
