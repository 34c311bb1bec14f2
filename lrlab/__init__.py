"""lrlab: the learning-rate course's package, in layers.

Each layer is a subpackage. A module may import from its own layer and the layers above it in
this table, never from one below it (``tests/test_layers.py`` checks every import):

=====================  ======================================================================
``lrlab._validate``,   the base: argument checks that name the argument, and ``Table`` (results
``lrlab.tables``       that show as Markdown and keep their rows as data)
``lrlab.optim``        optimizers (torch's update rules and names) and learning-rate schedules
``lrlab.problems``     objectives: quadratics, Rosenbrock, digits and tabular classifiers
``lrlab.train``        training runs and sweeps, many MLPs at once, the LR range test,
                       curvature (Hessian-vector products), closed forms, loss-curve diagnosis
``lrlab.studies``      what the lessons measure: the shower, optimizer sensitivity, the usual
                       mistakes, the edge of stability, budgeted tuning, the post's claims
``lrlab.course``       what the notebooks show and check: plots, widgets, exercise checks,
                       the learners' self-check
``lrlab.grading``      ``lrlab grade``: a class graded by nbgrader, each student confined
``lrlab.cli``          the ``lrlab`` command
=====================  ======================================================================

``optim`` and ``problems`` are peers (neither imports the other). Subpackages are imported on
first use, so ``import lrlab`` is cheap and ``lrlab.train.engine`` works after ``import lrlab.train``.
The module names from before the layers (``lrlab.plots``, ``from lrlab import engine``,
``lrlab.exercises.lesson02``) keep working and warn once: see :mod:`lrlab._moved`.
"""
import importlib

from . import _moved

__version__ = "0.1.0"

LAYERS = ("optim", "problems", "train", "studies", "course", "grading")
__all__ = ["tables", *LAYERS]

_moved.install()


def __getattr__(name):
    if name in LAYERS or name == "tables":
        return importlib.import_module(f".{name}", __name__)
    if name in _moved.MOVED:
        return _moved.load(f"{__name__}.{name}")
    raise AttributeError(f"module 'lrlab' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(__all__))
