"""Hessian-vector products and the sharpness: exact R-operator, central differences and a dense Hessian agree."""
import numpy as np
import pytest

from lrlab.train.curvature import dense_hessian, flatten, hvp, hvp_fd, power_iteration, sharpness, unflatten
from lrlab.problems import MLP, QuadraticND, Rosenbrock

BATCH = np.arange(40)


def tiny(activation="tanh", l2=0.0):
    net = MLP(sizes=(64, 3, 10), activation=activation, l2=l2)
    return net, net.initial_params(seed=1)


def random_like(params, seed):
    gen = np.random.default_rng(seed)
    return {k: gen.standard_normal(a.shape) for k, a in params.items()}


@pytest.mark.parametrize("activation, l2", [("tanh", 0.0), ("tanh", 0.01), ("relu", 0.0)])
def test_exact_hvp_matches_central_differences_of_the_gradient(activation, l2):
    net, params = tiny(activation, l2)
    vec = random_like(params, 2)
    exact = flatten(hvp(net, params, vec, batch=BATCH))
    fd = flatten(hvp_fd(net, params, vec, batch=BATCH, eps=1e-5))
    assert np.allclose(exact, fd, rtol=1e-5, atol=1e-7), np.max(np.abs(exact - fd))


def test_dense_hessian_of_a_tiny_net_is_symmetric_and_agrees_with_differences():
    net, params = tiny()
    H = dense_hessian(net, params, batch=BATCH)
    H_fd = dense_hessian(net, params, batch=BATCH, method="fd")
    assert H.shape == (flatten(params).size,) * 2
    assert np.allclose(H, H.T, atol=1e-12), "an exact Hessian of a smooth loss is symmetric"
    assert np.allclose(H, H_fd, rtol=1e-4, atol=1e-6)


def test_power_iteration_finds_the_top_eigenvalue_of_the_dense_hessian():
    net, params = tiny()
    H = dense_hessian(net, params, batch=BATCH)
    eig = np.linalg.eigvalsh(H)
    top = eig[np.argmax(np.abs(eig))]
    got = sharpness(net, params, batch=BATCH, tol=1e-10, iters=2000)
    assert got == pytest.approx(top, rel=1e-6)


def test_power_iteration_returns_the_rayleigh_quotient_with_its_sign():
    H = np.diag([-5.0, 1.0, 2.0])
    lam, vec, its = power_iteration(lambda x: H @ x, 3, tol=1e-12, iters=500)
    assert lam == pytest.approx(-5.0, rel=1e-9) and abs(abs(vec[0]) - 1) < 1e-6 and its < 500


def test_sharpness_of_a_quadratic_is_its_largest_eigenvalue():
    bowl = QuadraticND([1.0, 4.0, 25.0], rotation="random")
    assert sharpness(bowl, bowl.initial_params(), tol=1e-12, iters=1000) == pytest.approx(25.0, rel=1e-9)


def test_problems_with_a_hessian_method_use_it():
    rb = Rosenbrock()
    x = np.array([0.5, -0.2])
    vec = np.array([0.3, 1.0])
    assert np.allclose(hvp(rb, x, vec), rb.hessian(x) @ vec)
    assert np.allclose(hvp_fd(rb, x, vec), rb.hessian(x) @ vec, rtol=1e-6)


def test_flatten_and_unflatten_are_inverses():
    _, params = tiny()
    back = unflatten(flatten(params), params)
    assert back.keys() == params.keys() and all(np.array_equal(back[k], params[k]) for k in params)


@pytest.mark.parametrize("call, message", [
    (lambda: unflatten(np.zeros(3), {"a": np.zeros(4)}), "flat array of 4 values"),
    (lambda: power_iteration(lambda x: x, 0), "dim"),
    (lambda: power_iteration("H", 3), "hvp_fn must be a function"),
    (lambda: power_iteration(lambda x: x[:2], 3), "flat array of 3 values"),
    (lambda: hvp_fd(QuadraticND([1.0, 2.0]), np.zeros(2), np.ones(2), eps=0), "eps"),
    (lambda: hvp(*tiny(), {"W1": np.zeros((64, 3))}), "keys of params"),
    (lambda: sharpness(QuadraticND([1.0, 2.0]), np.zeros(2), method="adjoint"), "method"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
