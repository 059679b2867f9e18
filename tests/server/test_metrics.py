"""/metrics on the server's HTTP port: each family moves as work flows."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from pycolonies_like.core.errors import NotFound
from pycolonies_like.core.models import ProcessState
from server.counters import OTHER, ServerCounters
from server.testing import ServerProcess, ThreadedServer, bootstrap, free_port
from tests.conftest import need_pg, spec, unique


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web(request: pytest.FixtureRequest) -> Iterator[ThreadedServer]:
    if request.param == "sqlite":
        with ThreadedServer(http=True, history_interval_s=0) as srv:
            yield srv
        return
    from tests.pg import database

    with database(need_pg()) as url, ThreadedServer(http=True, db_url=url) as srv:
        yield srv


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read().decode()


def scrape(srv: ThreadedServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, text = get(srv.http_port, "/metrics")
    assert status == 200
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_process_families_move_as_work_flows(web: ThreadedServer) -> None:
    client = web.client()
    keys = bootstrap(client, web.server_key, colonyname=unique(), executors=1)
    colony, etype = keys.colonyname, keys.executortype
    before = scrape(web)
    submitted = [client.submit_func_spec(spec(colony), keys.user_key) for _ in range(4)]

    now = scrape(web)
    assert value(now, "colonies_waiting_processes", colony=colony, executortype=etype) == 4
    age = value(now, "colonies_oldest_waiting_seconds", colony=colony, executortype=etype)
    assert 0 <= age < 60
    assert value(now, "colonies_process_events_total", event="submitted", colony=colony,
                 executortype=etype) == 4  # fmt: skip
    ok = ("code", "OK"), ("method", "Submit")
    assert now[("colonies_rpc_seconds_count", ok)] >= 4 + before.get(
        ("colonies_rpc_seconds_count", ok), 0
    )

    p1 = client.assign(colony, 5, keys.executor_key)
    client.close(p1.processid, [], keys.executor_key)
    p2 = client.assign(colony, 5, keys.executor_key)
    client.fail(p2.processid, ["boom"], keys.executor_key)
    p3 = client.assign(colony, 5, keys.executor_key)
    client.release(p3.processid, keys.executor_key)
    client.cancel(submitted[3].processid, keys.user_key)
    with pytest.raises(NotFound):
        client.get_process("0" * 64, keys.user_key)

    after = scrape(web)
    events = {
        e: value(after, "colonies_process_events_total", event=e, colony=colony,
                 executortype=etype)
        for e in ("submitted", "assigned", "succeeded", "failed", "retried", "cancelled")
    }  # fmt: skip
    assert events == {"submitted": 4, "assigned": 3, "succeeded": 1, "failed": 1, "retried": 1,
                      "cancelled": 1}  # fmt: skip
    # p3 is back in the queue; the cancelled one is not.
    assert value(after, "colonies_waiting_processes", colony=colony, executortype=etype) == 1
    waited = value(after, "colonies_queue_wait_seconds_count", colony=colony, executortype=etype)
    assert waited == 3
    assert after[("colonies_rpc_seconds_count", (("code", "NOT_FOUND"), ("method", "GetProcess")))]
    assert value(after, "colonies_store_commit_seconds_count") > value(
        before, "colonies_store_commit_seconds_count"
    )
    assert value(after, "colonies_loop_up", loop="deadlines") == 1
    assert ("colonies_parked_assigns", ()) in after
    assert ("colonies_sessions_open", ()) in after
    client.get_process(p1.processid, keys.user_key)  # still served after the scrapes
    assert client.get_process(p3.processid, keys.user_key).state == ProcessState.WAITING


def test_no_process_ids_in_labels(web: ThreadedServer) -> None:
    client = web.client()
    keys = bootstrap(client, web.server_key, colonyname=unique(), executors=1)
    p = client.submit_func_spec(spec(keys.colonyname), keys.user_key)
    _, text = get(web.http_port, "/metrics")
    assert p.processid not in text
    assert keys.executor_names[0] not in text


def test_label_sets_stay_bounded() -> None:
    counters = ServerCounters(max_series=50)
    for i in range(10_000):
        counters.process_event("SUBMITTED", "colony", f"type-{i}")
        counters.assigned("colony", f"type-{i}", 0.01)
    assert len(counters.process_events) == 51
    assert counters.process_events[("SUBMITTED", OTHER, OTHER)] == 10_000 - 50
    assert len(counters.queue_wait) == 51


def test_executor_types_beyond_the_bound_are_counted_as_other() -> None:
    with ThreadedServer(http=True, history_interval_s=0) as srv:
        srv.server.counters.__init__(max_series=5)  # type: ignore[misc]
        client = srv.client()
        keys = bootstrap(client, srv.server_key, colonyname=unique(), executors=1)
        specs = [spec(keys.colonyname, executortype=f"t{i}") for i in range(20)]
        client.submit_batch(specs, keys.user_key)
        samples = scrape(srv)
        events = [k for k in samples if k[0] == "colonies_process_events_total"]
        assert len(events) == 6
        assert value(samples, "colonies_process_events_total", event="submitted",
                     colony=OTHER, executortype=OTHER) == 15  # fmt: skip


def test_metrics_and_health_without_the_colonyos_api() -> None:
    with ThreadedServer(http=True, colonyos_api=False) as srv:
        assert get(srv.http_port, "/health")[0] == 200
        assert get(srv.http_port, "/metrics")[0] == 200
        request = urllib.request.Request(
            f"http://127.0.0.1:{srv.http_port}/api", data=b"{}", method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
        err.value.close()
        assert err.value.code == 404


def test_metrics_can_be_turned_off() -> None:
    with ThreadedServer(http=True, metrics=False) as srv:
        assert get(srv.http_port, "/metrics")[0] == 404
        assert get(srv.http_port, "/health")[0] == 200


def test_statistics_history_samples_each_colony() -> None:
    with ThreadedServer(history_interval_s=0) as srv:
        client = srv.client()
        keys = bootstrap(client, srv.server_key, colonyname=unique(), executors=1)
        history = srv.server.history
        assert history is not None
        srv.call(history.sample())
        client.submit_func_spec(spec(keys.colonyname), keys.user_key)
        srv.call(history.sample())
        samples = history.of(keys.colonyname)
        assert [s["waiting"] for s in samples] == [0, 1]
        assert samples[0]["time"] <= samples[1]["time"]
        assert history.of("no-such-colony") == []


def test_server_start_serves_metrics_with_the_colonyos_api_off(tmp_path: Path) -> None:
    port = free_port()
    args = ["--http-port", str(port), "--no-colonyos-api"]
    with ServerProcess(str(tmp_path), args=args) as server:
        for _ in range(100):  # the HTTP port opens just after the gRPC one
            try:
                status, text = get(port, "/metrics")
                break
            except OSError:
                time.sleep(0.05)
        assert status == 200 and "colonies_process_events" in text
        assert get(port, "/api")[0] in (404, 405)
        assert server.terminate() == 0


def test_a_bad_switch_in_the_environment_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pycolonies_like.cli.main", "server", "start", "--data-dir",
         str(tmp_path)],
        env={**os.environ, "COLONIES_COLONYOS_API": "maybe"}, capture_output=True, text=True,
        timeout=30,
    )  # fmt: skip
    assert result.returncode == 1
    assert (
        result.stderr.strip() == "error: COLONIES_COLONYOS_API must be true or false, got 'maybe'"
    )
