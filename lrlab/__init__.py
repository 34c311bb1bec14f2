"""lrlab: the numerical core of the learning-rate course.

Modules, one concern each (each is imported on first use, so ``import lrlab``
is cheap and ``lrlab.optimizers.Adam`` works without a separate import):

* ``lrlab.problems``   objectives (quadratics, Rosenbrock, digits classifiers)
* ``lrlab.optimizers`` SGD, Adagrad, RMSprop, Adam, AdamW with torch's update rules
* ``lrlab.schedules``  learning-rate schedules as ``step -> lr`` callables
* ``lrlab.engine``     training runs and vectorised learning-rate sweeps
* ``lrlab.batched``    many digits MLPs trained at once (one per rate and seed)
* ``lrlab.sensitivity`` how much each optimizer cares about its rate (lesson 06's study)
* ``lrlab.curvature``  Hessian-vector products, power iteration, sharpness
* ``lrlab.mistakes``   lesson 07's experiments (fine-tuning, batch size, stalls)
* ``lrlab.tuning``     a budget of optimizer steps for tuning code; the zone of a recipe
* ``lrlab.stability``  the sharpness along a run (the edge of stability)
* ``lrlab.theory``     closed-form results for quadratics (2/L and friends)
* ``lrlab.finder``     the learning-rate range test
* ``lrlab.diagnosis``  reading a loss curve
* ``lrlab.shower``     the shower-knob analogy as a simulation
* ``lrlab.plots``      matplotlib figures for all of the above
* ``lrlab.widgets``    sliders that redraw those figures (ipywidgets)
* ``lrlab.checks``     messages for the lessons' exercise tests
* ``lrlab.exercises``  each lesson's exercise checks and hints
* ``lrlab.tables``     result tables that display as Markdown
* ``lrlab.article``    the source article's printed claims, checked
"""
import importlib

__version__ = "0.1.0"

_SUBMODULES = ("problems", "optimizers", "schedules", "engine", "batched", "sensitivity", "curvature", "mistakes",
               "tuning", "stability", "theory",
               "finder", "diagnosis", "shower", "plots", "widgets", "checks", "exercises", "tables", "article",
               "article_finder")
__all__ = list(_SUBMODULES)


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'lrlab' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
