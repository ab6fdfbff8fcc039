"""scripts/test with arguments, as the README shows it: arguments that narrow the selection to a
few tests pass when those tests pass, even though they leave the PostgreSQL run (no browser test,
no test without a database) and the modeladmin run (only tests/modeladmin) nothing to run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_a_narrowed_run_passes_and_says_which_runs_had_nothing_to_run():
    # tests/test_naming.py needs no database: the PostgreSQL run deselects it (pytest's exit
    # status 5, "no tests ran"), and no path is under tests/modeladmin.
    env = {**os.environ, "LFCLOUD_TEST_WORKERS": "0", "LFCLOUD_TEST_MATRIX": "full"}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_ADDOPTS", None)
    result = subprocess.run(
        [
            str(ROOT / "scripts" / "test"),
            "tests/test_naming.py",
            "-k",
            "test_parse_master_name",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    sqlite, postgres = output.split("== pytest: PostgreSQL")
    postgres, modeladmin = postgres.split("== pytest: wagtail-modeladmin integration")
    assert "1 passed" in sqlite
    assert "no test of this run matches the arguments" in postgres
    assert "no test of this run matches the arguments (none under tests/modeladmin)" in modeladmin
