"""Answers that borrow lrlab's own code, one per exercise that lrlab's code can answer (``lessons.py`` uses them).

``BORROWED[function]`` is (the answer's source, the lrlab name the grading run must report). Each is
the kind a student finds by reading the import line of a lesson: a public function called under
another name, a module imported under an alias, ``getattr``, ``functools.partial``, a lambda, a
check module's private helper imported by name, and the checks' nested reference solutions dug out
of their code (``types.FunctionType`` on a code constant): the tracer of ``lrlab.course.owncode``
must stop every one. ``make_param_groups`` and ``scale_lr`` (lesson 07) have none: no lrlab code
computes them.
"""

_DIG = '''
import types as _b_types
from lrlab.course.exercises import {module} as _b_checks


def _b_dig(check, name):
    """A check's nested reference solution, rebuilt from its code constant."""
    code = next(c for c in check.__code__.co_consts if getattr(c, "co_name", "") == name)
    return _b_types.FunctionType(code, vars(_b_checks), name)
'''

BORROWED = {
    # lesson 01
    "adjust_knob": ('''
from lrlab.studies import shower as water


def adjust_knob(knob, felt, target, gain):
    """One turn, by the simulator's own rule."""
    run = water.simulate(gain, delay=0, steps=1, start_knob=knob, target=target)
    return float(run.knob[1])
''', r"lrlab\.studies\.shower\.simulate"),
    "settling_gains": ('''
import importlib as _b_importlib


def settling_gains(delay, steps_allowed, gains):
    """lrlab's own answer, reached with getattr on a module imported by its name as a string."""
    module = _b_importlib.import_module("lrlab.studies.shower")
    return getattr(module, "settling_range")(steps_allowed, gains=gains, delay=delay)
''', r"lrlab\.studies\.shower\.settling_range"),
    "shower_as_quadratic": ('''
from lrlab.studies.shower import stable_gain_limit as limit


def shower_as_quadratic(cold, hot, target):
    return (target - cold) / (hot - cold), hot - cold, limit(0, cold=cold, hot=hot)
''', r"lrlab\.studies\.shower\.stable_gain_limit"),
    # lesson 02
    "gd_step": ('''
from lrlab.optim.optimizers import SGD as Plain


def gd_step(x, lr, grad):
    return Plain(lr=lr).step(x, grad)
''', r"lrlab\.optim\.optimizers\.(SGD|Optimizer)\."),
    "train": ('''
import functools as _b_functools
from lrlab.problems import Quadratic1D as _B_Bowl
from lrlab.train import theory as _b_theory


def train(lr, x0=5.0, epochs=50):
    path = _b_functools.partial(_b_theory.iterate, lr)
    return [float(x) for x in path(_B_Bowl(a=2.0, x0=x0), epochs)]
''', r"lrlab\.train\.theory\.iterate"),
    "stability_limit": ('''
from lrlab.problems import Quadratic1D as _B_Bowl
from lrlab.train import theory as _b_theory


def stability_limit(a):
    return _b_theory.stability_limit(_B_Bowl(a=a))
''', r"lrlab\.train\.theory\.stability_limit"),
    "explosion_epoch": ('''
from lrlab.problems import Quadratic1D as _B_Bowl
from lrlab.train import theory as _b_theory

explosion_epoch = lambda lr, x0, bound: _b_theory.steps_to_exceed(lr, _B_Bowl(a=2.0, x0=x0), bound)
''', r"lrlab\.train\.theory\.steps_to_exceed"),
    "classify": ('''
from lrlab.train.diagnosis import diagnose as _b_diagnose


def classify(losses):
    return str(_b_diagnose(losses).label)
''', r"lrlab\.train\.diagnosis\.diagnose"),
    # lesson 03
    "condition_number": ('''
from lrlab.problems.quadratic import QuadraticND as _B_Bowl


def condition_number(eigenvalues):
    return float(_B_Bowl(eigenvalues=eigenvalues).condition_number)
''', r"lrlab\.problems\.quadratic\.QuadraticND\.__init__"),
    "best_fixed_rate": ('''
from lrlab.problems.quadratic import QuadraticND as _B_Bowl
from lrlab.train import theory as _b_theory


def best_fixed_rate(eigenvalues):
    return _b_theory.optimal_lr(_B_Bowl(eigenvalues=eigenvalues))
''', r"lrlab\.problems\.quadratic\.QuadraticND\.__init__"),
    "contraction": ('''
from lrlab.train import theory as _b_theory


def contraction(lr, eigenvalues):
    return _b_theory.contraction_factor(lr, _b_theory)
''', r"lrlab\.train\.theory\.contraction_factor"),
    "read_curve": ('''
import lrlab.train.diagnosis as _b_rules


def read_curve(losses):
    return _b_rules.diagnose(losses).label
''', r"lrlab\.train\.diagnosis\.diagnose"),
    # lesson 04
    "exponential_lrs": ('''
from lrlab.train import finder as _b_finder


def exponential_lrs(start_lr, end_lr, num_steps):
    return _b_finder.valley([start_lr, end_lr], [1.0, 0.5])
''', r"lrlab\.train\.finder\.valley"),
    "smooth_losses": ('''
from lrlab.course.exercises.lesson04 import _ema


def smooth_losses(losses, beta):
    return _ema(losses, beta)
''', r"lrlab\.course\.exercises\.lesson04\._ema"),
    "stop_index": ('''
from lrlab.course.exercises import lesson04 as _b_checks


def stop_index(losses, factor=4.0):
    return _b_checks._want_stop([float(x) for x in losses], factor)
''', r"lrlab\.course\.exercises\.lesson04\._want_stop"),
    # lesson 05
    "step_decay_lr": ('''
from lrlab.optim import schedules as _b_s


def step_decay_lr(step, lr0, step_size, gamma):
    return _b_s.step_decay(lr0, step_size=step_size, gamma=gamma)(step)
''', r"lrlab\.optim\.schedules\.step_decay"),
    "cosine_lr": ('''
from lrlab.optim.schedules import cosine_annealing as _b_cos

cosine_lr = lambda step, lr_max, T_max, eta_min=0.0: _b_cos(lr_max, T_max=T_max, eta_min=eta_min)(step)
''', r"lrlab\.optim\.schedules\.cosine_annealing"),
    "warmup_then": (_DIG.format(module="lesson05") + '''

def warmup_then(schedule_fn, warmup_steps):
    reference = _b_dig(_b_checks.check_warmup, "warmup_reference")
    return lambda step: reference(schedule_fn, warmup_steps, step)
''', r"lrlab\.course\.exercises\.lesson05\.check_warmup\.<locals>\.warmup_reference"),
    # lesson 06
    "momentum_step": (_DIG.format(module="lesson06") + '''

def momentum_step(x, grad, buf, lr, momentum, nesterov=False):
    return _b_dig(_b_checks.check_momentum_step, "momentum_reference")(x, grad, buf, lr, momentum, nesterov)
''', r"lrlab\.course\.exercises\.lesson06\.check_momentum_step\.<locals>\.momentum_reference"),
    "adam_step": ('''
from lrlab.optim.optimizers import Adam as _B_Adam


def adam_step(x, grad, m, v, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    opt = _B_Adam(lr=lr, betas=betas, eps=eps)
    return opt.step(x, grad), m, v
''', r"lrlab\.optim\.optimizers\.(Adam|Optimizer)\."),
    "zone_width": ('''
from lrlab.studies import sensitivity


def zone_width(lrs, losses, factor=2.0):
    return sensitivity.goldilocks_zone(lrs, losses, factor).width
''', r"lrlab\.studies\.sensitivity\.goldilocks_zone"),
    # lesson 07
    "plateau_cuts": (_DIG.format(module="lesson07") + '''

def plateau_cuts(losses, patience, threshold=1e-4):
    return _b_dig(_b_checks.check_plateau_cuts, "plateau_reference")(losses, patience, threshold)
''', r"lrlab\.course\.exercises\.lesson07\.check_plateau_cuts\.<locals>\.plateau_reference"),
    # lesson 08
    "tune": ('''
from lrlab.course.exercises.lesson08 import fixed_rate_tune as _b_recipe


def tune(problem, budget):
    return _b_recipe(0.05)(problem, budget)
''', r"lrlab\.course\.exercises\.lesson08\.fixed_rate_tune"),
    "hvp_central": (_DIG.format(module="lesson08") + '''

def hvp_central(grad, theta, v, eps=1e-4):
    return _b_dig(_b_checks.check_hvp, "hvp_reference")(grad, theta, v, eps)
''', r"lrlab\.course\.exercises\.lesson08\.check_hvp\.<locals>\.hvp_reference"),
    "top_eigenvalue": ('''
from lrlab.train.curvature import power_iteration as _b_power


def top_eigenvalue(hvp, dim, tol=1e-8, max_iters=1000, seed=0):
    return _b_power(hvp, dim, tol=tol, iters=max_iters, seed=seed)[0]
''', r"lrlab\.train\.curvature\.power_iteration"),
    # lesson 09
    "wsd_lr": ('''
import functools as _b_functools

from lrlab.optim import schedules as _b_sched


def wsd_lr(step, peak, total_steps, warmup_steps, decay_steps, shape="1-sqrt"):
    schedule = _b_functools.partial(_b_sched.wsd, decay_shape=shape)
    return schedule(peak, total_steps, warmup_steps, decay_steps)(step)
''', r"lrlab\.optim\.schedules\.wsd"),
    "schedule_free_step": (_DIG.format(module="lesson09") + '''

def schedule_free_step(x, z, grad, lr, beta, t):
    return _b_dig(_b_checks.check_schedule_free_step, "schedule_free_reference")(x, z, grad, lr, beta, t)
''', r"lrlab\.course\.exercises\.lesson09\.check_schedule_free_step\.<locals>\.schedule_free_reference"),
    "mup_adam_lr": ('''
import lrlab.problems.digits as _b_nets


def mup_adam_lr(lr, layer, width, base_width):
    scales = getattr(_b_nets, "mup_scales")((64, width, width, 10), (64, base_width, base_width, 10))
    return lr * scales[{"input": "W1", "hidden": "W2", "output": "W3", "bias": "b2"}[layer]][1]
''', r"lrlab\.problems\.digits\.mup_scales"),
}
