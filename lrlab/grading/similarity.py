"""Which students' answers are most alike: one HTML report per lesson, made by copydetect. It changes no score.

``class_report(out, lesson, answers)`` writes ``out/similarity/<lesson>.html`` from the answer
cells of every submission (``answers``: ``{student: source}``), with the lesson's starter code and
the instructor's solution given to copydetect as boilerplate: what every student was handed, or
what a right answer must look like, does not count as alike. copydetect normalises names, strings
and layout (renamed variables, added comments and blank lines change nothing) and compares the
winnowed fingerprints of every pair; the report lists the pairs above :data:`THRESHOLD`, most alike
first, with the shared code highlighted. ``summary.txt`` links it and names the top pairs.

What it is for: a pair to look at, not a verdict. Two students who followed the same hint closely
can share a few lines; a pair far above the rest of the class is worth a conversation.
"""
from __future__ import annotations

import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

#: share of one student's own answer code (outside the boilerplate) found in the other's
THRESHOLD = 0.5
#: copydetect's noise and guarantee thresholds, in characters of normalised code (its defaults: 25, 30;
#: answer cells are short)
NOISE, GUARANTEE = 15, 18


@dataclass
class Pair:
    first: str
    second: str
    similarity: float  # the larger of the two shares


def answer_sources(nb) -> dict:
    """{grade_id: source} of a notebook's autograded answer cells, nbgrader's solution markers left out."""
    out = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("solution") and not meta.get("grade"):
            out[meta["grade_id"]] = re.sub(r"[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", "", cell.source)
    return out


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "student"


def class_report(out: Path, lesson, answers: dict, threshold: float = THRESHOLD) -> tuple[Path | None, list[Pair]]:
    """Write the lesson's report; returns (its path, or None when fewer than two students answered; the pairs)."""
    import matplotlib

    matplotlib.use("Agg")
    from copydetect import CopyDetector

    answers = {s: a for s, a in answers.items() if a.strip()}
    if len(answers) < 2:
        return None, []
    target = Path(out) / "similarity" / f"{lesson.name}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lrlab-similarity-") as tmp:
        students, boilerplate = Path(tmp) / "students", Path(tmp) / "boilerplate"
        students.mkdir()
        boilerplate.mkdir()
        names = {}
        for student, source in sorted(answers.items()):
            path = students / f"{_safe(student)}.py"
            path.write_text(source)
            names[str(path)] = student
        (boilerplate / "starter.py").write_text("\n\n".join(answer_sources(lesson.released).values()))
        (boilerplate / "solution.py").write_text("\n\n".join(answer_sources(lesson.source_nb).values()))
        detector = CopyDetector(test_dirs=[str(students)], boilerplate_dirs=[str(boilerplate)], extensions=["py"],
                                noise_t=NOISE, guarantee_t=GUARANTEE, display_t=threshold, autoopen=False,
                                silent=True, out_file=str(target))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # copydetect's importlib.resources call
            detector.run()
            found = detector.get_copied_code_list()
        pairs = [Pair(names[a], names[b], float(max(sa, sb))) for sa, sb, a, b, *_ in found]
        pairs.sort(key=lambda p: -p.similarity)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            html = detector.generate_html_report(output_mode="return")
        html = html.replace(str(students) + "/", "").replace(tmp, "(temporary folder)")
    target.write_text(html)
    return target, pairs


def summary_lines(path: Path | None, pairs: list[Pair], out: Path, top: int = 5) -> list[str]:
    """The lines ``summary.txt`` shows for one lesson."""
    if path is None:
        return []
    link = path.relative_to(out) if path.is_relative_to(out) else path
    if not pairs:
        return [f"   answers alike: no pair of students above {THRESHOLD:.0%} (report: {link}); scores unchanged"]
    lines = [f"   answers alike (starter code and solution discounted; scores unchanged; report: {link}):"]
    lines += [f"     {p.first} ~ {p.second}: {p.similarity:.0%}" for p in pairs[:top]]
    if len(pairs) > top:
        lines.append(f"     ... {len(pairs) - top} more pairs in the report")
    return lines


def lesson_reports(out: Path, results: list[dict], lessons: dict) -> dict:
    """{lesson: the summary's lines} after writing each lesson's report from the students' submitted notebooks."""
    import nbformat

    lines = {}
    for name, lesson in lessons.items():
        answers = {}
        for r in results:
            if r["lesson"] != name or not r.get("submitted"):
                continue
            try:
                nb = nbformat.read(r["submitted"], as_version=4)
            except Exception:  # unreadable: intake already reported it
                continue
            answers[r["student"]] = "\n\n".join(answer_sources(nb).values())
        try:
            path, pairs = class_report(out, lesson, answers)
        except Exception as err:  # a report that fails must not cost a grade
            lines[name] = [f"   answers alike: the report could not be made ({type(err).__name__}: {err})"]
            continue
        lines[name] = summary_lines(path, pairs, out)
    return lines
