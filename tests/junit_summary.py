"""Prints one line counting the tests of a JUnit XML report; fails if any did not pass.

    python tests/junit_summary.py report.xml "label"
"""

import sys
import xml.etree.ElementTree as ET


def main() -> int:
    path, label = sys.argv[1], sys.argv[2]
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = sum(int(s.get("tests", 0)) for s in suites)
    failures = sum(int(s.get("failures", 0)) for s in suites)
    errors = sum(int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    passed = total - failures - errors - skipped
    print(f"{label}: {passed} passed, {failures} failed, {errors} errors, {skipped} skipped (of {total})")
    return 0 if failures == 0 and errors == 0 and skipped == 0 and total > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
