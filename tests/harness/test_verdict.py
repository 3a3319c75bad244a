"""The test command's verdicts (scripts/common.sh run_pytest / run_ctest, tests/verdict.py) fail
every run that did not show its tests passing: a crashed runner beside the previous run's
report, a runner that exits 0 without a report, skips, empty runs and wrong counts.

Each case runs the real shell functions on a small suite made for it, in build/harness.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
import verdict  # noqa: E402


@pytest.fixture
def work() -> Iterator[Path]:
    base = ROOT / "build" / "harness"
    base.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(dir=base))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def counts_file(work: Path, **counts: int) -> Path:
    path = work / "counts.txt"
    path.write_text("".join(f"{key.replace('_', '.')} {n}\n" for key, n in counts.items()))
    return path


def shell(work: Path, counts: Path, commands: str) -> tuple[list[str], int]:
    """Runs `commands` after sourcing scripts/common.sh; returns SUMMARY's lines and FAILED."""
    script = textwrap.dedent(f"""\
        set -uo pipefail
        source "{ROOT}/scripts/common.sh"
        SUMMARY=(); FAILED=0; VERDICT_COUNTS_FILE="{counts}"; JOBS=1
        {commands}
        printf 'SUMMARY %s\\n' "${{SUMMARY[@]}}"
        echo "FAILED=$FAILED"
        """)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "MONGO_ODM_TEST_SKIP"))}
    done = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [line[len("SUMMARY "):] for line in done.stdout.splitlines() if line.startswith("SUMMARY ")]
    failed = int(re.search(r"^FAILED=(\d)$", done.stdout, re.M).group(1))
    return lines, failed


def pytest_suite(work: Path, body: str) -> Path:
    suite = work / "suite"
    suite.mkdir(exist_ok=True)
    (suite / "test_sample.py").write_text(textwrap.dedent(body))
    return suite


def run_pytest(work: Path, counts: Path, suite: Path) -> tuple[list[str], int]:
    return shell(work, counts, f'run_pytest "sample" pytest.sample "{work}/report.xml" "{sys.executable}" "{suite}" -q')


PASSING = """\
    def test_one():
        assert 1 + 1 == 2

    def test_two():
        assert "a" < "b"
    """


def test_a_passing_suite_with_its_recorded_count_passes(work: Path) -> None:
    lines, failed = run_pytest(work, counts_file(work, pytest_sample=2), pytest_suite(work, PASSING))
    assert failed == 0
    assert lines == ["sample: passed - 2 passed, 0 failed, 0 errors, 0 skipped (of 2)"]


def test_a_crashed_pytest_beside_the_previous_runs_passing_report_fails(work: Path) -> None:
    counts = counts_file(work, pytest_sample=2)
    suite = pytest_suite(work, PASSING)
    assert run_pytest(work, counts, suite)[1] == 0
    assert (work / "report.xml").is_file()  # the previous run's passing report stays there
    pytest_suite(work, """\
        import os, signal

        def test_one():
            os.kill(os.getpid(), signal.SIGSEGV)

        def test_two():
            pass
        """)
    lines, failed = run_pytest(work, counts, suite)
    assert failed == 1
    assert len(lines) == 1 and lines[0].startswith("sample: FAILED - ")
    assert "the runner exited with status 139" in lines[0]  # 128 + SIGSEGV, through `python -m`
    assert "this run wrote no report" in lines[0]


def test_a_stale_report_is_never_read_even_when_it_is_not_deleted(work: Path) -> None:
    counts = counts_file(work, pytest_sample=2)
    assert run_pytest(work, counts, pytest_suite(work, PASSING))[1] == 0
    report = work / "report.xml"
    old = report.stat().st_mtime
    passed, line = verdict.verdict("junit", report, "sample", "pytest.sample", since=old + 5, exit_status=0,
                                   counts_file=counts)
    assert not passed
    assert "older than this run" in line


def test_a_runner_that_exits_0_without_a_report_fails(work: Path) -> None:
    # a watchdog's os._exit(0): the status says success, no test result exists
    suite = pytest_suite(work, """\
        import os

        def test_one():
            os._exit(0)
        """)
    lines, failed = run_pytest(work, counts_file(work, pytest_sample=1), suite)
    assert failed == 1
    assert "this run wrote no report" in lines[0] and "exited with status" not in lines[0]


def test_a_skipped_test_fails_the_suite(work: Path) -> None:
    suite = pytest_suite(work, """\
        import pytest

        def test_one():
            pass

        @pytest.mark.skip(reason="not here")
        def test_two():
            pass
        """)
    lines, failed = run_pytest(work, counts_file(work, pytest_sample=2), suite)
    assert failed == 1
    assert "1 skipped" in lines[0] and "FAILED" in lines[0]


def test_an_expected_failure_counts_as_a_skip_and_fails(work: Path) -> None:
    suite = pytest_suite(work, """\
        import pytest

        @pytest.mark.xfail(reason="known")
        def test_one():
            assert False
        """)
    lines, failed = run_pytest(work, counts_file(work, pytest_sample=1), suite)
    assert failed == 1 and "skipped" in lines[0]


def test_an_expected_failure_that_passes_fails(work: Path) -> None:
    suite = pytest_suite(work, """\
        import pytest

        @pytest.mark.xfail(reason="known")
        def test_one():
            assert True
        """)
    lines, failed = run_pytest(work, counts_file(work, pytest_sample=1), suite)
    assert failed == 1 and "1 failed" in lines[0]


@pytest.mark.parametrize("recorded, why", [(3, "2 tests ran, counts.txt expects 3"),
                                           (1, "2 tests ran, counts.txt expects 1"),
                                           (None, "counts.txt has no count for pytest.sample")])
def test_a_count_other_than_the_recorded_one_fails(work: Path, recorded: int | None, why: str) -> None:
    counts = counts_file(work, pytest_sample=recorded) if recorded is not None else counts_file(work)
    lines, failed = run_pytest(work, counts, pytest_suite(work, PASSING))
    assert failed == 1
    assert why in lines[0]


def test_an_empty_run_fails(work: Path) -> None:
    suite = pytest_suite(work, "X = 1\n")
    lines, failed = run_pytest(work, counts_file(work, pytest_sample=0), suite)
    assert failed == 1  # pytest exits 5 when it collected nothing
    assert "exited with status 5" in lines[0]


# --- CTest ----------------------------------------------------------------------------------

def ctest_project(work: Path, programs: dict[str, str], properties: dict[str, str] | None = None) -> str:
    """A CMake project in work/ctest whose tests run the given shell snippets; configured into
    build/<returned dir>, the way scripts/test.sh lays out its builds."""
    src = work / "ctest-src"
    src.mkdir()
    lines = ["cmake_minimum_required(VERSION 3.16)", "project(sample NONE)", "enable_testing()"]
    for name, body in programs.items():
        (src / f"{name}.sh").write_text(body)
        lines.append(f'add_test(NAME {name} COMMAND sh "${{CMAKE_CURRENT_SOURCE_DIR}}/{name}.sh")')
        lines.append(f"set_tests_properties({name} PROPERTIES LABELS unit {(properties or {}).get(name, '')})")
    (src / "CMakeLists.txt").write_text("\n".join(lines) + "\n")
    build = work / "ctest-build"
    subprocess.run(["cmake", "-S", src, "-B", build], check=True, capture_output=True)
    return os.path.relpath(build, ROOT / "build")


CMOCKA_PASS = "echo '[==========] 3 test(s) run.'; echo '[  PASSED  ] 3 test(s).'\n"


def run_ctest(work: Path, counts: Path, build: str, args: str = "") -> tuple[list[str], int]:
    return shell(work, counts, f'run_ctest "{build}" "C sample" ctest.sample {args}')


def test_ctest_with_its_recorded_counts_passes(work: Path) -> None:
    build = ctest_project(work, {"a": CMOCKA_PASS, "b": CMOCKA_PASS})
    lines, failed = run_ctest(work, counts_file(work, ctest_sample=2, ctest_sample_cmocka=6), build)
    assert failed == 0, lines
    assert lines == ["C sample: passed - 2 of 2 CTest tests passed, 6 cmocka test cases passed inside them "
                     "(0 failed, 0 skipped)"]


def test_tests_judged_by_a_regular_expression_count_both_ways(work: Path) -> None:
    # CTest logs "Test Pass Reason:" / "Test Fail Reason:" for them instead of "Test Passed."
    build = ctest_project(work, {"a": CMOCKA_PASS + "echo 'it worked'\n", "b": CMOCKA_PASS},
                          {"a": 'PASS_REGULAR_EXPRESSION "it worked"', "b": 'PASS_REGULAR_EXPRESSION "it worked"'})
    lines, failed = run_ctest(work, counts_file(work, ctest_sample=2, ctest_sample_cmocka=6), build)
    assert failed == 1
    assert "1 of 2 CTest tests passed" in lines[0] and "1 CTest tests did not pass" in lines[0]


def test_ctest_that_finds_no_tests_fails(work: Path) -> None:
    # ctest 3.25 prints "No tests were found!!!" and exits 0 for a label that matches nothing
    build = ctest_project(work, {"a": CMOCKA_PASS})
    lines, failed = run_ctest(work, counts_file(work, ctest_sample=0, ctest_sample_cmocka=0), build,
                              '-L "no-such-label"')
    assert failed == 1
    assert "the runner exited with status" in lines[0]


def test_cmocka_cases_left_out_by_the_skip_switch_fail(work: Path) -> None:
    # tests/c/test_util.c announces MONGO_ODM_TEST_SKIP on stderr; cmocka then just runs fewer
    skipping = "echo 'MONGO_ODM_TEST_SKIP=test_fork_*: matching tests are skipped' >&2\n" + CMOCKA_PASS
    build = ctest_project(work, {"a": skipping})
    lines, failed = run_ctest(work, counts_file(work, ctest_sample=1, ctest_sample_cmocka=3), build)
    assert failed == 1
    assert "left out by MONGO_ODM_TEST_SKIP" in lines[0]


def test_cmocka_skips_and_fewer_cases_fail(work: Path) -> None:
    skipped = CMOCKA_PASS + "echo '[  SKIPPED ] 1 test(s).'\n"
    build = ctest_project(work, {"a": skipped, "b": CMOCKA_PASS})
    lines, failed = run_ctest(work, counts_file(work, ctest_sample=2, ctest_sample_cmocka=7), build)
    assert failed == 1
    assert "1 cmocka test cases skipped" in lines[0]
    assert "6 cmocka test cases ran, counts.txt expects 7" in lines[0]


def test_a_failing_ctest_test_fails_even_with_the_right_counts(work: Path) -> None:
    build = ctest_project(work, {"a": CMOCKA_PASS, "b": CMOCKA_PASS + "exit 1\n"})
    lines, failed = run_ctest(work, counts_file(work, ctest_sample=2, ctest_sample_cmocka=6), build)
    assert failed == 1
    assert "1 CTest tests did not pass" in lines[0]


def test_the_previous_ctest_log_is_not_read(work: Path) -> None:
    counts = counts_file(work, ctest_sample=1, ctest_sample_cmocka=3)
    build = ctest_project(work, {"a": CMOCKA_PASS})
    assert run_ctest(work, counts, build)[1] == 0
    # ctest is gone before it writes anything: the passing log of the previous run stays unread
    lines, failed = shell(work, counts, f'ctest() {{ return 8; }}; run_ctest "{build}" "C sample" ctest.sample')
    assert failed == 1
    assert "exited with status 8" in lines[0] and "wrote no report" in lines[0]


# --- runners of other kinds (fuzz, valgrind, README install, docs): run_logged -------------

def logged_runner(work: Path, body: str) -> Path:
    script = work / "runner.sh"
    script.write_text("#!/usr/bin/env bash\n" + textwrap.dedent(body))
    script.chmod(0o755)
    return script


def run_logged(work: Path, counts: Path, runner: Path, log: str = "runner.log") -> tuple[list[str], int]:
    return shell(work, counts, f'run_logged sample sample "{work}/{log}" "{runner}"')


PASSING_RUNNER = """\
    echo "some output"
    echo "count: sample.things 3"
    echo "count: sample.parts 2"
    echo "sample: passed - 3 things in 2 parts"
    """


def test_a_logged_runner_with_its_recorded_counts_passes(work: Path) -> None:
    lines, failed = run_logged(work, counts_file(work, sample_things=3, sample_parts=2), logged_runner(work, PASSING_RUNNER))
    assert failed == 0, lines
    assert lines == ["sample: passed - 3 things in 2 parts [counts as recorded: sample.parts 2, sample.things 3]"]


@pytest.mark.parametrize("body, why", [
    ('echo "count: sample.things 3"; echo "count: sample.parts 2"; echo "sample: passed"; exit 3',
     "the runner exited with status 3"),
    ('echo "count: sample.things 3"; echo "count: sample.parts 2"; kill -SEGV $$', "the runner exited with status"),
    ('echo "count: sample.things 3"; echo "count: sample.parts 2"', "wrote no summary line"),
    ('echo "count: sample.things 3"; echo "count: sample.parts 2"; echo "sample: FAILED - 1 thing broke"',
     "the runner said: sample: FAILED - 1 thing broke"),
    ('echo "count: sample.things 2"; echo "count: sample.parts 2"; echo "sample: passed"',
     "2 sample.things counted, counts.txt expects 3"),
    ('echo "count: sample.parts 2"; echo "sample: passed"', "the log has no count of sample.things"),
    ('echo "count: sample.things 3"; echo "count: sample.parts 2"; echo "count: sample.extra 1"; echo "sample: passed"',
     "counts.txt has no count for sample.extra"),
])
def test_a_logged_runner_that_did_not_show_its_counts_passing_fails(work: Path, body: str, why: str) -> None:
    lines, failed = run_logged(work, counts_file(work, sample_things=3, sample_parts=2), logged_runner(work, body))
    assert failed == 1
    assert lines[0].startswith("sample: FAILED - ") and why in lines[0], lines


def test_a_logged_runner_is_never_judged_by_the_previous_runs_log(work: Path) -> None:
    (work / "runner.log").write_text("count: sample.things 3\ncount: sample.parts 2\nsample: passed - old\n")
    lines, failed = run_logged(work, counts_file(work, sample_things=3, sample_parts=2),
                               logged_runner(work, 'echo "sample: FAILED - crashed early"; exit 1'))
    assert failed == 1 and "old" not in lines[0]


# --- the recorded counts --------------------------------------------------------------------

def test_every_suite_key_the_scripts_use_has_a_recorded_count() -> None:
    used, logged = set(), []
    for script in ("scripts/test.sh", "scripts/common.sh", "tests/lightodm/run.sh"):
        text = (ROOT / script).read_text()
        used |= set(re.findall(r"\b((?:ctest|pytest)\.[a-z0-9-]+)\b", text))
        logged += re.findall(r'run_logged (?:"[^"]*"|\S+) ([a-z0-9-]+) ', text)
    recorded = verdict.expected_counts()
    assert used, "no suite keys found: the scripts changed shape"
    missing = sorted(k for k in used if k not in recorded)
    assert not missing
    assert sorted(logged) == ["docs", "fuzz", "readme", "valgrind"]
    assert all(any(k.startswith(key + ".") for k in recorded) for key in logged)
    ctest_keys = sorted(k for k in used if k.startswith("ctest."))
    assert all(f"{k}.cmocka" in recorded for k in ctest_keys)


def test_the_counts_file_rejects_malformed_lines(tmp_path: Path) -> None:
    bad = tmp_path / "counts.txt"
    bad.write_text("pytest.a 3\npytest.a 4\n")
    with pytest.raises(ValueError, match="listed twice"):
        verdict.expected_counts(bad)
    bad.write_text("pytest.a three\n")
    with pytest.raises(ValueError, match="expected 'KEY COUNT'"):
        verdict.expected_counts(bad)
