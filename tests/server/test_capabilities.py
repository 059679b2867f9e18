"""Executors matched by what they have: capabilities, conditions, the claim."""

from __future__ import annotations

import threading
import time

import pytest

from pycolonies_like import Colonies, InvalidArgument, NoProcessAvailable, ProcessState
from pycolonies_like.core.clock import ManualClock
from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.conftest import spec, unique

GPU_HARDWARE = {
    "hardware": [{"cpu": "64000m", "mem": "256Gi", "gpu": {"name": "nvidia-a100", "count": 4}}]
}


def gpu_spec(colonyname: str) -> dict[str, object]:
    s = spec(colonyname).to_dict()
    s["conditions"].update(
        {"cpu": "64000m", "mem": "64Gi", "gpu": {"name": "nvidia-a100", "count": 4}}
    )
    return s


def add_executor(
    client: Colonies, colony: ColonyKeys, name: str, capabilities: dict[str, object] | None = None
) -> str:
    key = generate_private_key()
    executor: dict[str, object] = {
        "executorid": id_of(key), "executortype": colony.executortype, "executorname": name,
        "colonyname": colony.colonyname,
    }  # fmt: skip
    if capabilities is not None:
        executor["capabilities"] = capabilities
    client.add_executor(executor, colony.colony_key)
    client.approve_executor(colony.colonyname, name, colony.colony_key)
    return key


def test_conditions_are_kept_and_a_plain_executor_does_not_get_a_gpu_process(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    p = client.submit_func_spec(gpu_spec(colony.colonyname), colony.user_key)
    stored = client.get_process(p.processid, colony.user_key).spec.conditions
    assert (stored.cpu, stored.mem, stored.gpu.count, stored.gpu.name) == (
        "64000m", "64Gi", 4, "nvidia-a100",
    )  # fmt: skip
    with pytest.raises(NoProcessAvailable):
        client.assign(colony.colonyname, 0.2, colony.executor_key)
    key = add_executor(client, colony, "gpu-box", GPU_HARDWARE)
    got = client.assign(colony.colonyname, 1, key)
    assert got.processid == p.processid


def test_a_waiting_gpu_executor_is_woken_even_when_a_cpu_executor_waited_longer(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    gpu_key = add_executor(client, colony, "gpu-box", GPU_HARDWARE)
    got: dict[str, object] = {}

    def poll(name: str, key: str) -> None:
        try:
            got[name] = client.assign(colony.colonyname, 10, key).processid
        except NoProcessAvailable:
            got[name] = None

    plain = threading.Thread(target=poll, args=("plain", colony.executor_key))
    plain.start()
    time.sleep(0.3)  # the plain executor parks first
    gpu = threading.Thread(target=poll, args=("gpu", gpu_key))
    gpu.start()
    time.sleep(0.3)
    started = time.monotonic()
    p = client.submit_func_spec(gpu_spec(colony.colonyname), colony.user_key)
    gpu.join(5)
    assert got.get("gpu") == p.processid
    assert time.monotonic() - started < 5  # woken, not found at the end of its long poll
    client.submit_func_spec(spec(colony.colonyname), colony.user_key)  # frees the plain one
    plain.join(5)
    assert got["plain"] not in (None, p.processid)


def test_each_executor_takes_the_best_process_it_can_run(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    name, user = colony.colonyname, colony.user_key
    big = client.submit_func_spec({**gpu_spec(name), "priority": 9}, user)
    small = [
        client.submit_func_spec({**spec(name).to_dict(), "priority": i}, user) for i in range(3)
    ]
    mid = spec(name, priority=5)
    mid.conditions.cpu = "2"
    middle = client.submit_func_spec(mid, user)
    # The plain executor has no hardware: only processes that need nothing.
    assert client.assign(name, 1, colony.executor_key).processid == small[2].processid
    key = add_executor(client, colony, "gpu-box", GPU_HARDWARE)
    order = [client.assign(name, 1, key).processid for _ in range(3)]
    assert order == [big.processid, middle.processid, small[1].processid]


def test_location_and_named_executors_are_both_required(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    name = colony.colonyname
    here = generate_private_key()
    client.add_executor(
        {"executorid": id_of(here), "executortype": colony.executortype, "executorname": "lab",
         "colonyname": name, "locationname": "Stockholm"}, colony.colony_key,
    )  # fmt: skip
    client.approve_executor(name, "lab", colony.colony_key)
    assert client.get_executor(name, "lab", colony.colony_key).locationname == "Stockholm"
    located = spec(name)
    located.conditions.locationname = "stockholm"
    p = client.submit_func_spec(located, colony.user_key)
    named = spec(name)
    named.conditions.locationname = "stockholm"
    named.conditions.executornames = [colony.executor_names[0]]
    client.submit_func_spec(named, colony.user_key)  # named, but not at that location
    with pytest.raises(NoProcessAvailable):
        client.assign(name, 0.2, colony.executor_key)
    assert client.assign(name, 1, here).processid == p.processid
    with pytest.raises(NoProcessAvailable):
        client.assign(name, 0.2, here)


@pytest.mark.parametrize(
    ("conditions", "message"),
    [({"cpu": "lots"}, r"^conditions\.cpu: 'lots' is not a quantity"),
     ({"mem": "16Xi"}, r"^conditions\.mem: unknown unit 'Xi'"),
     ({"gpu": {"count": -1}}, r"^conditions\.gpu\.count: expected a count of 0 or more"),
     ({"nodes": -2}, r"^conditions\.nodes"),
     ({"locationname": "x" * 200}, r"^conditions\.locationname is longer than")],
)  # fmt: skip
def test_unreadable_conditions_are_refused_and_nothing_is_stored(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys,
    conditions: dict[str, object], message: str,
) -> None:  # fmt: skip
    s = spec(colony.colonyname).to_dict()
    s["conditions"].update(conditions)
    with pytest.raises(InvalidArgument, match=message):
        client.submit_func_spec(s, colony.user_key)
    workflow = {"colonyname": colony.colonyname, "functionspecs": [{**s, "nodename": "a"}]}
    with pytest.raises(InvalidArgument, match="^node 'a': " + message[1:]):
        client.submit_workflow(workflow, colony.user_key)
    assert client.list_processes(colony.colonyname, 10, ProcessState.WAITING, colony.user_key) == []


@pytest.mark.parametrize(
    ("capabilities", "message"),
    [({"hardware": [{"cpu": "fast"}]}, r"^capabilities\.hardware\[0\]\.cpu: 'fast' is not"),
     ({"hardware": [{"mem": "1Q"}]}, r"^capabilities\.hardware\[0\]\.mem: unknown unit 'Q'"),
     ({"hardware": [{"gpu": {"count": -4}}]}, r"^capabilities\.hardware\[0\]\.gpu\.count"),
     ({"hardware": [{}] * 65}, r"^capabilities\.hardware has 65 entries; at most 64"),
     ({"software": [{"name": ""}]}, r"^capabilities\.software\[0\]\.name is empty"),
     ({"hardware": "many"}, r"capabilities\.hardware")],
)  # fmt: skip
def test_unreadable_capabilities_are_refused_and_no_executor_is_added(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys,
    capabilities: dict[str, object], message: str,
) -> None:  # fmt: skip
    with pytest.raises(InvalidArgument, match=message):
        add_executor(client, colony, "odd", capabilities)
    names = [e.executorname for e in client.list_executors(colony.colonyname, colony.colony_key)]
    assert "odd" not in names


def test_capabilities_round_trip_in_colonyos_units(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    caps = {
        "hardware": [{"model": "dgx", "nodes": 2, "cpu": "128000m", "cores": 128, "mem": "2Ti",
                      "storage": "30Ti", "gpu": {"name": "a100", "mem": "80Gi", "count": 8,
                                                 "nodecount": 2},
                      "platform": "linux", "architecture": "amd64", "network": ["10.0.0.5"]}],
        "software": [{"name": "cuda", "type": "library", "version": "12.4"}],
    }  # fmt: skip
    add_executor(client, colony, "dgx", caps)
    got = client.get_executor(colony.colonyname, "dgx", colony.colony_key).capabilities
    assert got.to_dict() == caps


def test_maxwaittime_ends_a_process_that_no_executor_can_run(
    clocked: ThreadedServer, clock: ManualClock
) -> None:
    client = clocked.client()
    colony = bootstrap(client, clocked.server_key, colonyname=unique())
    p = client.submit_func_spec({**gpu_spec(colony.colonyname), "maxwaittime": 10},
                                colony.user_key)  # fmt: skip
    with pytest.raises(NoProcessAvailable):
        client.assign(colony.colonyname, 0.1, colony.executor_key)
    clock.advance(11)
    assert clocked.call(clocked.services.processes.sweep()) == 1
    ended = client.get_process(p.processid, colony.user_key)
    assert ended.state == ProcessState.FAILED
    assert ended.errors == ("Maximum waiting time limit exceeded",)
    key = add_executor(client, colony, "gpu-box", GPU_HARDWARE)
    with pytest.raises(NoProcessAvailable):  # it left the queue
        client.assign(colony.colonyname, 0.1, key)
