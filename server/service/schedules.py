"""Crons (workflows on a schedule) and generators (workflows on packed arguments).

Both are driven by loops that may run on several servers at once: every start
is a compare-and-set in the store, so one tick or one batch of arguments
starts exactly one workflow however many servers try.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.dag import validate_workflow
from pycolonies_like.core.errors import FailedPrecondition, InvalidArgument, NotFound
from pycolonies_like.core.models import Cron, Generator, Process, ProcessGraph, Workflow
from pycolonies_like.core.rules import check_count, check_name
from pycolonies_like.core.schedule import next_run, validate_schedule
from server.service.guard import AccessGuard, new_id
from server.service.ratelimits import check_defined
from server.service.workflows import WorkflowService
from server.store.base import Store

log = logging.getLogger(__name__)

MAX_ARG_LENGTH = 64 * 1024


def _with_colony(workflow: Workflow, colonyname: str) -> Workflow:
    if workflow.colonyname and workflow.colonyname != colonyname:
        raise InvalidArgument(
            f"the workflow names colony {workflow.colonyname!r}, not {colonyname!r}"
        )
    return dataclasses.replace(workflow, colonyname=colonyname)


class ScheduleService:
    def __init__(
        self, store: Store, guard: AccessGuard, clock: Clock, workflows: WorkflowService
    ) -> None:
        self.store = store
        self.guard = guard
        self.clock = clock
        self.workflows = workflows

    # ------------------------------------------------------------ crons --

    async def add_cron(self, caller: str, cron: Cron, *, cronid: str = "") -> Cron:
        """Stores a new cron; with a `cronid` of the caller's choosing, a second
        cron of that id is AlreadyExists (one schedule, however many servers)."""
        check_name("cron name", cron.name)
        interval = cron.interval if cron.interval > 0 else -1
        validate_schedule(cron.cronexpression, interval, cron.random)
        workflow = _with_colony(cron.workflowspec, cron.colonyname)
        validate_workflow(workflow)
        actor = await self.guard.member(caller, cron.colonyname)
        await check_defined(self.store, cron.colonyname, workflow.functionspecs)
        now = self.clock.now_ns()
        stored = dataclasses.replace(
            cron,
            cronid=cronid or new_id(),
            interval=interval,
            workflowspec=workflow,
            nextrun=next_run(cron.cronexpression, interval, cron.random, now),
            lastrun=0,
            prevprocessgraphid="",
            initiatorid=actor.id,
            initiatorname=actor.name,
        )
        await self.store.add_cron(stored)
        return stored

    async def _cron(self, cronid: str) -> Cron:
        cron = await self.store.get_cron(cronid)
        if cron is None:
            raise NotFound(f"cron {cronid!r} does not exist")
        return cron

    async def get_cron(self, caller: str, cronid: str) -> Cron:
        cron = await self._cron(cronid)
        await self.guard.reader(caller, cron.colonyname)
        return cron

    async def list_crons(self, caller: str, colonyname: str, count: int) -> list[Cron]:
        count = check_count(count)
        await self.guard.reader(caller, colonyname)
        return await self.store.list_crons(colonyname, count)

    async def remove_cron(self, caller: str, cronid: str) -> None:
        cron = await self._cron(cronid)
        await self.guard.initiator_or_owner(caller, cron.colonyname, cron.initiatorid)
        await self.store.remove_cron(cronid)

    async def run_cron(self, caller: str, cronid: str) -> Cron:
        """Starts a run now (the schedule then continues from now)."""
        cron = await self._cron(cronid)
        await self.guard.member(caller, cron.colonyname)
        if not await self._owner_remains(cron):
            raise FailedPrecondition(
                f"cron {cron.name!r} belonged to {cron.initiatorname!r}, who is no longer a "
                f"member of colony {cron.colonyname!r}; the cron has been removed"
            )
        if not await self._previous_done(cron):
            raise FailedPrecondition(
                f"cron {cron.name!r} waits for its previous workflow "
                f"{cron.prevprocessgraphid} to finish"
            )
        if not await self._start_cron(cron, self.clock.now_ns()):
            raise FailedPrecondition(f"cron {cron.name!r} was started meanwhile; try again")
        return await self._cron(cronid)

    async def _owner_remains(self, schedule: Cron | Generator) -> bool:
        """A schedule runs as whoever made it: when they are removed or rejected, it stops
        for good (it is removed) instead of starting work in the name of a non-member."""
        if await self.guard.still_member(schedule.colonyname, schedule.initiatorid):
            return True
        if isinstance(schedule, Cron):
            await self.store.remove_cron(schedule.cronid)
            what = f"cron {schedule.name!r} ({schedule.cronid})"
        else:
            await self.store.remove_generator(schedule.generatorid)
            what = f"generator {schedule.name!r} ({schedule.generatorid})"
        log.warning(
            "%s removed: its owner %r is no longer a member of colony %r",
            what, schedule.initiatorname, schedule.colonyname,
        )  # fmt: skip
        return False

    async def _previous_done(self, cron: Cron) -> bool:
        if not cron.waitforprevprocessgraph or not cron.prevprocessgraphid:
            return True
        return await self.workflows.has_ended(cron.prevprocessgraphid)

    async def _start_cron(self, cron: Cron, now: int) -> bool:
        root_input: list[Any] = []
        if cron.prevprocessgraphid:
            root_input = await self.store.previous_output(cron.prevprocessgraphid)
        graph, processes = self.workflows.plan(
            cron.workflowspec, cron.initiatorid, cron.initiatorname, now, root_input=root_input
        )
        nextrun = next_run(cron.cronexpression, cron.interval, cron.random, now)
        started = await self.store.start_cron_run(
            cron.cronid, cron.nextrun, nextrun, now, graph, processes
        )
        if started:
            await self.workflows.started(graph, processes)
        return started

    async def run_due_crons(self, limit: int = 100) -> int:
        """One pass of the cron loop; returns how many runs this server started."""
        now = self.clock.now_ns()
        started = 0
        for cron in await self.store.due_crons(now, limit):
            if not await self._owner_remains(cron):
                continue
            if not await self._previous_done(cron):
                continue  # checked again next pass: starts as soon as it is done
            try:
                if await self._start_cron(cron, now):
                    started += 1
            except Exception:
                log.exception("cron %s (%s) failed to start", cron.name, cron.cronid)
                # Do not retry a broken cron every second: move on to its next time.
                await self.store.set_cron_nextrun(
                    cron.cronid,
                    cron.nextrun,
                    next_run(cron.cronexpression, cron.interval, cron.random, now),
                )
        return started

    # ------------------------------------------------------- generators --

    async def add_generator(self, caller: str, generator: Generator) -> Generator:
        check_name("generator name", generator.name)
        if generator.trigger < 1:
            raise InvalidArgument(f"trigger must be 1 or more, got {generator.trigger}")
        if generator.timeout < 0:
            raise InvalidArgument(f"timeout must be 0 (none) or more, got {generator.timeout}")
        workflow = _with_colony(generator.workflowspec, generator.colonyname)
        validate_workflow(workflow)
        actor = await self.guard.member(caller, generator.colonyname)
        await check_defined(self.store, generator.colonyname, workflow.functionspecs)
        stored = dataclasses.replace(
            generator,
            generatorid=new_id(),
            workflowspec=workflow,
            lastrun=0,
            firstpack=0,
            queuesize=0,
            initiatorid=actor.id,
            initiatorname=actor.name,
        )
        await self.store.add_generator(stored)
        return stored

    async def _generator(self, generatorid: str) -> Generator:
        generator = await self.store.get_generator(generatorid)
        if generator is None:
            raise NotFound(f"generator {generatorid!r} does not exist")
        return generator

    async def get_generator(self, caller: str, generatorid: str) -> Generator:
        generator = await self._generator(generatorid)
        await self.guard.reader(caller, generator.colonyname)
        return generator

    async def list_generators(self, caller: str, colonyname: str, count: int) -> list[Generator]:
        count = check_count(count)
        await self.guard.reader(caller, colonyname)
        return await self.store.list_generators(colonyname, count)

    async def remove_generator(self, caller: str, generatorid: str) -> None:
        generator = await self._generator(generatorid)
        await self.guard.initiator_or_owner(caller, generator.colonyname, generator.initiatorid)
        await self.store.remove_generator(generatorid)

    async def pack_generator(self, caller: str, generatorid: str, arg: str) -> None:
        if len(arg) > MAX_ARG_LENGTH:
            raise InvalidArgument(f"an argument may have at most {MAX_ARG_LENGTH} characters")
        generator = await self._generator(generatorid)
        await self.guard.member(caller, generator.colonyname)
        if not await self.store.pack_generator(generatorid, arg, self.clock.now_ns()):
            raise NotFound(f"generator {generatorid!r} does not exist")
        if generator.queuesize + 1 >= generator.trigger:
            # Do not make the caller wait for the loop's next pass.
            await self._run_generator(await self._generator(generatorid), self.clock.now_ns())

    async def _start_generator(self, generator: Generator, count: int, now: int) -> bool:
        def make_graph(args: list[Any]) -> tuple[ProcessGraph, list[Process]]:
            return self.workflows.plan(
                generator.workflowspec, generator.initiatorid, generator.initiatorname, now,
                root_args=args,
            )  # fmt: skip

        graph = await self.store.start_generator_run(generator.generatorid, count, now, make_graph)
        if graph is None:
            return False
        full = await self.store.get_graph(graph.processgraphid)
        processes: list[Process] = []
        if full is not None:
            found = [await self.store.get_process(pid) for pid in full.processids]
            processes = [p for p in found if p is not None]
        await self.workflows.started(full or graph, processes)
        return True

    async def _run_generator(self, generator: Generator, now: int) -> int:
        if not await self._owner_remains(generator):
            return 0
        started = 0
        size = generator.queuesize
        while size >= generator.trigger:
            if not await self._start_generator(generator, generator.trigger, now):
                break
            size -= generator.trigger
            started += 1
        if size > 0 and generator.timeout > 0:
            # firstpack is when the oldest argument still waiting was packed.
            since = generator.firstpack
            if since and now - since >= generator.timeout * 1_000_000_000:
                started += int(await self._start_generator(generator, size, now))
        return started

    async def run_generators(self, limit: int = 100) -> int:
        """One pass of the generator loop; returns how many workflows it started."""
        now = self.clock.now_ns()
        started = 0
        for generator in await self.store.generators_with_args(limit):
            try:
                started += await self._run_generator(generator, now)
            except Exception:
                log.exception("generator %s (%s) failed", generator.name, generator.generatorid)
        return started
