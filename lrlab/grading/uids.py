"""Sandbox uids for one grading run: a block of uids that no other run on this machine holds.

As root, every kernel runs as a uid of its own, and a run kills every process of its uids when a
kernel ends, when a worker starts and when the run ends. Two runs at once (two lessons in two
terminals, two graders on one course server) must therefore never share a uid. The uids from
``UID_BASE`` up are cut into ``BLOCKS`` blocks of ``BLOCK_SIZE``; a run holds one block for its
whole life through an ``flock`` on ``LOCK_DIR/block-NN.lock``:

* the lock goes when the last process holding it ends, however it ends (finished, exception,
  Ctrl-C, ``kill -9``): the kernel drops an flock with the last open file description. Worker
  processes forked by the run share the description, so a block stays held while any of them still
  grades; kernels and the kernel template are started with ``exec`` and do not get it;
* a run that finds every block held waits, saying which runs hold them, until one is free (or it is
  interrupted);
* a run that takes a block first kills whatever a run killed with ``kill -9`` left under its uids
  (no living run holds them).

The lock files are root's, mode 0600 (only root runs use uids); the holder's pid and output
folder are written in them, for the waiting message.
"""
from __future__ import annotations

import fcntl
import os
import stat
import time
from pathlib import Path

UID_BASE = 3_100_000  # no account or file uses these ids
BLOCK_SIZE = 1000  # uids per run: 3 per worker, so at most 333 workers
BLOCKS = 64  # runs at once on one machine
LOCK_DIR = Path("/run/lrlab-grade") if os.path.isdir("/run") else Path("/var/lock/lrlab-grade")


class UidBlock:
    """The uids ``first .. first + BLOCK_SIZE - 1``, held by this run until ``release()``."""

    def __init__(self, index: int, handle, size: int = BLOCK_SIZE, base: int = UID_BASE):
        self.index = index
        self.handle = handle
        self.uids = range(base + index * size, base + (index + 1) * size)

    @property
    def first(self) -> int:
        return self.uids.start

    def __str__(self) -> str:
        return f"sandbox uids {self.uids.start}-{self.uids.stop - 1} (block {self.index})"

    def release(self) -> None:
        if self.handle is not None and not self.handle.closed:
            self.handle.close()


def uid_span(blocks: int = BLOCKS, size: int = BLOCK_SIZE, base: int = UID_BASE) -> range:
    """Every uid any grading run may give a kernel."""
    return range(base, base + blocks * size)


def _lock_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise RuntimeError(f"{path} must be a folder owned by you that nobody else may write to "
                           f"(it holds the grading runs' uid locks); remove it and run again")
    return path


def _holder(path: Path) -> str:
    try:
        return path.read_text().strip() or "a run"
    except OSError:
        return "a run"


def acquire(*, lock_dir: Path = LOCK_DIR, blocks: int = BLOCKS, size: int = BLOCK_SIZE, base: int = UID_BASE,
            note: str = "", log=lambda msg: None, should_stop=lambda: False, poll: float = 1.0) -> UidBlock | None:
    """Hold a free block of uids (waiting while all are held); None if ``should_stop()`` while waiting.

    ``note`` (the output folder) is written into the lock file for runs that have to wait.
    """
    folder = _lock_dir(Path(lock_dir))
    told = False
    while True:
        for index in range(blocks):
            path = folder / f"block-{index:02d}.lock"
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            handle = os.fdopen(fd, "r+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}, started {time.strftime('%H:%M:%S')}" + (f", {note}" if note else ""))
            handle.flush()
            return UidBlock(index, handle, size, base)
        if not told:
            holders = "; ".join(_holder(folder / f"block-{i:02d}.lock") for i in range(blocks))
            log(f"all {blocks} blocks of sandbox uids are held by other grading runs ({holders}); "
                f"waiting for one of them to finish (Ctrl-C to stop)")
            told = True
        deadline = time.monotonic() + poll
        while time.monotonic() < deadline:
            if should_stop():
                return None
            time.sleep(min(0.1, poll))
