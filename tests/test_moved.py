"""Old module names (before the layers) keep working, as the same modules, with one warning."""
import subprocess
import sys
import textwrap

import nbformat
import pytest

from nbcourse import ROOT, restore_solutions, solution_path

OLD_NOTEBOOK = ROOT / "tests" / "fixtures" / "before_layers" / "02-three-learning-rates.ipynb"


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-W", "default", "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_every_old_spelling_gives_the_new_module_and_one_warning():
    out = run_python("""
        import lrlab, lrlab.plots, lrlab.exercises.lesson02
        from lrlab import engine, theory
        from lrlab.widgets import LRExplorer
        from lrlab.course import plots, widgets
        from lrlab.course.exercises import lesson02
        from lrlab.train import engine as new_engine
        assert lrlab.plots is plots and lrlab.exercises.lesson02 is lesson02, "old names must alias"
        assert engine is new_engine and LRExplorer is widgets.LRExplorer
        assert lrlab.optimizers.Adam is __import__("lrlab.optim.optimizers", fromlist=["Adam"]).Adam
        print("ok")
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
    warnings = [line for line in out.stderr.splitlines() if "FutureWarning" in line]
    assert len(warnings) == 1, out.stderr
    assert "lrlab.plots is now lrlab.course.plots" in warnings[0]
    assert "engine, batched, finder, curvature, theory, diagnosis -> lrlab.train" in warnings[0]


def test_new_names_do_not_warn():
    out = run_python("""
        import warnings
        warnings.simplefilter("error")
        from lrlab.train import engine, theory
        from lrlab.course import plots, widgets
        from lrlab.course.exercises import lesson08
        import lrlab.studies.tuning, lrlab.grading.run, lrlab.cli
    """)
    assert out.returncode == 0, out.stderr


def test_an_unknown_name_is_still_an_error():
    out = run_python("import lrlab\nlrlab.nonexistent")
    assert "module 'lrlab' has no attribute 'nonexistent'" in out.stderr


@pytest.mark.slow
def test_lesson_02_as_released_before_the_move_runs_with_one_warning():
    # a learner's my-work copy: the old import lines, with the learner's answers filled in
    from nbclient import NotebookClient
    old = nbformat.read(OLD_NOTEBOOK, as_version=4)
    assert any("from lrlab import article, engine, plots, theory" in c.source for c in old.cells)
    nb = restore_solutions(old, nbformat.read(solution_path("02-three-learning-rates"), as_version=4))
    NotebookClient(nb, kernel_name="python3", timeout=120, allow_errors=True,
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, f"{errors[0].ename}: {errors[0].evalue}"
    warned = [o.text for c in nb.cells for o in c.get("outputs", [])
              if o.output_type == "stream" and o.name == "stderr" and "FutureWarning" in o.text]
    assert len(warned) == 1 and "is now lrlab." in warned[0], warned
