"""What the book's frames cost, control by control, without building the book.

For each page that shows an lrlab control (the introduction and lessons 01, 02, 04, 05, 06), one
kernel runs the page's code up to and including the control's cell (as the book's build runs it),
then times ``control.frames_html()`` (what the build adds for that control: every frame computed,
drawn, described and encoded) ``--repeats`` times, and with ``--profile`` prints where the first
run's time goes (cProfile, top functions by cumulative time). Prints per control: frames, seconds
(median), bytes of HTML.

Run:  .venv/bin/python benchmarks/bench_frames.py [--repeats 3] [--profile] [--only 05]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # as book/build.py runs its kernels
    os.environ.setdefault(_var, "1")
os.environ["LRLAB_BOOK_CONTROLS"] = "frames"
CONTROL = re.compile(r"\b(LRExplorer|ShowerKnob|FinderViewer|ScheduleBuilder|OptimizerRace)\(")

TIMER = """
import cProfile, io, json, pstats, statistics, time
_control = Out[max(Out)]  # the control cell's value (`_` is not kept when a lesson assigns `_`)
_times, _size, _prof = [], 0, None
for _i in range({repeats}):
    _p = cProfile.Profile() if ({profile} and _i == 0) else None
    _t = time.perf_counter()
    if _p: _p.enable()
    _html = _control.frames_html()
    if _p: _p.disable(); _prof = _p
    _times.append(time.perf_counter() - _t)
    _size = len(_html)
_out = io.StringIO()
if _prof:
    pstats.Stats(_prof, stream=_out).sort_stats("cumulative").print_stats(28)
print(json.dumps({{"control": type(_control).__name__, "frames": _html.count('"value":'), "times": _times,
                  "bytes": _size, "profile": _out.getvalue()}}))
"""


def pages(root: Path = ROOT) -> dict[str, list[str]]:
    """The code cells of each page with a control, up to and including the control's cell."""
    out = {}
    intro = (root / "book" / "pages" / "intro.md").read_text(encoding="utf-8")
    cells = re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", intro, re.S)
    cells = [re.sub(r"^:tags:.*\n\n?", "", c) for c in cells]
    out["intro"] = next(cells[:i + 1] for i, c in enumerate(cells) if CONTROL.search(c))
    for nb_path in sorted((root / "solutions").glob("*/*.ipynb")):
        code = [c.source for c in nbformat.read(nb_path, as_version=4).cells if c.cell_type == "code"]
        hit = next((i for i, c in enumerate(code) if CONTROL.search(c) and "import" not in c.split("\n")[-1]), None)
        if hit is not None:
            out[nb_path.parent.name] = code[:hit + 1]
    return out


def measure(name: str, code: list[str], repeats: int, profile: bool) -> dict:
    cells = [nbformat.v4.new_code_cell(c) for c in code]
    cells.append(nbformat.v4.new_code_cell(TIMER.format(repeats=repeats, profile=profile)))
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                       "display_name": "Python 3"}})
    folder = ROOT / "solutions" / name if name != "intro" else ROOT / "book" / "pages"
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return json.loads(text.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--only", default="", help="pages whose name starts with this")
    args = ap.parse_args(argv)
    total = 0.0
    print(f"{'page':28s} {'control':16s} {'frames':>6s} {'median s':>9s} {'runs s':>22s} {'HTML kB':>8s}")
    for name, code in pages().items():
        if not name.startswith(args.only):
            continue
        r = measure(name, code, args.repeats, args.profile)
        med = statistics.median(r["times"])
        total += med
        print(f"{name:28s} {r['control']:16s} {r['frames']:6d} {med:9.2f} "
              f"{' '.join(f'{t:.2f}' for t in r['times']):>22s} {r['bytes'] / 1e3:8.0f}", flush=True)
        if args.profile:
            print(r["profile"])
    print(f"{'all controls':28s} {'':16s} {'':6s} {total:9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
