"""lrlab.problems.tabular: the digits MLP on wine and breast cancer, and the squared-error loss with its exact Hessian."""
import numpy as np
import pytest

from lrlab.train.batched import train_mlps
from lrlab.train.curvature import dense_hessian, flatten, hvp, hvp_fd, hvp_operator, sharpness, unflatten
from lrlab.problems import MLP, TabularMLP
from lrlab.problems.tabular import load_split


def test_digits_with_cross_entropy_is_exactly_the_digits_mlp():
    mine, theirs = TabularMLP("digits", hidden=(16, 8)), MLP(sizes=(64, 16, 8, 10))
    p = mine.initial_params(seed=3)
    assert mine.sizes == theirs.sizes and mine.value(p) == theirs.value(p)
    for k, g in mine.grad(p, batch=np.arange(50)).items():
        np.testing.assert_array_equal(g, theirs.grad(p, batch=np.arange(50))[k])


@pytest.mark.parametrize("dataset, shape, classes", [("wine", (142, 13), 3), ("breast_cancer", (456, 30), 2)])
def test_tables_are_split_stratified_and_standardised_on_the_training_rows(dataset, shape, classes):
    d = load_split(dataset)
    assert d.X_train.shape == shape and set(np.unique(d.y_train)) == set(range(classes))
    np.testing.assert_allclose(d.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(d.X_train.std(axis=0), 1, atol=1e-12)
    assert not np.allclose(d.X_test.mean(axis=0), 0, atol=1e-3), "the held-out rows are not re-centred"
    assert not set(d.train_index) & set(d.test_index)
    assert not d.X_train.flags.writeable
    share = np.bincount(d.y_test) / np.bincount(np.concatenate([d.y_train, d.y_test]))
    np.testing.assert_allclose(share, 0.2, atol=0.02)


def test_with_split_keeps_the_settings():
    net = TabularMLP("wine", hidden=(5,), activation="relu", loss="mse", l2=0.1)
    held = net.with_split("test")
    assert (held.sizes, held.activation, held.loss, held.l2, held.split) == (net.sizes, "relu", "mse", 0.1, "test")
    assert held.n_samples == 36


@pytest.mark.parametrize("activation, l2", [("tanh", 0.0), ("relu", 0.0), ("tanh", 0.05)])
def test_squared_error_gradient_matches_differences_of_the_loss(activation, l2):
    net = TabularMLP("wine", hidden=(6,), activation=activation, loss="mse", l2=l2)
    p, batch = net.initial_params(seed=2), np.arange(30)
    g = flatten(net.grad(p, batch=batch))
    x = flatten(p)
    f = lambda y: net.value(unflatten(y, p), batch=batch)
    for i in (0, 7, 40, x.size - 1):
        e = np.zeros_like(x)
        e[i] = 1e-6
        assert g[i] == pytest.approx((f(x + e) - f(x - e)) / 2e-6, rel=1e-5, abs=1e-8)


def test_squared_error_is_half_the_mean_squared_distance_to_the_one_hot_target():
    net = TabularMLP("wine", hidden=(3,), loss="mse")
    p = net.initial_params()
    z = net._logits(net._check_params(p), net.X)
    target = np.eye(3)[net.y]
    assert net.value(p) == pytest.approx(0.5 * np.sum((z - target) ** 2) / net.n_samples, rel=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_exact_hessian_of_the_squared_error_agrees_with_differences_and_is_symmetric(activation):
    net = TabularMLP("wine", hidden=(4,), activation=activation, loss="mse", l2=0.01)
    p, batch = net.initial_params(seed=1), np.arange(40)
    H = dense_hessian(net, p, batch=batch)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    np.testing.assert_allclose(H, dense_hessian(net, p, batch=batch, method="fd"), rtol=1e-4, atol=1e-6)
    vec = unflatten(np.random.default_rng(0).standard_normal(H.shape[0]), p)
    np.testing.assert_allclose(flatten(hvp(net, p, vec, batch=batch)), H @ flatten(vec), atol=1e-12)
    eig = np.linalg.eigvalsh(H)
    assert sharpness(net, p, batch=batch, tol=1e-12, iters=5000) == pytest.approx(eig[np.argmax(np.abs(eig))], rel=1e-6)


def test_exact_and_central_difference_products_agree_on_the_digits():
    net = TabularMLP("digits", hidden=(8, 8), loss="mse")
    p, batch = net.initial_params(), np.arange(100)
    vec = unflatten(np.random.default_rng(3).standard_normal(flatten(p).size), p)
    np.testing.assert_allclose(flatten(hvp(net, p, vec, batch=batch)), flatten(hvp_fd(net, p, vec, batch=batch)),
                               rtol=1e-6, atol=1e-8)


def test_batched_training_refuses_the_squared_error():
    with pytest.raises(ValueError, match="cross-entropy networks only"):
        train_mlps(TabularMLP("wine", loss="mse"), "sgd", [0.1], 5)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"dataset": "iris"}, ValueError, "dataset"), ({"loss": "hinge"}, ValueError, "loss"),
    ({"hidden": "32"}, TypeError, "hidden"), ({"hidden": (0,)}, ValueError, "hidden"),
    ({"activation": "sigmoid"}, ValueError, "activation"),
])
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        TabularMLP(**kwargs)


@pytest.mark.parametrize("dataset, hidden, activation, loss, l2", [
    ("digits", (8, 6), "tanh", "cross_entropy", 0.0), ("digits", (8,), "relu", "mse", 0.01),
    ("wine", (5, 4), "tanh", "mse", 0.0), ("breast_cancer", (6,), "relu", "cross_entropy", 0.1)])
def test_the_operator_at_fixed_parameters_gives_the_same_products_as_hvp(dataset, hidden, activation, loss, l2):
    net = TabularMLP(dataset, hidden=hidden, activation=activation, loss=loss, l2=l2)
    p, batch = net.initial_params(seed=4), np.arange(30)
    p = {k: p[k] for k in reversed(list(p))}            # any key order: flat vectors follow flatten(p)
    apply = hvp_operator(net, p, batch=batch)
    for seed in (0, 1):
        x = np.random.default_rng(seed).standard_normal(flatten(p).size)
        np.testing.assert_allclose(apply(x), flatten(hvp(net, p, unflatten(x, p), batch=batch)), rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="flat array"):
        apply(np.zeros(3))
