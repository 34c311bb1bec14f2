"""``tests/executed.py``: a notebook runs once per test run, keyed by its content, and is shared."""
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from executed import Executed, first_error

pytestmark = pytest.mark.slow  # starts kernels


def _nb():
    return new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("1 / 0"), new_code_cell("print('after', x)")])


def test_a_notebook_runs_once_and_every_caller_gets_the_same_copy(tmp_path):
    first, second = Executed(tmp_path / "run"), Executed(tmp_path / "run")  # e.g. two xdist workers
    nb = _nb()
    got = first.run(nb, tmp_path)
    assert second.run(nb, tmp_path) == got and (first.executions, second.executions) == (1, 0)
    i, err = first_error(got)
    assert (i, err.ename) == (1, "ZeroDivisionError")
    assert got.cells[2].outputs[0].text == "after 1\n", "errors allowed: the cells after the error ran"
    assert nb.cells[0].outputs == [], "the caller's notebook is left alone"


def test_stopping_at_the_first_error_is_another_execution_that_runs_nothing_after_it(tmp_path):
    executed = Executed(tmp_path / "run")
    stopped = executed.run(_nb(), tmp_path, stop_at_error=True)
    assert first_error(stopped)[0] == 1 and stopped.cells[2].outputs == []
    assert executed.run(_nb(), tmp_path)["cells"][2].outputs, "the full run is not the stopped one"
    assert executed.executions == 2


def test_the_content_and_the_folder_are_the_key(tmp_path):
    executed = Executed(tmp_path / "run")
    nb = _nb()
    executed.run(nb, tmp_path)
    nb.cells[0].source = "x = 2"
    assert executed.run(nb, tmp_path).cells[2].outputs[0].text == "after 2\n"
    (tmp_path / "elsewhere").mkdir()
    executed.run(nb, tmp_path / "elsewhere")
    assert executed.executions == 3


def test_a_path_runs_in_its_own_folder(tmp_path):
    folder = tmp_path / "lesson"
    folder.mkdir()
    (folder / "data.txt").write_text("here")
    path = folder / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("print(open('data.txt').read())")]), path)
    assert Executed(tmp_path / "run").run(path).cells[0].outputs[0].text == "here\n"
