"""The Store conformance suite: every test runs against every store."""

from __future__ import annotations

import dataclasses
import itertools
import time
from typing import Any

import pytest

from pycolonies_like.core.dag import build_graph
from pycolonies_like.core.errors import AlreadyExists, FailedPrecondition, PermissionDenied
from pycolonies_like.core.models import (
    Attribute,
    Colony,
    Conditions,
    Cron,
    Executor,
    ExecutorState,
    FuncSpec,
    Function,
    Generator,
    LogEntry,
    Process,
    ProcessState,
    User,
    Workflow,
)
from pycolonies_like.core.rules import priority_time
from server.store.base import Store

S = 1_000_000_000
NOW = 1_800_000_000 * S
_ids = itertools.count(1)


def new_id() -> str:
    return f"{next(_ids):064x}"


def ident(n: int) -> str:
    return f"{n:064x}"


def make(colony: str = "dev", *, type_: str = "t", priority: int = 0, at: int = NOW,
         names: list[str] | None = None, maxexectime: int = 0, maxwaittime: int = 0,
         maxretries: int = 0, funcname: str = "f") -> Process:  # fmt: skip
    spec = FuncSpec(
        funcname=funcname, priority=priority, maxexectime=maxexectime, maxwaittime=maxwaittime,
        maxretries=maxretries,
        conditions=Conditions(colonyname=colony, executortype=type_, executornames=names or []),
    )  # fmt: skip
    return Process(
        processid=new_id(), spec=spec, initiatorid=ident(9), initiatorname="user",
        prioritytime=priority_time(at, priority), submissiontime=at,
        waitdeadline=at + maxwaittime * S if maxwaittime > 0 else 0,
    )  # fmt: skip


async def add_colony(store: Store, name: str = "dev") -> None:
    await store.add_colony(Colony(ident(1), name))


async def add_executor(
    store: Store, name: str = "e1", type_: str = "t", colony: str = "dev", n: int = 2
) -> Executor:
    e = Executor(ident(n), type_, name, colony, ExecutorState.APPROVED, NOW)
    await store.add_executor(e)
    return e


async def put(store: Store, *processes: Process) -> list[Process]:
    stored = await store.add_processes(list(processes))
    await store.durable()
    return stored


@pytest.fixture
async def dev(store: Store) -> Executor:
    await add_colony(store)
    return await add_executor(store)


# ------------------------------------------------------------- colonies --


async def test_colonies(store: Store) -> None:
    await add_colony(store, "a")
    await add_colony(store, "b")
    with pytest.raises(AlreadyExists, match="'a' already exists"):
        await add_colony(store, "a")
    assert [c.name for c in await store.list_colonies()] == ["a", "b"]
    assert (await store.get_colony("a")) == Colony(ident(1), "a")
    assert await store.get_colony("nope") is None
    assert await store.remove_colony("a")
    assert not await store.remove_colony("a")
    assert [c.name for c in await store.list_colonies()] == ["b"]


async def test_removing_a_colony_removes_everything_in_it(store: Store, dev: Executor) -> None:
    await store.add_user(User("dev", ident(5), "u"))
    await store.add_function(Function(new_id(), "e1", "t", "dev", "f"))
    (p,) = await put(store, make())
    await store.add_log(LogEntry(p.processid, "dev", "e1", "hi", NOW))
    assert await store.remove_colony("dev")
    await store.durable()
    assert await store.get_process(p.processid) is None
    assert await store.get_executor("dev", "e1") is None
    assert await store.get_member("dev", ident(5)) is None
    await add_colony(store)
    await add_executor(store)
    assert await store.claim_process(dev, NOW) is None


async def test_a_process_never_starts_before_it_was_submitted(store: Store, dev: Executor) -> None:
    # A claim whose time was read before the submit it picks up committed
    # (it waited for the database meanwhile).
    (p,) = await put(store, make(at=NOW))
    claimed = await store.claim_process(dev, NOW - S // 6)
    assert claimed is not None and claimed.processid == p.processid
    assert claimed.starttime == NOW
    stored = await store.get_process(p.processid)
    assert stored is not None and stored.starttime == NOW
    (q,) = await put(store, make(at=NOW))
    later = await store.claim_process(dev, NOW + S)
    assert later is not None and later.processid == q.processid and later.starttime == NOW + S


# ------------------------------------------------------- executors/users --


async def test_executors_and_members(store: Store, dev: Executor) -> None:
    with pytest.raises(AlreadyExists, match="named 'e1'"):
        await add_executor(store, n=3)
    with pytest.raises(AlreadyExists, match="as executor 'e1'"):
        await add_executor(store, name="e2")
    with pytest.raises(AlreadyExists, match="as executor 'e1'"):
        await store.add_user(User("dev", ident(2), "u"))
    await store.add_user(User("dev", ident(5), "u", "u@x", "1"))
    with pytest.raises(AlreadyExists, match="user named 'u'"):
        await store.add_user(User("dev", ident(6), "u"))
    assert (await store.get_member("dev", ident(2))).kind == "executor"  # type: ignore[union-attr]
    assert (await store.get_member("dev", ident(5))).name == "u"  # type: ignore[union-attr]
    assert await store.get_member("dev", ident(7)) is None
    assert [u.name for u in await store.list_users("dev")] == ["u"]
    assert await store.remove_user("dev", "u") and not await store.remove_user("dev", "u")
    pending = Executor(ident(4), "t", "e0", "dev")
    await store.add_executor(pending)
    assert [e.executorname for e in await store.list_executors("dev")] == ["e0", "e1"]
    member = await store.get_member("dev", ident(4))
    assert member is not None and not member.approved


async def test_rejecting_or_removing_an_executor_requeues_its_work(
    store: Store, dev: Executor
) -> None:
    await put(store, make(), make(at=NOW + 1))
    first = await store.claim_process(dev, NOW)
    assert first is not None
    result = await store.set_executor_state("dev", "e1", ExecutorState.REJECTED, NOW + 5)
    assert result is not None
    executor, requeued = result
    assert executor.state == ExecutorState.REJECTED
    assert [p.processid for p in requeued] == [first.processid]
    assert requeued[0].state == ProcessState.WAITING and requeued[0].retries == 0
    with pytest.raises(PermissionDenied):
        await store.claim_process(dev, NOW)
    await store.set_executor_state("dev", "e1", ExecutorState.APPROVED, NOW)
    again = await store.claim_process(dev, NOW)
    assert again is not None and again.processid == first.processid and again.attempt == 2
    await store.add_function(Function(new_id(), "e1", "t", "dev", "f"))
    requeued = await store.remove_executor("dev", "e1", NOW)
    assert requeued is not None and [p.processid for p in requeued] == [first.processid]
    assert await store.get_executor("dev", "e1") is None
    assert await store.list_functions("dev") == []
    assert await store.remove_executor("dev", "e1", NOW) is None


async def test_functions_are_idempotent(store: Store, dev: Executor) -> None:
    f1 = await store.add_function(Function(new_id(), "e1", "t", "dev", "f"))
    f2 = await store.add_function(Function(new_id(), "e1", "t", "dev", "f"))
    assert f1.functionid == f2.functionid
    await store.add_function(Function(new_id(), "e1", "t", "dev", "g"))
    assert [f.funcname for f in await store.list_functions("dev", "e1")] == ["f", "g"]
    assert await store.remove_function(f1.functionid)
    assert [f.funcname for f in await store.list_functions("dev")] == ["g"]


async def test_successful_runs_count_in_their_functions_statistics(
    store: Store, dev: Executor
) -> None:
    await store.add_function(Function(new_id(), "e1", "t", "dev", "f"))
    for wait, took, state in ((2, 3, ProcessState.SUCCESSFUL), (4, 1, ProcessState.SUCCESSFUL),
                              (1, 9, ProcessState.FAILED)):  # fmt: skip
        await put(store, make(at=NOW))
        p = await store.claim_process(dev, NOW + wait * S)
        assert p is not None
        assert await store.finish_process(p.processid, p.attempt, state, NOW + (wait + took) * S)
    await put(store, make(at=NOW, funcname="unregistered"))
    p = await store.claim_process(dev, NOW + S)
    assert p is not None
    assert await store.finish_process(p.processid, p.attempt, ProcessState.SUCCESSFUL, NOW + S)
    (f,) = await store.list_functions("dev", "e1")
    assert f.counter == 2  # the failure and the unregistered function count nowhere
    assert (f.minwaittime, f.maxwaittime, f.avgwaittime) == (2, 4, 3)
    assert (f.minexectime, f.maxexectime, f.avgexectime) == (1, 3, 2)


# ------------------------------------------------------------ processes --


async def test_claim_takes_highest_priority_then_oldest(store: Store, dev: Executor) -> None:
    old = make(at=NOW)
    new = make(at=NOW + 5)
    urgent = make(at=NOW + 10, priority=1)
    other_type = make(type_="other", at=NOW - 100)
    await put(store, new, old, urgent, other_type)
    got = [await store.claim_process(dev, NOW + 20) for _ in range(4)]
    assert [p.processid if p else None for p in got] == [
        urgent.processid, old.processid, new.processid, None,
    ]  # fmt: skip
    assert all(p.state == ProcessState.RUNNING for p in got if p)
    assert got[0] is not None and got[0].assignedexecutorid == dev.executorid
    assert got[0].attempt == 1 and got[0].starttime == NOW + 20


async def test_named_processes_go_to_the_named_executor_only(store: Store, dev: Executor) -> None:
    other = await add_executor(store, name="e2", n=3)
    named = make(names=["e2"], at=NOW)
    anyone = make(at=NOW + 1)
    await put(store, named, anyone)
    first = await store.claim_process(dev, NOW + 5)
    assert first is not None and first.processid == anyone.processid
    assert await store.claim_process(dev, NOW + 5) is None
    mine = await store.claim_process(other, NOW + 5)
    assert mine is not None and mine.processid == named.processid


async def test_finish_is_conditional_on_attempt_and_executor(store: Store, dev: Executor) -> None:
    await put(store, make())
    p = await store.claim_process(dev, NOW)
    assert p is not None
    assert await store.finish_process(p.processid, 2, ProcessState.SUCCESSFUL, NOW) is None
    assert (
        await store.finish_process(
            p.processid, 1, ProcessState.SUCCESSFUL, NOW, executorid=ident(99)
        )
        is None
    )
    result = await store.finish_process(
        p.processid, 0, ProcessState.SUCCESSFUL, NOW + S, output=["ok", 2],
        executorid=dev.executorid,
    )  # fmt: skip
    assert result is not None
    assert result.process.state == ProcessState.SUCCESSFUL
    assert result.process.output == ["ok", 2] and result.process.endtime == NOW + S
    assert await store.finish_process(p.processid, 1, ProcessState.FAILED, NOW) is None
    stored = await store.get_process(p.processid)
    assert stored is not None and stored.state == ProcessState.SUCCESSFUL


async def test_failure_keeps_errors_and_output(store: Store, dev: Executor) -> None:
    await put(store, make())
    p = await store.claim_process(dev, NOW)
    assert p is not None
    assert await store.set_output(p.processid, p.attempt, ["partial"])
    assert not await store.set_output(p.processid, p.attempt + 1, ["x"])
    result = await store.finish_process(
        p.processid, p.attempt, ProcessState.FAILED, NOW, errors=["boom", "bang"]
    )
    assert result is not None
    assert result.process.errors == ("boom", "bang") and result.process.output == ["partial"]


async def test_requeue_advances_attempt_and_counts_retries(store: Store, dev: Executor) -> None:
    await put(store, make(maxexectime=10, maxwaittime=30))
    p = await store.claim_process(dev, NOW)
    assert p is not None and p.execdeadline == NOW + 10 * S
    extended = await store.extend_deadline(p.processid, p.attempt, NOW + 5 * S)
    assert extended is not None and extended.execdeadline == NOW + 15 * S
    requeued = await store.requeue_process(p.processid, p.attempt, NOW + 20 * S, count_retry=True)
    assert requeued is not None
    assert requeued.state == ProcessState.WAITING and requeued.retries == 1
    assert requeued.assignedexecutorid == "" and requeued.waitdeadline == NOW + 50 * S
    assert await store.requeue_process(p.processid, p.attempt, NOW, count_retry=True) is None
    again = await store.claim_process(dev, NOW + 21 * S)
    assert again is not None and again.attempt == 2
    assert await store.extend_deadline(p.processid, 1, NOW) is None


async def test_expired_processes_are_found_by_deadline(store: Store, dev: Executor) -> None:
    quick, slow = make(maxexectime=1), make(maxexectime=100, at=NOW + 1)
    waiting = make(maxwaittime=5, type_="nobody", at=NOW)
    await put(store, quick, slow, waiting)
    await store.claim_process(dev, NOW)
    await store.claim_process(dev, NOW)
    expired = await store.expired_running(NOW + 2 * S, 10)
    assert [p.processid for p in expired] == [quick.processid]
    assert [p.processid for p in await store.expired_waiting(NOW + 6 * S, 10)] == [
        waiting.processid
    ]
    assert await store.expired_waiting(NOW + 4 * S, 10) == []
    result = await store.fail_waiting(waiting.processid, NOW + 6 * S, "too late")
    assert result is not None and result.process.errors == ("too late",)
    assert await store.fail_waiting(waiting.processid, NOW + 6 * S, "again") is None


async def test_lists_and_statistics(store: Store, dev: Executor) -> None:
    procs = [make(at=NOW + i) for i in range(5)]
    await put(store, *procs)
    a = await store.claim_process(dev, NOW + 10)
    b = await store.claim_process(dev, NOW + 11)
    assert a and b
    await store.finish_process(a.processid, 1, ProcessState.SUCCESSFUL, NOW + 20)
    await store.finish_process(b.processid, 1, ProcessState.FAILED, NOW + 21)
    c = await store.claim_process(dev, NOW + 30)
    assert c is not None
    waiting = await store.list_processes("dev", ProcessState.WAITING, 10)
    assert [p.processid for p in waiting] == [procs[3].processid, procs[4].processid]
    assert [p.processid for p in await store.list_processes("dev", ProcessState.RUNNING, 10)] == [
        c.processid
    ]
    assert len(await store.list_processes("dev", ProcessState.WAITING, 1)) == 1
    assert await store.list_processes("dev", ProcessState.WAITING, 10, label="nope") == []
    stats = await store.colony_statistics("dev")
    assert (stats.waitingprocesses, stats.runningprocesses) == (2, 1)
    assert (stats.successfulprocesses, stats.failedprocesses) == (1, 1)
    assert stats.executors == 1 and stats.activeexecutors == 1
    assert (await store.statistics()).colonies == 1


async def test_removing_processes(store: Store, dev: Executor) -> None:
    keep, drop = make(), make(at=NOW + 1)
    await put(store, keep, drop)
    running = await store.claim_process(dev, NOW)
    assert running is not None and running.processid == keep.processid
    assert not await store.remove_process(keep.processid)  # running
    assert await store.remove_process(drop.processid)
    assert await store.claim_process(dev, NOW) is None  # gone from the queue too
    await put(store, make(), make())
    assert await store.remove_all_processes("dev", ProcessState.WAITING) == 2
    assert await store.remove_all_processes("dev", None) == 0  # the running one stays
    assert await store.get_process(keep.processid) is not None


async def test_idempotency_key_returns_the_first_process(store: Store, dev: Executor) -> None:
    first = make()
    (stored,) = await store.add_processes([first], "key-1")
    (again,) = await store.add_processes([make()], "key-1")
    await store.durable()
    assert stored.processid == again.processid == first.processid
    (other,) = await store.add_processes([make()], "key-2")
    assert other.processid != first.processid


async def test_attributes_and_logs(store: Store, dev: Executor) -> None:
    (p,) = await put(store, make())
    attribute = Attribute(new_id(), p.processid, "dev", "", 1, "k", "v")
    await store.add_attribute(attribute, NOW)
    assert await store.get_attribute(attribute.attributeid) == attribute
    loaded = await store.get_process(p.processid)
    assert loaded is not None and loaded.attributes == (attribute,)
    for i in range(5):
        await store.add_log(LogEntry(p.processid, "dev", "e1", f"line {i}", NOW + i))
    logs = (await store.get_logs(p.processid, 10)).entries
    assert [e.message for e in logs] == [f"line {i}" for i in range(5)]
    assert [e.message for e in (await store.get_logs(p.processid, 2, latest=True)).entries] == [
        "line 3", "line 4",
    ]  # fmt: skip
    assert [e.message for e in (await store.get_logs(p.processid, 10, since_ns=NOW + 2)).entries] == [
        "line 3", "line 4",
    ]  # fmt: skip
    after = (await store.get_logs(p.processid, 10, after_seq=logs[1].seq)).entries
    assert [e.message for e in after] == ["line 2", "line 3", "line 4"]
    await store.add_log(LogEntry(p.processid, "dev", "e2", "other executor", NOW + 9))
    mine = (await store.get_executor_logs("dev", "e1", 10, since_ns=NOW + 1)).entries
    assert [e.message for e in mine] == ["line 2", "line 3", "line 4"]
    newest = (await store.get_executor_logs("dev", "e2", 10, latest=True)).entries
    assert [e.message for e in newest] == ["other executor"]
    assert (await store.get_executor_logs("other", "e1", 10)).entries == []


async def test_a_log_read_stops_at_its_byte_budget_and_continues(
    store: Store, dev: Executor
) -> None:
    (p,) = await put(store, make())
    for i in range(10):
        await store.add_log(LogEntry(p.processid, "dev", "e1", f"{i}" * 1000, NOW + i))
    first = await store.get_logs(p.processid, 10, max_bytes=3500)
    assert [e.message[0] for e in first.entries] == ["0", "1", "2"] and first.more
    rest = await store.get_logs(p.processid, 10, after_seq=first.entries[-1].seq, max_bytes=3500)
    assert [e.message[0] for e in rest.entries] == ["3", "4", "5"] and rest.more
    newest = await store.get_logs(p.processid, 10, latest=True, max_bytes=3500)
    assert [e.message[0] for e in newest.entries] == ["7", "8", "9"] and newest.more
    older = await store.get_logs(
        p.processid, 10, latest=True, before_seq=newest.entries[0].seq, max_bytes=2400
    )
    assert [e.message[0] for e in older.entries] == ["5", "6"] and older.more
    # One entry always goes, however big; a read that ends by count is not cut.
    assert len((await store.get_logs(p.processid, 10, max_bytes=10)).entries) == 1
    whole = await store.get_logs(p.processid, 10)
    assert len(whole.entries) == 10 and not whole.more
    by_executor = await store.get_executor_logs("dev", "e1", 4, max_bytes=2500)
    assert [e.message[0] for e in by_executor.entries] == ["0", "1"] and by_executor.more


async def test_nonces(store: Store) -> None:
    # A day ahead of the wall clock: PostgreSQL refuses a nonce that expired
    # over a minute ago by its own clock, whatever the server's says.
    now = time.time_ns() + 86_400 * S
    assert await store.remember_nonce("aa" * 16, now + S, now)
    assert not await store.remember_nonce("aa" * 16, now + S, now)
    # an expired nonce may come back (its timestamp check refuses it anyway)
    assert await store.remember_nonce("aa" * 16, now + 3 * S, now + 2 * S)
    # ... by a message that expires later: a copy is refused however late it comes
    assert not await store.remember_nonce("aa" * 16, now + 3 * S, now + 4 * S)
    await store.save_nonces([("bb" * 16, now + 10 * S), ("cc" * 16, now - S), ("dd" * 16, S)])
    await store.durable()
    loaded = dict(await store.load_nonces(now))
    assert "bb" * 16 in loaded and "cc" * 16 not in loaded
    # Purged once expired by the server's clock (and on PostgreSQL by the
    # database's too: "dd" expired in 1970, "cc" only by now).
    assert await store.purge_nonces(now) == (2 if not store.shared else 1)
    assert "dd" * 16 not in dict(await store.load_nonces(0))


# ------------------------------------------------------------ workflows --


def workflow(*nodes: tuple[str, list[str]]) -> Workflow:
    return Workflow(
        colonyname="dev",
        functionspecs=[
            FuncSpec(nodename=name, funcname=name,
                     conditions=Conditions(colonyname="dev", executortype="t", dependencies=deps))
            for name, deps in nodes
        ],
    )  # fmt: skip


async def add_workflow(store: Store, *nodes: tuple[str, list[str]]) -> dict[str, Process]:
    graph, processes = build_graph(
        workflow(*nodes), new_id=new_id, initiatorid=ident(9), initiatorname="user", now_ns=NOW
    )
    await store.add_graph(graph, processes)
    await store.durable()
    return {p.spec.nodename: p for p in processes}


async def run(store: Store, executor: Executor, output: list[Any]) -> Process:
    p = await store.claim_process(executor, NOW)
    assert p is not None
    result = await store.finish_process(p.processid, p.attempt, ProcessState.SUCCESSFUL, NOW,
                                        output=output)  # fmt: skip
    assert result is not None
    return result.process


async def test_a_child_runs_after_all_parents_with_their_outputs(
    store: Store, dev: Executor
) -> None:
    nodes = await add_workflow(store, ("a", []), ("b", []), ("c", ["a", "b"]))
    graphid = nodes["a"].processgraphid
    first = await run(store, dev, ["from-first"])
    graph = await store.get_graph(graphid)
    assert graph is not None and graph.state == ProcessState.RUNNING
    second = await store.claim_process(dev, NOW)
    assert second is not None and second.spec.nodename in ("a", "b")
    assert await store.claim_process(dev, NOW) is None  # c still waits for its parents
    result = await store.finish_process(
        second.processid, second.attempt, ProcessState.SUCCESSFUL, NOW + 1, output=["x"]
    )
    assert result is not None
    assert [p.processid for p in result.released] == [nodes["c"].processid]
    child = await store.claim_process(dev, NOW)
    assert child is not None and child.processid == nodes["c"].processid
    expected = {first.spec.nodename: ["from-first"], second.spec.nodename: ["x"]}
    assert child.input == expected["a"] + expected["b"]  # in the order of its parents
    done = await store.finish_process(child.processid, child.attempt, ProcessState.SUCCESSFUL, NOW)
    assert done is not None and done.graph is not None
    assert done.graph.state == ProcessState.SUCCESSFUL and done.graph.endtime == NOW


async def test_a_failure_ends_the_descendants_and_fails_the_graph(
    store: Store, dev: Executor
) -> None:
    nodes = await add_workflow(store, ("a", []), ("b", ["a"]), ("c", ["b"]), ("side", []))
    p = await store.claim_process(dev, NOW)
    assert p is not None and p.spec.nodename == "a"
    result = await store.finish_process(p.processid, p.attempt, ProcessState.FAILED, NOW,
                                        errors=["bad"])  # fmt: skip
    assert result is not None
    assert {e.spec.nodename for e in result.ended} == {"b", "c"}
    assert all(e.state == ProcessState.FAILED and e.errors for e in result.ended)
    assert result.graph is not None and result.graph.state == ProcessState.FAILED
    side = await store.claim_process(dev, NOW)  # an independent branch still runs
    assert side is not None and side.processid == nodes["side"].processid
    assert await store.claim_process(dev, NOW) is None


async def test_cancelling_a_graph(store: Store, dev: Executor) -> None:
    nodes = await add_workflow(store, ("a", []), ("b", ["a"]))
    running = await store.claim_process(dev, NOW)
    assert running is not None
    result = await store.cancel_graph(running.processgraphid, NOW)
    assert result is not None
    cancelled, graph = result
    assert {p.spec.nodename for p in cancelled} == {"a", "b"}
    assert graph is not None and graph.state == ProcessState.CANCELLED
    assert (await store.get_process(nodes["b"].processid)).state == ProcessState.CANCELLED  # type: ignore[union-attr]
    assert await store.finish_process(running.processid, 1, ProcessState.SUCCESSFUL, NOW) is None
    assert await store.cancel_graph(new_id(), NOW) is None


async def test_cancelling_one_process_cancels_what_depends_on_it(
    store: Store, dev: Executor
) -> None:
    nodes = await add_workflow(store, ("a", []), ("b", ["a"]))
    result = await store.cancel_process(nodes["a"].processid, NOW)
    assert result is not None
    assert [p.processid for p in result.ended] == [nodes["b"].processid]
    assert result.graph is not None and result.graph.state == ProcessState.CANCELLED
    assert await store.claim_process(dev, NOW) is None
    assert await store.cancel_process(nodes["a"].processid, NOW) is None


async def test_add_child_appends_or_inserts(store: Store, dev: Executor) -> None:
    nodes = await add_workflow(store, ("a", []), ("b", ["a"]))
    parent = await store.claim_process(dev, NOW)
    assert parent is not None
    extra = dataclasses.replace(make(funcname="extra"), processgraphid=parent.processgraphid)
    added = await store.add_child(parent, parent.attempt, extra, "", insert=True)
    assert added is not None and added.parents == (parent.processid,)
    assert added.children == (nodes["b"].processid,)
    b = await store.get_process(nodes["b"].processid)
    assert b is not None and b.parents == (added.processid,)
    await store.finish_process(parent.processid, parent.attempt, ProcessState.SUCCESSFUL, NOW)
    nxt = await store.claim_process(dev, NOW)
    assert nxt is not None and nxt.processid == added.processid
    assert await store.claim_process(dev, NOW) is None  # b waits for the inserted process
    graph = await store.get_graph(parent.processgraphid)
    assert graph is not None and len(graph.processids) == 3
    sibling = dataclasses.replace(make(funcname="sib"), processgraphid=parent.processgraphid)
    assert await store.add_child(parent, parent.attempt, sibling, "", insert=False) is None
    other = dataclasses.replace(make(funcname="more"), processgraphid=parent.processgraphid)
    more = await store.add_child(nxt, nxt.attempt, other, nodes["b"].processid, insert=False)
    assert more is not None and more.children == (nodes["b"].processid,)
    b = await store.get_process(nodes["b"].processid)
    assert b is not None and set(b.parents) == {added.processid, more.processid}
    with pytest.raises(FailedPrecondition):
        await store.add_child(
            nxt,
            nxt.attempt,
            dataclasses.replace(make(), processgraphid=parent.processgraphid),
            new_id(),
            insert=False,
        )


async def test_graphs_are_listed_and_removed(store: Store, dev: Executor) -> None:
    first = await add_workflow(store, ("a", []))
    second = await add_workflow(store, ("x", []), ("y", ["x"]))
    graphs = await store.list_graphs("dev", None, 10)
    assert {g.processgraphid for g in graphs} == {
        first["a"].processgraphid, second["x"].processgraphid,
    }  # fmt: skip
    assert await store.list_graphs("dev", ProcessState.RUNNING, 10) == []
    running = await store.claim_process(dev, NOW)
    assert running is not None
    assert not await store.remove_graph(running.processgraphid)  # has a running process
    other = first if running.processgraphid != first["a"].processgraphid else second
    graphid = next(iter(other.values())).processgraphid
    assert await store.remove_graph(graphid)
    assert await store.get_graph(graphid) is None
    assert await store.remove_all_graphs("dev", None) == 0  # the running one stays


# ---------------------------------------------------- crons and generators --


def cron(name: str = "nightly", nextrun: int = NOW) -> Cron:
    return Cron(
        cronid=new_id(), colonyname="dev", name=name, workflowspec=workflow(("a", [])),
        cronexpression="0 0 0 * * *", interval=-1, nextrun=nextrun, initiatorid=ident(9),
        initiatorname="user",
    )  # fmt: skip


async def test_cron_runs_start_once_per_tick(store: Store, dev: Executor) -> None:
    c = cron()
    await store.add_cron(c)
    with pytest.raises(AlreadyExists):
        await store.add_cron(cron())
    assert [x.cronid for x in await store.due_crons(NOW, 10)] == [c.cronid]
    assert await store.due_crons(NOW - 1, 10) == []
    graph, processes = build_graph(c.workflowspec, new_id=new_id, initiatorid="", initiatorname="",
                                   now_ns=NOW)  # fmt: skip
    assert await store.start_cron_run(c.cronid, NOW, NOW + 60 * S, NOW, graph, processes)
    graph2, processes2 = build_graph(c.workflowspec, new_id=new_id, initiatorid="",
                                     initiatorname="", now_ns=NOW)  # fmt: skip
    assert not await store.start_cron_run(c.cronid, NOW, NOW + 60 * S, NOW, graph2, processes2)
    assert await store.get_graph(graph2.processgraphid) is None
    stored = await store.get_cron(c.cronid)
    assert stored is not None and stored.nextrun == NOW + 60 * S
    assert stored.lastrun == NOW and stored.prevprocessgraphid == graph.processgraphid
    assert await store.set_cron_nextrun(c.cronid, NOW + 60 * S, NOW + 120 * S)
    assert [x.name for x in await store.list_crons("dev", 10)] == ["nightly"]
    assert await store.remove_cron(c.cronid) and await store.get_cron(c.cronid) is None


async def test_generators_take_each_argument_once(store: Store, dev: Executor) -> None:
    g = Generator(generatorid=new_id(), colonyname="dev", name="gen",
                  workflowspec=workflow(("a", [])), trigger=2)  # fmt: skip
    await store.add_generator(g)
    for arg in ("one", "two", "three"):
        assert await store.pack_generator(g.generatorid, arg, NOW)
    assert not await store.pack_generator(new_id(), "x", NOW)
    loaded = await store.get_generator(g.generatorid)
    assert loaded is not None and loaded.queuesize == 3 and loaded.firstpack == NOW

    def maker(args: list[Any]) -> Any:
        return build_graph(g.workflowspec, new_id=new_id, initiatorid="", initiatorname="",
                           now_ns=NOW, root_args=args)  # fmt: skip

    graph = await store.start_generator_run(g.generatorid, 2, NOW + S, maker)
    assert graph is not None
    root = await store.get_process(graph.rootprocessids[0])
    assert root is not None and root.spec.args == ["one", "two"]
    loaded = await store.get_generator(g.generatorid)
    assert loaded is not None and loaded.queuesize == 1 and loaded.lastrun == NOW + S
    graph = await store.start_generator_run(g.generatorid, 2, NOW + 2 * S, maker)
    assert graph is not None
    root = await store.get_process(graph.rootprocessids[0])
    assert root is not None and root.spec.args == ["three"]
    assert await store.start_generator_run(g.generatorid, 2, NOW, maker) is None
    assert [x.name for x in await store.list_generators("dev", 10)] == ["gen"]
    assert await store.remove_generator(g.generatorid)
