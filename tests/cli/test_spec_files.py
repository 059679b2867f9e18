"""Spec files are read strictly by the CLI: a wrong type, an unknown key or an object
where a list belongs is one line naming the file and the field, before anything is sent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

COLONIES = [sys.executable, "-m", "pycolonies_like.cli.main"]
HELLO = {"executortype": "helloworld-executor"}


def run(tmp_path: Path, command: list[str], content: Any) -> subprocess.CompletedProcess[str]:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(content))
    env = {**os.environ, "COLONIES_COLONY_NAME": "dev", "COLONIES_PRVKEY": "1" * 64,
           "COLONIES_SERVER_PORT": "1"}  # fmt: skip
    return subprocess.run([*COLONIES, *command, "--spec", str(spec)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"funcname": "f", "maxexectime": "ten"}, 'maxexectime: expected an integer, got "ten"'),
        ({"funcname": "f", "priority": "high"}, 'priority: expected an integer, got "high"'),
        ({"funcname": "f", "conditions": "helloworld-executor"},
         "conditions: expected an object, got a string"),
        ({"funcname": "f", "conditons": HELLO},
         "conditons: unknown field (did you mean 'conditions'?)"),
        ({"funcname": "f", "args": "x"}, "args: expected a list, got a string"),
        ([{"funcname": "f"}], "expected a function spec (an object), got a list"),
    ],
)  # fmt: skip
def test_function_submit_refuses_a_wrong_spec_file(
    tmp_path: Path, content: Any, message: str
) -> None:
    result = run(tmp_path, ["function", "submit"], content)
    assert result.returncode == 1
    assert result.stderr == f"error: {tmp_path / 'spec.json'}: {message}\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ([{"nodename": "a", "funcname": "f", "conditions": HELLO},
          {"nodename": "b", "funcname": "f", "conditions": {**HELLO, "dependecies": ["a"]}}],
         "[1].conditions.dependecies: unknown field (did you mean 'dependencies'?)"),
        ([{"nodename": "a", "maxexectime": "ten"}], '[0].maxexectime: expected an integer, got "ten"'),
        ([{"nodename": "a", "conditions": "helloworld-executor"}],
         "[0].conditions: expected an object, got a string"),
        ([{"nodename": "b", "conditions": {**HELLO, "dependencies": "a"}}],
         "[0].conditions.dependencies: expected a list, got a string"),
        ({"functionspecs": {"nodename": "a"}}, "functionspecs: expected a list, got an object"),
        ({"nodename": "a", "funcname": "f", "conditions": HELLO},
         "expected a workflow (a list of function specs), got a single function spec; "
         "put it in a list: [{...}]"),
        ({"colonyname": "dev", "functionspecs": [], "typo": 1}, "typo: unknown field"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", [["workflow", "submit"], ["cron", "add", "--interval", "5",
                                                              "--name", "c"]])  # fmt: skip
def test_workflow_files_are_refused_with_the_field_path(
    tmp_path: Path, content: Any, message: str, command: list[str]
) -> None:
    result = run(tmp_path, command, content)
    assert result.returncode == 1
    assert result.stderr == f"error: {tmp_path / 'spec.json'}: {message}\n"
