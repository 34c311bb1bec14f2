"""A one-line progress bar on stderr (a plain line now and then when stderr is not a terminal).

>>> bar = Progress(4, stream=None)
>>> bar.update(graded=1); bar.done
1
"""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, *, stream=sys.stderr, label: str = "grading"):
        self.total, self.stream, self.label = total, stream, label
        self.counts = {"graded": 0, "needs manual grading": 0, "not graded": 0}
        self.started = time.monotonic()
        self._last = 0.0
        self._shown = -1
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def update(self, **counts) -> None:
        for key, n in counts.items():
            key = key.replace("_", " ")
            self.counts[key] = self.counts.get(key, 0) + n
        self.draw()

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done) if self.done else None
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        eta = f", ~{_clock(left)} left" if left is not None and self.done < self.total else ""
        return (f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}: "
                f"{self.counts['graded']} graded, {self.counts['needs manual grading']} flagged, "
                f"{self.counts['not graded']} not graded ({_clock(elapsed)}{eta})")

    def draw(self, final: bool = False) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if self.tty:
            self.stream.write("\r" + self.line() + ("\n" if final else ""))
            self.stream.flush()
        elif (final or now - self._last > 10 or self.done == self.total) and self._shown != self.done:
            self._last, self._shown = now, self.done
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def close(self) -> None:
        self.draw(final=True)


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"
