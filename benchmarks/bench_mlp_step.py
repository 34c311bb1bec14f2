"""Time one SGD step of the digits MLP in lrlab (numpy) against PyTorch (CPU, float64).

A step is: take a batch of 64 training images, forward pass, backward pass,
``p ← p − lr·g``. lrlab runs ``MLP.value_and_grad`` plus a plain dict update
(new arrays, as lrlab's optimizers return); torch runs the idiomatic loop
``zero_grad → F.cross_entropy(model(x), y) → backward → SGD.step`` on an
``nn.Sequential`` of the same 64-32-10 shape. Both start from the same
weights and use the same batch indices, and the script first checks that
their trajectories agree to 1e-10 over 50 steps.

Timing: both sides single-threaded (``torch.set_num_threads(1)`` and the
BLAS thread variables set to 1 before numpy or torch is imported, unless you
set them yourself). Repetitions alternate between the two, each timing
``--number`` steps with ``timeit``; the medians are reported, with the ratio
lrlab/torch (target: at most 1.0).

Run it where torch is installed (torch is not an lrlab dependency):

    /opt/torchref/bin/python benchmarks/bench_mlp_step.py [--activation relu]

Without torch it prints a note and exits with status 0. It exits with
status 1 if the two trajectories disagree.
"""
import argparse
import os
import statistics
import sys
import timeit
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for lrlab

import numpy as np  # noqa: E402

from lrlab.problems.digits import MLP  # noqa: E402

SIZES = (64, 32, 10)
LR = 0.1
BATCH_SIZE = 64
CHECK_STEPS = 50
TOLERANCE = 1e-10


class LrlabRunner:
    """SGD on lrlab's MLP, one batch per call of :meth:`step`."""

    def __init__(self, activation, init, batches):
        self.net = MLP(sizes=SIZES, activation=activation)
        self.params = {k: a.copy() for k, a in init.items()}
        self.batches = batches
        self.i = 0

    def step(self):
        idx = self.batches[self.i % len(self.batches)]
        self.i += 1
        loss, g = self.net.value_and_grad(self.params, idx)
        self.params = {k: p - LR * g[k] for k, p in self.params.items()}
        return loss

    def final_params(self):
        return self.params


class TorchRunner:
    """The same network and batches in torch: ``nn.Sequential`` + ``optim.SGD``."""

    def __init__(self, torch, activation, init, batches, X, y):
        self.torch = torch
        self.F = torch.nn.functional
        act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[activation]
        self.model = torch.nn.Sequential(torch.nn.Linear(SIZES[0], SIZES[1]), act(),
                                         torch.nn.Linear(SIZES[1], SIZES[2])).double()
        with torch.no_grad():  # lrlab stores W as (in, out), torch as (out, in)
            for layer, i in ((self.model[0], 1), (self.model[2], 2)):
                layer.weight.copy_(torch.from_numpy(init[f"W{i}"].T.copy()))
                layer.bias.copy_(torch.from_numpy(init[f"b{i}"]))
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LR)
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)
        self.batches = [torch.from_numpy(b) for b in batches]
        self.i = 0

    def step(self):
        idx = self.batches[self.i % len(self.batches)]
        self.i += 1
        self.opt.zero_grad()
        loss = self.F.cross_entropy(self.model(self.X[idx]), self.y[idx])
        loss.backward()
        self.opt.step()
        return loss.item()

    def final_params(self):
        m = self.model
        return {"W1": m[0].weight.detach().numpy().T, "b1": m[0].bias.detach().numpy(),
                "W2": m[2].weight.detach().numpy().T, "b2": m[2].bias.detach().numpy()}


def make_runners(torch, activation, batches):
    net = MLP(sizes=SIZES, activation=activation)
    init = net.initial_params()
    X, y = np.array(net.X), np.array(net.y)
    return LrlabRunner(activation, init, batches), TorchRunner(torch, activation, init, batches, X, y)


def check_trajectories(torch, activation, batches):
    """Largest differences in per-step loss and in final parameters over CHECK_STEPS steps."""
    ours, theirs = make_runners(torch, activation, batches)
    loss_diff = max(abs(ours.step() - theirs.step()) for _ in range(CHECK_STEPS))
    a, b = ours.final_params(), theirs.final_params()
    param_diff = max(float(np.max(np.abs(a[k] - b[k]))) for k in a)
    return loss_diff, param_diff


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activation", choices=("tanh", "relu"), default="tanh")
    parser.add_argument("--repeats", type=int, default=41, help="timed repetitions per side")
    parser.add_argument("--number", type=int, default=200, help="steps per repetition")
    args = parser.parse_args(argv)

    try:
        import torch
    except ImportError:
        print("bench_mlp_step: torch is not installed here, nothing to compare against; skipping.\n"
              "Run it with a Python that has torch, e.g. /opt/torchref/bin/python "
              "benchmarks/bench_mlp_step.py")
        return 0
    torch.set_num_threads(1)

    n_train = MLP().n_samples
    gen = np.random.default_rng(0)
    batches = [gen.permutation(n_train)[:BATCH_SIZE] for _ in range(100)]

    print(f"MLP {'-'.join(map(str, SIZES))} {args.activation}, batch {BATCH_SIZE}, float64, "
          f"SGD lr={LR}: forward + backward + update")
    print(f"numpy {np.__version__}, torch {torch.__version__}; threads: torch "
          f"{torch.get_num_threads()}, " + ", ".join(
              f"{v}={os.environ[v]}" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")))

    loss_diff, param_diff = check_trajectories(torch, args.activation, batches)
    same = loss_diff <= TOLERANCE and param_diff <= TOLERANCE
    print(f"trajectory over {CHECK_STEPS} steps: max |loss difference| {loss_diff:.2e}, "
          f"max |parameter difference| {param_diff:.2e} -> "
          f"{'same (<= 1e-10)' if same else 'DIFFERENT (> 1e-10)'}")

    ours, theirs = make_runners(torch, args.activation, batches)
    for runner in (ours, theirs):  # warm up caches and allocators
        for _ in range(args.number):
            runner.step()
    times = {"lrlab": [], "torch": []}
    for r in range(args.repeats):
        order = (("lrlab", ours), ("torch", theirs))
        for name, runner in (order if r % 2 == 0 else order[::-1]):
            t = timeit.timeit(runner.step, number=args.number)
            times[name].append(t / args.number)
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["lrlab"] / med["torch"]
    for name in ("lrlab", "torch"):
        print(f"{name}: {med[name] * 1e6:8.1f} us/step (median of {args.repeats} repeats "
              f"x {args.number} steps)")
    print(f"ratio lrlab/torch: {ratio:.2f} (target <= 1.0: {'met' if ratio <= 1.0 else 'missed'})")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
