"""The recorded references, made again from the packages themselves where those are installed.

lrlab is compared with torch, ``schedulefree`` and ``mup`` through trajectories recorded in
``tests/fixtures/*.json`` (``test_optimizers.py``, ``test_schedules.py``, ``test_problems.py``,
``test_schedulefree.py``, ``test_mup.py``): the course's environment has no torch. Where torch is
installed, this module runs each ``tests/fixtures/make_*.py`` again into a temporary folder and checks
that it gives the recorded numbers (to 1e-12), so the comparisons above stand on what the packages
compute today, not on a file nobody can re-make. Without torch (or ``schedulefree``, ``mup``) its tests
are skipped, saying which package is missing. To run them::

    python3 -m venv /tmp/refs && /tmp/refs/bin/pip install -e ".[test]" torch schedulefree mup
    /tmp/refs/bin/python -m pytest tests/test_references_live.py
"""
from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
TOL = 1e-12

#: maker -> (the fixture it writes, the packages it imports beyond numpy and lrlab)
MAKERS = {
    "make_torch_optimizers.py": ("torch_optimizers.json", ("torch",)),
    "make_torch_schedules.py": ("torch_schedules.json", ("torch",)),
    "make_torch_mlp.py": ("torch_mlp.json", ("torch",)),
    "make_schedulefree.py": ("schedulefree.json", ("torch", "schedulefree")),
    "make_mup.py": ("mup.json", ("torch", "mup")),
}


def differences(made, recorded, where="") -> list[str]:
    """Where two decoded JSON trees differ: numbers beyond TOL (absolute and relative), anything else exactly.

    Keys ending in ``_version`` are not compared (a newer package may make the same numbers).
    """
    if isinstance(made, dict) and isinstance(recorded, dict):
        if set(made) != set(recorded):
            return [f"{where or 'top'}: keys {sorted(set(made) ^ set(recorded))} in one file only"]
        return [d for k in made if not k.endswith("_version")
                for d in differences(made[k], recorded[k], f"{where}/{k}")]
    if isinstance(made, list) and isinstance(recorded, list):
        if len(made) != len(recorded):
            return [f"{where}: {len(made)} items made, {len(recorded)} recorded"]
        return [d for i, (a, b) in enumerate(zip(made, recorded)) for d in differences(a, b, f"{where}[{i}]")]
    numbers = (int, float)
    if isinstance(made, numbers) and isinstance(recorded, numbers) and not isinstance(made, bool):
        if math.isclose(made, recorded, rel_tol=TOL, abs_tol=TOL) or (math.isnan(made) and math.isnan(recorded)):
            return []
        return [f"{where}: made {made!r}, recorded {recorded!r}"]
    return [] if made == recorded else [f"{where}: made {made!r}, recorded {recorded!r}"]


def test_differences_names_what_differs_and_ignores_versions():
    recorded = {"torch_version": "2.13.0", "cases": {"a": [1.0, 2.0], "b": "x"}}
    assert differences({"torch_version": "2.14.0", "cases": {"a": [1.0 + 1e-14, 2.0], "b": "x"}}, recorded) == []
    assert differences({"torch_version": "2.13.0", "cases": {"a": [1.0, 2.001], "b": "x"}}, recorded) == [
        "/cases/a[1]: made 2.001, recorded 2.0"]
    assert differences({"cases": {"a": [1.0], "b": "y"}, "torch_version": ""}, recorded) == [
        "/cases/a: 1 items made, 2 recorded", "/cases/b: made 'y', recorded 'x'"]
    assert differences({"cases": {}}, {"cases": {"a": 1}}) == ["/cases: keys ['a'] in one file only"]


@pytest.mark.slow
@pytest.mark.parametrize("maker", sorted(MAKERS))
def test_each_fixture_is_what_its_package_computes(maker, tmp_path, monkeypatch, capsys):
    fixture, packages = MAKERS[maker]
    for package in packages:
        pytest.importorskip(package, reason=f"{maker} needs {package}, which is not installed here")
    spec = importlib.util.spec_from_file_location(f"_live_{maker[:-3]}", FIXTURES / maker)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setattr(sys, "path", list(sys.path))  # make_torch_mlp.py puts the repository first
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "torchinductor"))  # not /tmp/torchinductor_<user>
    spec.loader.exec_module(module)
    if hasattr(module, "OUT"):
        monkeypatch.setattr(module, "OUT", tmp_path / fixture)
    else:  # make_torch_mlp.py writes next to HERE
        monkeypatch.setattr(module, "HERE", tmp_path)
    module.main()
    made = json.loads((tmp_path / fixture).read_text())
    recorded = json.loads((FIXTURES / fixture).read_text())
    found = differences(made, recorded)
    assert not found, f"{maker} no longer makes {fixture} ({len(found)} differences), first ones:\n" + "\n".join(
        found[:10])
