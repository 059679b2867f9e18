"""The tutorial's programs (seed 003) run unchanged but for their imports.

tests/sdk/seed/ holds them: the "Complete example" executor, helloworld.py,
and the workflow example (whose syntax slips -- a missing comma, a repeated
nodename -- are corrected). add_function is called with pycolonies'
argument order (colonyname, executorname), as the published client expects.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from pycolonies_like import Colonies, ProcessState
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.conftest import unique

SEED = Path(__file__).parent / "seed"


def seed_env(keys: ColonyKeys, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "COLONIES_SERVER_HOST": "127.0.0.1",
        "COLONIES_SERVER_PORT": str(port),
        "COLONIES_SERVER_TLS": "false",
        "COLONIES_COLONY_NAME": keys.colonyname,
        "COLONIES_COLONY_PRVKEY": keys.colony_key,
        "COLONIES_PRVKEY": keys.user_key,
        "PYTHONUNBUFFERED": "1",
    }


def test_the_complete_example_and_helloworld(server: ThreadedServer, client: Colonies) -> None:
    keys = bootstrap(client, server.server_key, colonyname=unique(), executors=0)
    run_seed(SEED, seed_env(keys, server.port), client, keys)


def run_seed(seed: Path, environment: dict[str, str], client: Colonies, keys: ColonyKeys) -> None:
    """Runs the tutorial's executor, helloworld.py and the workflow example."""
    executor = subprocess.Popen(
        [sys.executable, str(seed / "helloworld_executor.py")],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert executor.stdout is not None
        first = executor.stdout.readline()
        assert first.startswith("Executor helloworld-executor registered"), first
        (registered,) = client.list_executors(keys.colonyname, keys.colony_key)
        assert registered.state == 1 and registered.executortype == "helloworld-executor"

        result = subprocess.run(
            [sys.executable, str(seed / "helloworld.py")],
            env=environment, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0].startswith("Process ") and lines[0].endswith(" submitted")
        assert lines[1] == "helloworld"
        processid = lines[0].split()[1]
        done = client.get_process(processid, keys.user_key)
        assert done.state == ProcessState.SUCCESSFUL and done.output == ["helloworld"]

        result = subprocess.run(
            [sys.executable, str(seed / "workflow.py")],
            env=environment, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        graphid = result.stdout.split()[1]
        graph = client.wait_workflow(graphid, 30, keys.user_key)
        assert graph.state == ProcessState.SUCCESSFUL and len(graph.processids) == 2
    finally:
        executor.send_signal(signal.SIGINT)
        out, _ = executor.communicate(timeout=30)
    assert "Executor helloworld-executor unregistered" in out
    assert executor.returncode == 0
    assert client.list_executors(keys.colonyname, keys.colony_key) == []
