"""A class of lesson-02 submissions with the usual mix: right, blank, and the common mistakes.

Used by ``tests/test_grading_lesson02.py`` and ``benchmarks/bench_grading.py``.
``lesson02_class(released, solution, n)`` returns ``{student: notebook}``: the notebook handed
out with answers filled in, cycling through ``VARIANTS`` (so any ``n`` has the same mix).
"""
from __future__ import annotations

import copy

LESSON = "02-three-learning-rates"

WRONG = {
    "sign": {"ex1_gd_step": "def gd_step(x, lr, grad):\n    return x + lr * grad"},
    "hardcoded_step": {"ex1_gd_step": "def gd_step(x, lr, grad):\n    return 4.0"},
    "one_over_a": {"ex3_stability_limit": "def stability_limit(a):\n    return 1 / a"},
    "nan_trap": {"ex5_classify": (
        "def classify(losses):\n"
        "    if losses[-1] > losses[0]:\n        return \"diverging\"\n"
        "    if losses[-1] > 0.5 * losses[0]:\n        return \"too small\"\n"
        "    return \"good\"")},
}
#: (name, which answers are filled in: "all", "none", or the name of a mistake in WRONG)
VARIANTS = [("correct", "all"), ("sign", "sign"), ("correct", "all"), ("blank", "none"),
            ("hardcoded_step", "hardcoded_step"), ("correct", "all"), ("one_over_a", "one_over_a"),
            ("nan_trap", "nan_trap"), ("correct", "all"), ("half", "half")]


def _strip(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def _cells(nb) -> dict:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def answers(solution, which: str) -> dict[str, str]:
    """Answer sources by grade_id for one variant."""
    right = {gid: _strip(c.source) for gid, c in _cells(solution).items()
             if c.metadata["nbgrader"].get("solution")}
    if which == "none":
        return {}
    if which == "half":
        return {gid: src for gid, src in right.items() if gid.startswith(("ex1_", "ex2_"))}
    if which == "all":
        return right
    return {**right, **WRONG[which]}


def lesson02_class(released, solution, n: int) -> dict:
    """``{student id: notebook}`` for ``n`` students, ids ``NN-<variant>``."""
    made = {}
    for i in range(n):
        name, which = VARIANTS[i % len(VARIANTS)]
        nb = copy.deepcopy(released)
        cells = _cells(nb)
        for gid, source in answers(solution, which).items():
            cells[gid].source = source
        made[f"{i:02d}-{name}"] = nb
    return made
