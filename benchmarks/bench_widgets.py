"""Benchmark (c): how long the LR explorer takes to redraw after a slider change, in a real kernel.

Target: median ≤ 50 ms from "slider value set" to "new PNG sent" for ``LRExplorer`` at 500
steps. The code runs inside an ipykernel started with jupyter_client, so the time includes
the widget messages the kernel sends (the PNG travels in the Output widget's state). Three
ways of redrawing, timed side by side with interleaved rounds (medians reported):

* ``explorer``   ``LRExplorer`` as shipped: ``lrlab.train.engine.sweep`` for the numbers, one
  figure kept for good, the still parts kept as a bitmap and only the moving lines
  redrawn (blitting), PNG written by Pillow;
* ``full-draw``  the same explorer with the bitmap thrown away before each change, so the
  whole reused figure is drawn again (what reusing figure and artists alone gives);
* ``new-figure`` the common notebook recipe: an ``Output`` widget whose callback clears it,
  makes a new pyplot figure with ``lrlab.course.plots.trajectory_1d`` and ``loss_curves`` and
  shows it with the inline backend.

A fourth row, ``sweep``, times the engine call alone (the numbers without any drawing).

Run:  .venv/bin/python benchmarks/bench_widgets.py [--steps 500] [--changes 40] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import textwrap

from jupyter_client.manager import start_new_kernel

KERNEL_CODE = textwrap.dedent("""
    import json, statistics, time
    import numpy as np
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import clear_output
    from lrlab.course import plots
    from lrlab.train.engine import sweep
    from lrlab.course.widgets import LRExplorer

    STEPS, CHANGES, ROUNDS = {steps}, {changes}, {rounds}
    explorer = LRExplorer(steps=STEPS)
    full = LRExplorer(steps=STEPS)
    slider = explorer.lr
    # Slider positions a learner visits: creeping, zig-zagging and diverging rates. Consecutive
    # values always differ (also from the end of one round to the start of the next), so every
    # call is a real change.
    exps = np.arange(slider.min, slider.max + 1e-9, slider.step)
    values = [float(10.0 ** e) for e in exps[np.linspace(0, len(exps) - 1, CHANGES).astype(int)]]

    out = widgets.Output()
    problem = explorer.problem

    def new_figure(lr):
        run = sweep(problem, [lr], STEPS, record_params=True)
        with out:
            clear_output(wait=True)
            fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 3.6), dpi=80, layout="constrained")
            plots.trajectory_1d(problem, run.params[0, :, 0], ax=left)
            plots.loss_curves(run.history(0), ax=right)
            plt.show()

    def full_draw(lr):
        full._canvas.invalidate()
        full.lr.value = lr

    def blit(lr):
        explorer.lr.value = lr

    def engine(lr):
        sweep(problem, [lr], STEPS, record_params=True)

    ways = {{"explorer": blit, "full-draw": full_draw, "new-figure": new_figure, "sweep": engine}}
    times = {{name: [] for name in ways}}
    for _ in range(ROUNDS):
        for name, fn in ways.items():
            for lr in values:
                t0 = time.perf_counter()
                fn(lr)
                times[name].append(time.perf_counter() - t0)
    stats = {{name: {{"median_ms": 1e3 * statistics.median(t), "p90_ms": 1e3 * float(np.percentile(t, 90)),
                      "best_ms": 1e3 * min(t), "n": len(t)}} for name, t in times.items()}}
    print("RESULT " + json.dumps(stats))
""")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--changes", type=int, default=40, help="slider values visited per round")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    km, kc = start_new_kernel(kernel_name="python3", startup_timeout=60)
    lines = []
    try:
        def hook(msg):
            if msg["msg_type"] == "stream":
                lines.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                lines.append("\n".join(msg["content"]["traceback"]))

        code = KERNEL_CODE.format(steps=args.steps, changes=args.changes, rounds=args.rounds)
        reply = kc.execute_interactive(code, output_hook=hook, timeout=600)
        if reply["content"]["status"] != "ok":
            sys.exit("the benchmark failed in the kernel:\n" + "".join(lines))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    result = json.loads("".join(lines).split("RESULT ", 1)[1])

    import ipywidgets
    import matplotlib
    import numpy as np
    print(f"machine: {platform.machine()}, python {platform.python_version()}, numpy {np.__version__}, "
          f"matplotlib {matplotlib.__version__}, ipywidgets {ipywidgets.__version__}")
    print(f"LR explorer, {args.steps} steps: {args.changes} slider values x {args.rounds} interleaved rounds, "
          "timed in the kernel from 'value set' to 'figure sent'")
    for name in ("explorer", "full-draw", "new-figure", "sweep"):
        r = result[name]
        print(f"  {name:10s} median {r['median_ms']:8.2f} ms   p90 {r['p90_ms']:8.2f} ms   "
              f"best {r['best_ms']:8.2f} ms")
    med = {k: v["median_ms"] for k, v in result.items()}
    print(f"explorer median {med['explorer']:.1f} ms (target <= 50); "
          f"full-draw / explorer = {med['full-draw'] / med['explorer']:.1f}x, "
          f"new-figure / explorer = {med['new-figure'] / med['explorer']:.1f}x")


if __name__ == "__main__":
    main()
