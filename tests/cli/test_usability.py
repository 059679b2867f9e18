"""The CLI as a newcomer uses it: options where they are typed, ids as tables show them,
hints where a command would otherwise wait in silence."""

from __future__ import annotations

import json
import signal
import subprocess
import time
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


@pytest.fixture
def interruptible() -> Iterator[None]:
    """The CLI started by the test takes Ctrl+C (SIGINT) as it would at a
    terminal, also when the suite itself runs where SIGINT is ignored (a
    background job of a shell without job control), which its children would
    inherit and Python would then leave ignored."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.parametrize("mode", ["--follow", "--wait"])
def test_a_type_nobody_serves_is_said_and_ctrl_c_says_how_to_cancel(
    dev: Dev, mode: str, interruptible: None
) -> None:
    child = dev.spawn("function", "exec", "--func", "f", "--targettype", "helloworld-executr",
                      mode)  # fmt: skip
    assert child.stdout is not None
    submitted = child.stdout.readline()
    assert submitted.startswith("Process ") and submitted.rstrip().endswith("submitted")
    processid = submitted.split()[1]
    if mode == "--follow":
        assert child.stdout.readline().startswith("Following process")
    hint = child.stdout.readline()  # after a moment: an executor just started may register
    assert hint.startswith(
        "Still waiting: no executor of type 'helloworld-executr' is registered in colony 'dev'"
    )
    assert "registered types: " in hint and "the process waits until one registers" in hint
    time.sleep(0.5)  # in the wait
    child.send_signal(signal.SIGINT)
    rest = child.communicate(timeout=30)[0]
    assert child.returncode == 130
    assert f"Process {processid} is still queued; cancel it with: colonies process cancel " in rest
    assert "Traceback" not in rest
    command = rest.split("cancel it with: ")[1].splitlines()[0].split()
    dev.run(*command[1:])
    assert json.loads(dev.run("--json", "process", "get", processid).stdout)["state"] == 4


def test_cancel_on_interrupt_cancels_without_asking(dev: Dev, interruptible: None) -> None:
    child = dev.spawn("function", "exec", "--func", "f", "--targettype", "nobody-serves",
                      "--follow", "--cancel-on-interrupt")  # fmt: skip
    assert child.stdout is not None
    processid = child.stdout.readline().split()[1]
    assert child.stdout.readline().startswith("Following process")
    assert child.stdout.readline().startswith("Still waiting")  # it is in the follow loop
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    rest = child.communicate(timeout=30)[0]
    assert child.returncode == 130 and "Traceback" not in rest
    assert rest.strip() == f"Process {processid} cancelled"
    assert json.loads(dev.run("--json", "process", "get", processid).stdout)["state"] == 4


def read_until(fd: int, marker: str | None, timeout: float = 30) -> str:
    """What the terminal shows until `marker` (None: until the child closes it)."""
    import os
    import select

    seen = ""
    deadline = time.monotonic() + timeout
    while marker is None or marker not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"no {marker!r} in {seen!r}"
        if select.select([fd], [], [], left)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk.decode(errors="replace")
    return seen


@pytest.mark.parametrize("answer", ["y", "n"])
def test_ctrl_c_at_a_terminal_asks_whether_to_cancel(
    dev: Dev, answer: str, interruptible: None
) -> None:
    import os
    import pty

    from tests.cli.test_cli import COLONIES

    master, slave = pty.openpty()
    child = subprocess.Popen([*COLONIES, "function", "exec", "--func", "f", "--targettype",
                              "nobody-serves", "--follow"], env=dev.env, stdin=slave,
                             stdout=slave, stderr=slave)  # fmt: skip
    os.close(slave)
    try:
        seen = read_until(master, "Still waiting")
        processid = seen.split("Process ")[1].split()[0]
        time.sleep(0.5)
        child.send_signal(signal.SIGINT)
        asked = read_until(master, "Cancel it? [y/N]: ")
        assert f"Process {processid[:16]} is still queued. Cancel it? [y/N]: " in asked
        os.write(master, f"{answer}\n".encode())
        child.wait(30)
        rest = read_until(master, None)
    finally:
        os.close(master)
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130 and "Traceback" not in rest
    state = json.loads(dev.run("--json", "process", "get", processid).stdout)["state"]
    if answer == "y":
        assert f"Process {processid} cancelled" in rest and state == 4
    else:
        assert f"Process {processid} is still queued; cancel it with: " in rest and state == 0
        dev.run("process", "cancel", processid)


def test_no_hint_when_the_type_is_served(dev: Dev, helloworld: subprocess.Popen[str]) -> None:
    result = dev.run("function", "exec", "--func", "helloworld", "--targettype",
                     "helloworld-executor", "--wait")  # fmt: skip
    assert "Still waiting" not in result.stderr


def test_workflow_failures_name_nodes_and_get_shows_errors(
    dev: Dev, helloworld: subprocess.Popen[str]
) -> None:
    spec = hello_workflow(dev, ("first", "missing", []), ("second", "helloworld", ["first"]),
                          ("third", "helloworld", ["second"]))  # fmt: skip
    result = dev.run("workflow", "submit", "--spec", str(spec), "--follow", check=False)
    assert result.returncode == 1
    assert "failed  first: executor" in result.stderr and "no function 'missing'" in result.stderr
    assert "failed  second: not run: 'first' (process " in result.stderr
    assert "failed  third: not run: 'first' (process " in result.stderr
    graphid = json.loads(dev.run("--json", "workflow", "ps", "--state", "failed").stdout)[0][
        "processgraphid"
    ]
    shown = dev.run("workflow", "get", graphid[:16]).stdout
    rows: dict[str, str] = {}
    node = ""
    for line in shown.splitlines():  # a row folded over several lines: the node cell is blank
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if not cells:
            continue
        node = cells[0] or node
        rows[node] = (rows.get(node, "") + " " + cells[-1]).strip()
    assert "nofunction'missing'" in rows["first"].replace(" ", "")
    assert "notrun:'first'(process" in rows["second"].replace(" ", "")


def test_removeall_asks_first(dev: Dev) -> None:
    submit_waiting(dev, 2)

    def waiting() -> int:
        return len(json.loads(dev.run("--json", "process", "psw", "--count", "100").stdout))

    before = waiting()
    result = dev.run("process", "removeall", "--state", "waiting", stdin="n\n", check=False)
    assert result.returncode == 1 and result.stderr.endswith("error: nothing removed\n")
    assert "Remove every waiting process of colony 'dev' (running ones are kept)?" in result.stderr
    result = dev.run("process", "removeall", "--state", "waiting", stdin="", check=False)
    assert result.returncode != 0 and waiting() == before
    assert dev.run("process", "removeall", "--state", "waiting", stdin="y\n").stdout == (
        f"{before} processes removed\n"
    )
    submit_waiting(dev, 1)
    assert dev.run("process", "removeall", "--state", "waiting", "--yes").stdout == (
        "1 processes removed\n"
    )


@pytest.mark.parametrize(
    ("command", "option"),
    [(("process", "get"), "-p, --processid ID"), (("process", "cancel"), "-p, --processid ID"),
     (("process", "rerun"), "-p, --processid ID"),
     (("process", "remove"), "-p, --processid ID"), (("log", "get"), "-p, --processid ID"),
     (("log", "follow"), "-p, --processid ID"), (("attribute", "add"), "-p, --processid ID"),
     (("workflow", "get"), "-w, --workflowid ID"), (("workflow", "cancel"), "-w, --workflowid ID"),
     (("workflow", "remove"), "-w, --workflowid ID"), (("cron", "get"), "--cronid ID"),
     (("cron", "run"), "--cronid ID"), (("cron", "remove"), "--cronid ID"),
     (("generator", "get"), "--generatorid ID"), (("generator", "pack"), "--generatorid ID"),
     (("generator", "remove"), "--generatorid ID")],
)  # fmt: skip
def test_id_options_agree_across_commands(command: tuple[str, ...], option: str) -> None:
    from click.testing import CliRunner

    from pycolonies_like.cli.main import cli

    shown = CliRunner().invoke(cli, [*command, "--help"], prog_name="colonies").output
    assert f"Usage: colonies {' '.join(command)} [OPTIONS] [ID]" in shown
    assert option in shown


@pytest.mark.parametrize("command", ["send", "read", "follow"])
def test_channel_commands_take_a_process_id_prefix_by_option(command: str) -> None:
    from click.testing import CliRunner

    from pycolonies_like.cli.main import cli

    shown = CliRunner().invoke(cli, ["channel", command, "--help"], prog_name="colonies").output
    assert "-p, --processid ID" in shown and "unique prefix" in shown
