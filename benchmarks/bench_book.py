"""What the book's frames cost: the public edition built from nothing with the controls as frames and as
static widgets, its build time and its size.

Each build runs in a temporary folder with an empty execution cache (every page executed, as in a fresh
clone or CI), one after the other, ``--repeats`` times; prints the median wall time, the size of the
site (``html/``) and of the lesson pages with controls.
Run:  .venv/bin/python benchmarks/bench_book.py [--repeats 1] [--edition public]
(the machine is shared: the two kinds alternate, so load changes hit both).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("lrlab_book_build", ROOT / "book" / "build.py")
build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build)

#: lesson pages that show an lrlab control (the intro page shows one too)
CONTROL_PAGES = ["intro.html", "01-shower-knob/01-shower-knob.html",
                 "02-three-learning-rates/02-three-learning-rates.html", "04-lr-finder/04-lr-finder.html",
                 "05-schedules/05-schedules.html", "06-optimizers/06-optimizers.html"]


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def once(controls: str, edition: str) -> tuple[float, int, int]:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="lrlab-bench-book-") as tmp:
        start = time.perf_counter()
        html = build.build(edition, build_dir=Path(tmp), controls=controls, hub="")
        seconds = time.perf_counter() - start
        print(f"[bench] {controls}: 1-minute load {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end",
              flush=True)
        return seconds, size(html), sum(size(html / page) for page in CONTROL_PAGES if (html / page).exists())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--edition", choices=build.EDITIONS, default="public")
    args = ap.parse_args(argv)
    build.install_assets()  # npm ci (once): not part of either build's time
    runs = {c: [] for c in ("widgets", "frames")}
    for _ in range(args.repeats):
        for controls in runs:
            runs[controls].append(once(controls, args.edition))
            print(f"[bench] {controls}: {runs[controls][-1][0]:.1f} s", flush=True)
    print(f"\n{args.edition} edition from an empty cache (medians of {args.repeats})")
    print(f"{'controls':10s} {'build':>9s} {'site':>10s} {'pages with controls':>21s}")
    for controls, rows in runs.items():
        t = statistics.median(r[0] for r in rows)
        print(f"{controls:10s} {t:8.1f}s {statistics.median(r[1] for r in rows) / 1e6:8.2f}MB "
              f"{statistics.median(r[2] for r in rows) / 1e6:19.2f}MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
