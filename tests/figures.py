"""What every figure test asks of a plot (the tests of lrlab.course.plots share it)."""


def assert_labelled(ax, *, legend=False):
    """``ax`` has a title and labels on both axes (and a legend, when ``legend``)."""
    assert ax.get_title(), "figure has no title"
    assert ax.get_xlabel() and ax.get_ylabel(), "axes must be labelled"
    if legend:
        assert ax.get_legend() is not None, "figure has no legend"
