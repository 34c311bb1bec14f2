"""Submodules imported on first attribute access, so ``lrlab.train.engine`` works after ``import lrlab``."""
from __future__ import annotations

import importlib
import importlib.util


def submodule(package: str, name: str):
    """``package.name`` imported (the body of a package's module-level ``__getattr__``)."""
    if not name.startswith("_") and importlib.util.find_spec(f"{package}.{name}") is not None:
        return importlib.import_module(f"{package}.{name}")
    raise AttributeError(f"module {package!r} has no attribute {name!r}")
