"""Benchmark (f): K = 64 digits MLPs trained at once (``lrlab.train.batched.train_mlps``) vs one at a time.

The same 64 runs (16 learning rates × 4 initial seeds, 200 steps, batch 32, SGD with momentum
0.9 by default), timed side by side in one run, rounds interleaved so machine noise hits all
alike; medians are reported:

* ``batched``  ``train_mlps``: every parameter stacked along a copy axis, one matrix product per
               layer for all copies, one optimizer call per step with the 64 rates;
* ``engine``   a loop over the copies calling ``lrlab.train.engine.train`` (what a learner would write
               first). Note that ``train`` also evaluates the full training loss after every
               step (for its ``losses`` curve and divergence check), which ``train_mlps`` does
               only at the start and the end;
* ``bare``     a loop over the copies with only ``MLP.value_and_grad`` + ``optimizer.step`` on the
               same batches (no per-step evaluation): the speed-up of stacking alone.

Target: engine / batched >= 5 on the course's 2-core machine. The script also checks that the
three give the same final parameters and minibatch losses (to 1e-12) and exits 1 if not. Finally
it times a typical lesson-06 study: 3 optimizers × 13 rates × 3 seeds, 300 steps, batch 32 (one
``train_mlps`` call per optimizer), which must fit well inside a 10 s lesson.

BLAS runs single-threaded (the thread variables are set to 1 before numpy is imported, unless
you set them yourself), as in the other benchmarks.

    .venv/bin/python benchmarks/bench_batched.py [--rounds 3] [--optimizer adam]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for lrlab

import numpy as np  # noqa: E402

from lrlab.train.batched import OPTIMIZERS, grid, train_mlps  # noqa: E402
from lrlab.train.engine import batch_stream, train  # noqa: E402
from lrlab.problems import MLP  # noqa: E402

OPTIONS = {"sgd": {"momentum": 0.9}, "adam": {}, "adamw": {}, "rmsprop": {}, "adagrad": {}}
RANGES = {"sgd": (1e-3, 0.3), "adam": (1e-4, 3e-2), "adamw": (1e-4, 3e-2), "rmsprop": (1e-5, 1e-2),
          "adagrad": (1e-3, 0.3)}
TOLERANCE = 1e-12


def batched(net, name, lrs, seeds, steps, batch_size):
    runs = train_mlps(net, name, lrs, steps, seeds=seeds, batch_size=batch_size, data_seed=0, **OPTIONS[name])
    return runs.params, runs.losses


def engine_loop(net, name, lrs, seeds, steps, batch_size):
    cls = OPTIMIZERS[name]
    finals, losses = [], []
    for lr, seed in zip(lrs, seeds):
        h = train(net, cls(lr=float(lr), **OPTIONS[name]), steps, batch_size=batch_size, seed=0,
                  params=net.initial_params(seed=int(seed)))
        finals.append(h.final_params)
        losses.append(h.batch_losses)
    return {p: np.stack([f[p] for f in finals]) for p in finals[0]}, np.array(losses)


def bare_loop(net, name, lrs, seeds, steps, batch_size):
    cls = OPTIMIZERS[name]
    finals, losses = [], []
    for lr, seed in zip(lrs, seeds):
        opt = cls(lr=float(lr), **OPTIONS[name])
        params = net.initial_params(seed=int(seed))
        batches = batch_stream(net, batch_size, np.random.default_rng(0))
        seen = np.empty(steps)
        for k in range(steps):
            seen[k], grads = net.value_and_grad(params, next(batches))
            params = opt.step(params, grads)
        finals.append(params)
        losses.append(seen)
    return {p: np.stack([f[p] for f in finals]) for p in finals[0]}, np.array(losses)


def study(net, steps, batch_size):
    """Lesson 06's study: 3 optimizers × 13 rates × 3 seeds."""
    out = {}
    for name in ("sgd", "adam", "rmsprop"):
        lo, hi = RANGES[name]
        lrs, seeds = grid(np.geomspace(lo / 10, hi * 10, 13), [0, 1, 2])
        out[name] = train_mlps(net, name, lrs, steps, seeds=seeds, batch_size=batch_size, **OPTIONS[name])
    return out


def timed(fn, *args):
    """Wall-clock and CPU seconds of ``fn(*args)`` (CPU time is what load on a shared machine inflates least)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    return (time.perf_counter() - t0, time.process_time() - c0), out


def worst_difference(a, b):
    params = max(float(np.max(np.abs(a[0][p] - b[0][p]))) for p in a[0])
    return max(params, float(np.max(np.abs(a[1] - b[1]))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rates", type=int, default=16)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd")
    ap.add_argument("--activation", choices=("tanh", "relu"), default="tanh")
    args = ap.parse_args()

    net = MLP(sizes=(64, 32, 10), activation=args.activation)
    lo, hi = RANGES[args.optimizer]  # rates that do not diverge, so every method does all the work
    lrs, seeds = grid(np.geomspace(lo, hi, args.rates), list(range(args.seeds)))
    work = (net, args.optimizer, lrs, seeds, args.steps, args.batch_size)
    batched(*work[:4], 2, args.batch_size)  # warm-up (data loading, caches)

    times = {"batched": [], "engine": [], "bare": [], "study": []}
    results = {}
    for _ in range(args.rounds):
        for _ in range(3):  # the fast one: several repeats per round
            dt, results["batched"] = timed(batched, *work)
            times["batched"].append(dt)
        dt, results["engine"] = timed(engine_loop, *work)
        times["engine"].append(dt)
        dt, results["bare"] = timed(bare_loop, *work)
        times["bare"].append(dt)
        dt, _ = timed(study, net, 300, args.batch_size)
        times["study"].append(dt)

    diff_engine = worst_difference(results["batched"], results["engine"])
    diff_bare = worst_difference(results["batched"], results["bare"])
    med = {k: statistics.median(w for w, _ in v) for k, v in times.items()}
    best = {k: min(w for w, _ in v) for k, v in times.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in times.items()}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}, "
          f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"K = {lrs.size} copies ({args.rates} rates x {args.seeds} seeds) of MLP 64-32-10 {args.activation}, "
          f"{args.optimizer} {OPTIONS[args.optimizer]}, {args.steps} steps, batch {args.batch_size}, "
          f"{args.rounds} interleaved rounds (medians)")
    for k in ("batched", "engine", "bare"):
        print(f"  {k:8s} median {med[k]:8.3f} s   best {best[k]:8.3f} s   CPU median {cpu[k]:8.3f} s")
    for k, note in (("engine", "(target >= 5)"), ("bare", "(stacking alone, no per-step evaluation)")):
        print(f"{k:6s} / batched = {med[k] / med['batched']:6.1f}x median, {best[k] / best['batched']:6.1f}x best, "
              f"{cpu[k] / cpu['batched']:6.1f}x CPU   {note}")
    print(f"lesson-06 study (3 optimizers x 13 rates x 3 seeds, 300 steps): median {med['study']:.2f} s, "
          f"best {best['study']:.2f} s, CPU median {cpu['study']:.2f} s")
    print(f"max |difference| batched vs engine.train: {diff_engine:.1e}, vs bare loop: {diff_bare:.1e} "
          f"(tolerance {TOLERANCE:g})")
    if not (diff_engine <= TOLERANCE and diff_bare <= TOLERANCE):
        print("FAIL: the batched runs do not reproduce the single runs")
        sys.exit(1)


if __name__ == "__main__":
    main()
