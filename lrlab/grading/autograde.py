"""Grade one student with nbgrader's ``Autograde`` converter, in a worker's private course folder.

A ``StudentGrader`` lives in one worker process for the whole run (so
nbgrader, nbconvert and the database layer are imported once, not once per
student). Its course folder and gradebook (a copy of the lesson registration)
are its own: student code never sees them, and workers never write to the
same database. For each submission it

1. checks the notebook's shape (``intake.inspect``);
2. launches the student's kernel ahead of need (``launch``) in the sandbox,
   with a working directory that holds only the student's own files and the
   lesson's data files: not nbgrader's ``autograded/`` folder, where the
   sanitized notebook *with the hidden tests* is written before it runs;
3. runs nbgrader's ``Autograde`` (sanitize: restore locked cells, put back
   deleted test cells, fix cell types; then execute and ``SaveAutoGrades``)
   with ``execute.GuardedExecute`` in place of ``Execute``;
4. reads the scores back from its gradebook, renders the feedback
   (``feedback.render``) and writes the result files atomically
   (``results.ResultStore``).
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from jupyter_core.utils import run_sync

from . import feedback as fb
from . import owncopy
from . import speedups
from .execute import ExecutionContext, GuardedExecute
from .intake import Submission, inspect
from .kernels import KernelFactory, kill_uid, start_zygote, stop_kernel
from .lesson import Lesson, course_config, source_folder
from .results import GRADED, MANUAL, NOT_GRADED, ResultStore, atomic_write


@dataclass
class Limits:
    """Limits on one student's code (see ``sandbox.describe`` for what each one means)."""

    cell_timeout: float = 30.0
    notebook_timeout: float = 300.0
    memory_mb: int = 2048
    processes: int = 64
    output_mb: float = 1.0
    file_mb: int = 64
    tmpfs_mb: int = 256
    open_files: int = 256
    interrupt_grace: float = 3.0

    def for_sandbox(self) -> dict:
        return {"as_mb": self.memory_mb, "cpu_seconds": int(self.notebook_timeout + 30),
                "file_mb": self.file_mb, "open_files": self.open_files, "processes": self.processes,
                "tmpfs_mb": self.tmpfs_mb, "cell_timeout": self.cell_timeout,
                "notebook_timeout": self.notebook_timeout, "output_mb": self.output_mb}


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage()[:2000])


def _describe_events(events) -> tuple[list[str], list[str]]:
    """(flags, notes) in words from what ``GuardedExecute`` recorded."""
    flags, notes = [], []
    patched = sorted({what for kind, _, what in events if kind == "patched"})
    during = sorted({f"{what} (in {where})" for kind, where, what in events if kind == "patched-during-test"})
    if patched:
        flags.append("answer code patched what the tests rely on (undone before each test): "
                     + "; ".join(patched[:5]) + (" ..." if len(patched) > 5 else ""))
    if during:
        flags.append("code called by a test changed what the tests rely on, so that test's result "
                     "cannot be trusted: " + "; ".join(during[:5]))
    rebound = sorted({what for kind, _, what in events if kind == "rebound"})
    if rebound:
        notes.append("answer code reused names the tests use (" + ", ".join(rebound)
                     + "); the tests used the lesson's values")
    for kind, where, what in events:
        if kind == "timeout":
            notes.append(f"cell {where} ran past {what} s and was interrupted")
        elif kind == "memory":
            notes.append(f"cell {where} ran out of memory (MemoryError)")
        elif kind == "truncated":
            notes.append(f"the output of cell {where} was cut after {what / 1e6:g} MB")
        elif kind == "guard-error":
            flags.append(f"the grader's guard could not run after cell {where}: {what}")
    return flags, notes


def _not_the_students_doing(ctx: ExecutionContext) -> bool:
    failure = ctx.failure
    return failure is not None and (failure.kind == "startup" or
                                    (failure.kind == "kernel died" and "SIGKILL" in failure.reason))


class StudentGrader:
    """Grades submissions one at a time in ``workdir`` (one per worker process)."""

    def __init__(self, *, course: Path, workdir: Path, lessons: dict[str, Lesson], master_db: Path,
                 limits: Limits, mode: str, worker: int, store: ResultStore, feedback_dir: Path,
                 key: dict[str, str], font_cache=None, ro_paths=None, use_zygote: bool = True,
                 figures: bool = False, memory_dir: Path | None = None, ipc_root: Path | None = None,
                 uid_base: int | None = None, study_cache: Path | None = None):
        self.course = Path(course)
        self.workdir = Path(workdir)
        self.root = self.workdir / "course"
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.root.mkdir(parents=True)
        os.chmod(self.workdir, 0o700 if mode != "root" else 0o711)
        os.chmod(self.root, 0o700)
        # the worker's scratch gradebook lives in memory (/dev/shm) when the caller offers it: no fsync
        self.scratch = Path(tempfile.mkdtemp(prefix=f"w{worker}-", dir=memory_dir)) if memory_dir else self.root
        db = self.scratch / "gradebook.db"
        shutil.copyfile(master_db, db)
        self.figures = figures
        self.db_url = f"sqlite:///{db}"
        self.lessons = lessons
        self.limits = limits
        self.store = store
        self.feedback_dir = Path(feedback_dir)
        self.key = key
        self.worker = worker
        self.config = course_config(self.course, self.root, self.db_url)
        self.config.OverwriteCells.add_missing_cells = True
        self.config.Autograde.create_student = True
        self.zygote = None
        if use_zygote:
            preload = list(dict.fromkeys(m for lesson in lessons.values() for m in lesson.plan.preload))
            try:
                self.zygote = start_zygote(self.workdir, preload, font_cache, study_cache)
            except Exception as err:  # fall back to starting each kernel from scratch
                logging.getLogger("lrlab.grading").warning("kernel template unavailable: %s", err)
        self.factory = KernelFactory(self.workdir / "kernels", limits.for_sandbox(), mode=mode,
                                     uid_offset=3 * worker, slots=3, font_cache=font_cache, ro_paths=ro_paths,
                                     zygote=self.zygote, ipc_root=ipc_root, uid_base=uid_base)
        self.ahead: dict[str, object] = {}  # submission key -> launched Kernel
        self.current = None  # the kernel of the student being graded
        if mode == "root":  # a worker that died before us may have left kernels behind
            for slot in range(3):
                kill_uid(self.factory.uid(slot))
        import warnings

        speedups.apply()
        warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy notes nbgrader triggers, harmless
        warnings.filterwarnings("ignore", module="nbformat")  # cell ids students' editors left out or doubled
        self.sources = source_folder(self.course)

    # ----------------------------------------------------------------------------- kernels

    def _stage(self, sub: Submission) -> Path:
        """The files the student's kernel will see in its working directory."""
        stage = self.workdir / "stage" / sub.key
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(parents=True)
        lesson_src = self.sources / sub.lesson
        for path in lesson_src.rglob("*"):
            rel = path.relative_to(lesson_src)
            if path.is_file() and path.suffix != ".ipynb" and not any(
                    p.startswith(".") or p == "__pycache__" for p in rel.parts):
                (stage / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, stage / rel)
        if sub.folder is not None:
            for path in sub.folder.rglob("*"):
                rel = path.relative_to(sub.folder)
                if path.is_file() and not path.is_symlink() and path.suffix != ".ipynb" \
                        and not (stage / rel).exists() and path.stat().st_size < 16 * 1024 * 1024:
                    (stage / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, stage / rel)
        shutil.copyfile(sub.path, stage / f"{sub.lesson}.ipynb")
        return stage

    def launch(self, sub: Submission) -> None:
        """Start ``sub``'s kernel now, so it boots while something else is graded."""
        if sub.key in self.ahead or len(self.factory._free) == 0:
            return
        plan = self.lessons[sub.lesson].plan
        code = f"__import__('lrlab.grading.guard').grading.guard.install({plan.preload!r})"
        if not self.figures:  # figures carry no points; drawing them is half of a lesson's CPU time
            code += "; get_ipython().run_line_magic('config', 'InlineBackend.figure_formats = set()')"
        stage = self._stage(sub)
        self.factory.startup_code = code
        self.ahead[sub.key] = run_sync(self.factory.launch)(stage, sub.lesson)

    def drop(self, sub: Submission) -> None:
        kernel = self.ahead.pop(sub.key, None)
        if kernel is not None:
            run_sync(self.factory.dispose)(kernel)
        shutil.rmtree(self.workdir / "stage" / sub.key, ignore_errors=True)

    def kill_kernels(self) -> None:
        """Kill every kernel of this worker now (from a signal handler)."""
        kernels = list(self.ahead.values()) + ([self.current] if self.current is not None else [])
        for kernel in kernels:
            stop_kernel(kernel, wait=0.5)
            process = getattr(kernel.km.provisioner, "process", None) if kernel.km.provisioner else None
            if process is not None and process.poll() is None:
                try:
                    process.kill()
                except OSError:
                    pass
            if kernel.uid is not None:
                kill_uid(kernel.uid)

    def close(self) -> None:
        for key in list(self.ahead):
            kernel = self.ahead.pop(key)
            run_sync(self.factory.dispose)(kernel)
        if self.zygote is not None:
            self.zygote.close()
        if self.scratch != self.root:
            shutil.rmtree(self.scratch, ignore_errors=True)

    # ----------------------------------------------------------------------------- grading

    def grade(self, sub: Submission, next_sub: Submission | None = None) -> dict:
        """Grade ``sub`` (launching ``next_sub``'s kernel meanwhile); writes and returns the result."""
        t0 = time.monotonic()
        lesson = self.lessons[sub.lesson]
        result = {"student": sub.student, "lesson": sub.lesson, "sha256": sub.sha256,
                  "key": self.key[sub.lesson], "submitted": str(sub.path), "worker": self.worker,
                  "flags": [], "notes": [], "scores": {}, "verdicts": {}, "retry": False,
                  "auto_max": lesson.auto_max, "max_score": lesson.max_score}
        shape = inspect(sub, lesson)
        if shape.fatal:
            self.drop(sub)
            if next_sub is not None:
                self.launch(next_sub)
            return self._finish(result, NOT_GRADED, shape.fatal, t0, lesson)
        result["flags"] += shape.flags
        result["notes"] += shape.notes
        for attempt in (1, 2):
            ctx, capture, graded_nb = self._run_kernel(sub, next_sub, lesson, shape)
            if attempt == 1 and _not_the_students_doing(ctx):
                # A kernel that never started, or was SIGKILLed from outside (student code cannot
                # SIGKILL its own kernel, the PID 1 of its namespace): grade once more, on a new one.
                result["notes"].append(f"graded a second time: {ctx.failure.reason}")
                continue
            break
        result["timing"] = {"autograde_s": round(time.monotonic() - t0, 3), "attempts": attempt}
        flags, notes = _describe_events(ctx.events)
        result["flags"] += flags
        result["notes"] += notes
        if ctx.failure is not None or graded_nb is None:
            reason = ctx.failure.reason if ctx.failure else self._nbgrader_error(capture)
            result["retry"] = _not_the_students_doing(ctx)
            shutil.rmtree(self.workdir / "stage" / sub.key, ignore_errors=True)
            return self._finish(result, NOT_GRADED, reason, t0, lesson)
        scores = self._scores(sub)
        result["scores"] = {gid: {"score": s, "max": m, "kind": lesson.cells[gid].kind}
                            for gid, (s, m) in scores.items() if gid in lesson.cells}
        result["notes"] += owncopy.borrowed_notes(graded_nb)  # answers that called lrlab's code for them
        result["flags"] += owncopy.copy_flags(graded_nb, lesson)  # answers that are copies of it
        status = MANUAL if result["flags"] else GRADED
        reason = "; ".join(result["flags"])
        try:
            html, verdicts = fb.render(graded_nb, lesson, sub.student, scores,
                                       status="" if status == GRADED else "your instructor will review it",
                                       notes=[n for n in result["notes"] if "reused names" not in n],
                                       cell_timeout=self.limits.cell_timeout)
            result["verdicts"] = verdicts
            atomic_write(self.feedback_dir / sub.lesson / f"{sub.student}.html", html.encode())
        except fb.FeedbackLeak as err:
            status = MANUAL
            result["flags"].append(f"feedback withheld: {err}")
            reason = "; ".join(result["flags"])
        notebook = (self.root / "autograded" / sub.student / sub.lesson / f"{sub.lesson}.ipynb").read_bytes()
        shutil.rmtree(self.workdir / "stage" / sub.key, ignore_errors=True)
        return self._finish(result, status, reason, t0, lesson, notebook)

    def _run_kernel(self, sub, next_sub, lesson, shape):
        """One attempt: the student's kernel (launched ahead, or now), nbgrader's Autograde, clean-up."""
        self.launch(sub)
        if next_sub is not None:
            self.launch(next_sub)
        kernel = self.current = self.ahead.pop(sub.key)
        ctx = ExecutionContext(kernel=kernel, plan=lesson.plan, cell_timeout=self.limits.cell_timeout,
                               notebook_timeout=self.limits.notebook_timeout,
                               output_bytes=int(self.limits.output_mb * 1e6),
                               interrupt_grace=self.limits.interrupt_grace)
        capture = _Capture()
        try:
            graded_nb = self._autograde(sub, ctx, capture, shape.repaired)
        finally:
            self.current = None
            run_sync(self.factory.dispose)(kernel)
        return ctx, capture, graded_nb

    def _finish(self, result, status, reason, t0, lesson, notebook=None) -> dict:
        result["status"], result["reason"] = status, reason or ""
        tests = [c.grade_id for c in lesson.graded if c.kind == "test"]
        written = [c.grade_id for c in lesson.graded if c.kind != "test"]
        if status == NOT_GRADED:
            result["auto_score"] = None
            result["written_pending"] = len(written)
            page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{lesson.name}</title></head>"
                    f"<body><h1>{lesson.name}: feedback for {_esc(result['student'])}</h1><p>Your notebook "
                    f"could not be graded automatically: {_esc(reason)}.</p><p>Your instructor will look at "
                    f"it.</p></body></html>")
            atomic_write(self.feedback_dir / lesson.name / f"{result['student']}.html", page.encode())
        else:
            result["auto_score"] = sum(result["scores"].get(g, {}).get("score") or 0.0 for g in tests)
            result["written_pending"] = sum(1 for g in written if result["scores"].get(g, {}).get("score") is None)
        result.setdefault("timing", {})["total_s"] = round(time.monotonic() - t0, 3)
        result["graded_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.store.write(result, notebook)
        return result

    def _autograde(self, sub: Submission, ctx: ExecutionContext, capture: _Capture, repaired=None):
        """Run nbgrader's Autograde for ``sub``; returns the graded notebook or None."""
        import nbformat
        from nbconvert.preprocessors import ClearMetadataPreprocessor
        from nbgrader.converters import Autograde
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput,
                                            SaveAutoGrades)

        submitted = self.root / "submitted" / sub.student / sub.lesson
        shutil.rmtree(submitted, ignore_errors=True)
        submitted.mkdir(parents=True)
        if sub.folder is not None:
            for path in sub.folder.iterdir():
                if path.is_file() and not path.is_symlink() and path.suffix != ".ipynb":
                    shutil.copyfile(path, submitted / path.name)
        if repaired is not None:
            nbformat.write(repaired, submitted / f"{sub.lesson}.ipynb")
        else:
            shutil.copyfile(sub.path, submitted / f"{sub.lesson}.ipynb")
        autograded = self.root / "autograded" / sub.student / sub.lesson
        shutil.rmtree(autograded, ignore_errors=True)
        coursedir = CourseDirectory(config=self.config)
        coursedir.assignment_id = sub.lesson
        coursedir.student_id = sub.student
        converter = Autograde(coursedir=coursedir, config=self.config)
        converter.force = True
        converter.autograde_preprocessors = [GuardedExecute, IgnorePattern, ClearMetadataPreprocessor,
                                             LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
        converter.log.addHandler(capture)
        converter.log.setLevel(logging.WARNING)
        converter.log.propagate = False
        GuardedExecute.context = ctx
        try:
            converter.start()
        except Exception as err:  # nbgrader reports failures as NbGraderException after logging them
            capture.lines.append(f"{type(err).__name__}: {err}")
        finally:
            GuardedExecute.context = None
            converter.log.removeHandler(capture)
        path = autograded / f"{sub.lesson}.ipynb"
        if ctx.failure is not None or not path.is_file():
            return None
        return nbformat.read(path, as_version=4)

    def _nbgrader_error(self, capture: _Capture) -> str:
        for line in reversed(capture.lines):
            if "Error" in line or "error" in line:
                return "nbgrader could not grade it: " + line.strip().splitlines()[-1][:300]
        return "nbgrader could not grade it (no graded notebook was written)"

    def _scores(self, sub: Submission) -> dict:
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url) as gb:
            nb = gb.find_submission_notebook(sub.lesson, sub.lesson, sub.student)
            return {g.name: (g.auto_score if g.manual_score is None else g.manual_score, g.max_score)
                    for g in nb.grades}


def _esc(text: str) -> str:
    import html

    return html.escape(str(text))
