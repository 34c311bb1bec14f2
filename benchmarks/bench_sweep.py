"""Benchmark (a): 1,000 learning rates × 1,000 steps of gradient descent on f(x) = x².

Three ways of doing the same sweep, timed side by side in one run (rounds are
interleaved so machine noise hits all three alike; medians are reported):

* ``engine``   lrlab.train.engine.sweep: one vectorised pass with divergence detection,
* ``bare``     the leanest numpy broadcast loop (update + loss record, nothing else),
* ``loop``     one Python loop per rate over Python floats, the way a tutorial writes it.

Targets: loop / engine ≥ 100, engine / bare ≤ 2.  Run:  .venv/bin/python benchmarks/bench_sweep.py
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lrlab.train.engine import sweep  # noqa: E402
from lrlab.problems import Quadratic1D  # noqa: E402


def f(x):
    return x * x


def df(x):
    return 2.0 * x


def per_rate_python_loop(lrs, steps, x0=5.0):
    """The tutorial way: for each rate, a loop over epochs calling the loss and gradient functions,
    keeping an (epoch, x, loss) record and giving up once |x| passes 1000."""
    finals = []
    for lr in lrs:
        x = x0
        trace = [(0, x, f(x))]
        for k in range(steps):
            x = x - lr * df(x)
            trace.append((k + 1, x, f(x)))
            if abs(x) > 1000:
                break
        finals.append(trace[-1][2])
    return np.array(finals)


def bare_numpy(lrs, steps, x0=5.0):
    x = np.full(lrs.size, x0)
    losses = np.empty((steps + 1, lrs.size))
    losses[0] = x * x
    for t in range(steps):
        x -= lrs * (2.0 * x)
        losses[t + 1] = x * x
    return losses[-1]


def engine(lrs, steps):
    return sweep(Quadratic1D(a=2.0, x0=5.0), lrs, steps).final_loss


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rates", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    # Rates from 1e-4 to just below the stability limit 1.0, so no run stops early
    # and every method does the full rates × steps work.
    lrs = np.geomspace(1e-4, 0.99, args.rates)
    times = {"engine": [], "bare": [], "loop": []}
    for _ in range(args.rounds):
        for name, fn in (("engine", engine), ("bare", bare_numpy)):
            for _ in range(5):  # fast ones: several repeats per round
                dt, out = timed(fn, lrs, args.steps)
                times[name].append(dt)
        dt, ref = timed(per_rate_python_loop, lrs, args.steps)
        times["loop"].append(dt)
    np.testing.assert_allclose(engine(lrs, args.steps), ref, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(bare_numpy(lrs, args.steps), ref, rtol=1e-9, atol=1e-300)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"machine: {platform.machine()}, {platform.processor() or '?'}, python {platform.python_version()}, "
          f"numpy {np.__version__}")
    print(f"sweep: {args.rates} rates x {args.steps} steps, {args.rounds} interleaved rounds (medians)")
    best = {k: min(v) for k, v in times.items()}
    for k in ("engine", "bare", "loop"):
        print(f"  {k:7s} median {med[k] * 1e3:9.2f} ms   best {best[k] * 1e3:9.2f} ms")
    print(f"loop / engine  = {med['loop'] / med['engine']:7.1f}x median, "
          f"{best['loop'] / best['engine']:7.1f}x best   (target >= 100)")
    print(f"engine / bare  = {med['engine'] / med['bare']:7.2f}x median, "
          f"{best['engine'] / best['bare']:7.2f}x best   (target <= 2)")


if __name__ == "__main__":
    main()
