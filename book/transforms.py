"""Turn a lesson from solutions/ into the notebook a book edition renders.

The source of every lesson is its nbgrader notebook in ``solutions/``: it
holds the solutions, the hidden tests and the model answers. The book shows
two editions of it (Neuromatch's ``process_notebooks.py`` idea: one source,
small tested transformations, generated copies):

============================  ===================================  ==================================
nbgrader cell                 public edition                       instructor edition
============================  ===================================  ==================================
autograded answer (code)      source removed (the exercise's       source in a collapsed toggle
                              skeleton shown above it as a static  ("Show the solution"), outputs
                              block), outputs kept                 shown
autograder tests (code)       hidden tests removed, the visible    same
                              checks in a collapsed toggle
manually graded answer (md)   replaced by a prompt                 model answer in a collapsed box
mark scheme (task cells)      removed                              in a collapsed box
everything else               unchanged                            unchanged
============================  ===================================  ==================================

The solution code stays in the notebook that is executed (later cells call the
functions it defines); the public edition only drops it from the page
(myst-nb's ``remove-input`` tag), and the book's build never publishes the
notebook files themselves. Code cells are identical in both editions, so the
execution cache of one edition serves the other.

>>> strip_region("a\\n### BEGIN HIDDEN TESTS\\nb\\n### END HIDDEN TESTS\\nc", HIDDEN_TESTS)
'a\\nc'
>>> solution_stub("def f(x):\\n    ### BEGIN SOLUTION\\n    return x\\n    ### END SOLUTION")
'def f(x):\\n    # YOUR CODE HERE\\n    raise NotImplementedError()'
"""
from __future__ import annotations

import copy
import re

import nbformat

EDITIONS = ("public", "instructor")

#: nbgrader's markers, as (begin, end) substrings of a line (nbgrader matches substrings too).
SOLUTION = ("BEGIN SOLUTION", "END SOLUTION")
HIDDEN_TESTS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
MARK_SCHEME = ("=== BEGIN MARK SCHEME ===", "=== END MARK SCHEME ===")

#: What a learner sees in place of a solution (the same stub as nbgrader_config.py).
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"

#: Labels of the collapsed toggles (myst-nb's per-cell ``code_prompt_show``/``code_prompt_hide``).
SHOW_SOLUTION, HIDE_SOLUTION = "Show the solution", "Hide the solution"
SHOW_CHECKS, HIDE_CHECKS = "Show the checks this cell runs", "Hide the checks"


def role(cell) -> str:
    """What an nbgrader cell is for: ``"answer"``, ``"tests"``, ``"written"``, ``"task"`` or ``"plain"``.

    ``answer``: code the learner writes (graded by tests); ``tests``: autograder
    tests; ``written``: a manually graded Markdown answer; ``task``: a
    manually graded task cell (may hold a mark scheme); ``plain``: the rest.
    """
    meta = cell.get("metadata", {}).get("nbgrader", {})
    solution, grade = bool(meta.get("solution")), bool(meta.get("grade"))
    if meta.get("task"):
        return "task"
    if solution and cell["cell_type"] == "code":
        return "answer"
    if solution and grade:
        return "written"
    if grade and cell["cell_type"] == "code":
        return "tests"
    return "plain"


def _regions(source: str, markers: tuple[str, str]):
    """Yield ``(line, inside, is_marker)`` for every line, raising on unbalanced markers."""
    begin, end = markers
    inside = False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise ValueError(f"nested {begin!r} marker in:\n{source}")
            inside = True
            yield line, True, True
        elif end in line:
            if not inside:
                raise ValueError(f"{end!r} without {begin!r} in:\n{source}")
            inside = False
            yield line, True, True
        else:
            yield line, inside, False
    if inside:
        raise ValueError(f"{begin!r} without {end!r} in:\n{source}")


def strip_region(source: str, markers: tuple[str, str]) -> str:
    """``source`` without the marked regions (markers included), like nbgrader's ClearHiddenTests."""
    return "\n".join(line for line, inside, _ in _regions(source, markers) if not inside)


def region(source: str, markers: tuple[str, str]) -> str:
    """Only the text inside the marked regions (markers excluded)."""
    return "\n".join(line for line, inside, marker in _regions(source, markers) if inside and not marker)


def strip_markers(source: str, markers: tuple[str, str]) -> str:
    """``source`` with the marker lines removed and everything between them kept."""
    return "\n".join(line for line, _, marker in _regions(source, markers) if not marker)


def solution_stub(source: str, stub: str = CODE_STUB) -> str:
    """What nbgrader releases to learners for an answer cell: each solution region becomes ``stub``.

    The stub is indented like the BEGIN marker; a cell without markers becomes
    the stub alone (nbgrader's ClearSolutions does the same).
    """
    if SOLUTION[0] not in source:
        return stub
    out = []
    for line, inside, marker in _regions(source, SOLUTION):
        if marker and SOLUTION[0] in line:
            indent = re.match(r"\s*", line).group(0)
            out.extend(indent + s for s in stub.split("\n"))
        elif not inside:
            out.append(line)
    return "\n".join(out)


def _tag(cell, *tags):
    tags_now = cell.setdefault("metadata", {}).setdefault("tags", [])
    tags_now.extend(t for t in tags if t not in tags_now)


def _prompts(cell, show, hide):
    cell["metadata"].setdefault("mystnb", {}).update(code_prompt_show=show, code_prompt_hide=hide)


def _points(cell) -> str:
    points = cell["metadata"].get("nbgrader", {}).get("points")
    if points is None:
        return ""
    return f" ({points:g} point{'s' if points != 1 else ''})"


def _fence(body: str, language: str = "") -> str:
    """A Markdown code fence long enough for ``body`` (which may hold fences of its own)."""
    ticks = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`{3,}", body)), default=0))
    return f"{ticks}{language}\n{body}\n{ticks}"


def _colon_box(kind: str, title: str, body: str, *, dropdown: bool) -> str:
    """A MyST admonition written with colons (needs the ``colon_fence`` extension)."""
    fence = ":" * max(3, 1 + max((len(m) for m in re.findall(r"^:{3,}", body, re.M)), default=0))
    options = ":class: dropdown\n" if dropdown else ""
    return f"{fence}{{{kind}}} {title}\n{options}\n{body}\n{fence}"


def _new_id(cell, suffix: str) -> str:
    """A cell id derived from ``cell``'s (ids must not change between builds, or every build re-reads every page)."""
    base = cell.get("id") or cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or "cell"
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"{base}-{suffix}")[-64:]


def skeleton_cell(answer_cell):
    """A Markdown cell showing the exercise as learners get it (stub in place of the solution)."""
    text = ("In the notebook you complete this cell. The output below is what a correct answer "
            "gives.\n\n" + _fence(solution_stub(answer_cell["source"]), "python"))
    cell = nbformat.v4.new_markdown_cell(text, metadata={"lrlab_book": "skeleton"})
    cell["id"] = _new_id(answer_cell, "skeleton")
    return cell


def written_prompt(cell):
    """The prompt that replaces a model answer in the public edition."""
    body = ("Write your answer in this cell of the notebook (open the lesson with the launch button "
            "at the top of the page, or locally with `python3 course.py lab`). Your instructor grades it.")
    new = copy.deepcopy(cell)
    new["source"] = _colon_box("admonition", f"Your answer{_points(cell)}", body, dropdown=False)
    new["metadata"]["lrlab_book"] = "prompt"
    return new


def model_answer(cell):
    """The model answer in a collapsed box (instructor edition)."""
    new = copy.deepcopy(cell)
    new["source"] = _colon_box("admonition", f"Model answer{_points(cell)}", cell["source"].strip(),
                               dropdown=True)
    new["metadata"]["lrlab_book"] = "model-answer"
    return new


def _task(cell, edition):
    """A task cell: its mark scheme removed (public) or put in a collapsed box (instructor)."""
    new = copy.deepcopy(cell)
    if MARK_SCHEME[0] not in cell["source"]:
        return new
    text = strip_region(cell["source"], MARK_SCHEME).rstrip()
    if edition == "instructor":
        scheme = region(cell["source"], MARK_SCHEME).strip()
        text += "\n\n" + _colon_box("admonition", "Mark scheme", scheme, dropdown=True)
    new["source"] = text
    return new


def fingerprint_cell(fingerprint: str):
    """A code cell that shows nothing and only changes the notebook's hash when ``fingerprint`` does.

    The execution cache looks at code cells only; putting the fingerprint of the
    ``lrlab`` sources in one makes the cache re-run a lesson after the package changed.
    """
    cell = nbformat.v4.new_code_cell(f"# lrlab sources: {fingerprint}")
    cell["id"] = "lrlab-book-fingerprint"
    _tag(cell, "remove-cell")
    return cell


def for_edition(nb, edition: str, *, fingerprint: str | None = None):
    """A copy of lesson notebook ``nb`` (from solutions/) made for one book edition.

    ``edition`` is ``"public"`` or ``"instructor"``; ``nb`` is not changed.
    Outputs are cleared (the build executes the notebook).
    """
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}, got {edition!r}")
    out = copy.deepcopy(nb)
    cells = []
    if fingerprint is not None:
        cells.append(fingerprint_cell(fingerprint))
    for cell in out.cells:
        kind = role(cell)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        if kind == "answer":
            if edition == "public":
                cells.append(skeleton_cell(cell))
                _tag(cell, "remove-input")
            else:
                _tag(cell, "hide-input")
                _prompts(cell, SHOW_SOLUTION, HIDE_SOLUTION)
            cell["source"] = strip_markers(cell["source"], SOLUTION)
            cells.append(cell)
        elif kind == "tests":
            cell["source"] = strip_region(cell["source"], HIDDEN_TESTS).rstrip("\n")
            _tag(cell, "hide-input")
            _prompts(cell, SHOW_CHECKS, HIDE_CHECKS)
            cells.append(cell)
        elif kind == "written":
            cells.append(written_prompt(cell) if edition == "public" else model_answer(cell))
        elif kind == "task":
            cells.append(_task(cell, edition))
        else:
            cells.append(cell)
    out.cells = cells
    return out
