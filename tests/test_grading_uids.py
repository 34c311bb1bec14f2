"""Blocks of sandbox uids: two grading runs never hold the same one, and a dead run's block comes back.

Each test uses a lock folder of its own with two blocks, so it never competes with real grading runs
(which use ``/run/lrlab-grade``); the holders in other processes are real processes.
"""
import os
import signal
import subprocess
import sys
import time

import pytest

from lrlab.grading import uids
from lrlab.grading.kernels import KernelFactory

HOLD = """
import sys, time
from pathlib import Path
from lrlab.grading import uids
block = uids.acquire(lock_dir=Path(sys.argv[1]), blocks=2, size=10, note="holder")
print(block.index, flush=True)
time.sleep(120)
"""


@pytest.fixture
def holder(tmp_path):
    """Start a process that holds a block of ``tmp_path/locks``; returns (process, block index)."""
    started = []

    def start():
        proc = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "locks")], stdout=subprocess.PIPE,
                                text=True)
        started.append(proc)
        return proc, int(proc.stdout.readline())

    yield start
    for proc in started:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def _acquire(tmp_path, **kw):
    return uids.acquire(lock_dir=tmp_path / "locks", blocks=2, size=10, **kw)


def test_two_holders_get_disjoint_blocks_and_a_released_block_is_reused(tmp_path):
    first, second = _acquire(tmp_path), _acquire(tmp_path)
    assert (first.uids, second.uids) == (range(uids.UID_BASE, uids.UID_BASE + 10),
                                         range(uids.UID_BASE + 10, uids.UID_BASE + 20))
    first.release()
    again = _acquire(tmp_path)
    assert again.index == 0, "the block released first is free again"
    again.release()
    second.release()


def test_a_block_is_free_again_when_its_holder_is_killed_with_sigkill(tmp_path, holder):
    proc, index = holder()
    assert index == 0
    taken = _acquire(tmp_path)
    assert taken.index == 1, "block 0 is held by the other process"
    taken.release()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    block = _acquire(tmp_path)
    assert block.index == 0, "the killed process's lock went with it"
    block.release()


def test_when_every_block_is_held_a_run_waits_says_who_holds_them_and_stops_when_asked(tmp_path, holder):
    holder(), holder()
    said = []
    t0 = time.monotonic()
    got = _acquire(tmp_path, log=said.append, should_stop=lambda: time.monotonic() - t0 > 0.5, poll=0.1)
    assert got is None
    assert len(said) == 1 and said[0].startswith("all 2 blocks of sandbox uids are held by other grading runs (pid ")
    assert said[0].count(", holder") == 2 and "waiting for one of them to finish (Ctrl-C to stop)" in said[0]


def test_a_waiting_run_takes_the_block_its_holder_leaves(tmp_path, holder):
    (first, _), _ = holder(), holder()
    t0 = time.monotonic()

    def stop():  # the first holder ends after 0.3 s of waiting; give up after 20 s
        if first.poll() is None and time.monotonic() - t0 > 0.3:
            first.kill()
        return time.monotonic() - t0 > 20

    block = _acquire(tmp_path, should_stop=stop, poll=0.1)
    assert block is not None and block.index == 0
    block.release()


def test_lock_files_are_readable_by_root_only(tmp_path):
    block = _acquire(tmp_path)
    assert [oct(p.stat().st_mode & 0o777) for p in sorted((tmp_path / "locks").iterdir())] == ["0o600"]
    assert os.stat(tmp_path / "locks").st_mode & 0o777 == 0o700
    block.release()


def test_a_lock_folder_others_may_write_to_is_refused(tmp_path):
    (tmp_path / "locks").mkdir(mode=0o777)
    os.chmod(tmp_path / "locks", 0o777)
    with pytest.raises(RuntimeError, match="must be a folder owned by you that nobody else may write to"):
        _acquire(tmp_path)


def test_the_span_of_uids_covers_every_block():
    assert uids.uid_span() == range(uids.UID_BASE, uids.UID_BASE + uids.BLOCKS * uids.BLOCK_SIZE)


def test_a_root_kernel_factory_needs_the_runs_block(tmp_path):
    with pytest.raises(ValueError, match="uid_base: root mode needs the first uid of a block"):
        KernelFactory(tmp_path / "k", {}, mode="root", ro_paths=[])
    factory = KernelFactory(tmp_path / "k", {}, mode="root", ro_paths=[], uid_base=uids.UID_BASE + 2000,
                            uid_offset=3)
    assert factory.uid(1) == uids.UID_BASE + 2004


def test_without_root_a_kernel_keeps_the_graders_uid(tmp_path):
    factory = KernelFactory(tmp_path / "k", {}, mode="none", ro_paths=[])
    assert factory.uid(0) == os.getuid()
