"""Hostile submissions for the grading tests, and what the tests check after grading them."""
import os

from lrlab.grading.kernels import UID_BASE


def sandbox_processes() -> list[int]:
    """PIDs of every process owned by a uid the grader's sandboxes use (there should be none after a run)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if UID_BASE <= os.stat(f"/proc/{entry}").st_uid < UID_BASE + 1000:
                    found.append(int(entry))
            except OSError:
                pass
    return found
