"""The sandbox on its own: what a confined process can see and do, as root and as a user who is not.

A small probe script runs through ``python -m lrlab.grading.sandbox SPEC -- ...`` and reports
its uid, working directory, what it can read, whether it reaches the network, and its limits.
The non-root case runs the probe as ``nobody`` (through ``setpriv``) with Debian's system Python,
which any user may execute; it needs root to switch user, and is skipped elsewhere.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from lrlab.grading import sandbox, uids

PROBE = r'''
import json, os, resource, socket, subprocess
report = {"uid": os.getuid(), "pid": os.getpid(), "cwd": os.getcwd(), "files": sorted(os.listdir("."))}
secret = os.environ.get("PROBE_SECRET") or SECRET
try:
    with open(secret) as f:
        report["secret"] = f.read()
except OSError as err:
    report["secret"] = type(err).__name__
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2)
    report["network"] = "connected"
except OSError as err:
    report["network"] = type(err).__name__
try:
    with open(SHARED) as f:
        report["shared"] = f.read()
except OSError as err:
    report["shared"] = type(err).__name__
report["nproc"] = resource.getrlimit(resource.RLIMIT_NPROC)[0]
report["as"] = resource.getrlimit(resource.RLIMIT_AS)[0]
children, stopped = [], None
for _ in range(60):
    try:
        children.append(subprocess.Popen(["sleep", "30"]))
    except OSError as err:
        stopped = type(err).__name__
        break
report["spawned"], report["stopped"] = len(children), stopped
for child in children:  # without a PID namespace nothing else would end them
    child.kill()
    child.wait()
print(json.dumps(report))
'''


def _spec(tmp_path, mode, ro_paths, processes=20, uid=65534):
    for sub in ("root", "ipc", "files"):
        (tmp_path / sub).mkdir(exist_ok=True)
    (tmp_path / "files" / "mine.txt").write_text("the student's own file")
    return {"mode": mode, "uid": uid, "gid": uid, "root_dir": str(tmp_path / "root"),
            "ro_paths": ro_paths, "files_from": str(tmp_path / "files"), "home": "/home/student",
            "cwd": "/home/student/lesson", "ipc_dir": str(tmp_path / "ipc"), "pidfile": str(tmp_path / "init.pid"),
            "tmpfs_mb": 32, "env": {"PATH": "/usr/bin:/bin", "HOME": "/home/student"},
            "limits": {"as_mb": 512, "cpu_seconds": 30, "file_mb": 8, "open_files": 64, "processes": processes},
            "none_cwd": str(tmp_path / "home" / "lesson"), "none_home": str(tmp_path / "home"),
            "none_tmp": str(tmp_path / "tmp")}


def _run(launcher, spec, tmp_path, python, secret, user=(), shared="/nonexistent"):
    probe = tmp_path / "files" / "probe.py"
    probe.write_text(f"SECRET = {str(secret)!r}\nSHARED = {str(shared)!r}\n" + PROBE)
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec))
    proc = subprocess.run([*user, *launcher, str(spec_path), "--", python, "probe.py"], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "solutions.ipynb"
    path.write_text("hidden tests")
    os.chmod(tmp_path, 0o755)
    return path


@pytest.fixture(scope="module")
def as_root(tmp_path_factory):
    if sandbox.probe_mode() != "root":
        pytest.skip("needs root and namespaces")
    tmp = tmp_path_factory.mktemp("root-sandbox")
    secret = tmp / "solutions.ipynb"
    secret.write_text("hidden tests")
    from lrlab.grading.kernels import python_paths

    shared = tmp / "package"  # a folder under /tmp, where a fresh clone of the course may well live
    shared.mkdir()
    (shared / "module.py").write_text("installed here")
    block = uids.acquire()  # a uid no grading run going on at the same time uses
    try:
        spec = _spec(tmp, "root", python_paths() + [str(shared)], uid=block.first + len(block.uids) - 1)
        report = _run([sys.executable, "-m", "lrlab.grading.sandbox"], spec, tmp, sys.executable, secret,
                      shared=shared / "module.py")
    finally:
        block.release()
    return {**report, "expected_uid": spec["uid"]}


def test_root_mode_runs_code_as_a_uid_of_its_own(as_root):
    assert as_root["uid"] == as_root["expected_uid"] and as_root["uid"] in uids.uid_span()


def test_root_mode_gives_a_working_directory_with_only_the_students_files(as_root):
    assert as_root["cwd"] == "/home/student/lesson" and as_root["files"] == ["mine.txt", "probe.py"]


def test_root_mode_hides_the_instructors_files(as_root):
    assert as_root["secret"] == "FileNotFoundError"


def test_root_mode_shows_read_only_folders_even_under_tmp(as_root):
    assert as_root["shared"] == "installed here"


def test_root_mode_has_no_network(as_root):
    assert as_root["network"] == "OSError"


def test_root_mode_is_pid_1_of_its_own_namespace(as_root):
    assert as_root["pid"] == 1


def test_root_mode_stops_processes_at_the_limit(as_root):
    assert as_root["nproc"] == 20 and as_root["spawned"] < 20 and as_root["stopped"] == "BlockingIOError"


def test_root_mode_limits_memory(as_root):
    assert as_root["as"] == 512 * 1024 * 1024


@pytest.fixture(scope="module")
def as_nobody(tmp_path_factory):
    system_python = Path("/usr/bin/python3")
    if os.geteuid() != 0 or not shutil.which("setpriv") or not system_python.exists():
        pytest.skip("needs root (to become nobody), setpriv and /usr/bin/python3")
    tmp = Path(tempfile.mkdtemp(prefix="lrlab-user-sandbox-"))  # pytest's own folders are closed to others
    os.chmod(tmp, 0o755)
    shutil.copy(Path(sandbox.__file__), tmp / "sandbox.py")  # the launcher needs nothing but the standard library
    secret = tmp / "solutions.ipynb"
    secret.write_text("hidden tests")
    os.chmod(secret, 0o644)  # readable by anyone: only the sandbox may hide it
    spec = _spec(tmp, "userns", [])
    shutil.chown(tmp, "nobody")
    for path in tmp.rglob("*"):
        shutil.chown(path, "nobody")
    user = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    check = subprocess.run([*user, str(system_python), "-c",
                            "import sys; sys.path.insert(0, '.'); import sandbox; print(sandbox.probe_mode())"],
                           capture_output=True, text=True, cwd=tmp)
    if check.stdout.strip() != "userns":
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.skip(f"unprivileged user namespaces are not allowed here ({check.stdout.strip() or check.stderr})")
    try:
        yield _run([str(system_python), "sandbox.py"], spec, tmp, str(system_python), secret, user=user)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_without_root_the_code_keeps_the_users_uid(as_nobody):
    assert as_nobody["uid"] == 65534


def test_without_root_a_world_readable_file_outside_is_still_hidden(as_nobody):
    assert as_nobody["secret"] == "FileNotFoundError"


def test_without_root_there_is_no_network(as_nobody):
    assert as_nobody["network"] == "OSError"


def test_without_root_the_process_limit_counts_only_the_sandbox(as_nobody):
    assert as_nobody["spawned"] < 20 and as_nobody["stopped"] == "BlockingIOError"


def test_without_namespaces_the_limits_still_apply(tmp_path, secret):
    spec = _spec(tmp_path, "none", [], processes=200)
    found = _run([sys.executable, "-m", "lrlab.grading.sandbox"], spec, tmp_path, sys.executable, secret)
    assert found["as"] == 512 * 1024 * 1024 and found["cwd"] == str(tmp_path / "home" / "lesson")


def test_without_namespaces_the_instructors_files_are_readable(tmp_path, secret):
    spec = _spec(tmp_path, "none", [], processes=200)
    found = _run([sys.executable, "-m", "lrlab.grading.sandbox"], spec, tmp_path, sys.executable, secret)
    assert found["secret"] == "hidden tests"  # what README.md warns about (Limits on student code)
