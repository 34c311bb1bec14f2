"""The class's results as a grades CSV, a text summary and a figure: where did the class struggle?

``write(out, results, lessons, manual)`` writes

* ``grades.csv``: one row per student and lesson with ``status`` (graded /
  needs manual grading / not graded), ``reason``, the score, the autograded
  part, how many written answers still wait for a grader, and one column per
  graded cell (empty when not graded);
* ``summary.txt``: per lesson, how many students are in each status, the
  score distribution of every exercise (mean, share with full, partial and no
  points), the exercises ordered from hardest, the most common failure
  messages (the hints tell which misconception), and every student that was
  not graded or needs a person, with the reason;
* ``summary.png``: per lesson, the share of students with full, partial and
  no points on each test cell.

Students who were not graded or need manual grading are listed, never
averaged: the statistics use the graded students only, and say how many.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from . import similarity
from .results import GRADED, MANUAL, NOT_GRADED, atomic_write


def score_of(result: dict, lesson, manual: dict) -> tuple[float | None, dict]:
    """(total score, {grade_id: score}) with grades entered in formgrader taking precedence."""
    if result["status"] == NOT_GRADED:
        return None, {}
    entered = manual.get((result["lesson"], result["student"]), {})
    cells = {}
    for cell in lesson.graded:
        auto = result["scores"].get(cell.grade_id, {}).get("score")
        cells[cell.grade_id] = entered.get(cell.grade_id, auto)
    return sum(v or 0.0 for v in cells.values()), cells


def rows(results: list[dict], lessons: dict, manual: dict) -> tuple[list[str], list[dict]]:
    cell_columns = []
    for lesson in lessons.values():
        for cell in lesson.graded:
            if cell.grade_id not in cell_columns:
                cell_columns.append(cell.grade_id)
    header = ["student", "lesson", "status", "reason", "score", "max_score", "autograded_score",
              "autograded_max", "written_pending"] + cell_columns + ["notes", "feedback", "sha256"]
    table = []
    for r in sorted(results, key=lambda r: (r["lesson"], r["student"])):
        lesson = lessons[r["lesson"]]
        total, cells = score_of(r, lesson, manual)
        pending = sum(1 for c in lesson.graded if c.kind != "test" and cells.get(c.grade_id) is None) \
            if total is not None else r.get("written_pending", 0)
        row = {"student": r["student"], "lesson": r["lesson"], "status": r["status"], "reason": r["reason"],
               "score": "" if total is None else f"{total:g}", "max_score": f"{lesson.max_score:g}",
               "autograded_score": "" if r.get("auto_score") is None else f"{r['auto_score']:g}",
               "autograded_max": f"{lesson.auto_max:g}", "written_pending": pending,
               "notes": " | ".join(r.get("notes", [])), "feedback": f"feedback/{r['lesson']}/{r['student']}.html",
               "sha256": r["sha256"]}
        for gid in cell_columns:
            value = cells.get(gid)
            row[gid] = "" if value is None else f"{value:g}"
        table.append(row)
    return header, table


def exercise_stats(results: list[dict], lesson) -> list[dict]:
    """Per test cell of ``lesson``: n, mean fraction, shares with full/partial/no points (graded students)."""
    graded = [r for r in results if r["lesson"] == lesson.name and r["status"] == GRADED]
    stats = []
    for cell in lesson.graded:
        if cell.kind != "test":
            continue
        scores = [r["scores"].get(cell.grade_id, {}).get("score") for r in graded]
        scores = [s for s in scores if s is not None]
        n = len(scores)
        full = sum(1 for s in scores if s >= cell.points)
        zero = sum(1 for s in scores if s <= 0)
        messages = Counter()
        for r in graded:
            v = r.get("verdicts", {}).get(cell.grade_id)
            if v and not v.get("passed") and v.get("message"):
                messages[v["message"]] += 1
        stats.append({"grade_id": cell.grade_id, "points": cell.points, "n": n,
                      "mean": sum(scores) / n / cell.points if n and cell.points else float("nan"),
                      "full": full / n if n else float("nan"), "zero": zero / n if n else float("nan"),
                      "partial": (n - full - zero) / n if n else float("nan"), "messages": messages})
    return stats


def summary_text(results: list[dict], lessons: dict, manual: dict, *, enforced=None, problems=(), alike=None) -> str:
    out = io.StringIO()
    for name, lesson in lessons.items():
        mine = [r for r in results if r["lesson"] == name]
        counts = Counter(r["status"] for r in mine)
        print(f"== {name}: {len(mine)} submissions: {counts[GRADED]} graded, {counts[MANUAL]} need manual "
              f"grading, {counts[NOT_GRADED]} not graded", file=out)
        if lesson.stale:
            print(f"   warning: notebooks/{name} differs from a fresh generation of solutions/{name}: "
                  f"students may have worked on another version", file=out)
        totals = [score_of(r, lesson, manual)[0] for r in mine if r["status"] == GRADED]
        autos = [r["auto_score"] for r in mine if r["status"] == GRADED]
        if autos:
            autos_sorted = sorted(autos)
            median = autos_sorted[len(autos) // 2] if len(autos) % 2 else \
                (autos_sorted[len(autos) // 2 - 1] + autos_sorted[len(autos) // 2]) / 2
            print(f"   autograded score of the {len(autos)} graded students: mean {sum(autos) / len(autos):.2f}, "
                  f"median {median:g}, min {min(autos):g}, max {max(autos):g} (out of {lesson.auto_max:g}); "
                  f"with written answers graded so far: mean {sum(totals) / len(totals):.2f} / "
                  f"{lesson.max_score:g}", file=out)
        stats = exercise_stats(results, lesson)
        if stats and autos:
            print("   per test cell (graded students only): mean points as a share of the maximum; "
                  "full / partial / none", file=out)
            for s in stats:
                bar = "#" * int(round(20 * s["mean"])) if s["n"] else ""
                print(f"   {s['grade_id']:<40} {s['mean']:6.0%} {bar:<20} {s['full']:4.0%} / {s['partial']:4.0%} "
                      f"/ {s['zero']:4.0%}   ({s['points']:g} pt)", file=out)
            hardest = sorted((s for s in stats if s["n"]), key=lambda s: s["mean"])[:3]
            print("   where the class struggled most: " + ", ".join(
                f"{s['grade_id']} ({s['mean']:.0%})" for s in hardest), file=out)
            for s in hardest:
                for message, n in s["messages"].most_common(3):
                    print(f"     {n} x {s['grade_id']}: {message[:150]}", file=out)
        attention = [r for r in mine if r["status"] != GRADED]
        if attention:
            print("   needs your attention (left out of the statistics above):", file=out)
            for r in sorted(attention, key=lambda r: r["student"]):
                print(f"     {r['student']}: {r['status']}: {r['reason']}", file=out)
        for line in own_code_lines(mine) + (alike or {}).get(name, []):
            print(line, file=out)
        print(file=out)
    if problems:
        print("Submissions that could not be read:", file=out)
        for p in problems:
            print(f"   {p}", file=out)
        print(file=out)
    if enforced:
        print("Limits on student code in this run:", file=out)
        for line in enforced["enforced"]:
            print(f"   enforced: {line}", file=out)
        for line in enforced["not_enforced"]:
            print(f"   NOT enforced: {line}", file=out)
    return out.getvalue()


def figure(results: list[dict], lessons: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lrlab.course.plots import PALETTE

    panels = [(lesson, exercise_stats(results, lesson)) for lesson in lessons.values()]
    panels = [(lesson, s) for lesson, s in panels if s]
    if not panels:
        return
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 1.8 + 0.45 * max(len(s) for _, s in panels) * len(panels)),
                             squeeze=False, layout="constrained")
    for ax, (lesson, stats) in zip(axes[:, 0], panels):
        labels = [s["grade_id"] for s in stats]
        y = range(len(stats))
        left = [0.0] * len(stats)
        for key, colour, label in (("full", PALETTE[3], "full points"), ("partial", PALETTE[1], "partial"),
                                   ("zero", PALETTE[6], "no points")):
            widths = [100 * (s[key] if s["n"] else 0) for s in stats]
            ax.barh(list(y), widths, left=left, color=colour, label=label, edgecolor="white")
            left = [a + b for a, b in zip(left, widths)]
        n = max(s["n"] for s in stats)
        ax.set_yticks(list(y), labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("share of graded students (%)")
        ax.set_title(f"{lesson.name}: points per test cell ({n} graded students)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.3 / max(len(stats), 1)), ncol=3,
                  fontsize="small", frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    atomic_write(path, buf.getvalue())


def write(out: Path, results: list[dict], lessons: dict, manual: dict, *, enforced=None, problems=()) -> str:
    """Write grades.csv, summary.txt and summary.png into ``out``; returns the summary text."""
    header, table = rows(results, lessons, manual)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header)
    writer.writeheader()
    writer.writerows(table)
    atomic_write(out / "grades.csv", buf.getvalue().encode())
    alike = similarity.lesson_reports(out, results, lessons)  # never changes a score
    text = summary_text(results, lessons, manual, enforced=enforced, problems=problems, alike=alike)
    atomic_write(out / "summary.txt", text.encode())
    figure(results, lessons, out / "summary.png")
    return text


def own_code_lines(results: list[dict]) -> list[str]:
    """The summary's lines for answers that called lrlab's code for their exercise (those tests earned 0)."""
    found = [(r["student"], n) for r in sorted(results, key=lambda r: r["student"]) for n in r.get("notes", [])
             if n.startswith(("answer calls ", "answer called "))]
    if not found:
        return []
    return (["   answers that call lrlab's code for their exercise (those tests failed; see README, \"Borrowed "
             "answers and copies\"):"] + [f"     {student}: {note}" for student, note in found])
