"""Reads that a use case cannot do without: NotFound when the object is missing."""

from __future__ import annotations

from pycolonies_like.core.errors import NotFound
from pycolonies_like.core.models import Process, ProcessGraph
from server.store.base import ProcessBrief, Store


async def process(store: Store, processid: str) -> Process:
    p = await store.get_process(processid)
    if p is None:
        raise NotFound(f"process {processid!r} does not exist")
    return p


async def brief(store: Store, processid: str) -> ProcessBrief:
    p = await store.get_process_brief(processid)
    if p is None:
        raise NotFound(f"process {processid!r} does not exist")
    return p


async def graph(store: Store, processgraphid: str) -> ProcessGraph:
    g = await store.get_graph(processgraphid)
    if g is None:
        raise NotFound(f"workflow {processgraphid!r} does not exist")
    return g
