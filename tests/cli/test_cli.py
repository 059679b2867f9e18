"""The `colonies` CLI driven as a user would: subprocesses against `colonies dev`."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

COLONIES = [sys.executable, "-m", "pycolonies_like.cli.main"]


class Dev:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.proc: subprocess.Popen[str] | None = None
        self.env: dict[str, str] = {}
        self.children: list[subprocess.Popen[str]] = []

    def start(self) -> Dev:
        env_file = self.data_dir / "dev.env"
        if env_file.exists():
            env_file.unlink()
        self.proc = subprocess.Popen(
            [*COLONIES, "dev", "--data-dir", str(self.data_dir), "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not env_file.exists():
            assert self.proc.poll() is None, self.proc.stdout.read()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "colonies dev did not start"
            time.sleep(0.05)
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for line in env_file.read_text().splitlines():
            if line.startswith("export "):
                key, _, value = line[len("export ") :].partition("=")
                self.env[key] = value
        return self

    def run(self, *args: str, check: bool = True, timeout: float = 60,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
        result = subprocess.run([*COLONIES, *args], env=self.env, capture_output=True, text=True,
                                timeout=timeout, input=stdin)  # fmt: skip
        assert "Traceback" not in result.stderr, result.stderr
        if check:
            assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
        return result

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        child = subprocess.Popen([*COLONIES, *args], env=self.env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)  # fmt: skip
        self.children.append(child)
        return child

    def executor(self, kind: str) -> subprocess.Popen[str]:
        child = self.spawn("executor", "start", kind)
        assert child.stdout is not None
        line = child.stdout.readline()
        assert "registered" in line, line
        return child

    def stop(self) -> None:
        for child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
                try:
                    child.wait(15)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
            if child.stdout is not None:
                child.stdout.close()
        self.children.clear()
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGINT)
                self.proc.wait(15)
            if self.proc.stdout is not None:
                self.proc.stdout.close()


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


def test_dev_writes_a_private_env_file_and_a_ready_colony(dev: Dev) -> None:
    env_file = dev.data_dir / "dev.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((dev.data_dir / "dev.json").stat().st_mode) == 0o600
    for key in ("COLONIES_SERVER_PRVKEY", "COLONIES_COLONY_PRVKEY", "COLONIES_PRVKEY"):
        assert len(dev.env[key]) == 64
    assert dev.env["COLONIES_COLONY_NAME"] == "dev"
    listing = json.loads(dev.run("--json", "executor", "ls").stdout)
    assert [e["executorname"] for e in listing] == ["dev"] and listing[0]["state"] == 1
    assert dev.run("server", "alive").stdout.strip() == "alive"
    status = json.loads(dev.run("--json", "server", "status").stdout)
    assert status["store"] == "sqlite"


def test_the_tour_helloworld_with_follow(dev: Dev, helloworld: subprocess.Popen[str]) -> None:
    result = dev.run("function", "exec", "--func", "helloworld",
                     "--targettype", "helloworld-executor", "--follow")  # fmt: skip
    assert result.stdout == "Hello from executor\n"
    assert "finished successfully: ['helloworld']" in result.stderr
    spec = dev.data_dir / "helloworld.json"
    spec.write_text(json.dumps({"conditions": {"executortype": "helloworld-executor"},
                                "funcname": "helloworld"}))  # fmt: skip
    result = dev.run("function", "submit", "--spec", str(spec), "--wait")
    assert result.stdout.strip() == "helloworld"
    done = json.loads(dev.run("--json", "process", "pss", "--count", "10").stdout)
    assert len(done) >= 2 and all(p["state"] == 2 for p in done)


def test_a_failing_process_exits_non_zero(dev: Dev, helloworld: subprocess.Popen[str]) -> None:
    result = dev.run("function", "exec", "--func", "missing",
                     "--targettype", "helloworld-executor", "--follow", check=False)  # fmt: skip
    assert result.returncode == 1
    assert "failed: executor" in result.stderr and "no function 'missing'" in result.stderr


def test_shell_executor_streams_and_is_killed_on_cancel(dev: Dev, tmp_path: Path) -> None:
    shell = dev.executor("shell")
    marker = tmp_path / "ticks"
    command = f"for i in $(seq 1 200); do echo tick $i; echo $i >> {marker}; sleep 0.1; done"
    follower = dev.spawn("function", "exec", "--func", "shell", "--targettype", "shell",
                         "--args", command, "--follow")  # fmt: skip
    assert follower.stdout is not None
    lines = [follower.stdout.readline() for _ in range(4)]
    assert lines[0].startswith("Process ") and lines[0].rstrip().endswith("submitted")
    processid = lines[0].split()[1]
    assert lines[3].startswith("tick 1") or lines[2].startswith("$ for i")
    while "tick 3" not in follower.stdout.readline():
        pass
    dev.run("process", "cancel", "-p", processid)
    rest = follower.communicate(timeout=30)[0]
    assert follower.returncode == 1 and f"Process {processid} cancelled" in rest
    ticks = len(marker.read_text().split())
    time.sleep(1.0)
    assert len(marker.read_text().split()) == ticks, "the command kept running after the cancel"
    got = json.loads(dev.run("--json", "process", "get", "-p", processid).stdout)
    assert got["state"] == 4
    shell.send_signal(signal.SIGINT)
    assert shell.wait(15) == 0


def test_a_workflow_from_a_json_spec(dev: Dev, helloworld: subprocess.Popen[str]) -> None:
    spec = dev.data_dir / "workflow.json"
    node = {"funcname": "helloworld", "conditions": {"executortype": "helloworld-executor"}}
    spec.write_text(json.dumps({"functionspecs": [
        {**node, "nodename": "first"},
        {**node, "nodename": "left", "conditions": {**node["conditions"], "dependencies": ["first"]}},  # type: ignore[dict-item]
        {**node, "nodename": "right", "conditions": {**node["conditions"], "dependencies": ["first"]}},  # type: ignore[dict-item]
        {**node, "nodename": "last", "conditions": {**node["conditions"], "dependencies": ["left", "right"]}},  # type: ignore[dict-item]
    ]}))  # fmt: skip
    result = dev.run("workflow", "submit", "--spec", str(spec), "--follow")
    assert "successful" in result.stderr and "done    last" in result.stderr
    graphs = json.loads(dev.run("--json", "workflow", "ps", "--state", "successful").stdout)
    graphid = graphs[0]["processgraphid"]
    shown = json.loads(dev.run("--json", "workflow", "get", "--workflowid", graphid).stdout)
    last = next(p for p in shown["processes"] if p["spec"]["nodename"] == "last")
    assert last["in"] == ["helloworld", "helloworld"]


def test_errors_are_one_line_and_non_zero(dev: Dev, tmp_path: Path) -> None:
    result = dev.run("process", "get", "-p", "0" * 64, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: process {'0' * 64!r} does not exist"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = dev.run("function", "submit", "--spec", str(bad), check=False)
    assert result.returncode == 1 and "is not valid JSON" in result.stderr
    result = dev.run("workflow", "submit", "--spec", str(tmp_path / "missing.json"), check=False)
    assert result.returncode == 1 and "cannot read" in result.stderr
    env = {k: v for k, v in dev.env.items() if k != "COLONIES_PRVKEY"}
    result = subprocess.run([*COLONIES, "process", "ps"], env=env, capture_output=True, text=True)
    assert result.returncode == 1 and "set COLONIES_PRVKEY" in result.stderr
    result = dev.run("--port", "1", "process", "ps", check=False)
    assert result.returncode == 1 and result.stderr.startswith("error: cannot reach the server")
    result = dev.run(
        "function", "exec", "--func", "f", "--targettype", "t", "--kwargs", "nokey", check=False
    )
    assert result.returncode == 1 and "key=value" in result.stderr
    result = dev.run("nosuchcommand", check=False)
    assert result.returncode == 2 and "No such command" in result.stderr

    for variable, value, args in (
        ("COLONIES_SERVER_PORT", "abc", ["process", "ps"]),
        ("COLONIES_SERVER_PORT", "70000", ["server", "start", "--data-dir", str(tmp_path)]),
        ("COLONIES_DB_POOL_SIZE", "0", ["server", "start", "--data-dir", str(tmp_path)]),
    ):
        result = subprocess.run([*COLONIES, *args], env={**dev.env, variable: value},
                                capture_output=True, text=True, timeout=30)  # fmt: skip
        assert result.returncode == 1, result.stderr
        assert result.stderr.strip() == (
            f"error: {variable} must be a whole number from "
            f"{1 if variable == 'COLONIES_DB_POOL_SIZE' else 0} to "
            f"{1000 if variable == 'COLONIES_DB_POOL_SIZE' else 65535}, got {value!r}"
        )
    for env, args, message in (
        ({"COLONIES_LEASE_TIMEOUT": "soon"}, [],
         "error: COLONIES_LEASE_TIMEOUT must be a number of seconds, got 'soon'"),
        ({}, ["--lease-timeout", "0.5"],
         "error: lease_timeout_s must be at least 2 seconds, got 0.5"),
        ({}, ["--assign-ack-timeout", "nan"],
         "error: ack_timeout_s must be a number of seconds, got nan"),
        ({"COLONIES_STALE_EXECUTOR_DURATION": "later"}, [],
         "error: COLONIES_STALE_EXECUTOR_DURATION must be a number of seconds, got 'later'"),
        ({}, ["--remove-silent-after", "59"],
         "error: remove_after_s must be 0 (never) or at least twice the lease timeout (60 s: an "
         "executor is silent before it is removed), got 59"),
    ):  # fmt: skip
        result = subprocess.run(
            [*COLONIES, "server", "start", "--data-dir", str(tmp_path), *args],
            env={**dev.env, **env}, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert result.returncode == 1 and result.stderr.strip() == message, result.stderr


def test_admin_commands(dev: Dev) -> None:
    from pycolonies_like.crypto import generate_private_key, id_of

    key = generate_private_key()
    dev.run(
        "executor", "add", "--name", "extra", "--type", "t", "--executorid", id_of(key), "--approve"
    )
    listing = json.loads(dev.run("--json", "executor", "ls").stdout)
    assert {e["executorname"]: e["state"] for e in listing}["extra"] == 1
    dev.run("executor", "reject", "--name", "extra")
    dev.run("executor", "remove", "--name", "extra")
    user_key = generate_private_key()
    dev.run("user", "add", "--name", "alice", "--userid", id_of(user_key))
    assert "alice" in dev.run("user", "ls").stdout
    dev.run("user", "remove", "--name", "alice")
    stats = json.loads(dev.run("--json", "colony", "stats").stdout)
    assert stats["colonies"] == 1
    assert json.loads(dev.run("--json", "colony", "ls").stdout)[0]["name"] == "dev"
    colony_key = generate_private_key()
    dev.run("colony", "add", "--name", "second", "--colonyid", id_of(colony_key))
    dev.run("colony", "remove", "--name", "second")


def test_crons_generators_logs_and_attributes(dev: Dev, helloworld: subprocess.Popen[str]) -> None:
    spec = dev.data_dir / "one.json"
    spec.write_text(json.dumps([{"nodename": "a", "funcname": "helloworld",
                                 "conditions": {"executortype": "helloworld-executor"}}]))  # fmt: skip
    cronid = dev.run(
        "cron", "add", "--name", "often", "--interval", "3600", "--spec", str(spec)
    ).stdout.strip()
    assert "often" in dev.run("cron", "ls").stdout
    ran = dev.run("cron", "run", "--cronid", cronid).stdout
    assert "started workflow" in ran
    dev.run("cron", "remove", "--cronid", cronid)
    genid = dev.run(
        "generator", "add", "--name", "gen", "--spec", str(spec), "--trigger", "2"
    ).stdout.strip()
    dev.run("generator", "pack", "--generatorid", genid, "--arg", "x")
    assert (
        json.loads(dev.run("--json", "generator", "get", "--generatorid", genid).stdout)[
            "queuesize"
        ]
        == 1
    )
    dev.run("generator", "remove", "--generatorid", genid)
    out = dev.run("function", "exec", "--func", "helloworld", "--targettype", "helloworld-executor",
                  "--wait").stderr  # fmt: skip
    processid = out.split()[1]
    assert dev.run("log", "get", "-p", processid).stdout == "Hello from executor\n"
    assert dev.run("log", "follow", "-p", processid).stdout == "Hello from executor\n"
    process = json.loads(dev.run("--json", "process", "get", "-p", processid).stdout)
    by_executor = dev.run("log", "get", "-e", process["assignedexecutorname"]).stdout
    assert by_executor.splitlines()[-1] == "Hello from executor"
    for args in ((), ("-p", processid, "-e", "x")):
        result = dev.run("log", "get", *args, check=False)
        assert result.returncode == 1
        assert result.stderr.strip() == "error: give either --processid or --executorname"


def test_security_commands(tmp_path: Path) -> None:
    out = tmp_path / "key"
    result = subprocess.run([*COLONIES, "security", "generate", "--out", str(out)],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0 and "written to" in result.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    key = out.read_text().strip()
    from pycolonies_like.crypto import id_of

    shown = subprocess.run(
        [*COLONIES, "security", "id", "--prvkey", key], capture_output=True, text=True
    )
    assert shown.stdout.strip() == id_of(key) and id_of(key) in result.stdout
    bad = subprocess.run(
        [*COLONIES, "security", "id", "--prvkey", "nope"], capture_output=True, text=True
    )
    assert bad.returncode == 1 and bad.stderr.startswith("error: a private key must be")


def test_a_second_dev_run_reuses_data_and_keys(tmp_path: Path) -> None:
    first = Dev(tmp_path).start()
    keys = {k: first.env[k] for k in ("COLONIES_PRVKEY", "COLONIES_COLONY_PRVKEY")}
    first.run("function", "exec", "--func", "f", "--targettype", "nobody")
    first.stop()
    second = Dev(tmp_path).start()
    try:
        assert {k: second.env[k] for k in keys} == keys
        waiting = json.loads(second.run("--json", "process", "psw").stdout)
        assert [p["spec"]["funcname"] for p in waiting] == ["f"]
    finally:
        second.stop()


def test_pausing_and_resuming_assignment(dev: Dev) -> None:
    from pycolonies_like.crypto import generate_private_key

    submitted = json.loads(
        dev.run("--json", "function", "exec", "--func", "f", "--targettype", "idle").stdout
    )
    processid = submitted["processid"]
    try:
        assert "Assignment paused for colony dev" in dev.run("colony", "pause").stdout
        assert "paused (colony)" in dev.run("process", "get", "-p", processid).stdout
        assert "paused (colony)" in dev.run("colony", "get").stdout
        assert json.loads(dev.run("--json", "colony", "get").stdout)["paused"] is True
        dev.run("colony", "resume")
        dev.run("colony", "pause", "--type", "idle")
        assert "paused (idle)" in dev.run("process", "get", "-p", processid).stdout
        listing = dev.run("executor", "ls").stdout
        assert "paused" not in listing  # the dev executors are of other types
        assert "paused for idle" in dev.run("colony", "ls").stdout
        # Refusals: one line, non-zero.
        bad = dev.run("colony", "pause", "--type", "bad type", check=False)
        assert bad.returncode == 1 and bad.stderr.startswith("error: executortype 'bad type'")
        dev.env, env = {**dev.env, "COLONIES_COLONY_PRVKEY": generate_private_key()}, dev.env
        try:
            denied = dev.run("colony", "resume", "--type", "idle", check=False)
        finally:
            dev.env = env
        assert denied.returncode == 1 and "Access denied" in denied.stderr
        assert denied.stderr.count("\n") == 1
    finally:
        dev.run("colony", "resume")
        dev.run("colony", "resume", "--type", "idle")
    shown = dev.run("process", "get", "-p", processid).stdout
    assert re.search(r"assignment\s+│\s+on\s", shown), shown
    dev.run("process", "remove", "-p", processid)


def test_setting_the_retention_period(dev: Dev) -> None:
    assert (
        dev.run("colony", "retention", "30d").stdout
        == "Colony dev keeps finished work for 2592000 s\n"
    )
    assert json.loads(dev.run("--json", "colony", "get").stdout)["retention"] == 2_592_000
    bad = dev.run("colony", "retention", "soon", check=False)
    assert bad.returncode == 1
    assert bad.stderr == "error: 'soon' is not a duration: use e.g. 3600, 90m, 12h or 30d\n"
    assert dev.run("colony", "retention", "0").stdout == "Colony dev keeps finished work for ever\n"


def test_setting_a_fair_weight(dev: Dev) -> None:
    assert dev.run("colony", "weight", "dev", "3").stdout == "dev has weight 3 in colony dev\n"
    bad = dev.run("colony", "weight", "dev", "0", check=False)
    assert bad.returncode == 1
    assert bad.stderr == "error: weight must be between 1 and 1000, got 0\n"
    nobody = dev.run("colony", "weight", "nobody", "2", check=False)
    assert nobody.returncode == 1 and "no user or executor named 'nobody'" in nobody.stderr


def test_process_get_shows_attempts_and_rerun(dev: Dev) -> None:
    from pycolonies_like import Colonies
    from pycolonies_like.core.models import Conditions, FuncSpec, RetryPolicy
    from pycolonies_like.crypto import generate_private_key, id_of

    env = dev.env
    colony, colony_key = env["COLONIES_COLONY_NAME"], env["COLONIES_COLONY_PRVKEY"]
    client = Colonies("127.0.0.1", int(env["COLONIES_SERVER_PORT"]))
    key = generate_private_key()
    client.add_executor({"executorid": id_of(key), "executortype": "retrier",
                         "executorname": "retrier", "colonyname": colony}, colony_key)  # fmt: skip
    client.approve_executor(colony, "retrier", colony_key)
    spec = FuncSpec(funcname="flaky", conditions=Conditions(colonyname=colony,
                    executortype="retrier"), retrypolicy=RetryPolicy(maxretries=1,
                    initialinterval=0))  # fmt: skip
    p = client.submit_func_spec(spec, env["COLONIES_PRVKEY"])  # as the CLI is
    for error in ("IOError: first", "IOError: second"):
        client.fail(client.assign(colony, 5, key)["processid"], [error], key)
    shown = dev.run("process", "get", "-p", p.processid).stdout
    assert "failed" in shown and "attempt 1" in shown and "IOError: first" in shown
    assert "IOError: second" in shown  # the last failure is the process' own error
    as_json = json.loads(dev.run("--json", "process", "get", "-p", p.processid).stdout)
    assert [h["errors"] for h in as_json["history"]] == [["IOError: first"]]
    result = dev.run("process", "rerun", "-p", p.processid)
    assert result.stdout.strip() == f"Process {p.processid} waits again (attempt 3)"
    assert client.assign(colony, 5, key).attempt == 3
    result = dev.run("process", "rerun", "-p", p.processid, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().endswith("only a failed or cancelled process can be rerun")


def test_workflow_rerun_from_failed(dev: Dev) -> None:
    from pycolonies_like import Colonies
    from pycolonies_like.core.models import Conditions, FuncSpec, Workflow
    from pycolonies_like.crypto import generate_private_key, id_of

    env = dev.env
    colony, colony_key = env["COLONIES_COLONY_NAME"], env["COLONIES_COLONY_PRVKEY"]
    client = Colonies("127.0.0.1", int(env["COLONIES_SERVER_PORT"]))
    key = generate_private_key()
    client.add_executor({"executorid": id_of(key), "executortype": "rerunner",
                         "executorname": "rerunner", "colonyname": colony}, colony_key)  # fmt: skip
    client.approve_executor(colony, "rerunner", colony_key)
    specs = [FuncSpec(nodename=n, funcname=n, conditions=Conditions(
        colonyname=colony, executortype="rerunner", dependencies=deps))
        for n, deps in (("fetch", []), ("parse", ["fetch"]), ("store", ["parse"]))]  # fmt: skip
    graph = client.submit_workflow(Workflow(colonyname=colony, functionspecs=specs),
                                   env["COLONIES_PRVKEY"])  # fmt: skip
    gid = graph.processgraphid
    client.close(client.assign(colony, 5, key).processid, ["page"], key)
    client.fail(client.assign(colony, 5, key).processid, ["ValueError: bad page"], key)
    result = dev.run("workflow", "rerun", gid, check=False)
    assert result.returncode == 2 and "Missing option '--from-failed'" in result.stderr
    result = dev.run("workflow", "rerun", "--from-failed", gid)
    assert result.stdout == f"Workflow {gid} runs again; waiting: parse, store\n"
    again = client.assign(colony, 5, key)
    assert (again.spec.nodename, again.input, again.attempt) == ("parse", ["page"], 2)
    result = dev.run("workflow", "rerun", "--from-failed", "-w", gid, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: workflow {gid} is running; only a failed or cancelled workflow can be rerun"
    )


def test_process_get_says_why_a_process_waits(dev: Dev, tmp_path: Path) -> None:
    spec = tmp_path / "gpu.json"
    spec.write_text(json.dumps({
        "funcname": "train", "conditions": {
            "colonyname": "dev", "executortype": "cli",
            "cpu": "64", "mem": "256Gi", "gpu": {"name": "a100", "count": 4}},
    }))  # fmt: skip
    submitted = json.loads(dev.run("--json", "function", "submit", "--spec", str(spec)).stdout)
    got = json.loads(dev.run("--json", "process", "get", "-p", submitted["processid"]).stdout)
    assert got["spec"]["conditions"]["gpu"]["count"] == 4
    assert got["waiting"] == (
        "no approved executor of type 'cli' satisfies its conditions "
        "(1 checked; closest, dev: no hardware declared)"
    )
    shown = dev.run("process", "get", "-p", submitted["processid"]).stdout
    assert "cpu 64000m, mem 256Gi, 4 gpu a100" in shown and "waiting" in shown
    dev.run("process", "remove", "-p", submitted["processid"])
    spec.write_text(json.dumps({"funcname": "x", "conditions": {
        "colonyname": "dev", "executortype": "dev", "mem": "lots"}}))  # fmt: skip
    refused = dev.run("function", "submit", "--spec", str(spec), check=False)
    assert refused.returncode != 0
    assert "conditions.mem: 'lots' is not a quantity" in refused.stderr


def test_executor_start_registers_what_it_is_told_it_has(dev: Dev, tmp_path: Path) -> None:
    refused = dev.run("executor", "start", "helloworld", "--cpu", "fast", check=False)
    assert refused.returncode != 0
    assert refused.stderr.strip() == (
        "error: capabilities.hardware[0].cpu: 'fast' is not a quantity (a number with an "
        "optional unit, e.g. '4', '500m', '16Gi', '500M')"
    )
    bad = tmp_path / "caps.json"
    bad.write_text('{"hardware": [{"gpu": {"count": "two"}}]}')
    refused = dev.run("executor", "start", "helloworld", "--capabilities", str(bad), check=False)
    assert refused.returncode != 0 and "hardware" in refused.stderr
    child = dev.spawn("executor", "start", "helloworld", "--executor-name", "gpu-hello",
                      "--gpus", "2", "--gpu-name", "t4", "--mem", "8Gi", "--location", "lab")  # fmt: skip
    assert child.stdout is not None
    assert "registered" in child.stdout.readline()
    listing = json.loads(dev.run("--json", "executor", "ls").stdout)
    (mine,) = [e for e in listing if e["executorname"] == "gpu-hello"]
    (hw,) = mine["capabilities"]["hardware"]
    assert (hw["gpu"]["count"], hw["gpu"]["name"], hw["mem"]) == (2, "t4", "8Gi")
    assert mine["locationname"] == "lab"
    child.send_signal(signal.SIGINT)
    child.wait(15)
