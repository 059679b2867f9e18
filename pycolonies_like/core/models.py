"""Domain objects, shared by the SDK and the server.

Field names follow ColonyOS (and so the published pycolonies client): a
process is read as `p.processid` or `p["processid"]`, its input and output as
`p.input` / `p["in"]` and `p.output` / `p["out"]`. Times are Unix nanoseconds,
0 meaning "not set".

Specs that users build (`FuncSpec`, `Conditions`, `Workflow`) are mutable, as in
pycolonies; objects the server returns are frozen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, TypeVar

# Objects of their own modules, importable from here too.
from pycolonies_like.core.blueprints import (
    Blueprint as Blueprint,
)
from pycolonies_like.core.blueprints import (
    BlueprintDefinition as BlueprintDefinition,
)
from pycolonies_like.core.blueprints import (
    BlueprintDefinitionSpec as BlueprintDefinitionSpec,
)
from pycolonies_like.core.blueprints import (
    BlueprintHandler as BlueprintHandler,
)
from pycolonies_like.core.blueprints import (
    BlueprintHistory as BlueprintHistory,
)
from pycolonies_like.core.blueprints import (
    BlueprintMetadata as BlueprintMetadata,
)
from pycolonies_like.core.blueprints import (
    BlueprintNames as BlueprintNames,
)
from pycolonies_like.core.blueprints import (
    Location as Location,
)
from pycolonies_like.core.colonyfs import (
    ConflictResolution as ConflictResolution,
)
from pycolonies_like.core.colonyfs import (
    File as File,
)
from pycolonies_like.core.colonyfs import (
    FileData as FileData,
)
from pycolonies_like.core.colonyfs import (
    FileLabel as FileLabel,
)
from pycolonies_like.core.colonyfs import (
    FileRef as FileRef,
)
from pycolonies_like.core.colonyfs import (
    Filesystem as Filesystem,
)
from pycolonies_like.core.colonyfs import (
    OnClose as OnClose,
)
from pycolonies_like.core.colonyfs import (
    OnStart as OnStart,
)
from pycolonies_like.core.colonyfs import (
    S3Object as S3Object,
)
from pycolonies_like.core.colonyfs import (
    Snapshot as Snapshot,
)
from pycolonies_like.core.colonyfs import (
    SnapshotMount as SnapshotMount,
)
from pycolonies_like.core.colonyfs import (
    SyncDirMount as SyncDirMount,
)
from pycolonies_like.core.subscriptable import Subscriptable as Subscriptable

_Frozen = TypeVar("_Frozen")


def assemble(cls: type[_Frozen], values: dict[str, Any]) -> _Frozen:
    """An object of a frozen model from the values of all its fields: what
    `cls(**values)` makes, without the generated constructor, which sets each
    field through `object.__setattr__` (several microseconds for a Process; the
    server builds objects like this on every claim and end). `values` must name
    every field: no default is filled in."""
    obj = object.__new__(cls)
    obj.__dict__.update(values)
    return obj


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


# ------------------------------------------------------------------ specs --


@dataclass
class GPU(Subscriptable):
    """GPUs asked for (in Conditions) or present (in an executor's Hardware)."""

    name: str = ""
    mem: str = ""  # per GPU, a quantity such as "40Gi"
    count: int = 0
    nodecount: int = 0


@dataclass
class Conditions(Subscriptable):
    """Who may run a process, and what it needs. Quantities are text as
    ColonyOS writes them (cpu "4" or "4000m", mem and storage "16Gi"), kept as
    given; core/requirements.py reads them."""

    colonyname: str = ""
    executortype: str = ""
    executornames: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    locationname: str = ""
    nodes: int = 0
    cpu: str = ""
    processes: int = 0
    processespernode: int = 0
    mem: str = ""
    storage: str = ""
    gpu: GPU = field(default_factory=GPU)
    walltime: int = 0

    def __post_init__(self) -> None:
        # pycolonies sends None for "no names"; normalise once, here.
        if self.executornames is None:
            self.executornames = []
        if self.dependencies is None:
            self.dependencies = []
        if self.gpu is None:
            self.gpu = GPU()
        elif isinstance(self.gpu, dict):
            self.gpu = GPU(**self.gpu)


@dataclass
class Concurrency(Subscriptable):
    """At most `limit` processes with the same key run at once, across servers.

    The key is `key` itself, or (with `kwarg`) the name and value of that
    keyword argument, e.g. kwarg="customer_id" -> "customer_id=42". What a
    process beyond the limit does is the strategy: "queue" (wait its turn, in
    priority order), "cancel_newest" (a process submitted while the limit is
    reached is cancelled) or "cancel_in_progress" (it cancels the oldest
    running ones to start in their place)."""

    key: str = ""
    kwarg: str = ""
    limit: int = 0
    strategy: str = "queue"


@dataclass
class FairWeight(Subscriptable):
    """A submitter (a user or executor of the colony, by name; `kind` "user" or
    "executor") whose weight in the colony's fair order is not the default 1:
    it gets `weight` times the share of claims of a submitter of weight 1."""

    name: str = ""
    kind: str = ""
    weight: int = 1


@dataclass
class RateLimit(Subscriptable):
    """A named budget of process starts in a colony: `rate` per `unit`
    ("second" or "minute"), at most `burst` at once (a token bucket shared by
    every server). A process whose spec names it (`ratelimit`) takes
    `ratelimitunits` tokens when it starts; without enough it waits until they
    are due. `tokens` is the budget left when the limit was read."""

    colonyname: str = ""
    name: str = ""
    rate: int = 0
    unit: str = "second"
    burst: int = 0
    tokens: float = 0.0


@dataclass
class RetryPolicy(Subscriptable):
    """How a process that fails is retried (each retry is a new attempt).

    Without a policy a failed process stays failed, and `maxretries` counts
    requeues after exec timeouts, as in ColonyOS. With one, a failure is
    retried up to `maxretries` times (-1: for ever), the n-th retry waiting
    initialinterval * backoffcoefficient**(n-1) seconds, at most
    maximuminterval, give or take `jitter` (a fraction of it); a failure whose
    kind (the text of its first error up to the first ':') is listed in
    `nonretryableerrors`, or is "NonRetryable", is final."""

    maxretries: int = 3
    initialinterval: float = 1.0
    backoffcoefficient: float = 2.0
    maximuminterval: float = 100.0
    jitter: float = 0.0
    nonretryableerrors: list[str] = field(default_factory=list)


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
    retrypolicy: RetryPolicy | None = None
    # Channels the process gets: live messages between its submitter and its executor.
    channels: list[str] = field(default_factory=list)
    concurrency: Concurrency = field(default_factory=Concurrency)
    # ColonyFS mounts, honoured by the executor runtime (ColonyOS' `fs`).
    fs: Filesystem = field(default_factory=Filesystem)
    # A rate limit of the colony each start of the process takes units of (0: 1).
    ratelimit: str = ""
    ratelimitunits: int = 0

    def __post_init__(self) -> None:
        if self.fs is None:
            self.fs = Filesystem()
        elif isinstance(self.fs, dict):
            self.fs = Filesystem.from_dict(self.fs)
        if isinstance(self.retrypolicy, dict):
            self.retrypolicy = RetryPolicy(**self.retrypolicy)
        if self.channels is None:
            self.channels = []
        if self.args is None:
            self.args = []
        if self.kwargs is None:
            self.kwargs = {}
        if self.env is None:
            self.env = {}
        if isinstance(self.conditions, dict):
            self.conditions = Conditions(**self.conditions)
        if self.concurrency is None:
            self.concurrency = Concurrency()
        elif isinstance(self.concurrency, dict):
            self.concurrency = Concurrency(**self.concurrency)


@dataclass
class Workflow(Subscriptable):
    colonyname: str = ""
    functionspecs: list[FuncSpec] = field(default_factory=list)


WorkflowSpec = Workflow

# ---------------------------------------------------------------- objects --


@dataclass(frozen=True)
class Colony(Subscriptable):
    colonyid: str
    name: str
    # Assignment is paused for the whole colony, or for these executor types:
    # nothing new starts there; what already runs goes on.
    paused: bool = False
    pausedtypes: tuple[str, ...] = ()
    # Seconds finished processes and workflows are kept; 0: for ever.
    retention: int = 0

    def assignment_paused(self, executortype: str) -> bool:
        return self.paused or executortype in self.pausedtypes


@dataclass(frozen=True)
class Hardware(Subscriptable):
    """One machine (or a group of `nodes` alike) an executor runs on."""

    model: str = ""
    nodes: int = 0  # 0 means one
    cpu: str = ""  # a quantity: "8" or "8000m"
    cores: int = 0
    mem: str = ""  # a quantity: "32Gi"
    storage: str = ""
    gpu: GPU = field(default_factory=GPU)
    platform: str = ""
    architecture: str = ""
    network: tuple[str, ...] = ()


@dataclass(frozen=True)
class Software(Subscriptable):
    name: str = ""
    type: str = ""
    version: str = ""


@dataclass(frozen=True)
class Capabilities(Subscriptable):
    """What an executor has; a process' conditions are matched against it."""

    hardware: tuple[Hardware, ...] = ()
    software: tuple[Software, ...] = ()


@dataclass(frozen=True)
class Executor(Subscriptable):
    executorid: str
    executortype: str
    executorname: str
    colonyname: str
    state: ExecutorState = ExecutorState.PENDING
    commissiontime: int = 0
    lastheardfromtime: int = 0
    locationname: str = ""
    capabilities: Capabilities = field(default_factory=Capabilities)
    # Worked out by the server when it is read (never stored): heard from once,
    # then nothing (no poll, session renewal or heartbeat) for twice the lease
    # timeout. It stays approved; its running work follows its leases.
    silent: bool = False


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
class AttemptRecord(Subscriptable):
    """One past attempt of a process: who ran it, when, and how it ended
    (`outcome`: failed, maxexectime, lease (its executor went silent),
    unconfirmed (never confirmed by its executor), released, cancelled, rerun)."""

    attempt: int
    executorname: str = ""
    starttime: int = 0
    endtime: int = 0
    outcome: str = ""
    errors: tuple[str, ...] = ()


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
    input: list[Any] = field(default_factory=list, metadata={"key": "in"})
    output: list[Any] = field(default_factory=list, metadata={"key": "out"})
    errors: tuple[str, ...] = ()
    # Past attempts, oldest first; and when a waiting process may run (0: now).
    history: tuple[AttemptRecord, ...] = ()
    notbefore: int = 0

    derived_keys = ("isassigned",)

    @property
    def isassigned(self) -> bool:
        return bool(self.assignedexecutorid)

    @property
    def colonyname(self) -> str:
        return self.spec.conditions.colonyname


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


class ChannelEntryType:
    """The kinds of channel entries: data, the end of the stream, an error."""

    DATA = "data"
    END = "end"
    ERROR = "error"
    ALL = (DATA, END, ERROR)


@dataclass(frozen=True)
class ChannelEntry(Subscriptable):
    """One message on a channel of a process (ColonyOS' MsgEntry). `sequence` is
    the sender's own number (unique per sender); `index` is the entry's place
    in the channel, from 1 (reads resume after an index)."""

    sequence: int
    senderid: str
    payload: bytes = b""
    type: str = ChannelEntryType.DATA
    inreplyto: int = 0
    timestamp: int = 0
    error: str = ""
    index: int = 0


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
