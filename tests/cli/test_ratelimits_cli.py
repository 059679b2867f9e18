"""`colonies ratelimit ...` and a process waiting for its rate limit, run as a user would."""

from __future__ import annotations

import json
import signal
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


def test_add_list_get_remove(dev: Dev) -> None:
    added = dev.run("ratelimit", "add", "openai", "--rate", "10", "--per", "minute", "--burst", "3")
    assert added.stdout.strip() == "Rate limit openai: 10/minute, burst 3"
    [listed] = json.loads(dev.run("--json", "ratelimit", "ls").stdout)
    assert (listed["name"], listed["rate"], listed["unit"], listed["burst"]) == (
        "openai", 10, "minute", 3)  # fmt: skip
    assert listed["tokens"] == 3.0
    shown = dev.run("ratelimit", "get", "openai").stdout
    assert "10/minute" in shown and "3.00 of 3" in shown
    assert "openai" in dev.run("ratelimit", "ls").stdout
    assert dev.run("ratelimit", "rm", "openai").stderr.strip() == "Rate limit openai removed"
    assert json.loads(dev.run("--json", "ratelimit", "ls").stdout) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate", "0"], "error: rate must be a whole number from 1"),
        (["--rate", "5", "--burst", "0"], "error: burst must be a whole number from 1"),
        (["--rate", "5", "--per", "hour"], "error: unit must be one of second, minute"),
    ],
)
def test_bad_input_is_one_line_and_fails(dev: Dev, args: list[str], message: str) -> None:
    result = dev.run("ratelimit", "add", "x", *args, check=False)
    assert result.returncode == 1 and result.stderr.strip().startswith(message), result.stderr


def test_refusals(dev: Dev, tmp_path: Path) -> None:
    result = dev.run("ratelimit", "get", "ghost", check=False)
    assert result.returncode == 1 and "rate limit 'ghost' does not exist" in result.stderr
    result = dev.run("ratelimit", "rm", "ghost", check=False)
    assert result.returncode == 1 and "rate limit 'ghost' does not exist" in result.stderr
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"funcname": "f", "conditions": {"executortype": "cli"},
                                "ratelimit": "ghost"}))  # fmt: skip
    result = dev.run("function", "submit", "--spec", str(spec), check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: ratelimit 'ghost' is not defined in colony 'dev' " \
        "(colonies ratelimit add)"  # fmt: skip


def test_process_get_says_it_waits_for_its_rate_limit(dev: Dev, tmp_path: Path) -> None:
    dev.run("ratelimit", "add", "slow", "--rate", "1", "--per", "minute", "--burst", "1")
    spec = tmp_path / "hello.json"
    spec.write_text(json.dumps({"funcname": "helloworld", "ratelimit": "slow",
                                "conditions": {"executortype": "helloworld-executor"}}))  # fmt: skip
    executor = dev.executor("helloworld")
    try:
        dev.run("function", "submit", "--spec", str(spec), "--wait")  # takes the one token
        second = json.loads(dev.run("--json", "function", "submit", "--spec", str(spec)).stdout)
        pid = second["processid"]
        deadline = time.monotonic() + 30  # until the executor's claim has parked it
        while not json.loads(dev.run("--json", "process", "get", "-p", pid).stdout)["notbefore"]:
            assert time.monotonic() < deadline, "the second process was never parked"
            time.sleep(0.05)
        shown = dev.run("process", "get", "-p", pid).stdout
        assert "slow (1 token a start): waits for its rate limit until" in shown, shown
        left = json.loads(dev.run("--json", "ratelimit", "get", "slow").stdout)["tokens"]
        # The one token was taken and has not come back (it takes a minute); a budget
        # untouched would read 1.0. Not tighter: CLI calls take seconds on a loaded machine.
        assert left < 1
    finally:
        executor.send_signal(signal.SIGINT)
        executor.wait(15)
