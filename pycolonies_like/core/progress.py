"""How a workflow moves on when one of its processes ends. Pure functions.

The store walks the graph and changes rows; what a released child receives
and why the descendants of a failed or cancelled process end is decided here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pycolonies_like.core.models import ProcessState


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
