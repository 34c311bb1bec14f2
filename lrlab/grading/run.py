"""``grade()``: one call that grades a class; what ``lrlab grade`` runs.

Steps: lock the output folder; register each lesson with nbgrader
(``lesson.prepare``) in a private course and in the course gradebook; find
the submissions (``intake.discover``); skip the students whose result is
current (same submission, same lesson version, same limits); grade the rest in
parallel (``pool.Pool`` of ``autograde.StudentGrader``), merging each result
into the course gradebook as it arrives (``gradebook.CourseGradebook``); write
the grades CSV, summary and figure (``report``). Returns a ``RunReport``
whose ``exit_code`` is 0 when every submission was graded, 1 when at least one
needs attention (not graded, or flagged for manual grading), 130 when
interrupted.

Output folder (``out``)::

    grades.csv  summary.txt  summary.png  mistakes.png
    feedback/<lesson>/<student>.html     safe to hand to the student
    .lrlab/                              private (mode 0700): results and graded notebooks

Work folders (private course copies, kernel roots) live in a scratch folder under the system's
temporary folder and are removed at the end.
"""
from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import feedback, prefill, report, sandbox, uids
from .autograde import Limits, StudentGrader
from .gradebook import CourseGradebook
from .intake import Submission, discover
from .kernels import kill_uids, matplotlib_font_cache, python_paths
from .lesson import ensure_path, prepare, source_folder
from .pool import Pool, Stopped
from .progress import Progress
from .results import GRADED, MANUAL, NOT_GRADED, ResultStore, atomic_write, is_current

GRADER_VERSION = "1"


@dataclass
class RunReport:
    exit_code: int
    graded: int = 0
    needs_manual: int = 0
    not_graded: int = 0
    skipped: int = 0
    seconds: float = 0.0
    summary: str = ""
    problems: list = field(default_factory=list)
    out: Path | None = None


def _lock(folder: Path):
    handle = open(folder / "lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise RuntimeError(f"another 'lrlab grade' is using {folder.parent}; wait for it to finish") from None
    return handle


def infer_lessons(submissions: Path, course: Path) -> list[str]:
    """Lessons named by the folders of an nbgrader-style ``submitted/`` folder."""
    known = {p.name for p in source_folder(course).iterdir() if p.is_dir()}
    found = set()
    for student in Path(submissions).iterdir():
        if student.is_dir():
            found |= {p.name for p in student.iterdir() if p.is_dir() and p.name in known}
        if student.is_dir() and student.name in known and any(student.glob("*.ipynb")):
            found.add(student.name)
    return sorted(found)


def grade(submissions: Path, *, course: Path = Path("."), lessons: list[str] | None = None,
          out: Path | None = None, workers: int | None = None, limits: Limits = Limits(),
          sandbox_mode: str = "auto", regrade: bool = False, progress: bool = True, figures: bool = False,
          log=lambda msg: print(msg, file=sys.stderr, flush=True)) -> RunReport:
    """Grade every submission in ``submissions`` (see the module docstring)."""
    import warnings

    t0 = time.monotonic()
    ensure_path()
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy notes nbgrader triggers, harmless
    warnings.filterwarnings("ignore", module="nbformat")  # cell ids students' editors left out or doubled
    course = Path(course).resolve()
    submissions = Path(submissions).resolve()
    out = Path(out).resolve() if out else course / "grades"
    if not submissions.is_dir():
        raise FileNotFoundError(f"no folder {submissions}")
    if not (source_folder(course)).is_dir():
        raise FileNotFoundError(f"{course} is not a course folder: no {source_folder(course)} "
                                f"(use --course, or run from the course folder)")
    lessons = lessons or infer_lessons(submissions, course)
    if not lessons:
        raise ValueError(f"cannot tell which lesson {submissions} holds: name it with --lesson")
    known = sorted(p.parent.name for p in source_folder(course).glob("*/*.ipynb") if p.stem == p.parent.name)
    for name in lessons:
        if name not in known:
            raise ValueError(f"--lesson {name!r}: no lesson of that name in {source_folder(course)}; "
                             f"the lessons are: {', '.join(known) or 'none'}")
    private = out / ".lrlab"
    private.mkdir(parents=True, exist_ok=True)
    os.chmod(private, 0o700)
    (out / "feedback").mkdir(exist_ok=True)
    lock = _lock(private)
    for stray in out.rglob(".*.tmp"):  # left by a run killed in the middle of writing a file
        stray.unlink(missing_ok=True)
    # nbgrader builds regular expressions from folder paths without escaping them: its private course
    # folders live in a scratch folder with a plain name, and the course is reached through a link there
    scratch = Path(tempfile.mkdtemp(prefix="lrlab-grade-"))
    # the kernels' socket folders (short paths: a Unix socket path holds at most 107 bytes)
    ipc_root = Path(tempfile.mkdtemp(prefix="lrlab-ipc-"))
    shm = Path("/dev/shm")
    memory = Path(tempfile.mkdtemp(prefix="lrlab-grade-", dir=shm)) if shm.is_dir() and os.access(shm, os.W_OK) \
        else None
    # SIGINT/SIGTERM only set a flag that the grading loop checks: an exception raised from a signal
    # handler can land in a weakref callback or a destructor, where Python swallows it
    requested = []
    old = {sig: signal.signal(sig, lambda signum, frame: requested.append(signum))
           for sig in (signal.SIGINT, signal.SIGTERM)}
    block = None
    try:
        alias = scratch / "course"
        alias.symlink_to(course, target_is_directory=True)
        mode = sandbox.probe_mode() if sandbox_mode == "auto" else sandbox_mode
        if mode == "root":  # kernels run as uids of their own: hold a block that no other run holds
            block = uids.acquire(note=str(out), log=log, should_stop=lambda: bool(requested))
            if block is None:
                log("interrupted while waiting for sandbox uids: nothing was graded")
                return RunReport(exit_code=130, seconds=time.monotonic() - t0, out=out)
            kill_uids(block.uids)  # whatever a run killed with kill -9 left there
        return _grade(requested, submissions, alias, lessons, out, private, scratch, workers, limits, mode,
                      regrade, progress, log, t0, figures, memory, ipc_root, block)
    finally:
        if block is not None:
            block.release()
        for sig, handler in old.items():
            signal.signal(sig, handler)
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(ipc_root, ignore_errors=True)
        if memory is not None:
            shutil.rmtree(memory, ignore_errors=True)
        lock.close()


def _grade(requested, submissions, course, lessons, out, private, scratch, workers, limits, mode, regrade,
           progress, log, t0, figures, memory, ipc_root, block):
    enforced = sandbox.describe(mode, limits.for_sandbox())
    log(f"lrlab grade: sandbox mode '{mode}'" + ("" if mode != "none" else
        " — student code is NOT isolated from your files or the network (see summary.txt)"))
    master = scratch / "master"
    info = {name: prepare(course, name, master) for name in lessons}
    for name, lesson in info.items():
        if lesson.stale:
            log(f"warning: notebooks/{name} is not what solutions/{name} generates now "
                f"(run: python3 course.py generate {name})")
    subs, problems = discover(submissions, lessons)
    for p in problems:
        log(f"warning: {p}")
    checks = hashlib.sha256(info[lessons[0]].plan.checks_source.encode()).hexdigest()
    key = {name: hashlib.sha256(json.dumps({"lesson": lesson.digest, "limits": dataclasses.asdict(limits),
                                            "mode": mode, "grader": GRADER_VERSION, "checks": checks,
                                            "figures": figures},
                                           sort_keys=True).encode()).hexdigest()[:16]
           for name, lesson in info.items()}
    store = ResultStore(private / "results")
    feedback_dir = out / "feedback"
    todo = [s for s in subs if regrade or not is_current(store.read(s.lesson, s.student), s.sha256, key[s.lesson])]
    skipped = len(subs) - len(todo)
    if skipped:
        log(f"{skipped} submission(s) already graded with this lesson version and these limits: kept")
    book = CourseGradebook(course, store, feedback_dir, submitted_dir=submissions)
    book.register(lessons)
    # finish merging what an interrupted run graded but did not merge
    for sub in subs:
        result = store.read(sub.lesson, sub.student)
        if result and sub not in todo and not book.is_merged(result):
            book.merge(result)
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
    if block is not None and 3 * workers > len(block.uids):
        raise ValueError(f"--workers {workers}: at most {len(block.uids) // 3} as root (three sandbox uids each)")
    bar = Progress(len(subs), stream=sys.stderr if progress else None)
    for sub in subs:
        if sub not in todo:
            bar.counts[store.read(sub.lesson, sub.student)["status"]] += 1
    bar.draw()
    font_cache = matplotlib_font_cache()
    ro_paths = python_paths(private=[course.resolve(), out])
    master_db = master / "gradebook.db"
    # the run's own folder, removed with the scratch folder; or the one LRLAB_STUDY_CACHE names (kept)
    study_cache = prefill.folder(scratch)

    def setup(index):
        return StudentGrader(course=course, workdir=scratch / f"w{index}", lessons=info,
                             master_db=master_db, limits=limits, mode=mode, worker=index, store=store,
                             feedback_dir=feedback_dir, key=key, font_cache=font_cache, ro_paths=ro_paths,
                             figures=figures, memory_dir=memory, ipc_root=ipc_root,
                             uid_base=block.first if block is not None else None, study_cache=study_cache)

    def on_done(sub: Submission, status: str):
        result = store.read(sub.lesson, sub.student)
        book.merge(result)
        bar.update(**{status: 1})

    def on_crash(sub: Submission, why: str):
        result = {"student": sub.student, "lesson": sub.lesson, "sha256": sub.sha256, "key": key[sub.lesson],
                  "status": NOT_GRADED, "reason": f"the grader failed on it: {why}", "retry": True,
                  "flags": [], "notes": [], "scores": {}, "verdicts": {}, "auto_score": None,
                  "submitted": str(sub.path), "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                  "written_pending": 0}
        store.write(result)
        book.merge(result)
        bar.update(**{NOT_GRADED: 1})

    def note(message: str) -> None:
        with open(private / "grader.log", "a") as f:
            f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}\n")

    if block is not None:
        note(f"{block}")
    # each lesson's studies computed once for its class (see ``prefill``); the kernels read them from memory
    many = {name: source_folder(course) / name for name in lessons
            if sum(1 for s in todo if s.lesson == name) >= prefill.MIN_STUDENTS and prefill.wanted()}
    if many and not requested:
        if progress:
            log(f"computing the studies of {len(many)} lesson(s) once for the class: {', '.join(many)}")
        prefill.run(many, study_cache, scratch, workers=workers, notebook_timeout=limits.notebook_timeout, log=note,
                    should_stop=lambda: bool(requested))
    pool = Pool(workers, setup)
    interrupted = False
    try:
        if requested:
            raise Stopped()
        if todo:
            pool.run(todo, on_done, on_crash, log=note, should_stop=lambda: bool(requested))
    except (Stopped, KeyboardInterrupt):
        interrupted = True
    finally:
        if block is not None:  # every uid of the block is this run's alone
            kill_uids(block.uids)
        bar.close()
    if interrupted:
        log("interrupted: finished students are saved; run the same command again to continue")
        return RunReport(exit_code=130, seconds=time.monotonic() - t0, out=out)
    manual, comments = book.manual_entries()
    refreshed = refresh_feedback(store, subs, info, manual, comments, feedback_dir, book, limits, log)
    if refreshed:
        log(f"feedback of {refreshed} student(s) updated with what graders entered in formgrader")
    results = [r for r in (store.read(s.lesson, s.student) for s in subs) if r is not None]
    for r in results:  # flagged students a grader has since reviewed in formgrader count as graded
        if r["status"] == MANUAL and (r["lesson"], r["student"]) not in book.waiting:
            r["status"], r["reason"] = GRADED, f"reviewed in formgrader ({r['reason']})"
    text = report.write(out, results, info, manual, enforced=enforced, problems=problems)
    counts = {status: sum(1 for r in results if r["status"] == status) for status in (GRADED, MANUAL, NOT_GRADED)}
    attention = counts[MANUAL] + counts[NOT_GRADED] + len(problems)
    return RunReport(exit_code=1 if attention else 0, graded=counts[GRADED], needs_manual=counts[MANUAL],
                     not_graded=counts[NOT_GRADED], skipped=skipped, seconds=time.monotonic() - t0,
                     summary=text, problems=problems, out=out)


def feedback_stamp(scores: dict, comments: dict) -> str:
    return json.dumps([scores, comments], sort_keys=True)


def refresh_feedback(store, subs, lessons, manual, comments, feedback_dir, book, limits, log) -> int:
    """Render again the feedback of students whose grades or comments changed in formgrader.

    A page that would show a hidden line (a comment quoting a hidden test, say) is not written: the
    student keeps the page they had, and the run says so.
    """
    count = 0
    for sub in subs:
        result = store.read(sub.lesson, sub.student)
        if result is None or result["status"] == NOT_GRADED:
            continue
        key = (sub.lesson, sub.student)
        stamp = feedback_stamp(manual.get(key, {}), comments.get(key, {}))
        if result.get("feedback_stamp", feedback_stamp({}, {})) == stamp:
            continue
        lesson = lessons[sub.lesson]
        entered = manual.get(key, {})
        scores = {gid: (entered.get(gid, v["score"]), v["max"]) for gid, v in result["scores"].items()}
        nb = nbformat.read(store.path(sub.lesson, sub.student, ".ipynb"), as_version=4)
        try:
            html, _ = feedback.render(nb, lesson, sub.student, scores, comments=comments.get(key, {}),
                                      status="" if result["status"] == GRADED else "your instructor will review it",
                                      notes=[n for n in result["notes"] if "reused names" not in n],
                                      cell_timeout=limits.cell_timeout)
        except feedback.FeedbackLeak as leak:
            log(f"warning: feedback of {sub.student} ({sub.lesson}) not updated: {leak}")
            continue
        atomic_write(feedback_dir / sub.lesson / f"{sub.student}.html", html.encode())
        result["feedback_stamp"] = stamp
        store.write(result)
        book.copy_feedback(result)
        count += 1
    return count

