r"""Optimizers that follow ``torch.optim``'s update rules, in numpy float64.

``SGD``, ``Adagrad``, ``RMSprop``, ``Adam`` and ``AdamW`` take the same
keyword names and defaults as PyTorch 2.13 and reproduce its single-tensor
updates step for step (checked against torch in ``tests/test_optimizers.py``).
One call to ``step`` is one update:

>>> import numpy as np
>>> opt = Adam(lr=0.1)
>>> x = np.array([1.0, -2.0])
>>> x = opt.step(x, 2 * x)          # a new array; the old one is untouched
>>> x.round(4).tolist(), opt.step_count
([0.9, -1.9], 1)

Notation: :math:`\gamma` is the learning rate, :math:`g_t` the gradient at
step :math:`t = 1, 2, \dots` (negated first when ``maximize=True``), and
:math:`\lambda` the weight decay. Every optimizer except ``AdamW`` (and
``Adam(decoupled_weight_decay=True)``) first replaces
:math:`g_t \leftarrow g_t + \lambda\theta_{t-1}` when :math:`\lambda > 0`.
Squares, roots and divisions act entry by entry.

===========  ==================================================================
optimizer    update
===========  ==================================================================
SGD          :math:`b_1 = g_1,\ b_t = \mu b_{t-1} + (1-\tau) g_t`;
             :math:`d_t = g_t + \mu b_t` (nesterov) or :math:`b_t`
             (momentum) or :math:`g_t` (:math:`\mu = 0`);
             :math:`\theta_t = \theta_{t-1} - \gamma d_t`
Adagrad      :math:`s_t = s_{t-1} + g_t^2` (:math:`s_0` =
             ``initial_accumulator_value``);
             :math:`\tilde\gamma_t = \gamma / (1 + (t-1)\,\text{lr\_decay})`;
             :math:`\theta_t = \theta_{t-1} - \tilde\gamma_t\, g_t / (\sqrt{s_t} + \epsilon)`
RMSprop      :math:`v_t = \alpha v_{t-1} + (1-\alpha) g_t^2`;
             centered: :math:`\bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t`,
             :math:`r_t = \sqrt{v_t - \bar g_t^2} + \epsilon`, else
             :math:`r_t = \sqrt{v_t} + \epsilon`; with momentum
             :math:`b_t = \mu b_{t-1} + g_t / r_t`,
             :math:`\theta_t = \theta_{t-1} - \gamma b_t`, else
             :math:`\theta_t = \theta_{t-1} - \gamma g_t / r_t`
Adam         :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t`,
             :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2`
             (amsgrad: divide by :math:`\hat v_t = \max(\hat v_{t-1}, v_t)`
             instead of :math:`v_t`);
             :math:`\theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
             m_t \big/ \big(\sqrt{v_t / (1-\beta_2^t)} + \epsilon\big)`
AdamW        Adam without the :math:`\lambda\theta` term in :math:`g_t`; instead
             :math:`\theta_{t-1} \leftarrow (1 - \gamma\lambda)\,\theta_{t-1}`
             before the Adam step (decoupled weight decay)
===========  ==================================================================

All buffers (:math:`b, s, v, \bar g, m, \hat v`) start at zero except where
stated. Arithmetic follows torch's order of operations, so float64 results
agree with ``torch.optim`` to the last few bits (the tests allow 1e-12).

Parameters and gradients
    ``step(params, grads)`` takes a numpy array (any shape) or a dict
    ``name -> array``, with ``grads`` of the same structure, and returns the
    same structure holding **new** arrays. Inputs are never changed. State
    (momentum buffers, moments, per-parameter step counts) lives in
    ``opt.state``, keyed by the dict key, or by ``None`` for a bare array. The
    structure (keys and shapes) must stay the same from call to call; call
    ``reset()`` to start over with other parameters. Non-finite values are
    passed through, not rejected, so a diverging run can be watched.

The learning rate
    ``opt.lr`` is a settable float: a schedule drives the optimizer by setting
    it before each step. ``lr`` may also be a callable ``step -> lr`` (0-based:
    the k-th call to ``step()`` uses ``lr(k)``). ``opt.step_count`` counts the
    calls to ``step()`` so far; ``opt.get_lr()`` gives the float rate the next
    step will use. A fixed ``lr`` given to the constructor must be > 0; the
    setter and schedule values may also be exactly 0 (warm-up starts and
    annealing ends there).

Per-copy learning rates (many runs at once)
    ``lr`` may also be a 1-D array of ``K`` rates (a list or a numpy array;
    fixed ones > 0, set or scheduled ones >= 0, all finite). Every parameter
    array then carries ``K`` independent copies along its leading axis, shape
    ``(K, ...)``, and copy ``k`` is updated with rate ``lr[k]``: the result
    for each copy is exactly what the same optimizer with the float rate
    ``lr[k]`` gives on that copy alone (the update acts entry by entry, so
    nothing mixes between copies). ``lrlab.train.batched`` trains K networks this
    way. ``get_lr()`` then returns the array (read-only).

    >>> opt = SGD(lr=[0.1, 0.5], momentum=0.9)
    >>> opt.step(np.ones((2, 3)), np.ones((2, 3))).tolist()
    [[0.9, 0.9, 0.9], [0.5, 0.5, 0.5]]

Parameter groups (one learning rate per layer)
    With dict parameters, ``param_groups`` gives some names their own options,
    any constructor keyword allowed::

        Adam(lr=1e-3, param_groups=[{"params": ["W1", "b1"], "lr": 1e-5},
                                    {"params": ["W2"], "betas": (0.8, 0.99)}])

    torch's form ``Adam([{"params": [...], ...}, ...], lr=1e-3)`` is the same
    thing. Options a group does not name come from the constructor keywords
    (``opt.defaults``), and names that are in no group use ``opt.defaults``
    entirely. ``opt.param_groups`` is the list of groups with every option
    filled in; change a group's rate with ``opt.param_groups[i]["lr"] = ...``.
    Setting ``opt.lr`` changes ``opt.defaults["lr"]`` and the rate of every
    group that did not set its own ``lr`` in the constructor.

Schedule-free optimizers
    ``SGDScheduleFree`` and ``AdamWScheduleFree`` follow the ``schedulefree`` package
    (Defazio et al. 2024) instead of torch, names and defaults included, and are checked against it
    step by step (``tests/test_schedulefree.py``). They keep three sequences: the parameters they
    return are the gradient points ``y``; ``opt.eval(params)`` gives the average ``x`` to evaluate
    and ``opt.train(x)`` turns it back (see :class:`_ScheduleFree`).

Differences from torch
    * Functional: ``step`` returns new arrays instead of updating tensors in
      place, and takes the gradients as an argument (no ``.grad``, no closure).
    * Groups name parameters by dict key; names in no group are optimized with
      the defaults (torch leaves parameters it was not given untouched).
    * No ``foreach``, ``fused``, ``capturable`` or ``differentiable``; no
      sparse or complex gradients; ``maximize`` is keyword-only everywhere.
    * Stricter checks: a fixed ``lr`` must be > 0 (torch allows 0),
      ``dampening`` must lie in [0, 1] and RMSprop's ``alpha`` in [0, 1)
      (torch accepts any value / any ``alpha >= 0``), flags must be bools.
    * Adagrad's accumulator is filled at the first step, from the value of
      ``initial_accumulator_value`` in the parameter's own group; torch fills
      every accumulator at construction from the constructor's value and
      ignores a per-group ``initial_accumulator_value``.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lrlab import _validate as v

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "SGDScheduleFree", "AdamWScheduleFree"]


# --------------------------------------------------------------------------- option checks
def _is_rate_array(value):
    """True for a list, tuple or >= 1-D array: per-copy learning rates."""
    return isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim >= 1)


def _lr_array(name, value, strict):
    """Per-copy rates: a read-only 1-D float64 array, finite, > 0 (``strict``) or >= 0."""
    rates = v.array(name, value, ndim=1, min_size=1, finite=False)
    for bad, rule in ((~np.isfinite(rates), "finite"),
                      (rates <= 0 if strict else rates < 0, "> 0" if strict else ">= 0")):
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name} must hold learning rates that are all {rule}, "
                             f"got {name}[{i}] = {float(rates[i])!r}")
    rates.flags.writeable = False
    return rates


def _lr_value(name, value):
    """A learning rate actually used for a step: finite and >= 0 (a float, or a 1-D array of them)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if _is_rate_array(value):
        return _lr_array(name, value, strict=False)
    return v.real(name, value, low=0.0)


def _check_lr(name, value, runtime):
    if callable(value):
        if not runtime:  # fail early on a schedule that cannot give step 0
            _lr_value(f"{name}(0)", value(0))
        return value
    if runtime:
        return _lr_value(name, value)
    if _is_rate_array(value):
        return _lr_array(name, value, strict=True)
    return v.positive(name, value)


def _check_bool(name, value, runtime):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def _check_betas(name, value, runtime):
    if not isinstance(value, (tuple, list, np.ndarray)):
        raise TypeError(f"{name} must be a pair (beta1, beta2) of numbers in [0, 1), "
                        f"got {type(value).__name__} {value!r}")
    if len(value) != 2:
        raise ValueError(f"{name} must be a pair (beta1, beta2), got {len(value)} value(s)")
    return tuple(v.real(f"{name}[{i}]", b, low=0.0, high=1.0, high_open=True) for i, b in enumerate(value))


def _check_non_negative(name, value, runtime):
    return v.non_negative(name, value)


def _check_unit_interval(name, value, runtime):
    return v.real(name, value, low=0.0, high=1.0)


def _check_alpha(name, value, runtime):
    return v.real(name, value, low=0.0, high=1.0, high_open=True)


def _float_array(name, value):
    """``value`` itself if it is a float64 ndarray, else a checked float64 copy."""
    if type(value) is np.ndarray and value.dtype == np.float64:
        return value
    return v.array(name, value, finite=False)


def _add_scaled(acc, scale, x):
    """``acc += scale * x`` in place (the product skipped when ``scale`` is exactly 1: same bits)."""
    if isinstance(scale, float) and scale == 1.0:
        acc += x
    else:
        acc += scale * x


def _plus(param, update):
    """``param + update``, written into ``update`` (a new array the caller owns); 0-d: numpy's scalar, as before."""
    if update.ndim == 0:
        return param + update
    return np.add(param, update, out=update)


def _step_from(param, scale, direction):
    """``param + scale * direction`` as one new array (``scale``: a float or per-copy rates)."""
    return _plus(param, np.multiply(scale, direction, out=np.empty_like(direction)))


def _lerp_into(start, end, weight):
    """``start = _lerp(start, end, weight)`` in place, with the same operations; returns a scratch array."""
    diff = np.subtract(end, start, out=np.empty_like(start))
    if abs(weight) < 0.5:
        diff *= weight
        start += diff
    else:
        diff *= 1.0 - weight
        np.subtract(end, diff, out=start)
    return diff


def _lerp(start, end, weight):
    """torch.lerp's formula (it switches form at weight 0.5 for accuracy)."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


def _immutable(value):
    """True for an option value that cannot change without being replaced by another object."""
    if value is None or isinstance(value, (bool, int, float, str, np.bool_, np.integer, np.floating)):
        return True
    if isinstance(value, tuple):
        return all(_immutable(x) for x in value)
    if isinstance(value, np.ndarray):
        return not value.flags.writeable and value.base is None
    return callable(value) and not isinstance(value, (list, dict, np.ndarray))


_MISSING = object()
_CHUNK_FROM = 1 << 17   # entries (1 MB of float64) above which a stacked parameter is updated in slices
_CHUNK_SIZE = 1 << 15   # entries per slice (256 kB)


def _is_like(value, param):
    return isinstance(value, np.ndarray) and value.shape == param.shape


# --------------------------------------------------------------------------- base class
class Optimizer:
    """Shared machinery: option checks, parameter groups, state, ``step``.

    Subclasses list their options in ``_OPTIONS`` (name -> checker, in
    signature order) and implement ``_update(param, grad, state, options)``,
    which returns the new parameter and may change ``state`` in place.
    """

    _OPTIONS: dict = {}
    #: True when ``_update`` acts entry by entry and its state holds arrays shaped like the parameter and
    #: scalars that every entry shares (a step count): a large stacked parameter may then be updated a few
    #: copies at a time (see :meth:`_update_in_chunks`).
    _CHUNKED = False

    def __init__(self, param_groups=None, **options):
        self.defaults = self._check_options(options, "", runtime=False)
        self.param_groups, self._own_lr = self._check_groups(param_groups)
        self.state = {}
        self.step_count = 0
        self._structure = None
        self._checked = None  # (signature, (defaults, groups)) of the last runtime check, see _runtime_options
        self._plan = None     # (checked, structure, options per key) of the last step, see _step_options

    # ----- options and groups
    def _check_options(self, options, where, runtime):
        """Check an options dict; ``where`` prefixes names ("" or "param_groups[i]")."""
        out = {}
        for key, value in options.items():
            name = f"{where}[{key!r}]" if where else key
            if key not in self._OPTIONS:
                raise ValueError(f"{name} is not a {type(self).__name__} option; the options are: "
                                 f"{', '.join(self._OPTIONS)}")
            out[key] = self._OPTIONS[key](name, value, runtime)
        self._check_combination(out, where)
        return out

    def _check_combination(self, options, where):
        """Rules that involve several options (see SGD's nesterov)."""

    def _check_groups(self, groups, runtime=False):
        if groups is None:
            return [], []
        if not isinstance(groups, (list, tuple)):
            hint = (f"; pass the learning rate as lr={groups!r}"
                    if isinstance(groups, (int, float)) and not isinstance(groups, bool) else "")
            raise TypeError("param_groups (the first positional argument, as in torch) must be a list of "
                            "dicts like {'params': ['W1', 'b1'], 'lr': 1e-5}, "
                            f"got {type(groups).__name__}{hint}")
        checked, own_lr, seen = [], [], {}
        for i, group in enumerate(groups):
            where = f"param_groups[{i}]"
            if not isinstance(group, Mapping):
                raise TypeError(f"{where} must be a dict like {{'params': ['W1'], 'lr': 1e-5}}, "
                                f"got {type(group).__name__}")
            if "params" not in group:
                raise ValueError(f"{where} needs a 'params' entry: the list of parameter names it covers")
            names = group["params"]
            if not isinstance(names, (list, tuple)):
                raise TypeError(f"{where}['params'] must be a list of parameter names (dict keys), "
                                f"got {type(names).__name__} {names!r}")
            if len(names) == 0:
                raise ValueError(f"{where}['params'] is empty; list at least one parameter name")
            for name in names:
                if name in seen:
                    other = "twice in " + where if seen[name] == i else f"in param_groups[{seen[name]}] and {where}"
                    raise ValueError(f"parameter name {name!r} is listed {other}; "
                                     "each name may belong to one group only")
                seen[name] = i
            unknown = [k for k in group if k != "params" and k not in self._OPTIONS]
            if unknown:
                raise ValueError(f"{where} has unknown option {unknown[0]!r}; {type(self).__name__} options "
                                 f"are: {', '.join(self._OPTIONS)}")
            given = {k: val for k, val in group.items() if k != "params"}
            options = self._check_options({**self.defaults, **given}, where, runtime)
            checked.append({"params": list(names), **options})
            own_lr.append("lr" in group)
        return checked, own_lr

    # ----- the learning rate
    @property
    def lr(self):
        """The default learning rate: a float, a 1-D array of per-copy rates, or a callable ``step -> lr``."""
        return self.defaults["lr"]

    @lr.setter
    def lr(self, value):
        value = _check_lr("lr", value, runtime=True)
        if callable(value):
            _lr_value(f"lr({self.step_count})", value(self.step_count))
        self.defaults["lr"] = value
        for group, own in zip(self.param_groups, self._own_lr):
            if not own:
                group["lr"] = value

    def get_lr(self, group=None, step=None):
        """The float learning rate used at 0-based ``step`` (default: the next step).

        With per-copy rates it is the (read-only) array of them.

        ``group=None`` gives the default rate (names in no group); ``group=i``
        gives the rate of ``param_groups[i]``.

        >>> SGD(lr=lambda k: 0.1 / (k + 1)).get_lr(step=4)
        0.02
        """
        step = self.step_count if step is None else v.integer("step", step, low=0)
        if group is None:
            lr, name = self.defaults["lr"], "lr"
        else:
            if not self.param_groups:
                raise ValueError(f"group={group!r} was given but this optimizer has no param_groups; "
                                 "use group=None for the default rate")
            group = v.integer("group", group, low=0, high=len(self.param_groups) - 1)
            lr, name = self.param_groups[group]["lr"], f"param_groups[{group}]['lr']"
        if callable(lr):
            return _lr_value(f"{name}({step})", lr(step))
        return _lr_value(name, lr)

    # ----- state
    def reset(self):
        """Forget all state: buffers, step counts and the remembered structure."""
        self.state = {}
        self.step_count = 0
        self._structure = None
        self._checked = None
        self._plan = None

    def __repr__(self):
        opts = ", ".join(f"{k}={val!r}" for k, val in self.defaults.items())
        groups = f", param_groups=<{len(self.param_groups)} groups>" if self.param_groups else ""
        return f"{type(self).__name__}({opts}{groups})"

    # ----- the step
    def step(self, params, grads):
        """One update. Returns new parameters with the structure of ``params``.

        ``params`` and ``grads`` are both arrays of one shape, or both dicts
        with the same keys and matching shapes. Neither is modified.
        """
        p, g, is_dict = self._as_dicts(params, grads)
        structure = {k: arr.shape for k, arr in p.items()} if is_dict else p[None].shape
        if self._structure is not None and structure != self._structure:
            raise ValueError(f"params changed since the previous step (was {self._structure}, now {structure}); "
                             "the optimizer's state belongs to one set of parameters: call reset() first")

        options_for = self._step_options(p, structure)
        new = {}
        with np.errstate(all="ignore"):  # a diverging run may overflow; inf/NaN are passed on
            for k in p:
                options = options_for[k]
                state = self.state.get(k)
                if state is None:
                    state = self._init_state(p[k], options)
                if self._CHUNKED and p[k].ndim >= 2 and p[k].size > _CHUNK_FROM and p[k].shape[0] > 1:
                    new[k] = self._update_in_chunks(p[k], g[k], state, options)
                else:
                    new[k] = self._update(p[k], g[k], state, options)
                self.state[k] = state
        self._structure = structure
        self.step_count += 1
        return new if is_dict else new[None]

    def _step_options(self, p, structure):
        """Every key's options for this step, per-copy rates shaped to their parameter.

        When no option changed since the previous step (:meth:`_runtime_options` hands back the very same
        checked object), no rate is a schedule and the parameters have the same names and shapes, the
        previous step's options are used again: they would be computed the same.
        """
        checked = self._runtime_options()
        plan = getattr(self, "_plan", None)
        if plan is not None and plan[0] is checked and plan[1] == structure:
            return plan[2]
        options_for = self._options_per_key(p, checked)
        for k in p:  # per-copy rates: check every leading axis before any state changes
            lr = options_for[k]["lr"]
            if isinstance(lr, np.ndarray):
                options_for[k] = dict(options_for[k], lr=self._per_copy(lr, k, p[k]))
        fixed = getattr(self, "_checked", None) is not None and not any(
            callable(group.get("lr")) for group in [checked[0], *checked[1]])
        self._plan = (checked, structure, options_for) if fixed else None
        return options_for

    @staticmethod
    def _per_copy(rates, key, param):
        """``rates`` (K,) shaped to broadcast along the leading (copy) axis of ``param``."""
        if param.ndim == 0 or param.shape[0] != rates.size:
            where = "params" if key is None else f"params[{key!r}]"
            raise ValueError(f"lr holds {rates.size} per-copy rates, so every parameter needs a leading "
                             f"(copy) axis of length {rates.size}; {where} has shape {param.shape}")
        return rates.reshape((rates.size,) + (1,) * (param.ndim - 1))

    def _as_dicts(self, params, grads):
        """Both inputs as dicts of float64 arrays (key ``None`` for a bare array).

        Float64 arrays are used as they are, without a copy: updates build new arrays and never
        write into their inputs (a step over many stacked copies would otherwise copy them all).
        Two plain dicts of float64 arrays with the same keys and shapes (every step of a training
        loop) are used as they are; anything else is checked and converted entry by entry.
        """
        if type(params) is dict and type(grads) is dict and len(params) == len(grads):
            for key, p in params.items():
                g = grads.get(key)
                if (type(p) is not np.ndarray or type(g) is not np.ndarray or p.dtype != np.float64
                        or g.dtype != np.float64 or p.shape != g.shape):
                    break
            else:
                return params, grads, True
        if not isinstance(params, Mapping):
            if isinstance(grads, Mapping):
                raise TypeError("grads is a dict but params is a single array; pass both as arrays or both as dicts")
            if self.param_groups:
                raise ValueError("param_groups pick parameters by name, so params and grads must be dicts "
                                 "name -> array")
            p, g = _float_array("params", params), _float_array("grads", grads)
            if g.shape != p.shape:
                raise ValueError(f"grads must have the shape of params, {p.shape}, got {g.shape}")
            return {None: p}, {None: g}, False
        if not isinstance(grads, Mapping):
            raise TypeError(f"grads must be a dict with the keys of params, got {type(grads).__name__}")
        missing = [k for k in params if k not in grads]
        if missing:
            raise ValueError(f"grads is missing key(s) {missing} that params has")
        extra = [k for k in grads if k not in params]
        if extra:
            raise ValueError(f"grads has key(s) {extra} that params does not have")
        p = {k: _float_array(f"params[{k!r}]", params[k]) for k in params}
        g = {k: _float_array(f"grads[{k!r}]", grads[k]) for k in params}
        for k in p:
            if g[k].shape != p[k].shape:
                raise ValueError(f"grads[{k!r}] must have the shape of params[{k!r}], {p[k].shape}, got {g[k].shape}")
        return p, g, True

    def _runtime_options(self):
        """``defaults`` and ``param_groups`` checked for a step.

        Every option is checked again before each step, since a rate may be set between steps
        (``opt.lr = ...`` or ``opt.param_groups[i]["lr"] = ...``). When every option is still the very
        same immutable object as at the previous check (numbers, bools, tuples, read-only arrays such
        as the checked per-copy rates, schedules), the previous check's result is reused.
        """
        last = getattr(self, "_checked", None)  # a subclass may skip Optimizer.__init__
        if last is not None and self._unchanged(last[0]):
            return last[1]
        checked = (self._check_options(self.defaults, "", runtime=True),
                   self._check_groups(self.param_groups, runtime=True)[0])
        self._checked = self._snapshot(checked)
        return checked

    def _snapshot(self, checked):
        """What :meth:`_unchanged` compares against, or None if an option could change in place."""
        groups = self.param_groups
        if not isinstance(groups, list) or not all(type(g) is dict for g in groups):
            return None
        snap = (tuple(self.defaults.items()),
                tuple(tuple((k, list(val) if k == "params" else val) for k, val in g.items()) for g in groups))
        for items in (snap[0], *snap[1]):
            for key, val in items:
                if key != "params" and not _immutable(val):
                    return None
        return snap, checked

    def _unchanged(self, snap):
        defaults, groups = snap
        if len(self.defaults) != len(defaults) or len(self.param_groups) != len(groups):
            return False
        for key, val in defaults:
            if self.defaults.get(key, _MISSING) is not val:
                return False
        for group, items in zip(self.param_groups, groups):
            if type(group) is not dict or len(group) != len(items):
                return False
            for key, val in items:
                now = group.get(key, _MISSING)
                if not (now == val if key == "params" else now is val):
                    return False
        return True

    def _options_per_key(self, params, checked=None):
        """Validated options (with a float ``lr`` for this step) for every key of ``params``."""
        k = self.step_count
        defaults, groups = self._runtime_options() if checked is None else checked
        resolved = {}
        for i, group in enumerate([defaults, *groups]):
            options = {key: val for key, val in group.items() if key != "params"}
            name = "lr" if i == 0 else f"param_groups[{i - 1}]['lr']"
            if callable(options["lr"]):
                options["lr"] = _lr_value(f"{name}({k})", options["lr"](k))
            resolved[i] = options
        options_for = {key: resolved[0] for key in params}
        for i, group in enumerate(groups, start=1):
            for name in group["params"]:
                if name not in params:
                    raise ValueError(f"param_groups[{i - 1}] names {name!r}, which is not a key of params "
                                     f"(keys: {list(params)})")
                options_for[name] = resolved[i]
        return options_for

    def _update_in_chunks(self, param, grad, state, options):
        """``_update`` applied to a few copies (leading axis) at a time: the same numbers, fewer cache misses.

        A stacked parameter of several MB (a wide layer times many copies) does not fit in the cache, and
        each of an update's dozen entry-by-entry operations would stream it from memory again; on slices
        of about 256 kB the operations after the first find their operands in the cache. Each entry is
        computed by the same operations as in one call, so the result has the same bits. State arrays
        shaped like ``param`` are passed as slices (updated in place or written back); shared scalars
        (step counts) advance once, as in one call; per-copy rates are sliced with the copies.
        """
        K = param.shape[0]
        per = max(1, _CHUNK_SIZE // (param.size // K))
        lr = options["lr"]
        out = np.empty_like(param)
        whole = {name: val for name, val in state.items() if _is_like(val, param)}
        scalars = {name: val for name, val in state.items() if name not in whole}
        created, after = {}, {}
        for lo in range(0, K, per):
            part = slice(lo, lo + per)
            views = {name: val[part] for name, val in whole.items()}
            sub = {**scalars, **views}
            sub_options = dict(options, lr=lr[part]) if isinstance(lr, np.ndarray) else options
            out[part] = self._update(param[part], grad[part], sub, sub_options)
            for name, val in sub.items():
                if name in views:
                    if val is not views[name]:
                        whole[name][part] = val
                elif _is_like(val, param[part]):        # an array the update created (a first momentum buffer)
                    if name not in created:
                        created[name] = np.empty_like(param)
                    created[name][part] = val
                else:
                    after[name] = val
        state.update(whole)
        state.update(created)
        state.update(after)
        return out

    def _init_state(self, param, options):
        return {}

    def _update(self, param, grad, state, options):  # pragma: no cover - abstract
        raise NotImplementedError


# --------------------------------------------------------------------------- the optimizers
class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional (Nesterov) momentum, as ``torch.optim.SGD``.

    .. math::
        b_1 = g_1,\quad b_t = \mu\, b_{t-1} + (1-\tau)\, g_t,\qquad
        \theta_t = \theta_{t-1} - \gamma\,(g_t + \mu b_t \text{ if nesterov else } b_t)

    with :math:`g_t` the gradient plus ``weight_decay * param`` (negated
    first if ``maximize``), :math:`\mu` = ``momentum``, :math:`\tau` =
    ``dampening``. With ``momentum=0`` it is :math:`\theta_t = \theta_{t-1} - \gamma g_t`.
    The first buffer is the gradient itself, undamped, as in torch.

    Parameters
    ----------
    param_groups : list of dicts, optional
        Per-name options (see the module docstring).
    lr : float > 0, 1-D array of per-copy rates > 0, or callable ``step -> lr``
        Learning rate (torch's default 1e-3).
    momentum : float >= 0
    dampening : float in [0, 1]
    weight_decay : float >= 0
        L2 penalty added to the gradient.
    nesterov : bool
        Needs ``momentum > 0`` and ``dampening == 0`` (torch's rule).
    maximize : bool, keyword-only
        Ascend instead of descend.

    >>> import numpy as np
    >>> opt = SGD(lr=0.1, momentum=0.9)
    >>> x = opt.step(np.array([1.0]), np.array([1.0]))   # b = 1
    >>> x = opt.step(x, np.array([1.0]))                 # b = 0.9 + 1
    >>> x.round(6).tolist()
    [0.71]
    """

    _OPTIONS = {"lr": _check_lr, "momentum": _check_non_negative, "dampening": _check_unit_interval,
                "weight_decay": _check_non_negative, "nesterov": _check_bool, "maximize": _check_bool}
    _CHUNKED = True

    def __init__(self, param_groups=None, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False):
        super().__init__(param_groups, lr=lr, momentum=momentum, dampening=dampening,
                         weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)

    def _check_combination(self, options, where):
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            prefix = f"{where}: " if where else ""
            raise ValueError(f"{prefix}nesterov=True requires momentum > 0 and dampening = 0, got "
                             f"momentum={options['momentum']!r}, dampening={options['dampening']!r}")

    def _update(self, param, grad, state, o):
        if o["maximize"]:
            grad = -grad
        if o["weight_decay"] != 0:
            grad = grad + o["weight_decay"] * param
        momentum = o["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = grad.copy()
            else:  # buf * momentum + (1 - dampening) * grad, in place in the buffer (state is ours)
                buf *= momentum
                _add_scaled(buf, 1 - o["dampening"], grad)
            state["momentum_buffer"] = buf
            grad = grad + momentum * buf if o["nesterov"] else buf
        return _step_from(param, -o["lr"], grad)


class Adagrad(Optimizer):
    r"""Adagrad, as ``torch.optim.Adagrad``: each entry's step shrinks with its summed squared gradients.

    .. math::
        s_t = s_{t-1} + g_t^2,\quad
        \tilde\gamma_t = \frac{\gamma}{1 + (t-1)\,\text{lr\_decay}},\quad
        \theta_t = \theta_{t-1} - \tilde\gamma_t\,\frac{g_t}{\sqrt{s_t} + \epsilon}

    with :math:`s_0` = ``initial_accumulator_value`` and :math:`g_t` the
    gradient plus ``weight_decay * param`` (negated first if ``maximize``).

    Parameters
    ----------
    param_groups : list of dicts, optional
    lr : float > 0, 1-D array of per-copy rates > 0, or callable ``step -> lr``
        Learning rate (default 1e-2).
    lr_decay, weight_decay, initial_accumulator_value, eps : float >= 0
    maximize : bool, keyword-only

    >>> import numpy as np
    >>> Adagrad(lr=0.5).step(np.array([1.0, 1.0]), np.array([2.0, -0.1])).round(6).tolist()
    [0.5, 1.5]
    """

    _OPTIONS = {"lr": _check_lr, "lr_decay": _check_non_negative, "weight_decay": _check_non_negative,
                "initial_accumulator_value": _check_non_negative, "eps": _check_non_negative,
                "maximize": _check_bool}

    def __init__(self, param_groups=None, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, *, maximize=False):
        super().__init__(param_groups, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize)

    def _init_state(self, param, o):
        return {"step": 0, "sum": np.full_like(param, o["initial_accumulator_value"])}

    def _update(self, param, grad, state, o):
        state["step"] += 1
        step = state["step"]
        if o["maximize"]:
            grad = -grad
        if o["weight_decay"] != 0:
            grad = grad + o["weight_decay"] * param
        clr = o["lr"] / (1 + (step - 1) * o["lr_decay"])
        state["sum"] = state["sum"] + grad * grad
        std = np.sqrt(state["sum"]) + o["eps"]
        return param + (-clr) * grad / std


class RMSprop(Optimizer):
    r"""RMSprop, as ``torch.optim.RMSprop``: divide by a running root-mean-square of the gradient.

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\quad
        r_t = \sqrt{v_t - \bar g_t^2 \text{ (centered) or } v_t} + \epsilon,\quad
        \theta_t = \theta_{t-1} - \gamma\, g_t / r_t

    ``centered`` also tracks the mean gradient
    :math:`\bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t`. With ``momentum``
    :math:`\mu > 0` the step is :math:`\gamma b_t` with
    :math:`b_t = \mu b_{t-1} + g_t / r_t`. :math:`g_t` is the gradient plus
    ``weight_decay * param`` (negated first if ``maximize``).

    Parameters
    ----------
    param_groups : list of dicts, optional
    lr : float > 0, 1-D array of per-copy rates > 0, or callable ``step -> lr``
        Learning rate (default 1e-2).
    alpha : float in [0, 1)
        Smoothing of the squared-gradient average (torch allows any alpha >= 0).
    eps, weight_decay, momentum : float >= 0
    centered : bool
    maximize : bool, keyword-only

    >>> import numpy as np
    >>> RMSprop(lr=0.01, alpha=0.75).step(np.array([1.0]), np.array([3.0])).round(6).tolist()
    [0.98]
    """

    _OPTIONS = {"lr": _check_lr, "alpha": _check_alpha, "eps": _check_non_negative,
                "weight_decay": _check_non_negative, "momentum": _check_non_negative,
                "centered": _check_bool, "maximize": _check_bool}

    def __init__(self, param_groups=None, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, *, maximize=False):
        super().__init__(param_groups, lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                         momentum=momentum, centered=centered, maximize=maximize)

    def _init_state(self, param, o):
        zeros = np.zeros_like(param)
        return {"step": 0, "square_avg": zeros, "grad_avg": zeros, "momentum_buffer": zeros}

    def _update(self, param, grad, state, o):
        if o["maximize"]:
            grad = -grad
        state["step"] += 1
        if o["weight_decay"] != 0:
            grad = grad + o["weight_decay"] * param
        alpha = o["alpha"]
        state["square_avg"] = square_avg = state["square_avg"] * alpha + (1 - alpha) * grad * grad
        if o["centered"]:
            state["grad_avg"] = grad_avg = _lerp(state["grad_avg"], grad, 1 - alpha)
            avg = np.sqrt(square_avg + (-1.0) * grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg = avg + o["eps"]
        if o["momentum"] > 0:
            state["momentum_buffer"] = buf = state["momentum_buffer"] * o["momentum"] + grad / avg
            return param + (-o["lr"]) * buf
        return param + (-o["lr"]) * grad / avg


class Adam(Optimizer):
    r"""Adam, as ``torch.optim.Adam``: momentum divided by a running RMS, both bias-corrected.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
                   \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    ``amsgrad`` divides by the running maximum of :math:`v_t` instead.
    :math:`g_t` is the gradient plus ``weight_decay * param`` (negated first
    if ``maximize``); with ``decoupled_weight_decay=True`` the decay instead
    multiplies the parameter by :math:`1 - \gamma\lambda` before the step,
    which is exactly ``AdamW``.

    Parameters
    ----------
    param_groups : list of dicts, optional
    lr : float > 0, 1-D array of per-copy rates > 0, or callable ``step -> lr``
        Learning rate (default 1e-3).
    betas : pair of floats in [0, 1)
    eps, weight_decay : float >= 0
    amsgrad : bool
    maximize, decoupled_weight_decay : bool, keyword-only

    >>> import numpy as np
    >>> Adam(lr=0.1).step(np.array([1.0, 1.0]), np.array([5.0, -0.01])).round(6).tolist()
    [0.9, 1.1]
    """

    _OPTIONS = {"lr": _check_lr, "betas": _check_betas, "eps": _check_non_negative,
                "weight_decay": _check_non_negative, "amsgrad": _check_bool, "maximize": _check_bool,
                "decoupled_weight_decay": _check_bool}
    _ALWAYS_DECOUPLED = False
    _CHUNKED = True

    def __init__(self, param_groups=None, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, *, maximize=False, decoupled_weight_decay=False):
        super().__init__(param_groups, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)

    def _init_state(self, param, o):
        state = {"step": 0, "exp_avg": np.zeros_like(param), "exp_avg_sq": np.zeros_like(param)}
        if o["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(param)
        return state

    def _update(self, param, grad, state, o):
        lr, (beta1, beta2), wd = o["lr"], o["betas"], o["weight_decay"]
        state["step"] += 1
        step = float(state["step"])
        if o["maximize"]:
            grad = -grad
        if wd != 0:
            if self._ALWAYS_DECOUPLED or o["decoupled_weight_decay"]:
                param = param * (1 - lr * wd)
            else:
                grad = grad + wd * param
        # the moments are updated in place (the state is ours), with torch's operations in torch's order
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        scratch = _lerp_into(exp_avg, grad, 1 - beta1)
        exp_avg_sq *= beta2                          # exp_avg_sq * beta2 + ((1 - beta2) * grad) * grad
        np.multiply(grad, 1 - beta2, out=scratch)
        scratch *= grad
        exp_avg_sq += scratch
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        if o["amsgrad"]:
            state["max_exp_avg_sq"] = denom_sq = np.maximum(state.get("max_exp_avg_sq", 0.0), exp_avg_sq)
        else:
            denom_sq = exp_avg_sq
        denom = np.sqrt(denom_sq, out=scratch)       # sqrt(v) / sqrt(bias correction) + eps
        denom /= bias_correction2_sqrt
        denom += o["eps"]
        out = np.multiply(-step_size, exp_avg, out=np.empty_like(exp_avg))  # param + ((-step_size) * exp_avg) / denom
        out /= denom
        return _plus(param, out)


class AdamW(Adam):
    r"""AdamW, as ``torch.optim.AdamW``: Adam with decoupled weight decay.

    Before each Adam step the parameter is shrunk,
    :math:`\theta \leftarrow (1 - \gamma\lambda)\,\theta`, and the decay does
    not enter :math:`m_t` or :math:`v_t`. Defaults as torch: ``lr=1e-3``,
    ``weight_decay=1e-2``.

    Parameters
    ----------
    param_groups : list of dicts, optional
    lr : float > 0, 1-D array of per-copy rates > 0, or callable ``step -> lr``
    betas : pair of floats in [0, 1)
    eps, weight_decay : float >= 0
    amsgrad : bool
    maximize : bool, keyword-only

    >>> import numpy as np
    >>> AdamW(lr=0.1, weight_decay=0.5).step(np.array([2.0]), np.array([0.0])).round(6).tolist()
    [1.9]
    """

    _OPTIONS = {"lr": _check_lr, "betas": _check_betas, "eps": _check_non_negative,
                "weight_decay": _check_non_negative, "amsgrad": _check_bool, "maximize": _check_bool}
    _ALWAYS_DECOUPLED = True

    def __init__(self, param_groups=None, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        Optimizer.__init__(self, param_groups, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                           amsgrad=amsgrad, maximize=maximize)


# --------------------------------------------------------------------------- schedule-free
def _check_warmup(name, value, runtime):
    return v.integer(name, value, low=0)


def _check_momentum_sf(name, value, runtime):
    return v.real(name, value, low=0.0, high=1.0, low_open=True, high_open=True)


def _lerp_any(start, end, weight):
    """:func:`_lerp` for a float weight or a per-copy array of weights (torch.lerp's two forms)."""
    if not isinstance(weight, np.ndarray):
        return _lerp(start, end, weight)
    return np.where(np.abs(weight) < 0.5, start + weight * (end - start), end - (end - start) * (1.0 - weight))


class _ScheduleFree(Optimizer):
    r"""What :class:`SGDScheduleFree` and :class:`AdamWScheduleFree` share: the three sequences.

    Schedule-free training (Defazio, Yang, Mehta, Mishchenko, Khaled and Cutkosky 2024, "The Road
    Less Scheduled") keeps three points per parameter:

    * :math:`z_t`, the **base** sequence, which takes plain steps :math:`z_{t+1} = z_t - \gamma_t d_t`
      (:math:`d_t` is the gradient for SGD, the gradient divided by Adam's RMS for AdamW);
    * :math:`x_t`, a weighted **average** of the :math:`z`'s, the point you evaluate and ship:
      :math:`x_{t+1} = (1 - c_{t+1})\, x_t + c_{t+1} z_{t+1}` with
      :math:`c_{t+1} = w_{t+1} / \sum_{i \le t+1} w_i`;
    * :math:`y_t = (1 - \beta) z_t + \beta x_t`, the point where the **gradient** is taken.

    The weights are :math:`w_t = t^r \cdot (\max_{i \le t} \gamma_i)^{p}` (``r``,
    ``weight_lr_power`` :math:`= p`); with a constant rate and ``r = 0`` they are equal and
    :math:`x_t` is the plain average of :math:`z_1 \dots z_t`. No step count appears anywhere:
    the average does the work a decaying schedule does, so the run needs no horizon.
    ``warmup_steps`` :math:`W` scales the rate by :math:`\min(1, (t + 1)/W)` at 0-based step
    :math:`t`.

    As in the ``schedulefree`` package, the parameters you hand to ``step`` and get back are the
    gradient points :math:`y` ("train mode"): ``eval(params)`` turns them into the average
    :math:`x` to evaluate, ``train(params)`` turns :math:`x` back into :math:`y`. ``z`` (and the
    optimizer's weight sums) live in ``opt.state``.

    Differences from ``schedulefree``: functional (``eval``/``train`` return new arrays instead of
    changing tensors in place); the optimizer starts in train mode (the package's torch optimizers
    start in eval mode and need ``optimizer.train()`` before the first step); ``step`` in eval mode
    raises ``ValueError`` (the package raises ``Exception``).
    """

    _MOMENTUM = "momentum"

    def __init__(self, param_groups=None, **options):
        super().__init__(param_groups, **options)
        self.training = True

    def reset(self):
        super().reset()
        self.training = True

    def step(self, params, grads):
        if not self.training:
            raise ValueError("the optimizer is in eval mode (params hold the average x): call "
                             "params = opt.train(params) before the next step")
        return super().step(params, grads)

    def _schedule_weights(self, state, o):
        """The rate of this step and the averaging weight c_{t+1}, from the per-parameter counters."""
        k = state["k"]
        sched = (k + 1) / o["warmup_steps"] if k < o["warmup_steps"] else 1.0
        lr = o["lr"] * sched
        lr_max = state["lr_max"] = np.maximum(lr, state["lr_max"]) if isinstance(lr, np.ndarray) \
            else max(lr, state["lr_max"])
        weight = ((k + 1) ** o["r"]) * (lr_max ** o["weight_lr_power"])
        weight_sum = state["weight_sum"] = state["weight_sum"] + weight
        if isinstance(weight_sum, np.ndarray):
            with np.errstate(divide="ignore", invalid="ignore"):
                ckp1 = np.where(weight_sum > 0, weight / np.where(weight_sum > 0, weight_sum, 1.0), 0.0)
        else:
            ckp1 = weight / weight_sum if weight_sum != 0 else 0.0
        state["k"] = k + 1
        return lr, ckp1

    def _init_state(self, param, o):
        return {"k": 0, "lr_max": -1.0, "weight_sum": 0.0}

    def _convert(self, params, to_train):
        if not isinstance(params, Mapping):
            p = {None: _float_array("params", params)}
        else:
            p = {k: _float_array(f"params[{k!r}]", a) for k, a in params.items()}
        options_for = self._options_per_key(p)
        out = {}
        for key, arr in p.items():
            state = self.state.get(key)
            if state is None or "z" not in state:
                out[key] = arr.copy()
                continue
            beta = options_for[key][self._MOMENTUM][0] if self._MOMENTUM == "betas" \
                else options_for[key][self._MOMENTUM]
            weight = (1.0 - beta) if to_train else (1.0 - 1.0 / beta)
            out[key] = _lerp(arr, state["z"], weight)
        return out if isinstance(params, Mapping) else out[None]

    def eval(self, params):
        """The average :math:`x` to evaluate, from the gradient points :math:`y` that ``step`` returned.

        :math:`x = y + (1 - 1/\\beta)(z - y)`, torch's ``p.lerp_(z, 1 - 1/beta)``. Switches to eval mode;
        in eval mode it returns a copy of ``params`` unchanged (torch: a no-op).
        """
        if not self.training:
            return _copy_tree(params)
        self.training = False
        return self._convert(params, to_train=False)

    def train(self, params):
        """The gradient points :math:`y = x + (1 - \\beta)(z - x)` from the average :math:`x`; back to train mode."""
        if self.training:
            return _copy_tree(params)
        self.training = True
        return self._convert(params, to_train=True)


def _copy_tree(params):
    if isinstance(params, Mapping):
        return {k: _float_array(f"params[{k!r}]", a).copy() for k, a in params.items()}
    return _float_array("params", params).copy()


class SGDScheduleFree(_ScheduleFree):
    r"""Schedule-free SGD, as ``schedulefree.SGDScheduleFree`` (Defazio et al. 2024).

    With :math:`\gamma_t` the rate (after warmup), :math:`\beta` = ``momentum`` and :math:`c_{t+1}`
    the averaging weight (see :class:`_ScheduleFree`), one step at the gradient point :math:`y_t`:

    .. math::
        g_t = \nabla f(y_t) + \lambda y_t,\qquad
        z_{t+1} = z_t - \gamma_t g_t,\qquad
        x_{t+1} = (1 - c_{t+1})\, x_t + c_{t+1} z_{t+1},\qquad
        y_{t+1} = (1-\beta) z_{t+1} + \beta x_{t+1}

    computed, as the package does, without storing :math:`x`:
    :math:`y \leftarrow \mathrm{lerp}(y, z_t, c_{t+1}) + \gamma_t(\beta(1 - c_{t+1}) - 1)\, g_t`.
    :math:`z_1 = y_1` = the starting parameters. Defaults as the package: ``lr=1.0``,
    ``momentum=0.9``, ``weight_decay=0``, ``warmup_steps=0``, ``r=0``, ``weight_lr_power=2``.

    >>> import numpy as np
    >>> opt = SGDScheduleFree(lr=0.5, momentum=0.9)
    >>> y = np.array([1.0])
    >>> for _ in range(3):
    ...     y = opt.step(y, 2 * y)                 # f(y) = y², gradient 2y
    >>> float(opt.eval(y)[0]) < 1.0                # the average, to evaluate
    True
    """

    _OPTIONS = {"lr": _check_lr, "momentum": _check_momentum_sf, "weight_decay": _check_non_negative,
                "warmup_steps": _check_warmup, "r": _check_non_negative,
                "weight_lr_power": _check_non_negative}

    def __init__(self, param_groups=None, lr=1.0, momentum=0.9, weight_decay=0.0, warmup_steps=0, r=0.0,
                 weight_lr_power=2.0):
        super().__init__(param_groups, lr=lr, momentum=momentum, weight_decay=weight_decay,
                         warmup_steps=warmup_steps, r=r, weight_lr_power=weight_lr_power)

    def _update(self, param, grad, state, o):
        lr, ckp1 = self._schedule_weights(state, o)
        z = state.get("z")
        if z is None:
            z = param.copy()
        if o["weight_decay"] != 0:
            grad = grad + o["weight_decay"] * param
        y = _lerp_any(param, z, ckp1)
        y = y + (lr * (o["momentum"] * (1 - ckp1) - 1)) * grad
        state["z"] = z + (-lr) * grad
        return y


class AdamWScheduleFree(_ScheduleFree):
    r"""Schedule-free AdamW, as ``schedulefree.AdamWScheduleFree`` (Defazio et al. 2024).

    The same three sequences as :class:`SGDScheduleFree` with :math:`\beta = \beta_1`, where the
    step direction is the gradient divided by Adam's bias-corrected RMS, plus decoupled weight decay
    taken at :math:`y`:

    .. math::
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\qquad
        d_t = \frac{g_t}{\sqrt{v_t / (1 - \beta_2^{t})} + \epsilon} + \lambda y_t,\qquad
        z_{t+1} = z_t - \gamma_t d_t

    and :math:`x`, :math:`y` as for SGD. There is no first moment: :math:`\beta_1` is the
    interpolation between :math:`z` and :math:`x`, which plays momentum's role. Defaults as the
    package: ``lr=0.0025``, ``betas=(0.9, 0.999)``, ``eps=1e-8``, ``weight_decay=0``,
    ``warmup_steps=0``, ``r=0``, ``weight_lr_power=2``.
    """

    _OPTIONS = {"lr": _check_lr, "betas": _check_betas, "eps": _check_non_negative,
                "weight_decay": _check_non_negative, "warmup_steps": _check_warmup, "r": _check_non_negative,
                "weight_lr_power": _check_non_negative}
    _MOMENTUM = "betas"

    def __init__(self, param_groups=None, lr=0.0025, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 warmup_steps=0, r=0.0, weight_lr_power=2.0):
        super().__init__(param_groups, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         warmup_steps=warmup_steps, r=r, weight_lr_power=weight_lr_power)

    def _check_combination(self, options, where):
        if options["betas"][0] <= 0:
            prefix = f"{where}: " if where else ""
            raise ValueError(f"{prefix}betas[0] must be > 0 (eval divides by it), got {options['betas'][0]!r}")

    def _init_state(self, param, o):
        return {"k": 0, "lr_max": -1.0, "weight_sum": 0.0, "exp_avg_sq": np.zeros_like(param)}

    def _update(self, param, grad, state, o):
        beta1, beta2 = o["betas"]
        bias_correction2 = 1 - beta2 ** (state["k"] + 1)
        lr, ckp1 = self._schedule_weights(state, o)
        z = state.get("z")
        if z is None:
            z = param.copy()
        state["exp_avg_sq"] = exp_avg_sq = state["exp_avg_sq"] * beta2 + (1 - beta2) * grad * grad
        denom = np.sqrt(exp_avg_sq / bias_correction2) + o["eps"]
        grad = grad / denom
        if o["weight_decay"] != 0:
            grad = grad + o["weight_decay"] * param
        y = _lerp_any(param, z, ckp1)
        y = y + (lr * (beta1 * (1 - ckp1) - 1)) * grad
        state["z"] = z + (-lr) * grad
        return y
