"""The CLI as a newcomer uses it: options where they are typed, ids as tables show them,
hints where a command would otherwise wait in silence."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli import Dev


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    d = Dev(tmp_path_factory.mktemp("dev")).start()
    yield d
    d.stop()


@pytest.fixture(scope="module")
def helloworld(dev: Dev) -> Iterator[subprocess.Popen[str]]:
    child = dev.executor("helloworld")
    yield child
    child.send_signal(signal.SIGINT)
    child.wait(15)


def hello_workflow(dev: Dev, *nodes: tuple[str, str, list[str]]) -> Path:
    path = dev.data_dir / "wf.json"
    path.write_text(json.dumps([
        {"nodename": name, "funcname": func,
         "conditions": {"executortype": "helloworld-executor", "dependencies": deps}}
        for name, func, deps in nodes
    ]))  # fmt: skip
    return path


def test_json_before_or_after_the_subcommand(dev: Dev, helloworld: subprocess.Popen[str]) -> None:
    before = json.loads(dev.run("--json", "executor", "ls").stdout)
    after = json.loads(dev.run("executor", "ls", "--json").stdout)
    assert before == after and before[0]["executorname"] == "dev"
    dev.run("function", "exec", "--func", "helloworld", "--targettype", "helloworld-executor",
            "--wait")  # fmt: skip
    listed = json.loads(dev.run("process", "pss", "--json").stdout)
    assert listed and listed[0]["state"] == 2
    assert json.loads(dev.run("--json", "server", "alive").stdout)["alive"] is True
    assert json.loads(dev.run("server", "alive", "--json").stdout)["alive"] is True
    assert dev.run("server", "alive").stdout == "alive\n"


def test_json_workflow_submit_follow_prints_the_result(
    dev: Dev, helloworld: subprocess.Popen[str]
) -> None:
    spec = hello_workflow(dev, ("first", "helloworld", []), ("second", "helloworld", ["first"]))
    for args in (("--json", "workflow", "submit"), ("workflow", "submit", "--json")):
        result = dev.run(*args, "--spec", str(spec), "--follow")
        shown = json.loads(result.stdout)
        assert shown["workflow"]["state"] == 2
        assert sorted(p["spec"]["nodename"] for p in shown["processes"]) == ["first", "second"]
        assert "done    second" in result.stderr
