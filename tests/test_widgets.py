"""The interactive controls, kernel side: they build, are labelled, and say what lrlab computes.

Expected readouts come from closed forms (lrlab.train.theory) or from calling the lrlab
function a control wires to directly, never from the control itself. The same controls
are driven through a real browser in tests/browser/.
"""
import base64
import io
import json
import re

import anywidget
import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from lrlab.optim import schedules
from lrlab.studies import shower
from lrlab.train import theory
from lrlab.train.engine import train
from lrlab.train.finder import lr_range_test
from lrlab.optim.optimizers import SGD, Adam
from lrlab.problems import Quadratic1D, QuadraticND, Rosenbrock
from lrlab.course.widgets import (FinderViewer, LRExplorer, OptimizerRace, ScheduleBuilder, ShowerKnob,
                           outcome)

SMALL_QUADRATIC = QuadraticND(condition_number=10.0)


def make(name):
    """Each control, built small so the module stays fast."""
    return {
        "explorer": lambda: LRExplorer(),
        "shower": lambda: ShowerKnob(),
        "schedules": lambda: ScheduleBuilder(SMALL_QUADRATIC, batch_size=None, steps=50, lr=0.1),
        "race": lambda: OptimizerRace(steps=100),
        "finder": lambda: FinderViewer(problem=Quadratic1D(), optimizer=SGD(lr=0.1), start_lr=1e-4,
                                       end_lr=10.0, num_steps=60),
    }[name]()


@pytest.fixture(scope="module")
def built():
    """Controls built once for the tests that only look at them (building one draws a figure)."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = make(name)
        return cache[name]
    return get


CONTROLS = {"explorer": "lrlab-lr-explorer", "shower": "lrlab-shower", "schedules": "lrlab-schedules",
            "race": "lrlab-race", "finder": "lrlab-finder"}


def inputs(ctrl):
    """Every value-carrying input widget inside a control (shown or not)."""
    found, todo = [], [ctrl]
    while todo:
        w = todo.pop()
        if isinstance(w, widgets.Box):
            todo.extend(w.children)
        elif isinstance(w, (widgets.FloatLogSlider, widgets.FloatSlider, widgets.IntSlider, widgets.Dropdown)):
            found.append(w)
    if isinstance(ctrl, ScheduleBuilder):
        found.extend(p for p in ctrl.params.values() if p not in found)
    return found


def shown_png(ctrl) -> bytes:
    """The PNG the Output widget holds (what the front end displays)."""
    (out,) = ctrl.plot.outputs
    return base64.b64decode(out["data"]["image/png"])


def readout_state(ctrl) -> dict:
    raw = re.search(r'data-state="([^"]*)"', ctrl.readout.value).group(1)
    return json.loads(raw.replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&"))


# --------------------------------------------------------------------------- every control


@pytest.mark.parametrize("name", CONTROLS)
def test_control_carries_its_css_classes(name, built):
    ctrl = built(name)
    assert {"lrlab-control", CONTROLS[name]} <= set(ctrl._dom_classes), ctrl._dom_classes
    for part, css in [(ctrl.readout, "lrlab-readout"), (ctrl.note, "lrlab-note"), (ctrl.plot, "lrlab-plot")]:
        assert css in part._dom_classes, f"{name}: {css} missing"


@pytest.mark.parametrize("name", CONTROLS)
def test_every_input_has_its_own_lrlab_css_class(name, built):
    classes = [[c for c in w._dom_classes if c.startswith("lrlab-")] for w in inputs(built(name))]
    assert all(len(c) == 1 for c in classes), f"{name}: inputs without exactly one lrlab class: {classes}"
    flat = [c[0] for c in classes]
    assert len(set(flat)) == len(flat), f"{name}: two inputs share a class: {flat}"


@pytest.mark.parametrize("name", CONTROLS)
def test_sliders_are_labelled_with_a_unit(name, built):
    sliders = [w for w in inputs(built(name)) if not isinstance(w, widgets.Dropdown)]
    unlabelled = [w.description for w in sliders if not re.fullmatch(r".+ \(.+\)", w.description)]
    assert sliders and not unlabelled, f"{name}: sliders whose label has no '(unit)': {unlabelled}"


@pytest.mark.parametrize("name", CONTROLS)
def test_every_slider_gets_an_accessible_name_with_its_unit_and_scale(name, built):
    """The names the browser side (aria.py) puts on the slider handles: every slider, hidden ones too."""
    ctrl = built(name)
    sliders = [w for w in inputs(ctrl) if not isinstance(w, widgets.Dropdown)]
    by_class = {[c for c in w._dom_classes if c.startswith("lrlab-")][0]: w for w in sliders}
    assert set(ctrl.aria.names) == set(by_class), f"{name}: named {sorted(ctrl.aria.names)}"
    for css, said in ctrl.aria.names.items():
        w = by_class[css]
        unit = w.description.partition(" (")[2]
        assert said.startswith(w.description.partition(" (")[0]) and f"({unit}" in said, f"{name}: {said!r}"
        assert said.endswith(", log scale") == isinstance(w, widgets.FloatLogSlider), f"{name}: {said!r}"
    assert ctrl.aria in ctrl.children and ctrl.aria.alt == ctrl.figure_alt()


def test_a_parameter_name_is_said_in_words_too(built):
    names = built("schedules").aria.names
    assert names["lrlab-lr"] == "peak lr: learning rate (per step), log scale"
    assert names["lrlab-param-T_0"] == "T_0: length of the first cycle (steps)"
    assert built("explorer").aria.names["lrlab-lr"] == "learning rate η (per step), log scale"


def test_in_the_book_a_control_carries_no_anywidget(monkeypatch):
    """A book page shows frames, and its widget manager could not load anywidget's module offline."""
    monkeypatch.setenv("LRLAB_BOOK_CONTROLS", "frames")
    ctrl = LRExplorer()
    assert ctrl.aria is None and not any(isinstance(w, anywidget.AnyWidget) for w in ctrl.children)


@pytest.mark.parametrize("name", CONTROLS)
def test_sliders_update_only_when_released(name, built):
    flooding = [w.description for w in inputs(built(name))
                if hasattr(w, "continuous_update") and w.continuous_update]
    assert not flooding, f"{name}: sliders that send every intermediate value: {flooding}"


@pytest.mark.parametrize("name", CONTROLS)
def test_output_widget_shows_the_rendered_png(name, built):
    ctrl = built(name)
    png = shown_png(ctrl)
    assert png.startswith(b"\x89PNG") and png == ctrl.png


@pytest.mark.parametrize("name", CONTROLS)
def test_static_fallback_is_a_plain_figure_of_the_same_picture(name, built):
    ctrl = built(name)
    fig = ctrl.static_figure()
    assert isinstance(fig, Figure)
    assert all(ax.get_title() and ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes), "titles and labels"
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    static = np.asarray(Image.open(buf).convert("RGB"), dtype=float)
    live = np.asarray(Image.open(io.BytesIO(ctrl.png)).convert("RGB"), dtype=float)
    assert static.shape == live.shape, f"{static.shape} vs {live.shape}"
    differ = np.mean(np.abs(static - live).max(axis=2) > 40)
    assert differ < 0.005, f"{name}: {differ:.2%} of the pixels differ between the static figure and the control"


@pytest.mark.parametrize("name", CONTROLS)
def test_display_bundle_carries_the_widget_and_a_png_fallback(name, built):
    ctrl = built(name)
    bundle = ctrl._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == ctrl.model_id
    assert base64.b64decode(data["image/png"]) == ctrl.png
    assert ctrl.readout_text in data["text/plain"]


def test_outcome_names_the_divergence_step_or_the_final_loss():
    assert outcome(np.array([25.0, 2.3e-9]), None) == "final loss 2.3e-09"
    assert outcome(np.array([25.0, 2.3e-9]), -1) == "final loss 2.3e-09"
    assert outcome(np.array([25.0, 1e9, np.nan]), 30) == "diverged at step 30"


# --------------------------------------------------------------------------- LR explorer


def test_explorer_reports_the_closed_form_final_loss():
    ctrl = LRExplorer(lr=0.1, steps=50)
    lr, p = ctrl.lr.value, Quadratic1D()
    expected = f"final loss {theory.loss_after(lr, p, 50):.2g}"
    assert ctrl.readout_text == expected


def test_explorer_reports_the_step_at_which_the_run_blows_up():
    ctrl = LRExplorer(lr=0.1, steps=100)
    ctrl.lr.value = ctrl.lr.value * 10 ** 1.05  # one notch above 2/L = 1
    # The engine gives up once the loss is 1e6 times the start (|x| > 1000·|x0| here).
    step = theory.steps_to_exceed(ctrl.lr.value, Quadratic1D(), 1000 * 5.0)
    assert ctrl.readout_text == f"diverged at step {step}"


def test_explorer_start_and_steps_sliders_change_the_run():
    ctrl = LRExplorer(lr=0.1, steps=50)
    ctrl.x0.value = -2.0
    ctrl.steps.value = 20
    expected = f"final loss {theory.loss_after(ctrl.lr.value, Quadratic1D(), 20, x0=-2.0):.2g}"
    assert ctrl.readout_text == expected
    # the engine gives up at a million times the starting loss, f(-2) = 4
    assert readout_state(ctrl) == {"lr": ctrl.lr.value, "x0": -2.0, "steps": 20, "a": 2.0, "max_loss": 4e6}


def test_explorer_slider_change_redraws_and_going_back_restores_the_same_png():
    ctrl = LRExplorer()
    first = shown_png(ctrl)
    start = ctrl.lr.value
    ctrl.lr.value = start * 10 ** 0.05
    assert shown_png(ctrl) != first, "the plot did not change with the learning rate"
    ctrl.lr.value = start
    assert shown_png(ctrl) == first, "going back did not give the same picture"


def test_explorer_redraw_matches_a_fresh_drawing_at_the_new_settings():
    fresh = LRExplorer(lr=0.5, x0=3.0, steps=50)
    moved = LRExplorer(lr=0.1, steps=50)
    moved.lr.value = fresh.lr.value
    moved.x0.value = 3.0
    assert moved.png == fresh.png, "reusing the figure left a trace of the old state"


def test_explorer_passes_its_divergence_threshold_to_the_engine():
    ctrl = LRExplorer(lr=0.1, steps=100, max_loss=1000.0 ** 2)  # |x| > 1000 on f(x) = x²
    ctrl.lr.value = ctrl.lr.value * 10 ** 1.05
    step = theory.steps_to_exceed(ctrl.lr.value, Quadratic1D(), 1000.0)
    assert ctrl.readout_text == f"diverged at step {step}"


def test_explorer_scale_marks_one_over_L_and_two_over_L():
    ctrl = LRExplorer(Quadratic1D(a=4.0, x0=1.0), lr=0.05)
    label = re.search(r'aria-label="([^"]*)"', ctrl.scale.value).group(1)
    assert label == "slider scale: 1/L at 0.25; 2/L at 0.5"


def test_explorer_note_names_the_regime():
    ctrl = LRExplorer(lr=0.1)
    ctrl.lr.value = 0.5 * 10 ** 0.05  # between 1/L and 2/L
    assert "zig-zags" in ctrl.note.value


@pytest.mark.parametrize("kwargs, error, match", [
    ({"problem": QuadraticND(condition_number=2.0)}, TypeError, "problem must be a Quadratic1D"),
    ({"lr": 5.0}, ValueError, "lr must be between"),
    ({"lr": -1.0}, ValueError, "lr must be > 0"),
    ({"steps": 600}, ValueError, "steps must be <= 500"),
    ({"x0": 50.0}, ValueError, "x0 must be between -10 and 10"),
])
def test_explorer_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        LRExplorer(**kwargs)


# --------------------------------------------------------------------------- shower knob


@pytest.mark.parametrize("preset", ["timid", "sensible", "wild"])
def test_shower_readout_follows_the_simulated_behaviour(preset):
    p = shower.PRESETS[preset]
    ctrl = ShowerKnob(gain=p.gain, delay=p.delay, steps=p.steps)
    run = shower.simulate(ctrl.gain.value, delay=p.delay, steps=p.steps)
    words = {"settles": "settles after", "too timid": "too timid: still", "wild swings": "wild swings:"}
    assert ctrl.readout_text.startswith(words[run.behaviour]), (run.behaviour, ctrl.readout_text)


def test_shower_settling_time_is_the_simulations():
    ctrl = ShowerKnob()
    run = shower.simulate(ctrl.gain.value, delay=2, steps=60)
    assert ctrl.readout_text == f"settles after {run.settled_at:g} s"


def test_shower_scale_follows_the_delay():
    ctrl = ShowerKnob(delay=2)
    ctrl.delay.value = 0
    assert f"stable limit at {shower.stable_gain_limit(0):.3g}" in ctrl.scale.value
    assert f"fastest at {shower.fastest_gain(0):.3g}" in ctrl.scale.value


def test_shower_rejects_a_gain_outside_the_slider():
    with pytest.raises(ValueError, match="gain must be between"):
        ShowerKnob(gain=1.0)


# --------------------------------------------------------------------------- schedule builder


def test_schedule_builder_shows_only_the_chosen_schedules_parameters():
    ctrl = make("schedules")
    ctrl.schedule.value = "step_decay"
    shown = [c for w in ctrl.param_box.children for c in w._dom_classes if c.startswith("lrlab-param-")]
    assert shown == ["lrlab-param-step_size", "lrlab-param-gamma"]


def test_schedule_builder_trains_with_the_schedule_it_shows():
    ctrl = make("schedules")
    ctrl.schedule.value = "step_decay"
    ctrl.params["step_size"].value = 10
    sched = schedules.step_decay(ctrl.lr.value, step_size=10, gamma=ctrl.params["gamma"].value)
    run = train(SMALL_QUADRATIC, SGD(lr=0.1), 50, schedule=sched)
    assert repr(sched).replace("'", "&#x27;") in ctrl.note.value
    assert ctrl.readout_text == outcome(run.losses, run.diverged_at)


def test_schedule_builder_reports_settings_the_factory_rejects():
    ctrl = make("schedules")
    ctrl.schedule.value = "warmup_cosine"
    ctrl.steps.value = 10
    ctrl.params["warmup_steps"].value = 20
    assert ctrl.readout_text.startswith("invalid settings: total_steps must be > warmup_steps")


def test_schedule_builder_rejects_an_unknown_schedule():
    with pytest.raises(ValueError, match="schedule must be one of"):
        ScheduleBuilder(SMALL_QUADRATIC, schedule="linear")


# --------------------------------------------------------------------------- optimizer race


def test_race_readout_lists_each_optimizers_own_run():
    ctrl = OptimizerRace(steps=100)
    lrs = {name: s.value for name, s in ctrl.lrs.items()}
    runs = {"SGD": train(Rosenbrock(), SGD(lr=lrs["SGD"]), 100),
            "momentum": train(Rosenbrock(), SGD(lr=lrs["momentum"], momentum=0.9), 100),
            "Adam": train(Rosenbrock(), Adam(lr=lrs["Adam"]), 100)}
    expected = " | ".join(f"{n}: {outcome(r.losses, r.diverged_at)}" for n, r in runs.items())
    assert ctrl.readout_text == expected


def test_race_switching_problem_resets_the_rates_and_redraws_once(monkeypatch):
    ctrl = OptimizerRace(steps=50)
    calls = []
    original = ctrl.refresh
    monkeypatch.setattr(ctrl, "refresh", lambda: (calls.append(1), original()))
    ctrl.problem.value = "ill-conditioned quadratic"
    state = readout_state(ctrl)
    assert state["problem"] == "ill-conditioned quadratic" and len(calls) == 1, (state, calls)


def test_race_rates_are_independent():
    ctrl = OptimizerRace(steps=50)
    before = readout_state(ctrl)["lrs"]
    ctrl.lrs["Adam"].value = 0.01
    after = readout_state(ctrl)["lrs"]
    assert after["Adam"] == 0.01 and after["SGD"] == before["SGD"] and after["momentum"] == before["momentum"]


# --------------------------------------------------------------------------- finder viewer


def finder_result():
    return lr_range_test(Quadratic1D(), SGD(lr=0.1), start_lr=1e-4, end_lr=10.0, num_steps=60)


def test_finder_readout_lists_every_rule_on_the_chosen_curve():
    res = finder_result()
    ctrl = FinderViewer(res)
    ctrl.curve.value = "raw"
    ctrl.skip_start.value = 0
    found = res.suggestions(curve="raw", skip_start=0, skip_end=ctrl.skip_end.value)
    assert ctrl.readout_text == " | ".join(f"{n} {lr:.2g}" for n, lr in found.items())


def test_finder_says_when_too_few_points_are_left():
    ctrl = FinderViewer(finder_result())
    ctrl.skip_start.value = ctrl.skip_start.max
    ctrl.skip_end.value = ctrl.skip_end.max
    assert ctrl.readout_text.startswith("no suggestion: only")


def test_finder_rejects_a_result_and_a_problem_together():
    with pytest.raises(ValueError, match="not both"):
        FinderViewer(finder_result(), problem=Quadratic1D())


def test_finder_rejects_something_that_is_not_a_result():
    with pytest.raises(TypeError, match="FinderResult"):
        FinderViewer([1, 2, 3])


# --------------------------------------------------------------------------- headless notebooks


@pytest.mark.slow
def test_a_notebook_showing_a_control_runs_headless_and_keeps_a_png(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from lrlab.course.widgets import LRExplorer\nLRExplorer()")]
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    (out,) = nb.cells[0].outputs
    assert {"image/png", "application/vnd.jupyter.widget-view+json"} <= set(out["data"]), list(out["data"])
    size = Image.open(io.BytesIO(base64.b64decode(out["data"]["image/png"]))).size
    assert size == (768, 288), f"the fallback image is {size}, expected the control's 768 × 288 figure"
