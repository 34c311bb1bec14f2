"""A lesson's studies computed once before its class is graded, instead of once per student.

Every student's notebook runs the lesson's teaching cells, and in lessons 05-09 those train
hundreds of networks: the same seeded runs, the same bits, for every student. ``lrlab._cache``
keeps such results; here the grader fills it for a lesson by executing the instructor's own
notebook once (the teaching cells and the instructor's answers; every autograder test cell is left
out, so nothing of a hidden test is ever computed into the cache), in a separate process with a
kernel of the grader's Python, outside the sandbox: it is the instructor's code, which
``course.py generate`` and nbgrader treat the same way.

The students' kernels never see the folder: ``lrlab grade``'s kernel template (``zygote``) loads
the results into memory before it forks each confined kernel, and a kernel reads them there. A
student's call is served from it only when it is the same call (same lrlab source, same function,
same argument values) and only outside checks (``lrlab._cache``): points are always computed.

Run per lesson: ``python -m lrlab.grading.prefill NOTEBOOK FOLDER CACHE``. Set
``LRLAB_STUDY_CACHE=`` (empty) for ``lrlab grade`` to skip it: every student's kernel computes everything;
``LRLAB_STUDY_CACHE=<folder>`` to keep the results there for the next run (it then reads them back).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

#: a lesson is prefilled when at least this many of its submissions are to be graded (one student
#: gains nothing from a run made for them alone)
MIN_STUDENTS = 3
NO_FIGURES = "%config InlineBackend.figure_formats = set()"


def wanted() -> bool:
    """False when ``LRLAB_STUDY_CACHE`` is set to an empty value: every kernel computes everything."""
    from lrlab import _cache

    return os.environ.get(_cache.ENV, None) != ""


def folder(scratch: Path) -> Path:
    """Where the run keeps its studies: ``LRLAB_STUDY_CACHE`` when it names a folder (results kept there
    by earlier runs or other tools are read, not computed again), else a folder of the run's scratch."""
    from lrlab import _cache

    return _cache.folder() or Path(scratch) / "study-cache"


def teaching_copy(nb):
    """``nb`` without its autograder test cells, drawing no figure."""
    from .lesson import cell_kind

    nb = nbformat.from_dict(nb)
    nb.cells = [c for c in nb.cells if cell_kind(c) != "test"]
    nb.cells.insert(0, nbformat.v4.new_code_cell(NO_FIGURES))
    return nb


def run(lessons: dict, cache: Path, scratch: Path, *, workers: int, notebook_timeout: float,
        log=lambda msg: None, should_stop=lambda: False) -> dict:
    """Prefill ``cache`` for ``lessons`` ({name: source folder}), ``workers`` lessons at a time.

    Each lesson has ``notebook_timeout`` seconds in all, and no limit per cell (the students' cell
    limit is for their code; a study cell of a loaded machine may take longer than it here, and the
    prefill is not a student). Returns {name: (seconds, exit status)}; a lesson that fails or runs
    out of time is logged and simply not (fully) prefilled: its students compute what is missing.
    """
    from lrlab import _cache

    if not cache.is_dir():
        cache.mkdir(parents=True)
        os.chmod(cache, 0o700)
    env = dict(os.environ, **{_cache.ENV: str(cache), "PYTHONUNBUFFERED": "1"})
    waiting = list(lessons.items())
    running: dict[str, tuple] = {}
    done = {}
    while (waiting or running) and not should_stop():
        while waiting and len(running) < max(1, workers):
            name, source = waiting.pop(0)
            folder = Path(scratch) / "prefill" / name
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(source, folder, ignore=shutil.ignore_patterns("*.ipynb", ".*", "__pycache__"))
            nb = teaching_copy(nbformat.read(Path(source) / f"{name}.ipynb", as_version=4))
            nbformat.write(nb, folder / f"{name}.ipynb")
            out = open(folder / "prefill.log", "w")
            proc = subprocess.Popen([sys.executable, "-m", "lrlab.grading.prefill", str(folder / f"{name}.ipynb"),
                                     str(folder), str(cache)],
                                    stdout=out, stderr=subprocess.STDOUT, env=env, cwd=folder)
            running[name] = (proc, time.monotonic(), out)
        time.sleep(0.2)
        for name, (proc, t0, out) in list(running.items()):
            if proc.poll() is None and time.monotonic() - t0 < notebook_timeout:
                continue
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            out.close()
            seconds = time.monotonic() - t0
            done[name] = (seconds, proc.returncode)
            del running[name]
            if proc.returncode:
                tail = (Path(scratch) / "prefill" / name / "prefill.log").read_text(errors="replace")[-500:]
                log(f"prefill of {name}: exit {proc.returncode} after {seconds:.0f} s; its students compute "
                    f"what is missing: {tail}")
            else:
                log(f"prefill of {name}: {seconds:.1f} s")
    for proc, _, out in running.values():  # stopped
        proc.kill()
        proc.wait()
        out.close()
    return done


def main(argv) -> int:
    notebook, folder, cache = argv
    from nbclient import NotebookClient

    from lrlab import _cache

    os.environ[_cache.ENV] = cache
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=None, allow_errors=True,
                            resources={"metadata": {"path": folder}})
    client.execute()
    failed = [i for i, c in enumerate(nb.cells) for o in c.get("outputs", []) if o.output_type == "error"]
    print(f"executed {len(nb.cells)} cells; cells that raised: {failed or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
