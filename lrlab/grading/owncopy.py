"""After a submission is graded: answers that borrowed lrlab's code (noted) and answers that copy it (flagged).

*Borrowed* answers are caught while the tests run: the checks run the learner's function under
the tracer of :mod:`lrlab.course.owncode`, and a test whose answer calls lrlab's code for its
exercise fails with a message this module finds (:func:`borrowed_notes`): the grading run adds
"answer calls lrlab.studies.sensitivity.goldilocks_zone (test_ex3_zone)" to the student's notes.

*Copied* answers are lrlab's code pasted into the answer cell, names changed and reformatted: no
call is made, so the tracer sees nothing. :func:`copy_flags` compares each answer cell with the
source of the lrlab code its exercise declares (``OWN_CODE`` of the lesson's checks module, and the
checks' own reference solutions) using copydetect's fingerprints (names, strings and layout are
normalised away by its tokenizer; the starter code and the instructor's solution are discounted as
boilerplate). An answer whose fingerprints are mostly found in one lrlab function is flagged:
"needs manual grading: answer ex3_zone_width matches lrlab.studies.sensitivity.goldilocks_zone
(similarity 87 %)". The flag changes no score: a person decides.

Exercises whose right answer is a line or two (``x - lr * grad``) are skipped (:data:`MIN_LINES`):
there a copy cannot be told from independent work.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import inspect
import re
import types

from ..course import owncode

#: an answer whose solution has fewer statement lines than this is not compared (a copy is indistinguishable)
MIN_LINES = 3
#: share of an answer's own code (its fingerprints outside the boilerplate) found in one lrlab function
THRESHOLD = 0.65  # renamed copies tried: 73-100 %; independent answers tried: at most 62 % (Python 3.13)
#: copydetect's noise and guarantee thresholds (in characters of normalised code): k-grams of ``K``,
#: winnowing window ``W``; smaller than its defaults (25, 30), since an answer cell is short
K, W = 15, 4
#: an answer with fewer own fingerprints than this is too short to call a copy
MIN_FINGERPRINTS = 12


def borrowed_notes(graded_nb) -> list[str]:
    """Notes for the test cells that failed because the answer called lrlab's code (or hid from the tracer)."""
    notes = []
    for cell in graded_nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        text = "\n".join(
            "\n".join([str(o.get("ename", "")), str(o.get("evalue", "")), *map(str, o.get("traceback", []))])
            + str(o.get("text", "")) for o in cell.get("outputs", []))
        text = re.sub(r"\x1b\[[0-9;]*m", "", text)
        match = re.search(owncode.PATTERN, text)
        if match:
            kind, name = match.groups()
            notes.append(f"answer calls {name} ({meta.get('grade_id')})" if kind == "calls" else
                         f"answer called {name} while a test ran it ({meta.get('grade_id')})")
    return notes


def _answers(nb) -> dict:
    """{grade_id: source} of the autograded answer cells."""
    out = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("solution") and not meta.get("grade"):
            out[meta["grade_id"]] = cell.source
    return out


def _unmarked(source: str) -> str:
    return re.sub(r"[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", "", source)


def _functions(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def solution_lines(source: str) -> int:
    """Statement lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (comments and blanks left out)."""
    inside, count = False, 0
    for line in source.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif inside and line.strip() and not line.strip().startswith("#"):
            count += 1
    return count


def checks_module(lesson_name: str):
    """The lesson's checks module (``lrlab.course.exercises.lessonNN``), or None."""
    try:
        return importlib.import_module(f"lrlab.course.exercises.lesson{lesson_name[:2]}")
    except ImportError:
        return None


_CANDIDATES: dict = {}


def candidates(module, exercise: str) -> dict:
    """{dotted name: source} of the lrlab code ``exercise`` declares, one entry per function or method."""
    key = (module.__name__, exercise)
    if key not in _CANDIDATES:
        _CANDIDATES[key] = _candidates(module, exercise)
    return _CANDIDATES[key]


def _candidates(module, exercise: str) -> dict:
    out = {}
    try:
        names = owncode.declared(module.OWN_CODE, exercise)
    except (AttributeError, KeyError):
        return out
    codes = owncode.resolve(names, vars(module))
    for name, value in vars(module).items():  # the checks' nested reference solutions
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            for const in value.__code__.co_consts:
                stem = const.co_name[:-len("_reference")] if isinstance(const, types.CodeType) else ""
                if const.co_name.endswith("_reference") and exercise.startswith(stem) if stem else False:
                    codes[const] = f"{module.__name__}.{name}.<locals>.{const.co_name}"
    for code, label in codes.items():
        if "<locals>" in label and not label.endswith("_reference"):
            continue  # a closure is part of its factory's source
        try:
            out[label] = inspect.getsource(code)
        except (OSError, TypeError):
            continue
    return out


@functools.lru_cache(maxsize=4096)
def _filtered(code: str) -> str:
    from copydetect.utils import filter_code

    return filter_code(code, "answer.py")[0]


def _kgram_hashes(doc: str, k: int):
    """A 64-bit hash of every ``k``-character window of ``doc``, the same in every process.

    copydetect's ``hashed_kgrams`` uses Python's ``hash()``, which ``PYTHONHASHSEED`` changes from one
    process to the next: winnowing then keeps other fingerprints, and a short copy could be flagged in
    one grading run and not in the next (seen in CI: lesson 04's copied ``_want_stop``).
    """
    import numpy as np

    return np.array([int.from_bytes(hashlib.blake2b(doc[i:i + k].encode("utf-8", "surrogatepass"),
                                                   digest_size=8).digest(), "little", signed=True)
                     for i in range(len(doc) - k + 1)], dtype=np.int64)


@functools.lru_cache(maxsize=4096)
def _own_prints(code: str) -> frozenset:
    """The winnowed fingerprints of ``code`` (copydetect's normalisation and winnowing, stable hashes)."""
    from copydetect.utils import winnow

    hashes = _kgram_hashes(_filtered(code), K)
    if hashes.size == 0:
        return frozenset()
    selected, _ = winnow(hashes, W, remove_duplicates=False)
    return frozenset(int(h) for h in selected)


def _prints(code: str, boilerplate=frozenset()) -> set:
    """``code``'s fingerprints, less those in ``boilerplate`` (a set of fingerprints)."""
    return set(_own_prints(code) - boilerplate)


def similarity(answer: str, original: str, boilerplate=()) -> tuple[float, int]:
    """(share of the answer's own fingerprints found in ``original``, how many own fingerprints it has)."""
    mine = _prints(answer, set().union(*[_own_prints(b) for b in boilerplate]))
    if not mine:
        return 0.0, 0
    return len(mine & _prints(original)) / len(mine), len(mine)


def implementation(module, exercise: str, solution: str, starter: str = "") -> tuple[str, str] | None:
    """(name, source) of the declared lrlab code a copy of ``exercise``'s answer would take: the one sharing
    the most fingerprints with the instructor's ``solution``, among those long enough to be told apart."""
    found = []
    for label, original in candidates(module, exercise).items():
        own = similarity(original, original, [starter, solution])[1]
        if own >= MIN_FINGERPRINTS:
            found.append((len(_prints(solution) & _prints(original)), own, label, original))
    return tuple(max(found)[2:]) if found else None


def copy_flags(submitted_nb, lesson) -> list[str]:
    """Flags for answer cells that are copies of lrlab's code for their exercise (see the module's docstring)."""
    module = checks_module(lesson.name)
    if module is None:
        return []
    solutions, starters = _answers(lesson.source_nb), _answers(lesson.released)
    flags = []
    for gid, source in _answers(submitted_nb).items():
        if gid not in solutions or solution_lines(solutions[gid]) < MIN_LINES:
            continue
        boilerplate = [starters.get(gid, ""), _unmarked(solutions[gid])]
        best = (0.0, "", 0)
        for exercise in _functions(_unmarked(solutions[gid])):
            for label, original in candidates(module, exercise).items():
                share, n = similarity(source, original, boilerplate)
                if n >= MIN_FINGERPRINTS and share > best[0]:
                    best = (share, label, n)
        if best[0] >= THRESHOLD:
            flags.append(f"answer {gid} matches {best[1]} (similarity {round(100 * best[0])} %)")
    return flags
