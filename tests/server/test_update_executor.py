"""An executor reports its capabilities anew (UpdateExecutor, ColonyOS' updateexecutormsg):
by itself only; the claim uses the new ones at once."""

from __future__ import annotations

import pytest

from pycolonies_like import Colonies, InvalidArgument, NoProcessAvailable, PermissionDenied
from pycolonies_like.crypto import generate_private_key
from server.testing import ColonyKeys, ThreadedServer
from tests.server.test_capabilities import GPU_HARDWARE, add_executor, gpu_spec

SMALL = {"hardware": [{"cpu": "2000m", "mem": "4Gi"}]}


def test_new_capabilities_are_stored_and_the_claim_uses_them(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    key = add_executor(client, colony, "box", SMALL)
    p = client.submit_func_spec(gpu_spec(colony.colonyname), colony.user_key)
    with pytest.raises(NoProcessAvailable):
        client.assign(colony.colonyname, 0.2, key)
    updated = client.update_executor(colony.colonyname, "box", GPU_HARDWARE, key)
    assert updated.capabilities.hardware[0].gpu.count == 4
    stored = client.get_executor(colony.colonyname, "box", colony.user_key)
    assert (stored.capabilities.hardware[0].cpu, stored.capabilities.hardware[0].mem) == (
        "64000m", "256Gi",
    )  # fmt: skip
    assert client.assign(colony.colonyname, 1, key).processid == p.processid
    # And back: less than a waiting process needs, so it is not handed out.
    client.close(p.processid, [], key)
    client.update_executor(colony.colonyname, "box", SMALL, key)
    client.submit_func_spec(gpu_spec(colony.colonyname), colony.user_key)
    with pytest.raises(NoProcessAvailable):
        client.assign(colony.colonyname, 0.2, key)


def test_only_the_executor_itself_may_update_it(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    add_executor(client, colony, "box", SMALL)
    name = colony.colonyname
    for other in (colony.executor_key, colony.user_key, colony.colony_key, generate_private_key()):
        with pytest.raises(PermissionDenied, match="only executor 'box' may update itself"):
            client.update_executor(name, "box", GPU_HARDWARE, other)
    with pytest.raises(PermissionDenied, match="only executor 'nobody' may update itself"):
        client.update_executor(name, "nobody", GPU_HARDWARE, colony.executor_key)
    stored = client.get_executor(name, "box", colony.user_key)
    assert stored.capabilities.hardware[0].cpu == "2000m"


def test_unreadable_capabilities_are_refused_and_nothing_changes(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    key = add_executor(client, colony, "box", SMALL)
    with pytest.raises(InvalidArgument, match=r"capabilities\.hardware\[0\]\.cpu: 'fast'"):
        client.update_executor(colony.colonyname, "box", {"hardware": [{"cpu": "fast"}]}, key)
    stored = client.get_executor(colony.colonyname, "box", colony.user_key)
    assert stored.capabilities.hardware[0].cpu == "2000m"
