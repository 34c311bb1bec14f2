"""The course's figures, drawn with matplotlib.

Every function takes an optional ``ax`` (a new figure is made when it is
None), returns the ``ax`` it drew on, labels both axes with their units and
gives the plot a title. Colours come from the Okabe–Ito palette, which
readers with the common forms of colour blindness can tell apart; line styles
differ as well, so the figures also survive greyscale printing.

One module per lesson (``lesson01`` … ``lessonNN``) plus ``common``; every public function is
re-exported here, so ``plots.zone_atlas(...)`` works whichever module holds it.

Every figure is described in words (:mod:`.describe`): importing this package makes IPython show a
Figure with its description as the image's alt text, so each figure of a lesson carries one.
"""
from .describe import Description, describe, description, register_formatter
from .common import (
    PALETTE, VERDICT_COLOURS, colours, contour, finder, loss_curves, lr_sweep, schedule, shower, trajectory_1d)
from .lesson01 import knob_positions, settling_times, shower_and_knob, shower_vs_descent, stability_by_delay
from .lesson02 import REGIME_VERDICTS, regime_contours, regime_trajectories
from .lesson03 import (
    factor_per_direction, loss_shapes, momentum_preview, steps_against_kappa, sweep_with_picks, valley_paths)
from .lesson04 import misread_average, range_test_and_sweep
from .lesson05 import distance_to_minimum, plateau, schedule_panels, warmup_on_a_wall
from .lesson06 import adam_first_steps, momentum_limits, sensitivity, settle_curves
from .lesson07 import after_a_stall, best_rate_by_batch, finetune_recipes, train_and_validation
from .lesson08 import edge_of_stability, zone_atlas
from .lesson09 import schedule_grid, width_transfer, wsd_branches

__all__ = ['PALETTE', 'VERDICT_COLOURS', 'colours', 'contour', 'finder', 'loss_curves', 'lr_sweep', 'schedule', 'shower', 'trajectory_1d', 'knob_positions', 'settling_times', 'shower_and_knob', 'shower_vs_descent', 'stability_by_delay', 'REGIME_VERDICTS', 'regime_contours', 'regime_trajectories', 'factor_per_direction', 'loss_shapes', 'momentum_preview', 'steps_against_kappa', 'sweep_with_picks', 'valley_paths', 'misread_average', 'range_test_and_sweep', 'distance_to_minimum', 'plateau', 'schedule_panels', 'warmup_on_a_wall', 'adam_first_steps', 'momentum_limits', 'sensitivity', 'settle_curves', 'after_a_stall', 'best_rate_by_batch', 'finetune_recipes', 'train_and_validation', 'edge_of_stability', 'zone_atlas', 'schedule_grid', 'width_transfer', 'wsd_branches']
__all__ += ["Description", "describe", "description"]

register_formatter()
