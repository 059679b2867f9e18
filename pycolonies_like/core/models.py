"""Domain objects, shared by the SDK and the server.

Field names follow ColonyOS (and so the published pycolonies client): a
process is read as `p.processid` or `p["processid"]`, its input and output as
`p.input` / `p["in"]` and `p.output` / `p["out"]`. Times are Unix nanoseconds,
0 meaning "not set".

Specs that users build (`FuncSpec`, `Conditions`, `Workflow`) are mutable, as in
pycolonies; objects the server returns are frozen.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class ProcessState(IntEnum):
    WAITING = 0
    RUNNING = 1
    SUCCESSFUL = 2
    FAILED = 3
    CANCELLED = 4

    @property
    def is_final(self) -> bool:
        return self >= ProcessState.SUCCESSFUL


FINAL_STATES = (ProcessState.SUCCESSFUL, ProcessState.FAILED, ProcessState.CANCELLED)


class ExecutorState(IntEnum):
    PENDING = 0
    APPROVED = 1
    REJECTED = 2


class AttributeType(IntEnum):
    IN = 0
    OUT = 1
    ERR = 2
    ENV = 3


_ALIASES = {"in": "input", "out": "output"}


class Subscriptable:
    """Lets an object be read like the dicts pycolonies returns: `obj["name"]`."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        name = _ALIASES.get(key, key)
        if name not in self.__dataclass_fields__:  # type: ignore[attr-defined]
            raise KeyError(key)
        return getattr(self, name)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and _ALIASES.get(key, key) in self.__dataclass_fields__  # type: ignore[attr-defined]

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def keys(self) -> Iterator[str]:
        for name in self.__dataclass_fields__:  # type: ignore[attr-defined]
            yield {"input": "in", "output": "out"}.get(name, name)

    def to_dict(self) -> dict[str, Any]:
        """A plain JSON-ready dict, with ColonyOS' key names."""
        return {key: _plain(self[key]) for key in self.keys()}

    # pycolonies models are pydantic; code calling model_dump() keeps working.
    def model_dump(self, **_: Any) -> dict[str, Any]:
        return self.to_dict()


def _plain(value: Any) -> Any:
    if isinstance(value, Subscriptable):
        return value.to_dict()
    if isinstance(value, IntEnum):
        return int(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# ------------------------------------------------------------------ specs --


@dataclass
class Conditions(Subscriptable):
    colonyname: str = ""
    executortype: str = ""
    executornames: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # pycolonies sends None for "no names"; normalise once, here.
        if self.executornames is None:
            self.executornames = []
        if self.dependencies is None:
            self.dependencies = []


@dataclass
class FuncSpec(Subscriptable):
    nodename: str = ""
    funcname: str = ""
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    priority: int = 0
    maxwaittime: int = 0
    maxexectime: int = 0
    maxretries: int = 0
    conditions: Conditions = field(default_factory=Conditions)
    label: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.args is None:
            self.args = []
        if self.kwargs is None:
            self.kwargs = {}
        if self.env is None:
            self.env = {}
        if isinstance(self.conditions, dict):
            self.conditions = Conditions(**self.conditions)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FuncSpec:
        """Builds a spec from ColonyOS-style JSON; unknown keys are ignored."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        cond = values.get("conditions") or {}
        cond_known = {f.name for f in dataclasses.fields(Conditions)}
        values["conditions"] = Conditions(**{k: v for k, v in cond.items() if k in cond_known})
        return cls(**values)


@dataclass
class Workflow(Subscriptable):
    colonyname: str = ""
    functionspecs: list[FuncSpec] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Workflow:
        return cls(
            colonyname=data.get("colonyname", ""),
            functionspecs=[FuncSpec.from_dict(s) for s in data.get("functionspecs") or []],
        )


WorkflowSpec = Workflow

# ---------------------------------------------------------------- objects --


@dataclass(frozen=True)
class Colony(Subscriptable):
    colonyid: str
    name: str


@dataclass(frozen=True)
class Executor(Subscriptable):
    executorid: str
    executortype: str
    executorname: str
    colonyname: str
    state: ExecutorState = ExecutorState.PENDING
    commissiontime: int = 0
    lastheardfromtime: int = 0


@dataclass(frozen=True)
class Function(Subscriptable):
    functionid: str
    executorname: str
    executortype: str
    colonyname: str
    funcname: str
    description: str = ""
    counter: int = 0
    minwaittime: float = 0.0
    maxwaittime: float = 0.0
    minexectime: float = 0.0
    maxexectime: float = 0.0
    avgwaittime: float = 0.0
    avgexectime: float = 0.0


@dataclass(frozen=True)
class User(Subscriptable):
    colonyname: str
    userid: str
    name: str
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Attribute(Subscriptable):
    attributeid: str
    targetid: str
    targetcolonyname: str
    targetprocessgraphid: str
    attributetype: int
    key: str
    value: str


@dataclass(frozen=True)
class Process(Subscriptable):
    processid: str
    spec: FuncSpec
    initiatorid: str = ""
    initiatorname: str = ""
    assignedexecutorid: str = ""
    assignedexecutorname: str = ""
    state: ProcessState = ProcessState.WAITING
    prioritytime: int = 0
    submissiontime: int = 0
    starttime: int = 0
    endtime: int = 0
    waitdeadline: int = 0
    execdeadline: int = 0
    retries: int = 0
    attempt: int = 0
    attributes: tuple[Attribute, ...] = ()
    waitforparents: bool = False
    parents: tuple[str, ...] = ()
    children: tuple[str, ...] = ()
    processgraphid: str = ""
    input: list[Any] = field(default_factory=list)
    output: list[Any] = field(default_factory=list)
    errors: tuple[str, ...] = ()

    @property
    def isassigned(self) -> bool:
        return bool(self.assignedexecutorid)

    @property
    def colonyname(self) -> str:
        return self.spec.conditions.colonyname

    def keys(self) -> Iterator[str]:
        yield from super().keys()
        yield "isassigned"

    def __getitem__(self, key: str) -> Any:
        if key == "isassigned":
            return self.isassigned
        return super().__getitem__(key)


@dataclass(frozen=True)
class ProcessGraph(Subscriptable):
    processgraphid: str
    colonyname: str
    initiatorid: str = ""
    initiatorname: str = ""
    rootprocessids: tuple[str, ...] = ()
    state: ProcessState = ProcessState.WAITING
    submissiontime: int = 0
    starttime: int = 0
    endtime: int = 0
    processids: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogEntry(Subscriptable):
    processid: str
    colonyname: str
    executorname: str
    message: str
    timestamp: int
    seq: int = 0


@dataclass(frozen=True)
class Statistics(Subscriptable):
    colonies: int = 0
    executors: int = 0
    activeexecutors: int = 0
    waitingprocesses: int = 0
    runningprocesses: int = 0
    successfulprocesses: int = 0
    failedprocesses: int = 0
    cancelledprocesses: int = 0
    waitingworkflows: int = 0
    runningworkflows: int = 0
    successfulworkflows: int = 0
    failedworkflows: int = 0
    cancelledworkflows: int = 0


@dataclass(frozen=True)
class Cron(Subscriptable):
    cronid: str
    colonyname: str
    name: str
    workflowspec: Workflow
    cronexpression: str = ""
    interval: int = -1
    random: bool = False
    nextrun: int = 0
    lastrun: int = 0
    prevprocessgraphid: str = ""
    waitforprevprocessgraph: bool = False
    initiatorid: str = ""
    initiatorname: str = ""


@dataclass(frozen=True)
class Generator(Subscriptable):
    generatorid: str
    colonyname: str
    name: str
    workflowspec: Workflow
    trigger: int = 1
    timeout: int = 0
    lastrun: int = 0
    firstpack: int = 0
    queuesize: int = 0
    initiatorid: str = ""
    initiatorname: str = ""


class EventKind(IntEnum):
    UNSPECIFIED = 0
    SUBMITTED = 1
    ASSIGNED = 2
    SUCCEEDED = 3
    FAILED = 4
    RETRIED = 5
    CANCELLED = 6
    GRAPH_SUBMITTED = 7
    GRAPH_SUCCEEDED = 8
    GRAPH_FAILED = 9
    GRAPH_CANCELLED = 10
    CURRENT = 11
    SUBSCRIBED = 12


@dataclass(frozen=True)
class Event(Subscriptable):
    kind: EventKind
    colonyname: str
    processid: str = ""
    processgraphid: str = ""
    executortype: str = ""
    state: ProcessState = ProcessState.WAITING
    timestamp: int = 0
    process: Process | None = None
    processgraph: ProcessGraph | None = None
    message: str = ""
    attempt: int = 0  # of the process, at the time of the event
