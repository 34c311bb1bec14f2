"""Small result tables for the lessons: a notebook shows numbers as a table, never as a sentence.

A :class:`Table` keeps its rows as data (so the cell that shows it can also assert on them) and
displays itself as a Markdown table in Jupyter and in the book, and as aligned text elsewhere.

>>> t = Table(["lr", "final loss"], [[0.001, 20.46], [0.1, 5.09e-09]], formats=["g", ".3g"])
>>> print(t)
lr     final loss
0.001  20.5
0.1    5.09e-09
>>> t.column("lr")
[0.001, 0.1]
"""
from __future__ import annotations

from collections.abc import Sequence


def _cell(value, spec: str) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "—"
    try:
        return format(value, spec)
    except (TypeError, ValueError):
        return str(value)


class Table:
    """Rows of values under named columns.

    ``formats`` is one format spec per column (``"g"``, ``".3g"``, ``".1%"``...), or a single spec for
    all; strings are shown as they are. ``caption`` is printed above the table.
    """

    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence], *, formats=".4g", caption=None):
        if isinstance(columns, str) or not isinstance(columns, Sequence) or not columns:
            raise TypeError(f"columns must be a non-empty list of column names, got {columns!r}")
        self.columns = [str(c) for c in columns]
        self.rows = [list(r) for r in rows]
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"rows[{i}] has {len(row)} values but there are {len(self.columns)} columns")
        if isinstance(formats, str):
            formats = [formats] * len(self.columns)
        self.formats = list(formats)
        if len(self.formats) != len(self.columns):
            raise ValueError(f"formats must give one spec per column ({len(self.columns)}), "
                             f"got {len(self.formats)}")
        if caption is not None and not isinstance(caption, str):
            raise TypeError(f"caption must be a string or None, got {caption!r}")
        self.caption = caption

    def column(self, name: str) -> list:
        """The values of one column, in row order."""
        if name not in self.columns:
            raise KeyError(f"no column {name!r}; the columns are {self.columns}")
        j = self.columns.index(name)
        return [row[j] for row in self.rows]

    def _strings(self) -> list[list[str]]:
        return [[_cell(x, f) for x, f in zip(row, self.formats)] for row in self.rows]

    def _repr_markdown_(self) -> str:
        lines = [f"**{self.caption}**", ""] if self.caption else []
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join(" --- " for _ in self.columns) + "|")
        lines += ["| " + " | ".join(s.replace("|", "\\|") for s in row) + " |" for row in self._strings()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        body = [self.columns] + self._strings()
        widths = [max(len(r[j]) for r in body) for j in range(len(self.columns))]
        text = ["  ".join(s.ljust(w) for s, w in zip(r, widths)).rstrip() for r in body]
        return "\n".join(([self.caption] if self.caption else []) + text)

    __str__ = __repr__
