r"""The rate at scale (lesson 09): warmup–stable–decay, schedule-free training, µP across width.

Three studies on the digits MLPs of lessons 04–08, each trained as stacked copies
(:func:`lrlab.train.batched.run_stacked`), each on several initial seeds:

* :func:`schedule_study` — AdamW with a warmup + cosine schedule, with warmup–stable–decay
  (:func:`lrlab.optim.schedules.wsd`) and schedule-free AdamW
  (:class:`lrlab.optim.optimizers.AdamWScheduleFree`), every one at every rate of a log grid,
  on a budget of ``steps`` optimizer steps; the validation loss is also measured halfway
  (a run stopped early, without knowing it would be), and a cosine planned for the half budget
  is trained too (warmup and rate set for its own budget).
* :func:`wsd_branches` — one peak rate, several budgets: a cosine run per budget against the
  decays a single WSD run branches off its constant phase, with what each approach costs; every
  run warms up over the same number of steps (as Hägele et al. keep it fixed across budgets).
* :func:`width_study` — Adam at every rate of a grid on MLPs of growing hidden width, in the
  standard parametrization and in µP (:func:`lrlab.problems.digits.mup_scales`), for the best
  rate of each width (and how clearly it beats the next best), and what the rate tuned on the
  narrowest network costs at every other width.

Results are cached per Python session (the lesson and the errata ask for the same runs) and
read-only.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from lrlab import _validate as v
from lrlab.train.batched import grid, run_stacked
from lrlab.optim.optimizers import Adam, AdamW, AdamWScheduleFree
from lrlab.problems.digits import MLP, mup_scales
from lrlab.optim.schedules import wsd
from lrlab.studies.sensitivity import goldilocks_zone
from lrlab.tables import Table
from lrlab._cache import cached

__all__ = ["verdict", "margin", "MARGINAL", "cosine_schedule", "ScheduleStudy", "schedule_study", "BranchStudy",
           "wsd_branches", "WidthStudy", "width_study",
           "SCHEDULE_RATES", "SCHEDULE_STEPS", "WIDTHS", "WIDTH_RATES", "WIDTH_STEPS", "SEEDS"]

#: The grids the lesson and :mod:`lrlab.studies.article` use.
SCHEDULE_RATES = tuple(float(x) for x in 10.0 ** np.arange(-3.0, -0.49, 0.5))
SCHEDULE_STEPS = 300
WIDTHS = (32, 128, 512)
WIDTH_RATES = tuple(float(x) for x in 10.0 ** np.arange(-2.5, -0.49, 0.5))
WIDTH_STEPS = 100
SEEDS = (0, 1, 2)
WARMUP = 0.05        # fraction of the budget spent warming up
DECAY = 0.2          # fraction of the budget WSD spends decaying
BATCH = 32
#: a ranking whose gap is less than this many times the range over seeds is marginal (see :func:`margin`)
MARGINAL = 1.25


def cosine_schedule(peak, total_steps, warmup_steps):
    """Warmup + cosine with WSD's ramp: the :func:`~lrlab.optim.schedules.wsd` that has no stable phase.

    Step ``t < W`` uses ``peak·(t + 1)/W`` (the first update already moves, as in every WSD run of this
    module), then half a cosine from ``peak`` at step ``W`` down to 0 at ``total_steps``: the cosine of
    :func:`~lrlab.optim.schedules.warmup_cosine`, whose own ramp starts at 0 and ends one step later.

    >>> [round(cosine_schedule(1.0, 6, 2)(t), 3) for t in range(7)]
    [0.5, 1.0, 1.0, 0.854, 0.5, 0.146, 0.0]
    """
    return wsd(peak, total_steps, warmup_steps, total_steps - warmup_steps, "cosine")


def _net(width=32, init_scales=None):
    return MLP(sizes=(64, width, 10), activation="tanh", init_scales=init_scales)


def _stack(net, seeds, n_rates):
    starts = {s: net.initial_params(seed=s) for s in seeds}
    order = list(seeds) * n_rates                      # rate-major, as grid()
    return {p: np.stack([starts[s][p] for s in order]) for p in starts[seeds[0]]}


def _padded(schedules, steps, length):
    """A per-copy rate table (length, K) from one schedule per copy, the rate 0 from ``steps`` on."""
    table = np.zeros((length, len(schedules)))
    table[:steps] = np.stack([s(np.arange(steps)) for s in schedules], axis=1)
    return table


def _frozen(arr):
    arr = np.asarray(arr, dtype=float)
    arr.flags.writeable = False
    return arr


def _check_grid(rates, seeds):
    rates = v.array("rates", rates, ndim=1, min_size=2)
    if np.any(rates <= 0):
        raise ValueError(f"rates must all be > 0, got {rates.tolist()}")
    if not isinstance(seeds, (tuple, list)) or not seeds:
        raise TypeError(f"seeds must be a non-empty tuple of ints >= 0, got {seeds!r}")
    return tuple(float(r) for r in rates), tuple(v.integer(f"seeds[{i}]", s, low=0) for i, s in enumerate(seeds))


def verdict(a, b, names=("a", "b")) -> str:
    """Which of two sets of per-seed losses is lower, or ``"indistinguishable"``.

    The course's rule: a difference of the means no larger than the larger range over seeds
    (max − min) is not a ranking.

    >>> verdict([0.10, 0.12], [0.20, 0.21], ("cosine", "WSD"))
    'cosine lower'
    >>> verdict([0.10, 0.14], [0.12, 0.13], ("cosine", "WSD"))
    'indistinguishable'
    """
    a = v.array("a", a, ndim=1, min_size=1, finite=False)
    b = v.array("b", b, ndim=1, min_size=1, finite=False)
    diff = float(a.mean() - b.mean())
    noise = max(float(np.ptp(a)), float(np.ptp(b)))
    if not np.isfinite(diff) or abs(diff) <= noise:
        return "indistinguishable" if np.isfinite(diff) or np.isinf(a).all() == np.isinf(b).all() else \
            f"{names[0] if np.isinf(b).any() else names[1]} lower"
    return f"{names[0]} lower" if diff < 0 else f"{names[1]} lower"


def margin(a, b) -> float:
    """How far apart two sets of per-seed losses are, in ranges: |mean(a) − mean(b)| / the larger range.

    :func:`verdict` ranks them when this is above 1; between 1 and :data:`MARGINAL` the ranking is
    marginal (a gap within a quarter of the range), and the lessons say so.

    >>> round(margin([0.10, 0.12], [0.13, 0.14]), 2)
    1.25
    """
    a = v.array("a", a, ndim=1, min_size=1, finite=False)
    b = v.array("b", b, ndim=1, min_size=1, finite=False)
    diff = abs(float(a.mean() - b.mean()))
    noise = max(float(np.ptp(a)), float(np.ptp(b)))
    return diff / noise if noise > 0 else (0.0 if diff == 0 else float("inf"))


# --------------------------------------------------------------------------- schedules and schedule-free
@dataclass(frozen=True)
class ScheduleStudy:
    """Final (and halfway) validation losses of every method at every rate and seed.

    ``final[name]`` and ``half[name]`` are ``(len(rates), len(seeds))`` arrays; the methods are
    ``"cosine"``, ``"wsd"``, ``"schedule-free"`` (budget ``steps``) and ``"cosine, half budget"``
    (a cosine planned for ``steps // 2``, in ``final`` only). ``half`` holds the runs of budget
    ``steps`` measured after ``steps // 2`` steps. Diverged runs count as ``inf``.

    Where a method's rate is picked (``when``, in every method below):

    * ``"final"``: the loss at the end of the planned budget, at the rate best there;
    * ``"stopped"``: the loss after ``steps // 2`` steps at the rate best for the whole budget, the
      rate a run stopped without warning was tuned with;
    * ``"half"``: the loss after ``steps // 2`` steps at the rate best *there*, a pick made in
      hindsight, knowing where the run would stop.
    """

    rates: np.ndarray
    seeds: tuple
    steps: int
    final: dict
    half: dict

    WHEN = ("final", "stopped", "half")

    @property
    def names(self):
        return list(self.final)

    def _losses(self, name, when):
        return (self.final if v.choice("when", when, self.WHEN) == "final" else self.half)[name]

    def pick(self, name, when="final"):
        """Index into ``rates`` of the rate ``name`` uses for ``when`` (see the class's docstring)."""
        tuned = self._losses(name, "half" if when == "half" else "final")
        return int(np.argmin(tuned.mean(axis=1)))

    def mean(self, name, when="final"):
        """Mean over seeds at every rate (``"stopped"`` and ``"half"`` both measure after ``steps // 2``)."""
        return self._losses(name, when).mean(axis=1)

    def best(self, name, when="final"):
        """(rate, mean loss, spread over seeds) at the rate picked for ``when``."""
        i = self.pick(name, when)
        losses = self._losses(name, when)[i]
        return float(self.rates[i]), float(losses.mean()), float(np.ptp(losses))

    def at_best(self, name, when="final"):
        """The per-seed losses of ``name`` at the rate picked for ``when``."""
        return self._losses(name, when)[self.pick(name, when)]

    def compare(self, a, b, when_a="final", when_b=None):
        """:func:`verdict` of method ``a`` against ``b``, each at its own picked rate (``when_b`` defaults to ``when_a``)."""
        return verdict(self.at_best(a, when_a), self.at_best(b, when_a if when_b is None else when_b), (a, b))

    def margin(self, a, b, when_a="final", when_b=None):
        """:func:`margin` of method ``a`` against ``b``, each at its picked rate (arguments as :meth:`compare`)."""
        return margin(self.at_best(a, when_a), self.at_best(b, when_a if when_b is None else when_b))

    def _label(self, name, when):
        if when == "stopped":
            return f"{name}, stopped at {self.steps // 2}, rate tuned for {self.steps}"
        if when == "half":
            return f"{name}, stopped at {self.steps // 2}, rate picked at {self.steps // 2} (hindsight)"
        return f"{name}, {self.steps // 2 if name == 'cosine, half budget' else self.steps} steps"

    def comparisons(self, pairs) -> Table:
        """One row per ``(a, b[, when_a[, when_b]])`` of ``pairs`` (the arguments of :meth:`compare`): both
        methods at their picked rates (shown), the :func:`verdict` and the gap in ranges over seeds (:func:`margin`)."""
        rows = []
        for a, b, *when in pairs:
            when_a = when[0] if when else "final"
            when_b = when[1] if len(when) > 1 else when_a
            rows.append([self._label(a, when_a), self.best(a, when_a)[0], self._label(b, when_b),
                         self.best(b, when_b)[0], self.compare(a, b, when_a, when_b), self.margin(a, b, when_a, when_b)])
        return Table(["method", "peak rate", "against", "peak rate", "verdict", "gap / range"], rows,
                     formats=["s", ".3g", "s", ".3g", "s", ".2f"])

    def zone(self, name, factor=2.0):
        """Lesson 06's Goldilocks zone of the mean final loss (rates within ``factor`` of the best)."""
        return goldilocks_zone(self.rates, self.mean(name), factor)

    def versus(self, a, b, when="final") -> Table:
        """Method ``a`` against ``b`` at every peak rate: mean and range over seeds, and the verdict."""
        la, lb = (self._losses(n, when) for n in (a, b))
        rows = [[float(r), float(x.mean()), float(np.ptp(x)), float(y.mean()), float(np.ptp(y)),
                 verdict(x, y, (a, b)), margin(x, y)] for r, x, y in zip(self.rates, la, lb)]
        return Table(["peak rate", f"{a}: mean", "range", f"{b}: mean", "range", "verdict", "gap / range"], rows,
                     formats=[".3g", ".4f", ".4f", ".4f", ".4f", "s", ".2f"])

    def summary(self) -> Table:
        """Every method at the rate best for its planned budget: after that budget, and (the runs planned for
        ``steps``) stopped after half of it at the same rate."""
        rows = []
        for when, runs in (("final", self.final), ("stopped", self.half)):
            for name in runs:
                rate, mean, spread = self.best(name, when)
                zone = goldilocks_zone(self.rates, self.mean(name, when))
                rows.append([name, self._label(name, when).removeprefix(f"{name}, "), rate, mean, spread, zone.width])
        return Table(["method", "measured", "peak rate", "validation loss", "range over seeds",
                      "zone (decades)"], rows, formats=["s", "s", ".3g", ".4f", ".4f", ".1f"])


@cached
def schedule_study(rates=SCHEDULE_RATES, seeds=SEEDS, steps=SCHEDULE_STEPS) -> ScheduleStudy:
    """AdamW + warmup/cosine, AdamW + WSD and schedule-free AdamW on the digits MLP 64-32-10.

    Every method warms up for 5 % of its planned budget on one ramp, ``peak·(t + 1)/W``
    (:func:`cosine_schedule`, WSD and the schedule-free warmup alike; the cosine planned for half the
    budget is set up as a run of that length, its warmup 5 % of it); WSD decays over the last 20 % with the 1 − sqrt
    shape; AdamW keeps torch's default weight decay 0.01 (schedule-free: none, the package's
    default). Minibatches of 32, one shared data order.
    """
    rates, seeds = _check_grid(rates, seeds)
    steps = v.integer("steps", steps, low=4)
    return _schedule_study(rates, seeds, steps)


@functools.lru_cache(maxsize=8)
def _schedule_study(rates, seeds, steps):
    # The three AdamW methods are one stack of 3 × len(lrs) copies (one run, not three): the cosine planned
    # for half the budget is given the rate 0 after its last step, which leaves AdamW's parameters exactly
    # where they are, and its final loss is the validation loss measured after steps // 2 steps.
    net = _net()
    half = steps // 2
    lrs = grid(rates, seeds)[0]
    n, k = len(rates), len(lrs)
    warm, warm_half = int(round(WARMUP * steps)), int(round(WARMUP * half))
    planned = {"cosine": ([cosine_schedule(r, steps, warm) for r in lrs], steps),
               "wsd": ([wsd(r, steps, warm, int(round(DECAY * steps))) for r in lrs], steps),
               "cosine, half budget": ([cosine_schedule(r, half, warm_half) for r in lrs], half)}
    table = np.concatenate([_padded(scheds, n_steps, steps) for scheds, n_steps in planned.values()], axis=1)
    adamw = run_stacked(net, AdamW(lr=lambda t: table[t]), _stack(net, seeds, n * len(planned)), steps,
                        batch_size=BATCH, data_seed=0, eval_at=(half,))
    free = run_stacked(net, AdamWScheduleFree(lr=lrs, warmup_steps=warm), _stack(net, seeds, n), steps,
                       batch_size=BATCH, data_seed=0, eval_at=(half,))
    final, at_half = {}, {}
    shape = (n, len(seeds))
    for i, name in enumerate(planned):
        part = slice(i * k, (i + 1) * k)
        at_half_i = adamw["checkpoints"][half][0][part].reshape(shape)
        if planned[name][1] == steps:
            final[name] = _frozen(adamw["val_loss"][part].reshape(shape))
            at_half[name] = _frozen(at_half_i)
        else:
            final[name] = _frozen(at_half_i)
    final["schedule-free"] = _frozen(free["val_loss"].reshape(shape))
    at_half["schedule-free"] = _frozen(free["checkpoints"][half][0].reshape(shape))
    order = ("cosine", "wsd", "schedule-free", "cosine, half budget")
    return ScheduleStudy(rates=_frozen(rates), seeds=seeds, steps=steps, final={m: final[m] for m in order},
                         half={m: at_half[m] for m in order if m in at_half})


# --------------------------------------------------------------------------- WSD branches
@dataclass(frozen=True)
class BranchStudy:
    """Cosine runs, one per budget, against WSD decays branched off one constant phase.

    ``cosine`` and ``wsd`` are ``(len(budgets), len(seeds))`` final validation losses;
    ``losses[name][i]`` the minibatch losses (seeds, budget) of budget ``i``. ``cost`` gives the
    optimizer steps per seed of each approach: one cosine run per budget (their sum), against one
    WSD run to the largest budget plus a decay of ``decay[i]`` steps for every other budget.
    ``shared_prefix`` is True when every WSD run repeats, bit for bit, the longest one's losses
    until its decay starts (so it *is* a branch of it). Every run, cosine or WSD, warms up over the
    same ``warmup`` steps.
    """

    peak: float
    budgets: tuple
    seeds: tuple
    decay: tuple
    warmup: int
    cosine: np.ndarray
    wsd: np.ndarray
    losses: dict
    cost: dict
    shared_prefix: bool

    def gap(self):
        """Mean over seeds of (WSD − cosine) / cosine at every budget."""
        return ((self.wsd - self.cosine) / self.cosine).mean(axis=1)

    def verdicts(self):
        return [verdict(w, c, ("WSD branch", "cosine")) for w, c in zip(self.wsd, self.cosine)]

    def margins(self):
        """:func:`margin` of the WSD branch against the cosine run at every budget."""
        return [margin(w, c) for w, c in zip(self.wsd, self.cosine)]

    def table(self) -> Table:
        """Every budget: where the WSD branch starts its decay, both final losses, the gap, the verdict and the
        gap in ranges over seeds."""
        rows = [[b, b - d, float(c.mean()), float(np.ptp(c)), float(w.mean()), float(np.ptp(w)), float(g), vd, m]
                for b, d, c, w, g, vd, m in zip(self.budgets, self.decay, self.cosine, self.wsd, self.gap(),
                                                self.verdicts(), self.margins())]
        return Table(["budget (steps)", "branch decays from", "cosine: mean", "range", "WSD branch: mean", "range",
                      "gap", "verdict", "gap / range"], rows,
                     formats=["d", "d", ".4f", ".4f", ".4f", ".4f", "+.1%", "s", ".2f"])


@cached
def wsd_branches(peak, budgets=(75, 150, 300), seeds=SEEDS) -> BranchStudy:
    """At rate ``peak``: AdamW + warmup/cosine for each budget, and WSD decays branched at each budget.

    Every run warms up over 5 % of the largest budget, the same number of steps whatever its own budget.
    """
    peak = v.positive("peak", peak)
    if not isinstance(budgets, (tuple, list)) or len(budgets) < 2:
        raise TypeError(f"budgets must be a tuple of at least two step counts, got {budgets!r}")
    budgets = tuple(v.integer(f"budgets[{i}]", b, low=10) for i, b in enumerate(budgets))
    if list(budgets) != sorted(set(budgets)):
        raise ValueError(f"budgets must increase, got {budgets}")
    seeds = _check_grid((1.0, 2.0), seeds)[1]
    return _wsd_branches(peak, budgets, seeds)


@functools.lru_cache(maxsize=8)
def _wsd_branches(peak, budgets, seeds):
    # Every run is one stack of copies trained for the largest budget: a run of a smaller budget gets the
    # rate 0 after its last step (AdamW then leaves its parameters exactly as they are), and its final
    # loss is the validation loss measured after that many steps.
    net = _net()
    decay = tuple(int(round(DECAY * b)) for b in budgets)
    warm = min(int(round(WARMUP * budgets[-1])), budgets[0] - decay[0])   # one warmup, in steps, for every run
    runs = [(name, b, sched) for b, d in zip(budgets, decay)
            for name, sched in (("cosine", cosine_schedule(peak, b, warm)), ("wsd", wsd(peak, b, warm, d)))]
    s = len(seeds)
    table = np.concatenate([_padded([sched] * s, b, budgets[-1]) for _, b, sched in runs], axis=1)
    out = run_stacked(net, AdamW(lr=lambda t: table[t]), _stack(net, seeds, len(runs)), budgets[-1],
                      batch_size=BATCH, data_seed=0, eval_at=budgets[:-1])
    finals = {"cosine": [], "wsd": []}
    losses = {"cosine": [], "wsd": []}
    for i, (name, b, _) in enumerate(runs):
        part = slice(i * s, (i + 1) * s)
        val = out["val_loss"] if b == budgets[-1] else out["checkpoints"][b][0]
        finals[name].append(val[part])
        losses[name].append(_frozen(out["losses"][part, :b]))
    longest = losses["wsd"][-1]
    shared = all(np.array_equal(run[:, :b - d], longest[:, :b - d])
                 for run, b, d in zip(losses["wsd"], budgets, decay))
    cost = {"cosine": int(sum(budgets)), "wsd": int(budgets[-1] + sum(decay[:-1]))}
    return BranchStudy(peak=peak, budgets=budgets, seeds=seeds, decay=decay, warmup=warm,
                       cosine=_frozen(finals["cosine"]), wsd=_frozen(finals["wsd"]), losses=losses,
                       cost=cost, shared_prefix=shared)


# --------------------------------------------------------------------------- widths and µP
@dataclass(frozen=True)
class WidthStudy:
    """Final training loss of Adam at every rate, width and seed, in both parametrizations.

    ``loss[p]`` is ``(len(widths), len(rates), len(seeds))`` for ``p`` in ``("standard", "µP")``;
    µP takes ``base_width`` as its base (at that width the two are the same network).
    ``params(width)`` is the parameter count of the width-``width`` MLP.
    """

    widths: tuple
    rates: np.ndarray
    seeds: tuple
    steps: int
    base_width: int
    loss: dict

    PARAMETRIZATIONS = ("standard", "µP")

    def mean(self, p):
        return self.loss[p].mean(axis=2)

    def best_index(self, p):
        """Index into ``rates`` of the best mean loss at every width."""
        return np.argmin(self.mean(p), axis=1)

    def best_rates(self, p):
        return self.rates[self.best_index(p)]

    def shift(self, p):
        """Grid steps the best rate moves from the narrowest to the widest network."""
        i = self.best_index(p)
        return int(i[-1] - i[0])

    @staticmethod
    def params(width):
        return 64 * width + width + width * 10 + 10

    def next_best_index(self, p):
        """Index into ``rates`` of the second-best mean loss at every width (the best's closest rival)."""
        return np.argsort(self.mean(p), axis=1, kind="stable")[:, 1]

    def at_best(self, p, i):
        """The per-seed losses of width ``widths[i]`` at its best rate in parametrization ``p``."""
        return self.loss[p][i, int(self.best_index(p)[i])]

    def at_proxy_rate(self, p, i):
        """The per-seed losses of width ``widths[i]`` at the best rate of the narrowest width (the proxy's)."""
        return self.loss[p][i, int(self.best_index(p)[0])]

    def paid(self, p):
        """At every width: the :func:`margin` of the loss at the proxy's rate over the width's own best (0 when
        the proxy's rate is that best), the robust measure of whether the rate has to be tuned again."""
        return [margin(self.at_proxy_rate(p, i), self.at_best(p, i)) for i in range(len(self.widths))]

    def table(self) -> Table:
        """Every width in both parametrizations: its best rate with its loss (mean and range over seeds) and how
        clearly it beats the next best rate (gap / range, :func:`margin`); then the loss at the narrowest width's
        best rate and its :func:`verdict` and gap against the width's own best."""
        rows = []
        proxy = f"width-{self.widths[0]} rate"
        for p in self.PARAMETRIZATIONS:
            best, rival, paid = self.best_index(p), self.next_best_index(p), self.paid(p)
            for i, w in enumerate(self.widths):
                x, y, t = self.at_best(p, i), self.loss[p][i, rival[i]], self.at_proxy_rate(p, i)
                same = best[i] == best[0]
                rows.append([p, w, float(self.rates[best[i]]), float(x.mean()), float(np.ptp(x)),
                             float(self.rates[rival[i]]), margin(x, y), float(t.mean()), float(np.ptp(t)),
                             "same rate" if same else verdict(t, x, (proxy, "own best")),
                             paid[i]])
        return Table(["parametrization", "hidden width", "best rate", "its loss", "range", "next best rate",
                      "best vs next: gap / range", f"at the {proxy}: loss", "range", "against own best",
                      "gap / range"], rows,
                     formats=["s", "d", ".3g", ".4f", ".4f", ".3g", ".2f", ".4f", ".4f", "s", ".2f"])

    def transfer_table(self) -> Table:
        """Tune the narrowest, train the widest at that rate, against tuning the widest directly."""
        rows = []
        for p in self.PARAMETRIZATIONS:
            t = self.transfer(p)
            rows.append([p, "rate of the proxy", t["proxy_rate"], t["at_proxy_rate"], t["spread_at_proxy_rate"],
                         t["cost_proxy"] / t["cost_direct"]])
            rows.append([p, "own best rate", t["direct_rate"], t["direct"], t["spread_direct"], 1.0])
        return Table(["parametrization", f"width {self.widths[-1]} trained at", "rate", "training loss",
                      "range over seeds", "tuning cost (× direct)"], rows,
                     formats=["s", "s", ".3g", ".4f", ".4f", ".2f"])

    def transfer(self, p):
        """Tune on the narrowest width, train the widest at that rate: (rate, loss, spread) vs direct tuning.

        Returns a dict with the proxy's rate and the widest network's mean loss (and seed spread)
        at it, the widest network's own best rate and loss, and the cost of each way in
        parameter-steps (parameters × optimizer steps, summed over the runs, per seed).
        """
        i_proxy = int(self.best_index(p)[0])
        i_direct = int(self.best_index(p)[-1])
        wide = self.loss[p][-1]
        n = len(self.rates)
        return {"proxy_rate": float(self.rates[i_proxy]), "at_proxy_rate": float(wide[i_proxy].mean()),
                "spread_at_proxy_rate": float(np.ptp(wide[i_proxy])),
                "direct_rate": float(self.rates[i_direct]), "direct": float(wide[i_direct].mean()),
                "spread_direct": float(np.ptp(wide[i_direct])),
                "cost_proxy": self.steps * (n * self.params(self.widths[0]) + self.params(self.widths[-1])),
                "cost_direct": self.steps * n * self.params(self.widths[-1])}


@cached
def width_study(widths=WIDTHS, rates=WIDTH_RATES, seeds=SEEDS, steps=WIDTH_STEPS, base_width=None) -> WidthStudy:
    """Adam on MLPs 64-w-10 (tanh) at every rate: standard parametrization and µP based on ``widths[0]``."""
    if not isinstance(widths, (tuple, list)) or len(widths) < 2:
        raise TypeError(f"widths must be a tuple of at least two hidden widths, got {widths!r}")
    widths = tuple(v.integer(f"widths[{i}]", w, low=1) for i, w in enumerate(widths))
    if list(widths) != sorted(set(widths)):
        raise ValueError(f"widths must increase, got {widths}")
    rates, seeds = _check_grid(rates, seeds)
    steps = v.integer("steps", steps, low=1)
    base = widths[0] if base_width is None else v.integer("base_width", base_width, low=1)
    return _width_study(widths, rates, seeds, steps, base)


@functools.lru_cache(maxsize=8)
def _width_study(widths, rates, seeds, steps, base):
    # One run per width: the standard copies and the µP copies are one stack (µP differs only in the
    # initial scales and the per-layer rates, both per copy); at the base width the two are one network.
    n = len(rates)
    lrs = grid(rates, seeds)[0]
    loss = {"standard": [], "µP": []}
    for width in widths:
        nets = {"standard": _net(width)}
        scales = mup_scales((64, width, 10), (64, base, 10))
        if width != base:
            nets["µP"] = _net(width, {k: a for k, (a, _) in scales.items()})
        stacks = [_stack(net, seeds, n) for net in nets.values()]
        params = {k: np.concatenate([st[k] for st in stacks]) for k in stacks[0]}
        factors = {k: b for k, (_, b) in scales.items() if b != 1.0} if width != base else {}
        groups = [{"params": [k], "lr": np.concatenate([lrs, lrs * b])} for k, b in factors.items()] or None
        out = run_stacked(nets["standard"], Adam(groups, lr=np.tile(lrs, len(nets))), params, steps,
                          batch_size=BATCH, data_seed=0, validate=False)
        train = out["train_loss"].reshape(len(nets), n, len(seeds))
        loss["standard"].append(train[0])
        loss["µP"].append(train[-1])
    return WidthStudy(widths=widths, rates=_frozen(rates), seeds=seeds, steps=steps, base_width=base,
                      loss={p: _frozen(val) for p, val in loss.items()})
