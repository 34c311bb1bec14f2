"""What the notebooks show and check: figures, controls, exercise checks, the self-check.

* :mod:`lrlab.course.plots`     the course's figures, one module per lesson (``plots.lesson05``) plus ``common``
* :mod:`lrlab.course.widgets`   the sliders that redraw those figures, one module per control
* :mod:`lrlab.course.checks`    exact comparisons and messages for exercise tests (always-equal answers fail)
* :mod:`lrlab.course.exercises` each lesson's exercise checks, with the hints that name the usual mistakes
* :mod:`lrlab.course.owncode`  the call tracer under which a check runs the learner's function: an answer that
  calls the lrlab code its exercise declares (``OWN_CODE``) fails that test
* :mod:`lrlab.course.selfcheck` ``lrlab check``: a learner runs a saved notebook in a fresh kernel

May import: the base, :mod:`lrlab.optim`, :mod:`lrlab.problems`, :mod:`lrlab.train`, :mod:`lrlab.studies`.
"""
from lrlab import _lazy


def __getattr__(name):
    return _lazy.submodule(__name__, name)
