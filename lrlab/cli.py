"""The ``lrlab`` command: one sub-command per task, each in its own small function.

    lrlab grade SUBMISSIONS [--lesson NAME ...] [options]   grade a class (instructors)
    lrlab check NOTEBOOK ...                                self-check before submitting (students)

``lrlab grade --help`` lists the options. A new sub-command is a function
``_cmd_<name>(args)`` plus its parser in ``_parser()``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _positive(kind):
    def parse(text):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return value
    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrlab", description="Tools for the lrlab course.")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser(
        "grade", help="grade a class's submissions with nbgrader, safely",
        description="Grade every submission in SUBMISSIONS: nbgrader's autograder, with each student's code "
                    "confined and limited, in parallel. Writes grades.csv, summary.txt, summary.png, "
                    "mistakes.png and feedback/<lesson>/<student>.html to the output folder, and the scores to "
                    "the course "
                    "gradebook (for formgrader). Exit code 0: all graded; 1: something needs your attention "
                    "(listed in summary.txt); 2: bad arguments; 130: interrupted (run again to continue).")
    g.add_argument("submissions", type=Path,
                   help="folder of submissions: nbgrader's submitted/<student>/<lesson>/<lesson>.ipynb, or "
                        "plain <student>.ipynb files (with --lesson), or <lesson>/<student>.ipynb")
    g.add_argument("--lesson", action="append", dest="lessons", metavar="NAME",
                   help="lesson folder name in solutions/ (repeat for several; default: read from the folders)")
    g.add_argument("--course", type=Path, default=Path("."),
                   help="the course folder, with nbgrader_config.py and solutions/ (default: here)")
    g.add_argument("--out", type=Path, help="output folder (default: COURSE/grades)")
    g.add_argument("--workers", type=_positive(int), help="students graded at once (default: CPU count)")
    g.add_argument("--cell-timeout", type=_positive(float), default=30.0, metavar="S",
                   help="seconds per cell before it is interrupted (default 30)")
    g.add_argument("--notebook-timeout", type=_positive(float), default=300.0, metavar="S",
                   help="seconds per notebook before the student is marked not graded (default 300)")
    g.add_argument("--memory", type=_positive(int), default=2048, metavar="MB",
                   help="address space per process of student code (default 2048)")
    g.add_argument("--processes", type=_positive(int), default=64, metavar="N",
                   help="processes and threads student code may run at once (default 64)")
    g.add_argument("--output-mb", type=_positive(float), default=1.0, metavar="MB",
                   help="output kept per cell (default 1)")
    g.add_argument("--figures", action="store_true",
                   help="draw the notebooks' figures (for formgrader and feedback); slower, scores are the same")
    g.add_argument("--no-sandbox", action="store_true",
                   help="only resource limits: student code runs as you, with your files and the network")
    g.add_argument("--regrade", action="store_true", help="grade everyone again, even unchanged submissions")
    g.add_argument("--quiet", action="store_true", help="no progress bar and no summary on the terminal")
    e = sub.add_parser(
        "export", help="write the grades as a CSV that Canvas or Moodle imports",
        description="Write grades.csv (from lrlab grade, with formgrader's manual scores) as the CSV a "
                    "learning-management system imports. Students who were not graded, who need manual "
                    "grading, or whose written answers are not all graded yet, are left blank (never 0) and "
                    "listed. Exit code 0: every student has a score; "
                    "1: some cells were left blank or some students are not in the roster (listed); 2: bad "
                    "arguments or files.")
    e.add_argument("--to", required=True, choices=["canvas", "moodle"], help="the LMS to import into")
    e.add_argument("--grades", type=Path, default=Path("grades") / "grades.csv",
                   help="the grades.csv of lrlab grade (default: grades/grades.csv)")
    e.add_argument("--roster", type=Path, help="CSV with a 'student' column (the ids lrlab grade used) and the "
                                               "LMS identities: name, canvas_id, sis_user_id, sis_login_id, "
                                               "section (Canvas) or email, username, idnumber (Moodle)")
    e.add_argument("--lesson", action="append", dest="lessons", metavar="NAME",
                   help="export only this lesson (repeat for several; default: every lesson in the grades)")
    e.add_argument("--moodle-id", choices=["email", "username", "idnumber"],
                   help="roster column that identifies students in Moodle (default: the first one present)")
    e.add_argument("--include-flagged", action="store_true",
                   help="also write the scores of students marked 'needs manual grading' (once reviewed)")
    e.add_argument("--partial", action="store_true",
                   help="write the score so far of students with written answers not graded yet (listed as "
                        "partial) instead of leaving them blank")
    e.add_argument("--out", type=Path, help="file to write (default: next to the grades, <lms>-grades.csv)")
    sub.add_parser("check", add_help=False, help="run your notebook's visible tests in a fresh kernel before "
                                                  "submitting (lrlab check --help)")
    return parser


def _cmd_grade(args) -> int:
    try:
        from .grading.autograde import Limits  # slow imports: Ctrl-C may arrive here already
        from .grading.run import grade

        limits = Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                        memory_mb=args.memory, processes=args.processes, output_mb=args.output_mb)
        result = grade(args.submissions, course=args.course, lessons=args.lessons, out=args.out,
                       workers=args.workers, limits=limits, sandbox_mode="none" if args.no_sandbox else "auto",
                       regrade=args.regrade, progress=not args.quiet, figures=args.figures)
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"lrlab grade: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # before grading started: nothing to keep
        print("lrlab grade: interrupted", file=sys.stderr)
        return 130
    if not args.quiet and result.summary:
        print(result.summary)
    if result.out is not None and result.exit_code != 130:
        print(f"lrlab grade: {result.graded} graded, {result.needs_manual} need manual grading, "
              f"{result.not_graded} not graded ({result.skipped} kept from an earlier run) in "
              f"{result.seconds:.0f} s; see {result.out}/summary.txt", file=sys.stderr)
    return result.exit_code


def _cmd_export(args) -> int:
    from .grading.export import export

    out = args.out or args.grades.parent / f"{args.to}-grades.csv"
    try:
        done = export(args.grades, args.to, out, roster=args.roster, lessons=args.lessons,
                      moodle_id=args.moodle_id, include_flagged=args.include_flagged, partial=args.partial)
    except (FileNotFoundError, ValueError) as err:
        print(f"lrlab export: {err}", file=sys.stderr)
        return 2
    for line in done.blanks + done.partial + done.unmatched:
        print(f"lrlab export: {line}", file=sys.stderr)
    print(f"lrlab export: {done.path}: {done.rows} student(s), {done.scored} score(s) written, "
          f"{len(done.blanks)} left blank" + (f", {len(done.partial)} partial" if done.partial else ""),
          file=sys.stderr)
    return done.exit_code


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["check"]:  # the self-check has its own parser, shared with python -m lrlab.course.selfcheck
        from lrlab.course.selfcheck import main as check_main

        return check_main(argv[1:])
    args = _parser().parse_args(argv)
    return {"grade": _cmd_grade, "export": _cmd_export}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
