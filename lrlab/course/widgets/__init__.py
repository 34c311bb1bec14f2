""""Interactive controls for the lessons: ipywidgets sliders wired to lrlab, drawn with matplotlib.

Five controls, each an ``ipywidgets.VBox`` you display in a notebook:

=========================  ======================================================================
control                    what moves, and what it calls
=========================  ======================================================================
:class:`LRExplorer`        learning rate, start and steps → :func:`lrlab.train.engine.sweep` on a 1-D
                           quadratic; the steps on the loss curve and the loss per step
:class:`ShowerKnob`        gain and pipe delay → :func:`lrlab.studies.shower.simulate`; the temperature
                           felt against the comfort band
:class:`ScheduleBuilder`   a schedule from :mod:`lrlab.optim.schedules` and its parameters → the
                           learning-rate curve and :func:`lrlab.train.engine.train` with it
:class:`OptimizerRace`     one learning rate each for SGD, SGD with momentum and Adam
                           (:mod:`lrlab.optim.optimizers`) → paths on the contours, losses side by side
:class:`FinderViewer`      the range-test curve of :func:`lrlab.train.finder.lr_range_test` with every
                           rule of :data:`lrlab.train.finder.SUGGESTIONS` marked
=========================  ======================================================================

The controls compute nothing themselves: every number comes from the lrlab
function named above, and the text they print is built from its result.

How a control behaves
    * Sliders send their value when released (``continuous_update=False``), so
      dragging does not flood the kernel; arrow keys move them one step, Page
      Up/Down five, Home/End to the ends. Learning rates and gains move on a
      log scale; a strip under such a slider marks the theory's landmarks
      (``1/L`` and ``2/L``, or the shower's fastest and largest stable gain).
    * The figure is inline matplotlib: one off-screen ``Figure`` per control,
      rendered to PNG and put in an ``Output`` widget (``.plot``). The parts
      that do not change with the slider are drawn once and kept as a bitmap;
      a slider change redraws only the lines that move (matplotlib's blitting),
      which keeps a redraw of :class:`LRExplorer` at 500 steps near 10 ms
      (``benchmarks/bench_widgets.py``). Identical settings give byte-identical
      PNGs.
    * ``.readout`` says what happened in predictable words, e.g.
      ``final loss 2.3e-09`` or ``diverged at step 30``; its ``data-state``
      attribute holds the settings it was computed from (JSON), and
      ``.note`` adds a sentence of context.
    * Static fallback: :meth:`static_figure` returns the current state (the
      initial state, before anyone moves a slider) as a plain matplotlib
      figure, and displaying a control also carries that figure as
      ``image/png``, so a notebook stored with outputs still shows the plot
      where widgets cannot run (GitHub, nbconvert, a book page without state).
    * Stable CSS classes for styling and tests: every control has
      ``lrlab-control`` and its own class (``lrlab-lr-explorer``,
      ``lrlab-shower``, ``lrlab-schedules``, ``lrlab-race``, ``lrlab-finder``);
      inside it ``lrlab-readout``, ``lrlab-note``, ``lrlab-plot``,
      ``lrlab-scale`` and one class per input (listed on each class).

>>> explorer = LRExplorer(lr=0.1, steps=50)
>>> explorer.readout_text
'final loss 5.1e-09'
>>> explorer.lr.value = 10 ** 0.05    # one slider notch above 2/L = 1: each step multiplies |x| by 1.24
>>> explorer.readout_text
'diverged at step 32'

One module per control, plus ``base`` (the shell and helpers they share).
"""
from .base import outcome
from .lr_explorer import LRExplorer
from .shower_knob import ShowerKnob
from .schedule_builder import ScheduleBuilder, SCHEDULE_NAMES
from .optimizer_race import OptimizerRace, RACERS
from .finder_viewer import FinderViewer

__all__ = ['LRExplorer', 'ShowerKnob', 'ScheduleBuilder', 'OptimizerRace', 'FinderViewer', 'outcome', 'SCHEDULE_NAMES', 'RACERS']
