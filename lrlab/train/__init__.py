"""Running optimizers on problems, and the numerical tools around a run.

* :mod:`lrlab.train.engine`    ``train`` (any optimizer on any problem) and ``sweep`` (many rates on a quadratic at once)
* :mod:`lrlab.train.batched`   many digits MLPs trained at once as stacked arrays, one per rate and seed,
  and its building blocks (``run_stacked``, ``loss_and_grad``, ``evaluate``)
* :mod:`lrlab.train.finder`    the learning-rate range test and its suggestion rules
* :mod:`lrlab.train.curvature` Hessian-vector products, power iteration, sharpness
* :mod:`lrlab.train.theory`    closed forms for quadratics: 2/L, the best fixed rate, contraction factors
* :mod:`lrlab.train.diagnosis` classify a loss curve and suggest a remedy

May import: the base, :mod:`lrlab.optim`, :mod:`lrlab.problems`.
"""
from lrlab import _lazy


def __getattr__(name):
    return _lazy.submodule(__name__, name)
