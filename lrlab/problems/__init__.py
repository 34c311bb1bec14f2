"""Objectives to train on: quadratics, Rosenbrock, digits classifiers, and MLPs on other small tables.

May import: the base (``lrlab._validate``, ``lrlab.tables``) only.
"""
from .base import Problem
from .digits import MLP, LogisticRegression, load_digits_split
from .quadratic import Quadratic1D, QuadraticND
from .rosenbrock import Rosenbrock
from .tabular import TabularMLP

__all__ = ["Problem", "Quadratic1D", "QuadraticND", "Rosenbrock", "LogisticRegression", "MLP",
           "load_digits_split", "TabularMLP"]
