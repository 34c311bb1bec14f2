"""The class's results as a grades CSV, a text summary and a figure: where did the class struggle?

``write(out, results, lessons, manual)`` writes

* ``grades.csv``: one row per student and lesson with ``status`` (graded /
  needs manual grading / not graded), ``reason``, the score, the autograded
  part, how many written answers still wait for a grader, and one column per
  graded cell (empty when not graded);
* ``summary.txt``: per lesson, how many students are in each status, the
  score distribution of every exercise (mean, share with full, partial and no
  points), the tests the class struggled with most (or that no test was
  missed), per test the mistakes the checks named, counted over the class,
  and every student that was not graded or needs a person, with the reason;
* ``summary.png``: per lesson, the share of students with full, partial and
  no points on each test cell;
* ``mistakes.png``: the same mistake counts as bars (only when a test was
  missed).

A mistake is read from the verdict of a failed test (``feedback.verdict``,
taken from the graded notebook's output): the hint of the check that failed
names it ("the bias correction is missing: divide m by ..."), and its words
before the first colon are the mistake's name ("the bias correction is
missing"). A failure
without a hint is counted by what happened: not answered, an error raised, a
hidden case failed, the time limit.

Students who were not graded or need manual grading are listed, never
averaged: the statistics use the graded students only, and say how many.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

from . import similarity
from .feedback import GENERIC_HINT
from .results import GRADED, MANUAL, NOT_GRADED, atomic_write

MISTAKE_CHARS = 90  # a mistake's name is cut to this length
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w.])")
_ERROR_NAME = re.compile(r"^([A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt))\b")


def _clause(hint: str) -> str:
    """A hint's words before its first colon, which name the mistake (after it: how to fix it), cut to a readable
    length."""
    cut = hint.find(": ")
    name = (hint[:cut] if cut > 0 else hint).strip().rstrip(".")
    if len(name) > MISTAKE_CHARS:
        name = name[:MISTAKE_CHARS].rsplit(" ", 1)[0] + " …"
    return name


def mistake_of(verdict: dict) -> str:
    """The mistake a failed test's verdict names, in a few words (see the module docstring)."""
    message = str(verdict.get("message", ""))
    if "Hint:" in message:
        hint = message.split("Hint:", 1)[1].strip()
        if hint.startswith(GENERIC_HINT[:40]):
            raised = re.search(r"your code raised (\w+)", message)
            return f"raised {raised.group(1)} in a hidden case" if raised else "a hidden case failed (no hint names it)"
        return _clause(hint)
    if message.startswith("the answer is not written yet"):
        return "not answered (still raises NotImplementedError)"
    if message.startswith("the test ran past the time limit"):
        return "ran past the time limit"
    if message.startswith("your code wrote to stderr"):
        return "wrote to stderr (a warning?)"
    error = _ERROR_NAME.match(message)
    if error:
        return f"raised {error.group(1)}"
    if message.startswith("no points for this test"):
        return "no points, no error shown"
    return "a wrong result no hint names"


def mistakes_by_test(results: list[dict], lesson) -> dict[str, Counter]:
    """{test grade_id: Counter(mistake -> graded students whose failure names it)}, for the failed tests."""
    found: dict[str, Counter] = {}
    spelled: dict[str, set] = {}  # the same mistake with other numbers in it: one entry, its numbers shown as N
    for r in results:
        if r["lesson"] != lesson.name or r["status"] != GRADED:
            continue
        for gid, v in r.get("verdicts", {}).items():
            if v and not v.get("passed"):
                name = mistake_of(v)
                key = _NUMBER.sub("N", name)
                spelled.setdefault(key, set()).add(name)
                found.setdefault(gid, Counter())[key] += 1
    shown = {key: next(iter(names)) if len(names) == 1 else key for key, names in spelled.items()}
    return {gid: Counter({shown[key]: n for key, n in counts.items()}) for gid, counts in found.items()}


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
    mistakes = mistakes_by_test(results, lesson)
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
                      "partial": (n - full - zero) / n if n else float("nan"), "messages": messages,
                      "mistakes": mistakes.get(cell.grade_id, Counter())})
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
            missed = sorted((s for s in stats if s["n"] and s["full"] < 1), key=lambda s: s["mean"])
            if not missed:
                print(f"   no test was missed: all {len(autos)} graded students got full points on every test cell",
                      file=out)
            else:
                print("   where the class struggled most: " + ", ".join(
                    f"{s['grade_id']} ({s['mean']:.0%})" for s in missed[:3]), file=out)
                print("   what the students who missed a test got wrong, as the checks named it (the first words of "
                      "the hint they saw):", file=out)
                for s in missed:
                    print(f"     {s['grade_id']} ({s['mean']:.0%} of its points on average):", file=out)
                    for mistake, n in _top(s["mistakes"]):
                        print(f"       {n:4d} student{'s' if n != 1 else ' '}  {mistake}", file=out)
                print("   (the same counts: mistakes.png)", file=out)
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


def _top(mistakes: Counter, most: int = 5) -> list[tuple[str, int]]:
    """The ``most`` most common mistakes, then the rest as one line."""
    ranked = sorted(mistakes.items(), key=lambda item: (-item[1], item[0]))
    shown, rest = ranked[:most], ranked[most:]
    if rest:
        shown.append((f"other failures ({len(rest)} kinds)", sum(n for _, n in rest)))
    return shown


def mistakes_figure(results: list[dict], lessons: dict, path: Path) -> str | None:
    """Bars of the mistakes per test cell (``mistakes_by_test``) into ``path``; returns its description in words.

    Nothing is written (and an old figure is removed) when no graded student missed a test.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lrlab.course.plots import PALETTE

    panels = []
    for lesson in lessons.values():
        graded = sum(1 for r in results if r["lesson"] == lesson.name and r["status"] == GRADED)
        by_test = mistakes_by_test(results, lesson)
        bars = [(gid, mistake, n) for cell in lesson.graded if cell.grade_id in by_test
                for gid in [cell.grade_id] for mistake, n in _top(by_test[gid])]
        if bars:
            panels.append((lesson, graded, bars))
    if not panels:
        path.unlink(missing_ok=True)
        return None
    heights = [len(bars) for _, _, bars in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(10, 1.2 * len(panels) + 0.32 * sum(heights)), squeeze=False,
                             layout="constrained", height_ratios=[h + 2 for h in heights])
    described = []
    for ax, (lesson, graded, bars) in zip(axes[:, 0], panels):
        tests = list(dict.fromkeys(gid for gid, _, _ in bars))
        colours = [PALETTE[(1 + tests.index(gid)) % len(PALETTE)] for gid, _, _ in bars]
        y = list(range(len(bars)))
        ax.barh(y, [n for _, _, n in bars], color=colours, edgecolor="black", linewidth=0.5)
        ax.set_yticks(y, [f"{gid}: {mistake if len(mistake) <= 60 else mistake[:58] + ' …'}"
                          for gid, mistake, _ in bars], fontsize="small")
        ax.invert_yaxis()
        for yi, (_, _, n) in zip(y, bars):
            ax.annotate(f"{n}", (n, yi), xytext=(3, 0), textcoords="offset points", va="center", fontsize="small")
        ax.set_xlim(0, max(graded, max(n for _, _, n in bars)) * 1.08)
        ax.set_xlabel(f"graded students whose failure names the mistake (of {graded})")
        ax.set_title(f"{lesson.name}: what the students who missed a test got wrong ({graded} graded students)")
        described.append(f"{lesson.name}: " + "; ".join(f"{gid}: {n} × {mistake}" for gid, mistake, n in bars))
    description = ("Horizontal bars, one per mistake the checks named, grouped and coloured by test cell; the x axis "
                   "counts graded students. " + " | ".join(described))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Title": "Mistakes per test cell", "Description": description})
    plt.close(fig)
    atomic_write(path, buf.getvalue())
    return description


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
    mistakes_figure(results, lessons, out / "mistakes.png")
    return text


def own_code_lines(results: list[dict]) -> list[str]:
    """The summary's lines for answers that called lrlab's code for their exercise (those tests earned 0)."""
    found = [(r["student"], n) for r in sorted(results, key=lambda r: r["student"]) for n in r.get("notes", [])
             if n.startswith(("answer calls ", "answer called "))]
    if not found:
        return []
    return (["   answers that call lrlab's code for their exercise (those tests failed; see README, \"Borrowed "
             "answers and copies\"):"] + [f"     {student}: {note}" for student, note in found])
