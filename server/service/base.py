"""Shared parts of the service layer: who the caller is, and what they may do.

Roles, as in ColonyOS:
* server owner -- the id given at server start; manages colonies;
* colony owner -- the id the colony was created with; manages its executors
  and users, and (unlike ColonyOS) may read everything in its colony;
* members -- approved executors and users of a colony; submit and read;
* the assigned executor -- the only one that may log to, set the output of,
  or close a running process, and only for its current attempt.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.errors import NotFound, PermissionDenied, StaleAttempt
from pycolonies_like.core.models import (
    Colony,
    Event,
    EventKind,
    Executor,
    ExecutorState,
    Process,
    ProcessState,
)
from pycolonies_like.core.rules import check_can_finish
from server.hub import Hub
from server.store.base import Member, ProcessBrief, Store


@dataclass(frozen=True)
class Actor:
    """The caller as seen from one colony."""

    id: str
    colony: Colony
    is_owner: bool
    member: Member | None

    @property
    def name(self) -> str:
        return self.member.name if self.member else ""


def _over(action: str, processid: str, attempt: int, p: ProcessBrief) -> str:
    if p.state == ProcessState.WAITING:
        now = "was put back in the queue"
    elif p.state == ProcessState.RUNNING:
        now = f"is on attempt {p.attempt}"
    else:
        now = f"has ended ({p.state.name.lower()})"
    return f"cannot {action}: attempt {attempt} of process {processid} is over; the process {now}"


def short(identity: str) -> str:
    return identity[:12] + "..." if len(identity) > 16 else identity


def new_id() -> str:
    return secrets.token_hex(32)


class ServiceBase:
    def __init__(self, store: Store, hub: Hub, clock: Clock, server_id: str) -> None:
        self.store = store
        self.hub = hub
        self.clock = clock
        self.server_id = server_id

    # ------------------------------------------------------------ roles --

    def _require_server_owner(self, caller: str) -> None:
        if not self.server_id or caller != self.server_id:
            raise PermissionDenied("Access denied, not the server owner")

    async def _colony(self, colonyname: str) -> Colony:
        colony = await self.store.get_colony(colonyname)
        if colony is None:
            raise NotFound(f"colony {colonyname!r} does not exist")
        return colony

    async def _actor(self, caller: str, colonyname: str) -> Actor:
        found = await self.store.get_actor(colonyname, caller)
        if found is None:
            raise NotFound(f"colony {colonyname!r} does not exist")
        colony, member = found
        return Actor(caller, colony, caller == colony.colonyid, member)

    async def _owner(self, caller: str, colonyname: str) -> Actor:
        actor = await self._actor(caller, colonyname)
        if not actor.is_owner:
            raise PermissionDenied(f"Access denied, not the owner of colony {colonyname!r}")
        return actor

    async def _reader(self, caller: str, colonyname: str, *, pending_ok: bool = False) -> Actor:
        """The colony owner or an approved member (or a pending executor, if allowed)."""
        actor = await self._actor(caller, colonyname)
        if actor.is_owner:
            return actor
        m = actor.member
        if m is None or not (m.approved or (pending_ok and m.kind == "executor")):
            raise PermissionDenied(
                f"Access denied, {short(caller)} is not a member of colony {colonyname!r}"
            )
        return actor

    async def _member(self, caller: str, colonyname: str) -> Actor:
        """An approved executor or a user: who may submit work."""
        actor = await self._actor(caller, colonyname)
        if actor.member is None or not actor.member.approved:
            if actor.is_owner:
                raise PermissionDenied(
                    "Access denied, the colony key cannot submit work: use the key of a user "
                    "or an approved executor of the colony"
                )
            raise PermissionDenied(
                f"Access denied, {short(caller)} is not a member of colony {colonyname!r}"
            )
        return actor

    async def _executor(self, caller: str, colonyname: str) -> Executor:
        """An approved executor of the colony, as needed to assign work."""
        member = (await self._actor(caller, colonyname)).member
        if member is None or member.kind != "executor":
            raise PermissionDenied(
                f"Access denied, {short(caller)} is not an executor of colony {colonyname!r}"
            )
        if not member.approved:
            raise PermissionDenied(
                f"Access denied, executor {member.name!r} is not approved in colony {colonyname!r}"
            )
        return Executor(
            executorid=caller,
            executortype=member.executortype,
            executorname=member.name,
            colonyname=colonyname,
            state=ExecutorState.APPROVED,
        )

    async def _process(self, processid: str) -> Process:
        p = await self.store.get_process(processid)
        if p is None:
            raise NotFound(f"process {processid!r} does not exist")
        return p

    async def _assigned(
        self, caller: str, processid: str, attempt: int, action: str
    ) -> ProcessBrief:
        """The running process assigned to the caller, for its current attempt;
        otherwise the precise error (not found, not yours, not running, stale)."""
        p = await self.store.get_process_brief(processid)
        if p is None:
            raise NotFound(f"process {processid!r} does not exist")
        if caller != p.assignedexecutorid:
            someone_elses = p.state == ProcessState.RUNNING and attempt == p.attempt
            if attempt and attempt <= p.attempt and not someone_elses:
                # Maybe a former assignee calling late: say so, but only to an executor.
                member = await self.store.get_member(p.colonyname, caller)
                if member is not None and member.kind == "executor":
                    raise StaleAttempt(_over(action, processid, attempt, p))
            raise PermissionDenied(
                f"Access denied, only the executor assigned to process {processid} may {action}"
            )
        check_can_finish(p.state, action)
        if attempt and attempt != p.attempt:
            raise StaleAttempt(_over(action, processid, attempt, p))
        return p

    # ----------------------------------------------------------- events --

    def _process_event(self, kind: EventKind, p: Process, message: str = "") -> None:
        self.hub.emit(
            Event(
                kind=kind,
                colonyname=p.colonyname,
                processid=p.processid,
                processgraphid=p.processgraphid,
                executortype=p.spec.conditions.executortype,
                state=p.state,
                timestamp=self.clock.now_ns(),
                process=p,
                message=message,
                attempt=p.attempt,
            )
        )
