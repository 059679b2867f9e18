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


def submit_waiting(dev: Dev, count: int) -> list[str]:
    """Processes for an executor type nobody serves: they wait."""
    from pycolonies_like import Colonies, Conditions, FuncSpec

    spec = FuncSpec(funcname="f", conditions=Conditions(colonyname="dev", executortype="nobody"))
    with Colonies("localhost", int(dev.env["COLONIES_SERVER_PORT"])) as client:
        return [client.submit_func_spec(spec, dev.env["COLONIES_PRVKEY"]).processid
                for _ in range(count)]  # fmt: skip


def test_ids_as_tables_show_them_and_any_unique_prefix(dev: Dev) -> None:
    ids = submit_waiting(dev, 17)  # 17 ids: two of them share a first hex digit
    table = dev.run("process", "psw", "--count", "100").stdout
    shown = next(line for line in table.splitlines() if ids[0][:16] in line)
    assert ids[0] not in shown  # cut to 16 characters...
    assert ids[0] in dev.run("process", "psw", "--count", "100", "--wide").stdout  # ...or whole
    for args in (("process", "get", ids[0][:16]), ("process", "get", "-p", ids[0][:16]),
                 ("process", "get", "--processid", ids[0][:10])):  # fmt: skip
        assert json.loads(dev.run("--json", *args).stdout)["processid"] == ids[0]
    assert dev.run("log", "get", "-p", ids[0][:16]).returncode == 0
    first = {i[0] for i in ids}
    doubled = next(c for c in first if sum(i.startswith(c) for i in ids) > 1)
    result = dev.run("process", "get", doubled, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: process id {doubled!r} is ambiguous: it starts ")
    for i in ids:
        assert (i in result.stderr) == i.startswith(doubled)
    missing = next(c for c in "0123456789abcdef" if c not in first) * 3
    result = dev.run("process", "cancel", missing, check=False)
    assert result.returncode == 1
    assert result.stderr == (
        f"error: process {missing!r} does not exist (no process id starts with it)\n"
    )
    dev.run("process", "cancel", ids[1][:16])
    assert json.loads(dev.run("--json", "process", "get", ids[1]).stdout)["state"] == 4
    dev.run("process", "remove", "-p", ids[1][:16])
    result = dev.run("process", "get", "-p", ids[2][:8], ids[3][:8], check=False)
    assert result.returncode == 1 and "two process ids given" in result.stderr
    result = dev.run("process", "get", "zz", check=False)
    assert result.returncode == 1 and "is not an id" in result.stderr
    result = dev.run("process", "get", check=False)
    assert result.returncode == 2 and "give the process id" in result.stderr
    dev.run("process", "removeall", "--state", "waiting", stdin="y\n")


def test_workflow_ids_by_prefix(dev: Dev, helloworld: subprocess.Popen[str]) -> None:
    spec = hello_workflow(dev, ("only", "helloworld", []))
    graphid = dev.run("workflow", "submit", "--spec", str(spec)).stdout.strip()
    for args in (("-w", graphid[:16]), ("--workflowid", graphid[:12]), (graphid[:16],)):
        shown = json.loads(dev.run("--json", "workflow", "get", *args).stdout)
        assert shown["workflow"]["processgraphid"] == graphid
    assert graphid[:16] in dev.run("workflow", "ps").stdout
    assert graphid in dev.run("workflow", "ps", "--wide").stdout
