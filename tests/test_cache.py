"""``lrlab._cache``: a study's call read back gives what computing it gives, or the call is computed."""
import json
import os
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from lrlab import _cache
from lrlab.optim import schedules
from lrlab.optim.optimizers import SGD
from lrlab.problems import Quadratic1D, QuadraticND
from lrlab.studies import sensitivity
from lrlab.train import engine

ROOT = Path(__file__).resolve().parents[1]
CALLS = []


@_cache.cached
def _doubles_in_place(values):
    CALLS.append("in place")
    values *= 2
    return float(values.sum())


@_cache.cached
def _total(values, scale=1.0):
    CALLS.append("total")
    return float(np.sum(values)) * scale


@_cache.cached
def _with_default(scale, weights=[1.0, 2.0]):  # noqa: B006 - a mutable default, changed by the test below
    CALLS.append("default")
    return scale * sum(weights)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The cache on in this process, in an empty folder."""
    monkeypatch.setenv(_cache.ENV, str(tmp_path))
    monkeypatch.setattr(_cache, "MEMORY", {})
    monkeypatch.setitem(_cache._state, "off", False)
    CALLS.clear()
    before = dict(_cache.stats)
    yield lambda: {k: _cache.stats[k] - before[k] for k in before}


def entries(folder):
    return sorted(Path(folder).glob("*/*.pickle"))


def test_a_repeated_training_run_is_read_back_with_its_result_and_the_optimizers_new_state(cache, tmp_path):
    def run():
        opt = SGD(lr=0.3, momentum=0.9)
        hist = engine.train(Quadratic1D(a=2.0, x0=5.0), opt, 40, schedule=schedules.cosine_annealing(0.3, T_max=40))
        return hist, opt

    computed, opt_computed = run()
    assert cache() == {"hits": 0, "stored": 1, "computed": 1} and len(entries(tmp_path)) == 1
    read, opt_read = run()
    assert cache()["hits"] == 1
    np.testing.assert_array_equal(read.losses, computed.losses)
    np.testing.assert_array_equal(read.lrs, computed.lrs)
    assert read.final_params == computed.final_params and read.diverged_at == computed.diverged_at
    assert set(vars(opt_read)) == set(vars(opt_computed)) and opt_read.lr == opt_computed.lr
    for name, value in vars(opt_computed).items():  # the momentum buffer and the step count advanced alike
        assert repr(vars(opt_read)[name]) == repr(value), name


def test_a_changed_argument_a_changed_schedule_or_changed_lrlab_code_is_another_key(monkeypatch):
    def key(*args, **kwargs):
        return _cache._Call("f", args, kwargs).key

    base = key(np.arange(3.0), 0.1, schedule=schedules.constant(0.1))
    assert key(np.arange(3.0), 0.1, schedule=schedules.constant(0.1)) == base
    assert key(np.arange(3.0), np.nextafter(0.1, 1), schedule=schedules.constant(0.1)) != base
    assert key(np.arange(3.0) + [0, 0, 1e-12], 0.1, schedule=schedules.constant(0.1)) != base
    assert key(np.arange(3.0), 0.1, schedule=schedules.constant(0.2)) != base  # same lambda, other closure
    assert key(np.arange(3.0), 0.1, schedule=schedules.linear_warmup(0.1, 10)) != base
    assert key(np.arange(3.0), 0.1, schedule=schedules.constant(0.1), steps=2) != base
    monkeypatch.setitem(_cache._state, "source", "another version of lrlab")
    assert key(np.arange(3.0), 0.1, schedule=schedules.constant(0.1)) != base


def test_an_argument_that_cannot_be_written_down_makes_an_ordinary_call():
    with open(os.devnull) as file:
        for argument in (lambda lr: SGD(lr=lr), np.random.default_rng(0), file, [1.0, {"f": print.__self__}]):
            with pytest.raises(_cache.Uncacheable):
                _cache._Call("f", (argument,), {})


def test_a_learners_function_is_called_every_time_and_nothing_is_kept(cache, tmp_path):
    made = []

    def make(lrs):  # a learner's factory: its globals are the learner's, so its code does not decide it
        made.append(list(lrs))
        return SGD(lr=lrs)

    for _ in range(2):
        sensitivity.best_of_grid(QuadraticND(eigenvalues=[1.0, 10.0], x0=[1.0, 1.0]), make, [0.01, 0.1], 5)
    assert made == [[0.01, 0.1], [0.01, 0.1]] and entries(tmp_path) == []


def test_a_call_that_changes_an_array_it_was_given_is_never_kept(cache, tmp_path):
    values = np.ones(3)
    assert _doubles_in_place(values) == 6.0 and _doubles_in_place(values) == 12.0
    assert CALLS == ["in place", "in place"] and entries(tmp_path) == []


def test_checks_the_grader_and_the_own_code_tracer_always_compute(cache):
    assert _total([1.0, 2.0]) == _total([1.0, 2.0]) == 3.0 and CALLS == ["total"]
    as_check = {"__name__": "lrlab.course.exercises.lesson99", "_total": _total}
    exec("def check():\n    return _total([1.0, 2.0])\n", as_check)
    assert as_check["check"]() == 3.0 and CALLS == ["total", "total"]
    sys.setprofile(lambda *a: None)
    try:
        assert _total([1.0, 2.0]) == 3.0
    finally:
        sys.setprofile(None)
    assert CALLS == ["total"] * 3


def test_a_default_value_changed_in_place_is_another_call(cache):
    assert _with_default(2.0) == 6.0 and _with_default(2.0) == 6.0 and CALLS == ["default"]
    _with_default.uncached.__defaults__[0].append(3.0)
    try:
        assert _with_default(2.0) == 12.0 and CALLS == ["default", "default"]
    finally:
        _with_default.uncached.__defaults__[0].pop()


def test_each_cached_function_has_code_of_its_own_and_the_own_code_tracer_sees_no_tampering(cache):
    from lrlab.course import owncode

    assert engine.train.__code__ != engine.sweep.__code__ != _total.__code__
    assert owncode.resolve(["lrlab.train.engine.sweep"]).keys().isdisjoint({engine.train.__code__})
    assert owncode._run(lambda: _total([1.0, 1.0]), {}, (), {}) == 2.0  # no "called sys.getprofile"
    with pytest.raises(owncode.Borrowed, match="engine.train"):
        owncode._run(lambda: engine.train(Quadratic1D(a=1.0, x0=1.0), SGD(lr=0.1), 2),
                     owncode.resolve(["lrlab.train.engine.train"]), (), {})


def test_without_the_variable_or_when_disabled_nothing_is_read_or_kept(cache, tmp_path, monkeypatch):
    _total([4.0])
    _cache.disable()
    try:
        _total([4.0])
    finally:
        _cache.enable()
    monkeypatch.delenv(_cache.ENV)
    _total([4.0])
    assert CALLS == ["total"] * 3 and len(entries(tmp_path)) == 1


def test_preloaded_results_are_served_from_memory_without_the_folder(cache, tmp_path, monkeypatch):
    assert _total([1.0, 5.0], scale=2.0) == 12.0
    assert _cache.preload(tmp_path) == 1
    monkeypatch.delenv(_cache.ENV)  # a sandboxed kernel: no folder, only what its template loaded
    assert _total([1.0, 5.0], scale=2.0) == 12.0 and CALLS == ["total"]


def test_a_broken_entry_is_computed_again(cache, tmp_path):
    _total([2.0])
    entries(tmp_path)[0].write_bytes(b"not a pickle")
    assert _total([2.0]) == 2.0 and CALLS == ["total", "total"]


def _outputs(nb):
    """What a reader sees: text, tables and figure descriptions; a study's own timing line left out.

    A cell's printed lines arrive in one stream message or in several, as the kernel happens to flush
    them (two ``print`` calls of lesson 05 came as one output in one run and as two in the next), so
    consecutive outputs of the same stream are read as one text, as a reader sees them.
    """
    seen = []
    for index, cell in enumerate(nb.cells):
        merged = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and merged and merged[-1][0] == ("stream", out.name):
                merged[-1][1] += out.text
            elif out.output_type == "stream":
                merged.append([("stream", out.name), out.text])
            elif out.output_type == "error":
                merged.append([("error",), f"{out.ename}: {out.evalue}"])
            else:
                merged.append([(out.output_type,), out.get("data", {}).get("text/plain", "")
                               + json.dumps(out.get("metadata", {}), sort_keys=True)])
        seen += [(index, "\n".join(line for line in text.splitlines() if " trained in " not in line))
                 for _, text in merged]
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("lesson", ["05-schedules", "06-optimizers", "07-common-mistakes", "08-goldilocks",
                                    "09-rate-at-scale"])
def test_a_lesson_shows_the_same_outputs_when_its_studies_are_read_back(lesson, tmp_path, monkeypatch):
    from executed import execute

    monkeypatch.setenv(_cache.ENV, str(tmp_path / "cache"))
    path = ROOT / "solutions" / lesson / f"{lesson}.ipynb"
    cold = execute(nbformat.read(path, as_version=4), path.parent, stop_at_error=True)
    kept = entries(tmp_path / "cache")
    warm = execute(nbformat.read(path, as_version=4), path.parent, stop_at_error=True)
    assert len(kept) >= 2, "the lesson's studies should be kept"
    assert entries(tmp_path / "cache") == kept, "the second execution should compute nothing new"
    assert _outputs(warm) == _outputs(cold)


def test_outputs_read_a_stream_split_across_messages_as_one_text():
    """The kernel may send one cell's printed lines as one stream message or as several."""
    whole, split = nbformat.v4.new_code_cell("x"), nbformat.v4.new_code_cell("x")
    whole.outputs = [nbformat.v4.new_output("stream", name="stdout", text="3 cuts\nabove the minimum\n")]
    split.outputs = [nbformat.v4.new_output("stream", name="stdout", text="3 cuts\nabove the"),
                     nbformat.v4.new_output("stream", name="stdout", text=" minimum\n")]
    one, two = nbformat.v4.new_notebook(cells=[whole]), nbformat.v4.new_notebook(cells=[split])
    assert _outputs(one) == _outputs(two) == [(0, "3 cuts\nabove the minimum")]
    split.outputs.insert(1, nbformat.v4.new_output("stream", name="stderr", text="warning\n"))
    assert len(_outputs(two)) == 3, "outputs of different streams stay apart"
