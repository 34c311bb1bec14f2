"""``lrlab export``: grades.csv as the CSV Canvas and Moodle import, exact headers and values.

A not-graded student is blank (never 0), a flagged one blank unless ``--include-flagged``, one with a
written answer nobody has graded yet blank unless ``--partial``; all are listed, and blanks make the
exit code 1. The CLI is run as instructors run it.
"""
import csv
import os
import subprocess
import sys

import pytest

from lrlab.grading.export import export

LRLAB = os.path.join(os.path.dirname(sys.executable), "lrlab")
GRADES_HEADER = ("student,lesson,status,reason,score,max_score,autograded_score,autograded_max,written_pending,"
                 "test_ex1,notes,feedback,sha256")
GRADES = [
    "ada,02-three-learning-rates,graded,,15.5,16,14,14,0,2,,feedback/x.html,aa",
    "bob,02-three-learning-rates,graded,,0,16,0,14,0,0,,feedback/x.html,bb",
    "eve,02-three-learning-rates,not graded,the kernel died (exited with code 0) in cell ex2_train,,16,,14,0,,,,cc",
    "mal,02-three-learning-rates,needs manual grading,a graded cell was deleted,9,16,9,14,0,2,,feedback/x.html,dd",
    "ada,03-choosing-a-rate,graded,,12,15,12,13,1,1,,feedback/y.html,ee",  # a written answer not graded yet
]
PENDING = ("ada, 03-choosing-a-rate: 1 written answer not graded yet; score so far 12 of 15 (grade it in "
           "formgrader and run lrlab grade again, or use --partial)")
ROSTER = """student,name,canvas_id,sis_user_id,sis_login_id,section,email,username,idnumber
ada,Ada Lovelace,101,S-1,ada@uni,Mon,ada@uni.example,ada,1001
bob,Bob Smith,102,S-2,bob@uni,Tue,bob@uni.example,bobs,1002
eve,Eve Jones,103,S-3,eve@uni,Tue,eve@uni.example,evej,1003
mal,Mal Reynolds,104,S-4,mal@uni,Mon,mal@uni.example,malr,1004
zed,Zed Absent,105,S-5,zed@uni,Mon,zed@uni.example,zed,1005
"""


@pytest.fixture
def grades(tmp_path):
    path = tmp_path / "grades" / "grades.csv"
    path.parent.mkdir()
    path.write_text("\n".join([GRADES_HEADER, *GRADES]) + "\n")
    return path


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    return path


def rows(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def lrlab_export(*args, cwd):
    return subprocess.run([LRLAB, "export", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_canvas_file_has_canvas_columns_points_row_and_one_column_per_lesson(grades, roster, tmp_path):
    done = export(grades, "canvas", tmp_path / "canvas.csv", roster=roster)
    assert rows(done.path) == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "02-three-learning-rates", "03-choosing-a-rate"],
        ["Points Possible", "", "", "", "", "16", "15"],
        ["Ada Lovelace", "101", "S-1", "ada@uni", "Mon", "15.5", ""],
        ["Bob Smith", "102", "S-2", "bob@uni", "Tue", "0", ""],
        ["Eve Jones", "103", "S-3", "eve@uni", "Tue", "", ""],
        ["Mal Reynolds", "104", "S-4", "mal@uni", "Mon", "", ""],
        ["Zed Absent", "105", "S-5", "zed@uni", "Mon", "", ""],
    ]


def test_a_real_zero_is_kept_but_not_graded_and_flagged_students_are_blank_and_listed(grades, roster, tmp_path):
    done = export(grades, "canvas", tmp_path / "canvas.csv", roster=roster)
    assert done.blanks == [
        "eve, 02-three-learning-rates: not graded (the kernel died (exited with code 0) in cell ex2_train)",
        "mal, 02-three-learning-rates: needs manual grading (use --include-flagged once you have looked at it)",
        PENDING,
    ]
    assert done.scored == 2 and done.partial == [] and done.exit_code == 1


def test_partial_writes_the_score_so_far_of_a_pending_written_answer_and_lists_it(grades, roster, tmp_path):
    done = export(grades, "canvas", tmp_path / "canvas.csv", roster=roster, partial=True)
    assert [row[5:] for row in rows(done.path)[1:]] == [["16", "15"], ["15.5", "12"], ["0", ""], ["", ""],
                                                         ["", ""], ["", ""]]
    assert done.partial == ["ada, 03-choosing-a-rate: partial score: 1 written answer not graded yet; "
                            "score so far 12 of 15"]
    assert [b.split(":")[0] for b in done.blanks] == ["eve, 02-three-learning-rates", "mal, 02-three-learning-rates"]
    assert done.scored == 3 and done.exit_code == 1


def test_a_flagged_student_with_a_pending_written_answer_needs_both_options(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("\n".join([GRADES_HEADER, "mal,02-three-learning-rates,needs manual grading,a graded cell was "
                                             "deleted,9,16,9,14,2,2,,feedback/x.html,dd"]) + "\n")
    reviewed = export(path, "moodle", tmp_path / "m.csv", include_flagged=True)
    assert rows(reviewed.path) == [["Username", "02-three-learning-rates"], ["mal", ""]]
    assert reviewed.blanks == ["mal, 02-three-learning-rates: 2 written answers not graded yet; score so far 9 of "
                               "16 (grade them in formgrader and run lrlab grade again, or use --partial)"]
    both = export(path, "moodle", tmp_path / "m.csv", include_flagged=True, partial=True)
    assert rows(both.path)[1] == ["mal", "9"] and both.blanks == [] and both.exit_code == 0
    assert both.partial == ["mal, 02-three-learning-rates: partial score: 2 written answers not graded yet; "
                            "score so far 9 of 16"]


def test_a_grades_file_without_the_pending_column_is_read_as_nothing_pending(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("student,lesson,status,reason,score,max_score\nada,03-choosing-a-rate,graded,,12,15\n")
    done = export(path, "moodle", tmp_path / "m.csv")
    assert rows(done.path) == [["Username", "03-choosing-a-rate"], ["ada", "12"]] and done.exit_code == 0


def test_a_pending_count_that_is_not_a_number_is_named(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("student,lesson,status,reason,score,max_score,written_pending\n"
                    "ada,03-choosing-a-rate,graded,,12,15,two\n")
    with pytest.raises(ValueError, match="written_pending of ada, 03-choosing-a-rate is not a number: 'two'"):
        export(path, "moodle", tmp_path / "m.csv")


def test_include_flagged_writes_the_reviewed_score(grades, roster, tmp_path):
    done = export(grades, "canvas", tmp_path / "canvas.csv", roster=roster, include_flagged=True)
    assert rows(done.path)[5][5] == "9"
    assert rows(done.path)[4][5] == "", "a student who was not graded stays blank whatever the flags"


def test_moodle_file_has_one_identifier_column_and_one_grade_column_per_lesson(grades, roster, tmp_path):
    done = export(grades, "moodle", tmp_path / "moodle.csv", roster=roster, lessons=["02-three-learning-rates"])
    assert rows(done.path) == [
        ["Email address", "02-three-learning-rates"],
        ["ada@uni.example", "15.5"],
        ["bob@uni.example", "0"],
        ["eve@uni.example", ""],
        ["mal@uni.example", ""],
        ["zed@uni.example", ""],
    ]


def test_moodle_identifier_can_be_chosen(grades, roster, tmp_path):
    done = export(grades, "moodle", tmp_path / "m.csv", roster=roster, moodle_id="idnumber",
                  lessons=["02-three-learning-rates"])
    assert rows(done.path)[:3] == [["ID number", "02-three-learning-rates"], ["1001", "15.5"], ["1002", "0"]]


def test_without_a_roster_the_student_id_identifies_the_student(grades, tmp_path):
    done = export(grades, "moodle", tmp_path / "m.csv", lessons=["02-three-learning-rates"])
    assert rows(done.path) == [["Username", "02-three-learning-rates"], ["ada", "15.5"], ["bob", "0"],
                               ["eve", ""], ["mal", ""]]
    canvas = export(grades, "canvas", tmp_path / "c.csv")
    assert rows(canvas.path)[2] == ["ada", "", "ada", "", "", "15.5", ""]


def test_graded_students_missing_from_the_roster_are_written_and_reported(grades, tmp_path):
    short = tmp_path / "short.csv"
    short.write_text("student,name,sis_user_id\nada,Ada Lovelace,S-1\n")
    done = export(grades, "canvas", tmp_path / "c.csv", roster=short)
    assert [r[0] for r in rows(done.path)[2:]] == ["Ada Lovelace", "bob", "eve", "mal"]
    assert done.unmatched[0].startswith("bob: graded but not in the roster") and done.exit_code == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"fmt": "blackboard"}, "--to must be one of canvas, moodle"),
    ({"fmt": "moodle", "moodle_id": "nickname"}, "--moodle-id must be one of email, username, idnumber"),
    ({"fmt": "canvas", "lessons": ["09-nothing"]}, "--lesson 09-nothing: not in"),
])
def test_bad_arguments_are_named(grades, tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        export(grades, out=tmp_path / "x.csv", **kwargs)


def test_roster_problems_are_named(grades, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nAda,a@x\n")
    with pytest.raises(ValueError, match="needs a 'student' column"):
        export(grades, "canvas", tmp_path / "x.csv", roster=bad)
    twice = tmp_path / "twice.csv"
    twice.write_text("student,email\nada,a@x\nada,b@x\n")
    with pytest.raises(ValueError, match="'ada' is listed twice"):
        export(grades, "moodle", tmp_path / "x.csv", roster=twice)
    no_id = tmp_path / "noid.csv"
    no_id.write_text("student,name\nada,Ada\n")
    with pytest.raises(ValueError, match="a Moodle roster needs one of the columns email, username, idnumber"):
        export(grades, "moodle", tmp_path / "x.csv", roster=no_id)


def test_cli_writes_next_to_the_grades_and_exits_1_when_cells_are_blank(grades, roster, tmp_path):
    proc = lrlab_export("--to", "canvas", "--roster", str(roster), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert (tmp_path / "grades" / "canvas-grades.csv").is_file()
    assert "eve, 02-three-learning-rates: not graded" in proc.stderr
    assert f"lrlab export: {PENDING}" in proc.stderr
    assert "5 student(s), 2 score(s) written, 3 left blank" in proc.stderr


def test_cli_exits_0_when_every_student_has_a_score(grades, tmp_path):
    proc = lrlab_export("--to", "moodle", "--lesson", "03-choosing-a-rate", "--out", "m.csv", "--partial",
                        cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert rows(tmp_path / "m.csv") == [["Username", "03-choosing-a-rate"], ["ada", "12"]]
    assert ("lrlab export: ada, 03-choosing-a-rate: partial score: 1 written answer not graded yet; score so far "
            "12 of 15") in proc.stderr
    assert "1 student(s), 1 score(s) written, 0 left blank, 1 partial" in proc.stderr


def test_cli_leaves_a_pending_written_answer_blank_without_partial(grades, tmp_path):
    proc = lrlab_export("--to", "moodle", "--lesson", "03-choosing-a-rate", "--out", "m.csv", cwd=tmp_path)
    assert proc.returncode == 1 and f"lrlab export: {PENDING}" in proc.stderr, proc.stderr
    assert rows(tmp_path / "m.csv") == [["Username", "03-choosing-a-rate"], ["ada", ""]]


def test_cli_says_what_is_missing(tmp_path):
    proc = lrlab_export("--to", "canvas", cwd=tmp_path)
    assert proc.returncode == 2 and "no grades file grades/grades.csv: run lrlab grade first" in proc.stderr
