#!/usr/bin/env python3
"""The course's two commands. Needs only Python >= 3.11; sets itself up on first use.

    python3 course.py lab     open the course in JupyterLab
    python3 course.py test    run the whole test suite (extra arguments go to pytest)

For instructors:

    python3 course.py generate [LESSON ...]   regenerate notebooks/ from solutions/
    python3 course.py book [--edition public|instructor|all]   build the course website
    python3 course.py grade SUBMISSIONS [--lesson NAME]   grade a class (same as .venv/bin/lrlab grade)
    sudo python3 course.py hub --students N   try the course on a JupyterHub on this machine

For students, before handing a lesson in:

    python3 course.py check [NOTEBOOK ...]    run your notebook's visible tests in a fresh kernel
                                             (default: every lesson in my-work/)

Both create a virtual environment in ``.venv/`` next to this file and install
the course into it the first time (and again whenever ``pyproject.toml`` or the
Python running this file changes; ``LRLAB_VENV=DIR`` puts it elsewhere, e.g. one
per Python version). ``lab`` copies the student notebooks into ``my-work/`` (lessons you
already have there are never touched) and opens JupyterLab on that folder.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

#: nbgrader 0.9.6, which grades the course, is published for Python 3.11 and newer only
MIN_PYTHON = (3, 11)


def python_too_old(version=sys.version_info) -> str | None:
    """What to tell someone running this file with a Python older than ``MIN_PYTHON`` (None if it is fine)."""
    if tuple(version[:2]) >= MIN_PYTHON:
        return None
    need = ".".join(map(str, MIN_PYTHON))
    have = ".".join(map(str, version[:3]))
    return (f"[course] lrlab needs Python {need} or newer; this is Python {have} ({sys.executable}).\n"
            f"[course] nbgrader 0.9.6, which grades the lessons, is not published for older Pythons.\n"
            f"[course] Install Python {need}+ (Debian/Ubuntu: apt-get install python3; pyenv: pyenv install "
            f"{need}; conda: conda env create -f environment.yml) and run this file with it, e.g. "
            f"python{need} course.py lab")


ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("LRLAB_VENV") or ROOT / ".venv").resolve()
STAMP = VENV / ".lrlab-installed"
#: the Jupyter config folder of ``lab``: what a learner on their own computer gets
LEARNER_CONFIG = ROOT / "deploy" / "config" / "learner"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def say(msg: str) -> None:
    print(f"[course] {msg}", flush=True)


def setup() -> None:
    """Create .venv and install the course with its test tools, unless already current.

    Also puts .venv's bin folder first on PATH for the commands started from here
    (nbgrader, for one, runs ``alembic`` by name).
    """
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    too_old = python_too_old()
    if too_old:
        sys.exit(too_old)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + sys.version.encode()
                            + " ".join(SLOW_TO_IMPORT).encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted and PY.exists():
        return
    if not PY.exists():
        say(f"creating a virtual environment in {VENV} (one time)")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    say("installing the course and its tools into .venv (1-3 minutes the first time)")
    cmd = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", f"{ROOT}[test]"]
    if subprocess.call(cmd, cwd=ROOT) != 0:
        sys.exit("[course] pip install failed; see the messages above")
    drop_slow_imports(PY)
    compile_sources(PY, ROOT / "lrlab")
    STAMP.write_text(wanted + "\n")


#: Installed by jsonschema's "format-nongpl" extra (nbformat, jupyter-events) and imported by every process
#: that imports jsonschema, though no Jupyter schema uses the "iri" format it checks: it builds ~35 Earley
#: parsers at import, 3 s of CPU per process here (jsonschema issues #1392 and #1428). Without it jsonschema
#: skips that one format; `pip check` stays clean.
SLOW_TO_IMPORT = ("rfc3987-syntax", "lark")


def drop_slow_imports(python) -> None:
    """Uninstall :data:`SLOW_TO_IMPORT` from the environment of ``python`` (no-op when absent)."""
    subprocess.call([str(python), "-m", "pip", "uninstall", "--disable-pip-version-check", "-y", "-q",
                     *SLOW_TO_IMPORT], cwd=ROOT, stderr=subprocess.DEVNULL)


def compile_sources(python, folder: Path) -> None:
    """Byte-compile the ``.py`` files under ``folder`` for ``python`` (into ``__pycache__``, both cores).

    pip compiles what it installs, but ``lrlab`` is installed editable: its modules are compiled when
    first imported, and only where writing bytecode is allowed. Grading kernels never write it
    (``PYTHONDONTWRITEBYTECODE``, ``lrlab/grading/kernels.py``), nor does any process where that variable
    is set for the whole machine (it is, on this project's CI machines): without this, every kernel and
    test process compiled lrlab's modules again, about 1 s of CPU for a process that imports most of them.
    """
    subprocess.call([str(python), "-m", "compileall", "-q", "-j", "0", str(folder)], cwd=ROOT,
                    stdout=subprocess.DEVNULL)


def copy_lessons(work: Path) -> None:
    """Copy each lesson folder of notebooks/ into ``work`` unless the learner already has it."""
    source = ROOT / "notebooks"
    work.mkdir(parents=True, exist_ok=True)
    if not source.is_dir():
        return
    for lesson in sorted(p for p in source.iterdir() if p.is_dir()):
        target = work / lesson.name
        if target.exists():
            continue
        shutil.copytree(lesson, target)
        say(f"copied {lesson.name} into {work}")


def lab(args: argparse.Namespace, extra: list[str]) -> None:
    setup()
    work = Path(args.work_dir).resolve()
    copy_lessons(work)
    cmd = [str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={work}", "--ip=127.0.0.1",
           f"--port={args.port}"]
    if args.no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    cmd += extra
    # A learner's own JupyterLab: nbgrader's instructor tools (formgrader, Create Assignment, the course
    # and assignment lists, which need an exchange) are switched off; Validate stays (deploy/README.md).
    env = dict(os.environ)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        part for part in (str(LEARNER_CONFIG), os.environ.get("JUPYTER_CONFIG_PATH", "")) if part)
    say("starting JupyterLab: " + " ".join(cmd[1:]))
    sys.stdout.flush()
    os.execve(cmd[0], cmd, env)  # replace this process: its PID is JupyterLab's


def run_instead(cmd: list[str]) -> None:
    """Become ``cmd`` (exec): Ctrl-C then reaches it directly, so ``lrlab grade`` can stop cleanly and
    resume later, and the hub can remove its users, instead of being killed by a waiting parent."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "nt":  # no exec on Windows: wait for it
        sys.exit(subprocess.call(cmd))
    os.execv(cmd[0], cmd)


def lessons() -> list[str]:
    """Lesson folders in solutions/, in course order."""
    return sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())


def generate(names: list[str], root: Path = ROOT) -> int:
    """Regenerate the student notebooks of ``names`` (all lessons by default) with nbgrader.

    Only ``notebooks/`` is written; learners' copies in ``my-work/`` are never touched.
    """
    setup()
    known = lessons()
    for name in names:
        if name not in known:
            sys.exit(f"[course] unknown lesson {name!r}; lessons are: {', '.join(known)}")
    for name in names or known:
        say(f"generating notebooks/{name} from solutions/{name}")
        rc = subprocess.call([str(BIN / "nbgrader"), "generate_assignment", name, "--no-db", "--force",
                              "--log-level=WARN"], cwd=root)
        if rc != 0:
            return rc
    return 0


def test(extra: list[str]) -> int:
    setup()
    # The suite's matrices are small: one BLAS thread per process is faster on a shared machine
    # than threads fighting over the cores (measured 2-4x on the 2-core CI machines).
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    return subprocess.call([str(PY), "-m", "pytest", *extra], cwd=ROOT, env=env)


def main(argv=None) -> int:
    too_old = python_too_old()
    if too_old:
        print(too_old, file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog="python3 course.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_lab = sub.add_parser("lab", help="open the course in JupyterLab (other options go to jupyter lab)")
    p_lab.add_argument("--port", type=int, default=8888, help="port on 127.0.0.1 (default 8888)")
    p_lab.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    p_lab.add_argument("--work-dir", default=str(ROOT / "my-work"),
                       help="where your copies of the lessons live (default: my-work/)")
    sub.add_parser("test", help="run the test suite (other options go to pytest)")
    p_gen = sub.add_parser("generate", help="regenerate notebooks/ from solutions/ (instructors)")
    p_gen.add_argument("lessons", nargs="*", help="lesson folder names (default: all)")
    p_book = sub.add_parser("book", help="build the course website (other options go to book/build.py)")
    p_book.add_argument("--edition", choices=["public", "instructor", "all"], default="public")
    sub.add_parser("check", add_help=False, help="self-check notebooks before submitting (default: every lesson in my-work/)")
    sub.add_parser("grade", add_help=False, help="grade a class: lrlab grade (options: python3 course.py grade --help)")
    sub.add_parser("hub", add_help=False, help="as root: JupyterHub on this machine with an instructor and N students "
                               "(options: python3 course.py hub --help)")
    sub.add_parser("setup", help="only create/update .venv")
    args, extra = parser.parse_known_args(argv)
    if args.command == "lab":
        lab(args, extra)
    elif args.command == "test":
        return test(extra)
    elif args.command == "generate":
        if extra:
            parser.error(f"unknown arguments: {' '.join(extra)}")
        return generate(args.lessons)
    elif args.command == "book":
        setup()
        return subprocess.call([str(PY), str(ROOT / "book" / "build.py"), "--edition", args.edition, *extra],
                               cwd=ROOT)
    elif args.command == "check":
        setup()
        if not extra:
            extra = [str(p) for p in sorted((ROOT / "my-work").glob("*/*.ipynb"))
                     if not p.name.startswith(".")]
            if not extra:
                print("[course] no lesson in my-work/ yet: run `python3 course.py lab` first, "
                      "or give the notebook to check", file=sys.stderr)
                return 2
        run_instead([str(BIN / "lrlab"), "check", *extra])
    elif args.command == "grade":
        setup()
        run_instead([str(BIN / "lrlab"), "grade", *extra])
    elif args.command == "hub":
        # the hub builds its own environment for user servers from the system Python (deploy/hubenv.py)
        run_instead([sys.executable, str(ROOT / "deploy" / "start_hub.py"), *extra])
    else:
        setup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
