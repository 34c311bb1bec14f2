"""One result file per student and lesson, written atomically: what makes a run resumable.

``ResultStore(folder)`` keeps ``<folder>/<lesson>/<student>.json`` (and the
graded notebook next to it, ``<student>.ipynb``). ``write`` goes through a
temporary file and ``os.replace``, so a file is either the old result or the
new one, never half of each, even if the run is killed mid-write.
``is_current(result, submission_sha, key)`` tells a rerun which students it
can skip: the same submission bytes graded under the same lesson version and
limits (``key``). Results marked ``retry`` (the grader itself failed, not the
student's code) are always graded again.

Statuses: ``graded``; ``needs manual grading`` (graded, but a person should
look: see ``reason``); ``not graded`` (no score: see ``reason``).
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

GRADED, MANUAL, NOT_GRADED = "graded", "needs manual grading", "not graded"
STATUSES = (GRADED, MANUAL, NOT_GRADED)


def atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class ResultStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, lesson: str, student: str, suffix: str = ".json") -> Path:
        return self.folder / lesson / f"{student}{suffix}"

    def read(self, lesson: str, student: str) -> dict | None:
        try:
            return json.loads(self.path(lesson, student).read_text())
        except (OSError, ValueError):
            return None

    def write(self, result: dict, notebook: bytes | None = None) -> None:
        """Store ``result`` (and the graded notebook); the JSON goes last, so it marks completion."""
        lesson, student = result["lesson"], result["student"]
        if notebook is not None:
            atomic_write(self.path(lesson, student, ".ipynb"), notebook, 0o600)
        atomic_write(self.path(lesson, student), json.dumps(result, indent=1, sort_keys=True).encode(), 0o600)

    def all(self) -> list[dict]:
        found = []
        for path in sorted(self.folder.glob("*/*.json")):
            try:
                found.append(json.loads(path.read_text()))
            except (OSError, ValueError):
                pass
        return found


def is_current(result: dict | None, submission_sha: str, key: str) -> bool:
    return (result is not None and not result.get("retry") and result.get("sha256") == submission_sha
            and result.get("key") == key and result.get("status") in STATUSES)
