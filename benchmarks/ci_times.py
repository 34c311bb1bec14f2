"""Where a test run spends its time: per test file, from pytest's JUnit XML reports.

``.ci/run`` writes one report per stage into ``build/ci/``; this prints, for each report and for all
of them, the test files by total time (setup + call + teardown of their tests, summed over the
workers: so the seconds are worker-seconds, not wall-clock) and the slowest single tests.

    python3 benchmarks/ci_times.py build/ci/*.xml            # the 25 costliest files and tests
    python3 benchmarks/ci_times.py build/ci/*.xml --top 60
"""
from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path


def cases(report: Path) -> list[tuple[str, str, float]]:
    """(file, test name, seconds) of every test case in one JUnit XML report."""
    rows = []
    for case in ET.parse(report).getroot().iter("testcase"):
        module = case.get("classname", "").split(".")
        # pytest writes "tests.test_x.TestClass" or "tests.test_x": the file is the part up to test_*
        parts = []
        for part in module:
            parts.append(part)
            if part.startswith("test_") or part.endswith("_test"):
                break
        rows.append(("/".join(parts) + ".py", case.get("name", ""), float(case.get("time", 0) or 0)))
    return rows


def table(rows: list[tuple[str, str, float]], top: int) -> str:
    by_file: dict[str, list[float]] = defaultdict(list)
    for file, _, seconds in rows:
        by_file[file].append(seconds)
    total = sum(s for _, _, s in rows)
    lines = [f"{len(rows)} tests, {total:.0f} worker-seconds ({total / 60:.1f} min) in {len(by_file)} files",
             f"{'seconds':>9} {'share':>6} {'tests':>6}  file"]
    for file, times in sorted(by_file.items(), key=lambda kv: -sum(kv[1]))[:top]:
        lines.append(f"{sum(times):9.1f} {sum(times) / total:6.1%} {len(times):6d}  {file}")
    lines.append(f"{'seconds':>9}  slowest tests")
    for file, name, seconds in sorted(rows, key=lambda r: -r[2])[:top]:
        lines.append(f"{seconds:9.1f}  {file}::{name}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reports", nargs="+", type=Path, help="JUnit XML files written by pytest --junitxml")
    parser.add_argument("--top", type=int, default=25, help="how many files and tests to list (default 25)")
    args = parser.parse_args(argv)
    if args.top < 1:
        parser.error(f"--top must be at least 1, got {args.top}")
    missing = [str(p) for p in args.reports if not p.is_file()]
    if missing:
        parser.error(f"no such report: {', '.join(missing)}")
    everything = []
    for report in args.reports:
        rows = cases(report)
        everything += rows
        print(f"== {report}\n{table(rows, args.top)}\n")
    if len(args.reports) > 1:
        print(f"== all reports\n{table(everything, args.top)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
