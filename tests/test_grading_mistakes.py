"""What the class got wrong: the mistakes the checks named, counted per test cell in summary.txt and mistakes.png.

The fast tests feed the report verdicts written the way ``feedback.verdict`` writes them. The slow one
grades a simulated class of lesson 06 with ``lrlab grade`` (the learners and their named mistakes of
``tests/test_lesson_06_grading.py``, each mistake carried by a known number of students) and checks
every count.
"""
import json
import os
import subprocess
import sys
from collections import Counter

import nbformat
import pytest
from PIL import Image

from adversarial import lesson as tiny
from lrlab.grading import report
from lrlab.grading.feedback import GENERIC_HINT
from lrlab.grading.lesson import prepare

LRLAB = os.path.join(os.path.dirname(sys.executable), "lrlab")


@pytest.fixture(scope="module")
def lesson(tmp_path_factory):
    course = tiny.build_course(tmp_path_factory.mktemp("tiny") / "course")
    return prepare(course, tiny.NAME, tmp_path_factory.mktemp("master"))


def _failed(message, hidden=False):
    return {"passed": False, "hidden": hidden, "message": message}


PASSED = {"passed": True, "hidden": False, "message": ""}
NOT_SCALE = _failed("double(3.0): expected 6, got 7. Hint: multiply x by SCALE")
NOT_SCALE_HIDDEN = _failed("a hidden check failed. Hint: multiply x by SCALE", hidden=True)
EMPTY = _failed("a hidden check failed. Hint: an empty list has no mean: raise ValueError", hidden=True)
BLANK = _failed("the answer is not written yet (the function still raises NotImplementedError)")


def _result(student, verdicts, status="graded"):
    scores = {g: {"score": 0 if g in verdicts and not verdicts[g]["passed"] else p, "max": p}
              for g, p in tiny.POINTS.items()}
    return {"student": student, "lesson": tiny.NAME, "status": status, "reason": "", "scores": scores,
            "auto_score": sum(v["score"] for v in scores.values()), "sha256": "x", "notes": [],
            "verdicts": {g: verdicts.get(g, PASSED) for g in tiny.POINTS}, "written_pending": 1}


@pytest.mark.parametrize("verdict, mistake", [
    (NOT_SCALE, "multiply x by SCALE"),
    (NOT_SCALE_HIDDEN, "multiply x by SCALE"),
    (EMPTY, "an empty list has no mean"),
    (_failed("new_x: expected 1, got 2. Hint: the bias correction is missing: divide m by (1 − beta1**t)"),
     "the bias correction is missing"),
    (_failed("x: expected 1, got 2. Hint: that is an average, momentum·b + (1 − momentum)·grad; torch adds it"),
     "that is an average, momentum·b + (1 − momentum)·grad; torch adds it"),
    (BLANK, "not answered (still raises NotImplementedError)"),
    (_failed("the test ran past the time limit (3 s); is there an endless loop?"), "ran past the time limit"),
    (_failed("NameError: name 'SCALE' is not defined"), "raised NameError"),
    (_failed(f"a hidden check failed: your code raised ZeroDivisionError (division by zero). Hint: {GENERIC_HINT}",
             hidden=True), "raised ZeroDivisionError in a hidden case"),
    (_failed(f"a hidden check failed. Hint: {GENERIC_HINT}", hidden=True), "a hidden case failed (no hint names it)"),
    (_failed("mean([1, 2, 3]): expected 2, got 3."), "a wrong result no hint names"),
])
def test_a_failed_verdict_names_its_mistake_by_the_hints_words_before_a_colon(verdict, mistake):
    assert report.mistake_of(verdict) == mistake


def test_mistakes_are_counted_per_test_over_the_graded_students_only(lesson):
    results = ([_result(f"a{i}", {"test_ex1_double": NOT_SCALE}) for i in range(3)]
               + [_result("b", {"test_ex1_double": NOT_SCALE_HIDDEN, "test_ex2_empty": EMPTY})]
               + [_result("c", {g: BLANK for g in tiny.POINTS})]
               + [_result("d", {"test_ex1_double": NOT_SCALE}, status="needs manual grading")]
               + [_result("e", {})])
    assert report.mistakes_by_test(results, lesson) == {
        "test_ex1_double": Counter({"multiply x by SCALE": 4, "not answered (still raises NotImplementedError)": 1}),
        "test_ex2_mean": Counter({"not answered (still raises NotImplementedError)": 1}),
        "test_ex2_empty": Counter({"an empty list has no mean": 1,
                                   "not answered (still raises NotImplementedError)": 1}),
    }


def test_one_mistake_with_other_numbers_in_it_is_counted_once(lesson):
    late = [_failed(f"explosion_epoch(...): expected {k}, got {k - 1}. Hint: after {k - 1} epochs |x| equals the "
                    f"bound exactly, which is not beyond it: the answer is the next epoch") for k in (7, 7, 12)]
    counts = report.mistakes_by_test([_result(f"s{i}", {"test_ex1_double": v}) for i, v in enumerate(late)], lesson)
    late_name = "after N epochs |x| equals the bound exactly, which is not beyond it"
    assert counts == {"test_ex1_double": Counter({late_name: 3})}


def test_the_summary_lists_each_missed_test_with_its_mistakes_counted(lesson):
    results = ([_result(f"a{i}", {"test_ex1_double": NOT_SCALE}) for i in range(3)]
               + [_result("b", {"test_ex2_empty": EMPTY}), _result("e", {})])
    text = report.summary_text(results, {tiny.NAME: lesson}, {})
    assert "where the class struggled most: test_ex1_double (40%), test_ex2_empty (80%)" in text
    assert ("     test_ex1_double (40% of its points on average):\n"
            "          3 students  multiply x by SCALE\n"
            "     test_ex2_empty (80% of its points on average):\n"
            "          1 student   an empty list has no mean\n") in text
    assert "test_ex2_mean (" not in text.split("where the class struggled most")[1], "nobody missed test_ex2_mean"


def test_when_nobody_missed_anything_the_summary_says_so(lesson, tmp_path):
    results = [_result(s, {}) for s in ("a", "b")]
    text = report.summary_text(results, {tiny.NAME: lesson}, {})
    assert "no test was missed: all 2 graded students got full points on every test cell" in text
    assert "struggled" not in text
    (tmp_path / "mistakes.png").write_bytes(b"an old figure")
    report.write(tmp_path, results, {tiny.NAME: lesson}, {})
    assert not (tmp_path / "mistakes.png").exists(), "a figure of an earlier class's mistakes must not stay"


def test_more_than_five_kinds_of_mistake_end_with_the_rest_in_one_line(lesson):
    kinds = [_failed(f"double(3.0): expected 6, got {k}. Hint: mistake number {chr(97 + k)}") for k in range(7)]
    results = [_result(f"s{k}{i}", {"test_ex1_double": v}) for k, v in enumerate(kinds) for i in range(7 - k)]
    text = report.summary_text(results, {tiny.NAME: lesson}, {})
    assert "          7 students  mistake number a\n" in text and "          3 students  mistake number e\n" in text
    assert "          3 students  other failures (2 kinds)\n" in text and "mistake number f" not in text


def test_the_mistakes_figure_has_a_title_labels_and_a_description_of_its_counts(lesson, tmp_path):
    results = [_result(f"a{i}", {"test_ex1_double": NOT_SCALE}) for i in range(3)] + [_result("e", {})]
    description = report.mistakes_figure(results, {tiny.NAME: lesson}, tmp_path / "mistakes.png")
    png = Image.open(tmp_path / "mistakes.png")
    assert png.text["Title"] == "Mistakes per test cell" and png.text["Description"] == description
    assert description.endswith(f"{tiny.NAME}: test_ex1_double: 3 × multiply x by SCALE")
    assert "x axis counts graded students" in description


# ----------------------------------------------------------------------------- a simulated class of lesson 06

LESSON = "06-optimizers"
COPIES = {"sign_nocorrection_gridpoints": 2, "epsinside_ln": 2, "nonesterov_twicestep_nan": 1}


@pytest.fixture(scope="module")
def lesson06_class(tmp_path_factory):
    from nbcourse import answer_ids, grade_cells, learner_cells, make_course, solution_path, strip_markers, submission
    from test_lesson_06_grading import HINTS, MISTAKES, STUDENTS

    tmp = tmp_path_factory.mktemp("mistakes06")
    course = make_course(tmp, [LESSON])
    solution = nbformat.read(solution_path(LESSON), as_version=4)
    sol = grade_cells(solution)
    correct = {gid: strip_markers(sol[gid].source) for gid in answer_ids(solution)}
    folder = tmp / "collected"
    folder.mkdir()
    nbformat.write(submission(course, LESSON, correct), folder / "correct.ipynb")
    nbformat.write(submission(course, LESSON, {}), folder / "blank.ipynb")
    for learner, copies in COPIES.items():
        nb = submission(course, LESSON, {**correct, **learner_cells(MISTAKES, STUDENTS[learner])})
        for i in range(copies):
            nbformat.write(nb, folder / f"{learner}-{i}.ipynb")
    proc = subprocess.run([LRLAB, "grade", str(folder), "--lesson", LESSON, "--course", str(course), "--quiet",
                           "--workers", "2", "--cell-timeout", "150"], capture_output=True, text=True, timeout=1500)
    out = course / "grades"
    results = [json.loads(p.read_text()) for p in sorted((out / ".lrlab" / "results" / LESSON).glob("*.json"))]
    return proc, out, results, [(s, g, w) for s, g, w in HINTS if s in COPIES]


@pytest.mark.slow
def test_every_simulated_learner_is_graded(lesson06_class):
    proc, _, results, _ = lesson06_class
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(results) == 2 + sum(COPIES.values()) and {r["status"] for r in results} == {"graded"}


@pytest.mark.slow
def test_each_named_mistake_is_counted_once_per_student_who_made_it(lesson06_class):
    """Every (learner, test, hint) of lesson 06's grading test: its mistake, counted over all copies of its learners
    (the blank notebook, whose errors can share a hint, is left out)."""
    _, out, results, hints = lesson06_class
    counts = Counter()
    for r in results:
        if r["student"] == "blank":
            continue
        for gid, v in r["verdicts"].items():
            if not v["passed"]:
                counts[gid, report.mistake_of(v)] += 1
    def same(words, mistake):  # the hint's words in the grading test are the mistake's name, or begin it
        return words.startswith(mistake) or mistake.startswith(words)

    for learner, gid, words in hints:
        named = [(g, m) for (g, m) in counts if g == gid and same(words, m)]
        assert len(named) == 1, (learner, gid, words, sorted(counts))
        makers = sum(COPIES[s] for s, g, w in hints if g == gid and same(w, named[0][1]))
        assert counts[named[0]] == makers, (gid, named[0][1], counts[named[0]], makers)


@pytest.mark.slow
def test_the_summary_of_the_simulated_class_counts_the_adam_mistakes_exactly(lesson06_class):
    _, out, _, _ = lesson06_class
    text = (out / "summary.txt").read_text()
    section = text.split("     test_ex2_adam_step (")[1].split("\n     test_")[0]
    lines = [line.strip() for line in section.splitlines()[1:] if line.strip() and not line.startswith("   (")]
    assert lines == ["2 students  eps goes outside the square root",
                     "2 students  the bias correction is missing",
                     "1 student   the bias correction was applied twice",
                     "1 student   your function raised an error on this case"], section


@pytest.mark.slow
def test_the_mistakes_figure_of_the_simulated_class_describes_the_same_counts(lesson06_class):
    _, out, _, _ = lesson06_class
    description = Image.open(out / "mistakes.png").text["Description"]
    assert "test_ex2_adam_step: 2 × the bias correction is missing" in description
    assert "test_ex1_heavy_ball: 2 × your buffer has the opposite sign" in description
