"""lrlab's µP factors (``mup_scales``) and per-layer Adam rates against the ``mup`` package.

The reference comes from ``fixtures/mup.json``, written by ``fixtures/make_mup.py`` with torch and
mup (no torch needed here). ``mup`` stores the output layer at √m times the standard draw and divides
its input by m (``MuReadout``); lrlab folds that multiplier into the weight. So lrlab's initial factor
of the output weight must be mup's rescaling times the multiplier, and its Adam rate factor mup's
group rate times the multiplier (Adam's step does not depend on the gradient's scale when eps = 0).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lrlab.optim.optimizers import Adam
from lrlab.problems.digits import MLP, mup_scales
from lrlab.train import batched

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "mup.json").read_text())


def _expected(case):
    """mup's rescaling and MuAdam rates, with MuReadout's multiplier folded into the output weight."""
    last = f"W{len(case['sizes']) - 1}"
    mult = case["readout_multiplier"]
    return {name: (case["init"][name] * (mult if name == last else 1.0),
                   case["lr"][name] * (mult if name == last else 1.0)) for name in case["init"]}


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=lambda c: f"{c['sizes']} on base {c['base_sizes']}")
def test_factors_match_mup(case):
    ours = mup_scales(tuple(case["sizes"]), tuple(case["base_sizes"]))
    want = _expected(case)
    assert ours.keys() == want.keys()
    for name, (init, lr) in want.items():
        assert ours[name][0] == pytest.approx(init, rel=1e-12), f"{name}: initial factor"
        assert ours[name][1] == pytest.approx(lr, rel=1e-12), f"{name}: Adam rate factor"


def test_fixture_covers_a_hidden_matrix_and_a_narrower_model():
    kinds = {len(c["sizes"]) for c in FIXTURE["cases"]}
    assert 4 in kinds and any(c["sizes"][1] < c["base_sizes"][1] for c in FIXTURE["cases"])
    assert any(v < 1 for c in FIXTURE["cases"] for v in c["lr"].values()), "MuAdam scaled no rate"


def test_five_adam_steps_equal_mup_training():
    """The same network trained by MuAdam (torch, float64, eps = 0) and by lrlab with mup_scales' rates."""
    t = FIXTURE["trajectory"]
    assert t["after"][0] is not None and t["after"][-1] is not None and len(t["after"]) == 5
    net = MLP(tuple(t["sizes"]), activation="tanh")
    scales = mup_scales(tuple(t["sizes"]), tuple(t["base_sizes"]))
    params = {k: np.array(v)[None] for k, v in t["start"].items()}
    lr = np.array([t["lr"]])
    opt = Adam([{"params": [k], "lr": lr * b} for k, (_, b) in scales.items()], lr=lr, eps=0.0)
    X, y = np.array(t["X"]), np.array(t["y"])
    names = list(params)
    for k, want in enumerate(t["after"]):
        _, grads = batched.loss_and_grad(net, [params[n] for n in names], X, y)
        params = opt.step(params, dict(zip(names, grads)))
        if want is None:
            continue
        for name in names:
            np.testing.assert_allclose(params[name][0], np.array(want[name]), rtol=1e-10, atol=1e-12,
                                       err_msg=f"{name} after step {k + 1}")


def test_init_scales_multiply_the_standard_draw():
    scales = mup_scales((64, 128, 10), (64, 32, 10))
    plain = MLP((64, 128, 10)).initial_params(seed=3)
    scaled = MLP((64, 128, 10), init_scales={k: a for k, (a, _) in scales.items()}).initial_params(seed=3)
    for name, (a, _) in scales.items():
        np.testing.assert_array_equal(scaled[name], plain[name] * a)


@pytest.mark.parametrize("sizes, base, match", [((64, 128, 10), (64, 32, 32, 10), "as many layers"),
                                                ((64, 128, 64, 10), (64, 32, 32, 10), "grow together"),
                                                ((64, 128, 9), (64, 32, 10), "sizes")])
def test_bad_sizes_are_named(sizes, base, match):
    with pytest.raises(ValueError, match=match):
        mup_scales(sizes, base)


@pytest.mark.parametrize("scales, error, match", [({"W9": 1.0}, ValueError, "W9"), ({"W1": 0.0}, ValueError, "W1"),
                                                  ([1.0], TypeError, "init_scales")])
def test_bad_init_scales_are_named(scales, error, match):
    with pytest.raises(error, match=match):
        MLP((64, 32, 10), init_scales=scales)


def test_subclasses_that_skip_mlp_init_still_draw_their_parameters():
    from lrlab.problems.tabular import TabularMLP

    net = TabularMLP("wine", hidden=(8,))
    assert net.initial_params()["W1"].shape == (13, 8)
