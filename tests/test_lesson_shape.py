"""Lessons read as prose: the limits every student notebook keeps (solutions/README.md, "Reading pattern").

Measured over ``notebooks/*/*.ipynb``, the copies learners open, so hidden tests (already removed there)
never count. Each test names the lesson, the cell (its position and nbgrader id) and the limit it breaks.

* A teaching code cell (read-only, not a test) has at most ``TEACHING_LINES`` non-blank lines.
* A visible test cell has at most ``TEST_LINES`` non-blank lines: it calls a check from ``lrlab``.
* At most ``MARKDOWN_CELLS`` code cells per lesson build Markdown or HTML (``Markdown(``, ``HTML(``, ...).
* No code cell outside an answer holds a sentence: a string literal of ``SENTENCE_WORDS`` words or more.
  Words belong in Markdown cells; a short label in a printed line is fine.

Answer cells (what the learner writes) are exempt: writing them is the exercise.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize

import nbformat
import pytest

from nbcourse import NOTEBOOKS, ROOT

TEACHING_LINES = 15
TEST_LINES = 10
MARKDOWN_CELLS = 2
SENTENCE_WORDS = 12

STUDENT_NOTEBOOKS = sorted(NOTEBOOKS.glob("*/*.ipynb"))
_BUILDS_MARKDOWN = re.compile(r"\b(Markdown|HTML|display_markdown|display_html|Latex)\s*\(")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")


def _kind(cell) -> str:
    meta = cell.metadata.get("nbgrader", {})
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    return "teaching"


def _name(index: int, cell) -> str:
    gid = cell.metadata.get("nbgrader", {}).get("grade_id")
    return f"cell {index}" + (f" ({gid})" if gid else "")


def nonblank_lines(source: str) -> int:
    return sum(1 for line in source.splitlines() if line.strip())


def string_literals(source: str) -> list[str]:
    """The text of every string literal of a code cell, one per piece of an implicit concatenation
    (IPython magics and shell lines are skipped).

    An f-string's text is its literal parts with ``{}`` where a value goes, on every Python: from the
    syntax tree of the piece (Python 3.12+ tokenizes an f-string in parts, 3.11 as one token).
    """
    python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(python).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    pieces, depth, start = [], 0, None
    for tok in tokens:
        if tok.type == tokenize.STRING and depth == 0:
            pieces.append(tok.string)
        elif tok.type == getattr(tokenize, "FSTRING_START", -1):
            depth, start = depth + 1, (tok.start if depth == 0 else start)
        elif tok.type == getattr(tokenize, "FSTRING_END", -1):
            depth -= 1
            if depth == 0:
                lines = python.splitlines()[start[0] - 1:tok.end[0]]
                lines[-1] = lines[-1][:tok.end[1]]
                lines[0] = lines[0][start[1]:]
                pieces.append("\n".join(lines))
    found = []
    for piece in pieces:
        try:
            node = ast.parse(piece.strip(), mode="eval").body
        except SyntaxError:
            continue
        if isinstance(node, ast.JoinedStr):
            found.append("".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value)
    return found


def sentences_in_code(source: str) -> list[str]:
    """String literals long enough to be prose (``SENTENCE_WORDS`` words or more)."""
    return [s for s in string_literals(source) if len(_WORD.findall(s)) >= SENTENCE_WORDS]


def shape_problems(nb) -> list[str]:
    """Every way a notebook breaks the reading pattern, one line each."""
    problems, builders = [], []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        kind, lines = _kind(cell), nonblank_lines(cell.source)
        if kind == "answer":
            continue
        if kind == "teaching" and lines > TEACHING_LINES:
            problems.append(f"{_name(index, cell)}: a teaching cell of {lines} non-blank lines "
                            f"(at most {TEACHING_LINES}); move the plumbing into lrlab")
        if kind == "test" and lines > TEST_LINES:
            problems.append(f"{_name(index, cell)}: a visible test cell of {lines} non-blank lines "
                            f"(at most {TEST_LINES}); move its checks and hints into lrlab.course.exercises")
        if _BUILDS_MARKDOWN.search(cell.source):
            builders.append(_name(index, cell))
        for text in sentences_in_code(cell.source):
            problems.append(f"{_name(index, cell)}: prose in code ({len(_WORD.findall(text))} words: "
                            f"{text[:60]!r}...); write it in a Markdown cell")
    if len(builders) > MARKDOWN_CELLS:
        problems.append(f"{len(builders)} code cells build Markdown/HTML (at most {MARKDOWN_CELLS}): "
                        + ", ".join(builders))
    return problems


def test_there_are_student_notebooks():
    assert len(STUDENT_NOTEBOOKS) >= 5, f"expected the student notebooks in {NOTEBOOKS}"


@pytest.mark.parametrize("path", STUDENT_NOTEBOOKS, ids=lambda p: p.parent.name)
def test_lesson_reads_as_prose(path):
    problems = shape_problems(nbformat.read(path, as_version=4))
    assert not problems, (f"{path.relative_to(ROOT)} breaks the reading pattern "
                          f"(solutions/README.md):\n  " + "\n  ".join(problems))


# The measuring itself, on small made-up notebooks: each limit is caught, and only past its limit.

def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _code(source, **nbgrader):
    cell = nbformat.v4.new_code_cell(source)
    if nbgrader:
        cell.metadata["nbgrader"] = nbgrader
    return cell


def test_teaching_cell_limit_counts_non_blank_lines():
    at_limit = "\n\n".join(f"x{i} = {i}" for i in range(TEACHING_LINES))
    assert shape_problems(_nb(_code(at_limit))) == []
    over = shape_problems(_nb(_code(at_limit + "\ny = 1")))
    assert len(over) == 1 and "cell 0" in over[0] and f"{TEACHING_LINES + 1} non-blank" in over[0]


def test_visible_test_cell_limit_names_the_grade_id():
    source = "\n".join(f"check({i})" for i in range(TEST_LINES + 1))
    problems = shape_problems(_nb(_code(source, grade=True, solution=False, grade_id="test_ex1")))
    assert len(problems) == 1 and "(test_ex1)" in problems[0] and "visible test cell" in problems[0]


def test_answer_cells_are_exempt():
    source = "\n".join(f"y{i} = {i}" for i in range(40))
    assert shape_problems(_nb(_code(source, solution=True, grade=False, grade_id="ex1"))) == []


def test_more_than_two_markdown_building_cells_are_named():
    cells = [_code(f'display(Markdown(f"| {i} |"))') for i in range(MARKDOWN_CELLS + 1)]
    problems = shape_problems(_nb(*cells))
    assert len(problems) == 1 and "cell 0, cell 1, cell 2" in problems[0]
    assert shape_problems(_nb(*cells[:MARKDOWN_CELLS])) == []


def test_a_sentence_in_a_string_is_prose_but_a_label_is_not():
    sentence = 'print(f"The decaying run ends {r:.0f} times closer to the minimum than the constant one does.")'
    assert any("prose in code" in p for p in shape_problems(_nb(_code(sentence))))
    assert shape_problems(_nb(_code('print(f"lr = {lr:g}: final loss {loss:.3g}")'))) == []


def test_magics_do_not_break_the_measuring():
    assert string_literals('%matplotlib inline\nx = "a b"') == ["a b"]


def test_an_fstring_is_read_whole_with_its_literal_parts():
    """Python 3.12+ tokenizes an f-string in pieces; the syntax tree gives it whole on every Python."""
    assert string_literals('print(f"lr = {lr:.{p}g}: loss {loss!r}", "x")') == ["lr = {}: loss {}", "x"]
    words = " ".join(["word"] * SENTENCE_WORDS)
    assert sentences_in_code(f'y = f"{{a}} {words} {{b:.2f}}"'), "prose split by values is still prose"


def test_a_cell_that_does_not_parse_has_no_literals():
    assert string_literals("def broken(:\n    'some words here'") == []
