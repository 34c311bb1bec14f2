"""Confine one student kernel: its own namespaces, a minimal read-only root, limits, no privileges.

``enter(spec)`` turns the calling process into a confined one, then the caller
executes the kernel (``python -m lrlab.grading.sandbox SPEC.json -- CMD...``
does exactly that, and is what the grader's kernel manager launches). What
happens depends on ``spec["mode"]``, chosen by ``probe_mode()``:

``"root"`` (the grader runs as root)
    new mount, PID, network, IPC and UTS namespaces; a fresh root file system
    (tmpfs) holding only read-only binds of the system directories and of the
    Python environment the kernel needs, a private ``/tmp``, ``/dev/shm`` and
    home, and the kernel's working directory with *copies* of the student's
    files; then resource limits and a switch to an unprivileged uid that is
    used by this kernel alone (so the process limit counts only its processes
    and it cannot signal any other kernel); no new privileges, no capabilities.
``"userns"`` (not root, unprivileged user namespaces allowed)
    the same inside a user namespace; the kernel keeps the grader's uid, but
    sees only the sandbox's files and holds no capabilities.
``"none"`` (neither works)
    only resource limits, a private working directory and a cleaned
    environment; student code can read whatever the grader can read and use
    the network. ``describe()`` says so and the grader prints it.

The network namespace has no interface up, so the kernel talks to the grader
over Unix sockets (ZeroMQ ``ipc`` transport) in ``spec["ipc_dir"]``, mounted at
the same path inside and outside.

Spec keys (all paths absolute, on the grader's side): ``mode``, ``uid``,
``gid``, ``root_dir`` (an empty directory to build the new root on),
``ro_paths`` (extra read-only binds, e.g. the Python installation),
``files_from`` (directory copied into the working directory), ``home``,
``cwd`` (inside), ``ipc_dir``, ``pidfile`` (receives the PID of the kernel's
namespace init, for clean-up), ``env``, ``limits`` (see ``rlimits``),
``tmpfs_mb``, ``copy_in`` (``{inside_path: host_file}``, copied before the
root is sealed).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import platform
import shutil
import signal
import stat
import sys

# <linux/sched.h>, <sys/mount.h>, <linux/prctl.h>
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP = 1, 38, 24
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}.get(platform.machine())
SYS_CAPSET = {"x86_64": 126, "aarch64": 91}.get(platform.machine())

SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
DEVICES = ("null", "zero", "full", "random", "urandom")

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
_libc.sethostname.argtypes = [ctypes.c_char_p, ctypes.c_size_t]


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _b(path):
    return None if path is None else os.fsencode(path)


def _mount(source, target, fstype, flags, data=None) -> None:
    _check(_libc.mount(_b(source), _b(target), _b(fstype), flags, _b(data)), f"mount {target}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def prctl(option: int, arg: int = 0) -> None:
    _check(_libc.prctl(option, arg, 0, 0, 0), f"prctl({option})")


# ---------------------------------------------------------------------------------------------
# What this machine allows

_FULL = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS


def _can_unshare(flags: int) -> bool:
    pid = os.fork()
    if pid == 0:  # child: try, report through the exit code, never return
        try:
            unshare(flags)
            if flags & CLONE_NEWUSER:
                _map_ids(os.getuid(), os.getgid())
            _mount(None, "/", None, MS_REC | MS_PRIVATE)
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def probe_mode() -> str:
    """The strongest confinement available here: ``"root"``, ``"userns"`` or ``"none"``."""
    if sys.platform != "linux" or SYS_PIVOT_ROOT is None:
        return "none"
    if os.geteuid() == 0 and _can_unshare(_FULL):
        return "root"
    if _can_unshare(_FULL | CLONE_NEWUSER):
        return "userns"
    return "none"


def describe(mode: str, limits: dict) -> dict[str, list[str]]:
    """What is and is not enforced in ``mode`` with these ``limits`` (for the README and the log)."""
    mem = limits["as_mb"]
    enforced = [
        f"time: {limits['cell_timeout']:g} s per cell (interrupt), {limits['notebook_timeout']:g} s per "
        f"notebook (kill), {limits['cpu_seconds']} s of CPU per process (kill)",
        f"memory: {mem} MB of address space per process (RLIMIT_AS; allocations past it raise MemoryError)",
        f"files: {limits['file_mb']} MB per file written, {limits['open_files']} open files per process",
        f"output: {limits['output_mb']:g} MB of printed output kept per cell, the rest dropped",
        "environment: a fresh environment (no variables of the grader's session)",
    ]
    missing = []
    if mode in ("root", "userns"):
        enforced += [
            "files: a new root file system with read-only system folders and the Python environment; "
            "the course folder, solutions/, the gradebook, the output folder and other students' work "
            "are not in it",
            f"working directory: a private copy of the student's files on a {limits['tmpfs_mb']} MB "
            "tmpfs (writes never reach the disk); private /tmp and /dev/shm",
            "network: none (a new network namespace with no interface up)",
            "processes: a new PID namespace (other processes are invisible; when the kernel ends, "
            "every process it started is killed)",
        ]
        if mode == "root":
            enforced += [
                f"processes: at most {limits['processes']} processes/threads (RLIMIT_NPROC on a uid used "
                "by this kernel alone)",
                "privileges: runs as an unprivileged uid of its own, no capabilities, no new privileges",
            ]
        else:
            enforced += [
                f"processes: at most {limits['processes']} processes/threads in the kernel's user "
                "namespace (RLIMIT_NPROC)",
                "privileges: runs as the grader's own uid inside a user namespace, with no "
                "capabilities and no new privileges",
            ]
            missing.append("the kernel runs under the grader's uid: files it can reach inside the "
                           "sandbox (the read-only Python environment) are the grader's")
    else:
        enforced.append(f"processes: RLIMIT_NPROC set to the processes the grader's uid already has "
                        f"plus {limits['processes']} (counts all of that user's processes)")
        missing += [
            "files: student code runs as the grader's user and can read (and write) anything that user "
            "can, including solutions/ and the gradebook",
            "network: not blocked",
            "processes: other processes are visible; processes the student starts in the background may "
            "outlive the kernel",
        ]
    missing += [
        "memory is limited per process (address space), not as one total across the processes a "
        "student starts",
        "CPU is shared: a student's kernel competes with the grader for the cores",
        "student code runs in the same Python process as the tests: the grader defeats known ways of "
        "patching the checks (README.md, 'Answers that patch the checks'), but cannot prove a clever attack impossible",
    ]
    return {"enforced": enforced, "not_enforced": missing}


# ---------------------------------------------------------------------------------------------
# Entering the sandbox

def _map_ids(uid: int, gid: int) -> None:
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"{gid} {gid} 1")


def _locked_flags(path: str) -> int:
    """Mount flags of ``path`` that a bind remount must keep (user namespaces refuse to drop them)."""
    st = os.statvfs(path)
    flags = 0
    for flag, bit in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC)):
        if st.f_flag & flag:
            flags |= bit
    return flags


def _bind(source: str, target: str, *, readonly: bool) -> None:
    _mount(source, target, None, MS_BIND | MS_REC)
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID | _locked_flags(source)
    if readonly:
        flags |= MS_RDONLY
    _mount(None, target, None, flags)


def _mount_point(root: str, path: str, like: str) -> str:
    target = root + path
    if os.path.isdir(like):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            open(target, "w").close()
    return target


def _copy_tree(src: str, dst: str, uid: int, gid: int) -> None:
    os.makedirs(dst, exist_ok=True)
    os.chown(dst, uid, gid)
    for name in os.listdir(src):
        s, d = os.path.join(src, name), os.path.join(dst, name)
        st = os.lstat(s)
        if stat.S_ISDIR(st.st_mode):
            _copy_tree(s, d, uid, gid)
        elif stat.S_ISREG(st.st_mode):
            shutil.copyfile(s, d)
            os.chmod(d, 0o644)
            os.chown(d, uid, gid)


def _build_root(spec: dict, uid: int, gid: int) -> None:
    root = spec["root_dir"]
    tmpfs = f"size={spec['tmpfs_mb']}m"
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0755")
    # the private file systems first: a read-only bind made later may lie inside one of them (a
    # course cloned under /tmp, say), and must not be hidden by it
    for path in ("/dev/shm", "/tmp"):
        os.makedirs(root + path, exist_ok=True)
        _mount("tmpfs", root + path, "tmpfs", MS_NOSUID | MS_NODEV, f"{tmpfs},mode=1777")
    home = spec["home"]
    os.makedirs(root + home, exist_ok=True)
    _mount("tmpfs", root + home, "tmpfs", MS_NOSUID | MS_NODEV, f"{tmpfs},mode=0755")
    _copy_tree(spec["files_from"], root + spec["cwd"], uid, gid)
    for inside, host in spec.get("copy_in", {}).items():
        os.makedirs(os.path.dirname(root + inside), exist_ok=True)
        shutil.copyfile(host, root + inside)
        os.chown(root + inside, uid, gid)
    os.chown(root + home, uid, gid)
    for dirpath, dirnames, _ in os.walk(root + home):
        for d in dirnames:
            os.chown(os.path.join(dirpath, d), uid, gid)
    os.makedirs(root + "/proc", exist_ok=True)
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for path in SYSTEM_PATHS:
        if os.path.islink(path):
            os.symlink(os.readlink(path), root + path)
        elif os.path.isdir(path):
            _bind(path, _mount_point(root, path, path), readonly=True)
    for path in spec["ro_paths"]:
        if os.path.exists(path) and not any(path == p or path.startswith(p + "/") for p in SYSTEM_PATHS):
            _bind(path, _mount_point(root, path, path), readonly=True)
    os.makedirs(root + "/dev", exist_ok=True)
    for name in DEVICES:
        _bind(f"/dev/{name}", _mount_point(root, f"/dev/{name}", f"/dev/{name}"), readonly=False)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{root}/dev/{name}")
    ipc = spec["ipc_dir"]
    _bind(ipc, _mount_point(root, ipc, ipc), readonly=False)
    # seal: the new root replaces the old one, which is then detached
    os.chdir(root)
    os.mkdir("oldroot")
    _check(_libc.syscall(SYS_PIVOT_ROOT, b".", b"oldroot"), "pivot_root")
    os.chdir("/")
    _check(_libc.umount2(b"/oldroot", MNT_DETACH), "umount old root")
    os.rmdir("/oldroot")
    _mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    name = b"sandbox"
    _libc.sethostname(name, len(name))


RLIMITS = {"as_mb": "RLIMIT_AS", "cpu_seconds": "RLIMIT_CPU", "file_mb": "RLIMIT_FSIZE",
           "open_files": "RLIMIT_NOFILE", "processes": "RLIMIT_NPROC"}


def _set_limits(limits: dict, extra_processes: int = 0) -> None:
    import resource

    for key, name in RLIMITS.items():
        value = int(limits[key])
        if key in ("as_mb", "file_mb"):
            value *= 1024 * 1024
        if key == "processes":
            value += extra_processes
        soft = value
        hard = value + 5 if key == "cpu_seconds" else value  # SIGXCPU first, SIGKILL 5 s later
        _, old_hard = resource.getrlimit(getattr(resource, name))
        if old_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, old_hard), min(hard, old_hard)
        resource.setrlimit(getattr(resource, name), (soft, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _drop_capabilities() -> None:
    """Empty every capability set of this process (belt and braces after the uid switch)."""
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.syscall(SYS_CAPSET, header, data), "capset")


def _user_processes(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                pass
    return count


def _forward_signals(child: int) -> None:
    """Pass signals on to the kernel (our own child, so its PID cannot be recycled until we reap it).

    SIGTERM means "end the kernel now": it becomes SIGKILL (the kernel, PID 1 of its namespace,
    would ignore a SIGTERM it has no handler for).
    """
    def forward(signum, _frame):
        try:  # the kernel has a session of its own: only this process passes signals on
            os.kill(child, signal.SIGKILL if signum == signal.SIGTERM else signum)
        except OSError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, forward)


def _supervise(child: int, pidfile: str | None) -> None:
    """Stay outside the kernel's PID namespace: forward signals, wait, exit like the kernel did."""
    if pidfile:
        with open(pidfile + ".tmp", "w") as f:
            f.write(str(child))
        os.replace(pidfile + ".tmp", pidfile)
    _forward_signals(child)
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except ChildProcessError:
            os._exit(1)
        except InterruptedError:
            continue
    code = os.waitstatus_to_exitcode(status)
    code = 128 - code if code < 0 else code
    if pidfile:
        try:
            with open(os.path.join(os.path.dirname(pidfile), "exit"), "w") as f:
                f.write(str(code))
        except OSError:
            pass
    os._exit(code)


def enter(spec: dict) -> None:
    """Confine this process as ``spec`` says; returns in the confined process (the kernel's PID 1).

    The calling process stays outside as a supervisor and never returns from here: it passes
    signals on, waits for the kernel, writes its exit code next to ``pidfile`` and exits the same way.
    """
    mode, limits = spec["mode"], spec["limits"]
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    uid, gid = (spec["uid"], spec["gid"]) if mode == "root" else (os.getuid(), os.getgid())
    if mode == "root":
        os.chown(spec["ipc_dir"], uid, gid)
        for name in os.listdir(spec["ipc_dir"]):
            os.chmod(os.path.join(spec["ipc_dir"], name), 0o644)
    # The supervisor stays in the grader's mount namespace (the kernel's pivot_root must not move it);
    # the PID namespace (and the user namespace, which grants the rights) are made before the fork.
    if mode != "none":
        unshare(CLONE_NEWPID | (CLONE_NEWUSER if mode == "userns" else 0))
        if mode == "userns":
            _map_ids(uid, gid)
    child = os.fork()
    if child:
        _supervise(child, spec.get("pidfile"))
    # the kernel-to-be (PID 1 of the new namespace), in a session of its own: signals come through
    # the supervisor
    os.setsid()
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if mode == "none":
        cwd = spec["none_cwd"]
        shutil.copytree(spec["files_from"], cwd, dirs_exist_ok=True)
        for inside, host in spec.get("copy_in", {}).items():
            target = os.path.join(spec["none_home"], os.path.relpath(inside, spec["home"]))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(host, target)
        os.chdir(cwd)
        _set_limits(limits, extra_processes=_user_processes(os.getuid()))
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        return
    unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
    _build_root(spec, uid, gid)
    os.chdir(spec["cwd"])
    _set_limits(limits)
    if mode == "root":
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the uid switch cleared it
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    _drop_capabilities()


def main(argv=None) -> None:
    """``python -m lrlab.grading.sandbox SPEC.json -- COMMAND...``: confine, then exec COMMAND."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 3 or argv[1] != "--":
        sys.exit("usage: python -m lrlab.grading.sandbox SPEC.json -- COMMAND...")
    with open(argv[0]) as f:
        spec = json.load(f)
    command = argv[2:]
    try:
        enter(spec)
    except OSError as err:
        print(f"lrlab sandbox: cannot confine the kernel: {err}", file=sys.stderr, flush=True)
        os._exit(70)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # the grader's workers ignore Ctrl-C; kernels must not
    env = dict(spec["env"])
    if spec["mode"] == "none":
        env["HOME"] = spec["none_home"]
        env["TMPDIR"] = spec["none_tmp"]
        env = {k: v.replace(spec["home"], spec["none_home"]) for k, v in env.items()}
    os.execve(command[0], command, env)


if __name__ == "__main__":
    main()
