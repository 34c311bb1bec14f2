"""The repository around the package: dependency lists agree, the course commands work."""
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_lists = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_lists) == 1, "environment.yml must have exactly one pip: section"
    listed = {r for r in pip_lists[0] if not r.startswith("-e")}
    assert listed == wanted, (f"only in pyproject: {sorted(wanted - listed)}; "
                              f"only in environment.yml: {sorted(listed - wanted)}")
    assert "-e ." in pip_lists[0], "environment.yml must install the course itself (-e .)"
    python = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert python and project["requires-python"].lstrip(">=") in python[0]


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    assert "python3 course.py lab" in readme
    assert "python3 course.py test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^python3 course\.py test\b", ci, re.M), ".ci/run must call the README's test command"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: nbgrader's JupyterLab plugins that ``course.py lab`` switches off (deploy/config/learner/)
LEARNER_HIDES = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                 "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu"}


@pytest.mark.slow
def test_lab_command_serves_jupyterlab_on_loopback(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")]:
        env[var] = str(tmp_path / sub)
    work = tmp_path / "work"
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "course.py"), "lab", "--no-browser", "--port", str(port),
         "--work-dir", str(work), f"--IdentityProvider.token={token}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline, status = time.monotonic() + 120, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/api/status?token={token}"
                with urllib.request.urlopen(url, timeout=2) as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(0.5)
        assert status == 200, f"JupyterLab did not answer; log:\n{(tmp_path / 'lab.log').read_text()[-3000:]}"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=5) as r:
            page = r.read().decode()
        assert "JupyterLab" in page
        # A learner's lab has none of nbgrader's instructor tools, and keeps Validate.
        config = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S)
        disabled = set(json.loads(config.group(1)).get("disabledExtensions", []))
        assert LEARNER_HIDES <= disabled, f"still on in a learner's lab: {sorted(LEARNER_HIDES - disabled)}"
        assert "@jupyter/nbgrader:validate-assignment" not in disabled
        with pytest.raises(urllib.error.HTTPError) as formgrader:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/formgrader/manage_assignments?token={token}", timeout=5)
        assert formgrader.value.code == 404
        # Validate runs the learner's notebook and names the tests that fail (every exercise is still a stub).
        request = urllib.request.Request(f"http://127.0.0.1:{port}/assignments/validate?token={token}", method="POST",
                                         data=b"path=02-three-learning-rates/02-three-learning-rates.ipynb")
        with urllib.request.urlopen(request, timeout=60) as r:
            validated = json.loads(r.read())
        assert validated["success"], validated["value"][-2000:]
        assert validated["value"]["failed"] and "NotImplementedError" in validated["value"]["failed"][0]["error"]
        with pytest.raises(urllib.error.HTTPError) as no_token:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents", timeout=5)
        assert no_token.value.code == 403
        notebooks = ROOT / "notebooks"
        if notebooks.is_dir():
            for lesson in (p for p in notebooks.iterdir() if p.is_dir()):
                assert (work / lesson.name).is_dir(), f"{lesson.name} was not copied into the work folder"
    finally:
        proc.terminate()  # course.py exec()s JupyterLab, so this PID is the server's
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    assert proc.returncode is not None


def test_lab_never_overwrites_a_learners_copy(tmp_path):
    sys.path.insert(0, str(ROOT))
    try:
        import course
    finally:
        sys.path.pop(0)
    source = tmp_path / "src"
    (source / "01-demo").mkdir(parents=True)
    (source / "01-demo" / "01-demo.ipynb").write_text("fresh")
    work = tmp_path / "work"
    (work / "01-demo").mkdir(parents=True)
    (work / "01-demo" / "01-demo.ipynb").write_text("my edits")
    (source / "02-next").mkdir()
    (source / "02-next" / "02-next.ipynb").write_text("new lesson")
    old_root = course.ROOT
    course.ROOT = tmp_path
    (tmp_path / "notebooks").symlink_to(source)
    try:
        course.copy_lessons(work)
    finally:
        course.ROOT = old_root
    assert (work / "01-demo" / "01-demo.ipynb").read_text() == "my edits"
    assert (work / "02-next" / "02-next.ipynb").read_text() == "new lesson"


def test_submodules_are_reachable_from_the_package():
    import lrlab

    assert lrlab.optim.schedules.constant(0.1)(3) == 0.1
    assert lrlab.train.theory.stability_limit(4.0) == 0.5
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        lrlab.nonsense


@pytest.mark.slow
def test_check_command_runs_the_self_check_on_a_notebook(tmp_path):
    """``python3 course.py check NOTEBOOK``: a notebook as handed out is not ready (exit 1), and says why."""
    lesson = "02-three-learning-rates"
    folder = tmp_path / lesson
    folder.mkdir()
    (folder / f"{lesson}.ipynb").write_bytes((ROOT / "notebooks" / lesson / f"{lesson}.ipynb").read_bytes())
    proc = subprocess.run([sys.executable, str(ROOT / "course.py"), "check", str(folder / f"{lesson}.ipynb"),
                           "--release", str(ROOT / "notebooks" / lesson / f"{lesson}.ipynb")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"1 gd_step\s+2\s+not answered yet", proc.stdout), proc.stdout
    assert "Not ready yet" in proc.stdout


@pytest.mark.parametrize("command, usage", [("grade", "usage: lrlab grade"), ("hub", "usage: start_hub.py")])
def test_instructor_commands_hand_their_options_on(command, usage):
    proc = subprocess.run([sys.executable, str(ROOT / "course.py"), command, "--help"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert usage in proc.stdout


def _course_module():
    sys.path.insert(0, str(ROOT))
    try:
        import course
    finally:
        sys.path.pop(0)
    return course


def test_course_py_names_the_python_it_needs_on_an_older_one():
    course = _course_module()
    assert course.python_too_old((3, 11, 0)) is None and course.python_too_old((3, 13, 0)) is None
    said = course.python_too_old((3, 10, 13))
    assert "needs Python 3.11 or newer" in said and "3.10.13" in said and "nbgrader 0.9.6" in said, said
    assert "pyenv install 3.11" in said and "python3.11 course.py" in said, said


def test_the_python_range_is_the_same_in_readme_pyproject_environment_and_course_py():
    course = _course_module()
    need = ".".join(map(str, course.MIN_PYTHON))
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"] == f">={need}"
    assert f"python>={need}" in yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    assert f"You need Python {need} or newer" in (ROOT / "README.md").read_text()


PYENV = Path("/root/.pyenv/versions")


def _older_pythons() -> list[str]:
    """The Pythons 3.7-3.10 this machine has through pyenv (3.7 is the oldest that can read course.py)."""
    try:
        found = [p.name for p in PYENV.iterdir() if (p / "bin" / "python3").exists()]
    except OSError:
        return []
    return sorted(v for v in found if re.fullmatch(r"3\.(7|8|9|10)\.\d+", v))


@pytest.mark.parametrize("version", _older_pythons())
def test_course_py_refuses_an_older_python_with_exit_2_and_no_venv(version, tmp_path):
    """Every Python older than the minimum that this machine has (pyenv) gets the message, not a traceback."""
    python = PYENV / version / "bin" / "python3"
    env = dict(os.environ, LRLAB_VENV=str(tmp_path / "venv"))
    proc = subprocess.run([str(python), str(ROOT / "course.py"), "setup"], capture_output=True, text=True, env=env,
                          timeout=60)
    assert proc.returncode == 2 and "needs Python 3.11 or newer" in proc.stderr, (proc.returncode, proc.stderr)
    assert not (tmp_path / "venv").exists()


def test_the_course_environment_does_not_build_iri_parsers_at_every_import():
    """course.py setup uninstalls what jsonschema imports at start-up but no Jupyter schema uses
    (course.SLOW_TO_IMPORT): every process that imports nbformat would pay for it (3 s of CPU here)."""
    probe = ("import sys, nbformat, jsonschema; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rfc3987_syntax', 'lark')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"still imported: {out.stdout}"
    check = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_setup_compiles_sources_for_the_environments_python(tmp_path):
    """course.compile_sources writes the bytecode the given interpreter reads (its own cache tag)."""
    import importlib.util

    import course

    (tmp_path / "pkg").mkdir()
    module = tmp_path / "pkg" / "mod.py"
    module.write_text("VALUE = 1\n")
    course.compile_sources(sys.executable, tmp_path / "pkg")
    assert Path(importlib.util.cache_from_source(str(module))).is_file()
