"""Copies of lrlab's own code are flagged for manual grading; independent right answers are not.

``lrlab.grading.owncopy.copy_flags`` compares each answer cell with the lrlab code its exercise
declares (copydetect fingerprints, the starter code and the instructor's solution discounted). A
renamed, re-commented copy of lrlab's implementation must be flagged; the instructor's solutions,
every simulated learner's answer of the lessons' grading tests and the hand-written variants of
``variants.py`` must not.
"""
import importlib.util
import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from adversarial.lessons import lessons, renamed_copy
from lrlab.grading import owncopy
from variants import VARIANTS

ROOT = Path(__file__).resolve().parents[1]
#: exercises whose right answer is a line or two: a copy cannot be told from independent work (README)
SKIPPED = {"ex1_adjust_knob", "ex1_gd_step", "ex3_stability_limit", "ex1_condition_number", "ex2_best_fixed_rate",
           "ex3_contraction", "ex1_step_decay_lr", "ex2_cosine_lr", "ex3_hvp_central"}


def lesson_of(name):
    return SimpleNamespace(name=name,
                           source_nb=nbformat.read(ROOT / "solutions" / name / f"{name}.ipynb", as_version=4),
                           released=nbformat.read(ROOT / "notebooks" / name / f"{name}.ipynb", as_version=4))


LESSONS = {name: lesson_of(name) for name in lessons()}


def submitted(lesson, answers):
    nb = nbformat.from_dict(lesson.released)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


def answer_cells(lesson):
    return {gid: src for gid, src in owncopy._answers(lesson.source_nb).items()}


def test_the_short_exercises_are_the_ones_skipped():
    short = {gid for lesson in LESSONS.values() for gid, src in answer_cells(lesson).items()
             if owncopy.solution_lines(src) < owncopy.MIN_LINES}
    assert short == SKIPPED


COPIES = []
for _name, _lesson in LESSONS.items():
    _module = owncopy.checks_module(_name)
    for _gid, _src in answer_cells(_lesson).items():
        _fns = owncopy._functions(owncopy._unmarked(_src))
        if _gid in SKIPPED or len(_fns) != 1:
            continue
        _found = owncopy.implementation(_module, _fns[0], owncopy._unmarked(_src))
        if _found is not None:
            COPIES.append((_name, _gid, _fns[0], *_found))


def test_most_exercises_have_an_lrlab_implementation_to_copy():
    assert len(COPIES) >= 12, [c[1] for c in COPIES]


@pytest.mark.parametrize("name, gid, function, label, original", COPIES, ids=[c[1] for c in COPIES])
def test_a_renamed_copy_of_lrlabs_implementation_is_flagged(name, gid, function, label, original):
    copy = renamed_copy(original, function)
    assert "my_" in copy and function in copy
    flags = owncopy.copy_flags(submitted(LESSONS[name], {gid: copy}), LESSONS[name])
    assert len(flags) == 1 and re.fullmatch(rf"answer {gid} matches {re.escape(label)} \(similarity \d+ %\)",
                                            flags[0]), flags


def simulated_answers():
    """(lesson, grade_id, who, source) of every simulated learner of tests/test_lesson_NN_grading.py."""
    out = []
    for name in LESSONS:
        path = ROOT / "tests" / f"test_lesson_{name[:2]}_grading.py"
        spec = importlib.util.spec_from_file_location(f"grading_{name[:2]}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        described = getattr(module, "TestGrading", None)
        for mistake, (cells, _) in getattr(described, "mistakes", {}).items():
            out += [(name, gid, mistake, src) for gid, src in cells.items()]
    return out


INDEPENDENT = ([(name, gid, "solution", owncopy._unmarked(src)) for name, lesson in LESSONS.items()
                for gid, src in answer_cells(lesson).items()]
               + simulated_answers()
               + [(name, gid, f"variant {i}", src) for name, lesson in LESSONS.items() for gid in answer_cells(lesson)
                  for i, src in enumerate(VARIANTS.get(gid, []))])


def test_every_copied_exercise_has_a_hand_written_variant():
    assert {c[1] for c in COPIES} <= set(VARIANTS)


@pytest.mark.parametrize("name, gid, who, source", INDEPENDENT, ids=[f"{c[1]}-{c[2]}"[:60] for c in INDEPENDENT])
def test_independent_answers_are_not_flagged(name, gid, who, source):
    assert owncopy.copy_flags(submitted(LESSONS[name], {gid: source}), LESSONS[name]) == []


def test_borrowed_notes_name_the_function_and_the_test():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("check_zone_width(zone_width, ...)")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_ex3_zone", "points": 2}
    cell.outputs = [nbformat.v4.new_output("error", ename="BorrowedAnswer", evalue=(
        "zone_width: your answer calls lrlab.studies.sensitivity.goldilocks_zone, lrlab's own code for this "
        "exercise's answer. Hint: ..."), traceback=["\x1b[0;31mBorrowedAnswer\x1b[0m: ..."])]
    nb.cells.append(cell)
    assert owncopy.borrowed_notes(nb) == ["answer calls lrlab.studies.sensitivity.goldilocks_zone (test_ex3_zone)"]


def test_fingerprints_are_the_same_in_every_process():
    """copydetect hashes with Python's hash(), which PYTHONHASHSEED changes per process; the copy check must
    not: the test process and the grading process have to pick the same fingerprints."""
    import subprocess
    import sys

    probe = "from lrlab.grading import owncopy; print(sorted(owncopy._prints('def f(x):\\n    return [v * 2 for v in x]\\n')))"
    outs = {subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                           env={**__import__("os").environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(outs) == 1 and outs.pop().strip() not in ("", "[]")
