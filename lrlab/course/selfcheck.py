"""Check your lesson notebook before you hand it in: one command, or one line in a notebook cell.

    lrlab check my-work/02-three-learning-rates/02-three-learning-rates.ipynb

or, in a cell of the notebook itself (save first: the check reads the file)::

    from lrlab.course.selfcheck import check; check()

The saved notebook is executed top to bottom in a fresh kernel, the way the
grader will run it, and each exercise gets one verdict:

* **passed visible tests** — every visible test cell of the exercise ran
  without error (hidden tests only run when your instructor grades, so this
  is not yet full marks);
* **failed** — with the message of the first visible test that failed
  ("what: expected X, got Y. Hint: ...");
* **not answered yet** — the answer cell is still the stub, or it still
  raises ``NotImplementedError``;
* **needs manual grading** — a written answer, read by a person.

It also warns when a read-only ("locked") cell was changed or deleted: the
grader puts changed cells back and cannot grade deleted test cells. Changes
are found with the checksum nbgrader stores in every cell's metadata
(``nbgrader.utils.compute_checksum``) and, for deletions, by comparing with
the released copy of the lesson (found in the nbgrader exchange or in the
course's ``notebooks/`` folder, or given with ``--release``).

Hidden tests cannot leak: the student notebook does not contain them
(nbgrader removes them on release), this module never reads ``solutions/``,
and it shows only the messages of the visible tests in your own notebook,
never what your code printed. Works offline; nothing is sent anywhere.

>>> exercise_key("test_ex2_train_values"), exercise_key("ex2_train"), exercise_key("written_overshoot")
('ex2', 'ex2', 'written_overshoot')
"""
from __future__ import annotations

import argparse
import copy
import os
import re
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

from lrlab._moved import modernize

PASSED = "passed visible tests"
FAILED = "failed"
NOT_ANSWERED = "not answered yet"
MANUAL = "needs manual grading"
HIDDEN_ONLY = "answered; checked by hidden tests only"
NOT_RUN = "not checked"

TEXT_STUB = "YOUR ANSWER HERE"
ENV_GUARD = "LRLAB_SELFCHECK"
DEFAULT_COURSE_ID = "lrlab"
DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"


@dataclass
class Exercise:
    """One row of the report: an autograded exercise (answer + its test cells) or a written answer."""
    key: str
    title: str
    points: float
    status: str
    message: str = ""
    grade_ids: list = field(default_factory=list)


@dataclass
class Report:
    path: Path
    exercises: list
    warnings: list
    seconds: float
    reference: Path | None = None
    saved_at: float = 0.0

    @property
    def counts(self) -> dict:
        found = {}
        for ex in self.exercises:
            found[ex.status] = found.get(ex.status, 0) + 1
        return found

    @property
    def ready(self) -> bool:
        """Every exercise answered, no visible test failing, nothing locked changed or deleted."""
        return not self.warnings and all(ex.status in (PASSED, MANUAL, HIDDEN_ONLY) for ex in self.exercises)

    def format(self, width: int = 100) -> str:
        saved = time.strftime("%H:%M:%S", time.localtime(self.saved_at)) if self.saved_at else "?"
        lines = [f"Self-check of {self.path.name} (as saved at {saved}), run in a fresh kernel "
                 f"in {self.seconds:.1f} s.",
                 "Only the visible tests in your notebook were run; hidden tests run when your instructor "
                 "grades, so passing here is not yet full marks.", ""]
        title_w = max([len("exercise")] + [len(ex.title) for ex in self.exercises])
        lines.append(f"  {'exercise':{title_w}s}  points  result")
        indent = " " * (title_w + 12)
        for ex in self.exercises:
            head = f"  {ex.title:{title_w}s}  {ex.points:6g}  {ex.status}"
            lines.append(head)
            if ex.message:
                lines.extend(textwrap.wrap(ex.message, width=max(60, width),
                                           initial_indent=indent, subsequent_indent=indent + "  "))
        counts = self.counts
        order = (PASSED, FAILED, NOT_ANSWERED, MANUAL, HIDDEN_ONLY, NOT_RUN)
        lines += ["", "Summary: " + ", ".join(f"{counts[s]} {s}" for s in order if s in counts) + "."]
        if self.warnings:
            lines += ["", "Warnings:"]
            for w in self.warnings:
                lines.extend(textwrap.wrap(w, width=width, initial_indent="  ! ", subsequent_indent="    "))
        if self.reference is None:
            lines += ["", "(No released copy of this lesson was found, so deleted cells could not be detected; "
                          "give one with --release.)"]
        lines.append("")
        lines.append("Ready to submit." if self.ready else "Not ready yet: see the results above.")
        return "\n".join(lines)


def exercise_key(grade_id: str) -> str:
    """``ex<k>`` for an exercise's answer and test cells (``ex2_train``, ``test_ex2_train_values``)."""
    m = re.match(r"^(?:test_)?(ex\d+)_", grade_id)
    return m.group(1) if m else grade_id


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {}) if "nbgrader" in cell.metadata else {}


def _is_locked(cell) -> bool:
    from nbgrader.utils import is_locked

    return "nbgrader" in cell.metadata and is_locked(cell)


def _has_visible_code(source: str) -> bool:
    return any(line.strip() and not line.strip().startswith("#") for line in source.splitlines())


def _describe(cell, meta) -> str:
    if meta.get("grade"):
        return f"the test cell '{meta.get('grade_id')}'"
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    first = first.lstrip("#").strip()
    if len(first) > 60:
        first = first[:57] + "..."
    kind = "text" if cell.cell_type == "markdown" else "code"
    return f"the read-only {kind} cell '{meta.get('grade_id')}' (\"{first}\")"


def find_reference(path: Path) -> Path | None:
    """The released copy of this lesson, if one can be found (never the instructor's solutions).

    Looked for, in order: the nbgrader exchange (``$LRLAB_EXCHANGE`` or
    ``/srv/nbgrader/exchange``, course ``$LRLAB_COURSE_ID`` or ``lrlab``),
    then the course repository's ``notebooks/`` when lrlab is installed from one.
    """
    names = [path.stem]
    if path.parent.name not in names:
        names.append(path.parent.name)
    exchange = Path(os.environ.get("LRLAB_EXCHANGE", DEFAULT_EXCHANGE))
    course = os.environ.get("LRLAB_COURSE_ID", DEFAULT_COURSE_ID)
    roots = [exchange / course / "outbound", Path(__file__).resolve().parents[2] / "notebooks"]
    for root in roots:
        for lesson in names:
            candidate = root / lesson / path.name
            try:
                if candidate.is_file() and candidate.resolve() != path.resolve():
                    return candidate
            except OSError:
                continue
    return None


def _integrity(nb, ref) -> tuple[list, set, set]:
    """Warnings about locked cells, and the grade_ids that were changed / deleted."""
    from nbgrader.utils import compute_checksum

    warnings, changed, deleted = [], set(), set()
    seen = {}
    for cell in nb.cells:
        meta = _meta(cell)
        gid = meta.get("grade_id")
        if gid is None:
            continue
        seen[gid] = seen.get(gid, 0) + 1
    for gid, n in seen.items():
        if n > 1:
            warnings.append(f"The cell '{gid}' appears {n} times (copied?). The grader cannot grade a notebook "
                            f"with duplicated cells: delete the copies you made.")
    ref_cells = {}
    if ref is not None:
        ref_cells = {_meta(c)["grade_id"]: c for c in ref.cells if _meta(c).get("grade_id")}
    for cell in nb.cells:
        meta = _meta(cell)
        gid = meta.get("grade_id")
        if gid is None or not _is_locked(cell):
            continue
        stored = meta.get("checksum")
        original = ref_cells.get(gid)
        differs = (stored is not None and compute_checksum(cell) != stored) or \
                  (original is not None and (original.source != modernize(cell.source)
                                           or original.cell_type != cell.cell_type))
        if differs:
            changed.add(gid)
            what = _describe(original if original is not None else cell, meta)
            fix = ("the grader puts the original back and runs it, so your change does not count"
                   if meta.get("grade") else "the grader puts the original back")
            warnings.append(f"You changed {what}, which is read-only: {fix}. Undo the change (or copy the cell "
                            f"from a fresh copy of the lesson).")
    present = set(seen)
    for gid, cell in ref_cells.items():
        if gid in present:
            continue
        meta = _meta(cell)
        deleted.add(gid)
        if meta.get("grade"):
            consequence = ("without it the grader cannot grade this exercise automatically: it waits for "
                           "a person, or counts as 0")
        elif meta.get("solution"):
            consequence = "the grader has nothing to grade for it"
        else:
            consequence = "the notebook may no longer run the way the lesson expects"
        warnings.append(f"You deleted {_describe(cell, meta)}: {consequence}. Put it back from a fresh copy of "
                        f"the lesson (Edit > Undo Delete Cells, or copy it from the released notebook).")
    return warnings, changed, deleted


class _Outcome:
    """What happened when one code cell ran."""
    def __init__(self, state: str, ename: str = "", evalue: str = ""):
        self.state, self.ename, self.evalue = state, ename, evalue   # state: ok / error / timeout / died / not run


def _execute(nb, workdir: Path, timeout: float, kernel_name: str) -> tuple[dict, tuple | None]:
    """Run every code cell in a fresh kernel: ({cell index: outcome}, (why, detail, consequence) if it stopped)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, allow_errors=True,
                            interrupt_on_timeout=False, shutdown_kernel="immediate", record_timing=False,
                            resources={"metadata": {"path": str(workdir)}})
    env = dict(os.environ, **{ENV_GUARD: "1", "MPLBACKEND": "agg"})
    env.pop("JPY_SESSION_NAME", None)
    outcomes, stopped = {}, None
    # the kernel's own stderr (start-up warnings) is not the learner's business here
    with client.setup_kernel(env=env, stderr=subprocess.DEVNULL):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if stopped:
                outcomes[index] = _Outcome("not run")
                continue
            try:
                client.execute_cell(cell, index)
            except CellTimeoutError:
                outcomes[index] = _Outcome("timeout")
                stopped = (f"a cell ran for more than {timeout:g} s", "an endless loop?",
                           "The grader stops such a cell too, after its own time limit, and that exercise "
                           "gets no points.")
                continue
            except DeadKernelError:
                outcomes[index] = _Outcome("died")
                stopped = ("the kernel died", "os._exit, a crash, or all the memory used up",
                           "The grader cannot grade a notebook whose kernel dies: it would be marked not graded.")
                continue
            error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
            outcomes[index] = _Outcome("error", error["ename"], error["evalue"]) if error else _Outcome("ok")
    return outcomes, stopped


def _failure_message(outcome: _Outcome, where: str) -> str:
    if outcome.state == "timeout":
        return f"{where} did not finish in time: look for an endless loop."
    if outcome.state == "died":
        return (f"the kernel died while running {where} (os._exit, a crash, or all the memory used up); "
                f"the grader cannot grade a notebook that does this.")
    if outcome.ename in ("AssertionError", "LessonCheckError", "BorrowedAnswer"):  # the check's own words
        return outcome.evalue or f"an assert in {where} failed."
    detail = f": {outcome.evalue}" if outcome.evalue else ""
    return f"{where} stopped with {outcome.ename}{detail}"


def _exercise_rows(nb, outcomes: dict, stopped, changed: set, deleted: set, ref) -> list:
    """Group cells into exercises (a test cell belongs to the answer cell before it) and judge each."""
    from nbgrader.utils import compute_checksum

    groups, current = [], None
    for index, cell in enumerate(nb.cells):
        meta = _meta(cell)
        gid = meta.get("grade_id")
        if gid is None or not (meta.get("solution") or meta.get("grade")):
            continue
        if meta.get("solution") and (cell.cell_type == "markdown" or meta.get("grade")):
            groups.append({"kind": "manual", "answer": (index, cell), "tests": []})
            current = None
        elif meta.get("solution"):
            current = {"kind": "auto", "answer": (index, cell), "tests": []}
            groups.append(current)
        elif current is not None and exercise_key(gid) in (exercise_key(_meta(current["answer"][1])["grade_id"]),
                                                           gid):
            current["tests"].append((index, cell))
        else:
            groups.append({"kind": "auto", "answer": None, "tests": [(index, cell)]})
    # test cells that were deleted count against their exercise
    missing = {}
    if ref is not None:
        for cell in ref.cells:
            meta = _meta(cell)
            if meta.get("grade_id") in deleted and meta.get("grade") and not meta.get("solution"):
                missing.setdefault(exercise_key(meta["grade_id"]), []).append(meta)

    rows, number = [], 0
    for group in groups:
        if group["kind"] == "manual":
            index, cell = group["answer"]
            meta = _meta(cell)
            unchanged = meta.get("checksum") == compute_checksum(cell) or cell.source.strip() in ("", TEXT_STUB)
            rows.append(Exercise(key=meta["grade_id"], title=f"written: {meta['grade_id'].removeprefix('written_')}",
                                 points=float(meta.get("points") or 0), grade_ids=[meta["grade_id"]],
                                 status=NOT_ANSWERED if unchanged else MANUAL,
                                 message="" if unchanged else "your instructor reads and grades this answer."))
            continue
        number += 1
        rows.append(_judge(group, number, outcomes, stopped, changed, missing, ref is not None))
    return rows


def _judge(group, number, outcomes, stopped, changed, missing, restored) -> Exercise:
    from nbgrader.utils import compute_checksum

    tests = group["tests"]
    answer = group["answer"]
    if answer is not None:
        a_index, a_cell = answer
        a_meta = _meta(a_cell)
        key = exercise_key(a_meta["grade_id"])
        name = re.sub(r"^ex\d+_", "", a_meta["grade_id"])
    else:
        key = exercise_key(_meta(tests[0][1])["grade_id"])
        name = _meta(tests[0][1])["grade_id"]
    lost = missing.get(key, [])
    points = sum(float(_meta(c).get("points") or 0) for _, c in tests) + sum(float(m.get("points") or 0)
                                                                            for m in lost)
    ex = Exercise(key=key, title=f"{number} {name}", points=points, status=PASSED,
                  grade_ids=([a_meta["grade_id"]] if answer is not None else []) +
                  [_meta(c)["grade_id"] for _, c in tests])
    notes = []
    if lost:
        notes.append(f"test cell {', '.join(m['grade_id'] for m in lost)} was deleted (see the warnings).")
    edited = [_meta(c)["grade_id"] for _, c in tests if _meta(c)["grade_id"] in changed]
    if edited:
        notes.append(f"you edited {', '.join(edited)}: " + ("this result is for the original test, which the "
                     "grader runs instead of yours." if restored else "this result is for your edited version; the "
                     "grader runs the original instead."))

    def done(status, message=""):
        ex.status = status
        ex.message = " ".join([message] + notes).strip()
        return ex

    if answer is not None:
        a_out = outcomes.get(a_index, _Outcome("not run"))
        if a_meta.get("checksum") == compute_checksum(a_cell):
            return done(NOT_ANSWERED, "replace 'raise NotImplementedError()' with your code.")
        if a_out.state == "not run":
            return done(NOT_RUN, f"the check stopped at an earlier cell ({stopped[0]}).")
        if a_out.state == "error" and a_out.ename == "NotImplementedError":
            return done(NOT_ANSWERED, "your answer cell still raises NotImplementedError.")
        if a_out.state != "ok":
            return done(FAILED, _failure_message(a_out, "your answer cell"))
    visible = [(i, c) for i, c in tests if _has_visible_code(c.source)]
    for index, cell in visible:
        out = outcomes.get(index, _Outcome("not run"))
        if out.state == "ok":
            continue
        if out.state == "not run":
            return done(NOT_RUN, f"the check stopped at an earlier cell ({stopped[0]}).")
        if out.state == "error" and out.ename == "NotImplementedError":
            return done(NOT_ANSWERED, "part of your answer still raises NotImplementedError.")
        return done(FAILED, _failure_message(out, f"the test cell {_meta(cell)['grade_id']}"))
    hidden = sum(float(_meta(c).get("points") or 0) for _, c in tests if not _has_visible_code(c.source))
    if not visible:
        return done(HIDDEN_ONLY, "this exercise has no visible test: it is checked when your instructor grades.")
    message = f"{hidden:g} more point(s) depend on hidden tests, run when your instructor grades." if hidden else ""
    return done(PASSED, message)


def check_notebook(path, *, release=None, timeout: float = 60.0, kernel_name: str = "python3") -> Report:
    """Execute the saved notebook at ``path`` in a fresh kernel and judge every exercise (see the module doc).

    ``release``: the released copy of the lesson to compare with (default: ``find_reference``);
    ``timeout``: seconds one cell may run before the check stops there.
    """
    import nbformat

    from lrlab._validate import positive

    timeout = positive("timeout", timeout)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a path to a .ipynb file, got {type(path).__name__} {path!r}")
    path = Path(path).expanduser().resolve()
    if path.suffix != ".ipynb":
        raise ValueError(f"path must be a notebook (.ipynb), got {path}")
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {path}")
    nb = nbformat.read(path, as_version=4)
    if not any("nbgrader" in c.metadata for c in nb.cells):
        raise ValueError(f"{path.name} has no exercises to check (no nbgrader cells): is it a lesson notebook?")
    reference = Path(release).expanduser().resolve() if release is not None else find_reference(path)
    if reference is not None and not reference.is_file():
        raise FileNotFoundError(f"release must be the released lesson notebook; no file at {reference}")
    ref = nbformat.read(reference, as_version=4) if reference is not None else None
    warnings, changed, deleted = _integrity(nb, ref)
    t0 = time.monotonic()
    run = copy.deepcopy(nb)
    if ref is not None:  # like the grader, run the original of every read-only cell that was edited
        originals = {_meta(c)["grade_id"]: c for c in ref.cells if _meta(c).get("grade_id")}
        for cell in run.cells:
            gid = _meta(cell).get("grade_id")
            if gid in changed and gid in originals:
                cell.source = originals[gid].source
    outcomes, stopped = _execute(run, path.parent, timeout, kernel_name)
    rows = _exercise_rows(nb, outcomes, stopped, changed, deleted, ref)
    if stopped:
        warnings.insert(0, f"The check stopped early: {stopped[0]} ({stopped[1]}). {stopped[2]}")
    return Report(path=path, exercises=rows, warnings=warnings, seconds=time.monotonic() - t0,
                  reference=reference, saved_at=path.stat().st_mtime)


def _current_notebook() -> Path:
    """The notebook this kernel belongs to (JupyterLab tells the kernel its path), else the only one here."""
    session = None
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            session = shell.user_ns.get("__session__")
    except ImportError:
        pass
    session = session or os.environ.get("JPY_SESSION_NAME")
    if session and session.endswith(".ipynb"):
        candidate = Path(session)
        if not candidate.is_absolute():
            candidate = Path.cwd() / candidate.name
        if candidate.is_file():
            return candidate
    found = sorted(Path.cwd().glob("*.ipynb"))
    if len(found) == 1:
        return found[0]
    raise FileNotFoundError("cannot tell which notebook to check: call check(\"your-notebook.ipynb\")")


def check(path=None, *, timeout: float = 60.0) -> None:
    """Self-check from a notebook cell: ``from lrlab.course.selfcheck import check; check()``.

    Checks the notebook *as saved* (save first), prints the report. Inside the
    check's own kernel this call does nothing (so the check does not run itself).
    """
    if os.environ.get(ENV_GUARD):
        print("(lrlab self-check: skipped inside the check itself)")
        return None
    report = check_notebook(path if path is not None else _current_notebook(), timeout=timeout)
    print(report.format())
    return None


def main(argv=None) -> int:
    """``lrlab check NOTEBOOK ...``: exit 0 when every notebook is ready to submit, 1 when not, 2 on bad input."""
    parser = argparse.ArgumentParser(
        prog="lrlab check",
        description="Run your lesson notebook in a fresh kernel and say, per exercise, whether its visible "
                    "tests pass, fail, or the exercise is not answered yet. Hidden tests are not run (they "
                    "are not in your notebook). Warns about changed or deleted read-only cells.")
    parser.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK",
                        help="a lesson notebook (.ipynb), or a folder holding one")
    parser.add_argument("--release", type=Path, help="the released copy of the lesson to compare with "
                                                     "(default: found in the exchange or notebooks/)")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S",
                        help="seconds one cell may run before the check stops (default 60)")
    args = parser.parse_args(argv)
    paths = []
    for given in args.notebooks:
        if given.is_dir():
            found = sorted(p for p in given.glob("*.ipynb") if not p.name.startswith("."))
            if not found:
                print(f"lrlab check: no notebook in {given}", file=sys.stderr)
                return 2
            paths += found
        else:
            paths.append(given)
    ready = True
    for number, path in enumerate(paths):
        try:
            report = check_notebook(path, release=args.release, timeout=args.timeout)
        except (FileNotFoundError, ValueError, TypeError) as err:
            print(f"lrlab check: {err}", file=sys.stderr)
            return 2
        if number:
            print()
        print(report.format())
        ready = ready and report.ready
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
