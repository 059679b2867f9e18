"""Ready-made executors: discovery, python, shell."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from executors.plugins import discover
from executors.runtime import ExecutorRuntime
from pycolonies_like import Colonies, ProcessState
from server.testing import ColonyKeys, ThreadedServer
from tests.conftest import spec
from tests.executors.test_runtime import Running, settings


def test_the_ready_made_executors_are_discoverable() -> None:
    plugins = discover()
    assert {"helloworld", "shell", "python"} <= set(plugins)
    assert plugins["helloworld"].executortype == "helloworld-executor"


async def test_the_python_executor_serves_a_modules_functions(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, tmp_path: Path
) -> None:
    tasks = tmp_path / "tasks_for_test.py"
    tasks.write_text("import os\n\ndef add(a, b):\n    return a + b\n\ndef _hidden():\n    pass\n")
    runtime = ExecutorRuntime("python", settings(server.port, colony))
    discover()["python"].setup(runtime, {"file": str(tasks)})
    assert set(runtime.functions) == {"add"}
    async with Running(runtime):
        s = spec(colony.colonyname, "add", executortype="python", args=[20, 22])
        p = client.submit(s, colony.user_key)
        done = await asyncio.to_thread(client.wait, p, 15, colony.user_key)
    assert done.output == [42]


async def test_the_shell_executor_kills_a_command_past_maxexectime(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, tmp_path: Path
) -> None:
    runtime = ExecutorRuntime("shell", settings(server.port, colony))
    discover()["shell"].setup(runtime, {})
    marker = tmp_path / "ticks"
    command = f"echo start; for i in $(seq 1 100); do echo $i >> {marker}; sleep 0.1; done"
    async with Running(runtime):
        s = spec(colony.colonyname, "shell", executortype="shell", args=[command],
                 maxexectime=1, maxretries=0)  # fmt: skip
        p = client.submit(s, colony.user_key)
        done = await asyncio.to_thread(client.wait, p, 20, colony.user_key)
        ticks = len(marker.read_text().split())
        await asyncio.sleep(0.5)
        assert len(marker.read_text().split()) == ticks  # the child is gone
    assert done.state == ProcessState.FAILED
    assert ticks < 30
    log = "".join(
        e.message
        for e in client.get_process_log(colony.colonyname, p.processid, 50, 0, colony.user_key)
    )
    assert "start" in log


async def test_the_shell_executor_reports_exit_status_and_hides_keys(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, monkeypatch: object
) -> None:
    import os

    os.environ["COLONIES_TEST_PRVKEY"] = "secret"
    try:
        runtime = ExecutorRuntime("shell", settings(server.port, colony))
        discover()["shell"].setup(runtime, {})
        async with Running(runtime):
            ok = client.submit(spec(colony.colonyname, "shell", executortype="shell",
                                    args=["echo ${COLONIES_TEST_PRVKEY:-hidden} $GREETING"],
                                    env={"GREETING": "hi"}), colony.user_key)  # fmt: skip
            bad = client.submit(spec(colony.colonyname, "shell", executortype="shell",
                                     kwargs={"cmd": "echo oops; exit 3"}), colony.user_key)  # fmt: skip
            ok_done = await asyncio.to_thread(client.wait, ok, 15, colony.user_key)
            bad_done = await asyncio.to_thread(client.wait, bad, 15, colony.user_key)
    finally:
        del os.environ["COLONIES_TEST_PRVKEY"]
    assert ok_done.output == ["hidden hi"]
    assert bad_done.state == ProcessState.FAILED and bad_done.errors == (
        "RuntimeError: exit status 3: oops",
    )


async def test_the_shell_executor_runs_commands_as_another_user(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    import pwd

    nobody = pwd.getpwnam("nobody")
    runtime = ExecutorRuntime("shell", settings(server.port, colony))
    discover()["shell"].setup(runtime, {"run-as": "nobody", "cwd": "/"})
    async with Running(runtime):
        p = client.submit(spec(colony.colonyname, "shell", executortype="shell",
                               args=["id -u; echo $HOME; cat /proc/$PPID/environ || echo no"]),
                          colony.user_key)  # fmt: skip
        done = await asyncio.to_thread(client.wait, p, 15, colony.user_key)
    entries = client.get_process_log(colony.colonyname, p.processid, 50, 0, colony.user_key)
    log = "".join(e.message for e in entries).splitlines()
    assert str(nobody.pw_uid) in log and nobody.pw_dir in log
    assert done.output == ["no"]  # the executor's environment is out of its reach


def test_run_as_refuses_what_cannot_be() -> None:
    import pytest

    from executors.shell import run_as

    with pytest.raises(ValueError) as err:
        run_as("no-such-user-here")
    assert str(err.value) == "run-as: no user 'no-such-user-here' on this machine"
    with pytest.raises(ValueError) as err:
        run_as("root")
    assert str(err.value) == "run-as must name an unprivileged user, not root"


def test_run_as_says_when_it_cannot_switch_users(monkeypatch: pytest.MonkeyPatch) -> None:
    from executors import shell

    monkeypatch.setattr(shell, "SETPRIV", "no-such-setpriv")
    with pytest.raises(ValueError) as err:
        shell.run_as("nobody")
    import os

    assert str(err.value) == (
        "run-as needs no-such-setpriv (util-linux) to switch users"
        if os.geteuid() == 0
        else "run-as needs the executor to run as root (to switch to that user)"
    )
