"""Closed-form quadratic theory, each result checked against the engine."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lrlab.train import theory
from lrlab.train.engine import sweep
from lrlab.problems import Quadratic1D, QuadraticND


@pytest.mark.parametrize("a", [0.5, 2.0, 7.0])
def test_stability_limit_separates_converging_from_diverging_runs(a):
    p = Quadratic1D(a=a)
    limit = theory.stability_limit(p)
    assert limit == pytest.approx(2.0 / a)
    s = sweep(p, [0.98 * limit, 1.02 * limit], 2000)
    assert not s.diverged[0], "just below 2/L must converge"
    assert s.final_loss[0] < p.value(p.x0), "just below 2/L the loss must shrink"
    assert s.diverged[1], "just above 2/L must diverge"


def test_stability_limit_in_nd_is_set_by_the_largest_eigenvalue():
    p = QuadraticND(eigenvalues=[1.0, 4.0, 50.0], rotation="random", seed=1)
    limit = theory.stability_limit(p)
    assert limit == pytest.approx(2.0 / 50.0)
    s = sweep(p, [0.99 * limit, 1.01 * limit], 3000)
    assert s.diverged.tolist() == [False, True]


@pytest.mark.parametrize("beta", [0.5, 0.9])
def test_momentum_widens_the_stable_range_to_2_1_plus_beta_over_L(beta):
    p = QuadraticND(eigenvalues=[1.0, 10.0])
    limit = theory.stability_limit(p, momentum=beta)
    assert limit == pytest.approx(2 * (1 + beta) / 10.0)
    s = sweep(p, [0.97 * limit, 1.03 * limit], 4000, momentum=beta)
    assert s.diverged.tolist() == [False, True]


def test_optimal_lr_is_fastest_among_fixed_rates():
    p = QuadraticND(eigenvalues=[1.0, 20.0], x0=[1.0, 1.0])
    best = theory.optimal_lr(p)
    assert best == pytest.approx(2 / 21)
    lrs = np.linspace(0.2, 1.95, 200) / p.L
    s = sweep(p, lrs, 60)
    fastest = lrs[np.nanargmin(s.final_loss)]
    assert fastest == pytest.approx(best, rel=0.03), f"sweep's fastest {fastest}, theory {best}"
    assert theory.contraction_factor(best, p) == pytest.approx(19 / 21)


def test_optimal_lr_in_1d_reaches_the_minimum_in_one_step():
    p = Quadratic1D(a=3.0, x0=2.0)
    lr = theory.optimal_lr(p)
    s = sweep(p, [lr], 1)
    assert lr == pytest.approx(1 / 3)
    assert s.final_loss[0] == pytest.approx(0.0, abs=1e-28)
    assert theory.regime(lr, p) == "one step"


def test_heavy_ball_tuning_beats_the_best_fixed_rate():
    p = QuadraticND(condition_number=100.0, dim=2)
    lr, beta = theory.optimal_momentum(p)
    fast = sweep(p, [lr], 200, momentum=beta).final_loss[0]
    plain = sweep(p, [theory.optimal_lr(p)], 200).final_loss[0]
    assert fast < 1e-6 * plain, f"momentum {fast:.3g} vs plain {plain:.3g}"


@pytest.mark.parametrize("lr, expected", [
    (0.1, "creeps"), (0.5, "one step"), (0.75, "zig-zags"), (1.0, "stuck oscillating"), (1.1, "diverges"),
])
def test_regimes_on_x_squared(lr, expected):
    assert theory.regime(lr, Quadratic1D()) == expected


def test_zig_zag_regime_really_alternates_sign():
    s = sweep(Quadratic1D(), [0.75], 10, record_params=True)
    signs = np.sign(s.params[0, :, 0])
    assert np.all(signs[1:] == -signs[:-1])


@settings(max_examples=80, deadline=None)
@given(lr=st.floats(1e-3, 0.999), a=st.floats(0.2, 5.0), x0=st.floats(0.5, 50.0), k=st.integers(0, 60))
def test_closed_form_iterate_matches_engine(lr, a, x0, k):
    p = Quadratic1D(a=a, x0=x0)
    lr = lr * 2 / a  # stay below 2/L
    s = sweep(p, [lr], max(k, 1), record_params=True)
    np.testing.assert_allclose(theory.iterate(lr, p, k), s.params[0, k, 0], rtol=1e-9, atol=1e-280)


def test_closed_form_iterate_nd_matches_engine():
    p = QuadraticND(condition_number=30.0, dim=3, rotation="random", seed=7, x0=[1.0, 2.0, -1.0])
    s = sweep(p, [0.05], 25, record_params=True)
    np.testing.assert_allclose(theory.iterate(0.05, p, np.arange(26)), s.params[0], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(theory.loss_after(0.05, p, np.arange(26)), s.losses[0], rtol=1e-9, atol=1e-20)


@settings(max_examples=80, deadline=None)
@given(lr=st.floats(0.01, 0.99), tol=st.floats(1e-9, 1.0), x0=st.floats(2.0, 100.0))
def test_steps_to_reach_predicts_the_engine(lr, tol, x0):
    p = Quadratic1D(a=2.0, x0=x0)
    k = theory.steps_to_reach(lr, p, tol)
    s = sweep(p, [lr], k + 2, record_params=True)
    dist = np.abs(s.params[0, :, 0])
    assert dist[k] <= tol, f"predicted step {k} but |x| = {dist[k]} > {tol}"
    assert k == 0 or dist[k - 1] > tol, f"already within tol at step {k - 1}"


@settings(max_examples=80, deadline=None)
@given(lr=st.floats(1.001, 3.0), bound=st.floats(10.0, 1e8), x0=st.floats(0.1, 5.0))
def test_steps_to_exceed_predicts_the_engine(lr, bound, x0):
    p = Quadratic1D(a=2.0, x0=x0)
    k = theory.steps_to_exceed(lr, p, bound)
    s = sweep(p, [lr], k + 1, record_params=True, max_loss=1e300)
    dist = np.abs(s.params[0, :, 0])
    assert dist[k] > bound and np.all(dist[:k] <= bound), f"predicted {k}, trajectory {dist}"


def test_article_explosion_epoch_for_lr_1_1():
    # f(x) = x², x0 = 5, lr = 1.1: |x| = 5·1.2^k first exceeds 1000 at k = 30.
    assert theory.steps_to_exceed(1.1, Quadratic1D(), 1000.0) == 30


def test_never_reached_or_never_exceeded_is_none():
    p = Quadratic1D()
    assert theory.steps_to_reach(1.2, p, 1e-3) is None
    assert theory.steps_to_exceed(0.3, p, 1e3) is None


@pytest.mark.parametrize("call, match", [
    (lambda: theory.stability_limit("x"), "problem must be"),
    (lambda: theory.stability_limit(-2.0), "L must be >"),
    (lambda: theory.contraction_factor(0.0, Quadratic1D()), "lr must be >"),
    (lambda: theory.steps_to_reach(0.1, QuadraticND(condition_number=2.0), 1e-3), "Quadratic1D"),
    (lambda: theory.steps_to_exceed(1.1, Quadratic1D(), -1.0), "bound must be >"),
    (lambda: theory.stability_limit(Quadratic1D(), momentum=1.5), "momentum must be < 1.0"),
    (lambda: theory.iterate(0.1, Quadratic1D(), -1), "k must be >= 0"),
])
def test_theory_rejects_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
