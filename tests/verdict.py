"""The verdict of one test suite run by scripts/test.sh: one summary line, and an exit status.

    python tests/verdict.py junit REPORT.xml LABEL --key KEY --since EPOCH --exit-status RC
    python tests/verdict.py ctest BUILD_DIR LABEL --key KEY --since EPOCH --exit-status RC
    python tests/verdict.py log LOG LABEL --key KEY --since EPOCH --exit-status RC

A suite passes only when everything it could have hidden was seen:
  - the runner's exit status RC is 0 (a crashed or killed runner fails, whatever its report says);
  - the report (a pytest JUnit XML file, or CTest's Testing/Temporary/LastTest.log) exists and
    was written by this run: its modification time is not older than EPOCH, the run's start
    (scripts/test.sh also deletes it before the run), so the previous run's report is never read;
  - it counts no failure, no error and no skip (a skipped test is not a passed one);
  - it ran exactly as many tests as tests/expected-counts.txt records for KEY (an empty run, a
    filter that matched nothing or a suite that lost tests fails; a suite that gained tests
    fails until the file is updated with them, in the same commit).
For CTest, KEY counts CTest tests and KEY.cmocka the cmocka test cases passed inside them.
A runner of another kind (fuzz, valgrind, the README's install blocks, the documentation site)
writes its output to LOG and its counts there as lines `count: NAME N`; every NAME that is KEY
or starts with KEY + "." must be recorded, every recorded one must be in the log with that
number, and the log's last line starting with "LABEL:" is the runner's own summary, which must
say "passed" or "clean" right after it.
The summary line always starts with LABEL; it says FAILED and why when the suite did not pass.
"""

from __future__ import annotations

import argparse
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

COUNTS_FILE = Path(__file__).resolve().parent / "expected-counts.txt"


def expected_counts(path: Path = COUNTS_FILE) -> dict[str, int]:
    """KEY -> count from the counts file: `KEY COUNT` lines; '#' starts a comment."""
    counts: dict[str, int] = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) != 2 or not fields[1].isdigit():
            raise ValueError(f"{path}:{number}: expected 'KEY COUNT', got {raw!r}")
        if fields[0] in counts:
            raise ValueError(f"{path}:{number}: {fields[0]} is listed twice")
        counts[fields[0]] = int(fields[1])
    return counts


def junit_counts(report: Path) -> dict[str, int]:
    root = ET.parse(report).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    get = lambda name: sum(int(s.get(name, 0)) for s in suites)  # noqa: E731
    total = get("tests")
    counts = {"run": total, "failed": get("failures"), "errors": get("errors"), "skipped": get("skipped")}
    counts["passed"] = total - counts["failed"] - counts["errors"] - counts["skipped"]
    return counts


_CTEST_RUN = re.compile(r"^\d+/\d+ Test: ", re.M)
_CMOCKA = {
    "cmocka_passed": re.compile(r"^\[  PASSED  \] (\d+) test\(s\)", re.M),
    "cmocka_failed": re.compile(r"^\[  FAILED  \] (\d+) test\(s\)", re.M),
    "cmocka_skipped": re.compile(r"^\[  SKIPPED \] (\d+) test\(s\)", re.M),
}


def ctest_counts(log: Path) -> dict[str, int]:
    text = log.read_text(errors="replace")
    counts = {
        "run": len(_CTEST_RUN.findall(text)),
        # a test with PASS_REGULAR_EXPRESSION (or FAIL_...) logs "Test Pass Reason:" instead
        "passed": text.count("\nTest Passed.") + text.count("\nTest Pass Reason:"),
        "failed": text.count("\nTest Failed.") + text.count("\nTest Fail Reason:") + text.count("\nTest Not Run."),
    }
    counts["skip_filter"] = len(re.findall(r"^MONGO_ODM_TEST_SKIP=", text, re.M))  # tests/c/test_util.c
    for name, pattern in _CMOCKA.items():
        counts[name] = sum(int(n) for n in pattern.findall(text))
    return counts


_COUNT_LINE = re.compile(r"^count: ([a-z0-9.-]+) (\d+)$", re.M)


def log_counts(log: Path, key: str) -> dict[str, int]:
    """NAME -> N of the log's `count: NAME N` lines for KEY (the last line of a NAME wins)."""
    found = {}
    for name, n in _COUNT_LINE.findall(log.read_text(errors="replace")):
        if name == key or name.startswith(key + "."):
            found[name] = int(n)
    return found


def log_verdict(log: Path, label: str, key: str, expected: dict[str, int], counts_name: str,
                problems: list[str]) -> tuple[bool, str]:
    prefix = label + ":"
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.startswith(prefix)]
    said = lines[-1] if lines else ""
    if not lines:
        problems.append(f"the runner wrote no summary line starting with {prefix!r}")
    elif not re.match(re.escape(prefix) + r"\s*(passed|clean)\b", said):
        problems.append(f"the runner said: {said}")
    got = log_counts(log, key)
    wanted = {name: n for name, n in expected.items() if name == key or name.startswith(key + ".")}
    if not wanted:
        problems.append(f"{counts_name} has no count for {key} or {key}.*")
    for name, n in sorted(wanted.items()):
        if name not in got:
            problems.append(f"the log has no count of {name} ({counts_name} expects {n})")
        elif got[name] != n:
            problems.append(f"{got[name]} {name} counted, {counts_name} expects {n}")
    for name in sorted(set(got) - set(wanted)):
        problems.append(f"{counts_name} has no count for {name} (this run: {got[name]})")
    shown = ", ".join(f"{name} {n}" for name, n in sorted(got.items())) or "none"
    if problems:
        return False, f"{label}: FAILED - {'; '.join(problems)} (counts: {shown})"
    return True, f"{said} [counts as recorded: {shown}]"


def verdict(kind: str, report: Path, label: str, key: str, since: float, exit_status: int,
            counts_file: Path = COUNTS_FILE) -> tuple[bool, str]:
    """(passed, summary line) of one suite; see the module's docstring."""
    problems: list[str] = []
    if exit_status != 0:
        problems.append(f"the runner exited with status {exit_status}")
    if not report.is_file():
        return False, f"{label}: FAILED - {'; '.join(problems + [f'this run wrote no report ({report})'])}"
    if report.stat().st_mtime < since:
        problems.append(f"the report {report} is older than this run (a previous run's)")
        return False, f"{label}: FAILED - {'; '.join(problems)}"
    expected = expected_counts(counts_file)
    if kind == "log":
        return log_verdict(report, label, key, expected, counts_file.name, problems)
    try:
        counts = junit_counts(report) if kind == "junit" else ctest_counts(report)
    except ET.ParseError as e:
        return False, f"{label}: FAILED - {'; '.join(problems + [f'the report {report} is not valid XML ({e})'])}"

    def check_count(what: str, got: int, want_key: str) -> None:
        want = expected.get(want_key)
        if want is None:
            problems.append(f"{counts_file.name} has no count for {want_key} (this run: {got} {what})")
        elif got != want:
            problems.append(f"{got} {what} ran, {counts_file.name} expects {want} for {want_key}")

    if kind == "junit":
        line = (f"{counts['passed']} passed, {counts['failed']} failed, {counts['errors']} errors, "
                f"{counts['skipped']} skipped (of {counts['run']})")
        for what in ("failed", "errors", "skipped"):
            if counts[what]:
                problems.append(f"{counts[what]} {what}")
        check_count("tests", counts["run"], key)
    else:
        line = (f"{counts['passed']} of {counts['run']} CTest tests passed, {counts['cmocka_passed']} cmocka test "
                f"cases passed inside them ({counts['cmocka_failed']} failed, {counts['cmocka_skipped']} skipped)")
        if counts["failed"] or counts["passed"] != counts["run"]:
            problems.append(f"{counts['run'] - counts['passed']} CTest tests did not pass")
        if counts["cmocka_failed"]:
            problems.append(f"{counts['cmocka_failed']} cmocka test cases failed")
        if counts["skip_filter"]:
            problems.append("tests were left out by MONGO_ODM_TEST_SKIP")
        if counts["cmocka_skipped"]:
            problems.append(f"{counts['cmocka_skipped']} cmocka test cases skipped")
        check_count("CTest tests", counts["run"], key)
        check_count("cmocka test cases", counts["cmocka_passed"], f"{key}.cmocka")
    if problems:
        return False, f"{label}: FAILED - {line}; {'; '.join(problems)}"
    return True, f"{label}: passed - {line}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("junit", "ctest", "log"))
    parser.add_argument("report", help="JUnit XML file, the CTest build directory, or the runner's log")
    parser.add_argument("label")
    parser.add_argument("--key", required=True, help="the suite's key in tests/expected-counts.txt")
    parser.add_argument("--since", type=float, required=True, help="the run's start (seconds since the epoch)")
    parser.add_argument("--exit-status", type=int, required=True, help="the runner's exit status")
    parser.add_argument("--counts-file", type=Path, default=COUNTS_FILE)
    args = parser.parse_args(argv)
    report = Path(args.report)
    if args.kind == "ctest":
        report = report / "Testing" / "Temporary" / "LastTest.log"
    passed, line = verdict(args.kind, report, args.label, args.key, args.since, args.exit_status, args.counts_file)
    print(line)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
