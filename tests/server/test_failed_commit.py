"""A request whose changes are in a commit that fails is answered with the
failure, also when the request goes on over several turns of the event loop
after storing them (a batch bigger than a slice announces them a slice per
turn): SQLite's group commit, over the network.

The commit fails for real: a deferred foreign key, checked by SQLite only at
COMMIT, is broken by a trigger on the processes of one function."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pycolonies_like import Colonies, FuncSpec, StorageError
from pycolonies_like.core.models import ProcessState
from server.service.slices import SLICE
from server.testing import ColonyKeys, ThreadedServer, bootstrap

POISON = "poison"


def poisoning(event: str) -> Iterator[ThreadedServer]:
    """A server whose commits fail when they hold `event` (a trigger's event
    on processes) for a process of the POISON function."""
    server = ThreadedServer().start()

    async def arm() -> None:
        db = server.server.store._conn  # type: ignore[union-attr]
        db.executescript(f"""
            CREATE TABLE poisoned (colonyname TEXT REFERENCES colonies(name)
                DEFERRABLE INITIALLY DEFERRED);
            CREATE TRIGGER poisoning AFTER {event} ON processes
            WHEN NEW.funcname = '{POISON}'
            BEGIN INSERT INTO poisoned VALUES ('no such colony'); END;
        """)

    server.call(arm())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def poisoned() -> Iterator[ThreadedServer]:
    yield from poisoning("INSERT")


@pytest.fixture
def poisoned_publish() -> Iterator[ThreadedServer]:
    """Slices of a batch commit; the commit of its publish fails."""
    yield from poisoning("UPDATE OF state")


def staged_rows(server: ThreadedServer) -> int:
    async def count() -> int:
        db = server.server.store._conn  # type: ignore[union-attr]
        return int(db.execute("SELECT COUNT(*) FROM processes WHERE state = -1").fetchone()[0])

    return server.call(count())


def specs(keys: ColonyKeys, funcname: str, n: int) -> list[FuncSpec]:
    return [
        FuncSpec(funcname=funcname, conditions={"colonyname": keys.colonyname,
                                                "executortype": keys.executortype})
        for _ in range(n)
    ]  # fmt: skip


@pytest.mark.parametrize("size", [1, SLICE * 4])
def test_a_batch_in_a_failed_commit_is_refused_and_nothing_of_it_stays(
    poisoned: ThreadedServer, size: int
) -> None:
    client = poisoned.client()
    keys = bootstrap(client, poisoned.server_key)
    with pytest.raises(StorageError, match="FOREIGN KEY constraint failed"):
        client.submit_batch(specs(keys, POISON, size), keys.user_key)
    assert client.list_processes(keys.colonyname, 100, ProcessState.WAITING, keys.user_key) == []
    # The server goes on: the next batch is stored and answered.
    stored = client.submit_batch(specs(keys, "fine", size), keys.user_key)
    listed = client.list_processes(keys.colonyname, 1000, ProcessState.WAITING, keys.user_key)
    assert sorted(p.processid for p in listed) == sorted(p.processid for p in stored)


def test_a_single_submit_in_a_failed_commit_is_refused(poisoned: ThreadedServer) -> None:
    client: Colonies = poisoned.client()
    keys = bootstrap(client, poisoned.server_key)
    with pytest.raises(StorageError, match="FOREIGN KEY constraint failed"):
        client.submit(specs(keys, POISON, 1)[0], keys.user_key)
    assert client.list_processes(keys.colonyname, 100, ProcessState.WAITING, keys.user_key) == []


def test_a_batch_whose_publish_fails_to_commit_leaves_nothing_staged(
    poisoned_publish: ThreadedServer,
) -> None:
    client = poisoned_publish.client()
    keys = bootstrap(client, poisoned_publish.server_key)
    with pytest.raises(StorageError, match="FOREIGN KEY constraint failed"):
        client.submit_batch(specs(keys, POISON, SLICE * 4), keys.user_key)
    assert staged_rows(poisoned_publish) == 0
    assert client.list_processes(keys.colonyname, 100, ProcessState.WAITING, keys.user_key) == []
