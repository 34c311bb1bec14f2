"""How long each lesson takes to execute top to bottom (target: ≤ 8 s of cell execution on an idle machine,
so that a loaded one stays under the 10 s budget).

Runs every solution notebook with nbclient in a fresh kernel, a few times, and prints the median wall
time with and without the kernel start-up; then the same lesson as a learner runs it: the solution
notebook without its hidden tests (the student notebook with the model answers in place), whose cells
only the grader runs.
Run:  .venv/bin/python benchmarks/bench_notebooks.py [--repeats 3] [02 09 ...]
(name lesson numbers to run only those, in the order given: on a shared machine, a baseline lesson run
right before the one measured).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book"))
from transforms import strip_region  # noqa: E402 - the book's own region stripper
# every study computed, never read back from a cache (lrlab._cache): what a learner's fresh kernel does
os.environ.pop("LRLAB_STUDY_CACHE", None)


HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


def as_learner(nb):
    """``nb`` without the hidden tests: what a learner who wrote the model answers runs."""
    for cell in nb.cells:
        if cell.cell_type == "code" and HIDDEN[0] in cell.source:
            cell.source = strip_region(cell.source, HIDDEN)
    return nb


def run_once(path: Path, learner: bool = False) -> tuple[float, float]:
    nb = nbformat.read(path, as_version=4)
    if learner:
        nb = as_learner(nb)
    client = NotebookClient(nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    with client.setup_kernel():
        t1 = time.perf_counter()
        for i, cell in enumerate(nb.cells):
            client.execute_cell(cell, i)
        t2 = time.perf_counter()
    return t2 - t0, t2 - t1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("lessons", nargs="*", help="lesson numbers (02 09); default: every lesson")
    args = ap.parse_args()
    print(f"{'lesson':32s} {'with kernel start':>18s} {'cells only':>12s} {'as a learner runs it':>22s}"
          f"  (medians of {args.repeats}, interleaved)")
    paths = sorted(ROOT.glob("solutions/*/*.ipynb"))
    if args.lessons:
        paths = [p for n in args.lessons for p in paths if p.parent.name.startswith(n)]
    for path in paths:
        runs, learner = [], []
        for _ in range(args.repeats):
            runs.append(run_once(path))
            learner.append(run_once(path, learner=True))
        total = statistics.median(r[0] for r in runs)
        cells = statistics.median(r[1] for r in runs)
        mine = statistics.median(r[1] for r in learner)
        flag = "ok" if cells <= 8 else "over 8 s (target)" if cells <= 10 else "OVER the 10 s budget"
        print(f"{path.parent.name:32s} {total:16.2f} s {cells:10.2f} s {mine:20.2f} s  {flag}")


if __name__ == "__main__":
    main()
