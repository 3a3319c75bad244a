"""The README's Python block and every examples/python program, run as they are against the
test server (SCRAM on): they must succeed, and without credentials they must fail loudly (a
non-zero exit status and an exception or message) instead of printing success (issue 17)."""

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "python").glob("*.py"))


def readme_python_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python\n", 1)[1]
    match = re.search(r"```python\n(.*?)\n```", section, re.S)
    assert match, "README.md's '## Python' section has no ```python block"
    return match.group(1) + "\n"


def run(args: List[str], env: Dict[str, str]) -> "subprocess.CompletedProcess[str]":
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def without_credentials() -> Dict[str, str]:
    env = dict(os.environ)
    env.pop("MONGO_USER", None)
    env.pop("MONGO_PASSWORD", None)
    return env


@pytest.fixture
def drop_readme_collection(admin_db):
    yield
    admin_db["users"].drop()


def test_examples_are_all_found():
    assert {p.name for p in EXAMPLES} >= {"quickstart_sync.py", "quickstart_async.py", "features.py",
                                          "byo_connection.py"}


def test_examples_check_results_without_assert():
    """The examples and the README's block check their results with explicit tests that stop
    the program with a message: ``python -O`` strips assert statements (issue 17 item 6)."""
    import ast

    sources = {p.name: p.read_text(encoding="utf-8") for p in EXAMPLES}
    sources["README.md"] = readme_python_block()
    for name, source in sources.items():
        asserts = [node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Assert)]
        assert not asserts, f"{name}: assert statements on lines {asserts}"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(example):
    proc = run([str(example)], dict(os.environ))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "unexpected result" not in proc.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_fails_loudly_without_credentials(example):
    proc = run([str(example)], without_credentials())
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert re.search(r"(OperationFailure|Error|requires authentication)", proc.stderr), proc.stderr[-3000:]


def test_readme_python_block_runs(drop_readme_collection):
    proc = run(["-c", readme_python_block()], dict(os.environ))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Ada" in proc.stdout


def test_readme_python_block_fails_loudly_without_credentials(drop_readme_collection):
    proc = run(["-c", readme_python_block()], without_credentials())
    assert proc.returncode != 0, proc.stdout
    assert "requires authentication" in proc.stderr or "OperationFailure" in proc.stderr, proc.stderr[-3000:]
