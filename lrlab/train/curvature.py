r"""Curvature of a loss where it is now: Hessian-vector products, the top eigenvalue, sharpness.

Gradient descent with rate :math:`\eta` is stable on a quadratic when :math:`\eta < 2/L`, with
:math:`L` the largest eigenvalue of the Hessian. For a network the Hessian changes as training
moves, so "the" :math:`L` is the **sharpness** :math:`\lambda_{\max}(\nabla^2 f(\theta))` at the
current parameters. It is measured here without ever forming the Hessian:

* :func:`hvp` multiplies the Hessian by a vector, :math:`H v`: exactly, through the digits MLP's own
  backpropagation (Pearlmutter's R-operator: one extra forward and backward pass), or for any problem
  with a gradient by a central difference of two gradients,
  :math:`H v \approx (\nabla f(\theta + \epsilon v) - \nabla f(\theta - \epsilon v)) / 2\epsilon`.
* :func:`power_iteration` finds the eigenvalue of largest magnitude of a symmetric operator given only
  :math:`v \mapsto H v`: repeat :math:`v \leftarrow H v / \lVert H v \rVert`; the estimate is the
  Rayleigh quotient :math:`v^\top H v` (signed, so a negative curvature is reported as negative).
* :func:`sharpness` puts the two together for a problem and its parameters.

Parameters are dicts of arrays (as the problems use) or flat arrays; :func:`flatten` and
:func:`unflatten` convert between the two.

>>> from lrlab.problems import QuadraticND
>>> bowl = QuadraticND([1.0, 25.0])
>>> round(sharpness(bowl, bowl.initial_params()), 6)
25.0
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from lrlab import _validate as v

__all__ = ["flatten", "unflatten", "flat_functions", "hvp", "hvp_operator", "hvp_fd", "dense_hessian", "power_iteration", "sharpness"]


def flatten(params) -> np.ndarray:
    """One float64 vector of every entry of ``params`` (a dict of arrays, in key order, or an array)."""
    if isinstance(params, Mapping):
        return np.concatenate([np.asarray(a, dtype=float).ravel() for a in params.values()])
    return np.asarray(params, dtype=float).ravel().copy()


def unflatten(vector, like):
    """``vector`` reshaped into the structure of ``like`` (a dict of arrays, or an array)."""
    vector = np.asarray(vector, dtype=float)
    size = flatten(like).size
    if vector.shape != (size,):
        raise ValueError(f"vector must be a flat array of {size} values to match the parameters, "
                         f"got shape {vector.shape}")
    if not isinstance(like, Mapping):
        return vector.reshape(np.shape(like)).copy()
    out, start = {}, 0
    for name, a in like.items():
        n = np.size(a)
        out[name] = vector[start:start + n].reshape(np.shape(a)).copy()
        start += n
    return out


def flat_functions(problem, params, *, batch=None):
    """``(theta, grad, hvp_at)``: ``params`` as one flat vector, the gradient of ``problem`` as a function
    of flat vectors, and the exact Hessian-vector product at ``params`` (:func:`hvp`) on flat vectors.

    For code written for 1-D arrays (a power iteration, a finite difference) on a problem whose
    parameters are a dict of arrays.
    """
    theta = flatten(params)

    def grad(x):
        return flatten(problem.grad(unflatten(x, params), batch=batch))

    return theta, grad, hvp_operator(problem, params, batch=batch)


def hvp_fd(problem, params, vector, *, batch=None, eps=1e-4):
    r"""Hessian times ``vector`` by a central difference of gradients (any problem with ``grad``).

    ``eps`` is the step along the *unit* direction; the error is :math:`O(\epsilon^2)`.
    """
    eps = v.positive("eps", eps)
    flat_p, flat_v = flatten(params), flatten(vector)
    if flat_v.shape != flat_p.shape:
        raise ValueError(f"vector must have the shape of params ({flat_p.size} values), got {flat_v.size}")
    norm = float(np.linalg.norm(flat_v))
    if norm == 0.0:
        return unflatten(np.zeros_like(flat_p), params)
    step = eps / norm
    plus = flatten(problem.grad(unflatten(flat_p + step * flat_v, params), batch=batch))
    minus = flatten(problem.grad(unflatten(flat_p - step * flat_v, params), batch=batch))
    return unflatten((plus - minus) / (2.0 * step), params)


def hvp(problem, params, vector, *, batch=None):
    r"""Hessian of ``problem``'s loss at ``params`` times ``vector``, exactly where lrlab can.

    For :class:`lrlab.problems.MLP` this is the R-operator through the network's backpropagation
    (exact to rounding; tanh or ReLU, whose second derivative is taken as 0 like autograd does;
    cross-entropy, or the squared error of a ``TabularMLP(loss="mse")``). For a
    problem with a ``hessian`` method it is that matrix times the vector. Otherwise it falls back to
    :func:`hvp_fd`. ``vector`` has the structure of ``params``; so has the result.
    """
    from lrlab.problems import MLP

    if isinstance(problem, MLP):
        return _mlp_hvp(problem, params, vector, batch)
    try:
        H = problem.hessian(params)
    except (NotImplementedError, AttributeError, TypeError):
        return hvp_fd(problem, params, vector, batch=batch)
    flat_v = flatten(vector)
    return unflatten(np.asarray(H, dtype=float) @ flat_v, params)


def _mlp_hvp(net, params, vector, batch):
    arrays = net._check_params(params)             # in the network's order, whatever the order of params
    names = list(net._shapes)
    if not isinstance(vector, Mapping) or vector.keys() != params.keys():
        raise ValueError(f"vector must be a dict with the keys of params {list(params)}")
    vec = [np.asarray(vector[k], dtype=float) for k in names]
    for k, a, b in zip(names, arrays, vec):
        if a.shape != b.shape:
            raise ValueError(f"vector[{k!r}] must have shape {a.shape}, got {b.shape}")
    out = dict(zip(names, _mlp_operator(net, arrays, batch)(vec)))
    return {k: out[k] for k in params}


def _mlp_operator(net, arrays, batch):
    """``vec -> H vec`` (lists of arrays in the parameters' order) at fixed parameters ``arrays``.

    Everything that depends on the parameters only (the forward pass, the slopes of the
    activations, the backpropagated errors) is computed once here; each product then costs the
    R-forward and R-backward passes alone.
    """
    X, y = net._check_batch(batch)
    n, layers, tanh = X.shape[0], net.n_layers, net.activation == "tanh"
    Ws = arrays[0::2]
    acts = [X]
    for layer in range(layers):
        z = acts[-1] @ Ws[layer] + arrays[2 * layer + 1]
        if layer == layers - 1:
            break
        acts.append(np.tanh(z) if tanh else np.maximum(z, 0.0))
    slopes = [None] + [1.0 - a * a if tanh else (a > 0.0).astype(float) for a in acts[1:]]
    mse = getattr(net, "loss", "cross_entropy") == "mse"  # f = Σ‖z − onehot‖² / 2n (TabularMLP)
    if mse:
        dz = z.copy()
        p = None
    else:
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        dz = p.copy()
    dz[np.arange(n), y] -= 1.0
    dz /= n
    dzs, das = [None] * layers, [None] * layers   # the plain backward pass: errors at each layer
    for layer in range(layers - 1, -1, -1):
        dzs[layer] = dz
        if layer:
            das[layer] = dz @ Ws[layer].T
            dz = das[layer] * slopes[layer]

    def product(vec):
        VWs = vec[0::2]
        r_acts, ra = [None], None
        for layer in range(layers):
            rz = (acts[layer] @ VWs[layer] + vec[2 * layer + 1]) if layer == 0 else \
                (ra @ Ws[layer] + acts[layer] @ VWs[layer] + vec[2 * layer + 1])
            if layer == layers - 1:
                break
            ra = slopes[layer + 1] * rz
            r_acts.append(ra)
        rdz = rz / n if mse else p * (rz - (p * rz).sum(axis=1, keepdims=True)) / n  # R of the output error
        out = [None] * (2 * layers)
        for layer in range(layers - 1, -1, -1):
            a, ra, dz = acts[layer], r_acts[layer], dzs[layer]
            # the input's R-activation is zero: its term ra.T @ dz (a large product) is left out
            gW = a.T @ rdz if ra is None else ra.T @ dz + a.T @ rdz
            out[2 * layer] = gW + net.l2 * VWs[layer] if net.l2 else gW
            out[2 * layer + 1] = rdz.sum(axis=0)
            if layer:
                rda = rdz @ Ws[layer].T + dz @ VWs[layer].T
                rdz = rda * slopes[layer]
                if tanh:
                    rdz += das[layer] * (-2.0 * a * ra)
        return out

    return product


def hvp_operator(problem, params, *, batch=None):
    """``v -> H v`` on flat vectors at fixed ``params``: for many products at one point (power iteration).

    For an MLP the forward pass and the backpropagated errors are computed once, so each product
    costs less than a call of :func:`hvp`; other problems use :func:`hvp` for every product.
    """
    from lrlab.problems import MLP

    if isinstance(problem, MLP):
        arrays = problem._check_params(params)
        names = list(problem._shapes)                       # the order of ``arrays``
        keys = list(params)                                 # the order of flatten(params)
        shape = dict(zip(names, (a.shape for a in arrays)))
        ends = np.cumsum([int(np.prod(shape[k])) for k in keys])
        size = int(ends[-1])
        # where each array of the network's order sits in the flat vector, and how the result is laid out
        cuts = {k: (int(end) - int(np.prod(shape[k])), int(end)) for k, end in zip(keys, ends)}
        pieces = [(cuts[k][0], cuts[k][1], shape[k]) for k in names]
        order = [names.index(k) for k in keys]
        apply = _mlp_operator(problem, arrays, batch)

        def product(x):
            x = np.asarray(x, dtype=float)
            if x.shape != (size,):
                raise ValueError(f"x must be a flat array of {size} values, got shape {x.shape}")
            out = apply([x[lo:hi].reshape(sh) for lo, hi, sh in pieces])
            return np.concatenate([out[i].ravel() for i in order])

        return product

    def generic(x):
        return flatten(hvp(problem, params, unflatten(x, params), batch=batch))

    return generic


def dense_hessian(problem, params, *, batch=None, method="exact"):
    """The whole Hessian, one :func:`hvp` per parameter (``method``: "exact" or "fd"); small models only."""
    method = v.choice("method", method, ("exact", "fd"))
    flat = flatten(params)
    if flat.size > 5000:
        raise ValueError(f"params has {flat.size} entries: a dense Hessian is only built for at most 5000")
    product = hvp if method == "exact" else hvp_fd
    H = np.empty((flat.size, flat.size))
    for i in range(flat.size):
        e = np.zeros(flat.size)
        e[i] = 1.0
        H[:, i] = flatten(product(problem, params, unflatten(e, params), batch=batch))
    return H


def power_iteration(hvp_fn: Callable, dim: int, *, iters: int = 200, tol: float = 1e-6, seed=0, start=None):
    r"""Eigenvalue of largest magnitude of a symmetric operator, from products ``hvp_fn(v) -> H v``.

    Starts from ``start`` (e.g. the vector found at the previous training step, which makes tracking
    the sharpness along a run cheap) or a random unit vector (``seed``), repeats :math:`v \leftarrow Hv/\lVert Hv\rVert` and
    stops when the Rayleigh quotient :math:`\lambda = v^\top H v` changes by less than
    ``tol · |λ|`` between two iterations, or after ``iters``. Returns ``(λ, v, iterations)``.
    ``hvp_fn`` takes and returns flat arrays of length ``dim``.
    """
    dim = v.integer("dim", dim, low=1)
    iters = v.integer("iters", iters, low=1)
    tol = v.positive("tol", tol)
    if not callable(hvp_fn):
        raise TypeError(f"hvp_fn must be a function v -> H v, got {type(hvp_fn).__name__}")
    if start is None:
        vec = v.rng("seed", seed).standard_normal(dim)
    else:
        vec = v.array("start", start, shape=(dim,)).copy()
        if not np.any(vec):
            raise ValueError("start must be a non-zero vector")
    vec /= np.linalg.norm(vec)
    estimate = None
    for k in range(1, iters + 1):
        hv = np.asarray(hvp_fn(vec), dtype=float)
        if hv.shape != (dim,):
            raise ValueError(f"hvp_fn must return a flat array of {dim} values, got shape {hv.shape}")
        rayleigh = float(vec @ hv)
        norm = float(np.linalg.norm(hv))
        if norm == 0.0:  # vec is in the null space: the operator may be zero
            return 0.0, vec, k
        vec = hv / norm
        if estimate is not None and abs(rayleigh - estimate) <= tol * abs(rayleigh):
            return rayleigh, vec, k
        estimate = rayleigh
    return estimate, vec, iters


def sharpness(problem, params, *, batch=None, iters=200, tol=1e-6, seed=0, method="exact") -> float:
    """Largest-magnitude Hessian eigenvalue of ``problem`` at ``params`` (the sharpness), by power iteration."""
    method = v.choice("method", method, ("exact", "fd"))
    product = hvp if method == "exact" else hvp_fd

    def flat_hvp(vec):
        return flatten(product(problem, params, unflatten(vec, params), batch=batch))

    return power_iteration(flat_hvp, flatten(params).size, iters=iters, tol=tol, seed=seed)[0]
