r"""The blog post's printed numbers, as data, each next to what the code really gives.

The course follows the order and ideas of the article in ``shared/article``
but trusts none of its numbers. This module writes down every number the
article *prints* in the sections the lessons use (exactly as printed: strings
where the formatting matters), says which run it claims to come from, runs
that setup with lrlab and records whether the two agree and how closely they
had to agree to count. Lessons and the errata page show these records instead
of quoting the article by hand.

>>> c = {c.id: c for c in claims("real-code")}["real-code/lr=1.1/explodes-at"]
>>> c.article_value, c.real_value, c.agrees
('23', 30, False)

What a claim is
    :class:`Claim` holds ``article_value`` (the printed text), ``setup`` (the
    run it describes: problem, ``lr``, ``x0``, epochs, ...), ``real_value``
    (computed here, fast: closed forms from :mod:`lrlab.train.theory`, a plain
    float64 loop where floating-point overflow itself is the question),
    ``real_text`` (the real value printed the way the article prints its
    value), ``agrees`` and ``tolerance`` (the rule that decided ``agrees``,
    in words), a ``note`` on what the difference means, and ``decided``:
    False when the runs can neither confirm nor contradict the claim (then
    ``agrees`` is True and the tables print "not contradicted", not "yes").

The rules for agreeing
    * a printed decimal agrees when the real value, printed with the same
      format, gives the same text (so "0.0000000001" is checked to ten
      decimals, "9.998" to three);
    * an epoch count agrees only when it is exactly equal;
    * an "about" claim ("~100") agrees within 20 %; a lower bound ("50,000+")
      agrees when the real value is at least that large;
    * schedule values agree when every epoch of the printed range gives the
      printed value to a relative 1e-12.

Assumptions (each is also in the claim's ``setup``)
    * "Real Code": the article's own loop on ``f(x) = x²`` from ``x = 5``
      (:func:`article_train` transcribes it: the new ``x`` is recorded after
      every epoch and the loop stops after the first epoch with ``|x| > 1000``).
    * "Three Learning Rates": the article names no loss function. We use the
      one from its own code, ``f(x) = x²``, started at ``x0 = √10`` so that
      the first loss is the printed 10.000. "Epoch k: A → B" is read as the
      loss after ``k − 1`` epochs and after ``k``. "Converged" is read as
      loss ≤ 0.25: the article itself calls 0.249 converged.
    * "Common Schedules": the formulas printed next to the values, i.e.
      ``lrlab.optim.schedules.step_decay(0.1, step_size=30, gamma=0.1)`` and
      ``exponential_decay(0.1, gamma=0.95)`` with the epoch as the step.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from lrlab import _validate as v
from lrlab.optim import schedules
from lrlab.train import theory
from lrlab.train.engine import sweep
from lrlab.problems.quadratic import Quadratic1D

#: Short keys for the article's sections, with the headings they stand for.
SECTIONS = {
    "three-rates": "A Day in the Life of Three Learning Rates",
    "intuition": "The Mathematical Intuition",
    "real-code": "Real Code: Watch It Happen",
    "schedules": "Common Schedules",
    "optimizers": "Learning Rate vs. Optimizer",
    "common-mistakes": "Common Learning Rate Mistakes",
    "quick-reference": "Quick Reference: Symptoms and Fixes",
    "goldilocks": "The Goldilocks Zone",
    "architectures": "The Goldilocks Zone: the zone moves with the architecture",
    "takeaways": "Key Takeaways",
}

#: The loss level the article's own table labels "converged" (0.249 at epoch 100, rounded up).
CONVERGED_LOSS = 0.25
#: Relative tolerance of an "about" claim such as "~100".
ABOUT = 0.20
#: Relative tolerance for schedule values.
SCHEDULE_RTOL = 1e-12


@dataclass(frozen=True)
class Claim:
    """One number the article prints, and what the code gives for the same setup."""

    id: str
    section: str
    what: str
    article_value: str
    setup: dict
    real_value: object
    real_text: str
    agrees: bool
    tolerance: str
    note: str = ""
    decided: bool = True

    @property
    def verdict(self) -> str:
        """``"yes"``, ``"no"``, or ``"not contradicted"`` when the runs cannot tell (``decided`` False)."""
        if not self.agrees:
            return "no"
        return "yes" if self.decided else "not contradicted"

    @property
    def heading(self) -> str:
        """The article's heading of the section this claim comes from."""
        return SECTIONS[self.section]


class ArticleRun(NamedTuple):
    """What :func:`article_train` recorded: one entry per epoch, epoch 0 first."""

    epochs: list
    xs: list
    losses: list
    exploded_at: int | None


def article_train(lr, x0=5.0, epochs=50, bound=1000.0) -> ArticleRun:
    """The article's demonstration loop on ``f(x) = x²``, transcribed to plain Python floats.

    Start at ``x0`` (recorded as epoch 0); each epoch sets ``x ← x − lr·2x`` and
    records the new ``x`` and ``x²``; after the first epoch that leaves
    ``|x| > bound`` the loop records that epoch as ``exploded_at`` and stops.
    This is the article's control flow, kept so that its output can be
    checked; use :func:`lrlab.train.engine.train` or :func:`lrlab.train.engine.sweep` for
    real work.

    >>> run = article_train(1.1)
    >>> run.exploded_at, len(run.xs)
    (30, 31)
    """
    lr = v.positive("lr", lr)
    x = v.real("x0", x0)
    epochs = v.integer("epochs", epochs, low=0)
    bound = v.positive("bound", bound)
    run = ArticleRun([0], [x], [x * x], None)
    for epoch in range(1, epochs + 1):
        x = x - lr * (2.0 * x)
        run.epochs.append(epoch)
        run.xs.append(x)
        run.losses.append(x * x)
        if abs(x) > bound:
            return run._replace(exploded_at=epoch)
    return run


def overflow_epochs(lr, x0, dtype=np.float64, max_epochs=10_000) -> dict:
    """Run ``x ← x − lr·(2x)`` on ``f(x) = x²`` in ``dtype`` and report when it breaks.

    Returns ``{"loss_inf": k1, "x_inf": k2, "nan": k3}``: the first epoch whose
    loss ``x·x`` is infinite, whose ``x`` is infinite, and whose ``x`` is NaN
    (``None`` for what never happens within ``max_epochs``). NaN needs an
    infinite ``x`` first: the next update computes ``∞ − ∞``. Written as
    ``x·(1 − 2·lr)`` instead, the same run would stay at ±∞ and never reach NaN.

    >>> overflow_epochs(10.0, math.sqrt(10.0))
    {'loss_inf': 121, 'x_inf': 241, 'nan': 242}
    """
    lr = v.positive("lr", lr)
    x0 = v.real("x0", x0)
    max_epochs = v.integer("max_epochs", max_epochs, low=1)
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype must be a floating-point type, got {dtype}")
    x, step, two = dtype.type(x0), dtype.type(lr), dtype.type(2.0)
    found = {"loss_inf": None, "x_inf": None, "nan": None}
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, max_epochs + 1):
            x = x - step * (two * x)
            if found["loss_inf"] is None and np.isinf(x * x):
                found["loss_inf"] = epoch
            if found["x_inf"] is None and np.isinf(x):
                found["x_inf"] = epoch
            if np.isnan(x):
                found["nan"] = epoch
                break
    return found


def implied_curvature(lr, before, after) -> float:
    r"""The curvature ``a`` of ``f(x) = (a/2)x²`` for which one step at ``lr`` turns loss ``before`` into ``after``.

    One step multiplies the loss by :math:`(1 - \eta a)^2`, so
    :math:`a = (1 \mp \sqrt{\text{after}/\text{before}})/\eta`; the smaller
    root (``−``) is returned when the loss went down, the larger one (the
    step overshot) when it went up.

    >>> round(implied_curvature(0.01, 10.0, 9.604), 12)
    2.0
    """
    lr = v.positive("lr", lr)
    before = v.positive("before", before)
    after = v.non_negative("after", after)
    root = math.sqrt(after / before)
    return (1.0 - root) / lr if after <= before else (1.0 + root) / lr


# ---------------------------------------------------------------- claim builders

def _printed(fmt: str, value) -> str:
    if isinstance(value, tuple):
        return " → ".join(_printed(fmt, x) for x in value)
    if value is None:
        return "never"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return format(value, fmt)


def _as_printed(cid, section, what, article, setup, real, fmt, note=""):
    """A decimal claim: agrees when ``real`` printed with ``fmt`` reads exactly like ``article``."""
    text = _printed(fmt, real)
    return Claim(cid, section, what, article, dict(setup, format=fmt), real, text, text == article,
                 f"same text when printed with format '{fmt}'", note)


def _exact(cid, section, what, article, setup, real, note=""):
    text = _printed("d", real)
    return Claim(cid, section, what, article, setup, real, text, text == article, "exactly equal", note)


def _number(text: str) -> float:
    return float(text.replace(",", "").lstrip("~").rstrip("+"))


def _about(cid, section, what, article, setup, real, note=""):
    target = _number(article)
    agrees = real is not None and abs(real - target) <= ABOUT * target
    return Claim(cid, section, what, article, setup, real, _printed("d", real), agrees,
                 f"within {ABOUT:.0%} of the printed value", note)


def _at_least(cid, section, what, article, setup, real, note=""):
    agrees = real is None or real >= _number(article)
    return Claim(cid, section, what, article, setup, real, _printed(",d", real), agrees,
                 "the real value must be at least the printed bound", note)


# ---------------------------------------------------------------- the sections

_X2 = "f(x) = x²"


def _real_code() -> list[Claim]:
    sec = "real-code"
    out = []
    bound = 1000.0
    base = {"problem": _X2, "x0": 5.0, "epochs": 50, "loop": "article_train (stops after |x| > 1000)"}
    p = Quadratic1D(a=2.0, x0=5.0)
    for lr, fmt, x_txt, loss_txt in ((0.001, ".6f", "4.524987", "20.475618"),
                                     (0.1, ".10f", "0.0000000001", "0.0000000000")):
        setup = dict(base, lr=lr)
        x50 = theory.iterate(lr, p, 50)
        loss50 = x50 * x50
        if lr == 0.001:
            x49 = theory.iterate(lr, p, 49)
            x_note = (f"No whole number of epochs prints this: x is {x49:.6f} after 49 epochs and "
                      f"{x50:.6f} after 50.")
            half = 0.5e-6  # x printed with six decimals is within this of the printed value
            lo, hi = (_number(x_txt) - half) ** 2, (_number(x_txt) + half) ** 2
            loss_note = (f"The printed pair does not even fit together: any x that prints as {x_txt} has "
                         f"x² between {lo:.6f} and {hi:.6f}.")
        else:
            shown = 1.5e-10  # the largest x that still prints as 0.0000000001 (rounding half up)
            needed = theory.steps_to_reach(lr, p, shown)
            x_note = (f"After 50 epochs x is still {x50:.2e}, about {x50 / 1e-10:,.0f} times the printed value; "
                      f"x only prints as 0.0000000001 after {needed} epochs. A format with ten decimals "
                      f"makes an unfinished run look finished.")
            loss_note = (f"The loss is {loss50:.2e}; it would print as 0.0000000051, not as zero. Printing it "
                         f"with {fmt} hides how far from 0 it is; use a format such as '.3e'.")
        out.append(_as_printed(f"{sec}/lr={lr:g}/x", sec, f"x after 50 epochs at lr = {lr:g}", x_txt,
                               setup, x50, fmt, x_note))
        out.append(_as_printed(f"{sec}/lr={lr:g}/loss", sec, f"loss after 50 epochs at lr = {lr:g}", loss_txt,
                               setup, loss50, fmt, loss_note))
    lr = 1.1
    k = theory.steps_to_exceed(lr, p, bound)
    q = abs(1.0 - 2.0 * lr)
    note = (f"|x| after k epochs is 5·{q:g}^k: {5 * q ** 23:.1f} after epoch 23 (still inside the bound), "
            f"{5 * q ** (k - 1):.1f} after epoch {k - 1} and {5 * q ** k:.1f} after epoch {k}, the first "
            f"beyond 1000. The epoch is predictable exactly, so a wrong one means the output was not produced "
            f"by this code.")
    out.append(_exact(f"{sec}/lr=1.1/explodes-at", sec, "epoch at which lr = 1.1 passes |x| > 1000", "23",
                      dict(base, lr=lr, bound=bound), k, note))
    return out


def _row(sec, name, lr, p, k, article, fmt, extra_note=""):
    before, after = (float(theory.loss_after(lr, p, j)) for j in (k - 1, k))
    setup = {"problem": _X2, "x0": p.x0, "lr": lr, "epoch": k,
             "reading": "loss after epoch k−1 → loss after epoch k"}
    return _as_printed(f"{sec}/{name}/epoch-{k}", sec, f"{name} (lr = {lr:g}): loss during epoch {k}",
                       article, setup, (before, after), fmt, extra_note)


def _three_rates() -> list[Claim]:
    sec = "three-rates"
    p = Quadratic1D(a=2.0, x0=math.sqrt(10.0))
    tol_x = math.sqrt(CONVERGED_LOSS)  # f = x², so loss <= 0.25 means |x| <= 0.5
    conv_setup = {"problem": _X2, "x0": p.x0, "converged": f"loss <= {CONVERGED_LOSS:g}"}
    out = []

    def first_note(lr, before, after):
        a = implied_curvature(lr, before, after)
        return (f"This printed step fits f(x) = (a/2)x² only with a = {a:.3g}, not a = 2 (x²); "
                f"the three tables do not come from one loss function.")

    snail = 0.0001
    rows = {1: "10.000 → 9.998", 10: "9.980 → 9.978", 100: "9.800 → 9.798", 1000: "8.000 → 7.998",
            10000: "2.100 → 2.098"}
    for k, txt in rows.items():
        note = first_note(snail, 10.0, 9.998) if k == 1 else ""
        if k == 10:
            note = ("Up to epoch 1000 the printed rows lie on the straight line 10 − 0.002·k; gradient "
                    "descent on a quadratic shrinks the loss by the same factor each epoch, a curve.")
        out.append(_row(sec, "snail", snail, p, k, txt, ".3f", note))
    strict = theory.steps_to_reach(snail, p, 1e-3)
    k = theory.steps_to_reach(snail, p, tol_x)
    out.append(_at_least(f"{sec}/snail/epochs-to-converge", sec, "snail: epochs until converged", "50,000+",
                         dict(conv_setup, lr=snail), k,
                         f"Even a far stricter target, loss ≤ 1e-6, is reached after {strict:,} epochs."))

    maniac = 10.0
    rows = {1: "10.000 → 847.000", 2: "847.000 → 72,456.000", 3: "72,456.000 → NaN"}
    factor = (1.0 - 2.0 * maniac) ** 2
    for k, txt in rows.items():
        note = ""
        if k == 1:
            note = first_note(maniac, 10.0, 847.0) + f" On x² every epoch multiplies the loss by {factor:g}."
        if k == 3:
            note = "A loss this size is an ordinary float; nothing is NaN yet (see maniac/nan-at)."
        out.append(_row(sec, "maniac", maniac, p, k, txt, ",.3f", note))
    f64 = overflow_epochs(maniac, p.x0)
    f32 = overflow_epochs(maniac, p.x0, dtype=np.float32)
    engine_k = int(sweep(p, [maniac], 5).diverged_at[0])
    note = (f"In float64 the loss first overflows to inf at epoch {f64['loss_inf']}, x at epoch "
            f"{f64['x_inf']}, and x − lr·grad gives NaN (∞ − ∞) at epoch {f64['nan']}; in float32 "
            f"(what GPUs train in) at epochs {f32['loss_inf']}, {f32['x_inf']} and {f32['nan']}. "
            f"A run is hopeless long before: lrlab's engine calls it diverged at epoch {engine_k} "
            f"(loss above 10⁶ × the start).")
    out.append(Claim(f"{sec}/maniac/nan-at", sec, "maniac (lr = 10): first epoch whose loss is NaN", "3",
                     {"problem": _X2, "x0": p.x0, "lr": maniac, "dtype": "float64",
                      "update": "x − lr·(2x)"},
                     f64["nan"], _printed("d", f64["nan"]), f64["nan"] == 3, "exactly equal", note))
    k = theory.steps_to_reach(maniac, p, tol_x)
    out.append(Claim(f"{sec}/maniac/epochs-to-converge", sec, "maniac: epochs until converged", "Never",
                     dict(conv_setup, lr=maniac), k, _printed("d", k), k is None, "never converges",
                     f"|1 − 2·lr| = {abs(1 - 2 * maniac):g} > 1: every epoch moves x farther out."))

    pro = 0.01
    rows = {1: "10.000 → 7.500", 10: "3.200 → 2.800", 50: "0.520 → 0.480", 100: "0.251 → 0.249"}
    for k, txt in rows.items():
        note = first_note(pro, 10.0, 7.5) if k == 1 else ""
        out.append(_row(sec, "pro", pro, p, k, txt, ".3f", note))
    strict = theory.steps_to_reach(pro, p, 1e-3)
    k = theory.steps_to_reach(pro, p, tol_x)
    out.append(_about(f"{sec}/pro/epochs-to-converge", sec, "pro: epochs until converged", "~100",
                      dict(conv_setup, lr=pro), k,
                      f"By the article's own standard (loss ≤ {CONVERGED_LOSS:g}) yes; a loss of 0.25 is still "
                      f"2.5 % of the start, and loss ≤ 1e-6 takes {strict} epochs."))
    return out


def _intuition() -> list[Claim]:
    sec = "intuition"
    lr = 1.1
    p = Quadratic1D(a=2.0, x0=5.0)
    losses = sweep(p, [lr], 25, max_loss=1e300).losses[0]
    ratios = losses[1:] / losses[:-1]
    spread = float(ratios.max() - ratios.min())
    growth = float(np.median(ratios))
    agrees = growth > 1.0 and spread <= 1e-9 * growth
    return [Claim(f"{sec}/exponential-growth", sec,
                  "a rate that is too large makes the loss grow exponentially",
                  "Loss increases exponentially",
                  {"problem": _X2, "x0": 5.0, "lr": lr, "epochs": 25}, growth,
                  f"× {growth:.6g} per epoch", agrees,
                  "the same factor > 1 every epoch (to a relative 1e-9)",
                  f"On a quadratic each overshoot lands |1 − 2·lr| = {abs(1 - 2 * lr):g} times as far out "
                  f"as the last, so the loss is multiplied by {(1 - 2 * lr) ** 2:g} every epoch.")]


def _schedules() -> list[Claim]:
    sec = "schedules"
    out = []
    step = schedules.step_decay(0.1, step_size=30, gamma=0.1)
    setup = {"schedule": repr(step), "step": "epoch"}
    for lo, hi, txt in ((0, 29, "0.1"), (30, 59, "0.01"), (60, 89, "0.001")):
        values = step(np.arange(lo, hi + 1))
        target = float(txt)
        agrees = bool(np.all(np.abs(values - target) <= SCHEDULE_RTOL * target))
        real = (float(values.min()), float(values.max()))
        text = f"{real[0]:.12g}" if real[0] == real[1] else f"{real[0]:.12g} … {real[1]:.12g}"
        out.append(Claim(f"{sec}/step-decay/epochs-{lo}-{hi}", sec, f"step decay: lr for epochs {lo}–{hi}",
                         txt, dict(setup, epochs=(lo, hi)), real, text, agrees,
                         f"every epoch of the range within a relative {SCHEDULE_RTOL:g} of the printed value"))
    expo = schedules.exponential_decay(0.1, gamma=0.95)
    setup = {"schedule": repr(expo), "step": "epoch"}
    for epoch, txt in ((0, "0.100"), (10, "0.060"), (50, "0.008")):
        real = expo(epoch)
        out.append(_as_printed(f"{sec}/exponential/epoch-{epoch}", sec, f"exponential decay: lr at epoch {epoch}",
                               txt, dict(setup, epoch=epoch), real, ".3f",
                               f"unrounded: {real:.6g}" if epoch else ""))
    return out


def _optimizers() -> list[Claim]:
    """Lesson 06's sensitivity study (lrlab.studies.sensitivity.run_study and train_at, cached): the post's SGD
    versus Adam, on 153 digits MLPs, with the first Adam step and the weight-decay runs of the same lesson."""
    from lrlab.optim.optimizers import SGD, Adam, AdamW
    from lrlab.problems import MLP
    from lrlab.studies import sensitivity as s

    sec = "optimizers"
    net = MLP(sizes=s.STUDY_SIZES, activation="tanh")
    study = s.run_study(net, s.STUDY_RATES, s.STUDY_SEEDS, s.STUDY_STEPS, batch_size=s.STUDY_BATCH)
    seeds, step = len(study.seeds), 0.25  # the grid's spacing in decades
    setup = {"network": "digits MLP 64-32-10 tanh (2,410 parameters), 1,438 training images",
             "judged on": f"validation loss and accuracy on the {study.n_val} held-out images",
             "budget": f"{study.steps} steps of batch {study.batch_size}", "seeds": seeds,
             "grid": f"{study.lrs.size} rates from {study.lrs[0]:.2g} to {study.lrs[-1]:.2g}, a quarter decade apart",
             "optimizers": ", ".join(study.names) + " (PyTorch's defaults apart from the rate)"}
    zones = {n: study.zone(n) for n in study.names}
    sgds = [n for n in study.names if n.startswith("SGD")]
    widths = "; ".join(f"{n} {z.width:.2f}" for n, z in zones.items())
    regime = f"On the digits MLP, {study.steps} steps of batch {study.batch_size}, {seeds} seeds: "
    out = []

    lead = zones["Adam"].width - max(zones[n].width for n in sgds)
    out.append(Claim(
        f"{sec}/zone-width", sec, "how wide a range of rates trains well (table: sensitivity very high for SGD, low "
        "for Adam; tuning lots against little)", "SGD: Sensitive to Learning Rate",
        dict(setup, zone="rates whose mean validation loss is within 2× of the optimizer's best"), lead,
        f"zone widths in decades: {widths}", bool(lead > step + 1e-9),
        "Adam's zone is wider than plain SGD's and SGD with momentum's by more than one grid step (a quarter "
        "decade, the uncertainty of a width read off this grid)",
        f"{regime}Adam's zone minus plain SGD's: {zones['Adam'].width - zones['SGD'].width:+.2f} decades; minus that "
        f"of SGD with momentum, the way SGD is used: {zones['Adam'].width - zones['SGD + momentum 0.9'].width:+.2f}. "
        + ("In how wide a range of rates works, the post overstates the difference; where "
                                "Adam does differ is above its zone (next claim)." if lead <= step + 1e-9 else
                                "Adam's zone is the widest by more than the grid's resolution.")))

    first = {n: study.first_failure(n) for n in study.names}
    failing = {n: first[n] and int(study.failing(n)[study.lrs == first[n]][0]) for n in study.names}
    margin = {n: math.inf if first[n] is None else math.log10(first[n] / zones[n].best_lr) for n in study.names}
    failing = {n: 0 if first[n] is None else failing[n] for n in study.names}
    rise = {n: study.steepest_rise(n) for n in study.names}
    forgiving = rise["Adam"] < 3 and rise["SGD"] > 10 and margin["Adam"] > margin["SGD"] and 0 < failing["SGD"] < seeds
    out.append(Claim(
        f"{sec}/forgiving", sec, "Adam forgives a rate guessed too high, where SGD does not",
        "It's more forgiving of bad choices.",
        dict(setup, fails=f"a seed diverged or ended above {s.FAIL_FACTOR:g}× the optimizer's best mean loss"),
        (rise["Adam"], rise["SGD"]),
        f"steepest rise of the mean loss from one grid rate to the next, from the best rate to the first at which "
        f"every seed fails: Adam ×{rise['Adam']:.1f}, "
        f"SGD ×{rise['SGD']:.1f}; first failure above the best: Adam {margin['Adam']:.2f} decades ({failing['Adam']} "
        f"of {seeds} seeds), SGD {margin['SGD']:.2f} ({failing['SGD']} of {seeds})", bool(forgiving),
        "from its best rate up to the first rate at which every seed fails, Adam's loss grows less than 3× per grid "
        "step (it degrades gradually) while plain "
        "SGD's grows more than 10× in one step (a wall) that fails some but not all seeds first, and Adam's first "
        "failing rate lies farther above its best than SGD's",
        f"{regime}no copy diverged on this grid: what fails is a loss an order of magnitude above the best. "
        f"SGD with momentum climbs steeply too (×{rise['SGD + momentum 0.9']:.1f} in one grid step). "
        + ("A rate guessed a few times too high costs Adam some loss, and plain SGD the run." if forgiving else
           "On these runs the difference above the zone is not the gradual-against-wall shape.")))

    defaults = s.POST_CLAIMS["defaults"]
    long_steps = 5 * study.steps
    long = {n: s.train_at(net, n, defaults[n], study.seeds, long_steps, batch_size=study.batch_size)
            for n in ("SGD", "Adam")}
    at = {n: np.isclose(study.lrs, defaults[n]) for n in ("SGD", "Adam")}
    short = {n: study.loss_at(n, defaults[n]) for n in ("SGD", "Adam")}
    sgd_seeds = study.val_loss["SGD"][at["SGD"]][0]
    decades = math.log10(zones["SGD"].best_lr / defaults["SGD"])
    safe = not study.diverged["SGD"][at["SGD"]].any() and bool(np.all(sgd_seeds < study.start_loss))
    out.append(Claim(
        f"{sec}/sgd-default", sec, f"SGD's default rate {defaults['SGD']:g}: a start that does not explode",
        "SGD(learning_rate=0.01)", dict(setup, lr=defaults["SGD"]), float(short["SGD"]),
        f"no seed diverged; validation loss {short['SGD']:.3f} ({sgd_seeds.min():.3f}-{sgd_seeds.max():.3f}), "
        f"untrained {study.start_loss:.3f}; best rate {zones['SGD'].best_lr:.3g}, {decades:.2f} decades higher",
        safe, "at this rate no seed diverged and every seed ended below the untrained network's validation loss",
        f"{regime}a start, not a good rate: after {study.steps} steps the loss is "
        f"{short['SGD'] / zones['SGD'].best_loss:.1f}× SGD's best, and after {long_steps} steps (same seeds) "
        f"{long['SGD'] / zones['SGD'].best_loss:.1f}×. The best rate sits about {decades:.0f} decades above "
        f"{defaults['SGD']:g} on this network."))

    adam_decades = math.log10(zones["Adam"].best_lr / defaults["Adam"])
    for steps, loss in ((study.steps, short["Adam"]), (long_steps, long["Adam"])):
        ratio = loss / zones["Adam"].best_loss
        out.append(Claim(
            f"{sec}/adam-default-{steps}-steps", sec,
            f"Adam's default rate {defaults['Adam']:g} works without tuning, with {steps} steps",
            "Usually works out of the box", dict(setup, lr=defaults["Adam"], budget=f"{steps} steps of batch "
                                                 f"{study.batch_size}"),
            float(ratio), f"validation loss {loss:.3f}, {ratio:.1f}× Adam's best of the {study.steps}-step study "
            f"(at {zones['Adam'].best_lr:.3g})", bool(ratio <= 2.0),
            f"the mean validation loss at the default is within Adam's zone: at most 2× its best loss on the "
            f"{study.steps}-step grid",
            f"On the digits MLP, {steps} steps of batch {study.batch_size}, {seeds} seeds (those of the study): "
            f"the default is {adam_decades:.2f} decades below Adam's best rate, and whether it gets into the zone "
            f"depends on the budget: after {study.steps} steps it ends {short['Adam'] / zones['Adam'].best_loss:.1f}× "
            f"the best, after {long_steps} {long['Adam'] / zones['Adam'].best_loss:.1f}×."))

    best = {}
    for n, z in zones.items():
        i = int(np.flatnonzero(study.lrs == z.best_lr)[0])
        best[n] = float(study.val_accuracy[n][i].mean())
    err = min(study.accuracy_error(a) for a in best.values())
    top_sgd = max(sgds, key=lambda n: best[n])
    gap = best[top_sgd] - best["Adam"]
    verdict = "indistinguishable" if abs(gap) <= err else ("SGD ahead" if gap > 0 else "Adam ahead")
    out.append(Claim(
        f"{sec}/final-performance", sec, "tuned SGD ends better than Adam (table: final performance often better "
        "for SGD, usually good for Adam)", "Often better", dict(setup, each="at its own best rate on the grid"),
        gap, f"{verdict}: accuracy " + "; ".join(f"{n} {a:.1%}" for n, a in best.items())
        + f"; binomial error of one accuracy ±{err:.1%}", verdict != "Adam ahead",
        f"the runs do not contradict it: tuned SGD (the better of plain and momentum) is not behind tuned Adam by "
        f"more than one binomial error of an accuracy on {study.n_val} images",
        regime + ("neither confirmed nor contradicted. Tuned, the three optimizers are indistinguishable by "
                  "accuracy, and each got there only after its rate was tuned. The claim is about long training of "
                  "large models; telling these apart would take far more validation images than this study has."
                  if verdict == "indistinguishable" else
                  f"{verdict} by more than the binomial error, with each optimizer at its tuned rate."),
        decided=verdict != "indistinguishable"))

    g = np.array([35.0, 0.1])
    moves = {n: -opt.step(np.zeros(2), g) for n, opt in (("SGD", SGD(lr=0.01)), ("Adam", Adam(lr=0.01)))}
    ratio = {n: float(m[0] / m[1]) for n, m in moves.items()}
    lam, lr_wd, T = 0.2, 1e-3, 1500
    finals = s.decay_under_noise({"L2": Adam(lr=lr_wd, weight_decay=lam), "AdamW": AdamW(lr=lr_wd, weight_decay=lam)},
                                 [10.0, 0.01], T, copies=100)
    shrink = (1 - lr_wd * lam) ** T
    out.append(Claim(
        f"{sec}/per-parameter", sec, "Adam adapts the step to each parameter",
        "Adam adapts the learning rate per-parameter.",
        {"gradient": "(35, 0.1), one step at lr = 0.01 from the origin", "optimizers": "SGD and Adam, PyTorch's rules",
         "weight decay": f"AdamW and Adam with an L2 penalty, λ {lam:g}, lr {lr_wd:g}, {T} steps of pure-noise "
                         f"gradients (std 10 and 0.01, 100 weights each)"},
        ratio["Adam"], f"Adam moves the two coordinates {moves['Adam'][0]:.4g} and {moves['Adam'][1]:.4g} (ratio "
        f"{ratio['Adam']:.3g}); SGD {moves['SGD'][0]:.4g} and {moves['SGD'][1]:.4g} (ratio {ratio['SGD']:.3g})",
        bool(abs(ratio["Adam"] - 1.0) <= 1e-6 and ratio["SGD"] > 100),
        f"Adam's first step moves both coordinates by the same distance (to a relative 1e-6), where SGD's follows the "
        f"gradient's {g[0] / g[1]:g} : 1",
        f"The rate becomes a distance per step, per coordinate; it fixes a badly scaled problem whose axes are the "
        f"coordinates, not a tilted valley (lesson 06). Weight decay is not adapted in AdamW: it shrinks every weight "
        f"by lr·λ per step, PyTorch's convention (the paper writes λ apart from the rate): after {T} steps at "
        f"lr {lr_wd:g}, λ {lam:g}, weights with noisy and with quiet gradients are at {finals['AdamW'][0]:.3f} and "
        f"{finals['AdamW'][1]:.3f} against (1 − lr·λ)^T = {shrink:.3f}; an L2 penalty given to Adam leaves them at "
        f"{finals['L2'][0]:.3f} and {finals['L2'][1]:.3f}."))
    return out


def _common_mistakes() -> list[Claim]:
    """Lesson 07's measurements (lrlab.studies.mistakes, cached): fine-tuning rates, batch size, giving up."""
    from lrlab.studies import mistakes as m
    from lrlab.studies import scale

    sec = "common-mistakes"
    out = []
    ft = m.finetune_grid()
    body, head = m.best_pair(ft)
    single = m.best_single_rate(ft)
    groups, one = m.pick(ft, body, head), m.pick(ft, single, single)
    post = m.pick(ft, 1e-5, 1e-3)
    S = ft.n_seeds
    span = lambda a: f"{np.mean(a):.1%} ({np.min(a):.1%}-{np.max(a):.1%})"  # noqa: E731
    setup = {"network": "digits MLP 64-32-10 tanh (2,410 parameters), pretrained on digits 0-4 with Adam",
             "task": "new head for digits 5-9, Adam, 100 steps of batch 32",
             "grid": f"body {m.BODY_RATES}, head {m.HEAD_RATES}", "seeds": S,
             "score": "mean of new-class accuracy and old-class retention (learn the new task, keep the old)"}
    # scale.verdict ranks losses (lower is better): give it the scores negated
    ranked = {"pair lower": "the pair ahead", "single lower": "the single rate ahead"}.get(
        scale.verdict(-groups.score, -one.score, ("pair", "single")), "indistinguishable")
    gap = scale.margin(groups.score, one.score)
    paired = m.paired(groups, one)
    points = np.array(paired.column("score gap (points)"))
    net = np.array(paired.column("new classes: images right")) + np.array(paired.column("old classes: images kept"))
    n_old, n_new = m.held_out()
    agrees = body < head and ranked != "the single rate ahead"
    out.append(Claim(
        f"{sec}/fine-tune/groups", sec, "fine-tuning: a smaller rate for the pretrained layers than for the new ones, "
        "not one rate for all", "BETTER: Different LRs for different parts", setup, (body, head, single),
        f"best pair: body {body:g}, head {head:g}, score {span(groups.score)}; best single rate {single:g}: "
        f"score {span(one.score)}; {ranked} (gap of the means {gap:.2f}× the seeds' range)", agrees,
        "the best pair of the grid has a smaller body rate, and the best single rate does not score above it by "
        "more than the seeds' range (lrlab.studies.scale.verdict); decided only if the pair scores above it by "
        "more than that range",
        (f"Indistinguishable by the course's rule: the gap between the mean scores is inside the seeds' range. "
         if ranked == "indistinguishable" else f"Ranked by the course's rule: {ranked}. ")
        + f"Seed by seed (same pretrained body, new head and batches) the pair's score minus the single rate's is "
        f"{', '.join(f'{p:+.2f}' for p in points)} points, {', '.join(f'{k:+d}' for k in net)} held-out images "
        f"in all (of {n_new} new and {n_old} old). What the pair keeps is retention: "
        f"{span(groups.retention)} of the old classes against {span(one.retention)}, while on the new classes "
        f"it gets {span(groups.new_accuracy)} against {span(one.new_accuracy)}. The post's values themselves are "
        f"for long fine-tuning of large pretrained models and are not tested here: in 100 steps Adam moves a "
        f"weight by at most about {m.max_adam_move(1e-3, 100):g} at 1e-3, and the post's pair leaves the new "
        f"head at {span(post.new_accuracy)} on the new classes.", decided=ranked != "indistinguishable"))
    sgd = m.batch_sweep("sgd", m.BATCHES, m.SGD_RATES, epochs=m.EPOCHS)
    adam = m.batch_sweep("adam", m.BATCHES, m.ADAM_RATES, epochs=m.EPOCHS)
    i32, i128 = m.BATCHES.index(32), m.BATCHES.index(128)
    ratio = {s.optimizer: s.best[i128] / s.best[i32] for s in (sgd, adam)}
    real = tuple(float(0.001 * r) for r in ratio["sgd"])
    steps = dict(zip(m.BATCHES, sgd.steps.tolist()))
    wall = sgd.largest_stable()[i32]                     # per seed, the largest SGD rate of the grid that trained
    adam_low = adam.lrs[np.argmin(adam.losses[i32], axis=0)]  # per seed, Adam's rate of lowest loss at batch 32
    near = float(np.max(wall / sgd.best[i32]))
    out.append(Claim(
        f"{sec}/batch-32-to-128", sec, "batch 32 → 128: the rate 0.001 can become", "~0.002-0.004",
        {"network": "digits MLP 64-32-10 tanh", "budget": f"{m.EPOCHS} passes over 1,438 images "
         f"({steps[32]} steps at batch 32, {steps[128]} at batch 128)", "seeds": len(sgd.seeds),
         "best rate": "lowest final training loss, refined between grid rates, per seed"},
        real, f"SGD: {min(real):.2g}-{max(real):.2g} (×{ratio['sgd'].min():.2f}-{ratio['sgd'].max():.2f}); "
        f"Adam: ×{ratio['adam'].min():.2f}-{ratio['adam'].max():.2f}",
        bool(any(np.all((2 <= r) & (r <= 4)) for r in ratio.values())),
        "the best rate grows 2-4× on every seed, for SGD or for Adam",
        f"With {steps[128]} steps at batch 128 SGD is near the largest rate that trains, not limited "
        f"by gradient noise: SGD's best rate grew far less than 2× on every seed; Adam's growth depends on the "
        f"seed: at batch 32 its final loss has more than one dip along the rate grid, and the lowest sits at "
        f"lr {', '.join(f'{r:.3g}' for r in adam_low)} depending on the seed. The linear rule's premise, that k small steps "
        f"land where one step k times as large would, holds only while k·lr stays well below the stability limit; "
        f"at batch 32 SGD's best rate is already within {near:.1f}× of the largest rate that trained "
        f"({wall.min():.3g}" + (f"-{wall.max():.3g}" if wall.max() > wall.min() else "")
        + ") on every seed, so the curvature, not the gradient noise, limits the "
        f"rate: the batch is at or past its critical batch size. Not a test of the rule at the budgets of large "
        f"models."))
    st = m.stalls()
    name, floor = "batch 4, lr 0.5", "batch 32, lr 1"
    cont, cut = st.ends(name, "continue as is"), st.ends(name, "divide by 10")
    change = np.abs(st.ends(floor, "divide by 10") / st.ends(floor, "continue as is") - 1)
    out.append(Claim(
        f"{sec}/give-up", sec, "a stalled run: reduce the rate 10× and train longer", "Reduce LR by 10x and train longer",
        {"run": f"SGD {name}, each seed forked where it stalled (steps {', '.join(str(f) for f in st.fork[name])}): "
                f"ReduceLROnPlateau (patience {st.patience}) fed the mean validation loss of the last {st.window} "
                f"evaluations, one every {st.every} steps, would cut there",
         "compared with": f"{st.more} more steps unchanged", "seeds": len(st.seeds),
         "judged on": f"validation loss, mean of the last {st.window} evaluations"},
        tuple(float(c) for c in cut), f"validation loss {np.mean(cut):.3f} ({cut.min():.3f}-{cut.max():.3f}); "
        f"going on unchanged: {np.mean(cont):.3f} ({cont.min():.3f}-{cont.max():.3f})", bool(np.all(cut < cont)),
        "the ÷10 run ends lower than going on unchanged, on every seed",
        f"On a run stalled on a smooth floor, its training loss far below and still falling (SGD {floor}), the cut "
        f"changes the validation loss by {change.max():.1%} at most, less than the seeds' spread; on a run whose "
        "rate is too small (lr 0.01) it makes things worse, and the rate must go up instead, by more than 10×: "
        "lr 0.1 is still one of the slow runs of the quick-reference table (row 2)."))
    return out


def _quick_reference() -> list[Claim]:
    from lrlab.studies import mistakes as m

    sec = "quick-reference"
    out = []
    trials = m.quick_reference()
    for row, (symptom, cause, fix) in enumerate(m.TABLE, start=1):
        mine = [t for t in trials if t.row == row and t.premise]
        others = [t for t in trials if t.row == row and not t.premise]
        verdict = m.row_verdict(trials, row)
        text = "; ".join(f"{t.run}, {t.tried}: {t.verdict}" for t in mine)
        note = "; ".join(f"{t.tried} on {t.run.split(':')[0]}: {np.mean(t.before):.3g} → {np.mean(t.after):.3g}"
                         for t in mine)
        if others:
            note += (". Counter-examples (same symptom, another cause), not counted: "
                     + "; ".join(f"{t.run}, {t.tried}: {t.verdict}" for t in others))
        out.append(Claim(f"{sec}/row-{row}", sec, f"{symptom} ({cause}): the fix", fix,
                         {"runs": "digits MLP 64-32-10 tanh, SGD, batch 32, 300 steps (the plateau row: lesson 07's "
                          "stalled runs)", "seeds": len(m.SEEDS), "judged on": mine[0].metric},
                         verdict, text, verdict == "yes",
                         f"on every run that shows the symptom and its stated cause, and every seed, the fixed run "
                         f"ends within {m.WORKS_WITHIN:g}× of the best loss of any run (for a range of factors, at "
                         f"one end of it; for alternatives, each of them)", note))
    return out


def _goldilocks() -> list[Claim]:
    """Lesson 08's measurement (lrlab.studies.tuning.recipe_zones, cached): the zones of five recipes, against the
    post's sketch read as what it is (a band drawn for no named problem, with the caveat that it moves)."""
    from lrlab.studies import tuning

    sec = "goldilocks"
    atlas = tuning.recipe_zones()
    step = 0.25  # the grid's spacing in decades
    sketch = (1e-4, 1e-2)
    lows, highs = np.array([s.zone.low for s in atlas]), np.array([s.zone.high for s in atlas])
    setup = {"recipes": "; ".join(s.name for s in atlas), "steps": tuning.ZONE_STEPS,
             "seeds": len(tuning.ZONE_SEEDS),
             "grid": f"{len(tuning.ZONE_RATES)} rates from {tuning.ZONE_RATES[0]:.2g} to {tuning.ZONE_RATES[-1]:.2g}, "
                     f"a quarter decade apart",
             "zone": f"mean validation loss <= 2 × max(best, {tuning.ZONE_FLOOR:g})"}
    smallest = min(atlas, key=lambda s: s.lrs[0])
    notes = {"lower": (f"Every measured zone starts {math.log10(lows.min() / sketch[0]):.1f} or more decades above this "
                       f"edge. Below the lower edges the runs were unfinished after {tuning.ZONE_STEPS} steps: "
                       f"no run diverged and the loss still falls as the rate grows (at {smallest.lrs[0]:.2g}, "
                       f"the mean validation loss of {smallest.name} is {smallest.val_loss[0]:.3f}, against the "
                       f"untrained network's {smallest.start_loss:.3f})."),
             "upper": (f"The measured zones end {math.log10(highs.min() / sketch[1]):.1f} to "
                       f"{math.log10(highs.max() / sketch[1]):.1f} decades above this edge, the closest being "
                       f"{min(atlas, key=lambda s: s.zone.high).name}.")}
    out = []
    for k, (edge, measured) in enumerate((("lower", lows), ("upper", highs))):
        near = bool(np.any(np.abs(np.log10(measured / sketch[k])) <= step + 1e-9))
        out.append(Claim(f"{sec}/sketch-{edge}-edge", sec,
                         f"{edge} edge of the band the sketch shades (an illustration: no problem, optimizer or "
                         f"budget is named)", f"{sketch[k]:.0e}".replace("e-0", "e-"), setup, tuple(measured),
                         f"{edge} edges of five recipes: {measured.min():.2g} to {measured.max():.2g}", near,
                         "some recipe's edge is within one grid step (a quarter decade) of it",
                         f"Read as one illustration, not as numbers for any one optimizer. {notes[edge]}"))
    best = np.array([s.zone.best_lr for s in atlas])
    spread = float(math.log10(best.max() / best.min()))
    n_holes = sum(s.zone.holes.size for s in atlas)
    lucky = [s.name for s in atlas if s.seed_holes.size]
    holes = (("No zone has a hole (a rate between its edges whose mean loss is outside it)" if n_holes == 0 else
              f"{n_holes} rates between the edges of a zone are outside it (holes), and the widths count them")
             + (f"; inside the zones of {len(lucky)} of the {len(atlas)} recipes one seed alone ends outside at some "
                f"rate, so with a single seed those zones would have had holes or ended lower." if lucky else "."))
    ref = atlas[0]
    moved = [s.name for s in atlas[1:] if s.zone.best_lr != ref.zone.best_lr]
    same = [s.name for s in atlas[1:] if s.zone.best_lr == ref.zone.best_lr]
    moves = Claim(f"{sec}/zone-moves", sec, "the zone shifts with the architecture, the data and the optimizer",
                  "shift this zone around", setup, spread, f"best rates {spread:.2f} decades apart", spread >= 1.0,
                  "the best rates of the five recipes are at least a decade apart",
                  f"Against the reference recipe ({ref.name}, best rate {ref.zone.best_lr:.2g}) the best rate moved "
                  f"for {len(moved)} of the other {len(atlas) - 1} recipes ({'; '.join(moved)})"
                  + (f", not for {len(same)} ({'; '.join(same)})" if same else "")
                  + f"; lesson 08 shows by how much. Every zone here is for {tuning.ZONE_STEPS} steps: below its lower "
                  f"edge the runs were unfinished, and zones for a longer budget were not measured. {holes}")
    return out + [moves]


def _architectures() -> list[Claim]:
    """Lesson 09's width study (lrlab.studies.scale.width_study, cached): does a wider network need its rate again?

    Judged on what the rate tuned on the narrowest network costs at each wider one (its loss against the
    width's own best, in ranges over seeds), not on where the minimum of the grid sits: a best rate that beats
    the next one by less than the range over seeds is a move within noise.
    """
    from lrlab.studies import scale

    sec = "architectures"
    w = scale.width_study()
    setup = {"networks": f"digits MLPs 64-w-10 tanh, w = {', '.join(map(str, w.widths))}",
             "training": f"Adam, batch 32, {w.steps} steps, {len(w.seeds)} seeds",
             "grid": f"{len(w.rates)} rates from {w.rates[0]:.3g} to {w.rates[-1]:.3g}, half a decade apart",
             "best rate": "lowest mean final training loss"}
    out = []
    for p, key in (("standard", "retune-standard"), ("µP", "retune-mup")):
        proxy = float(w.rates[w.best_index(p)[0]])
        best, rival = w.best_index(p), w.next_best_index(p)
        wide = range(1, len(w.widths))
        verdicts = [scale.verdict(w.at_proxy_rate(p, i), w.at_best(p, i), ("proxy", "own best")) for i in wide]
        paid = [w.paid(p)[i] for i in wide]
        agrees = "own best lower" in verdicts
        parts = []
        for i, vd, gap in zip(wide, verdicts, paid):
            at, own = w.at_proxy_rate(p, i).mean(), w.at_best(p, i).mean()
            parts.append(f"width {w.widths[i]}: " + (f"it is the best of the grid, loss {own:.3f}" if best[i] == best[0]
                         else f"loss {at:.3f} against {own:.3f} at its own best {w.rates[best[i]]:.3g} "
                              f"({at / own:.1f}×), gap {gap:.2f} × the range over seeds"))
        leads = ", ".join(f"{w.widths[i]}: {scale.margin(w.at_best(p, i), w.loss[p][i, rival[i]]):.2f}" for i in wide)
        text = (f"at the width-{w.widths[0]} rate {proxy:.3g}: " + "; ".join(parts)
                + f"; the grid's best rate moves {w.shift(p):+d} grid steps from width {w.widths[0]} to {w.widths[-1]}, "
                  f"ahead of the next rate by (width {leads}) × the range")
        note = ("Measured for one change of architecture, the width, with one hidden layer (only the output "
                "layer's rules differ between the parametrizations) and widths up to 512. The verdict rests on "
                "the loss paid at the narrow network's rate; where a width's best rate beats the next one on the "
                "grid by less than the range over seeds, where its minimum sits is within noise. "
                + f"In {'the standard parametrization' if p == 'standard' else p} the narrow network's rate is "
                + ", ".join(("the best of the grid" if best[i] == best[0] else
                             "indistinguishable from the best" if vd == "indistinguishable" else "behind the best")
                            + f" at width {w.widths[i]}" for i, vd in zip(wide, verdicts))
                + (": the rate has to be measured again." if agrees else
                   ": no new measurement, though the grid cannot tell whether a rate between grid points would do "
                   "better."))
        out.append(Claim(f"{sec}/{key}", sec, f"a wider network needs its rate measured again ({p})",
                         "shift this zone around", dict(setup, parametrization=p),
                         max(paid), text, agrees,
                         "the rate tuned on the narrowest network leaves some wider one behind its own best rate by "
                         "more than the range over seeds", note))
    return out


def _takeaways() -> list[Claim]:
    """Lesson 09's schedule study (lrlab.studies.scale.schedule_study, cached): does a decaying schedule pay?

    The post's advice, "start big, end small", against the one method of the study that never lowers its rate
    after the warmup (schedule-free AdamW): with the budget known, and with the run stopped without warning
    halfway at the rates tuned for the whole budget.
    """
    from lrlab.studies import scale

    sec = "takeaways"
    st = scale.schedule_study()
    setup = {"network": "digits MLP 64-32-10 tanh", "optimizer": "AdamW (schedule-free AdamW for that method)",
             "batch": 32, "budget": f"{st.steps} steps",
             "warmup": "5 % of the budget, one ramp for every method (the first update at peak / warmup)",
             "grid": f"{len(st.rates)} peak rates from {st.rates[0]:.3g} to {st.rates[-1]:.3g}",
             "seeds": len(st.seeds), "rate": f"each method's best for the whole budget of {st.steps} steps"}
    decays, flat = ("cosine", "wsd"), "schedule-free"
    half = st.steps // 2
    out = []
    for key, when, what, judged in (
            ("decay-known-budget", "final",
             f"start big, end small: with the budget known ({st.steps} steps), the decaying schedules (cosine, WSD) "
             f"end at or below the method that never decays (schedule-free AdamW)",
             f"validation loss after {st.steps} steps"),
            ("decay-unknown-budget", "stopped",
             f"start big, end small, the run stopped without warning at step {half}: a decay planned for "
             f"{st.steps} steps still ends at or below schedule-free AdamW",
             f"validation loss after {half} steps, each method at its rate tuned for {st.steps}")):
        ref = st.at_best(flat, when)
        versus = {n: (scale.verdict(st.at_best(n, when), ref, (n, flat)), st.margin(n, flat, when)) for n in decays}
        agrees = all(vd != f"{flat} lower" for vd, _ in versus.values())
        label = {"cosine": "the cosine", "wsd": "WSD"}
        where = {n: "below it" if vd == f"{n} lower" else "level with it" if vd == "indistinguishable" else "behind it"
                 for n, (vd, _) in versus.items()}
        marginal = [f"{label[n]}'s gap is {gap:.2f} × the range, " + ("within a quarter of it above 1" if gap > 1 else
                                                                      "within a fifth of it below 1")
                    for n, (vd, gap) in versus.items()
                    if (gap < scale.MARGINAL if vd != "indistinguishable" else gap * scale.MARGINAL > 1)]
        text = ("; ".join(f"{n} {st.at_best(n, when).mean():.3f}" for n in (*decays, flat))
                + "; " + "; ".join(f"{n} against {flat}: {vd}, gap {gap:.2f} × the range over seeds"
                                   for n, (vd, gap) in versus.items()))
        ends = ", ".join(f"{label[n]} ends {where[n]}" for n in decays)
        note = (f"Judged on the {judged}, mean and range over {len(st.seeds)} seeds. "
                + (f"With the budget known, against the method that keeps its rate: {ends}."
                   if when == "final" else
                   f"Stopped halfway, the decays planned for {st.steps} steps have not decayed yet (the cosine is "
                   f"half way down, WSD still at its peak); against schedule-free AdamW, {ends}. A cosine planned for "
                   f"{half} steps (its rate and warmup set for that budget) against schedule-free stopped at {half}: "
                   f"{st.compare(flat, 'cosine, half budget', 'stopped', 'final')}, gap "
                   f"{st.margin(flat, 'cosine, half budget', 'stopped', 'final'):.2f} × the range.")
                + (f" Marginal: {'; '.join(marginal)}." if marginal else "")
                + " Which of cosine and WSD ends lower is lesson 09's own finding, not the post's claim.")
        out.append(Claim(f"{sec}/{key}", sec, what, "Use schedules = Start big, end small", setup,
                         {n: float(st.at_best(n, when).mean()) for n in (*decays, flat)}, text, agrees,
                         "no decaying schedule is behind schedule-free AdamW by more than the range over seeds",
                         note))
    return out


_BUILDERS = {"three-rates": _three_rates, "intuition": _intuition, "real-code": _real_code,
             "schedules": _schedules, "optimizers": _optimizers, "common-mistakes": _common_mistakes,
             "quick-reference": _quick_reference, "goldilocks": _goldilocks, "architectures": _architectures, "takeaways": _takeaways}


def claims(section=None) -> list[Claim]:
    """The article's printed claims with their real values, in article order.

    ``section``: one key of :data:`SECTIONS` (``"three-rates"``,
    ``"intuition"``, ``"real-code"``, ``"schedules"``, ``"optimizers"``, ``"common-mistakes"``,
    ``"quick-reference"``, ``"goldilocks"``, ``"architectures"``, ``"takeaways"``) or
    ``None`` for all. Everything is recomputed on each call (a few milliseconds), except the
    training runs of the last six sections (lessons 06, 07, 08 and 09, a few seconds each), which
    :mod:`lrlab.studies.sensitivity`, :mod:`lrlab.studies.mistakes`, :mod:`lrlab.studies.tuning` and
    :mod:`lrlab.studies.scale` cache: a lesson that trained the same study before pays nothing.

    >>> [c.agrees for c in claims("schedules")]
    [True, True, True, True, True, True]
    """
    keys = list(SECTIONS) if section is None else [v.choice("section", section, SECTIONS)]
    return [c for key in keys for c in _BUILDERS[key]()]


def table(items, *, notes=False) -> list[dict]:
    """Rows for display: ``claim``, ``article says``, ``code gives``, ``agrees`` (and ``note``).

    ``items``: a list of :class:`Claim` (e.g. from :func:`claims`).
    """
    rows = []
    for c in items:
        if not isinstance(c, Claim):
            raise TypeError(f"items must be Claim objects from lrlab.studies.article.claims(), got {type(c).__name__}")
        row = {"claim": c.what, "article says": c.article_value, "code gives": c.real_text,
               "agrees": c.verdict}
        if notes:
            row["note"] = c.note
        rows.append(row)
    return rows


def markdown(items, *, notes=False) -> str:
    """The rows of :func:`table` as a Markdown table (for ``IPython.display.Markdown``)."""
    rows = table(items, notes=notes)
    if not rows:
        return ""
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in rows:
        lines.append("| " + " | ".join(str(row[c]).replace("|", "\\|") for c in cols) + " |")
    return "\n".join(lines)
