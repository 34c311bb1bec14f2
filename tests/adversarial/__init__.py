"""Hostile submissions for the grading tests, and what the tests check after grading them."""
import os
import re
from pathlib import Path

from lrlab.grading.uids import uid_span

_BLOCK = re.compile(r"sandbox uids (\d+)-(\d+) \(block \d+\)")


def run_uids(out, since: int = 0) -> range | None:
    """The sandbox uids of the last grading run that wrote to ``out`` (as its ``grader.log`` records them after
    byte ``since``); None when that run held none (it stopped before grading, or ran without root)."""
    log = Path(out) / ".lrlab" / "grader.log"
    text = log.read_bytes()[since:].decode() if log.is_file() else ""
    found = _BLOCK.findall(text)
    return range(int(found[-1][0]), int(found[-1][1]) + 1) if found else None


def log_size(out) -> int:
    """Where the next run's lines will start in ``out``'s ``grader.log`` (for :func:`run_uids`)."""
    log = Path(out) / ".lrlab" / "grader.log"
    return log.stat().st_size if log.is_file() else 0


def sandbox_processes(uids: range | None = None) -> list[int]:
    """PIDs of every process owned by one of ``uids`` (by default any uid a grading run may use).

    Pass the run's own uids (:func:`run_uids`): other grading runs may be going on at the same time.
    """
    uids = uid_span() if uids is None else uids
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid in uids:
                    found.append(int(entry))
            except OSError:
                pass
    return found
