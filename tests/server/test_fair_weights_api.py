"""Fair-share weights through the SDK (sync and async), on each store: who
may read them (the owner and the members), who may set and remove them (the
colony owner), and each refusal."""

from __future__ import annotations

import pytest

from pycolonies_like import (
    AsyncColonies,
    Colonies,
    FairWeight,
    NotFound,
    PermissionDenied,
)
from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ColonyKeys, ThreadedServer


def test_the_owner_sets_members_read_and_removing_goes_back_to_the_default(
    client: Colonies, colony: ColonyKeys
) -> None:
    c = colony.colonyname
    assert client.get_fair_weights(c, colony.user_key) == []
    client.set_fair_weight(c, "user", 4, colony.colony_key)
    client.set_fair_weight(c, colony.executor_names[1], 2, colony.colony_key)
    executor = FairWeight(colony.executor_names[1], "executor", 2)
    expected = sorted([FairWeight("user", "user", 4), executor], key=lambda w: w.name)
    for reader in (colony.colony_key, colony.user_key, colony.executor_key):
        assert client.get_fair_weights(c, reader) == expected
    client.remove_fair_weight(c, "user", colony.colony_key)
    assert client.get_fair_weights(c, colony.user_key) == [executor]
    client.remove_fair_weight(c, "user", colony.colony_key)  # already the default: no error
    client.set_fair_weight(c, executor.name, 1, colony.colony_key)  # the same as removing
    assert client.get_fair_weights(c, colony.colony_key) == []


def test_reading_is_refused_to_non_members(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    c = colony.colonyname
    client.set_fair_weight(c, "user", 2, colony.colony_key)
    pending = generate_private_key()
    client.add_executor({"executorid": id_of(pending), "executortype": colony.executortype,
                         "executorname": "pending", "colonyname": c}, colony.colony_key)  # fmt: skip
    for key in (generate_private_key(), pending, server.server_key):
        with pytest.raises(PermissionDenied, match="not a member of colony"):
            client.get_fair_weights(c, key)


def test_setting_and_removing_are_refused_to_all_but_the_owner(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    c = colony.colonyname
    client.set_fair_weight(c, "user", 2, colony.colony_key)
    for key in (colony.user_key, colony.executor_key, server.server_key, generate_private_key()):
        with pytest.raises(PermissionDenied, match="not the owner of colony"):
            client.set_fair_weight(c, "user", 3, key)
        with pytest.raises(PermissionDenied, match="not the owner of colony"):
            client.remove_fair_weight(c, "user", key)
    with pytest.raises(NotFound, match="no user or executor named 'ghost'"):
        client.remove_fair_weight(c, "ghost", colony.colony_key)
    assert client.get_fair_weights(c, colony.user_key) == [FairWeight("user", "user", 2)]


def test_a_removed_member_is_not_listed(client: Colonies, colony: ColonyKeys) -> None:
    c = colony.colonyname
    client.set_fair_weight(c, colony.executor_names[1], 2, colony.colony_key)
    client.remove_executor(c, colony.executor_names[1], colony.colony_key)
    assert client.get_fair_weights(c, colony.user_key) == []


def test_a_member_removed_and_added_again_starts_at_the_default(
    client: Colonies, colony: ColonyKeys
) -> None:
    """Removing a user or executor removes its weight: the same key added
    again later is a newcomer, not the submitter the owner once weighted."""
    c = colony.colonyname
    client.set_fair_weight(c, colony.executor_names[1], 5, colony.colony_key)
    client.set_fair_weight(c, "user", 3, colony.colony_key)
    client.remove_executor(c, colony.executor_names[1], colony.colony_key)
    client.remove_user(c, "user", colony.colony_key)
    client.add_executor({"executorid": id_of(colony.executor_keys[1]),
                         "executortype": colony.executortype,
                         "executorname": colony.executor_names[1], "colonyname": c},
                        colony.colony_key)  # fmt: skip
    client.approve_executor(c, colony.executor_names[1], colony.colony_key)
    client.add_user({"colonyname": c, "userid": id_of(colony.user_key), "name": "user",
                     "email": "", "phone": ""}, colony.colony_key)  # fmt: skip
    assert client.get_fair_weights(c, colony.colony_key) == []


async def test_the_async_client_reads_sets_and_removes(
    server: ThreadedServer, colony: ColonyKeys
) -> None:
    c = colony.colonyname
    async with AsyncColonies("127.0.0.1", server.port) as client:
        await client.set_fair_weight(c, "user", 7, colony.colony_key)
        assert await client.get_fair_weights(c, colony.executor_key) == [
            FairWeight("user", "user", 7)]  # fmt: skip
        with pytest.raises(PermissionDenied, match="not a member of colony"):
            await client.get_fair_weights(c, generate_private_key())
        with pytest.raises(PermissionDenied, match="not the owner of colony"):
            await client.remove_fair_weight(c, "user", colony.user_key)
        await client.remove_fair_weight(c, "user", colony.colony_key)
        assert await client.get_fair_weights(c, colony.executor_key) == []
