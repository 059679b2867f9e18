"""How a workflow moves on when one of its processes ends. Pure functions.

The store walks the graph and changes rows; what a released child receives
and why the descendants of a failed or cancelled process end is decided here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pycolonies_like.core.models import Process, ProcessState


def child_input(parents: Sequence[str], outputs: Mapping[str, Sequence[Any]]) -> list[Any]:
    """The input of a child whose parents have all succeeded: their outputs
    joined in the order of its parents (a parent without output adds nothing)."""
    return [value for parentid in parents for value in outputs.get(parentid, ())]


def descendant_end(
    processid: str, state: ProcessState, nodename: str = ""
) -> tuple[ProcessState, str]:
    """How the waiting descendants of a process that ended in `state` end: the
    state they take and the error users see on them, naming the process by its
    node name when it has one (and the first 16 characters of its id, which the
    CLI takes as a prefix). A success ends none."""
    named = f"{nodename!r} (process {processid[:16]})" if nodename else f"process {processid}"
    if state == ProcessState.FAILED:
        return ProcessState.FAILED, f"not run: {named} failed"
    if state == ProcessState.CANCELLED:
        return ProcessState.CANCELLED, f"cancelled with {named}"
    raise ValueError(f"a process that ended {state.name} does not end its descendants")


@dataclass(frozen=True)
class Rerun:
    """A process of an ended workflow that runs again: queued at once with
    `input` when every parent it has succeeded, else waiting for them."""

    processid: str
    ready: bool
    input: list[Any]


def plan_rerun(processes: Sequence[Process]) -> list[Rerun]:
    """What rerunning a failed or cancelled workflow from its failures does:
    its failed and cancelled processes (those that failed, and those that never
    ran because an ancestor did) run again; the successful ones keep their
    outputs, which their children receive as input again, as on a first run.
    A root keeps the input it was submitted with."""
    outputs = {p.processid: p.output for p in processes if p.state == ProcessState.SUCCESSFUL}
    plan = []
    for p in processes:
        if p.state not in (ProcessState.FAILED, ProcessState.CANCELLED):
            continue
        if not p.parents:
            plan.append(Rerun(p.processid, True, list(p.input)))
        elif all(parent in outputs for parent in p.parents):
            plan.append(Rerun(p.processid, True, child_input(p.parents, outputs)))
        else:
            plan.append(Rerun(p.processid, False, []))
    return plan
