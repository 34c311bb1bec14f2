"""Objectives to train on: quadratics, Rosenbrock, and digits classifiers."""
from .base import Problem
from .quadratic import Quadratic1D, QuadraticND

__all__ = ["Problem", "Quadratic1D", "QuadraticND"]
