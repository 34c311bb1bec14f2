"""One execution of each notebook per test run, shared by every check that reads it.

Several checks need a lesson executed top to bottom: that no cell raises (what ``--nbval-lax``
checked before), how many figures it draws (the browser test compares the page with it), and so
on. :class:`Executed` runs a notebook once per test run, keyed by the notebook's content and the
folder it runs in, and hands every later caller the same executed copy. The copies live in a
folder of the run's pytest temporary directory that every pytest-xdist worker of the run shares;
a file lock per notebook makes a second worker wait for the first one's result instead of
executing it again. Each caller gets its own deep copy.
"""
from __future__ import annotations

import copy
import fcntl
import hashlib
import json
import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

TIMEOUT = 300  # seconds per cell; a lesson's slowest cell takes a few seconds


def first_error(nb):
    """(index, error output) of the first cell that shows an error, or (None, None)."""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                return i, out
    return None, None


def execute(nb, cwd: Path, *, stop_at_error: bool):
    """Execute ``nb`` in place in a fresh kernel started in ``cwd``; with ``stop_at_error`` stop after the first error."""
    client = NotebookClient(nb, kernel_name="python3", timeout=TIMEOUT, allow_errors=not stop_at_error,
                            resources={"metadata": {"path": str(cwd)}})
    try:
        client.execute()
    except CellExecutionError:  # the failing cell keeps its error output; nothing after it ran
        if not stop_at_error:
            raise
    return nb


class Executed:
    """Executed notebooks of this test run, in ``folder`` (shared by the xdist workers of the run)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.executions = 0  # how many notebooks this process executed itself (the rest were shared)

    @staticmethod
    def key(nb, cwd: Path, stop_at_error: bool) -> str:
        text = json.dumps([nbformat.writes(nb), str(cwd), stop_at_error])
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def run(self, nb_or_path, cwd: Path | None = None, *, stop_at_error: bool = False):
        """The executed copy of a notebook (a path, run in its folder, or a notebook object and ``cwd``)."""
        if isinstance(nb_or_path, (str, os.PathLike)):
            path = Path(nb_or_path)
            nb = nbformat.read(path, as_version=4)
            cwd = path.parent if cwd is None else cwd
        else:
            nb = copy.deepcopy(nb_or_path)
            if cwd is None:
                raise TypeError("cwd is needed with a notebook object")
        target = self.folder / f"{self.key(nb, Path(cwd), stop_at_error)}.ipynb"
        with open(target.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not target.exists():
                execute(nb, Path(cwd), stop_at_error=stop_at_error)
                self.executions += 1
                tmp = target.with_suffix(".tmp")
                nbformat.write(nb, tmp)
                os.replace(tmp, target)
        return nbformat.read(target, as_version=4)
