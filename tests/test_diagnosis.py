"""Loss-curve diagnosis (lrlab.train.diagnosis) on real training runs with known learning rates."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lrlab.optim import schedules
from lrlab.train.diagnosis import (CLASSIFIERS, LABELS, MIN_LENGTH, REMEDIES, THRESHOLDS, Diagnosis, diagnose,
                             measures)
from lrlab.train.engine import sweep, train
from lrlab.optim.optimizers import SGD
from lrlab.problems import Quadratic1D, QuadraticND
from lrlab.problems.digits import MLP, LogisticRegression


def label_of(losses):
    return diagnose(losses).label


@pytest.fixture(scope="module")
def digits():
    return LogisticRegression()


# --------------------------------------------------------------------------- quadratics (known rates)
@pytest.mark.parametrize("lr_times_L,expected", [
    (0.001, "too small"), (0.01, "too small"),
    (0.1, "good"), (1.0, "good"), (1.9, "good"),
    (2.1, "diverging"), (3.0, "diverging"),
])
def test_gradient_descent_on_x_squared(lr_times_L, expected):
    p = Quadratic1D(a=2.0)
    run = sweep(p, lr_times_L / p.L, 100)
    d = diagnose(run.losses[0])
    assert d.label == expected, f"lr = {lr_times_L}/L: got {d.label}, evidence {d.evidence}"


def test_rates_mirrored_around_one_over_L_look_the_same_to_the_diagnosis():
    """Known limit: 0.01/L and 1.99/L both multiply the error by 0.99 per step, so the loss curves match."""
    p = Quadratic1D(a=2.0)
    run = sweep(p, np.array([0.01, 1.99]) / p.L, 100)
    np.testing.assert_allclose(run.losses[0], run.losses[1], rtol=1e-9)
    assert label_of(run.losses[0]) == label_of(run.losses[1]) == "too small"


def test_heavy_momentum_on_an_ill_conditioned_bowl_oscillates():
    p = QuadraticND(condition_number=100.0, dim=2)
    run = sweep(p, 0.1 / p.L, 100, momentum=0.99)
    assert run.diverged_at[0] == -1, "test setup: the run should not diverge"
    assert label_of(run.losses[0]) == "oscillating"


def test_plain_gradient_descent_on_an_ill_conditioned_bowl_never_oscillates():
    """Below 2/L every eigen-component of the loss shrinks each step, so the loss is monotone."""
    p = QuadraticND(condition_number=100.0, dim=2)
    lrs = np.array([0.01, 0.1, 1.0, 1.5, 1.9, 1.99]) / p.L
    run = sweep(p, lrs, 100)
    for lr, losses in zip(lrs, run.losses):
        assert label_of(losses) != "oscillating", f"lr = {lr * p.L:.3g}/L"


def test_diverged_sweep_history_with_nans_is_diverging():
    p = QuadraticND(condition_number=10.0, dim=2)
    run = sweep(p, 2.5 / p.L, 100)
    assert np.isnan(run.losses[0]).any(), "test setup: the engine marks divergence with NaN"
    assert label_of(run.losses[0]) == "diverging"


# --------------------------------------------------------------------------- digits (minibatch SGD)
def test_digits_sgd_with_a_tiny_rate_is_too_small(digits):
    h = train(digits, SGD(lr=0.01), 200, batch_size=32, seed=0)
    assert label_of(h.losses) == "too small"


def test_digits_sgd_at_a_comfortable_rate_is_good(digits):
    h = train(digits, SGD(lr=1.0), 200, batch_size=32, seed=0)
    assert label_of(h.losses) == "good"


def test_digits_sgd_at_a_large_rate_oscillates(digits):
    h = train(digits, SGD(lr=10.0), 200, batch_size=32, seed=0)
    assert not h.diverged
    d = diagnose(h.losses)
    assert d.label == "oscillating", d.evidence
    assert d.evidence["drop"] > 0.5, "it still made progress: oscillating, not diverging"


def test_digits_sgd_that_ends_above_its_start_is_diverging():
    """A finite blow-up (no NaN): the MLP with a rate far too large ends many times above its start."""
    net = MLP()
    h = train(net, SGD(lr=3.0), 200, batch_size=32, seed=0)
    assert np.all(np.isfinite(h.losses)), "test setup: this run stays finite"
    assert label_of(h.losses) == "diverging"


def test_rate_cut_a_hundredfold_too_early_gives_a_plateau(digits):
    h = train(digits, SGD(lr=1.0), 200, schedule=schedules.step_decay(1.0, step_size=15, gamma=0.01))
    d = diagnose(h.losses)
    assert d.label == "plateau", d.evidence
    assert d.evidence["drop"] > 0.3, "test setup: it made real progress before stalling"


def test_same_rate_without_the_early_cut_is_good(digits):
    h = train(digits, SGD(lr=1.0), 200)
    assert label_of(h.losses) == "good"


# --------------------------------------------------------------------------- properties
finite_losses = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=80, deadline=None)
@given(st.lists(finite_losses, min_size=MIN_LENGTH, max_size=60))
def test_any_finite_rising_history_is_diverging(values):
    rising = np.sort(np.array(values))
    if rising[-1] == rising[0]:
        rising[-1] += 1.0  # make it actually rise
    assert label_of(rising) == "diverging"


@settings(max_examples=80, deadline=None)
@given(st.lists(finite_losses, min_size=MIN_LENGTH, max_size=60), st.data())
def test_any_history_with_a_nan_is_diverging(values, data):
    losses = np.array(values)
    where = data.draw(st.integers(0, len(values) - 1))
    losses[where] = data.draw(st.sampled_from([np.nan, np.inf]))
    assert label_of(losses) == "diverging"


@settings(max_examples=80, deadline=None)
@given(st.lists(finite_losses, min_size=MIN_LENGTH, max_size=60))
def test_exactly_one_classifier_says_yes(values):
    said = [name for name, rule in CLASSIFIERS.items() if rule(values)]
    assert said == [label_of(values)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(1e-3, 1e3), min_size=MIN_LENGTH, max_size=60), st.integers(-10, 10))
def test_measures_do_not_depend_on_the_units_of_the_loss(values, k):
    a, b = measures(values), measures(np.array(values) * 2.0 ** k)  # exact rescaling
    for key in ("drop", "tail_share", "late_progress", "rebound"):
        assert b[key] == pytest.approx(a[key], rel=1e-9, abs=1e-12), key


# --------------------------------------------------------------------------- API
def test_every_label_has_a_remedy_and_a_classifier():
    assert set(REMEDIES) == set(LABELS) == set(CLASSIFIERS)


def test_diagnose_returns_the_remedy_and_the_evidence():
    d = diagnose(25 * 0.99 ** (2 * np.arange(101)))
    assert isinstance(d, Diagnosis)
    assert d.remedy == REMEDIES[d.label]
    assert d.evidence["tail_share"] >= THRESHOLDS["tail_share"]


def test_a_flat_history_barely_moved():
    assert label_of(np.full(20, 3.0)) == "too small"


def test_a_history_already_at_zero_needs_nothing():
    assert label_of(np.zeros(20)) == "good"


@pytest.mark.parametrize("losses,error,match", [
    ([1.0] * (MIN_LENGTH - 1), ValueError, f"at least {MIN_LENGTH}"),
    (np.ones((4, 4)), ValueError, "1 dimension"),
    ([1.0] * 9 + [-0.5], ValueError, "losses must be >= 0"),
    ("loss", TypeError, "losses must be"),
])
def test_bad_histories_are_rejected(losses, error, match):
    with pytest.raises(error, match=match):
        diagnose(losses)
    with pytest.raises(error, match=match):
        CLASSIFIERS["plateau"](losses)
