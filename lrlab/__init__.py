"""lrlab: the numerical core of the learning-rate course.

Modules, one concern each:

* ``lrlab.problems``   objectives (quadratics, Rosenbrock, digits classifiers)
* ``lrlab.optimizers`` SGD, Adagrad, RMSprop, Adam, AdamW with torch's update rules
* ``lrlab.schedules``  learning-rate schedules as ``step -> lr`` callables
* ``lrlab.engine``     training runs and vectorised learning-rate sweeps
* ``lrlab.theory``     closed-form results for quadratics (2/L and friends)
* ``lrlab.finder``     the learning-rate range test
* ``lrlab.diagnosis``  reading a loss curve
* ``lrlab.shower``     the shower-knob analogy as a simulation
* ``lrlab.plots``      matplotlib figures for all of the above
"""
__version__ = "0.1.0"
