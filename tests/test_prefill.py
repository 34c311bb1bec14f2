"""``lrlab.grading.prefill``: a lesson's studies computed once for its class, without its tests."""
from pathlib import Path

import nbformat
import pytest

from lrlab import _cache
from lrlab.grading import prefill
from lrlab.grading.lesson import cell_kind

ROOT = Path(__file__).resolve().parents[1]
LESSON = "02-three-learning-rates"


def test_the_teaching_copy_leaves_out_every_test_cell_and_draws_no_figure():
    nb = nbformat.read(ROOT / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
    copy = prefill.teaching_copy(nb)
    kinds = [cell_kind(c) for c in nb.cells]
    assert "test" in kinds and "test" not in [cell_kind(c) for c in copy.cells]
    assert [c.source for c in copy.cells[1:]] == [c.source for c, k in zip(nb.cells, kinds) if k != "test"]
    assert copy.cells[0].source == prefill.NO_FIGURES and len(nb.cells) == len(nbformat.read(
        ROOT / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4).cells)  # the lesson itself is untouched


def test_the_study_cache_variable_turns_the_prefill_off_or_names_its_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(_cache.ENV, "")
    assert not prefill.wanted() and prefill.folder(tmp_path) == tmp_path / "study-cache"
    monkeypatch.setenv(_cache.ENV, str(tmp_path / "kept"))
    assert prefill.wanted() and prefill.folder(tmp_path) == tmp_path / "kept"
    monkeypatch.delenv(_cache.ENV)
    assert prefill.wanted() and prefill.folder(tmp_path) == tmp_path / "study-cache"


@pytest.mark.slow
def test_a_lessons_studies_are_computed_into_the_cache_once(tmp_path):
    notes = []
    done = prefill.run({LESSON: ROOT / "solutions" / LESSON}, tmp_path / "cache", tmp_path / "scratch", workers=2,
                       notebook_timeout=300, log=notes.append)
    assert done[LESSON][1] == 0, notes
    kept = list((tmp_path / "cache").glob("*/*.pickle"))
    assert kept and notes == [f"prefill of {LESSON}: {done[LESSON][0]:.1f} s"]
    log = (tmp_path / "scratch" / "prefill" / LESSON / "prefill.log").read_text()
    assert "cells that raised: none" in log, log
    assert (tmp_path / "cache").stat().st_mode & 0o077 == 0, "the folder is the grader's alone"
