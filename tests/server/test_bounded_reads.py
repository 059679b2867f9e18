"""Reads of big data are bounded by bytes, not only by count, and continue
where the last page stopped: over gRPC, through the SDK and on the gateway."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.models import ProcessState
from pycolonies_like.core.rules import MAX_LOG_MESSAGE, MAX_REPLY_BYTES
from pycolonies_like.proto import colonies_pb2 as pb
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.conftest import spec
from tests.gateway.test_wire import post, signed

LINES = 16  # 4 MiB of log: more than one reply may carry


@pytest.fixture(scope="module")
def logged() -> Iterator[tuple[ThreadedServer, ColonyKeys, str]]:
    with ThreadedServer(http=True) as srv:
        client = srv.client()
        keys = bootstrap(client, srv.server_key, executors=1)
        client.submit(spec(keys.colonyname), keys.user_key)
        process = client.assign(keys.colonyname, 5, keys.executor_key)
        for i in range(LINES):
            client.add_log(process.processid, f"{i:02d}" + "x" * (MAX_LOG_MESSAGE - 2),
                           keys.executor_key)  # fmt: skip
        yield srv, keys, process.processid


def test_a_big_log_read_is_cut_at_the_reply_budget(
    logged: tuple[ThreadedServer, ColonyKeys, str],
) -> None:
    srv, keys, pid = logged
    client = srv.client()
    reply = client.rpc.GetLogs(pb.GetLogsRequest(processid=pid, count=LINES), keys.user_key)
    assert reply.more
    assert 0 < len(reply.logs) < LINES
    assert reply.ByteSize() <= MAX_REPLY_BYTES + 4096
    rest = client.rpc.GetLogs(
        pb.GetLogsRequest(processid=pid, count=LINES, after_seq=reply.logs[-1].seq),
        keys.user_key,
    )
    assert rest.logs[0].message[:2] == f"{len(reply.logs):02d}"


def test_the_sdk_reads_page_after_page(logged: tuple[ThreadedServer, ColonyKeys, str]) -> None:
    srv, keys, pid = logged
    client = srv.client()
    entries = client.get_process_log(keys.colonyname, pid, LINES, 0, keys.user_key)
    assert [e.message[:2] for e in entries] == [f"{i:02d}" for i in range(LINES)]
    newest = client.get_process_log(keys.colonyname, pid, LINES - 1, 0, keys.user_key,
                                    latest=True)  # fmt: skip
    assert [e.message[:2] for e in newest] == [f"{i:02d}" for i in range(1, LINES)]
    by_executor = client.get_executor_log(keys.colonyname, keys.executor_names[0], LINES, 0,
                                          keys.user_key)  # fmt: skip
    assert len(by_executor) == LINES


def test_negative_cursors_are_invalid(logged: tuple[ThreadedServer, ColonyKeys, str]) -> None:
    """INVALID_ARGUMENT over gRPC (the SDK's InvalidArgument), 400 on the gateway."""
    srv, keys, pid = logged
    with pytest.raises(InvalidArgument) as err:
        srv.client().rpc.GetLogs(pb.GetLogsRequest(processid=pid, after_seq=-1), keys.user_key)
    assert err.value.message == "after_seq and before_seq must not be negative"


def test_the_gateway_cuts_a_big_log_read_too(
    logged: tuple[ThreadedServer, ColonyKeys, str],
) -> None:
    srv, keys, pid = logged
    msg = {"colonyname": keys.colonyname, "processid": pid, "count": LINES, "since": 0}
    status, reply = post(srv, signed("getlogsmsg", msg, keys.user_key))
    assert status == 200
    first = json.loads(base64.b64decode(reply["payload"]))
    assert 0 < len(first) < LINES
    assert sum(len(e["message"]) for e in first) <= MAX_REPLY_BYTES
    # ColonyOS clients continue with `since`: the timestamp of the last entry.
    msg["since"] = first[-1]["timestamp"]
    status, reply = post(srv, signed("getlogsmsg", msg, keys.user_key))
    rest = json.loads(base64.b64decode(reply["payload"]))
    assert rest[0]["message"][:2] == f"{len(first):02d}"


def test_a_list_of_big_processes_is_cut_at_the_reply_budget() -> None:
    with ThreadedServer() as srv:
        client = srv.client()
        keys = bootstrap(client, srv.server_key, executors=1)
        blob = "k" * (1024 * 1024)
        for i in range(5):
            client.submit(spec(keys.colonyname, kwargs={"i": i, "blob": blob}), keys.user_key)
        listed = client.list_processes(keys.colonyname, 5, ProcessState.WAITING, keys.user_key)
        assert 0 < len(listed) < 5
        assert [p.spec.kwargs["i"] for p in listed] == list(range(len(listed)))
        small = client.submit(spec(keys.colonyname, label="small"), keys.user_key)
        only = client.list_processes(keys.colonyname, 5, ProcessState.WAITING, keys.user_key,
                                     label="small")  # fmt: skip
        assert [p.processid for p in only] == [small.processid]
