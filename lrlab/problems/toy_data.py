"""scikit-learn's bundled toy datasets (digits, wine, breast cancer), read without importing scikit-learn.

The lessons need three small CSV files that ship inside scikit-learn, but ``import sklearn`` loads
scipy and its array-API layer first: 1.5-3 s of CPU in every kernel that trains on the digits, and the
course's tests start a few hundred of them. :func:`load` finds the files where scikit-learn keeps them
(``sklearn/datasets/data/``, located without importing the package) and parses them the way
``sklearn.datasets.load_digits`` / ``load_wine`` / ``load_breast_cancer`` do, so the arrays are the same
bit for bit (``tests/test_problems.py`` compares them). Where a file is not there (another layout of
scikit-learn), it falls back to scikit-learn's own loader.

>>> X, y = load("load_digits")
>>> X.shape, y.shape, float(X.max()), int(y[:10].sum())
((1797, 64), (1797,), 16.0, 45)
"""
from __future__ import annotations

import csv
import gzip
import importlib
import importlib.util
from pathlib import Path

import numpy as np

#: scikit-learn's loader -> (its data file in sklearn/datasets/data/, how that file is written)
FILES = {"load_digits": ("digits.csv.gz", "gzip"), "load_wine": ("wine_data.csv", "header"),
         "load_breast_cancer": ("breast_cancer.csv", "header")}


def data_file(name: str) -> Path | None:
    """Where scikit-learn keeps its data file ``name``, or None (found without importing scikit-learn)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / name
    return path if path.is_file() else None


def load(loader: str) -> tuple[np.ndarray, np.ndarray]:
    """``(data, target)`` as ``sklearn.datasets.<loader>()`` gives them (float64 features, int labels)."""
    if loader not in FILES:
        raise ValueError(f"loader must be one of {', '.join(map(repr, FILES))}, got {loader!r}")
    name, layout = FILES[loader]
    path = data_file(name)
    if path is None:
        bunch = getattr(importlib.import_module("sklearn.datasets"), loader)()
        return bunch.data, bunch.target
    if layout == "gzip":  # sklearn: np.loadtxt of the gzip text, the last column is the label
        with gzip.open(path, mode="rt", encoding="utf-8") as f:
            table = np.loadtxt(f, delimiter=",")
        return table[:, :-1], table[:, -1].astype(int, copy=False)
    with open(path, encoding="utf-8") as f:  # sklearn's load_csv_data: "n_samples,n_features,names..." first
        rows = csv.reader(f)
        head = next(rows)
        n_samples, n_features = int(head[0]), int(head[1])
        data = np.empty((n_samples, n_features))
        target = np.empty((n_samples,), dtype=int)
        for i, row in enumerate(rows):
            data[i] = np.asarray(row[:-1], dtype=np.float64)
            target[i] = np.asarray(row[-1], dtype=int)
    return data, target
