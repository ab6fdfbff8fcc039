"""scripts/test with arguments, as the README shows it: arguments that narrow the selection to a
few tests pass when those tests pass, even though they leave the PostgreSQL run (no browser test,
no test without a database) and the modeladmin run (only tests/modeladmin) nothing to run; and
arguments that match no test at all fail, as pytest's "no tests ran" (exit status 5) says."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

#: The matrix this suite runs in (CI's Django 6 run has no PostgreSQL run).
MATRIX = os.environ.get("LFCLOUD_TEST_MATRIX", "full")


def scripts_test(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LFCLOUD_TEST_WORKERS": "0", "LFCLOUD_TEST_MATRIX": MATRIX}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [str(ROOT / "scripts" / "test"), *args, "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_narrowed_run_passes_and_says_which_runs_had_nothing_to_run():
    # tests/test_naming.py needs no database: the PostgreSQL run deselects it (pytest's exit
    # status 5, "no tests ran"), and no path is under tests/modeladmin.
    result = scripts_test("tests/test_naming.py", "-k", "test_parse_master_name")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    runs, modeladmin = output.split("== pytest: wagtail-modeladmin integration")
    if MATRIX == "full":
        sqlite, postgres = runs.split("== pytest: PostgreSQL")
        assert "no test of this run matches the arguments" in postgres
    else:
        sqlite = runs
    assert "1 passed" in sqlite
    assert "no test of this run matches the arguments (none under tests/modeladmin)" in modeladmin


def test_arguments_that_match_no_test_fail():
    # A misspelt test name: no run has anything to run, and that is a failure, not a pass.
    result = scripts_test("tests/test_naming.py", "-k", "test_parse_master_nmae")
    output = result.stdout + result.stderr
    assert result.returncode == 5, output[-4000:]
    assert "1 passed" not in output
