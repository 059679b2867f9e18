"""Rows <-> domain objects, by column name, for every SQL dialect.

Each table has one column list: SELECTs name it, INSERTs are built from it,
and rows are read by those names. Where a table's columns are exactly a
model's fields, the list is the model's own field list. Specs and workflows
are stored as the JSON of the model's own `to_dict()` / `from_dict()`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from pycolonies_like.core.flow import key_of, units_of
from pycolonies_like.core.models import (
    AttemptRecord,
    Attribute,
    Capabilities,
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
    ProcessGraph,
    ProcessState,
    User,
    Workflow,
    assemble,
)
from pycolonies_like.core.rules import encode_json
from server.store.db import Row


def _fields(model: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(model))


def select(columns: Sequence[str], alias: str = "") -> str:
    """A select list: `a, b` or, with an alias, `p.a, p.b`."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + c for c in columns)


def insert(table: str, columns: Sequence[str]) -> str:
    """An INSERT of `columns` with named placeholders, for a dict of values."""
    named = ", ".join(f":{c}" for c in columns)
    return f"INSERT INTO {table} ({select(columns)}) VALUES ({named})"


def dump_list(value: Sequence[Any]) -> str:
    return encode_json(list(value)) if value else ""


def load_list(text: str) -> list[Any]:
    return json.loads(text) if text else []


# ---------------------------------------------------------------- specs --


# Resource conditions are stored only when asked for: most specs ask for none.
_CONDITIONS_ALWAYS = ("colonyname", "executortype", "executornames", "dependencies")
_CONDITIONS_UNSET = Conditions().to_dict()


def spec_json(spec: FuncSpec) -> str:
    data = spec.to_dict()
    if data.get("retrypolicy") is None:
        del data["retrypolicy"]  # specs without one are stored as they always were
    data["conditions"] = {
        k: v for k, v in data["conditions"].items()
        if k in _CONDITIONS_ALWAYS or v != _CONDITIONS_UNSET[k]
    }  # fmt: skip
    return encode_json(data)


def spec_from_json(text: str) -> FuncSpec:
    return FuncSpec.from_dict(json.loads(text))


def workflow_json(workflow: Workflow) -> str:
    return encode_json(workflow.to_dict())


def workflow_from_json(text: str) -> Workflow:
    return Workflow.from_dict(json.loads(text))


# ------------------------------------------------------------ processes --

# What is read back. nattributes only tells whether attributes must be loaded.
PROCESS = (
    "processid", "state", "initiatorid", "initiatorname", "assignedexecutorid",
    "assignedexecutorname", "attempt", "retries", "prioritytime", "submissiontime", "starttime",
    "endtime", "waitdeadline", "execdeadline", "spec", "input", "output", "errors",
    "processgraphid", "waitforparents", "parents", "children", "nattributes", "history",
    "notbefore",
)  # fmt: skip

# What is written: the spec's columns the queries filter on, then the rest.
PROCESS_INSERT = (
    "processid", "colonyname", "executortype", "funcname", "label", "state", "initiatorid",
    "initiatorname", "assignedexecutorid", "assignedexecutorname", "attempt", "retries",
    "priority", "maxwaittime", "maxexectime", "maxretries", "prioritytime", "submissiontime",
    "starttime", "endtime", "waitdeadline", "execdeadline", "spec", "input", "output", "errors",
    "processgraphid", "waitforparents", "parents", "children", "graphpos", "pendingparents",
    "idempotencykey", "history", "notbefore", "concurrencykey", "concurrencylimit",
    "ratelimit", "ratelimitunits",
)  # fmt: skip


def process_values(
    p: Process, *, graphpos: int = 0, pendingparents: int = 0, idempotencykey: str | None = None
) -> dict[str, Any]:
    """The values of PROCESS_INSERT."""
    s = p.spec
    return {
        "processid": p.processid,
        "colonyname": s.conditions.colonyname,
        "executortype": s.conditions.executortype,
        "funcname": s.funcname,
        "label": s.label,
        "state": int(p.state),
        "initiatorid": p.initiatorid,
        "initiatorname": p.initiatorname,
        "assignedexecutorid": p.assignedexecutorid,
        "assignedexecutorname": p.assignedexecutorname,
        "attempt": p.attempt,
        "retries": p.retries,
        "priority": s.priority,
        "maxwaittime": s.maxwaittime,
        "maxexectime": s.maxexectime,
        "maxretries": s.maxretries,
        "prioritytime": p.prioritytime,
        "submissiontime": p.submissiontime,
        "starttime": p.starttime,
        "endtime": p.endtime,
        "waitdeadline": p.waitdeadline,
        "execdeadline": p.execdeadline,
        "spec": spec_json(s),
        "input": dump_list(p.input),
        "output": dump_list(p.output),
        "errors": dump_list(p.errors),
        "processgraphid": p.processgraphid,
        "waitforparents": int(p.waitforparents),
        "parents": dump_list(p.parents),
        "children": dump_list(p.children),
        "graphpos": graphpos,
        "pendingparents": pendingparents,
        "idempotencykey": idempotencykey,
        "history": history_json(p.history),
        "notbefore": p.notbefore,
        "concurrencykey": key_of(s),
        "concurrencylimit": s.concurrency.limit if key_of(s) else 0,
        "ratelimit": s.ratelimit,
        "ratelimitunits": units_of(s),
    }


def history_json(history: Sequence[AttemptRecord]) -> str:
    return encode_json([h.to_dict() for h in history]) if history else ""


def history_from_json(text: str) -> tuple[AttemptRecord, ...]:
    return tuple(AttemptRecord.from_dict(h) for h in json.loads(text)) if text else ()


_STATES = {int(s): s for s in ProcessState}  # by value; any other (staged: -1) is a KeyError


def process_from_row(
    row: Row, attributes: Sequence[Attribute] = (), spec: FuncSpec | None = None
) -> Process:
    """The process of a row. `spec`: its spec, parsed from this row's text
    already (ParsedSpecs); else the text is parsed here."""
    # Every field, in one dict (models.assemble): a process is read on every
    # claim and every end, and the frozen constructor costs more than the rest.
    if type(row) is not dict:
        # A sqlite3.Row finds a column by name by comparing it with each name
        # in turn: made a dict first, its columns are found at once.
        row = dict(zip(row.keys(), row, strict=True))  # type: ignore[attr-defined, call-overload]
    inp, out, errors = row["input"], row["output"], row["errors"]
    parents, children, history = row["parents"], row["children"], row["history"]
    return assemble(
        Process,
        {
            "processid": row["processid"],
            "spec": spec_from_json(row["spec"]) if spec is None else spec,
            "initiatorid": row["initiatorid"],
            "initiatorname": row["initiatorname"],
            "assignedexecutorid": row["assignedexecutorid"],
            "assignedexecutorname": row["assignedexecutorname"],
            "state": _STATES[row["state"]],
            "prioritytime": row["prioritytime"],
            "submissiontime": row["submissiontime"],
            "starttime": row["starttime"],
            "endtime": row["endtime"],
            "waitdeadline": row["waitdeadline"],
            "execdeadline": row["execdeadline"],
            "retries": row["retries"],
            "attempt": row["attempt"],
            "attributes": tuple(attributes),
            "waitforparents": bool(row["waitforparents"]),
            "parents": tuple(json.loads(parents)) if parents else (),
            "children": tuple(json.loads(children)) if children else (),
            "processgraphid": row["processgraphid"],
            "input": json.loads(inp) if inp else [],
            "output": json.loads(out) if out else [],
            "errors": tuple(json.loads(errors)) if errors else (),
            "history": history_from_json(history) if history else (),
            "notbefore": row["notbefore"],
        },
    )


class ParsedSpecs:
    """The specs of processes written or read lately, by process id, with the
    text each was written as or parsed from: a process read again soon
    (submitted, then claimed, then ended) has its spec's JSON parsed at most
    once. An entry is used only for the same text, and once; past `size`
    entries or `max_chars` of their texts the oldest are dropped."""

    # A spec longer than this is not kept: parsing it again is cheap beside
    # the rest of its trip, and its objects weigh several times its text.
    MAX_KEPT = 16 * 1024

    def __init__(self, size: int = 4096, max_chars: int = 16 * 2**20) -> None:
        self.size = size
        self.max_chars = max_chars
        self._found: dict[str, tuple[str, FuncSpec]] = {}
        self._chars = 0

    def keep(self, process: Process, text: str) -> None:
        if len(text) > self.MAX_KEPT:
            return
        found = self._found
        old = found.pop(process.processid, None)
        if old is not None:
            self._chars -= len(old[0])
        found[process.processid] = (text, process.spec)
        self._chars += len(text)
        while len(found) > self.size or self._chars > self.max_chars:
            self._chars -= len(found.pop(next(iter(found)))[0])

    def take(self, row: Row) -> FuncSpec | None:
        """The spec of the row's process, if kept from the same text."""
        found = self._found.pop(row["processid"], None)
        if found is None:
            return None
        self._chars -= len(found[0])
        return found[1] if found[0] == row["spec"] else None

    def __len__(self) -> int:
        return len(self._found)


# ---------------------------------------------- tables that mirror a model --

# The colonies table; a colony's pauses are rows of their own (pauses).
COLONY = ("colonyid", "name", "retention")
EXECUTOR = tuple(c for c in _fields(Executor) if c != "silent")  # silent: worked out
USER = _fields(User)
FUNCTION = _fields(Function)
ATTRIBUTE = _fields(Attribute)
LOG = _fields(LogEntry)
# The running statistics of a function: what finishing a process rewrites.
FUNCTION_STATS = ("counter", "minwaittime", "maxwaittime", "minexectime", "maxexectime",
                  "avgwaittime", "avgexectime")  # fmt: skip


def values(obj: Any, columns: Sequence[str]) -> dict[str, Any]:
    """The values of `columns` taken from the fields of the same names
    (flags and enums stored as integers)."""
    found = {c: getattr(obj, c) for c in columns}
    for c, v in found.items():
        if isinstance(v, (bool, IntEnum)):
            found[c] = int(v)
    return found


def colony_from_row(row: Row, pausedtypes: Sequence[str] = ()) -> Colony:
    """A colony with its pauses ('' in `pausedtypes`: the whole colony)."""
    types = tuple(sorted(t for t in pausedtypes if t))
    return Colony(**{c: row[c] for c in COLONY}, paused="" in pausedtypes, pausedtypes=types)


def executor_values(e: Executor) -> dict[str, Any]:
    """The values of EXECUTOR (capabilities as JSON, "" when there are none)."""
    found = values(e, [c for c in EXECUTOR if c != "capabilities"])
    caps = e.capabilities
    found["capabilities"] = encode_json(caps.to_dict()) if caps.hardware or caps.software else ""
    return found


def executor_from_row(row: Row) -> Executor:
    found = {c: row[c] for c in EXECUTOR}
    found["state"] = ExecutorState(found["state"])
    text = found["capabilities"]
    found["capabilities"] = Capabilities.from_dict(json.loads(text)) if text else Capabilities()
    return Executor(**found)


def user_from_row(row: Row) -> User:
    return User(**{c: row[c] for c in USER})


def function_from_row(row: Row) -> Function:
    return Function(**{c: row[c] for c in FUNCTION})


def attribute_from_row(row: Row) -> Attribute:
    return Attribute(**{c: row[c] for c in ATTRIBUTE})


def log_from_row(row: Row) -> LogEntry:
    return LogEntry(**{c: row[c] for c in LOG})


# --------------------------------------------------------------- graphs --

GRAPH = (
    "processgraphid", "colonyname", "initiatorid", "initiatorname", "rootprocessids", "state",
    "submissiontime", "starttime", "endtime",
)  # fmt: skip
GRAPH_INSERT = (*GRAPH, "nprocesses")


def graph_values(g: ProcessGraph, nprocesses: int) -> dict[str, Any]:
    found = values(g, GRAPH)
    found.update(rootprocessids=dump_list(g.rootprocessids), nprocesses=nprocesses)
    return found


def graph_from_row(row: Row, processids: Sequence[str]) -> ProcessGraph:
    return ProcessGraph(
        processgraphid=row["processgraphid"],
        colonyname=row["colonyname"],
        initiatorid=row["initiatorid"],
        initiatorname=row["initiatorname"],
        rootprocessids=tuple(load_list(row["rootprocessids"])),
        state=ProcessState(row["state"]),
        submissiontime=row["submissiontime"],
        starttime=row["starttime"],
        endtime=row["endtime"],
        processids=tuple(processids),
    )


# ---------------------------------------------------- crons, generators --

CRON = _fields(Cron)


def cron_values(c: Cron) -> dict[str, Any]:
    found = values(c, CRON)
    found["workflowspec"] = workflow_json(c.workflowspec)
    return found


def cron_from_row(row: Row) -> Cron:
    found = {c: row[c] for c in CRON}
    found.update(
        workflowspec=workflow_from_json(found["workflowspec"]),
        random=bool(found["random"]),
        waitforprevprocessgraph=bool(found["waitforprevprocessgraph"]),
    )
    return Cron(**found)


# queuesize is not a column: it is counted from the generator's packed arguments.
GENERATOR = tuple(c for c in _fields(Generator) if c != "queuesize")


def generator_values(g: Generator) -> dict[str, Any]:
    found = values(g, GENERATOR)
    found["workflowspec"] = workflow_json(g.workflowspec)
    return found


def generator_from_row(row: Row, queuesize: int = 0) -> Generator:
    found = {c: row[c] for c in GENERATOR}
    found["workflowspec"] = workflow_from_json(found["workflowspec"])
    return Generator(**found, queuesize=queuesize)
