"""colonies-stack: keys made once into their directories, and a colony set up once."""

from __future__ import annotations

import stat
from pathlib import Path

from pycolonies_like import ExecutorState
from pycolonies_like.crypto import id_of
from server.testing import ThreadedServer
from tests.conftest import spec
from tests.deploy.scripts import load

stack = load("stack")


def dirs(tmp_path: Path) -> dict[str, str]:
    env = {"COLONIES_KEYS_DIR": "keys", "COLONIES_EXECUTOR_KEYS_DIR": "executor",
           "COLONIES_IDS_DIR": "ids"}  # fmt: skip
    for name, sub in env.items():
        (tmp_path / sub).mkdir()
        env[name] = str(tmp_path / sub)
    return env


def test_keys_are_made_once_each_where_they_belong(tmp_path: Path) -> None:
    env = dirs(tmp_path)
    stack.keys(env)
    files = {p.relative_to(tmp_path).as_posix(): p.read_text() for p in tmp_path.rglob("*")
             if p.is_file()}  # fmt: skip
    assert set(files) == {
        "keys/server.prvkey", "keys/colony.prvkey", "keys/user.prvkey",
        "executor/executor.prvkey",
        "ids/server.id", "ids/colony.id", "ids/user.id", "ids/executor.id",
    }  # fmt: skip
    for name, text in files.items():
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        if name.endswith(".prvkey"):
            assert mode == 0o600, name
            owner = name.split("/")[1].split(".")[0]
            assert files[f"ids/{owner}.id"].strip() == id_of(text.strip())
        else:
            assert mode == 0o644, name
    stack.keys(env)  # a restart keeps them
    again = {p.relative_to(tmp_path).as_posix(): p.read_text() for p in tmp_path.rglob("*")
             if p.is_file()}  # fmt: skip
    assert again == files


def test_setup_makes_a_colony_that_takes_work_once(tmp_path: Path) -> None:
    env = dirs(tmp_path)
    stack.keys(env)
    key = {name: (tmp_path / d / f"{name}.prvkey").read_text().strip()
           for name, d in [("server", "keys"), ("colony", "keys"), ("user", "keys"),
                           ("executor", "executor")]}  # fmt: skip
    with ThreadedServer(server_key=key["server"]) as srv:
        env.update(COLONIES_SERVER_HOST="127.0.0.1", COLONIES_SERVER_PORT=str(srv.port),
                   COLONIES_COLONY_NAME="main")  # fmt: skip
        stack.setup(env, "helloworld", "helloworld-1", timeout=10)
        stack.setup(env, "helloworld", "helloworld-1", timeout=10)  # a restart changes nothing
        client = srv.client()
        executor = client.get_executor("main", "helloworld-1", key["colony"])
        assert executor.state == ExecutorState.APPROVED
        assert executor.executortype == "helloworld-executor"
        assert len(client.get_users("main", key["colony"])) == 1
        submitted = client.submit_func_spec(
            spec("main", "helloworld", "helloworld-executor"), key["user"]
        )
        assigned = client.assign("main", 5, key["executor"])
        assert assigned.processid.startswith(submitted.processid)
