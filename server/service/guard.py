"""Who the caller is, and what they may do.

Roles, as in ColonyOS:
* server owner -- the id given at server start; manages colonies;
* colony owner -- the id the colony was created with; manages its executors
  and users, and (unlike ColonyOS) may read everything in its colony;
* members -- approved executors and users of a colony; submit and read;
* the assigned executor -- the only one that may log to, set the output of,
  or close a running process, and only for its current attempt.

Each check either returns what it learnt about the caller or raises the error
to send back (NotFound for a missing colony or process, PermissionDenied for
the wrong caller, StaleAttempt for a former assignee calling late).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from pycolonies_like.core.errors import NotFound, PermissionDenied, StaleAttempt
from pycolonies_like.core.models import (
    Capabilities,
    Colony,
    Executor,
    ExecutorState,
    Function,
    ProcessState,
)
from pycolonies_like.core.rules import check_can_finish, executor_not_approved
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


def short(identity: str) -> str:
    return identity[:12] + "..." if len(identity) > 16 else identity


def new_id() -> str:
    return secrets.token_hex(32)


def _over(action: str, processid: str, attempt: int, p: ProcessBrief) -> str:
    if p.state == ProcessState.WAITING:
        now = "was put back in the queue"
    elif p.state == ProcessState.RUNNING:
        now = f"is on attempt {p.attempt}"
    else:
        now = f"has ended ({p.state.name.lower()})"
    return f"cannot {action}: attempt {attempt} of process {processid} is over; the process {now}"


class AccessGuard:
    def __init__(self, store: Store, server_id: str) -> None:
        self._store = store
        self._server_id = server_id

    def server_owner(self, caller: str) -> None:
        if not self._server_id or caller != self._server_id:
            raise PermissionDenied("Access denied, not the server owner")

    async def actor(self, caller: str, colonyname: str) -> Actor:
        """Who the caller is in the colony (maybe nobody). Without the colony: NotFound for
        the server owner, and for anyone else nobody in a colony owned by nobody, so that
        every check answers as for a colony that is not theirs (whether a colony exists
        cannot be learnt with any key)."""
        found = await self._store.get_actor(colonyname, caller)
        if found is None:
            if self._server_id and caller == self._server_id:
                raise NotFound(f"colony {colonyname!r} does not exist")
            return Actor(caller, Colony("", colonyname), False, None)
        colony, member = found
        return Actor(caller, colony, caller == colony.colonyid, member)

    async def colony_owner(self, caller: str, colonyname: str) -> Actor:
        actor = await self.actor(caller, colonyname)
        if not actor.is_owner:
            raise PermissionDenied(f"Access denied, not the owner of colony {colonyname!r}")
        return actor

    async def reader(self, caller: str, colonyname: str, *, pending_ok: bool = False) -> Actor:
        """The colony owner or an approved member (or a pending executor, if allowed)."""
        actor = await self.actor(caller, colonyname)
        if actor.is_owner:
            return actor
        m = actor.member
        if m is None or not (m.approved or (pending_ok and m.pending)):
            raise PermissionDenied(
                f"Access denied, {short(caller)} is not a member of colony {colonyname!r}"
            )
        return actor

    async def member(self, caller: str, colonyname: str) -> Actor:
        """An approved executor or a user: who may submit work."""
        actor = await self.actor(caller, colonyname)
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

    async def executor(self, caller: str, colonyname: str) -> Executor:
        """An approved executor of the colony, as needed to assign work."""
        member = (await self.actor(caller, colonyname)).member
        if member is None or member.kind != "executor":
            raise PermissionDenied(
                f"Access denied, {short(caller)} is not an executor of colony {colonyname!r}"
            )
        if not member.approved:
            raise PermissionDenied(
                f"Access denied, executor {member.name!r} is not approved in colony {colonyname!r}"
            )
        caps = member.capabilities
        return Executor(
            executorid=caller,
            executortype=member.executortype,
            executorname=member.name,
            colonyname=colonyname,
            state=ExecutorState.APPROVED,
            locationname=member.locationname,
            capabilities=Capabilities.from_dict(json.loads(caps)) if caps else Capabilities(),
        )

    async def initiator_or_owner(self, caller: str, colonyname: str, initiatorid: str) -> None:
        """Who submitted the object (process, workflow, cron...), or the colony owner."""
        actor = await self.actor(caller, colonyname)
        if actor.is_owner:
            return
        if caller != initiatorid:
            raise PermissionDenied(
                "Access denied, only the submitter or the colony owner may do this"
            )
        if actor.member is None or not actor.member.approved:
            # Removed or rejected: what it submitted is no longer its to manage.
            raise PermissionDenied(
                f"Access denied, {short(caller)} is not a member of colony {colonyname!r}"
            )

    async def still_member(self, colonyname: str, memberid: str) -> bool:
        """Whether the identity is still an approved member (a schedule's owner, say)."""
        member = await self._store.get_member(colonyname, memberid)
        return member is not None and member.approved

    async def registrant_or_owner(self, caller: str, function: Function) -> None:
        """The executor that registered the function, or the colony owner."""
        actor = await self.actor(caller, function.colonyname)
        m = actor.member
        if not actor.is_owner and not (
            m and m.kind == "executor" and m.approved and m.name == function.executorname
        ):
            raise PermissionDenied(
                "Access denied, only the executor that registered a function, or the colony "
                "owner, may remove it"
            )

    async def assigned(
        self, caller: str, processid: str, attempt: int, action: str
    ) -> ProcessBrief:
        """The running process assigned to the caller, for its current attempt;
        otherwise the precise error (not found, not yours, not running, stale)."""
        p = await self._store.get_process_brief(processid)
        if p is None:
            raise NotFound(f"process {processid!r} does not exist")
        if caller != p.assignedexecutorid:
            member = await self._store.get_member(p.colonyname, caller)
            if member is not None and member.kind == "executor" and not member.approved:
                # Rejected (its work went back to the queue then): nothing it
                # held is its any more, whatever attempt it names.
                raise executor_not_approved(member.name, p.colonyname)
            someone_elses = p.state == ProcessState.RUNNING and attempt == p.attempt
            executor = member is not None and member.kind == "executor"
            if attempt and attempt <= p.attempt and not someone_elses and executor:
                # A former assignee calling late: say so, but only to an executor.
                raise StaleAttempt(_over(action, processid, attempt, p))
            raise PermissionDenied(
                f"Access denied, only the executor assigned to process {processid} may {action}"
            )
        check_can_finish(p.state, action)
        if attempt and attempt != p.attempt:
            raise StaleAttempt(_over(action, processid, attempt, p))
        return p
