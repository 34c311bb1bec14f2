"""The grader's parts without kernels: finding submissions, checking their shape, the lesson's
hidden tests, leak-free feedback, result files, the class report, the command line.

The lesson is the tiny one in ``tests/adversarial/lesson.py``, registered with the real nbgrader.
"""
import copy
import json
import os
import re

import nbformat
import pytest

from adversarial import lesson as tiny
from lrlab.cli import main
from lrlab.grading import feedback, intake, report, results, sandbox
from lrlab.grading.lesson import bound_names, hidden_region, prepare, used_names
from lrlab.grading.progress import Progress


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return tiny.build_course(tmp_path_factory.mktemp("tiny") / "course")


@pytest.fixture(scope="module")
def lesson(course, tmp_path_factory):
    return prepare(course, tiny.NAME, tmp_path_factory.mktemp("master"))


def _write(path, nb):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _shape(tmp_path, lesson, nb_or_bytes):
    path = tmp_path / "s.ipynb"
    if isinstance(nb_or_bytes, bytes):
        path.write_bytes(nb_or_bytes)
    else:
        nbformat.write(nb_or_bytes, path)
    return intake.inspect(intake.Submission("s", tiny.NAME, path), lesson)


def _index(nb, gid):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


# ----------------------------------------------------------------------------- finding submissions

def test_plain_folder_gives_one_student_per_file(tmp_path, course):
    for name in ("ada", "bob"):
        _write(tmp_path / f"{name}.ipynb", tiny.student_notebook(course))
    subs, problems = intake.discover(tmp_path, [tiny.NAME])
    assert [s.student for s in subs] == ["ada", "bob"] and not problems, (subs, problems)


def test_plain_folder_needs_exactly_one_lesson(tmp_path, course):
    _write(tmp_path / "ada.ipynb", tiny.student_notebook(course))
    with pytest.raises(ValueError, match="name the one lesson"):
        intake.discover(tmp_path, [tiny.NAME, "02-three-learning-rates"])


def test_nbgrader_layout_finds_each_students_lesson_notebook(tmp_path, course):
    _write(tmp_path / "ada" / tiny.NAME / f"{tiny.NAME}.ipynb", tiny.student_notebook(course))
    subs, _ = intake.discover(tmp_path, [tiny.NAME])
    assert [(s.student, s.lesson, s.folder.name) for s in subs] == [("ada", tiny.NAME, tiny.NAME)]


def test_lesson_subfolders_of_plain_files_are_understood(tmp_path, course):
    _write(tmp_path / tiny.NAME / "ada.ipynb", tiny.student_notebook(course))
    subs, _ = intake.discover(tmp_path, [tiny.NAME])
    assert [(s.student, s.lesson) for s in subs] == [("ada", tiny.NAME)]


def test_a_lesson_folder_without_a_notebook_is_reported(tmp_path):
    (tmp_path / "ada" / tiny.NAME).mkdir(parents=True)
    subs, problems = intake.discover(tmp_path, [tiny.NAME])
    assert not subs and any("holds no notebook" in p for p in problems), problems


def test_student_ids_lose_path_and_glob_characters():
    cleaned = intake.student_id("../a*b?[c] d")
    assert re.fullmatch(r"[A-Za-z0-9_.@+-]+", cleaned) and "/" not in cleaned and not cleaned.startswith("."), cleaned


def test_two_files_for_one_student_id_are_both_refused(tmp_path, course):
    _write(tmp_path / "Ada Lovelace.ipynb", tiny.student_notebook(course))
    _write(tmp_path / "Ada_Lovelace.ipynb", tiny.student_notebook(course))
    subs, problems = intake.discover(tmp_path, [tiny.NAME])
    assert not subs and sum("2 submissions map" in p for p in problems) == 2, problems


# ----------------------------------------------------------------------------- a submission's shape

def test_text_that_is_not_json_cannot_be_graded(tmp_path, lesson):
    assert _shape(tmp_path, lesson, b"{ nope").fatal.startswith("malformed notebook: not valid JSON")


def test_json_that_is_not_a_notebook_cannot_be_graded(tmp_path, lesson):
    assert _shape(tmp_path, lesson, json.dumps({"hello": 1}).encode()).fatal.startswith("malformed notebook")


def test_a_notebook_of_another_lesson_cannot_be_graded(tmp_path, lesson):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    assert "none of the cells of lesson" in _shape(tmp_path, lesson, nb).fatal


def test_the_notebook_as_handed_out_has_nothing_to_report(tmp_path, lesson, course):
    shape = _shape(tmp_path, lesson, tiny.student_notebook(course))
    assert (shape.fatal, shape.flags, shape.notes, shape.repaired) == (None, [], [], None)


def test_an_edited_locked_cell_is_only_noted(tmp_path, lesson, course):
    nb = tiny.student_notebook(course)
    nb.cells[_index(nb, "test_ex1_double")].source = "pass"
    shape = _shape(tmp_path, lesson, nb)
    assert not shape.flags and shape.notes == ["locked cell test_ex1_double was edited (nbgrader restored it)"]


def test_a_deleted_test_cell_is_flagged(tmp_path, lesson, course):
    nb = tiny.student_notebook(course)
    nb.cells.pop(_index(nb, "test_ex2_mean"))
    assert _shape(tmp_path, lesson, nb).flags == ["graded cell test_ex2_mean was deleted (nbgrader put it back)"]


def test_a_duplicated_test_cell_is_flagged_and_only_the_last_copy_keeps_its_metadata(tmp_path, lesson, course):
    nb = tiny.student_notebook(course)
    i = _index(nb, "test_ex1_double")
    twin = copy.deepcopy(nb.cells[i])
    twin.id = "twin"  # Jupyter gives a copied cell an id of its own
    nb.cells.insert(i, twin)
    shape = _shape(tmp_path, lesson, nb)
    kept = [j for j, c in enumerate(shape.repaired.cells)
            if c.metadata.get("nbgrader", {}).get("grade_id") == "test_ex1_double"]
    assert shape.flags == ["cell test_ex1_double appears 2 times (the last copy was graded)"] and kept == [i + 1]


def test_a_cell_with_an_unknown_grade_id_is_graded_as_an_ordinary_cell(tmp_path, lesson, course):
    nb = tiny.student_notebook(course)
    stray = nbformat.v4.new_code_cell("x = 1")
    stray.metadata["nbgrader"] = {"grade_id": "stolen", "solution": False, "grade": False, "locked": True,
                                  "schema_version": 3}
    nb.cells.append(stray)
    shape = _shape(tmp_path, lesson, nb)
    assert "nbgrader" not in shape.repaired.cells[-1].metadata and "'stolen'" in shape.notes[0]


def test_changed_points_are_flagged_and_put_back(tmp_path, lesson, course):
    nb = tiny.student_notebook(course)
    nb.cells[_index(nb, "test_ex2_mean")].metadata.nbgrader["points"] = 100
    shape = _shape(tmp_path, lesson, nb)
    fixed = shape.repaired.cells[_index(nb, "test_ex2_mean")].metadata.nbgrader["points"]
    assert shape.flags == ["the nbgrader settings of cell test_ex2_mean were changed (points)"] and fixed == 1


def test_an_answer_cell_turned_into_markdown_is_flagged(tmp_path, lesson, course):
    nb = tiny.student_notebook(course)
    i = _index(nb, "ex1_double")
    md = nbformat.v4.new_markdown_cell(nb.cells[i].source)
    md.metadata = nb.cells[i].metadata
    nb.cells[i] = md
    assert _shape(tmp_path, lesson, nb).flags == ["cell ex1_double was changed from code to markdown"]


# ----------------------------------------------------------------------------- the lesson

def test_bound_names_are_the_top_level_bindings_only():
    source = ("import numpy as np\nfrom math import isclose as near\nx, (y, *z) = 1, (2, 3)\n"
              "def f(a):\n    inner = a\n    return inner\nfor i in range(2):\n    pass\n"
              "with open('f') as fh:\n    pass\nif (w := 3):\n    v = 4\n%matplotlib inline")
    assert bound_names(source) == {"np", "near", "x", "y", "z", "f", "i", "fh", "w", "v"}


def test_used_names_include_those_read_inside_functions():
    assert used_names("def g():\n    return expect_close(a, b)\ng()") == {"expect_close", "a", "b", "g"}


def test_hidden_region_marks_each_line():
    kinds, hidden = hidden_region("a\n### BEGIN HIDDEN TESTS\nb\n### END HIDDEN TESTS\nc")
    assert kinds == ["visible", "marker", "hidden", "marker", "visible"] and hidden == ["b"]


def test_hidden_lines_are_those_the_students_never_saw(lesson):
    assert "_check_double(-1.25)  # hidden: a negative input" in lesson.hidden_lines
    assert not any("_check_double(3.0)" in line for line in lesson.hidden_lines)


def test_the_notebook_stored_in_notebooks_is_compared_with_a_fresh_generation(lesson):
    assert lesson.stale is False


def test_the_guard_remembers_what_the_setup_cell_gives_the_tests(lesson):
    assert {"expect_close", "fail", "np"} <= lesson.plan.record["setup"]


def test_an_edited_lesson_cell_is_not_trusted(lesson):
    source = next(iter(lesson.plan.trusted["setup"]))
    assert lesson.plan.is_trusted("setup", source) and not lesson.plan.is_trusted("setup", source + "\nx = 1")


# ----------------------------------------------------------------------------- feedback

def _failed_test_cell(lesson, lineno, evalue):
    source = lesson.cells["test_ex1_double"].source
    context = "\n".join(f"   {i + 1} {line}" for i, line in enumerate(source.split("\n")))
    cell = nbformat.v4.new_code_cell(source, execution_count=4)
    cell.metadata["nbgrader"] = dict(lesson.released.cells[_index(lesson.released, "test_ex1_double")]
                                     .metadata.nbgrader)
    cell.outputs = [nbformat.v4.new_output("error", ename="LessonCheckError", evalue=evalue, traceback=[
        "\x1b[31mLessonCheckError\x1b[39m Traceback (most recent call last)",
        f"\x1b[36mCell\x1b[39m In[4], line {lineno}\n{context}",
        f"\x1b[31mLessonCheckError\x1b[39m: {evalue}"])]
    return cell


def test_a_failed_visible_check_shows_its_message(lesson):
    v = feedback.verdict(_failed_test_cell(lesson, 5, "double(3.0): expected 6, got 5. Hint: multiply"),
                         lesson.cells["test_ex1_double"], 0, 2)
    assert v == {"passed": False, "hidden": False, "message": "double(3.0): expected 6, got 5. Hint: multiply"}


def test_a_failed_hidden_check_shows_only_its_hint(lesson):
    v = feedback.verdict(_failed_test_cell(lesson, 8, "double(-1.25): expected -2.5, got 0.75. Hint: multiply"),
                         lesson.cells["test_ex1_double"], 0, 2)
    assert v["hidden"] and v["message"] == "a hidden check failed. Hint: multiply", v


def test_sanitized_feedback_has_no_hidden_line_anywhere(lesson):
    nb = copy.deepcopy(lesson.released)
    nb.cells[_index(nb, "test_ex1_double")] = _failed_test_cell(lesson, 8, "double(-1.25): expected -2.5")
    shown, _ = feedback.sanitize(nb, lesson, {"test_ex1_double": (0, 2)})
    text = json.dumps(nbformat.from_dict(shown))
    assert not [m for m in tiny.HIDDEN_MARKERS if m in text] and "-2.5" not in text


def test_the_audit_refuses_feedback_that_still_holds_a_hidden_line(lesson):
    nb = copy.deepcopy(lesson.released)
    nb.cells.append(nbformat.v4.new_markdown_cell("_check_double(-1.25)  # hidden: a negative input"))
    with pytest.raises(feedback.FeedbackLeak):
        feedback.audit(nb, lesson.hidden_lines)


def test_rendered_feedback_has_the_summary_and_no_hidden_line(lesson):
    nb = copy.deepcopy(lesson.released)
    nb.cells[_index(nb, "test_ex1_double")] = _failed_test_cell(lesson, 8, "double(-1.25): expected -2.5")
    html, verdicts = feedback.render(nb, lesson, "ada", {"test_ex1_double": (0, 2), "test_ex2_mean": (1, 1),
                                                          "test_ex2_empty": (1, 1), "written_linear": (None, 1)})
    assert "feedback for ada" in html and "a hidden check failed" in html and "waiting for your instructor" in html
    assert not [m for m in tiny.HIDDEN_MARKERS if m in html]


# ----------------------------------------------------------------------------- result files and report

def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")
    results.atomic_write(target, b"new", 0o600)
    assert target.read_text() == "new" and os.listdir(tmp_path) == ["r.json"]
    assert target.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("change, current", [({}, True), ({"sha256": "other"}, False), ({"key": "other"}, False),
                                             ({"retry": True}, False), ({"status": "half"}, False)])
def test_a_result_is_current_only_for_the_same_submission_and_settings(change, current):
    result = {"sha256": "s", "key": "k", "status": "graded", "retry": False, **change}
    assert results.is_current(result, "s", "k") is current


def _result(student, status, score=None, reason=""):
    scores = {} if score is None else {"test_ex1_double": {"score": score, "max": 2}, "test_ex2_mean": {"score": 1, "max": 1},
                                       "test_ex2_empty": {"score": 1, "max": 1}}
    return {"student": student, "lesson": tiny.NAME, "status": status, "reason": reason, "scores": scores,
            "auto_score": None if score is None else score + 2, "sha256": "x", "notes": [], "verdicts": {},
            "written_pending": 1}


def test_the_summary_leaves_students_who_need_attention_out_of_the_statistics(lesson):
    rows = [_result("a", "graded", 2), _result("b", "graded", 0), _result("c", "not graded", reason="the kernel died"),
            _result("d", "needs manual grading", 2, reason="a cell was deleted")]
    text = report.summary_text(rows, {tiny.NAME: lesson}, {})
    assert "autograded score of the 2 graded students: mean 3.00" in text
    assert "c: not graded: the kernel died" in text and "d: needs manual grading: a cell was deleted" in text


def test_the_grades_table_has_a_status_and_no_score_for_a_student_not_graded(lesson):
    header, table = report.rows([_result("a", "graded", 2), _result("c", "not graded", reason="kernel died")],
                                {tiny.NAME: lesson}, {})
    by = {r["student"]: r for r in table}
    assert {"status", "reason", "test_ex1_double", "written_pending"} <= set(header)
    assert (by["c"]["status"], by["c"]["score"], by["c"]["test_ex1_double"]) == ("not graded", "", "")


def test_grades_entered_in_formgrader_count_in_the_table(lesson):
    _, table = report.rows([_result("a", "graded", 2)], {tiny.NAME: lesson},
                           {(tiny.NAME, "a"): {"written_linear": 1.0}})
    assert table[0]["score"] == "5" and table[0]["written_pending"] == 0


def test_progress_line_counts_each_status():
    bar = Progress(3, stream=None)
    bar.update(graded=1)
    bar.update(not_graded=1)
    assert "2/3: 1 graded, 0 flagged, 1 not graded" in bar.line()


# ----------------------------------------------------------------------------- sandbox and command line

def test_without_namespaces_the_report_says_files_and_network_are_open():
    said = sandbox.describe("none", {"as_mb": 1, "cpu_seconds": 1, "file_mb": 1, "open_files": 1, "processes": 1,
                                     "tmpfs_mb": 1, "cell_timeout": 1, "notebook_timeout": 1, "output_mb": 1})
    assert "network: not blocked" in said["not_enforced"] and any("solutions/" in s for s in said["not_enforced"])


def test_the_machine_offers_a_known_confinement():
    assert sandbox.probe_mode() in ("root", "userns", "none")


def test_a_negative_time_limit_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["grade", ".", "--cell-timeout", "-1"])
    assert exit_info.value.code == 2 and "must be > 0" in capsys.readouterr().err


def test_a_missing_submissions_folder_exits_with_2(tmp_path, course, capsys):
    code = main(["grade", str(tmp_path / "nowhere"), "--course", str(course), "--lesson", tiny.NAME,
                 "--out", str(tmp_path / "out"), "--quiet"])
    assert code == 2 and "no folder" in capsys.readouterr().err


def test_a_python_path_that_holds_the_course_is_never_shown_to_student_code(tmp_path, monkeypatch):
    from lrlab.grading.kernels import python_paths

    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(tmp_path))
    shown = python_paths(private=[course])
    assert str(tmp_path) not in shown and str(course) not in shown and any("lrlab" in p for p in shown)
