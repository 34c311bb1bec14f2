"""Lesson 08's figures (lrlab.course.plots, below its marker): the zone of several recipes, the edge of stability."""
import dataclasses

import numpy as np
import pytest

from lrlab.course import plots
from lrlab.problems import QuadraticND
from lrlab.studies.stability import track_sharpness
from lrlab.studies.tuning import Recipe, recipe_zones
from figures import assert_labelled


def test_zone_atlas_draws_one_row_per_recipe_under_the_sketch():
    sweeps = recipe_zones([Recipe("wine", dataset="wine", hidden=(4,)),
                           Recipe("wine, Adam", dataset="wine", hidden=(4,), optimizer="adam", options=())],
                          [1e-3, 1e-2, 1e-1, 1.0, 1e4], 30)
    left, right = plots.zone_atlas(sweeps, claimed=(1e-4, 1e-2))
    assert_labelled(left, legend=True)
    assert right.get_title() and right.get_xlabel()
    labels = [t.get_text() for t in right.get_yticklabels()]
    assert labels == ["wine, Adam", "wine", "the post's sketch"]
    assert right.get_xscale() == left.get_xscale() == "log" and right.get_xlim() == (1e-7, 10.0)
    legend = [t.get_text() for t in right.get_legend().get_texts()]
    assert legend == ["too small", "zone", "too large"], "no run diverged"
    assert len(left.get_legend().get_texts()) == 2
    blown = dataclasses.replace(sweeps[0], diverged=np.array([False, False, False, False, True]))
    right = plots.zone_atlas([blown])[1]
    assert [t.get_text() for t in right.get_legend().get_texts()][-1] == "diverged"


def test_edge_of_stability_draws_each_rate_and_its_limit():
    runs = [track_sharpness(QuadraticND([1.0, 4.0]), lr, 20, every=5) for lr in (0.1, 0.3)]
    left, right = plots.edge_of_stability(runs)
    assert_labelled(left, legend=True)
    assert_labelled(right, legend=True)
    limits = sorted(line.get_ydata()[0] for line in left.get_lines() if line.get_linestyle() == ":")
    assert limits == pytest.approx([2 / 0.3, 2 / 0.1])
    assert right.get_yscale() == "log" and len(right.get_lines()) == 2
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["lr = 0.1", "lr = 0.3"]
