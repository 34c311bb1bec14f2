"""Grades in the CSV a learning-management system imports: Canvas or Moodle.

``lrlab export --to canvas|moodle`` reads ``grades.csv`` (written by ``lrlab grade``, with the
scores entered in formgrader already counted) and writes one file to upload:

* **Canvas** (Grades → Import): the columns ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
  column per lesson, and a ``Points Possible`` row under the header. Canvas matches a row to a student
  by ``ID``, ``SIS User ID`` or ``SIS Login ID``, so the roster should give one of them.
* **Moodle** (Grades → Import → CSV file): one identifier column and one grade column per lesson. When
  importing, map the identifier column to the Moodle user field it holds (``Email address``,
  ``Username`` or ``ID number``) and each lesson column to its grade item.

The roster (``--roster FILE``) is a CSV with a ``student`` column holding the ids ``lrlab grade``
used (the submission file or folder names) and the LMS's identities of the same people: for Canvas
``name``, ``canvas_id``, ``sis_user_id``, ``sis_login_id``, ``section``; for Moodle ``email``,
``username`` or ``idnumber``. Without a roster the student id stands for all of them.

A score is written only for a student whose status is ``graded`` and whose written answers are all
graded. A student who was *not graded* (no score at all) is left blank, never 0: a blank cell leaves
the LMS's grade as it is. A student who *needs manual grading* is also left blank until
``--include-flagged`` says their score was looked at. A student with a written answer nobody has
graded yet in formgrader (``written_pending`` in ``grades.csv``) is left blank too: their score so far
would look final in the LMS when it is not. ``--partial`` writes that score so far instead, and lists
each such cell as partial. Every blank left for one of these reasons, every partial score, and every
student missing from the roster, is listed.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from .results import GRADED, MANUAL, NOT_GRADED, atomic_write

FORMATS = ("canvas", "moodle")
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_IDENTIFIERS = {"email": "Email address", "username": "Username", "idnumber": "ID number"}


@dataclass
class Export:
    """What ``export`` wrote: the file, how many students have a score, and what needs a look."""

    path: Path
    rows: int
    scored: int
    blanks: list[str] = field(default_factory=list)  # "student, lesson: why the cell is blank"
    partial: list[str] = field(default_factory=list)  # "student, lesson: partial score ..." (with --partial)
    unmatched: list[str] = field(default_factory=list)  # graded students the roster does not list

    @property
    def exit_code(self) -> int:
        return 1 if self.blanks or self.unmatched else 0


def read_grades(path: Path) -> list[dict]:
    """The rows of a ``grades.csv`` written by ``lrlab grade``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no grades file {path}: run lrlab grade first (or give --grades)")
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    needed = {"student", "lesson", "status", "score", "max_score"}
    if rows and not needed <= set(rows[0]):
        raise ValueError(f"{path} is not a grades.csv of lrlab grade: it lacks the columns "
                         f"{sorted(needed - set(rows[0]))}")
    return rows


def read_roster(path: Path | None, fmt: str) -> dict[str, dict] | None:
    """student id -> roster row (None without a roster)."""
    if path is None:
        return None
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"--roster: no file {path}")
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        columns = [c.strip() for c in reader.fieldnames or []]
        if "student" not in columns:
            raise ValueError(f"--roster {path}: needs a 'student' column with the ids lrlab grade used; "
                             f"it has {columns}")
        roster = {}
        for row in reader:
            row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            if not row["student"]:
                continue
            if row["student"] in roster:
                raise ValueError(f"--roster {path}: student {row['student']!r} is listed twice")
            roster[row["student"]] = row
    if fmt == "moodle" and not any(k in columns for k in MOODLE_IDENTIFIERS):
        raise ValueError(f"--roster {path}: a Moodle roster needs one of the columns "
                         f"{', '.join(MOODLE_IDENTIFIERS)}; it has {columns}")
    return roster


def _pending(row: dict) -> int:
    """How many written answers of the row wait for a grader (0 in a grades.csv without the column)."""
    try:
        return int(float(row.get("written_pending") or 0))
    except ValueError:
        raise ValueError(f"grades.csv: written_pending of {row['student']}, {row['lesson']} is not a number: "
                         f"{row.get('written_pending')!r}") from None


def _score(row: dict, include_flagged: bool, partial: bool = False) -> tuple[str, str | None, str | None]:
    """(cell text, why it is blank or None, why it is partial or None)."""
    status = row["status"]
    if status == NOT_GRADED:
        return "", f"not graded ({row.get('reason') or 'no reason given'})", None
    if status == MANUAL and not include_flagged:
        return "", "needs manual grading (use --include-flagged once you have looked at it)", None
    if status not in (GRADED, MANUAL):
        return "", f"unknown status {status!r}", None
    if row["score"] == "":
        return "", "no score recorded", None
    score, pending = f"{float(row['score']):g}", _pending(row)
    if pending:
        so_far = (f"{pending} written answer{'s' if pending > 1 else ''} not graded yet; "
                  f"score so far {score} of {float(row['max_score']):g}")
        if not partial:
            return "", f"{so_far} (grade {'them' if pending > 1 else 'it'} in formgrader and run lrlab grade " \
                       f"again, or use --partial)", None
        return score, None, f"partial score: {so_far}"
    return score, None, None


def export(grades_csv: Path, fmt: str, out: Path, *, roster: Path | None = None, lessons=None,
           moodle_id: str | None = None, include_flagged: bool = False, partial: bool = False) -> Export:
    """Write the ``fmt`` CSV for the rows of ``grades_csv`` to ``out`` (see the module docstring)."""
    if fmt not in FORMATS:
        raise ValueError(f"--to must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if moodle_id is not None and moodle_id not in MOODLE_IDENTIFIERS:
        raise ValueError(f"--moodle-id must be one of {', '.join(MOODLE_IDENTIFIERS)}, got {moodle_id!r}")
    rows = read_grades(grades_csv)
    people = read_roster(roster, fmt)
    present = list(dict.fromkeys(r["lesson"] for r in rows))
    lessons = list(lessons) if lessons else present
    unknown = [name for name in lessons if name not in present]
    if unknown:
        raise ValueError(f"--lesson {', '.join(unknown)}: not in {grades_csv}; it holds {', '.join(present) or 'nothing'}")
    maximum = {r["lesson"]: r["max_score"] for r in rows}
    cells: dict[str, dict[str, str]] = {}
    blanks, partials = [], []
    for r in rows:
        if r["lesson"] not in lessons:
            continue
        text, why, part = _score(r, include_flagged, partial)
        cells.setdefault(r["student"], {})[r["lesson"]] = text
        if why:
            blanks.append(f"{r['student']}, {r['lesson']}: {why}")
        if part:
            partials.append(f"{r['student']}, {r['lesson']}: {part}")
    graded_ids = list(cells)
    unmatched = [s for s in graded_ids if people is not None and s not in people]
    order = list(people) + unmatched if people is not None else sorted(graded_ids)

    if fmt == "canvas":
        header = CANVAS_COLUMNS + lessons
        table = [["Points Possible", "", "", "", ""] + [f"{float(maximum[n]):g}" for n in lessons]]
        for student in order:
            p = (people or {}).get(student, {})
            table.append([p.get("name") or student, p.get("canvas_id", ""), p.get("sis_user_id") or
                          ("" if people is not None else student), p.get("sis_login_id", ""), p.get("section", "")]
                         + [cells.get(student, {}).get(n, "") for n in lessons])
    else:
        key = moodle_id or next((k for k in MOODLE_IDENTIFIERS if people and any(k in p for p in people.values())),
                                "username")
        header = [MOODLE_IDENTIFIERS[key]] + lessons
        table = []
        for student in order:
            ident = (people or {}).get(student, {}).get(key) or (student if people is None else "")
            if not ident:
                blanks.append(f"{student}: the roster gives no {key}; left out")
                continue
            table.append([ident] + [cells.get(student, {}).get(n, "") for n in lessons])

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(table)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, buf.getvalue().encode("utf-8"), mode=0o600)
    scored = sum(1 for s in order for n in lessons if cells.get(s, {}).get(n))
    return Export(path=out, rows=len(order), scored=scored, blanks=blanks, partial=partials,
                  unmatched=[f"{s}: graded but not in the roster (its row has no LMS identity)" for s in unmatched])
