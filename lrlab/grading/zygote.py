"""A kernel template process: imports the kernel's libraries once, then forks a confined kernel per student.

Starting an IPython kernel means starting Python and importing ipykernel,
IPython, numpy, matplotlib and the lesson's modules: about a second of CPU
per student, the same every time. A ``Zygote`` is one process, started by a
worker, that does those imports once (no student code ever runs in it), then
for each request forks: the child confines itself (``sandbox.enter``, the
same code as the exec-based launcher) and becomes the student's kernel; its
parent in the sandbox is the supervisor jupyter talks to. Forked pages are
shared copy-on-write, so kernels start in ~0.1 s and use less memory.

Protocol on stdin/stdout, one JSON object per line:
``{"spec": SPEC.json, "argv": [ipykernel arguments], "log": LOGFILE}`` ->
``{"pid": supervisor pid}`` or ``{"error": text}``.

``ZygoteProcess`` gives the worker a ``subprocess.Popen``-like handle on a
kernel it did not fork itself (a pidfd: safe against PID reuse), so jupyter's
kernel manager can poll, signal and kill it as usual.
"""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time

from . import sandbox


#: names the folder of study results (``prefill``) the template loads into memory before it forks; taken out
#: of its environment once read
STUDY_CACHE = "LRLAB_ZYGOTE_STUDY_CACHE"


def _reap(signum, frame):
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _child(request: dict) -> None:
    """In the forked child: confine, then run the kernel here; never returns."""
    try:
        os.setsid()
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.closerange(3, 65536)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        with open(request["spec"]) as f:
            spec = json.load(f)
        sandbox.enter(spec)  # the supervisor never comes back from here; the kernel does
        os.environ.clear()
        os.environ.update(spec["env"])
        if spec["mode"] == "none":
            os.environ["HOME"], os.environ["TMPDIR"] = spec["none_home"], spec["none_tmp"]
        sys.path[0] = os.getcwd()
        sys.argv = ["ipykernel_launcher", *request["argv"]]
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(request["argv"])
        # lrlab.course.plots registers its figure display hook (the description in words) with the shell when
        # it is imported; the template imported it before any shell existed, so the lesson's own import finds
        # it loaded and registers nothing: register it with this kernel's shell now.
        describe = sys.modules.get("lrlab.course.plots.describe")
        if describe is not None:
            describe.register_formatter(app.shell)
        app.start()
        os._exit(0)
    except BaseException as err:  # noqa: BLE001 - report anything, then leave
        try:
            os.write(2, f"lrlab zygote: kernel failed: {type(err).__name__}: {err}\n".encode())
        finally:
            os._exit(70)


def serve(preload) -> None:
    """The template process's loop (``python -m lrlab.grading.zygote MODULE...``)."""
    sandbox.prctl(sandbox.PR_SET_PDEATHSIG, signal.SIGKILL)
    import importlib

    for name in ["ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "matplotlib", "matplotlib.pyplot",
                 "matplotlib_inline.backend_inline", "lrlab.grading.guard", *preload]:
        try:
            importlib.import_module(name)
        except Exception:
            pass
    study_cache = os.environ.pop(STUDY_CACHE, None)
    loaded = 0
    if study_cache:  # the lessons' studies, computed once by ``prefill``: every forked kernel reads them here
        from lrlab import _cache

        loaded = _cache.preload(study_cache)
    signal.signal(signal.SIGCHLD, _reap)
    out = sys.stdout
    out.write(json.dumps({"ready": os.getpid(), "studies": loaded}) + "\n")
    out.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        pid = os.fork()
        if pid == 0:
            _child(request)
        out.write(json.dumps({"pid": pid}) + "\n")
        out.flush()


class Zygote:
    """The worker's handle on its template process."""

    def __init__(self, env: dict, preload=(), cwd: str = "/"):
        self.proc = subprocess.Popen([sys.executable, "-m", "lrlab.grading.zygote", *preload],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=cwd,
                                     text=True, bufsize=1)
        reply = self._read(timeout=120)
        if "ready" not in reply:
            raise RuntimeError(f"the kernel template did not start: {reply}")

    def _read(self, timeout: float) -> dict:
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise RuntimeError("the kernel template did not answer")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the kernel template exited ({self.proc.poll()})")
        return json.loads(line)

    def spawn(self, spec_path: str, argv: list[str], log: str, folder: str) -> "ZygoteProcess":
        self.proc.stdin.write(json.dumps({"spec": spec_path, "argv": argv, "log": log}) + "\n")
        self.proc.stdin.flush()
        reply = self._read(timeout=30)
        return ZygoteProcess(reply["pid"], folder)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class ZygoteProcess:
    """``Popen``-like handle on a kernel supervisor forked by the zygote (not our child)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, folder: str):
        self.pid = pid
        self.folder = folder
        self.returncode = None
        try:
            self.pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            self.pidfd = None
            self.returncode = self._exit_code()

    def _exit_code(self) -> int:
        try:
            with open(os.path.join(self.folder, "exit")) as f:
                return int(f.read())
        except (OSError, ValueError):
            return 128 + signal.SIGKILL

    def poll(self):
        if self.returncode is None and self.pidfd is not None:
            ready, _, _ = select.select([self.pidfd], [], [], 0)
            if ready:
                self.returncode = self._exit_code()
                os.close(self.pidfd)
                self.pidfd = None
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("kernel", timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, sig) -> None:
        """Signal the supervisor (through its pidfd: never a recycled PID); SIGTERM kills the kernel."""
        if self.poll() is not None:
            return
        if sig == signal.SIGKILL:  # let the supervisor take its kernel down first
            signal.pidfd_send_signal(self.pidfd, signal.SIGTERM)
            deadline = time.monotonic() + 1.0
            while self.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            if self.poll() is not None:
                return
        signal.pidfd_send_signal(self.pidfd, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


if __name__ == "__main__":
    serve(sys.argv[1:])
