"""Colonies, executors, users and the function registry."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.errors import InvalidArgument, NotFound, PermissionDenied
from pycolonies_like.core.fairness import check_weight
from pycolonies_like.core.flow import check_retention
from pycolonies_like.core.models import (
    Capabilities,
    Colony,
    Executor,
    ExecutorState,
    FairWeight,
    Function,
    Statistics,
    User,
)
from pycolonies_like.core.requirements import capacities_of
from pycolonies_like.core.rules import (
    MAX_NAME_LENGTH,
    NS_PER_SECOND,
    LeasePolicy,
    check_id,
    check_name,
)
from server.objects import LocalObjects
from server.service.emitter import EventEmitter
from server.service.guard import AccessGuard, new_id, short
from server.store.base import Store

log = logging.getLogger(__name__)


class ColonyService:
    def __init__(
        self, store: Store, guard: AccessGuard, emitter: EventEmitter, clock: Clock,
        leases: LeasePolicy | None = None, objects: LocalObjects | None = None,
    ) -> None:  # fmt: skip
        self.store = store
        self.guard = guard
        self.emitter = emitter
        self.clock = clock
        self.leases = leases or LeasePolicy()
        self.objects = objects  # the server's file bytes, removed with their colony

    def _seen(self, executor: Executor) -> Executor:
        """The executor as read, marked silent when it has not been heard from
        for twice the lease timeout (worked out here: nothing is written)."""
        silent = self.leases.silent(executor.lastheardfromtime, self.clock.now_ns())
        return dataclasses.replace(executor, silent=silent) if silent else executor

    # -------------------------------------------------------- colonies --

    async def add_colony(self, caller: str, colony: Colony) -> Colony:
        self.guard.server_owner(caller)
        check_name("colony name", colony.name)
        check_id("colonyid", colony.colonyid)
        await self.store.add_colony(colony)
        return colony

    async def remove_colony(self, caller: str, colonyname: str) -> None:
        self.guard.server_owner(caller)
        if not await self.store.remove_colony(colonyname):
            raise NotFound(f"colony {colonyname!r} does not exist")
        if self.objects is not None:
            await asyncio.to_thread(self.objects.remove_colony, colonyname)

    async def get_colony(self, caller: str, colonyname: str) -> Colony:
        await self.guard.reader(caller, colonyname)
        colony = await self.store.get_colony(colonyname)
        if colony is None:  # removed meanwhile
            raise NotFound(f"colony {colonyname!r} does not exist")
        return colony

    async def list_colonies(self, caller: str) -> list[Colony]:
        self.guard.server_owner(caller)
        return await self.store.list_colonies()

    async def readable_colonies(self, caller: str) -> list[Colony]:
        """The colonies whose contents the caller may read (as colony owner or
        approved member); the server owner manages colonies but reads none."""
        readable = []
        for colony in await self.store.list_colonies():
            try:
                await self.guard.reader(caller, colony.name)
            except (PermissionDenied, NotFound):
                continue
            readable.append(colony)
        return readable

    async def colony_statistics(self, caller: str, colonyname: str) -> Statistics:
        await self.guard.reader(caller, colonyname)
        return await self.store.colony_statistics(colonyname)

    async def statistics(self, caller: str) -> Statistics:
        self.guard.server_owner(caller)
        return await self.store.statistics()

    async def set_retention(self, caller: str, colonyname: str, retention_s: int) -> Colony:
        """How long the colony keeps finished processes and workflows (0: for ever)."""
        await self.guard.colony_owner(caller, colonyname)
        colony = await self.store.set_retention(colonyname, check_retention(retention_s))
        if colony is None:
            raise NotFound(f"colony {colonyname!r} does not exist")
        return colony

    async def set_fair_weight(self, caller: str, colonyname: str, name: str, weight: int) -> None:
        """A submitter's (a user's or executor's, by name) weight in the colony's
        fair order of the queue: its share of claims against weight 1 (colony owner)."""
        await self.guard.colony_owner(caller, colonyname)
        check_weight(weight)
        user = await self.store.get_user(colonyname, name)
        submitter = user.userid if user else ""
        if not submitter:
            executor = await self.store.get_executor(colonyname, name)
            submitter = executor.executorid if executor else ""
        if not submitter:
            raise NotFound(f"colony {colonyname!r} has no user or executor named {name!r}")
        await self.store.set_fair_weight(colonyname, submitter, weight)

    async def list_fair_weights(self, caller: str, colonyname: str) -> list[FairWeight]:
        """The colony's submitters with a weight other than the default, by name
        (the colony owner and its members). Removing a user or executor
        removes its weight (store/fairshare.forget)."""
        await self.guard.reader(caller, colonyname)
        listed = []
        for submitter, weight in (await self.store.fair_weights(colonyname)).items():
            member = await self.store.get_member(colonyname, submitter)
            if member is not None:
                listed.append(FairWeight(name=member.name, kind=member.kind, weight=weight))
        return sorted(listed, key=lambda w: (w.name, w.kind))

    async def pause(self, caller: str, colonyname: str, executortype: str = "") -> Colony:
        """Stops assigning processes of the colony (or of one executor type of
        it); what already runs goes on, and may still close, fail or log."""
        return await self._set_paused(caller, colonyname, executortype, True)

    async def resume(self, caller: str, colonyname: str, executortype: str = "") -> Colony:
        colony = await self._set_paused(caller, colonyname, executortype, False)
        if not colony.assignment_paused(executortype):
            types = [executortype] if executortype else [
                e.executortype for e in await self.store.list_executors(colonyname)
            ]  # fmt: skip
            self.emitter.resumed(colonyname, types)
        return colony

    async def _set_paused(
        self, caller: str, colonyname: str, executortype: str, paused: bool
    ) -> Colony:
        await self.guard.colony_owner(caller, colonyname)
        if executortype:
            check_name("executortype", executortype)
        colony = await self.store.set_paused(colonyname, executortype, paused, self.clock.now_ns())
        if colony is None:
            raise NotFound(f"colony {colonyname!r} does not exist")
        return colony

    # ------------------------------------------------------- executors --

    async def add_executor(self, caller: str, executor: Executor) -> Executor:
        await self.guard.colony_owner(caller, executor.colonyname)
        check_name("executorname", executor.executorname)
        check_name("executortype", executor.executortype)
        check_id("executorid", executor.executorid)
        if len(executor.locationname) > MAX_NAME_LENGTH:
            raise InvalidArgument(f"locationname is longer than {MAX_NAME_LENGTH} characters")
        capacities_of(executor.capabilities)  # every quantity can be read
        stored = dataclasses.replace(
            executor,
            state=ExecutorState.PENDING,
            commissiontime=self.clock.now_ns(),
            lastheardfromtime=0,
        )
        await self.store.add_executor(stored)
        return stored

    async def _set_executor_state(
        self, caller: str, colonyname: str, executorname: str, state: ExecutorState
    ) -> Executor:
        await self.guard.colony_owner(caller, colonyname)
        result = await self.store.set_executor_state(
            colonyname, executorname, state, self.clock.now_ns()
        )
        if result is None:
            raise NotFound(f"executor {executorname!r} does not exist in colony {colonyname!r}")
        executor, requeued = result
        self.emitter.requeued(requeued, f"executor {executorname} was {state.name.lower()}")
        return executor

    async def approve_executor(self, caller: str, colonyname: str, executorname: str) -> Executor:
        return await self._set_executor_state(
            caller, colonyname, executorname, ExecutorState.APPROVED
        )

    async def reject_executor(self, caller: str, colonyname: str, executorname: str) -> Executor:
        return await self._set_executor_state(
            caller, colonyname, executorname, ExecutorState.REJECTED
        )

    async def remove_executor(self, caller: str, colonyname: str, executorname: str) -> None:
        await self.guard.colony_owner(caller, colonyname)
        requeued = await self.store.remove_executor(colonyname, executorname, self.clock.now_ns())
        if requeued is None:
            raise NotFound(f"executor {executorname!r} does not exist in colony {colonyname!r}")
        self.emitter.requeued(requeued, f"executor {executorname} was removed")

    async def remove_silent(self, limit: int = 100) -> int:
        """One pass of the cleanup loop: executors silent for the policy's
        `remove_after_s` are removed, as ColonyOS removes stale executors, and
        their running work goes back to the queue. Each is logged once, by the
        server that removed it."""
        before = self.leases.removable_before(self.clock.now_ns())
        if not before:
            return 0
        removed = await self.store.remove_silent_executors(before, self.clock.now_ns(), limit)
        for executor, requeued in removed:
            silent_s = (self.clock.now_ns() - executor.lastheardfromtime) / NS_PER_SECOND
            log.warning(
                "removed executor %s of colony %s: not heard from for %.0f s "
                "(--remove-silent-after %g s); %d running process(es) requeued",
                executor.executorname, executor.colonyname, silent_s,
                self.leases.remove_after_s, len(requeued),
            )  # fmt: skip
            self.emitter.requeued(
                requeued,
                f"executor {executor.executorname} was removed: silent for {silent_s:.0f} s",
            )
        return len(removed)

    async def get_executor(self, caller: str, colonyname: str, executorname: str) -> Executor:
        await self.guard.reader(caller, colonyname, pending_ok=True)
        executor = await self.store.get_executor(colonyname, executorname)
        if executor is None:
            raise NotFound(f"executor {executorname!r} does not exist in colony {colonyname!r}")
        return self._seen(executor)

    async def update_executor(
        self, caller: str, colonyname: str, executorname: str, capabilities: Capabilities
    ) -> Executor:
        """An executor replaces its capabilities (ColonyOS' updateexecutormsg): by
        itself only, in whatever state; the claim uses them from its next pick."""
        await self.guard.actor(caller, colonyname)
        found = await self.store.get_executor(colonyname, executorname)
        if found is None or found.executorid != caller:
            raise PermissionDenied(
                f"Access denied, only executor {executorname!r} may update itself"
            )
        capacities_of(capabilities)  # every quantity can be read
        updated = await self.store.set_executor_capabilities(
            dataclasses.replace(found, capabilities=capabilities)
        )
        if not updated:
            raise NotFound(f"executor {executorname!r} does not exist in colony {colonyname!r}")
        return self._seen(dataclasses.replace(found, capabilities=capabilities))

    async def list_executors(self, caller: str, colonyname: str) -> list[Executor]:
        await self.guard.reader(caller, colonyname, pending_ok=True)
        return [self._seen(e) for e in await self.store.list_executors(colonyname)]

    # ----------------------------------------------------------- users --

    async def add_user(self, caller: str, user: User) -> User:
        await self.guard.colony_owner(caller, user.colonyname)
        check_name("user name", user.name)
        check_id("userid", user.userid)
        for what, value in (("email", user.email), ("phone", user.phone)):
            if len(value) > 256:
                raise InvalidArgument(f"{what} is longer than 256 characters")
        await self.store.add_user(user)
        return user

    async def remove_user(self, caller: str, colonyname: str, name: str) -> None:
        await self.guard.colony_owner(caller, colonyname)
        if not await self.store.remove_user(colonyname, name):
            raise NotFound(f"user {name!r} does not exist in colony {colonyname!r}")

    async def get_user(self, caller: str, colonyname: str, name: str) -> User:
        await self.guard.reader(caller, colonyname)
        user = await self.store.get_user(colonyname, name)
        if user is None:
            raise NotFound(f"user {name!r} does not exist in colony {colonyname!r}")
        return user

    async def list_users(self, caller: str, colonyname: str) -> list[User]:
        await self.guard.reader(caller, colonyname)
        return await self.store.list_users(colonyname)

    # ------------------------------------------------------- functions --

    async def add_function(self, caller: str, function: Function) -> Function:
        executor = await self.guard.executor(caller, function.colonyname)
        if function.executorname and function.executorname != executor.executorname:
            raise PermissionDenied(
                f"Access denied, {short(caller)} is executor {executor.executorname!r} and cannot "
                f"register functions for executor {function.executorname!r}"
            )
        if not function.funcname:
            raise InvalidArgument("funcname is required")
        if len(function.funcname) > MAX_NAME_LENGTH:
            raise InvalidArgument(f"funcname is longer than {MAX_NAME_LENGTH} characters")
        if len(function.description) > 4096:
            raise InvalidArgument("description is longer than 4096 characters")
        return await self.store.add_function(
            Function(
                functionid=new_id(),
                executorname=executor.executorname,
                executortype=executor.executortype,
                colonyname=function.colonyname,
                funcname=function.funcname,
                description=function.description,
            )
        )

    async def list_functions(
        self, caller: str, colonyname: str, executorname: str = ""
    ) -> list[Function]:
        await self.guard.reader(caller, colonyname)
        return await self.store.list_functions(colonyname, executorname)

    async def remove_function(self, caller: str, functionid: str) -> None:
        function = await self.store.get_function(functionid)
        if function is None:
            raise NotFound(f"function {functionid!r} does not exist")
        await self.guard.registrant_or_owner(caller, function)
        await self.store.remove_function(functionid)
