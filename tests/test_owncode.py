"""The learner's own code: checks fail an answer that calls lrlab's code for its exercise, however it is reached.

``lrlab.course.owncode`` runs the learner's function under a profile function; these tests hand the
real checks of lessons 05, 06 and 08 answers that borrow lrlab's code in every way the issue lists
(an alias, a wrapper, ``functools.partial``, a lambda, ``getattr``, a module under another name, a
function rebuilt from the same code) and answers that try to hide from the tracer, and check that
what an exercise allows (numpy, the schedule it is handed) stays allowed.
"""
import functools
import gc
import importlib
import sys
import threading
import types

import numpy as np
import pytest

import lrlab
from lrlab.course import owncode
from lrlab.course.exercises import lesson05, lesson06, lesson08
from lrlab.course.owncode import BorrowedAnswer
from lrlab.optim import schedules
from lrlab.studies import sensitivity
from references import reference

ZONE = ([1e-4, 1e-3, 1e-2, 1e-1, 1.0], [2.0, 0.9, 0.5, 0.8, 3.0])
CALLS = r"zone_width: your answer calls lrlab\.studies\.sensitivity\.goldilocks_zone, lrlab's own code"


def own_zone(lrs, losses, factor=2.0):
    lrs, losses = np.asarray(lrs, dtype=float), np.asarray(losses, dtype=float)
    inside = np.isfinite(losses) & (losses <= factor * np.nanmin(losses))
    return float(np.log10(lrs[inside].max() / lrs[inside].min()))


def test_an_answer_of_ones_own_passes():
    lesson06.check_zone_width(own_zone, *ZONE)


def via_module(lrs, losses, factor=2.0):
    return sensitivity.goldilocks_zone(lrs, losses, factor).width


def via_alias_module(lrs, losses, factor=2.0):
    import lrlab.studies.sensitivity as s
    return s.goldilocks_zone(lrs, losses, factor).width


def via_getattr(lrs, losses, factor=2.0):
    module = importlib.import_module("lrlab." + "studies.sensitivity")
    return getattr(module, "goldilocks" + "_zone")(lrs, losses, factor).width


def via_rebuilt_function(lrs, losses, factor=2.0):
    copy = types.FunctionType(sensitivity.goldilocks_zone.__code__, vars(sensitivity), "mine",
                              sensitivity.goldilocks_zone.__defaults__)
    return copy(lrs, losses, factor).width


def via_swallowed_error(lrs, losses, factor=2.0):
    try:
        return sensitivity.goldilocks_zone(lrs, losses, factor).width
    except BaseException:
        return 2.0


zone_alias = sensitivity.goldilocks_zone
BORROWING = {
    "module": via_module,
    "module imported under another name": via_alias_module,
    "getattr": via_getattr,
    "an alias": lambda lrs, losses, factor=2.0: zone_alias(lrs, losses, factor).width,
    "functools.partial": functools.partial(lambda zone, *a: zone(*a).width, sensitivity.goldilocks_zone),
    "a function rebuilt from its code": via_rebuilt_function,
    "an error it swallows": via_swallowed_error,
}


@pytest.mark.parametrize("how", sorted(BORROWING))
def test_a_borrowed_zone_width_fails_naming_goldilocks_zone(how):
    with pytest.raises(BorrowedAnswer, match=CALLS):
        lesson06.check_zone_width(BORROWING[how], *ZONE)


def test_the_answer_itself_being_lrlabs_function_fails():
    with pytest.raises(BorrowedAnswer, match=r"lrlab\.optim\.schedules\.cosine_annealing"):
        lesson05.check_cosine(lambda step, lr_max, T_max, eta_min=0.0: schedules.cosine_annealing(
            lr_max, T_max, eta_min)(step), 25, 0.1, 100)


def test_a_reference_dug_out_of_its_check_fails():
    momentum_reference = reference(lesson06.check_momentum_step, "momentum_reference")
    with pytest.raises(BorrowedAnswer, match=r"check_momentum_step\.<locals>\.momentum_reference"):
        lesson06.check_momentum_step(momentum_reference, 1.0, 2.0, 0.5, 0.1, 0.9)


def test_a_method_of_an_optimizer_fails():
    from lrlab.optim.optimizers import SGD

    def momentum_step(x, grad, buf, lr, momentum, nesterov=False):
        opt = SGD(lr=lr, momentum=momentum, nesterov=nesterov)
        return opt.step(x, grad), buf
    with pytest.raises(BorrowedAnswer, match=r"lrlab\.optim\.optimizers\.(SGD|Optimizer)\."):
        lesson06.check_momentum_step(momentum_step, 1.0, 2.0, 0.5, 0.1, 0.9)


def test_what_the_check_hands_the_answer_stays_allowed_and_a_returned_schedule_is_traced():
    def warmup_then(schedule_fn, warmup_steps):
        peak = schedule_fn(0)

        def lr_at(step):
            return peak * (step + 1) / warmup_steps if step < warmup_steps else schedule_fn(step - warmup_steps)
        return lr_at
    lesson05.check_warmup(warmup_then, schedules.cosine_annealing(0.3, T_max=50), 10, [10, 11, 35], "cosine")

    def borrowing_later(schedule_fn, warmup_steps):
        return lambda step: schedules.linear_warmup(schedule_fn(0), warmup_steps)(step)
    with pytest.raises(BorrowedAnswer, match=r"lrlab\.optim\.schedules\.linear_warmup"):
        lesson05.check_warmup(borrowing_later, schedules.cosine_annealing(0.3, T_max=50), 10, [0, 1], "cosine")


def test_the_open_exercise_may_use_the_problem_it_is_handed():
    from lrlab.course.exercises.lesson08 import TuneCase

    def tune(problem, budget):
        schedule = schedules.cosine_annealing(0.05, T_max=budget)
        return 0.05, schedule, problem.train(schedule, budget).params
    case = TuneCase("wine", hidden=(8,), seed=5, batch_size=16, budget=300, min_accuracy=0.5)
    lesson08.check_tune(tune, case)
    with pytest.raises(BorrowedAnswer, match=r"lesson08\.fixed_rate_tune"):
        lesson08.check_tune(lambda problem, budget: lesson08.fixed_rate_tune(0.05)(problem, budget), case)


def remove_tracer(lrs, losses, factor=2.0):
    sys.setprofile(None)
    return sensitivity.goldilocks_zone(lrs, losses, factor).width


def read_tracer(lrs, losses, factor=2.0):
    sys.getprofile()
    return own_zone(lrs, losses, factor)


def in_a_thread(lrs, losses, factor=2.0):
    out = []
    worker = threading.Thread(target=lambda: out.append(sensitivity.goldilocks_zone(lrs, losses, factor).width))
    worker.start()
    worker.join()
    return out[0]


def dig_in_gc(lrs, losses, factor=2.0):
    gc.get_objects()
    return own_zone(lrs, losses, factor)


@pytest.mark.parametrize("answer, called", [(remove_tracer, "sys.setprofile"), (read_tracer, "sys.getprofile"),
                                            (in_a_thread, r"_thread\.start_(new|joinable)_thread"),
                                            (dig_in_gc, "gc.get_objects")])
def test_hiding_from_the_tracer_fails(answer, called):
    with pytest.raises(BorrowedAnswer, match=rf"your answer called {called} while the checks ran it"):
        lesson06.check_zone_width(answer, *ZONE)
    assert sys.getprofile() is None, "the check must leave no profile function behind"


def test_a_tracer_removed_behind_its_back_fails():
    """An answer that catches the tracer's own error and carries on still fails."""
    def answer(lrs, losses, factor=2.0):
        try:
            sensitivity.goldilocks_zone(lrs, losses, factor)
        except BaseException:
            pass
        return own_zone(lrs, losses, factor)
    with pytest.raises(BorrowedAnswer, match=CALLS):
        lesson06.check_zone_width(answer, *ZONE)


def test_a_profile_function_of_ones_own_is_put_back():
    seen = []
    mine = lambda frame, event, arg: seen.append(event)  # noqa: E731
    sys.setprofile(mine)
    try:
        lesson06.check_zone_width(own_zone, *ZONE)
        assert sys.getprofile() is mine
    finally:
        sys.setprofile(None)


def test_every_exercise_declares_code_that_exists():
    for n in range(1, 10):
        module = importlib.import_module(f"lrlab.course.exercises.lesson{n:02d}")
        for exercise, names in module.OWN_CODE:
            assert isinstance(names, tuple) and all(isinstance(x, str) for x in names)
            owncode.resolve(names, vars(module))  # raises on a name that does not resolve


def _reachable_code():
    """Every code object reachable from lrlab's modules through attributes (getattr digging): functions,
    classes' methods, properties, partials, and whatever ``from lrlab... import *`` brings."""
    import pkgutil

    found, seen = set(), set()

    def walk(value, depth=0):
        if id(value) in seen or depth > 4:
            return
        seen.add(id(value))
        if isinstance(value, types.FunctionType):
            found.add(value.__code__)
            walk(value.__dict__, depth + 1)
        elif isinstance(value, (staticmethod, classmethod)):
            walk(value.__func__, depth + 1)
        elif isinstance(value, property):
            for f in (value.fget, value.fset, value.fdel):
                walk(f, depth + 1)
        elif isinstance(value, functools.partial):
            walk(value.func, depth + 1)
        elif isinstance(value, type) and value.__module__.startswith("lrlab"):
            for attr in list(vars(value).values()):
                walk(attr, depth + 1)
        elif isinstance(value, dict):
            for attr in list(value.values()):
                walk(attr, depth + 1)
        elif isinstance(value, (list, tuple)):
            for attr in value:
                walk(attr, depth + 1)

    for info in pkgutil.walk_packages(lrlab.__path__, "lrlab."):
        if info.name.startswith(("lrlab.grading", "lrlab.cli")):
            continue
        module = importlib.import_module(info.name)
        for name in dir(module):
            walk(getattr(module, name))
    return found


def test_no_import_or_getattr_reaches_a_reference_solution():
    """What "cannot import" means: no attribute of any lrlab module or class, public or private, is a
    reference solution; they exist only as code constants of their checks."""
    refs = [(check, name) for check, name in (
        (lesson05.check_warmup, "warmup_reference"), (lesson06.check_momentum_step, "momentum_reference"),
        (lesson06._check_adam, "adam_reference"), (lesson06.check_zone_width, "zone_width_reference"),
        (importlib.import_module("lrlab.course.exercises.lesson07").check_plateau_cuts, "plateau_reference"),
        (lesson08.check_hvp, "hvp_reference"))]
    codes = {reference(check, name).__code__ for check, name in refs}
    assert not codes & _reachable_code()
    for n in (5, 6, 7, 8):
        space = {}
        exec(f"from lrlab.course.exercises.lesson{n:02d} import *", space)
        assert not [k for k in space if k.endswith("_reference")]


def test_the_self_check_shows_the_borrowed_message_as_it_is():
    from lrlab.course.selfcheck import _Outcome, _failure_message

    said = "zone_width: your answer calls lrlab.studies.sensitivity.goldilocks_zone, lrlab's own code"
    assert _failure_message(_Outcome("error", "BorrowedAnswer", said), "the test of exercise 3") == said
