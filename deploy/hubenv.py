"""The course environment for user servers on a hub: a virtual environment every Linux user can run.

A JupyterHub that spawns servers as real Linux users needs a Python those
users may execute. The course's own ``.venv`` is built from whatever
``python3`` ran ``course.py`` — often one inside a home directory that other
users cannot enter — so the hub gets its own environment, built from the
system's Python (``/usr/bin/python3``) in a world-readable place:

    /opt/lrlab-hub/env-<key>/      key = sha256(pyproject.toml, Python version)[:12]

It holds the course (installed, not editable, so it does not depend on where
the repository lives), JupyterHub and the proxy, at the versions
``pyproject.toml`` allows. It is built once (1–3 minutes) and reused while
``pyproject.toml`` is unchanged; when only the ``lrlab`` sources changed, the
package alone is reinstalled (seconds). Standard library only: this runs
before any environment exists.

    >>> key(Path(__file__).resolve().parents[1], "3.11.2") == key(Path(__file__).resolve().parents[1], "3.11.2")
    True
"""
from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")
DEFAULT_BASE = Path(os.environ.get("LRLAB_HUB_ENV_DIR", "/opt/lrlab-hub"))
DEPS_STAMP = ".lrlab-deps"
SRC_STAMP = ".lrlab-src"
HUB_PACKAGES = ("jupyterhub", "configurable-http-proxy")


def _python_version(python: Path) -> str:
    out = subprocess.run([str(python), "-c", "import sys; print(sys.version.split()[0])"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def key(root: Path, python_version: str) -> str:
    """What the environment's dependencies depend on: pyproject.toml and the Python version."""
    digest = hashlib.sha256((Path(root) / "pyproject.toml").read_bytes())
    digest.update(python_version.encode())
    return digest.hexdigest()[:12]


def source_key(root: Path) -> str:
    """A hash of the package sources (``lrlab/**/*.py``) and pyproject.toml."""
    root = Path(root)
    digest = hashlib.sha256((root / "pyproject.toml").read_bytes())
    for path in sorted((root / "lrlab").rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def hub_requirements(root: Path) -> list[str]:
    """The JupyterHub and proxy requirements exactly as pyproject.toml's test extra pins them."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        text = (Path(root) / "pyproject.toml").read_text()
        found = re.findall(r'"((?:jupyterhub|configurable-http-proxy)[^"]*)"', text)
    else:
        project = tomllib.loads((Path(root) / "pyproject.toml").read_text())["project"]
        found = [r for r in project["optional-dependencies"]["test"]
                 if re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0].lower() in HUB_PACKAGES]
    if len(found) != len(HUB_PACKAGES):
        raise RuntimeError(f"pyproject.toml's test extra must list {', '.join(HUB_PACKAGES)}; found {found}")
    return found


def _stage_source(root: Path, into: Path) -> Path:
    """A copy of what pip needs to build the course (so no build files land in the repository)."""
    stage = into / "lrlab-src"
    stage.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(root / name, stage / name)
    shutil.copytree(root / "lrlab", stage / "lrlab", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return stage


def _pip(env: Path, *args: str, log) -> None:
    cmd = [str(env / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q", *args]
    log("  " + " ".join(cmd[3:]))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"pip failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def _course(root: Path):
    """The repository's ``course.py`` as a module (its setup rules apply to the hub environment too)."""
    spec = importlib.util.spec_from_file_location("lrlab_course_setup", root / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure(root: Path = ROOT, base: Path = DEFAULT_BASE, python: Path = SYSTEM_PYTHON,
           log=lambda msg: print(f"[hub] {msg}", flush=True)) -> Path:
    """Build or reuse the hub environment for the course in ``root``; return its folder.

    Safe to call from several processes at once (a file lock serialises them).
    """
    root, base = Path(root).resolve(), Path(base)
    if not python.exists():
        raise RuntimeError(f"{python} is missing: the hub environment is built from the system's Python 3 "
                           f"(Debian/Ubuntu: apt-get install python3 python3-venv)")
    old_umask = os.umask(0o022)  # everything in the environment readable by every user
    try:
        base.mkdir(parents=True, exist_ok=True)
        os.chmod(base, 0o755)
        env = base / f"env-{key(root, _python_version(python))}"
        with open(base / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _build(root, base, env, python, log)
            lab_settings(env)
        return env
    finally:
        os.umask(old_umask)


def lab_settings(env: Path) -> Path:
    """JupyterLab defaults for a classroom (``deploy/lab-overrides.json``): no news pop-up, no update check.

    Goes to ``<env>/share/jupyter/lab/settings/overrides.d/`` — on TLJH that is
    ``/opt/tljh/user/share/jupyter/lab/settings/overrides.d/``.
    """
    target = env / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "lrlab.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(__file__).resolve().parent / "lab-overrides.json", target)
    return target


def _build(root: Path, base: Path, env: Path, python: Path, log) -> None:
    wanted_src = source_key(root)
    deps_ok = (env / DEPS_STAMP).is_file() and (env / "bin" / "jupyterhub-singleuser").exists()
    src_ok = deps_ok and (env / SRC_STAMP).is_file() and (env / SRC_STAMP).read_text().strip() == wanted_src
    if src_ok:
        return
    with tempfile.TemporaryDirectory(prefix="lrlab-hubenv-") as tmp:
        stage = _stage_source(root, Path(tmp))
        if not deps_ok:
            log(f"building the hub environment {env} from {python} (one time, 1-3 minutes)")
            subprocess.run([str(python), "-m", "venv", "--clear", str(env)], check=True)
            _pip(env, str(stage), *hub_requirements(root), log=log)
            (env / DEPS_STAMP).write_text(key(root, _python_version(python)) + "\n")
            for old in base.glob("env-*"):  # environments of older pyproject.toml versions
                if old != env and (old / DEPS_STAMP).is_file():
                    log(f"removing the outdated hub environment {old}")
                    shutil.rmtree(old, ignore_errors=True)
        else:
            log(f"updating lrlab in the hub environment {env}")
            _pip(env, "--no-deps", "--force-reinstall", str(stage), log=log)
        _course(root).drop_slow_imports(env / "bin" / "python")
    (env / SRC_STAMP).write_text(wanted_src + "\n")


if __name__ == "__main__":
    print(ensure())
    sys.exit(0)
