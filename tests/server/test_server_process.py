"""The server as a process: durability across kill -9, graceful shutdown,
one server per data directory."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from pycolonies_like import NoProcessAvailable, ProcessState, Unavailable
from server.testing import ServerProcess, bootstrap
from tests.conftest import spec


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    first = ServerProcess(str(tmp_path)).start()
    client = first.client()
    keys = bootstrap(client, first.server_key, executors=1)
    submitted = [client.submit(spec(keys.colonyname), keys.user_key).processid for _ in range(50)]
    batch = client.submit_batch([spec(keys.colonyname)] * 50, keys.user_key)
    running = client.assign(keys.colonyname, 5, keys.executor_key)
    client.add_log(running.processid, "logged", keys.executor_key)
    client.close(running.processid, ["closed"], keys.executor_key)
    first.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
    first.proc.wait(10)  # type: ignore[union-attr]
    client.close_channel()

    second = ServerProcess(str(tmp_path), server_key=first.server_key).start()
    try:
        client = second.client()
        for pid in [*submitted, *(p.processid for p in batch)]:
            assert client.get_process(pid, keys.user_key) is not None
        done = client.get_process(running.processid, keys.user_key)
        assert done.state == ProcessState.SUCCESSFUL and done.output == ["closed"]
        logs = client.get_process_log(keys.colonyname, running.processid, 5, 0, keys.user_key)
        assert [e.message for e in logs] == ["logged"]
        assert client.stats(keys.colonyname, keys.user_key).waitingprocesses == 99
    finally:
        second.kill()


def test_nonces_are_remembered_across_a_restart(tmp_path: Path) -> None:
    import grpc

    from pycolonies_like import signing
    from pycolonies_like.proto import colonies_pb2 as pb

    first = ServerProcess(str(tmp_path)).start()
    payload = pb.GetServerInfoRequest().SerializeToString()
    method = "/colonies.v1.Colonies/GetServerInfo"
    metadata = signing.sign_call(first.server_key, method, payload)

    def call(port: int) -> None:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            channel.unary_unary(method)(payload, metadata=metadata, timeout=5)

    call(first.port)
    time.sleep(0.5)  # nonces are saved several times a second
    first.terminate()
    second = ServerProcess(str(tmp_path), server_key=first.server_key).start()
    try:
        with pytest.raises(grpc.RpcError) as err:
            call(second.port)
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "replayed" in (err.value.details() or "")
    finally:
        second.kill()


def test_a_submit_replayed_after_kill_9_is_refused(tmp_path: Path) -> None:
    """The nonce is committed with the change it guards, before the reply."""
    import grpc

    from pycolonies_like import convert, signing
    from pycolonies_like.proto import colonies_pb2 as pb

    first = ServerProcess(str(tmp_path)).start()
    keys = bootstrap(first.client(), first.server_key, executors=1)
    first.terminate()
    method = "/colonies.v1.Colonies/Submit"
    refused = 0
    for _ in range(5):
        srv = ServerProcess(str(tmp_path), server_key=first.server_key).start()
        request = pb.SubmitRequest(spec=convert.funcspec_to_pb(spec(keys.colonyname)))
        payload = request.SerializeToString()
        metadata = signing.sign_call(keys.user_key, method, payload)

        def call(port: int) -> None:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                channel.unary_unary(method)(payload, metadata=metadata, timeout=5)

        call(srv.port)
        srv.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
        srv.proc.wait(10)  # type: ignore[union-attr]
        again = ServerProcess(str(tmp_path), server_key=first.server_key).start()
        try:
            with pytest.raises(grpc.RpcError) as err:
                call(again.port)
            assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
            assert "replayed" in (err.value.details() or "")
            refused += 1
        finally:
            again.terminate()
    assert refused == 5


def test_sigterm_stops_gracefully(tmp_path: Path) -> None:
    srv = ServerProcess(str(tmp_path)).start()
    client = srv.client()
    keys = bootstrap(client, srv.server_key, executors=1)
    outcome: list[object] = []

    def poll() -> None:
        try:
            client.assign(keys.colonyname, 30, keys.executor_key)
        except (NoProcessAvailable, Unavailable) as err:
            outcome.append(type(err))

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.3)
    started = time.monotonic()
    assert srv.terminate(timeout=20) == 0
    assert time.monotonic() - started < 15
    poller.join(10)
    assert outcome, "a parked assign must end when the server stops"
    assert "stopping" in srv.log()


def test_a_second_server_cannot_use_the_same_data_dir(tmp_path: Path) -> None:
    first = ServerProcess(str(tmp_path)).start()
    try:
        second = ServerProcess(str(tmp_path), server_key=first.server_key)
        second.port_file = str(tmp_path / "port2")
        with pytest.raises(RuntimeError, match="in use by another server"):
            second.start()
    finally:
        first.kill()


def test_a_batch_killed_while_it_is_stored_leaves_nothing(tmp_path: Path) -> None:
    """kill -9 while a big batch is being stored (some slices committed,
    staged, the batch unpublished and unanswered): after the restart none of
    it is listed, counted or assigned, and nothing of it is left staged."""
    first = ServerProcess(str(tmp_path)).start()
    client = first.client()
    keys = bootstrap(client, first.server_key, executors=1)
    beside = sqlite3.connect(tmp_path / "colonies.db")  # a reader of what is committed

    def staged() -> int:
        return beside.execute("SELECT COUNT(*) FROM processes WHERE state < 0").fetchone()[0]

    def submit() -> None:
        with contextlib.suppress(Exception):  # the server dies under it
            client.submit_batch([spec(keys.colonyname)] * 10_000, keys.user_key)

    threading.Thread(target=submit, daemon=True).start()
    deadline = time.monotonic() + 60
    while not staged():
        assert time.monotonic() < deadline, "the batch was never seen staged"
        time.sleep(0.001)
    first.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
    first.proc.wait(10)  # type: ignore[union-attr]
    client.close_channel()

    second = ServerProcess(str(tmp_path), server_key=first.server_key).start()
    try:
        client = second.client()
        assert staged() == 0
        count = beside.execute("SELECT COUNT(*) FROM processes").fetchone()[0]
        assert count == 0
        assert client.stats(keys.colonyname, keys.user_key).waitingprocesses == 0
        assert client.list_processes(keys.colonyname, 10, ProcessState.WAITING, keys.user_key) == []
        with pytest.raises(NoProcessAvailable):
            client.assign(keys.colonyname, 0.2, keys.executor_key)
    finally:
        beside.close()
        second.kill()
