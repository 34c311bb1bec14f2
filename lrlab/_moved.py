"""The module names lrlab had before its layers (until December 2026), kept working in one place.

Learners keep their ``my-work/`` notebooks all term, and a notebook written against
``from lrlab import plots`` or ``lrlab.exercises.lesson02`` must still run after a ``git pull``.
Every old name resolves to the *same* module object as its new path (so identity checks and
``isinstance`` agree), by attribute (``lrlab.plots``), by ``from lrlab import plots`` and by
``import lrlab.plots`` / ``from lrlab.exercises.lesson02 import ...``. The first use of an old name
in a process warns once (a :class:`FutureWarning`, which Python and Jupyter show by default),
naming its new path and where every other module went; later uses are silent.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import re
import sys
import warnings

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

#: old name (under ``lrlab.``) -> new path (under ``lrlab.``)
MOVED = {
    "optimizers": "optim.optimizers", "schedules": "optim.schedules",
    "engine": "train.engine", "batched": "train.batched", "finder": "train.finder",
    "curvature": "train.curvature", "theory": "train.theory", "diagnosis": "train.diagnosis",
    "shower": "studies.shower", "sensitivity": "studies.sensitivity", "mistakes": "studies.mistakes",
    "stability": "studies.stability", "tuning": "studies.tuning", "article": "studies.article",
    "article_finder": "studies.article_finder",
    "checks": "course.checks", "selfcheck": "course.selfcheck", "exercises": "course.exercises",
    "plots": "course.plots", "widgets": "course.widgets",
}

_warned = False


def new_path(fullname: str) -> str | None:
    """``"lrlab.exercises.lesson02"`` -> ``"lrlab.course.exercises.lesson02"``; None for a name that did not move."""
    parts = fullname.split(".")
    if len(parts) < 2 or parts[0] != "lrlab" or parts[1] not in MOVED:
        return None
    return ".".join(["lrlab", MOVED[parts[1]], *parts[2:]])


def _where_everything_went() -> str:
    by_layer: dict[str, list[str]] = {}
    for old, new in MOVED.items():
        by_layer.setdefault(new.split(".")[0], []).append(old)
    return "; ".join(f"{', '.join(olds)} -> lrlab.{layer}" for layer, olds in by_layer.items())


def warn_once(old: str, new: str) -> None:
    global _warned
    if _warned:
        return
    _warned = True
    warnings.warn(f"{old} is now {new}. lrlab's modules moved into layers ({_where_everything_went()}); "
                  "the old names keep working, update your imports when you can.", FutureWarning,
                  stacklevel=_first_frame_outside())


def _first_frame_outside() -> int:
    """The stack level of the code that used the old name (past lrlab's frames and the import machinery)."""
    frame, level = sys._getframe(1), 1
    while frame is not None:
        name = frame.f_code.co_filename
        if "importlib" in name and "_bootstrap" in name:
            frame = frame.f_back  # warnings.warn does not count the import machinery's frames either
            continue
        if not name.startswith(_PACKAGE_DIR):
            break
        frame, level = frame.f_back, level + 1
    return level


def load(fullname: str):
    """The module an old name stands for (imported if needed), after the one-time warning."""
    new = new_path(fullname)
    module = importlib.import_module(new)
    warn_once(fullname, new)
    return module


class _OldNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers ``import lrlab.<old>[.sub]`` with the module already living at the new path."""

    def find_spec(self, fullname, path=None, target=None):
        if new_path(fullname) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        return load(spec.name)

    def exec_module(self, module):
        pass  # the module was executed under its new name


def install() -> None:
    # First in line: otherwise the path finder would load lrlab/course/exercises/lesson02.py a second
    # time, as a different module object, for the old name lrlab.exercises.lesson02.
    if not any(isinstance(f, _OldNames) for f in sys.meta_path):
        sys.meta_path.insert(0, _OldNames())


_FROM_LRLAB = re.compile(r"^(?P<indent>[ \t]*)from lrlab import (?P<names>[^()#\n]+?)[ \t]*$")
_OLD_DOTTED = re.compile(r"\blrlab\.(" + "|".join(sorted(MOVED, key=len, reverse=True)) + r")\b")


def modernize(source: str) -> str:
    """``source`` with every old module name replaced by its new path, as the course's own cells were.

    The release after the move rewrote each read-only cell exactly this way, so a learner's untouched
    copy of an old cell modernizes to the new release's cell: the self-check and ``lrlab grade`` use
    this to tell an old copy from an edited one. ``from lrlab import a, b`` is split into one line
    per layer (layers in alphabetical order, names sorted); dotted names are replaced in place.
    """
    lines = []
    for line in source.split("\n"):
        m = _FROM_LRLAB.match(line)
        if m and any(name.split()[0] in MOVED for name in m["names"].split(",") if name.strip()):
            groups: dict[str, list[str]] = {}
            for item in (i.strip() for i in m["names"].split(",") if i.strip()):
                name = item.split()[0]
                package = "lrlab." + MOVED[name].rsplit(".", 1)[0] if name in MOVED else "lrlab"
                groups.setdefault(package, []).append(item)
            lines += [f"{m['indent']}from {package} import {', '.join(sorted(items))}"
                      for package, items in sorted(groups.items())]
        else:
            lines.append(line)
    return _OLD_DOTTED.sub(lambda m: "lrlab." + MOVED[m[1]], "\n".join(lines))
