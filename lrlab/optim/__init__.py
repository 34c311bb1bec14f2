"""Optimizers and learning-rate schedules: the update rules, nothing about what they train.

* :mod:`lrlab.optim.optimizers` SGD (momentum, Nesterov), Adagrad, RMSprop, Adam, AdamW with
  PyTorch's update rules, names and defaults, schedule-free SGD and AdamW as the ``schedulefree``
  package has them, and per-copy learning rates for stacked training
* :mod:`lrlab.optim.schedules`  learning-rate schedules as ``schedule(step) -> lr`` callables
  (checked against ``torch.optim.lr_scheduler``), warmup, warmup–stable–decay, ReduceLROnPlateau

May import: the base (``lrlab._validate``, ``lrlab.tables``) only.
"""
from lrlab import _lazy


def __getattr__(name):
    return _lazy.submodule(__name__, name)
