"""What the store's calls return: plain frozen records (store/base.py's Protocol
names them; they are imported from there too)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pycolonies_like.core.models import LogEntry, Process, ProcessGraph, ProcessState


@dataclass(frozen=True)
class Member:
    """Who a signer is inside a colony."""

    kind: str  # "executor" or "user"
    name: str
    approved: bool
    executortype: str = ""
    pending: bool = False  # an executor waiting for approval (not a rejected one)
    locationname: str = ""
    capabilities: str = ""  # an executor's, as JSON ("" when it declared none)


@dataclass(frozen=True)
class ProcessBrief:
    """The few columns needed to authorize a call on a process (no JSON to parse)."""

    processid: str
    colonyname: str
    state: ProcessState
    assignedexecutorid: str
    assignedexecutorname: str
    attempt: int
    processgraphid: str
    initiatorid: str


@dataclass(frozen=True)
class FinishResult:
    """What closing (or failing, or cancelling) a process changed."""

    process: Process
    # Processes that became assignable because of this change (workflow children).
    released: list[Process] = field(default_factory=list)
    # Processes of the same graph that ended as a consequence (failed/cancelled).
    ended: list[Process] = field(default_factory=list)
    # The graph, when its state changed.
    graph: ProcessGraph | None = None


@dataclass(frozen=True)
class Requeued:
    """A process put back in the queue, or failed for good, by the sweeper."""

    result: FinishResult
    requeued: bool


@dataclass(frozen=True)
class LogPage:
    entries: list[LogEntry]
    more: bool  # stopped at the byte budget, before `count`
