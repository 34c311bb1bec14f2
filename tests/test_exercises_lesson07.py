"""Lesson 07's checks (lrlab.course.exercises.lesson07): a right answer passes, each usual mistake fails with its hint.

The wrong answers include those the grading test (tests/test_lesson_07_grading.py) gives its simulated
learners; here each is checked directly, without a notebook.
"""
import math

import numpy as np
import pytest

from lrlab.course.checks import LessonCheckError
from lrlab.course.exercises import lesson07 as ex
from lrlab.problems import MLP
from lrlab.optim.schedules import ReduceLROnPlateau
from references import reference

plateau_reference = reference(ex.check_plateau_cuts, 'plateau_reference', (1e-4,))

PARAMS = MLP(sizes=(64, 32, 10)).initial_params()
DEEP = MLP(sizes=(64, 16, 8, 10)).initial_params()


# ------------------------------------------------------------------------------ exercise 1: param groups

def groups_right(params, head, body_lr, head_lr):
    return [{"params": [k for k in params if k not in head], "lr": body_lr},
            {"params": [k for k in params if k in head], "lr": head_lr}]


def groups_swapped(params, head, body_lr, head_lr):
    return [{"params": [k for k in params if k not in head], "lr": head_lr},
            {"params": [k for k in params if k in head], "lr": body_lr}]


def groups_hard_coded(params, head, body_lr, head_lr):
    return [{"params": ["W1", "b1"], "lr": body_lr}, {"params": ["W2", "b2"], "lr": head_lr}]


def groups_weights_only(params, head, body_lr, head_lr):
    return [{"params": [k for k in params if k not in head and k.startswith("W")], "lr": body_lr},
            {"params": [k for k in params if k in head], "lr": head_lr}]


@pytest.mark.parametrize("params, head", [(PARAMS, ["W2", "b2"]), (DEEP, ["W3", "b3"]),
                                          ({"a": 1.0, "b": 2.0}, ["b"])])
def test_right_groups_pass_both_checks(params, head):
    ex.check_param_groups(groups_right, params, head, 1e-4, 1e-2)
    ex.check_groups_in_adam(groups_right, {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in params.items()},
                            head, 1e-4, 1e-2)


@pytest.mark.parametrize("wrong, hint, params, head", [
    (groups_swapped, "the rates are swapped", PARAMS, ["W2", "b2"]),
    (groups_hard_coded, "the names must come from the dict", DEEP, ["W3", "b3"]),
    (groups_weights_only, "weights and biases", PARAMS, ["W2", "b2"]),
])
def test_each_group_mistake_is_named(wrong, hint, params, head):
    with pytest.raises(LessonCheckError, match=hint):
        ex.check_param_groups(wrong, params, head, 1e-4, 1e-2)


def test_swapped_rates_are_named_in_the_adam_check_too():
    with pytest.raises(LessonCheckError, match="the rates are swapped"):
        ex.check_groups_in_adam(groups_swapped, DEEP, ["W3", "b3"], 1e-5, 1e-3)


def test_groups_that_are_not_a_list_of_two_dicts_fail():
    with pytest.raises(LessonCheckError, match="a list of two dicts"):
        ex.check_param_groups(lambda p, h, b, hl: {"body": b}, PARAMS, ["W2", "b2"], 1e-4, 1e-2)


# ------------------------------------------------------------------------------ exercise 2: scale_lr

def scale_right(lr, old, new, rule):
    if rule not in ("linear", "sqrt") or old < 1 or new < 1:
        raise ValueError(rule)
    return lr * (new / old) ** (1.0 if rule == "linear" else 0.5)


@pytest.mark.parametrize("case", [(0.001, 32, 128, "linear"), (0.001, 32, 128, "sqrt"), (0.4, 256, 32, "linear"),
                                  (0.05, 64, 64, "sqrt")])
def test_right_scaling_passes(case):
    ex.check_scale_lr(scale_right, *case)


@pytest.mark.parametrize("wrong, case, hint", [
    (lambda lr, o, n, r: lr * (o / n) ** ex.RULES[r], (0.001, 32, 128, "linear"), "upside down"),
    (lambda lr, o, n, r: lr * (n / o) ** (1 if r == "linear" else 2), (0.001, 32, 128, "sqrt"), "you squared the ratio"),
    (lambda lr, o, n, r: lr * n / o, (0.001, 32, 128, "sqrt"), "that is the linear rule"),
    (lambda lr, o, n, r: lr * (n / o) ** 0.5, (0.1, 8, 512, "linear"), "not its square root"),
    (lambda lr, o, n, r: lr * n / o ** 0.5 if r == "sqrt" else lr * n / o, (0.001, 32, 128, "sqrt"),
     "only old_batch got the square root"),
])
def test_each_scaling_mistake_is_named(wrong, case, hint):
    with pytest.raises(LessonCheckError, match=hint):
        ex.check_scale_lr(wrong, *case)


def test_refusal_check_passes_a_value_error_and_fails_a_returned_rate():
    ex.check_scale_lr_refuses(scale_right, 0.01, 32, 64, "cubic")
    ex.check_scale_lr_refuses(scale_right, 0.01, 32, 0, "linear")
    with pytest.raises(LessonCheckError, match="raise ValueError"):
        ex.check_scale_lr_refuses(lambda lr, o, n, r: lr, 0.01, 32, 64, "cubic")
    with pytest.raises(LessonCheckError, match="raise ValueError"):
        ex.check_scale_lr_refuses(lambda lr, o, n, r: {}["x"], 0.01, 32, 64, "cubic")


# ------------------------------------------------------------------------------ exercise 3: plateau

def cuts_right(losses, patience, threshold=1e-4):
    best, bad, out = math.inf, 0, []
    for i, loss in enumerate(losses):
        if loss < best * (1 - threshold):
            best, bad = loss, 0
        else:
            bad += 1
        if bad > patience:
            out.append(i)
            bad = 0
    return out


CASES = [([1.0, 0.8, 0.8, 0.8, 0.8, 0.79, 0.8], 2, 1e-4),
         ([1.0, 0.9, 0.9, 0.95, 0.9, 0.9, 0.9, 0.9, 0.9], 1, 1e-4),
         ([1.0, 0.995, 0.99, 0.985, 0.98, 0.975], 1, 0.01),
         ([1.0, 1.0, 0.5, 0.5, 0.5], 0, 1e-4),
         ([0.02, 0.0199, 0.0198, 0.0197, 0.0196], 1, 0.01)]


@pytest.mark.parametrize("losses, patience, threshold", CASES)
def test_reference_follows_torchs_rule(losses, patience, threshold):
    assert plateau_reference(losses, patience, threshold) == cuts_right(losses, patience, threshold)


def test_worked_example_cuts_once_at_position_4():
    assert plateau_reference([1.0, 0.8, 0.8, 0.8, 0.8, 0.79, 0.8], 2) == [4]


@pytest.mark.parametrize("losses, patience, threshold", CASES)
def test_right_detector_passes(losses, patience, threshold):
    ex.check_plateau_cuts(cuts_right, losses, patience, threshold)


def test_patience_off_by_one_is_named_on_the_example():
    def off_by_one(losses, patience, threshold=1e-4):
        return cuts_right(losses, patience - 1, threshold) if patience else cuts_right(losses, 0, threshold)
    with pytest.raises(LessonCheckError, match="patience off by one"):
        ex.check_plateau_cuts(off_by_one, *CASES[0])


@pytest.mark.parametrize("hint, case", [("the threshold is relative", CASES[4]),
                                        ("the threshold is ignored", CASES[2])])
def test_threshold_mistakes_are_named(hint, case):
    def detector(improves):
        def cuts(losses, patience, threshold=1e-4):
            best, bad, out = float("inf"), 0, []
            for i, loss in enumerate(losses):
                best, bad = (loss, 0) if improves(loss, best, threshold) else (best, bad + 1)
                if bad > patience:
                    out.append(i)
                    bad = 0
            return out
        return cuts
    wrong = {"the threshold is relative": detector(lambda x, b, th: x < b - th),
             "the threshold is ignored": detector(lambda x, b, th: x < b)}[hint]
    with pytest.raises(LessonCheckError, match=hint):
        ex.check_plateau_cuts(wrong, *case)


def test_a_detector_that_returns_floats_is_refused():
    with pytest.raises(LessonCheckError, match="list of ints"):
        ex.check_plateau_cuts(lambda l, p, t=1e-4: [4.0], *CASES[0])


def test_reference_agrees_with_reduce_lr_on_plateau_on_random_sequences():
    gen = np.random.default_rng(0)
    for _ in range(50):
        losses = list(np.cumsum(gen.normal(0, 0.05, 20)) + 2.0)
        patience = int(gen.integers(0, 4))
        rule, lrs = ReduceLROnPlateau(1.0, factor=0.5, patience=patience), []
        cuts = [i for i, x in enumerate(losses) if (lrs.append(rule.lr) or True) and rule.step(x) < lrs[-1]]
        assert plateau_reference(losses, patience) == cuts == cuts_right(losses, patience)
