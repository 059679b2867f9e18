"""Colonies take turns on the event loop (server/service/slices.py): while
more than one colony is active, each starts at most one step in ROUND turns
of the loop, in its own order, and a colony that has not used its share goes
at once; a colony alone is never held. Turns are counted by the share itself
(its `tick`), so these tests do not depend on timing."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from server.service import slices
from server.service.slices import ROUND, turn, vouch


async def colony_turn(colony: str, caller: str) -> None:
    """A member's step (served in the colony before)."""
    vouch(colony, caller)
    await slices.colony_turn(colony, caller)


def share() -> slices._Share:
    return slices._share()


async def steps(
    colony: str, count: int, log: list[tuple[str, int, int]], caller: str = "flooder"
) -> None:
    """Starts `count` steps of `caller` in `colony` at once; each notes the tick it went in."""

    async def step(i: int) -> None:
        await colony_turn(colony, caller)
        log.append((colony, i, share().tick))

    await asyncio.gather(*(step(i) for i in range(count)))


async def until_idle() -> None:
    while share().scheduled:
        await asyncio.sleep(0)


async def test_a_colony_alone_is_never_held() -> None:
    log: list[tuple[str, int, int]] = []
    await steps("flood", 20, log)
    assert len({tick for _, _, tick in log}) == 1  # all in the same turn
    await until_idle()
    assert not share().steps and not share().scheduled


async def test_beside_another_colony_a_flood_starts_one_step_per_round_in_order() -> None:
    log: list[tuple[str, int, int]] = []
    await colony_turn("small", "someone")  # the other colony is active
    await steps("flood", 6, log)
    flood = [(i, tick) for colony, i, tick in log if colony == "flood"]
    assert [i for i, _ in flood] == list(range(6))  # in their order
    ticks = [tick for _, tick in flood]
    assert all(b - a >= ROUND for a, b in itertools.pairwise(ticks)), ticks
    await until_idle()
    assert not share().steps and not share().scheduled  # nothing left spinning


async def test_a_colony_that_has_not_used_its_share_goes_at_once() -> None:
    log: list[tuple[str, int, int]] = []
    await colony_turn("small", "someone")
    flood = asyncio.ensure_future(steps("flood", 30, log))
    while len(log) < 4:  # the flood is under way, most of its steps waiting
        await asyncio.sleep(0)
    assert share().steps.get("flood")
    waited = [share().tick]
    await colony_turn("small", "someone")  # not behind the flood's waiting steps
    waited.append(share().tick)
    assert waited[1] == waited[0]
    # Its next step, in the same round, waits for its turn like any other.
    await colony_turn("small", "someone")
    assert share().tick > waited[1]
    await flood


async def test_a_step_whose_request_went_away_gives_its_turn_to_the_next() -> None:
    await colony_turn("small", "someone")
    log: list[tuple[str, int, int]] = []
    first = asyncio.ensure_future(steps("flood", 2, log))
    while not share().steps.get("flood"):
        await asyncio.sleep(0)
    waiting = share().steps["flood"]["flooder"]
    assert len(waiting) == 1
    waiting[0].cancel()  # its request went away
    late: list[tuple[str, int, int]] = []
    await steps("flood", 1, late)
    with pytest.raises(asyncio.CancelledError):
        await first
    assert len(log) == 1 and len(late) == 1


async def test_big_requests_slices_wait_for_the_round_while_colonies_share() -> None:
    async def slice_ticks(count: int) -> list[int]:
        ticks = []
        for _ in range(count):
            await turn()
            ticks.append(share().tick)
        return ticks

    alone = await slice_ticks(4)
    assert [b - a for a, b in itertools.pairwise(alone)] == [1, 1, 1]  # one per turn
    await colony_turn("a", "someone")
    await colony_turn("b", "someone")  # two colonies active
    shared = await slice_ticks(4)
    assert all(t % ROUND == 0 for t in shared), shared


async def test_when_the_other_colony_goes_quiet_the_waiting_steps_drain() -> None:
    await colony_turn("small", "someone")
    log: list[tuple[str, int, int]] = []
    flood = asyncio.ensure_future(steps("flood", 40, log))
    while len(log) < 5:
        await asyncio.sleep(0)
    quiet_from = len(log)
    share().seen["small"] -= 2 * slices.ACTIVE_S  # its last step, long ago,
    share().pruned -= slices.ACTIVE_S  # and the colonies seen are pruned next
    await flood
    ticks = [tick for _, _, tick in log]
    assert all(b - a >= ROUND for a, b in itertools.pairwise(ticks[:quiet_from]))
    late = ticks[quiet_from + 1 :]  # alone again: one per turn
    assert [b - a for a, b in itertools.pairwise(late)] == [1] * (len(late) - 1), late


async def test_within_a_colony_its_callers_take_turns() -> None:
    await colony_turn("small", "someone")
    log: list[tuple[str, int, int]] = []
    flood = asyncio.ensure_future(steps("flood", 30, log))
    while len(log) < 3:
        await asyncio.sleep(0)
    waiting = sum(len(q) for q in share().steps["flood"].values())
    assert waiting > 20
    other: list[tuple[str, int, int]] = []
    await steps("flood", 1, other, caller="second user")
    # It went after at most one more of the flooder's steps, not after all of them.
    assert len(log) <= 4
    await flood


def test_the_grpc_calls_take_the_turn_of_the_colony_they_name() -> None:
    from pycolonies_like.proto import colonies_pb2 as pb
    from server.transport.grpc_api import _colony_of

    spec = pb.FuncSpec(conditions=pb.Conditions(colonyname="lab"))
    assert _colony_of(pb.SubmitRequest)(pb.SubmitRequest(spec=spec)) == "lab"
    assert _colony_of(pb.SubmitBatchRequest)(pb.SubmitBatchRequest(specs=[spec, spec])) == "lab"
    assert _colony_of(pb.SubmitBatchRequest)(pb.SubmitBatchRequest()) == ""
    assert _colony_of(pb.ColonyNameRequest)(pb.ColonyNameRequest(colonyname="lab")) == "lab"
    assert _colony_of(pb.Empty)(pb.Empty()) == ""  # names none: not held


def test_the_colonyos_messages_take_the_turn_of_the_colony_they_name() -> None:
    from server.transport.http_gateway.gateway import colony_of

    assert colony_of("assignprocessmsg", {"colonyname": "lab"}) == "lab"
    spec = {"conditions": {"colonyname": "lab", "executortype": "t"}}
    assert colony_of("submitfuncspecmsg", {"spec": spec}) == "lab"
    # A submit's colony is the one the service checks, whatever else it says.
    decoy = {"colonyname": "victim", "conditions": {"colonyname": "lab"}}
    assert colony_of("submitfuncspecmsg", {"colonyname": "victim", "spec": decoy}) == "lab"
    workflow = {"colonyname": "lab", "functionspecs": []}
    assert colony_of("submitworkflowspecmsg", {"spec": workflow}) == "lab"
    assert colony_of("getprocessmsg", {"processid": "ab"}) == ""
    assert colony_of("getcolonymsg", {"colonyname": 7}) == ""  # not text: none


async def test_naming_a_colony_takes_nothing_from_its_members() -> None:
    """Callers a colony has not vouched for (maybe not members) share a lane of
    their own: a crowd of them naming a colony does not thin its members' share."""
    await colony_turn("other", "someone")  # a second colony is active
    strangers = [
        asyncio.ensure_future(slices.colony_turn("victim", f"stranger{i}")) for i in range(10)
    ]
    await asyncio.sleep(0)  # they are waiting (all but the first)
    assert "victim" not in share().steps  # not in the members' turns: a lane of their own
    assert len(share().steps["\0victim"]) == 9
    started = share().tick
    member: list[tuple[str, int, int]] = []
    await steps("victim", 6, member, caller="member")
    ticks = [tick for _, _, tick in member]
    # The member's steps went one per round, as if the strangers were not there.
    assert ticks[-1] - started <= 6 * ROUND, (started, ticks)
    await asyncio.gather(*strangers)
