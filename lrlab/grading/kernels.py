"""Kernels for grading: each one confined by ``sandbox``, started ahead of need, cleaned up for sure.

``KernelFactory(workdir, limits, ...)`` prepares one private folder per kernel
(its new root, its Unix sockets, the copy of the student's files) and
launches ``python -m ipykernel_launcher`` through the sandbox with jupyter's
own ``AsyncKernelManager``, talking over ZeroMQ's ``ipc`` transport (the
kernel has no network). ``launch(files_dir)`` returns at once, while the
kernel boots in the background, so a worker can start the next student's
kernel while it grades the current one. ``dispose(kernel)`` kills the kernel
and every process it started and removes its folder.

Inside, the kernel sees the student's files in ``/home/student/<lesson>`` and
nothing of the course: see ``sandbox`` for what is enforced in each mode.
"""
from __future__ import annotations

import asyncio
import glob
import json
import os
import shutil
import signal
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import List


HOME = "/home/student"


class SandboxKernelManager(AsyncKernelManager):
    """jupyter's kernel manager, with the kernel started through the sandbox.

    Either the kernel command is prefixed by the sandbox launcher (``wrapper``), or, with a
    ``zygote``, the kernel is forked from the template process instead of being executed.
    """

    wrapper = List([])
    zygote = None  # zygote.Zygote
    folder = None  # the kernel's private folder

    def format_kernel_cmd(self, extra_arguments=None):
        return list(self.wrapper) + super().format_kernel_cmd(extra_arguments)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if self.zygote is None:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        argv = kernel_cmd[kernel_cmd.index("ipykernel_launcher") + 1:]
        proc = self.zygote.spawn(str(self.folder / "spec.json"), argv, str(self.folder / "kernel.log"),
                                 str(self.folder))
        prov = self.provisioner
        prov.process, prov.pid, prov.pgid, prov.cwd = proc, proc.pid, None, str(self.folder)
        self._reconcile_connection_info(prov.connection_info)


@dataclass
class Kernel:
    """One launched kernel and what is needed to clean up after it."""

    km: SandboxKernelManager
    folder: Path
    uid: int | None
    launched: float
    slot: int
    info: dict = field(default_factory=dict)

    def exit_status(self) -> str | None:
        """How the kernel process ended, in words (None while it runs)."""
        proc = getattr(self.km.provisioner, "process", None)
        code = None if proc is None else proc.poll()
        if code is None:
            return None
        if code >= 128 + 1 and code < 128 + 65:
            try:
                return f"killed by signal {signal.Signals(code - 128).name}"
            except ValueError:
                return f"killed by signal {code - 128}"
        if code == 70:
            return "the sandbox could not be set up"
        return f"exited with code {code}"


def python_paths(private=()) -> list[str]:
    """Folders the kernel's Python needs: the installation, the environment and editable packages.

    A folder that is one of ``private`` (the course, the output folder) or holds one of them is left
    out, whatever ``sys.path`` says: binding it would show the student the course.
    """
    paths = {sys.base_prefix, sys.prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        paths.add(sysconfig.get_paths()[key])
    for entry in sys.path:
        if entry and os.path.isabs(entry) and os.path.exists(entry):
            paths.add(entry)
    import importlib.util

    for name in ("lrlab",):  # editable installs live outside site-packages
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            paths.update(spec.submodule_search_locations)
    hidden = [os.path.realpath(p) for p in private]
    found = {os.path.realpath(p) for p in paths if os.path.exists(p)}
    return sorted(p for p in found if not any(h == p or h.startswith(p.rstrip("/") + "/") for h in hidden))


def matplotlib_font_cache() -> str | None:
    """matplotlib's font list, built once here so kernels do not rebuild it (or warn about it)."""
    try:
        import matplotlib
        from matplotlib import font_manager  # noqa: F401  (building it writes the cache file)
    except ImportError:
        return None
    found = sorted(glob.glob(os.path.join(matplotlib.get_cachedir(), "fontlist-v*.json")))
    return found[-1] if found else None


def kernel_env(extra: dict | None = None) -> dict:
    """The kernel's whole environment: nothing is inherited from the grader's session."""
    env = {
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
        "HOME": HOME, "USER": "student", "LOGNAME": "student", "LANG": "C.UTF-8", "TMPDIR": "/tmp",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MPLCONFIGDIR": f"{HOME}/.config/matplotlib", "IPYTHONDIR": f"{HOME}/.ipython",
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "JUPYTER_PLATFORM_DIRS": "1",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2", "PYDEVD_DISABLE_FILE_VALIDATION": "1", "NBGRADER_EXECUTION": "autograde",
    }
    env.update(extra or {})
    return env


class KernelFactory:
    """Launches confined kernels for one worker; ``slots`` kernels may be alive at once."""

    def __init__(self, workdir: Path, limits: dict, *, mode: str, lesson_dir_name: str = "work",
                 slots: int = 2, uid_offset: int = 0, startup_code: str = "", ro_paths=None,
                 font_cache: str | None = None, zygote=None, ipc_root: Path | None = None,
                 uid_base: int | None = None):
        self.workdir = Path(workdir)
        # where the kernels' socket folders go: the grading run's own folder, removed when the run ends
        # however it ends (finished, failed, interrupted); None: the system's temporary folder
        self.ipc_root = ipc_root
        self.workdir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.workdir, 0o711 if mode == "root" else 0o700)
        self.limits = limits
        self.mode = mode
        self.cwd = f"{HOME}/{lesson_dir_name}"
        self.ro_paths = list(ro_paths if ro_paths is not None else python_paths())
        self.font_cache = font_cache
        self.startup_code = startup_code
        # root mode: kernel ``slot`` runs as uid_base + uid_offset + slot (uid_base: the run's block, ``uids``)
        if mode == "root" and uid_base is None:
            raise ValueError("uid_base: root mode needs the first uid of a block this run holds (uids.acquire)")
        self.uid_base = uid_base
        self.uid_offset = uid_offset
        self.slots = slots
        self._free = list(range(slots))
        self._count = 0
        self.zygote = zygote

    def uid(self, slot: int) -> int:
        """The uid kernel ``slot`` runs as in root mode (in the other modes the kernel keeps the grader's)."""
        if self.uid_base is None:
            return os.getuid()
        return self.uid_base + self.uid_offset + slot

    def _spec(self, folder: Path, files_dir: Path, slot: int, ipc: Path) -> dict:
        uid = self.uid(slot)
        copy_in = {}
        if self.font_cache:
            copy_in[f"{HOME}/.config/matplotlib/{os.path.basename(self.font_cache)}"] = self.font_cache
        return {
            "mode": self.mode, "uid": uid, "gid": uid, "root_dir": str(folder / "root"),
            "ro_paths": self.ro_paths, "files_from": str(files_dir), "home": HOME, "cwd": self.cwd,
            "ipc_dir": str(ipc), "pidfile": str(folder / "init.pid"),
            "tmpfs_mb": self.limits["tmpfs_mb"], "env": kernel_env(), "limits": self.limits,
            "copy_in": copy_in,
            # mode "none": a private folder stands in for the home directory
            "none_cwd": str(folder / "home" / os.path.basename(self.cwd)), "none_home": str(folder / "home"),
            "none_tmp": str(folder / "tmp"),
        }

    async def launch(self, files_dir: Path, lesson_dir_name: str | None = None) -> Kernel:
        """Start a kernel whose working directory holds a copy of ``files_dir``; returns at once."""
        if not self._free:
            raise RuntimeError("all kernel slots of this worker are in use")
        slot = self._free.pop(0)
        self._count += 1
        folder = self.workdir / f"k{slot}-{self._count}"
        shutil.rmtree(folder, ignore_errors=True)
        for sub in ("root", "home", "tmp"):
            (folder / sub).mkdir(parents=True)
        # the kernel's sockets: a short path (Unix socket paths are limited to 107 bytes) that tells
        # nothing about the course; it is mounted at the same place inside the sandbox
        ipc = Path(tempfile.mkdtemp(prefix="k" if self.ipc_root else "lrlab-ipc-", dir=self.ipc_root))
        (folder / "ipc-path").write_text(str(ipc))
        spec = self._spec(folder, Path(files_dir), slot, ipc)
        if lesson_dir_name:
            spec["cwd"] = f"{HOME}/{lesson_dir_name}"
            spec["none_cwd"] = str(folder / "home" / lesson_dir_name)
        (folder / "spec.json").write_text(json.dumps(spec))
        km = SandboxKernelManager(kernel_name="python3", transport="ipc", ip=str(ipc / "k"),
                                  connection_file=str(ipc / "kernel.json"))
        km.wrapper = [sys.executable, "-m", "lrlab.grading.sandbox", str(folder / "spec.json"), "--"]
        km.folder = folder
        if self.zygote is not None and self.zygote.alive():
            km.zygote = self.zygote
        extra = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=CRITICAL"]
        if self.startup_code:
            extra.append(f"--IPKernelApp.exec_lines={self.startup_code}")
        os.chmod(folder, 0o700)
        with open(folder / "kernel.log", "ab") as log:
            await km.start_kernel(extra_arguments=extra, cwd=str(folder), stdout=log, stderr=log)
        return Kernel(km=km, folder=folder, uid=spec["uid"] if self.mode == "root" else None,
                      launched=time.monotonic(), slot=slot)

    async def dispose(self, kernel: Kernel) -> None:
        """Kill the kernel and everything it started; remove its folder; free its slot.

        Processes are only ever signalled through handles that cannot point to a recycled PID:
        the supervisor (our child, or a pidfd) kills the kernel, its own child, on SIGTERM; the
        kernel's PID namespace takes every process it started with it; in root mode whatever
        is left under the kernel's uid (which nothing else uses) is killed through pidfds.
        """
        stop_kernel(kernel)
        try:
            await asyncio.wait_for(kernel.km.shutdown_kernel(now=True), 10)
        except Exception:  # already dead, or never fully started
            pass
        try:
            await kernel.km.cleanup_resources()
        except Exception:
            pass
        if kernel.uid is not None:
            kill_uid(kernel.uid)
        try:
            shutil.rmtree((kernel.folder / "ipc-path").read_text(), ignore_errors=True)
        except OSError:
            pass
        shutil.rmtree(kernel.folder, ignore_errors=True)
        self._free.append(kernel.slot)


def stop_kernel(kernel: Kernel, wait: float = 2.0) -> None:
    """Ask the kernel's supervisor to kill the kernel (SIGTERM), and wait a moment for it to go."""
    process = getattr(kernel.km.provisioner, "process", None) if kernel.km.provisioner else None
    if process is None or process.poll() is not None:
        return
    try:
        process.send_signal(signal.SIGTERM)
    except OSError:
        return
    deadline = time.monotonic() + wait
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)


def kill_uid(uid: int) -> int:
    """SIGKILL every process of ``uid`` (a uid only sandboxed kernels use); returns how many."""
    return kill_uids(range(uid, uid + 1))


def kill_uids(uids: range) -> int:
    """SIGKILL every process whose uid is in ``uids`` (uids only this run's kernels use); returns how many.

    Each process is pinned with a pidfd before its owner is checked, so a PID recycled in the
    meantime can never be hit.
    """
    killed = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fd = os.pidfd_open(int(entry))
        except OSError:
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid in uids:
                signal.pidfd_send_signal(fd, signal.SIGKILL)
                killed += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    return killed


def start_zygote(workdir: Path, preload, font_cache: str | None, study_cache: Path | None = None):
    """A kernel template process for one worker (see ``zygote``); its own files live in ``workdir``.

    With ``study_cache`` (a folder ``prefill`` filled), the template loads its results into memory
    before it forks: the kernels read them there (``lrlab._cache``), never the folder.
    """
    from .zygote import STUDY_CACHE, Zygote

    home = Path(workdir) / "zygote-home"
    mpl = home / ".config" / "matplotlib"
    mpl.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    if font_cache:
        shutil.copyfile(font_cache, mpl / os.path.basename(font_cache))
    env = kernel_env({"HOME": str(home), "MPLCONFIGDIR": str(mpl), "IPYTHONDIR": str(home / ".ipython")})
    if study_cache is not None and Path(study_cache).is_dir():
        env[STUDY_CACHE] = str(study_cache)
    return Zygote(env, preload=list(preload))

