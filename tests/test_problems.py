"""Tests for lrlab.problems: gradients and Hessians against finite differences,
closed-form facts, the digits data and batching, input checks, and the MLP
against a PyTorch trajectory stored in tests/fixtures/torch_mlp.json."""
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlab.problems import (MLP, LogisticRegression, Quadratic1D, QuadraticND, Rosenbrock,
                            load_digits_split)
from lrlab.problems import toy_data

FIXTURES = Path(__file__).parent / "fixtures"
GRAD_RTOL = 1e-6  # norm-wise relative error allowed between a gradient and finite differences


# --- helpers ---------------------------------------------------------------
def fd_grad(f, x, h=1e-5, coords=None):
    """Central differences of the scalar function ``f`` at the flat vector ``x``."""
    coords = range(x.size) if coords is None else coords
    out = np.empty(len(coords))
    for n, i in enumerate(coords):
        e = np.zeros_like(x)
        e[i] = h
        out[n] = (f(x + e) - f(x - e)) / (2 * h)
    return out


def fd_jacobian(g, x, h=1e-5, coords=None):
    """Central differences of the vector function ``g`` (columns = ``coords``)."""
    coords = range(x.size) if coords is None else coords
    cols = []
    for i in coords:
        e = np.zeros_like(x)
        e[i] = h
        cols.append((g(x + e) - g(x - e)) / (2 * h))
    return np.stack(cols, axis=1)


def rel_err(a, b):
    return float(np.linalg.norm(np.ravel(a) - np.ravel(b)) / max(np.linalg.norm(np.ravel(b)), 1e-300))


def flat(params, keys):
    return np.concatenate([np.ravel(params[k]) for k in keys])


def unflat(x, like):
    out, start = {}, 0
    for k, a in like.items():
        out[k] = x[start:start + a.size].reshape(a.shape)
        start += a.size
    return out


def check_dict_grad(problem, params, batch, h=1e-5, n_coords=None, seed=0):
    """Norm-wise relative error of ``problem.grad`` against central differences."""
    keys = list(params)
    x = flat(params, keys)
    coords = None
    if n_coords is not None:
        coords = np.sort(np.random.default_rng(seed).choice(x.size, n_coords, replace=False))
    fd = fd_grad(lambda z: problem.value(unflat(z, params), batch), x, h, coords)
    g = flat(problem.grad(params, batch), keys)
    return rel_err(g if coords is None else g[coords], fd)


def random_params(problem, seed, scale=1.0):
    gen = np.random.default_rng(seed)
    return {k: scale * gen.standard_normal(a.shape) for k, a in problem.initial_params(0).items()}


QUADRATICS = {
    "diagonal": lambda: QuadraticND(condition_number=10.0, dim=3),
    "rotated": lambda: QuadraticND([0.5, 8.0], rotation=0.7, minimizer=[1.0, -2.0]),
    "random rotation": lambda: QuadraticND([0.3, 1.0, 2.0, 5.0, 11.0], rotation="random", seed=3,
                                           minimizer=np.arange(5.0)),
}


# --- quadratics ------------------------------------------------------------
@pytest.mark.parametrize("x", [5.0, -0.3, 1e3])
def test_quadratic1d_grad_matches_finite_differences(x):
    p = Quadratic1D(a=3.0)
    fd = fd_grad(lambda z: p.value(z), np.array([x]))
    assert rel_err(p.grad(np.array([x])), fd) < GRAD_RTOL


def test_quadratic1d_hessian_matches_finite_differences():
    p = Quadratic1D(a=3.0)
    fd = fd_jacobian(lambda z: p.grad(z), np.array([0.7]))
    np.testing.assert_allclose(p.hessian(np.array([0.7])), fd, rtol=1e-8, err_msg="Hessian vs FD")


def test_quadratic1d_stacked_equals_one_by_one():
    p = Quadratic1D(a=0.5)
    xs = np.linspace(-3.0, 4.0, 7)
    np.testing.assert_allclose(p.value(xs), [p.value(x) for x in xs], rtol=1e-15)
    np.testing.assert_allclose(p.grad(xs), [p.grad(x) for x in xs], rtol=1e-15)


@pytest.mark.parametrize("kind", QUADRATICS)
def test_quadraticnd_grad_matches_finite_differences(kind):
    p = QUADRATICS[kind]()
    x = np.random.default_rng(1).standard_normal(p.dim) * 3
    assert rel_err(p.grad(x), fd_grad(p.value, x)) < GRAD_RTOL


@pytest.mark.parametrize("kind", QUADRATICS)
def test_quadraticnd_hessian_matches_finite_differences(kind):
    p = QUADRATICS[kind]()
    x = np.random.default_rng(2).standard_normal(p.dim)
    np.testing.assert_allclose(p.hessian(x), fd_jacobian(p.grad, x), rtol=1e-8, atol=1e-9,
                               err_msg=f"{kind}: Hessian vs finite differences of the gradient")


@pytest.mark.parametrize("kind", QUADRATICS)
def test_quadraticnd_L_and_condition_number_are_the_eigenvalue_max_and_ratio(kind):
    p = QUADRATICS[kind]()
    eig = np.linalg.eigvalsh(p.A)
    assert p.L == pytest.approx(eig.max(), rel=1e-12), "L should be the largest eigenvalue of A"
    assert p.condition_number == pytest.approx(eig.max() / eig.min(), rel=1e-12), \
        "condition_number should be largest / smallest eigenvalue"


@pytest.mark.parametrize("kind", QUADRATICS)
def test_quadraticnd_value_is_zero_at_the_minimizer(kind):
    p = QUADRATICS[kind]()
    assert p.value(p.minimizer) == pytest.approx(0.0, abs=1e-14)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_quadraticnd_stacked_inputs_equal_one_by_one(n, seed):
    p = QUADRATICS["random rotation"]()
    xs = np.random.default_rng(seed).standard_normal((n, 2, p.dim))
    values, grads = p.value(xs), p.grad(xs)
    for idx in np.ndindex(n, 2):
        assert values[idx] == pytest.approx(p.value(xs[idx]), rel=1e-12, abs=1e-14)
        np.testing.assert_allclose(grads[idx], p.grad(xs[idx]), rtol=1e-12, atol=1e-14)


# --- Rosenbrock ------------------------------------------------------------
ROSEN_POINTS = [(-1.5, 2.0), (0.3, -0.4), (1.2, 1.5), (2.0, 0.0)]


@pytest.mark.parametrize("point", ROSEN_POINTS)
def test_rosenbrock_grad_matches_finite_differences(point):
    p = Rosenbrock(a=1.3, b=30.0)
    x = np.array(point)
    assert rel_err(p.grad(x), fd_grad(p.value, x, h=1e-6)) < GRAD_RTOL


@pytest.mark.parametrize("point", ROSEN_POINTS)
def test_rosenbrock_hessian_matches_finite_differences(point):
    p = Rosenbrock()
    x = np.array(point)
    np.testing.assert_allclose(p.hessian(x), fd_jacobian(p.grad, x, h=1e-6), rtol=1e-7, atol=1e-6,
                               err_msg=f"Hessian vs FD of the gradient at {point}")


def test_rosenbrock_minimum_is_zero_with_zero_gradient():
    p = Rosenbrock(a=2.0, b=5.0)
    np.testing.assert_array_equal(p.minimizer, [2.0, 4.0])  # (a, a²)
    assert p.value(p.minimizer) == 0.0
    np.testing.assert_allclose(p.grad(p.minimizer), [0.0, 0.0], atol=1e-15)


def test_rosenbrock_curvature_is_the_largest_hessian_eigenvalue():
    p = Rosenbrock()
    xs = np.array(ROSEN_POINTS)
    expected = [np.linalg.eigvalsh(p.hessian(x))[-1] for x in xs]
    np.testing.assert_allclose(p.curvature(xs), expected, rtol=1e-12)


def test_rosenbrock_stacked_inputs_equal_one_by_one():
    p = Rosenbrock()
    gx, gy = np.meshgrid(np.linspace(-2, 2, 4), np.linspace(-1, 3, 3))
    grid = np.stack([gx, gy], axis=-1)  # (3, 4, 2), as for a contour plot
    values, grads, hess = p.value(grid), p.grad(grid), p.hessian(grid)
    assert values.shape == (3, 4) and grads.shape == (3, 4, 2) and hess.shape == (3, 4, 2, 2)
    for idx in np.ndindex(3, 4):
        assert values[idx] == p.value(grid[idx])
        np.testing.assert_array_equal(grads[idx], p.grad(grid[idx]))
        np.testing.assert_array_equal(hess[idx], p.hessian(grid[idx]))


def test_rosenbrock_has_no_global_L_and_gives_fresh_start():
    p = Rosenbrock(x0=(0.5, 0.5))
    assert p.L is None
    start = p.initial_params()
    start[0] = 99.0
    np.testing.assert_array_equal(p.initial_params(), [0.5, 0.5])


@pytest.mark.parametrize("kwargs, match", [
    ({"b": 0.0}, "b must be > 0"),
    ({"a": "one"}, "a must be a real number"),
    ({"x0": (1.0, 2.0, 3.0)}, r"x0 must have shape \(2\)"),
])
def test_rosenbrock_rejects_bad_arguments(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        Rosenbrock(**kwargs)


def test_rosenbrock_rejects_params_without_two_coordinates():
    with pytest.raises(ValueError, match="params must have last dimension 2"):
        Rosenbrock().value(np.zeros(3))


def test_rosenbrock_overflow_gives_inf_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Rosenbrock().value(np.array([1e200, -1e200])) == np.inf


# --- digits data -----------------------------------------------------------
def test_digits_split_is_a_stratified_80_20_partition():
    d = load_digits_split()
    every = np.concatenate([d.train_index, d.test_index])
    np.testing.assert_array_equal(np.sort(every), np.arange(1797), "train + test must be all rows once")
    counts = np.bincount(np.concatenate([d.y_train, d.y_test]), minlength=10)
    test_counts = np.bincount(d.y_test, minlength=10)
    assert np.all(np.abs(test_counts - 0.2 * counts) <= 0.5), f"per-class test counts {test_counts}"


def test_digits_features_are_float64_pixels_scaled_to_unit_interval():
    from sklearn.datasets import load_digits
    d = load_digits_split()
    raw = load_digits()
    assert d.X_train.dtype == np.float64 and d.y_train.dtype == np.int64
    np.testing.assert_array_equal(d.X_train, raw.data[d.train_index] / 16.0)
    np.testing.assert_array_equal(d.y_test, raw.target[d.test_index])
    assert d.X_train.min() == 0.0 and d.X_train.max() == 1.0


def test_digits_split_is_cached_and_read_only():
    d = load_digits_split()
    assert load_digits_split() is d
    with pytest.raises(ValueError):
        d.X_train[0, 0] = 5.0


def test_digits_split_depends_on_seed():
    assert not np.array_equal(load_digits_split(seed=1).test_index, load_digits_split().test_index)


@pytest.mark.parametrize("kwargs, match", [({"test_size": 1.5}, "test_size must be < 1.0"),
                                           ({"test_size": 0.001}, "test_size must leave images"),
                                           ({"seed": -1}, "seed must be >= 0")])
def test_digits_split_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_digits_split(**kwargs)


# --- logistic regression ---------------------------------------------------
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_logistic_grad_matches_finite_differences_full_batch(l2):
    p = LogisticRegression(l2=l2)
    assert check_dict_grad(p, random_params(p, 1, 0.3), None, n_coords=120) < GRAD_RTOL


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_logistic_grad_matches_finite_differences_minibatch(l2):
    p = LogisticRegression(l2=l2)
    batch = np.random.default_rng(5).choice(p.n_samples, 32, replace=False)
    assert check_dict_grad(p, random_params(p, 2, 0.3), batch) < GRAD_RTOL


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_logistic_hessian_matches_finite_differences_of_gradient(l2):
    p = LogisticRegression(l2=l2)
    params = random_params(p, 3, 0.3)
    keys = ["W", "b"]
    x = flat(params, keys)
    H = p.hessian(params)
    coords = np.random.default_rng(0).choice(x.size, 40, replace=False)
    fd = fd_jacobian(lambda z: flat(p.grad(unflat(z, params)), keys), x, coords=coords)
    assert rel_err(H[:, coords], fd) < 1e-6, "Hessian columns vs FD of the gradient"
    np.testing.assert_allclose(H, H.T, atol=1e-15, err_msg="Hessian must be symmetric")


@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("point", ["zeros", "init", "small", "large"])
def test_logistic_L_bounds_the_largest_hessian_eigenvalue(l2, point):
    p = LogisticRegression(l2=l2)
    params = {"zeros": p.initial_params(), "init": p.initial_params(seed=4),
              "small": random_params(p, 5, 0.1), "large": random_params(p, 6, 3.0)}[point]
    top = np.linalg.eigvalsh(p.hessian(params))[-1]
    assert top <= p.L * (1 + 1e-12), f"largest Hessian eigenvalue {top} exceeds L = {p.L}"


def test_logistic_L_is_reached_when_two_classes_share_all_probability():
    # With p = (½, ½, 0, …) for every image, the logit Hessian has eigenvalue ½ along
    # (1, −1, 0, …)/√2, so the bound ½·λmax(X̃ᵀX̃/n) is attained: L is tight, not just valid.
    p = LogisticRegression()
    b = np.full(10, -40.0)
    b[:2] = 0.0
    top = np.linalg.eigvalsh(p.hessian({"W": np.zeros((64, 10)), "b": b}))[-1]
    assert top == pytest.approx(p.L, rel=1e-9)


def test_logistic_L_is_a_smoothness_constant_for_gradient_descent():
    # Descent lemma: with lr < 2/L every full-batch gradient step lowers the loss.
    p = LogisticRegression(l2=0.01)
    params, lr = p.initial_params(seed=7), 1.9 / p.L
    losses = []
    for _ in range(30):
        loss, g = p.value_and_grad(params)
        losses.append(loss)
        params = {k: params[k] - lr * g[k] for k in params}
    assert np.all(np.diff(losses) < 0), f"loss went up with lr = 1.9/L: {losses}"


def test_logistic_value_at_zero_params_is_log_of_ten():
    # All logits equal, so every class gets probability 1/10.
    assert LogisticRegression().value(LogisticRegression().initial_params()) == pytest.approx(
        np.log(10.0), rel=1e-14)


def test_logistic_l2_term_is_half_l2_times_squared_weight_norm():
    params = random_params(LogisticRegression(), 8)
    diff = LogisticRegression(l2=0.4).value(params) - LogisticRegression().value(params)
    assert diff == pytest.approx(0.2 * np.sum(params["W"] ** 2), rel=1e-12)


def test_logistic_accuracy_of_zero_params_is_the_share_of_class_zero():
    # Tied logits: argmax picks class 0 for every image.
    p = LogisticRegression()
    d = load_digits_split()
    assert p.accuracy(p.initial_params(), "test") == pytest.approx(np.mean(d.y_test == 0))
    assert p.accuracy(p.initial_params(), "train") == pytest.approx(np.mean(d.y_train == 0))


def test_logistic_sgd_learns_the_digits():
    p = LogisticRegression()
    params, rng = p.initial_params(), np.random.default_rng(0)
    for _ in range(3):
        for batch in p.batches(64, rng):
            g = p.grad(params, batch)
            params = {k: params[k] - 1.0 * g[k] for k in params}
    assert p.accuracy(params, "test") > 0.85


def test_logistic_on_the_test_split_uses_test_data():
    p, d = LogisticRegression(split="test"), load_digits_split()
    assert p.n_samples == d.y_test.size
    np.testing.assert_array_equal(p.X, d.X_test)
    np.testing.assert_array_equal(p.y, d.y_test)


def test_logistic_rejects_params_of_the_wrong_shape():
    p = LogisticRegression()
    with pytest.raises(ValueError, match=r"params\['W'\] must have shape \(64, 10\)"):
        p.grad({"W": np.zeros((10, 64)), "b": np.zeros(10)})


# --- MLP -------------------------------------------------------------------
def kink_free_relu_params(net, batch, margin):
    """The first seeded initial point whose first-layer pre-activations stay ``margin`` from 0."""
    X = net.X if batch is None else net.X[batch]
    for seed in range(50):
        params = net.initial_params(seed)
        if np.min(np.abs(X @ params["W1"] + params["b1"])) > margin:
            return params
    raise AssertionError("no kink-free starting point found")


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("batch_kind", ["full", "minibatch"])
def test_mlp_grad_matches_finite_differences(activation, batch_kind):
    net = MLP(activation=activation)
    batch = None if batch_kind == "full" else np.random.default_rng(9).choice(net.n_samples, 64)
    h = 1e-6
    if activation == "relu":  # a coordinate step moves a pre-activation by at most h (pixels <= 1)
        params = kink_free_relu_params(net, batch, margin=10 * h)
    else:
        params = net.initial_params(seed=3)
    n_coords = 40 if batch is None else None  # full batch: a random subset keeps this fast
    assert check_dict_grad(net, params, batch, h=h, n_coords=n_coords) < GRAD_RTOL


def test_mlp_grad_with_l2_and_two_hidden_layers_matches_finite_differences():
    net = MLP(sizes=(64, 12, 8, 10), l2=0.05)
    batch = np.arange(0, 200, 7)
    assert check_dict_grad(net, net.initial_params(seed=1), batch) < GRAD_RTOL


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_mlp_value_and_grad_equal_value_and_grad_separately(activation):
    net = MLP(activation=activation, l2=0.01)
    params, batch = net.initial_params(), np.arange(10, 90)
    loss, grads = net.value_and_grad(params, batch)
    assert loss == pytest.approx(net.value(params, batch), rel=1e-15)
    for k, g in net.grad(params, batch).items():
        np.testing.assert_allclose(grads[k], g, rtol=1e-15, err_msg=k)


def test_mlp_initial_params_follow_the_torch_linear_ranges():
    net = MLP(sizes=(64, 32, 10))
    params = net.initial_params()
    assert [(k, params[k].shape) for k in params] == [
        ("W1", (64, 32)), ("b1", (32,)), ("W2", (32, 10)), ("b2", (10,))]
    for k, fan_in in [("W1", 64), ("b1", 64), ("W2", 32), ("b2", 32)]:
        bound = 1 / np.sqrt(fan_in)
        assert np.all(np.abs(params[k]) <= bound), f"{k} outside ±1/sqrt({fan_in})"
        assert np.max(np.abs(params[k])) > 0.8 * bound, f"{k} does not fill ±1/sqrt({fan_in})"


def test_mlp_initial_params_are_seeded_and_fresh():
    net = MLP(init_seed=3)
    first = net.initial_params()
    first["W1"][:] = 0.0
    again = net.initial_params()
    np.testing.assert_array_equal(again["W1"], MLP(init_seed=3).initial_params()["W1"])
    assert np.any(again["W1"] != 0.0), "mutating one result changed the next"
    assert not np.array_equal(net.initial_params(seed=4)["W1"], again["W1"])


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_mlp_matches_torch_sgd_trajectory(activation):
    fx = json.loads((FIXTURES / "torch_mlp.json").read_text())
    assert fx["train_index"] == load_digits_split().train_index.tolist(), \
        "lrlab's training split differs from the one the fixture was made with"
    net = MLP(sizes=tuple(fx["sizes"]), activation=activation)
    params = {k: np.array(v) for k, v in fx["initial_params"].items()}
    losses = []
    for batch in fx["batches"]:
        loss, grads = net.value_and_grad(params, np.array(batch))
        losses.append(loss)
        params = {k: params[k] - fx["lr"] * grads[k] for k in params}
    run = fx["runs"][activation]
    np.testing.assert_allclose(losses, run["losses"], rtol=0, atol=1e-10,
                               err_msg="per-step losses differ from torch")
    for k, expected in run["final_params"].items():
        np.testing.assert_allclose(params[k], np.array(expected), rtol=0, atol=1e-10,
                                   err_msg=f"{k} after {len(losses)} SGD steps differs from torch")


def test_mlp_overflowing_params_give_a_non_finite_loss_without_warning():
    net = MLP(activation="relu")
    params = {k: np.full_like(a, 1e300) for k, a in net.initial_params().items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, _ = net.value_and_grad(params, np.arange(8))
    assert not np.isfinite(loss)


@pytest.mark.parametrize("problem", [Quadratic1D(), QUADRATICS["rotated"](), Rosenbrock()])
def test_smooth_problems_do_not_mutate_params(problem):
    x = np.array([[0.5, -1.0], [2.0, 3.0]]) if problem.dim == 2 else np.array([0.5, -1.0])
    before = x.copy()
    problem.value(x), problem.grad(x), problem.hessian(x[0] if problem.dim == 2 else x)
    np.testing.assert_array_equal(x, before)


# --- shared behaviour of the data problems ---------------------------------
DATA_PROBLEMS = {"logistic": lambda: LogisticRegression(l2=0.1),
                 "mlp": lambda: MLP(activation="relu", l2=0.1)}


@pytest.mark.parametrize("kind", DATA_PROBLEMS)
def test_no_method_mutates_params(kind):
    p = DATA_PROBLEMS[kind]()
    params = p.initial_params(seed=2)
    before = {k: a.copy() for k, a in params.items()}
    p.value(params, np.arange(5))
    p.grad(params)
    p.value_and_grad(params, np.arange(64))
    p.accuracy(params)
    if kind == "logistic":
        p.hessian(params)
    for k in before:
        np.testing.assert_array_equal(params[k], before[k], err_msg=f"params[{k!r}] was modified")


@settings(max_examples=50, deadline=None)
@given(batch_size=st.integers(1, 1500), seed=st.integers(0, 2**32 - 1))
def test_batches_cover_every_index_once_per_epoch(batch_size, seed):
    p = LogisticRegression()
    batches = list(p.batches(batch_size, np.random.default_rng(seed)))
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(p.n_samples))
    assert all(b.size == batch_size for b in batches[:-1])
    assert batches[-1].size == p.n_samples - batch_size * (len(batches) - 1)


def test_batches_are_shuffled_reproducibly_and_none_means_full_batch():
    p = MLP()
    a, b = list(p.batches(100, 7)), list(p.batches(100, 7))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], np.arange(100)), "first batch is not shuffled"
    assert list(p.batches(None, 7)) == [None]


def test_a_batch_of_all_indices_gives_the_full_batch_loss():
    p = MLP()
    params = p.initial_params()
    assert p.value(params, np.arange(p.n_samples)) == pytest.approx(p.value(params), rel=1e-14)


@pytest.mark.parametrize("make, match", [
    (lambda: MLP(activation="sigmoid"), "activation must be one of 'tanh', 'relu'"),
    (lambda: MLP(sizes=(64, 32, 5)), "sizes must start with 64"),
    (lambda: MLP(sizes=(64, 0, 10)), "sizes must hold integers >= 1"),
    (lambda: MLP(sizes=(64,)), "sizes must list at least"),
    (lambda: MLP(sizes=64), "sizes must be a tuple"),
    (lambda: MLP(init_seed=-1), "init_seed must be >= 0"),
    (lambda: LogisticRegression(l2=-1.0), "l2 must be >= 0.0"),
    (lambda: LogisticRegression(split="val"), "split must be one of 'train', 'test'"),
])
def test_constructors_reject_bad_arguments(make, match):
    with pytest.raises((TypeError, ValueError), match=match):
        make()


BAD_CALLS = [
    (lambda p, w: p.value([1.0, 2.0]), TypeError, "params must be a dict"),
    (lambda p, w: p.value({"W1": w["W1"]}), ValueError, r"missing \['b1', 'W2', 'b2'\]"),
    (lambda p, w: p.value({**w, "W3": w["W2"]}), ValueError, r"unexpected \['W3'\]"),
    (lambda p, w: p.value({**w, "W1": w["W1"].T}), ValueError, r"params\['W1'\] must have shape \(64, 32\)"),
    (lambda p, w: p.value(w, batch=np.array([0.0, 1.0])), TypeError, "batch must be None or an integer"),
    (lambda p, w: p.value(w, batch=np.array([0, p.n_samples])), ValueError, "batch indices must lie in"),
    (lambda p, w: p.value(w, batch=np.array([-1])), ValueError, "batch indices must lie in"),
    (lambda p, w: p.grad(w, batch=np.array([], dtype=int)), ValueError, "batch must be a non-empty"),
    (lambda p, w: p.grad(w, batch=np.zeros((2, 2), dtype=int)), ValueError, "batch must be a non-empty 1-D"),
    (lambda p, w: p.accuracy(w, split="valid"), ValueError, "split must be one of"),
    (lambda p, w: p.batches(0, 0), ValueError, "batch_size must be >= 1"),
    (lambda p, w: p.batches(2.5, 0), TypeError, "batch_size must be an integer"),
    (lambda p, w: p.batches(8, "seed"), TypeError, "rng must be an integer"),
]


@pytest.mark.parametrize("call, error, match", BAD_CALLS)
def test_methods_reject_bad_inputs_naming_the_argument(call, error, match):
    net = MLP()
    with pytest.raises(error, match=match):
        call(net, net.initial_params())


@pytest.mark.parametrize("loader", sorted(toy_data.FILES))
def test_toy_data_reads_exactly_what_sklearn_loads(loader):
    """lrlab reads scikit-learn's data files itself (importing scikit-learn costs seconds per kernel):
    the arrays must be sklearn's own, bit for bit, and the files must be where lrlab looks."""
    import sklearn.datasets

    assert toy_data.data_file(toy_data.FILES[loader][0]) is not None, "lrlab would fall back to sklearn"
    data, target = toy_data.load(loader)
    bunch = getattr(sklearn.datasets, loader)()
    assert data.dtype == bunch.data.dtype and data.shape == bunch.data.shape
    assert np.array_equal(data, bunch.data) and np.array_equal(target, bunch.target)
    assert target.dtype == bunch.target.dtype


def test_toy_data_refuses_an_unknown_loader():
    with pytest.raises(ValueError, match="loader must be one of 'load_digits'"):
        toy_data.load("load_iris")


def test_training_on_the_digits_does_not_import_sklearn():
    probe = ("import sys; from lrlab.problems import LogisticRegression, TabularMLP; "
             "LogisticRegression(); TabularMLP('wine'); print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
