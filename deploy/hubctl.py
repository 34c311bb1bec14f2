"""Run the course's JupyterHub on this machine: users, folders, the hub process, its API, clean-up.

Used by ``start_hub.py`` (one command for a person), by the smoke test
``tests/test_hub.py`` and by the capacity check ``loadcheck.py``. Needs root
(the hub spawns servers as real Linux users) and only the standard library.

What a ``Hub`` creates, and removes again in ``close()`` (also after errors):

* Linux users made with ``useradd`` (home mode 0700), each marked with the
  comment ``MARK`` — only users carrying it are ever deleted (``userdel -r``),
  after their processes are killed by PID;
* a state folder (``/tmp/lrlab-hub-*``): ``private/`` (0700: the hub's
  database, cookie secret, log) and ``shared/`` (0755: the role config
  folders, and ``exchange/``, mode 0777 as nbgrader needs);
* the instructor's course folder ``~/lrlab`` (nbgrader_config.py,
  solutions/, notebooks/ copied from the repository);
* the hub and proxy processes (their own process group), on 127.0.0.1.

    >>> MARK
    'lrlab hub user (temporary)'
"""
from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
MARK = "lrlab hub user (temporary)"
COURSE_ID = "lrlab"
COURSE_FILES = ("nbgrader_config.py", "solutions", "notebooks")


def say(msg: str) -> None:
    print(f"[hub] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def preconditions() -> str | None:
    """Why a hub with real users cannot run here, or None when it can."""
    if not hasattr(os, "geteuid") or os.uname().sysname != "Linux":
        return "needs Linux"
    if os.geteuid() != 0:
        return "needs root (the hub starts each user's server as that Linux user)"
    for tool in ("useradd", "userdel", "runuser"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            return f"needs {tool}"
    if not Path("/usr/bin/python3").exists():
        return "needs /usr/bin/python3 (the system Python, runnable by every user)"
    return None


# ----------------------------------------------------------------------------------------- users

def _tool(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}"


def is_ours(name: str) -> bool:
    try:
        return pwd.getpwnam(name).pw_gecos == MARK
    except KeyError:
        return False


def create_user(name: str) -> pwd.struct_passwd:
    """A fresh Linux user with a private home, marked as ours; an existing user is reused only if ours."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        subprocess.run([_tool("useradd"), "--create-home", "--comment", MARK, "--shell", "/bin/bash", name],
                       check=True, capture_output=True)
        entry = pwd.getpwnam(name)
    else:
        if entry.pw_gecos != MARK:
            raise RuntimeError(f"a user {name!r} already exists and was not made by lrlab: choose another --prefix")
    os.chmod(entry.pw_dir, 0o700)
    return entry


def user_pids(uid: int) -> list[int]:
    """PIDs of every process whose real or effective uid is ``uid``."""
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Uid:"):
                real, effective = (int(x) for x in line.split()[1:3])
                if uid in (real, effective):
                    pids.append(int(status.parent.name))
                break
    return pids


def kill_pids(pids, grace: float = 3.0) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = []
        for pid in pids:
            try:
                os.kill(pid, sig)
                alive.append(pid)
            except ProcessLookupError:
                pass
        if not alive:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() and not _zombie(p) for p in alive):
            time.sleep(0.1)
        pids = [p for p in alive if Path(f"/proc/{p}").exists() and not _zombie(p)]


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True


def delete_user(name: str) -> None:
    """Kill the user's processes (by PID) and remove the user and home — only users marked as ours."""
    if not is_ours(name):
        return
    uid = pwd.getpwnam(name).pw_uid
    for _round in range(3):
        pids = user_pids(uid)
        if not pids:
            break
        kill_pids(pids)
    subprocess.run([_tool("userdel"), "--remove", name], capture_output=True)
    if is_ours(name):
        subprocess.run([_tool("userdel"), "--force", "--remove", name], capture_output=True)


def marked_users() -> list[str]:
    return [p.pw_name for p in pwd.getpwall() if p.pw_gecos == MARK]


# ------------------------------------------------------------------------------------------- hub

class Hub:
    """The course's JupyterHub on 127.0.0.1 with real users; a context manager that cleans up after itself."""

    def __init__(self, *, env: Path, instructors: list[str], students: list[str], port: int = 0,
                 password: str | None = None, keep: bool = False, root: Path = ROOT, log=say):
        self.env = Path(env)
        self.instructors, self.students = list(instructors), list(students)
        self.port = port or free_port()
        self.api_port, self.hub_port = free_port(), free_port()
        self.password = password or secrets.token_urlsafe(9)
        self.admin_token = secrets.token_hex(24)
        self.keep, self.root, self.log = keep, Path(root), log
        self.state = Path(tempfile.mkdtemp(prefix="lrlab-hub-"))
        os.chmod(self.state, 0o755)
        self.private = self.state / "private"
        self.shared = self.state / "shared"
        self.private.mkdir(mode=0o700)
        self.shared.mkdir(mode=0o755)
        self.exchange = self.shared / "exchange"
        self.role_config = self.shared / "config"
        self.created: list[str] = []
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    # -- set-up
    def setup(self) -> "Hub":
        self.exchange.mkdir()
        os.chmod(self.exchange, 0o777)
        shutil.copytree(HERE / "config", self.role_config)
        for path in [self.role_config, *self.role_config.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        for name in self.instructors + self.students:
            existed = is_ours(name)
            create_user(name)
            if not existed:
                self.created.append(name)
        for name in self.instructors:
            self._course_folder(name)
        return self

    def _course_folder(self, name: str) -> Path:
        """``~name/lrlab``: the course folder (nbgrader_config.py, solutions/, notebooks/), owned by name."""
        entry = pwd.getpwnam(name)
        course = Path(entry.pw_dir) / "lrlab"
        course.mkdir(exist_ok=True)
        for item in COURSE_FILES:
            src = self.root / item
            if src.is_dir():
                shutil.copytree(src, course / item, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
            else:
                shutil.copy2(src, course / item)
        (course / ".nbgrader").mkdir(exist_ok=True)
        for path in [course, *course.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
        return course

    def environ(self) -> dict:
        return dict(
            os.environ,
            LRLAB_HUB_ENV=str(self.env), LRLAB_EXCHANGE=str(self.exchange),
            LRLAB_HUB_ROLE_CONFIG=str(self.role_config), LRLAB_HUB_STATE=str(self.private),
            LRLAB_HUB_IP="127.0.0.1", LRLAB_HUB_PORT=str(self.port), LRLAB_HUB_API_PORT=str(self.api_port),
            LRLAB_HUB_HUB_PORT=str(self.hub_port), LRLAB_HUB_INSTRUCTORS=",".join(self.instructors),
            LRLAB_HUB_STUDENTS=",".join(self.students), LRLAB_HUB_PASSWORD=self.password,
            LRLAB_HUB_ADMIN_TOKEN=self.admin_token,
            PATH=f"{self.env / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}")

    def start(self, timeout: float = 60.0) -> "Hub":
        log = open(self.private / "hub.log", "ab")
        self.proc = subprocess.Popen([str(self.env / "bin" / "jupyterhub"), "-f", str(HERE / "jupyterhub_config.py")],
                                     cwd=self.private, env=self.environ(), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                status, _ = self.api("GET", "/")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the hub did not answer within {timeout:g} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 4000) -> str:
        try:
            return (self.private / "hub.log").read_text(errors="replace")[-n:]
        except OSError:
            return ""

    # -- HTTP
    def request(self, method: str, url: str, body=None, token: str | None = None, timeout: float = 30.0):
        """(status, parsed JSON or text) of one request; HTTP errors are returned, not raised."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url if url.startswith("http") else self.url + url, data=data, method=method)
        if token:
            req.add_header("Authorization", f"token {token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def api(self, method: str, path: str, body=None, token: str | None = None):
        return self.request(method, f"/hub/api{path}", body, token or self.admin_token)

    def user_token(self, name: str) -> str:
        status, reply = self.api("POST", f"/users/{name}/tokens", {"note": "lrlab test", "expires_in": 3600})
        if status not in (200, 201):
            raise RuntimeError(f"could not make a token for {name}: {status} {reply}")
        return reply["token"]

    def spawn(self, names, timeout: float = 180.0) -> dict[str, float]:
        """Start these users' servers (all at once) and wait until each is ready: {name: seconds}."""
        from concurrent.futures import ThreadPoolExecutor

        t0 = time.monotonic()
        # the hub holds each request up to 10 s while the server starts: ask for all of them at once
        with ThreadPoolExecutor(max_workers=min(32, len(names) or 1)) as pool:
            replies = list(pool.map(lambda n: (n, *self.api("POST", f"/users/{n}/server")), names))
        for name, status, reply in replies:
            if status not in (201, 202, 400):  # 400: already running
                raise RuntimeError(f"could not start {name}'s server: {status} {reply}\n{self.log_tail()}")
        ready, deadline = {}, t0 + timeout
        while len(ready) < len(names) and time.monotonic() < deadline:
            for name in names:
                if name in ready:
                    continue
                status, reply = self.api("GET", f"/users/{name}")
                server = (reply or {}).get("servers", {}).get("", {}) if status == 200 else {}
                if server.get("ready"):
                    ready[name] = time.monotonic() - t0
            time.sleep(0.3)
        if len(ready) < len(names):
            missing = sorted(set(names) - set(ready))
            raise RuntimeError(f"servers not ready after {timeout:g} s: {missing}\n{self.log_tail()}")
        return ready

    def server_pid(self, name: str) -> int | None:
        """PID of ``name``'s single-user server (the jupyterhub-singleuser process)."""
        uid = pwd.getpwnam(name).pw_uid
        for pid in user_pids(uid):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(part.endswith(b"jupyterhub-singleuser") for part in cmdline[:2]):
                return pid
        return None

    # -- commands as a user, as in a terminal on the hub
    def user_environ(self, name: str) -> dict:
        entry = pwd.getpwnam(name)
        role = "instructor" if name in self.instructors else "student"
        return {"HOME": entry.pw_dir, "USER": name, "LOGNAME": name, "SHELL": "/bin/bash", "LANG": "C.UTF-8",
                "PATH": f"{self.env / 'bin'}:/usr/local/bin:/usr/bin:/bin",
                "JUPYTER_CONFIG_PATH": str(self.role_config / role), "LRLAB_EXCHANGE": str(self.exchange),
                "LRLAB_COURSE_ID": COURSE_ID, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                "MPLBACKEND": "agg"}

    def run_as(self, name: str, *args: str, cwd: Path | None = None, check: bool = True,
               timeout: float = 600.0) -> subprocess.CompletedProcess:
        env = self.user_environ(name)
        cmd = [_tool("runuser"), "-u", name, "--", "/usr/bin/env", "-i",
               *[f"{k}={v}" for k, v in env.items()], *args]
        proc = subprocess.run(cmd, cwd=cwd or env["HOME"], capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise RuntimeError(f"as {name}: {' '.join(args)} failed ({proc.returncode}):\n"
                               f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        return proc

    # -- clean-up
    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        pid_file = self.private / "proxy.pid"
        if pid_file.exists():
            try:
                kill_pids([int(pid_file.read_text().strip())])
            except ValueError:
                pass

    def close(self) -> None:
        """Stop the hub; unless ``keep``, delete the users this run created and the state folder."""
        self.stop()
        for name in self.instructors + self.students:
            if is_ours(name):
                kill_pids(user_pids(pwd.getpwnam(name).pw_uid))
        if not self.keep:
            for name in self.created:
                delete_user(name)
            shutil.rmtree(self.state, ignore_errors=True)

    def __enter__(self) -> "Hub":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
