"""Colonies, executors, users and functions through the SDK, with their roles."""

from __future__ import annotations

import pytest

from pycolonies_like import (
    AlreadyExists,
    Colonies,
    ExecutorState,
    InvalidArgument,
    NoProcessAvailable,
    NotFound,
    PermissionDenied,
)
from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ColonyKeys, ThreadedServer
from tests.conftest import spec, unique


def test_only_the_server_owner_manages_colonies(server: ThreadedServer, client: Colonies) -> None:
    name, key = unique(), generate_private_key()
    with pytest.raises(PermissionDenied, match="not the server owner"):
        client.add_colony({"colonyid": id_of(key), "name": name}, key)
    colony = client.add_colony({"colonyid": id_of(key), "name": name}, server.server_key)
    assert colony.name == name and colony["colonyid"] == id_of(key)
    with pytest.raises(AlreadyExists, match="already exists"):
        client.add_colony({"colonyid": id_of(key), "name": name}, server.server_key)
    assert name in [c.name for c in client.list_colonies(server.server_key)]
    with pytest.raises(PermissionDenied):
        client.list_colonies(key)
    with pytest.raises(PermissionDenied):
        client.del_colony(name, key)
    client.del_colony(name, server.server_key)
    with pytest.raises(NotFound):
        client.del_colony(name, server.server_key)
    with pytest.raises(NotFound):
        client.get_colony(name, server.server_key)
    # Anyone else learns nothing of whether it exists: the answer for a colony not theirs.
    with pytest.raises(PermissionDenied, match=f"is not a member of colony '{name}'"):
        client.get_colony(name, key)


@pytest.mark.parametrize(
    ("colony", "message"),
    [
        ({"colonyid": "abc", "name": "ok"}, "64 lowercase hex"),
        ({"colonyid": "a" * 64, "name": "bad name"}, "invalid"),
        ({"colonyid": "a" * 64, "name": ""}, "required"),
    ],
)
def test_invalid_colonies_are_refused(server: ThreadedServer, client: Colonies,
                                      colony: dict[str, str], message: str) -> None:  # fmt: skip
    with pytest.raises(InvalidArgument, match=message):
        client.add_colony(colony, server.server_key)


def test_the_colony_owner_manages_executors(client: Colonies, colony: ColonyKeys) -> None:
    key = generate_private_key()
    executor = {"executorid": id_of(key), "executortype": "t", "executorname": "new",
                "colonyname": colony.colonyname}  # fmt: skip
    with pytest.raises(PermissionDenied, match="not the owner"):
        client.add_executor(executor, colony.user_key)
    added = client.add_executor(executor, colony.colony_key)
    assert added.state == ExecutorState.PENDING and added.commissiontime > 0
    with pytest.raises(AlreadyExists):
        client.add_executor(executor, colony.colony_key)
    # a pending executor may look around but gets no work
    assert "new" in [e.executorname for e in client.list_executors(colony.colonyname, key)]
    with pytest.raises(PermissionDenied, match="not approved"):
        client.assign(colony.colonyname, 0, key)
    with pytest.raises(PermissionDenied):
        client.submit(spec(colony.colonyname), key)
    with pytest.raises(PermissionDenied):
        client.approve_executor(colony.colonyname, "new", colony.user_key)
    assert client.approve_executor(colony.colonyname, "new", colony.colony_key).state == 1
    with pytest.raises(NoProcessAvailable):
        client.assign(colony.colonyname, 0, key)
    assert client.reject_executor(colony.colonyname, "new", colony.colony_key).state == 2
    with pytest.raises(PermissionDenied):
        client.assign(colony.colonyname, 0, key)
    client.remove_executor(colony.colonyname, "new", colony.colony_key)
    with pytest.raises(NotFound):
        client.get_executor(colony.colonyname, "new", colony.colony_key)
    with pytest.raises(NotFound):
        client.approve_executor(colony.colonyname, "new", colony.colony_key)
    # the name is free again
    client.add_executor(executor, colony.colony_key)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"executorid": "nothex"}, "64 lowercase hex"),
        ({"executorname": "has space"}, "invalid"),
        ({"executortype": ""}, "executortype is required"),
        ({"colonyname": "no-such-colony"}, "not the owner of colony 'no-such-colony'"),
    ],
)
def test_invalid_executors_are_refused(client: Colonies, colony: ColonyKeys,
                                       changes: dict[str, str], message: str) -> None:  # fmt: skip
    executor = {"executorid": id_of(generate_private_key()), "executortype": "t",
                "executorname": "x", "colonyname": colony.colonyname, **changes}  # fmt: skip
    with pytest.raises((InvalidArgument, PermissionDenied), match=message):
        client.add_executor(executor, colony.colony_key)
    assert "x" not in [
        e.executorname for e in client.list_executors(colony.colonyname, colony.colony_key)
    ]


def test_members_and_owner_can_read_strangers_cannot(client: Colonies, colony: ColonyKeys) -> None:
    name = colony.colonyname
    for key in (colony.colony_key, colony.user_key, colony.executor_key):
        assert client.get_colony(name, key).name == name
        assert client.stats(name, key).executors == 2
        assert len(client.list_executors(name, key)) == 2
    stranger = generate_private_key()
    for call in (client.get_colony, client.stats, client.list_executors, client.get_users):
        with pytest.raises(PermissionDenied, match="not a member"):
            call(name, stranger)
    with pytest.raises(PermissionDenied, match="colony key cannot submit"):
        client.submit(spec(name), colony.colony_key)


def test_users(client: Colonies, colony: ColonyKeys) -> None:
    name, key = colony.colonyname, generate_private_key()
    user = {"colonyname": name, "userid": id_of(key), "name": "alice", "email": "a@x", "phone": "1"}
    with pytest.raises(PermissionDenied):
        client.add_user(user, colony.user_key)
    client.add_user(user, colony.colony_key)
    with pytest.raises(AlreadyExists):
        client.add_user(user, colony.colony_key)
    with pytest.raises(AlreadyExists, match="as executor"):
        client.add_user(
            {**user, "name": "bob", "userid": id_of(colony.executor_key)}, colony.colony_key
        )
    assert {u.name for u in client.get_users(name, key)} == {"alice", "user"}
    assert client.get_user(name, "alice", key).email == "a@x"
    process = client.submit(spec(name), key)
    assert process.initiatorname == "alice" and process.initiatorid == id_of(key)
    with pytest.raises(PermissionDenied, match="not an executor"):
        client.assign(name, 0, key)
    client.remove_user(name, "alice", colony.colony_key)
    with pytest.raises(NotFound):
        client.remove_user(name, "alice", colony.colony_key)
    with pytest.raises(PermissionDenied):
        client.submit(spec(name), key)


def test_functions(client: Colonies, colony: ColonyKeys) -> None:
    name = colony.colonyname
    exec0, exec1 = colony.executor_names
    f = client.add_function(name, exec0, "helloworld", colony.executor_key)
    assert f.executortype == colony.executortype and f.functionid
    assert (
        client.add_function(name, exec0, "helloworld", colony.executor_key).functionid
        == f.functionid
    )
    with pytest.raises(PermissionDenied, match="cannot register functions"):
        client.add_function(name, exec1, "helloworld", colony.executor_key)
    with pytest.raises(PermissionDenied):
        client.add_function(name, exec0, "x", colony.user_key)
    with pytest.raises(InvalidArgument):
        client.add_function(name, exec0, "", colony.executor_key)
    client.add_function(name, exec1, "other", colony.executor_keys[1])
    assert [x.funcname for x in client.get_functions_by_executor(name, exec0, colony.user_key)] == [
        "helloworld"
    ]
    assert {x.funcname for x in client.get_functions_by_colony(name, colony.user_key)} == {
        "helloworld",
        "other",
    }
    with pytest.raises(PermissionDenied):
        client.remove_function(f.functionid, colony.executor_keys[1])
    client.remove_function(f.functionid, colony.executor_key)
    with pytest.raises(NotFound):
        client.remove_function(f.functionid, colony.executor_key)


def test_function_statistics_follow_closed_processes(client: Colonies, colony: ColonyKeys) -> None:
    name, key = colony.colonyname, colony.executor_key
    client.add_function(name, colony.executor_names[0], "work", key)
    for _ in range(3):
        client.submit(spec(name), colony.user_key)
        p = client.assign(name, 5, key)
        client.close(p.processid, [], key)
    (f,) = client.get_functions_by_executor(name, colony.executor_names[0], key)
    assert f.counter == 3 and f.avgexectime >= 0 and f.maxwaittime >= f.minwaittime >= 0
