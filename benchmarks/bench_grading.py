"""Benchmark (c): grading a class of lesson 02: ``lrlab grade`` against one ``nbgrader autograde``.

Both grade the same submissions (a mix of right answers, blank notebooks and the usual mistakes,
``tests/adversarial/classes.py``) in identical, separate course folders, side by side in one run;
with ``--rounds 2`` or more the order alternates (nbgrader first, then lrlab first) and medians are
reported. Each command is timed from its start to its end, as an instructor would wait for it:

* ``nbgrader``   ``nbgrader autograde LESSON --force``: one process for the class (the faster way
                 to use nbgrader: one process per student is slower still);
* ``lrlab``      ``lrlab grade submitted --lesson LESSON``: the default (sandboxed kernels, figures
                 not drawn, feedback HTML for every student, course gradebook updated);
* ``lrlab+fig``  the same with ``--figures`` (draws every figure, as nbgrader does).

After timing, every student's points per test cell are compared between nbgrader and lrlab: the
speed must not change a single grade. Target: nbgrader / lrlab >= 2 for 60 students.

Run:  .venv/bin/python benchmarks/bench_grading.py [--students 60] [--rounds 1] [--no-figures-run]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import nbformat  # noqa: E402

from adversarial.classes import LESSON, lesson02_class  # noqa: E402

BIN = Path(sys.executable).parent
ENV = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


def make_course(folder: Path, klass: dict) -> Path:
    """A course folder with lesson 02 registered in its gradebook and the class in submitted/."""
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions" / LESSON, folder / "solutions" / LESSON)
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", LESSON, "--force", "--log-level=ERROR"],
                   cwd=folder, env=ENV, check=True)
    for student, nb in klass.items():
        target = folder / "submitted" / student / LESSON
        target.mkdir(parents=True)
        nbformat.write(nb, target / f"{LESSON}.ipynb")
    return folder


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # lrlab exits 1 when something needs attention; nbgrader never here
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return seconds


def run_nbgrader(course: Path) -> float:
    shutil.rmtree(course / "autograded", ignore_errors=True)
    return timed([str(BIN / "nbgrader"), "autograde", LESSON, "--force", "--log-level=ERROR"], course)


def run_lrlab(course: Path, figures: bool) -> float:
    shutil.rmtree(course / "grades", ignore_errors=True)
    cmd = [str(BIN / "lrlab"), "grade", "submitted", "--lesson", LESSON, "--quiet"] + (["--figures"] if figures else [])
    return timed(cmd, course)


def nbgrader_scores(course: Path) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / '.nbgrader' / 'gradebook.db'}") as gb:
        return {s.student.id: {g.name: g.auto_score for g in s.notebooks[0].grades}
                for s in gb.find_assignment(LESSON).submissions}


def lrlab_scores(course: Path) -> dict:
    found = {}
    for path in (course / "grades" / ".lrlab" / "results" / LESSON).glob("*.json"):
        result = json.loads(path.read_text())
        found[result["student"]] = {g: v["score"] for g, v in result["scores"].items()}
        if result["status"] != "graded":
            found[result["student"]]["why"] = f"{result['status']}: {result['reason']}"
    return found


def compare(reference: dict, mine: dict) -> list[str]:
    problems = []
    for student, scores in sorted(reference.items()):
        got = mine.get(student)
        if got is None:
            problems.append(f"{student}: missing from lrlab's results")
            continue
        if "why" in got:
            problems.append(f"{student}: lrlab says {got['why']}")
            continue
        for cell, score in scores.items():
            if cell.startswith("written_"):
                continue  # graded by hand: neither autograder gives points
            if got.get(cell) != score:
                problems.append(f"{student} {cell}: nbgrader {score}, lrlab {got.get(cell)}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-figures-run", action="store_true", help="skip the lrlab --figures timing")
    args = parser.parse_args(argv)
    released = nbformat.read(ROOT / "notebooks" / LESSON / f"{LESSON}.ipynb", as_version=4)
    solution = nbformat.read(ROOT / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
    klass = lesson02_class(released, solution, args.students)
    tmp = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        courses = {name: make_course(tmp / name, klass) for name in ("nbgrader", "lrlab", "lrlab+fig")}
        runners = {"nbgrader": lambda: run_nbgrader(courses["nbgrader"]),
                   "lrlab": lambda: run_lrlab(courses["lrlab"], figures=False)}
        if not args.no_figures_run:
            runners["lrlab+fig"] = lambda: run_lrlab(courses["lrlab+fig"], figures=True)
        times = {name: [] for name in runners}
        for r in range(args.rounds):
            order = list(runners) if r % 2 == 0 else list(reversed(runners))
            for name in order:
                seconds = runners[name]()
                times[name].append(seconds)
                print(f"round {r + 1}: {name:<10} {seconds:7.1f} s", flush=True)
        problems = compare(nbgrader_scores(courses["nbgrader"]), lrlab_scores(courses["lrlab"]))
        if "lrlab+fig" in runners:
            problems += compare(nbgrader_scores(courses["nbgrader"]), lrlab_scores(courses["lrlab+fig"]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    med = {name: statistics.median(t) for name, t in times.items()}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n{args.students} submissions of {LESSON}; {os.cpu_count()} CPUs; Python {platform.python_version()}; "
          f"load average at the end {load:.2f}")
    print(f"{'command':<12} {'median s':>9} {'s/student':>10}")
    for name, seconds in med.items():
        print(f"{name:<12} {seconds:9.1f} {seconds / args.students:10.2f}")
    print(f"\nnbgrader / lrlab      = {med['nbgrader'] / med['lrlab']:.2f}x   (target >= 2)")
    if "lrlab+fig" in med:
        print(f"nbgrader / lrlab+fig  = {med['nbgrader'] / med['lrlab+fig']:.2f}x   (figures drawn too)")
    print(f"grades identical to nbgrader's: {'yes' if not problems else 'NO'}")
    for line in problems[:20]:
        print("  ", line)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
