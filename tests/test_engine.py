"""The training engine: single runs, vectorised sweeps, divergence handling."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lrlab.train.engine import History, sweep, train
from lrlab.problems import Quadratic1D, QuadraticND


def plain_gd(grad, x0, lr, steps):
    """Gradient descent written out by hand, the reference the engine must match."""
    x = np.array(x0, dtype=float)
    xs = [x.copy()]
    for _ in range(steps):
        x = x - lr * grad(x)
        xs.append(x.copy())
    return np.array(xs)


class FixedLRGD:
    """The smallest optimizer the engine accepts: x ← x − lr·g (keeps these tests independent of lrlab.optim.optimizers)."""

    def __init__(self, lr):
        self.lr = lr

    def step(self, params, grads):
        return params - self.lr * grads


def test_sweep_1d_matches_hand_written_loop():
    p = Quadratic1D(a=2.0, x0=5.0)
    lrs = [0.001, 0.1, 0.6]
    s = sweep(p, lrs, 50, record_params=True)
    for i, lr in enumerate(lrs):
        xs = plain_gd(p.grad, [5.0], lr, 50)
        np.testing.assert_allclose(s.params[i], xs, rtol=1e-13, atol=1e-300, err_msg=f"lr={lr}")
        np.testing.assert_allclose(s.losses[i], xs[:, 0] ** 2, rtol=1e-12, err_msg=f"lr={lr}")


def test_sweep_nd_matches_hand_written_loop():
    p = QuadraticND(condition_number=25.0, dim=3, rotation="random", seed=3, x0=[1.0, -2.0, 0.5])
    lrs = np.geomspace(1e-3, 1.5 * 2 / p.L, 9)
    s = sweep(p, lrs, 40, record_params=True)
    for i, lr in enumerate(lrs):
        if s.diverged_at[i] >= 0:
            continue
        xs = plain_gd(p.grad, p.x0, lr, 40)
        np.testing.assert_allclose(s.params[i], xs, rtol=1e-10, atol=1e-12, err_msg=f"lr={lr}")


def test_sweep_with_momentum_matches_torch_style_heavy_ball():
    p = QuadraticND(condition_number=10.0, dim=2, rotation=0.4)
    lr, beta = 0.05, 0.9
    for nesterov in (False, True):
        x, buf = p.x0.copy(), None
        xs = [x.copy()]
        for _ in range(30):
            g = p.grad(x)
            buf = g.copy() if buf is None else beta * buf + g
            x = x - lr * (g + beta * buf if nesterov else buf)
            xs.append(x.copy())
        s = sweep(p, [lr], 30, momentum=beta, nesterov=nesterov, record_params=True)
        np.testing.assert_allclose(s.params[0], np.array(xs), rtol=1e-12, atol=1e-14,
                                   err_msg=f"nesterov={nesterov}")


@settings(max_examples=60, deadline=None)
@given(lrs=st.lists(st.floats(1e-4, 3.0), min_size=1, max_size=6),
       a=st.floats(0.1, 10.0), x0=st.floats(-100, 100), momentum=st.sampled_from([0.0, 0.5, 0.9]))
def test_vectorised_sweep_equals_the_runs_one_by_one(lrs, a, x0, momentum):
    p = Quadratic1D(a=a, x0=x0)
    together = sweep(p, lrs, 60, momentum=momentum)
    for i, lr in enumerate(lrs):
        alone = sweep(p, [lr], 60, momentum=momentum)
        np.testing.assert_array_equal(together.losses[i], alone.losses[0])
        assert together.diverged_at[i] == alone.diverged_at[0]


def test_divergence_is_reported_at_the_first_step_over_max_loss():
    p = Quadratic1D(a=2.0, x0=5.0)
    s = sweep(p, [1.1], 50, max_loss=1000.0 ** 2)  # |x| > 1000
    k = int(s.diverged_at[0])
    xs = plain_gd(p.grad, [5.0], 1.1, 50)[:, 0]
    first = int(np.argmax(np.abs(xs) > 1000.0))
    assert k == first, f"engine says step {k}, hand loop first exceeds |x| > 1000 at {first}"
    assert np.isfinite(s.losses[0, k]) and s.losses[0, k] > 1e6
    assert np.all(np.isnan(s.losses[0, k + 1:])), "losses after divergence must be NaN"


def test_huge_rates_diverge_without_numpy_warnings():
    p = QuadraticND(condition_number=100.0, dim=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sweep(p, np.geomspace(1e-3, 1e200, 50), 500)
        h = train(Quadratic1D(), FixedLRGD(1e150), 100)
    assert s.diverged[-30:].all()
    assert h.diverged_at == 1


def test_stable_rates_never_flagged():
    p = Quadratic1D(a=4.0)
    s = sweep(p, np.linspace(0.01, 0.49, 25), 2000)  # all below 2/L = 0.5
    assert not s.diverged.any()
    assert np.all(np.isfinite(s.losses))


def test_train_with_plain_gd_matches_sweep():
    p = QuadraticND(condition_number=5.0)
    h = train(p, FixedLRGD(0.2), 30, record_params=True)
    s = sweep(p, [0.2], 30, record_params=True)
    np.testing.assert_allclose(h.losses, s.losses[0], rtol=1e-12)
    np.testing.assert_allclose(h.params, s.params[0], rtol=1e-12, atol=1e-15)
    assert h.diverged_at is None and len(h.lrs) == 30


def test_train_applies_the_schedule_before_each_step():
    seen = []

    class Recorder(FixedLRGD):
        def step(self, params, grads):
            seen.append(self.lr)
            return super().step(params, grads)

    h = train(Quadratic1D(), Recorder(1.0), 5, schedule=lambda k: 0.1 / (k + 1))
    np.testing.assert_allclose(seen, [0.1 / (k + 1) for k in range(5)])
    np.testing.assert_allclose(h.lrs, seen)


def test_train_does_not_modify_given_params():
    start = np.array([3.0, -1.0])
    train(QuadraticND(condition_number=3.0), FixedLRGD(0.1), 10, params=start)
    np.testing.assert_array_equal(start, [3.0, -1.0])


def test_history_helpers():
    s = sweep(Quadratic1D(), [0.1, 0.5, 1.2], 40)
    h = s.history(0)
    assert isinstance(h, History)
    assert h.steps_to(1e-3) == int(s.steps_to(1e-3)[0])
    assert s.steps_to(1e-3)[1] == 1  # lr = 1/L lands on the minimum in one step
    assert s.steps_to(1e-3)[2] == -1
    assert s.history(2).diverged


@pytest.mark.parametrize("kwargs, match", [
    (dict(lrs=[0.1, -1.0]), "lrs must all be > 0"),
    (dict(lrs=[0.1, np.nan]), "lrs must contain only finite"),
    (dict(lrs=[[0.1]]), "lrs must have"),
    (dict(steps=0), "steps must be >= 1"),
    (dict(steps=2.5), "steps must be an integer"),
    (dict(momentum=1.0), "momentum must be <"),
    (dict(nesterov=True), "nesterov=True needs momentum"),
    (dict(x0=[1.0, 2.0]), "x0 must have 1 value"),
    (dict(max_loss=0.0), "max_loss must be >"),
])
def test_sweep_rejects_bad_input(kwargs, match):
    args = dict(problem=Quadratic1D(), lrs=[0.1], steps=10) | kwargs
    with pytest.raises((ValueError, TypeError), match=match):
        sweep(args.pop("problem"), args.pop("lrs"), args.pop("steps"), **args)


def test_train_rejects_bad_input():
    with pytest.raises(TypeError, match="problem must be an lrlab Problem"):
        train("x**2", FixedLRGD(0.1), 10)
    with pytest.raises(TypeError, match="optimizer must have a step"):
        train(Quadratic1D(), 0.1, 10)
    with pytest.raises(ValueError, match="batch_size is only for problems with data"):
        train(Quadratic1D(), FixedLRGD(0.1), 10, batch_size=8)
    with pytest.raises(TypeError, match="schedule must be a callable"):
        train(Quadratic1D(), FixedLRGD(0.1), 10, schedule=0.1)


def test_train_records_the_rate_of_an_optimizer_driven_by_a_schedule():
    from lrlab.optim.optimizers import SGD
    from lrlab.optim.schedules import step_decay

    sched = step_decay(0.1, step_size=3, gamma=0.5)
    h = train(Quadratic1D(), SGD(lr=sched), 7)
    np.testing.assert_allclose(h.lrs, [0.1] * 3 + [0.05] * 3 + [0.025])
    # the same schedule passed to train instead of the optimizer gives the same run
    h2 = train(Quadratic1D(), SGD(lr=1.0), 7, schedule=sched)
    np.testing.assert_allclose(h2.losses, h.losses, rtol=1e-15)


def test_train_minibatch_sgd_on_digits_lowers_the_full_loss():
    from lrlab.optim.optimizers import SGD
    from lrlab.problems import LogisticRegression

    p = LogisticRegression()
    h = train(p, SGD(lr=0.5), 60, batch_size=64, seed=1)
    assert h.losses[-1] < 0.5 * h.losses[0], f"loss went {h.losses[0]:.3f} -> {h.losses[-1]:.3f}"
    assert np.all(np.isfinite(h.batch_losses)) and len(h.batch_losses) == 60
    again = train(p, SGD(lr=0.5), 60, batch_size=64, seed=1)
    np.testing.assert_array_equal(h.losses, again.losses)
