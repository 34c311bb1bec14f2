"""Lesson 06's exercise checks (lrlab.course.exercises.lesson06): right answers pass, each mistake gets its hint.

The references are compared with lrlab's torch-exact optimizers, so the exercises ask for exactly
what ``torch.optim.SGD`` and ``torch.optim.Adam`` do.
"""
import math

import numpy as np
import pytest

from lrlab.course.checks import LessonCheckError
from lrlab.course.exercises import lesson06 as ex
from lrlab.course.exercises.lesson06 import HINTS
from lrlab.optim.optimizers import SGD, Adam
from lrlab.studies.sensitivity import goldilocks_zone
from references import reference

momentum_reference = reference(ex.check_momentum_step, 'momentum_reference')
adam_reference = reference(ex._check_adam, 'adam_reference', (1e-8,))
zone_width_reference = reference(ex.check_zone_width, 'zone_width_reference', (2.0,))


# ----------------------------------------------------------------------------- the references
@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_reference_follows_torch_sgd(nesterov):
    gen = np.random.default_rng(0)
    opt = SGD(lr=0.05, momentum=0.8, nesterov=nesterov)
    x = mine = np.array([1.0, -2.0, 0.5])
    buf = np.zeros(3)
    for _ in range(10):
        g = gen.standard_normal(3)
        x = opt.step(x, g)
        mine, buf = momentum_reference(mine, g, buf, 0.05, 0.8, nesterov)
    np.testing.assert_allclose(mine, x, rtol=0, atol=1e-12)


def test_adam_reference_follows_torch_adam():
    gen = np.random.default_rng(1)
    opt = Adam(lr=0.02, betas=(0.8, 0.99))
    x = mine = np.array([1.0, -2.0])
    m = v = np.zeros(2)
    for t in range(1, 30):
        g = gen.standard_normal(2)
        x = opt.step(x, g)
        mine, m, v = adam_reference(mine, g, m, v, t, 0.02, (0.8, 0.99))
    np.testing.assert_allclose(mine, x, rtol=0, atol=1e-12)


def test_zone_width_reference_agrees_with_goldilocks_zone():
    lrs = 10.0 ** np.arange(-4, 1.01, 0.25)
    losses = np.where(lrs > 2, np.nan, (np.log10(lrs) + 1.5) ** 2 + 0.1)
    assert zone_width_reference(lrs, losses) == pytest.approx(goldilocks_zone(lrs, losses).width)


# ----------------------------------------------------------------------------- learners
def momentum_right(x, grad, buf, lr, momentum, nesterov=False):
    buf = momentum * buf + grad
    return x - lr * (grad + momentum * buf if nesterov else buf), buf


def momentum_sign(x, grad, buf, lr, momentum, nesterov=False):
    buf = momentum * buf - grad
    return x + lr * (-grad + momentum * buf if nesterov else buf), buf


def momentum_velocity(x, grad, buf, lr, momentum, nesterov=False):
    v = momentum * buf - lr * grad
    return x + v, v


def momentum_ema(x, grad, buf, lr, momentum, nesterov=False):
    buf = momentum * buf + (1 - momentum) * grad
    return x - lr * buf, buf


def momentum_old_buffer(x, grad, buf, lr, momentum, nesterov=False):
    return x - lr * buf, momentum * buf + grad


def momentum_no_nesterov(x, grad, buf, lr, momentum, nesterov=False):
    buf = momentum * buf + grad
    return x - lr * buf, buf


def fails_with(check, *args, **kwargs) -> str:
    with pytest.raises(LessonCheckError) as err:
        check(*args, **kwargs)
    return str(err.value)


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("case", [(1.0, 2.0, 0.5, 0.1, 0.9), (-3.0, 0.5, 0.0, 0.05, 0.9),
                                  (np.array([1.0, -2.0]), np.array([0.3, 4.0]), np.array([1.0, -1.0]), 0.01, 0.99)])
def test_a_right_momentum_step_passes(case, nesterov):
    ex.check_momentum_step(momentum_right, *case, nesterov=nesterov)


@pytest.mark.parametrize("learner, nesterov, hint", [
    (momentum_sign, False, "buffer_sign"), (momentum_velocity, False, "velocity"), (momentum_ema, False, "ema"),
    (momentum_old_buffer, False, "old_buffer"), (momentum_no_nesterov, True, "no_nesterov")])
def test_each_momentum_mistake_gets_its_hint(learner, nesterov, hint):
    message = fails_with(ex.check_momentum_step, learner, 1.0, 2.0, 0.5, 0.1, 0.9, nesterov=nesterov)
    assert HINTS[hint] in message
    assert message.startswith("momentum_step(1.0, 2.0, 0.5, lr=0.1, momentum=0.9")


def test_momentum_step_must_return_a_pair():
    message = fails_with(ex.check_momentum_step, lambda *a, **k: 0.755, 1.0, 2.0, 0.5, 0.1, 0.9)
    assert HINTS["pair"] in message


def test_an_exception_in_the_learners_code_is_reported_with_the_case():
    def broken(*args, **kwargs):
        raise ZeroDivisionError("oops")
    message = fails_with(ex.check_momentum_step, broken, 1.0, 2.0, 0.5, 0.1, 0.9)
    assert "ZeroDivisionError: oops" in message and message.startswith("momentum_step(1.0")


def test_a_value_that_lies_about_itself_is_refused():
    class Agreeable(float):
        def __eq__(self, other):
            return True
        __hash__ = float.__hash__

    message = fails_with(ex.check_momentum_step, lambda *a, **k: (Agreeable(0.0), Agreeable(0.0)),
                         1.0, 2.0, 0.5, 0.1, 0.9)
    assert "Agreeable" in message


# ----------------------------------------------------------------------------- Adam
def adam_with(m_fix=lambda m, c: m / c, v_fix=lambda v, c: v / c, eps_inside=False, keep_corrected=False,
              t_shift=0, fixed_betas=False, square=True, twice=False):
    def adam_step(x, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        b1, b2 = (0.9, 0.999) if fixed_betas else betas
        t = t + t_shift
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * (grad ** 2 if square else grad)
        m_hat, v_hat = m_fix(m, 1 - b1 ** t), v_fix(v, 1 - b2 ** t)
        if twice:
            step = lr / (1 - b1 ** t) * m_hat / (np.sqrt(v_hat) / math.sqrt(1 - b2 ** t) + eps)
        else:
            step = lr * m_hat / (np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps)
        if keep_corrected:
            m, v = m_hat, v_hat
        return x - step, m, v
    return adam_step


VISIBLE = (1.0, 0.5, 0.02, 0.0004, 3)
NONE = lambda a, c: a  # noqa: E731


def test_a_right_adam_step_passes_every_case():
    right = adam_with()
    for case, kw in [(VISIBLE, {"lr": 0.01}), ((np.array([1.0, -2.0]), np.array([0.3, -40.0]), np.zeros(2),
                                                np.zeros(2), 1), {"lr": 0.1}),
                     ((2.0, -1.5, 0.3, 0.5, 5), {"lr": 0.05, "betas": (0.8, 0.99)}),
                     ((0.5, 3e-9, 0.0, 0.0, 1), {"lr": 0.1})]:
        ex.check_adam_step(right, *case, **kw)
        ex.check_adam_state(right, *case, **kw)


@pytest.mark.parametrize("learner, case, kw, hint", [
    (adam_with(m_fix=NONE, v_fix=NONE), VISIBLE, {"lr": 0.01}, "no_correction"),
    (adam_with(v_fix=NONE), VISIBLE, {"lr": 0.01}, "m_only"),
    (adam_with(m_fix=NONE), VISIBLE, {"lr": 0.01}, "v_only"),
    (adam_with(twice=True), VISIBLE, {"lr": 0.01}, "twice_in_step"),
    (adam_with(t_shift=1), VISIBLE, {"lr": 0.01}, "t_off"),
    (adam_with(eps_inside=True), (0.5, 3e-9, 0.0, 0.0, 1), {"lr": 0.1}, "eps_inside"),
    (adam_with(fixed_betas=True), (2.0, -1.5, 0.3, 0.5, 5), {"lr": 0.05, "betas": (0.8, 0.99)}, "betas_ignored"),
])
def test_each_adam_step_mistake_gets_its_hint(learner, case, kw, hint):
    assert HINTS[hint] in fails_with(ex.check_adam_step, learner, *case, **kw)


def test_eps_inside_the_root_passes_the_visible_example_but_not_a_tiny_gradient():
    learner = adam_with(eps_inside=True)
    ex.check_adam_step(learner, *VISIBLE, lr=0.01)
    fails_with(ex.check_adam_step, learner, 0.5, 3e-9, 0.0, 0.0, 1, lr=0.1)


def test_returning_the_corrected_moments_passes_the_step_and_fails_the_state():
    learner = adam_with(keep_corrected=True)
    ex.check_adam_step(learner, *VISIBLE, lr=0.01)
    assert HINTS["corrected_state"] in fails_with(ex.check_adam_state, learner, *VISIBLE, lr=0.01)


def test_a_missing_correction_keeps_a_right_state():
    learner = adam_with(m_fix=NONE, v_fix=NONE)
    ex.check_adam_state(learner, *VISIBLE, lr=0.01)


def test_v_of_the_gradient_instead_of_its_square_is_named():
    assert HINTS["v_not_squared"] in fails_with(ex.check_adam_state, adam_with(square=False), *VISIBLE, lr=0.01)


def test_adam_step_must_return_three_values():
    assert HINTS["triple"] in fails_with(ex.check_adam_step, lambda *a, **k: (1.0, 2.0), *VISIBLE, lr=0.01)


# ----------------------------------------------------------------------------- zone width
def zone(lrs, losses, factor=2.0, *, count=False, log=math.log10, strict=False, naive_nan=False):
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    best = np.min(losses) if naive_nan else np.nanmin(np.where(np.isinf(losses), np.nan, losses))
    inside = losses < factor * best if strict else losses <= factor * best
    if count:
        return int(inside.sum() - 1)
    if not inside.any():
        return float("nan")
    return float(log(lrs[inside].max() / lrs[inside].min()))


DECADES = ([1e-4, 1e-3, 1e-2, 1e-1, 1.0], [2.0, 0.9, 0.5, 0.8, 3.0])
HALF = ([1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0], [1.5, 0.7, 0.5, 0.3, 0.35, 0.9, 2.0])
EDGE = ([0.001, 0.01, 0.1, 1.0], [0.8, 0.4, 0.2, 0.4])
NANS = ([0.01, 0.1, 1.0, 10.0], [0.2, 0.3, float("nan"), float("nan")])


@pytest.mark.parametrize("case", [DECADES, HALF, EDGE, NANS, ([1e-3, 1e-2, 1e-1], [1.0, 0.1, 5.0]),
                                  ([1e-3, 3e-3, 1e-2, 3e-2], [float("inf"), 0.9, 0.5, 0.3])])
def test_a_right_zone_width_passes(case):
    ex.check_zone_width(zone, *case)


def test_the_reference_width_of_the_examples():
    assert zone_width_reference(*DECADES) == pytest.approx(2.0)
    assert zone_width_reference(*EDGE) == pytest.approx(2.0)
    assert zone_width_reference(*NANS) == pytest.approx(1.0)
    assert zone_width_reference([1e-3, 1e-2, 1e-1], [1.0, 0.1, 5.0]) == 0.0


def test_grid_points_pass_a_decade_grid_and_fail_a_finer_one():
    counting = lambda lrs, losses, factor=2.0: zone(lrs, losses, factor, count=True)  # noqa: E731
    ex.check_zone_width(counting, *DECADES)
    assert HINTS["grid_points"] in fails_with(ex.check_zone_width, counting, *HALF)


@pytest.mark.parametrize("learner, case, hint", [
    (lambda lrs, losses, factor=2.0: zone(lrs, losses, factor, log=math.log), DECADES, "natural_log"),
    (lambda lrs, losses, factor=2.0: zone(lrs, losses, factor, strict=True), EDGE, "strict_edge"),
    (lambda lrs, losses, factor=2.0: zone(lrs, losses, factor, naive_nan=True), NANS, "nan"),
    (lambda lrs, losses, factor=2.0: zone(lrs, losses, 2.0), HALF + (1.5,), "factor_ignored"),
])
def test_each_zone_mistake_gets_its_hint(learner, case, hint):
    assert HINTS[hint] in fails_with(ex.check_zone_width, learner, *case)


def test_a_zone_width_that_is_not_a_number_is_refused():
    message = fails_with(ex.check_zone_width, lambda *a: "2 decades", *DECADES)
    assert "expected 'a number'" in message and "2 decades" in message
