"""Blueprints: declarative desired state, reconciled by executors.

The colony owner defines kinds (a `BlueprintDefinition`: the JSON Schema of
their specs, and the executor type and function that reconcile them). Members
add, change and remove blueprints of those kinds. Each new blueprint, and each
change of a spec, is a new generation with a history entry, and submits a
reconciliation process to the handler (funcname = the handler's function,
kwargs `kind`, `blueprintName` and `force` when forced). A periodic
reconciliation (kwargs `kind` only) runs as a cron per kind and location,
created with the first blueprint there and removed with the last; its id is
derived from its name, so several servers make one. Removing a blueprint
submits a `cleanup` process to the handler. The processes of a blueprint at a
location (reconcile, cleanup, and the periodic one of its kind there) ask for
that location in their conditions, so only executors registered there take
them; those of a blueprint without a location go to any handler executor.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from pycolonies_like.core.models import (
    Blueprint,
    BlueprintDefinition,
    BlueprintHistory,
    Conditions,
    Cron,
    FuncSpec,
    Process,
    Workflow,
)
from pycolonies_like.core.rules import MAX_LIST_COUNT, check_count, check_name, encode_json
from server.service.guard import AccessGuard, new_id
from server.service.processes import ProcessService
from server.service.schedules import ScheduleService
from server.store.base import Store

RECONCILE_INTERVAL_S = 60  # when a definition names none
MAX_DOCUMENT = 256 * 1024  # characters of a spec or status, as JSON
CLEANUP = "cleanup"  # the function a handler runs when a blueprint is removed


def _json_path(path: Any) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def check_schema(schema: Any) -> None:
    if schema is None:
        return
    if not isinstance(schema, dict):
        raise InvalidArgument("spec.schema must be a JSON Schema object")
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except SchemaError as err:
        raise InvalidArgument(
            f"spec.schema{_json_path(err.absolute_path)} is not a valid JSON Schema: {err.message}"
        ) from None


def check_spec(definition: BlueprintDefinition, spec: dict[str, Any]) -> None:
    """Refuses a spec that breaks the definition's schema, naming where."""
    schema = definition.spec.schema
    if schema is None:
        return
    validator = jsonschema.validators.validator_for(schema)(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(spec))
    if error is not None:
        raise InvalidArgument(
            f"spec{_json_path(error.absolute_path)}: {error.message} "
            f"(schema of kind {definition.defines!r})"
        )


def _check_document(what: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidArgument(f"{what} must be an object")
    if len(encode_json(value)) > MAX_DOCUMENT:
        raise InvalidArgument(f"{what} may have at most {MAX_DOCUMENT} characters as JSON")
    return value


def schedule_name(kind: str, locationname: str) -> str:
    return f"reconcile-{kind}" + (f"-{locationname}" if locationname else "")


def schedule_id(colonyname: str, name: str) -> str:
    return hashlib.sha256(f"{colonyname}\0{name}".encode()).hexdigest()


class BlueprintService:
    def __init__(
        self, store: Store, guard: AccessGuard, clock: Clock, processes: ProcessService,
        schedules: ScheduleService,
    ) -> None:  # fmt: skip
        self.store = store
        self.guard = guard
        self.clock = clock
        self.processes = processes
        self.schedules = schedules

    # ----------------------------------------------------------- definitions --

    async def add_definition(self, caller: str, d: BlueprintDefinition) -> BlueprintDefinition:
        colonyname = d.metadata.colonyname
        check_name("metadata.name", d.metadata.name)
        check_name("spec.names.kind", d.defines)
        handler = d.spec.handler
        if bool(handler.executortype) != bool(handler.functionname):
            raise InvalidArgument(
                "spec.handler needs both executorType and functionName (or neither)"
            )
        if handler.reconcileinterval < 0:
            raise InvalidArgument("spec.handler.reconcileInterval must not be negative")
        check_schema(d.spec.schema)
        await self.guard.colony_owner(caller, colonyname)
        now = self.clock.now_ns()
        names = dataclasses.replace(d.spec.names, kind=d.defines)
        stored = dataclasses.replace(
            d, kind=d.kind or d.defines, blueprintdefinitionid=new_id(),
            metadata=dataclasses.replace(d.metadata, created=now, updated=now),
            spec=dataclasses.replace(d.spec, names=names),
        )  # fmt: skip
        await self.store.add_blueprint_definition(stored)
        return stored

    async def _definition(self, colonyname: str, name: str) -> BlueprintDefinition:
        found = await self.store.get_blueprint_definition(colonyname, name)
        if found is None:
            raise NotFound(f"blueprint definition {name!r} does not exist in colony {colonyname!r}")
        return found

    async def _definition_of(self, colonyname: str, kind: str) -> BlueprintDefinition:
        found = await self.store.get_blueprint_definition(colonyname, kind=kind)
        if found is None:
            raise NotFound(f"no blueprint definition of kind {kind!r} in colony {colonyname!r}")
        return found

    async def get_definition(self, caller: str, colonyname: str, name: str) -> BlueprintDefinition:
        await self.guard.reader(caller, colonyname)
        return await self._definition(colonyname, name)

    async def list_definitions(self, caller: str, colonyname: str) -> list[BlueprintDefinition]:
        await self.guard.reader(caller, colonyname)
        return await self.store.list_blueprint_definitions(colonyname)

    async def remove_definition(self, caller: str, colonyname: str, name: str) -> None:
        await self.guard.colony_owner(caller, colonyname)
        if not await self.store.remove_blueprint_definition(colonyname, name):
            raise NotFound(f"blueprint definition {name!r} does not exist in colony {colonyname!r}")

    # ------------------------------------------------------------ blueprints --

    def _history(self, b: Blueprint, caller: str, change: str) -> BlueprintHistory:
        return BlueprintHistory(
            historyid=new_id(), blueprintid=b.blueprintid, kind=b.kind,
            namespace=b.metadata.colonyname, name=b.metadata.name,
            generation=b.metadata.generation, changetype=change, changedby=caller,
            timestamp=self.clock.now_ns(), spec=b.spec, status=b.status,
        )  # fmt: skip

    @staticmethod
    def _check(b: Blueprint) -> None:
        check_name("metadata.name", b.metadata.name)
        if not b.kind:
            raise InvalidArgument("kind is required")
        if b.metadata.locationname:
            check_name("metadata.locationname", b.metadata.locationname)
        _check_document("spec", b.spec)
        _check_document("status", b.status)

    async def add_blueprint(self, caller: str, b: Blueprint) -> Blueprint:
        self._check(b)
        colonyname = b.metadata.colonyname
        await self.guard.member(caller, colonyname)
        d = await self._definition_of(colonyname, b.kind)
        check_spec(d, b.spec)
        now = self.clock.now_ns()
        metadata = dataclasses.replace(
            b.metadata, generation=1, created=now, updated=now, lastreconciliationprocess="",
            lastreconciliationtime=0,
        )  # fmt: skip
        stored = Blueprint(b.kind, metadata, b.spec, b.status, blueprintid=new_id())
        await self.store.add_blueprint(stored, self._history(stored, caller, "create"), new_id())
        if d.spec.handler.executortype:
            await self._ensure_schedule(caller, d, stored.metadata.locationname)
            await self._reconcile(caller, d, stored, force=False)
        return stored

    async def _blueprint(self, colonyname: str, name: str) -> Blueprint:
        found = await self.store.get_blueprint(colonyname, name)
        if found is None:
            raise NotFound(f"blueprint {name!r} does not exist in colony {colonyname!r}")
        return found

    async def get_blueprint(self, caller: str, colonyname: str, name: str) -> Blueprint:
        await self.guard.reader(caller, colonyname)
        return await self._blueprint(colonyname, name)

    async def list_blueprints(
        self, caller: str, colonyname: str, kind: str = "", locationname: str = ""
    ) -> list[Blueprint]:
        await self.guard.reader(caller, colonyname)
        return await self.store.list_blueprints(colonyname, kind, locationname)

    async def update_blueprint(self, caller: str, b: Blueprint, force: bool = False) -> Blueprint:
        """Replaces the spec, labels and annotations (and the status, if given).
        A changed spec (or `force`) is a new generation, written to the history
        and reconciled."""
        self._check(b)
        colonyname = b.metadata.colonyname
        await self.guard.member(caller, colonyname)
        current = await self._blueprint(colonyname, b.metadata.name)
        if b.kind != current.kind:
            raise InvalidArgument(
                f"the kind of blueprint {b.metadata.name!r} is {current.kind!r}; it cannot change"
            )
        location = b.metadata.locationname or current.metadata.locationname
        if location != current.metadata.locationname:
            raise InvalidArgument(
                f"blueprint {b.metadata.name!r} is at location "
                f"{current.metadata.locationname!r}; it cannot move (remove it and add it again)"
            )
        d = await self._definition_of(colonyname, b.kind)
        check_spec(d, b.spec)
        changed = force or b.spec != current.spec
        generation = current.metadata.generation + (1 if changed else 0)
        metadata = dataclasses.replace(
            current.metadata, labels=b.metadata.labels, annotations=b.metadata.annotations,
            generation=generation, updated=self.clock.now_ns(),
        )  # fmt: skip
        new = Blueprint(current.kind, metadata, b.spec, b.status or current.status,
                        blueprintid=current.blueprintid)  # fmt: skip
        history = self._history(new, caller, "update") if changed else None
        if not await self.store.update_blueprint(new, current.metadata.generation, history):
            raise FailedPrecondition(
                f"blueprint {b.metadata.name!r} changed meanwhile; read it again and retry"
            )
        if changed and d.spec.handler.executortype:
            await self._reconcile(caller, d, new, force=force)
        return new

    async def update_status(
        self, caller: str, colonyname: str, name: str, status: Any
    ) -> Blueprint:
        """Replaces the status only (what a reconciler reports)."""
        _check_document("status", status)
        await self.guard.member(caller, colonyname)
        found = await self.store.set_blueprint_status(colonyname, name, status, self.clock.now_ns())
        if found is None:
            raise NotFound(f"blueprint {name!r} does not exist in colony {colonyname!r}")
        return found

    async def remove_blueprint(self, caller: str, colonyname: str, name: str) -> None:
        await self.guard.member(caller, colonyname)
        current = await self._blueprint(colonyname, name)
        removed = await self.store.remove_blueprint(
            colonyname, name, self._history(current, caller, "delete")
        )
        if removed is None:
            raise NotFound(f"blueprint {name!r} does not exist in colony {colonyname!r}")
        b, left = removed
        d = await self.store.get_blueprint_definition(colonyname, kind=b.kind)
        if left == 0:
            sched = schedule_name(b.kind, b.metadata.locationname)
            await self.store.remove_cron(schedule_id(colonyname, sched))
        if d is not None and d.spec.handler.executortype:
            kwargs = {"kind": b.kind, "blueprintName": b.metadata.name}
            spec = self._spec(d, CLEANUP, kwargs, "cleanup", b.metadata.locationname)
            await self.processes.submit(caller, spec)

    async def reconcile(
        self, caller: str, colonyname: str, name: str, force: bool = False
    ) -> Process:
        """Submits a reconciliation process for the blueprint now."""
        await self.guard.member(caller, colonyname)
        b = await self._blueprint(colonyname, name)
        d = await self._definition_of(colonyname, b.kind)
        if not d.spec.handler.executortype:
            raise FailedPrecondition(
                f"blueprint definition {d.metadata.name!r} names no handler: nothing reconciles "
                f"kind {b.kind!r}"
            )
        return await self._reconcile(caller, d, b, force=force)

    async def history(
        self, caller: str, blueprintid: str, limit: int = 0
    ) -> list[BlueprintHistory]:
        """The latest changes of a blueprint (also a removed one), newest first."""
        limit = check_count(limit, default=MAX_LIST_COUNT)
        found = await self.store.blueprint_history(blueprintid, limit)
        if not found:
            raise NotFound(f"blueprint {blueprintid!r} has no history")
        await self.guard.reader(caller, found[0].namespace)
        return found

    # ----------------------------------------------------------- reconciling --

    @staticmethod
    def _spec(
        d: BlueprintDefinition, funcname: str, kwargs: dict[str, Any], node: str, locationname: str
    ) -> FuncSpec:
        """A process for the handler; one at a location goes only to executors there."""
        handler = d.spec.handler
        return FuncSpec(
            nodename=f"{handler.executortype}-{node}", funcname=funcname, kwargs=kwargs,
            conditions=Conditions(colonyname=d.metadata.colonyname,
                                  executortype=handler.executortype, locationname=locationname),
        )  # fmt: skip

    async def _reconcile(
        self, caller: str, d: BlueprintDefinition, b: Blueprint, force: bool
    ) -> Process:
        fn = d.spec.handler.functionname
        kwargs: dict[str, Any] = {"kind": b.kind, "blueprintName": b.metadata.name}
        if force:
            kwargs["force"] = True
        process = await self.processes.submit(
            caller, self._spec(d, fn, kwargs, fn, b.metadata.locationname)
        )
        now = self.clock.now_ns()
        await self.store.note_reconciliation(
            b.metadata.colonyname, b.metadata.name, process.processid, now
        )
        b.metadata.lastreconciliationprocess = process.processid
        b.metadata.lastreconciliationtime = now
        return process

    async def _ensure_schedule(
        self, caller: str, d: BlueprintDefinition, locationname: str
    ) -> None:
        """The periodic reconciliation of a kind at a location: one cron."""
        colonyname, kind = d.metadata.colonyname, d.defines
        name = schedule_name(kind, locationname)
        cronid = schedule_id(colonyname, name)
        if await self.store.get_cron(cronid) is not None:
            return
        fn = d.spec.handler.functionname
        cron = Cron(
            cronid="", colonyname=colonyname, name=name,
            workflowspec=Workflow(colonyname=colonyname,
                                  functionspecs=[self._spec(d, fn, {"kind": kind}, fn,
                                                             locationname)]),
            interval=d.spec.handler.reconcileinterval or RECONCILE_INTERVAL_S,
            waitforprevprocessgraph=True,
        )  # fmt: skip
        try:
            await self.schedules.add_cron(caller, cron, cronid=cronid)
        except AlreadyExists:
            pass  # another server made it meanwhile
