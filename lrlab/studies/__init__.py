"""What the lessons measure: each module is the experiment behind one lesson's claims.

* :mod:`lrlab.studies.shower`         the shower-knob analogy as a simulation (lesson 01)
* :mod:`lrlab.studies.article_finder` the post's LR-finder code, taken apart (lesson 04)
* :mod:`lrlab.studies.sensitivity`    how much each optimizer cares about its rate (lesson 06)
* :mod:`lrlab.studies.mistakes`       fine-tuning, batch size, stalls, the quick-reference table (lesson 07)
* :mod:`lrlab.studies.tuning`         a budget of optimizer steps for tuning code; the zone of a recipe (lesson 08)
* :mod:`lrlab.studies.stability`      the sharpness along a run: the edge of stability (lesson 08)
* :mod:`lrlab.studies.scale`          WSD and cosine, schedule-free training, µP across width (lesson 09)
* :mod:`lrlab.studies.article`        the post's printed claims, each checked by running it (the errata page)

May import: the base, :mod:`lrlab.optim`, :mod:`lrlab.problems`, :mod:`lrlab.train`.
"""
from lrlab import _lazy


def __getattr__(name):
    return _lazy.submodule(__name__, name)
