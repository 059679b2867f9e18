"""What `make test` prints about the PostgreSQL tests it cannot run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_skipped_postgresql_tests_are_one_line_that_says_how_to_run_them() -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLONIES_TEST_PG", "COLONIES_REQUIRE_PG")}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/cli/test_settings_errors.py", "-p", "no:cacheprovider"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout
    assert "SKIPPED [" not in result.stdout
    assert "2 PostgreSQL tests skipped: set COLONIES_TEST_PG=postgresql://" in result.stdout
    readme = (ROOT / "README.md").read_text()
    assert "COLONIES_TEST_PG=postgresql://" in readme and "make test" in readme
