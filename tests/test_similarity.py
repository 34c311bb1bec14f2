"""The class similarity report: planted copies come first, no independent pair above the threshold.

A simulated class of lesson 04 (``similarity_class.py``): four students who wrote their answers each
in their own way, two students whose answers are another's with the variables renamed, statements
reordered and comments added, and two who handed in the instructor's solution word for word (the
solution is discounted, so they are no pair). copydetect makes the report; it changes no score.
"""
from pathlib import Path
from types import SimpleNamespace

import nbformat

from lrlab.grading import similarity
from similarity_class import INDEPENDENT, PLANTED

ROOT = Path(__file__).resolve().parents[1]
LESSON = "04-lr-finder"


def test_planted_copies_come_first_and_no_independent_pair_is_reported(tmp_path):
    lesson = SimpleNamespace(
        name=LESSON, source_nb=nbformat.read(ROOT / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4),
        released=nbformat.read(ROOT / "notebooks" / LESSON / f"{LESSON}.ipynb", as_version=4))
    solution = "\n\n".join(similarity.answer_sources(lesson.source_nb).values())
    answers = {s: "\n\n".join(a.values()) for s, a in {**INDEPENDENT, **PLANTED}.items()}
    answers.update({"sol-a": solution, "sol-b": solution})
    path, pairs = similarity.class_report(tmp_path, lesson, answers)
    assert path == tmp_path / "similarity" / f"{LESSON}.html" and path.is_file()
    found = [frozenset((p.first, p.second)) for p in pairs]
    assert found[:2] and set(found[:2]) == {frozenset(("cy", "cy-copy")), frozenset(("bo", "bo-copy"))}, pairs
    assert len(found) == 2, f"no other pair may pass {similarity.THRESHOLD:.0%}: {pairs}"
    html = path.read_text()
    assert "cy-copy" in html and "lrlab-similarity-" not in html, "no temporary path in the report"
    lines = similarity.summary_lines(path, pairs, tmp_path)
    assert lines[0].endswith(f"report: similarity/{LESSON}.html):")
    assert {frozenset(line.split(":")[0].strip().split(" ~ ")) for line in lines[1:3]} == set(found[:2])


def test_the_highest_independent_pair_is_far_below_the_threshold(tmp_path):
    lesson = SimpleNamespace(
        name=LESSON, source_nb=nbformat.read(ROOT / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4),
        released=nbformat.read(ROOT / "notebooks" / LESSON / f"{LESSON}.ipynb", as_version=4))
    answers = {s: "\n\n".join(a.values()) for s, a in INDEPENDENT.items()}
    _, pairs = similarity.class_report(tmp_path, lesson, answers, threshold=0.0)
    assert pairs, "with no threshold every pair that shares any code is listed"
    assert max(p.similarity for p in pairs) < similarity.THRESHOLD / 2, pairs
