"""The event bus's cost per process, by the number of executor sessions in a
colony: prints figures, asserts nothing.

Each process publishes three events (submitted, assigned, succeeded) into a
bus with S sessions, each session watching the processes it runs. Two ways
of watching are timed: a subscription to the whole colony filtered by the
session (as executor sessions watched before), and a tracking subscription
(as they watch now: offered the events of their own processes only).

    python bench/event_bus.py [--processes 6000] [--sessions 1 10 100 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pycolonies_like.core.models import (
    Event,
    EventKind,
    FuncSpec,
    Process,
    ProcessState,
    assemble,
)
from server.hub import EventBus

OVER = (EventKind.CANCELLED, EventKind.RETRIED, EventKind.FAILED, EventKind.SUCCEEDED)


def event(kind: EventKind, processid: str, process: Process) -> Event:
    return assemble(Event, {
        "kind": kind, "colonyname": "dev", "processid": processid, "processgraphid": "",
        "executortype": "t", "state": process.state, "timestamp": 0, "process": process,
        "processgraph": None, "message": "", "attempt": 1,
    })  # fmt: skip


def cost(lives: list[list[Event]], sessions: int, tracking: bool) -> float:
    """Seconds of the bus per process (the median of three runs, each on a
    bus of its own)."""
    return statistics.median(once(lives, sessions, tracking) for _ in range(3))


def once(lives: list[list[Event]], sessions: int, tracking: bool) -> float:
    bus = EventBus()
    watching = []
    for _ in range(sessions):
        inflight: dict[str, int] = {}

        def over(e: Event, inflight: dict[str, int] = inflight) -> bool:
            return e.processid in inflight and e.kind in OVER

        watching.append((bus.subscribe("dev", over, tracking=tracking), inflight))

    def run() -> None:
        for i, (submitted, assigned, ended) in enumerate(lives):
            bus.publish(submitted)
            sid, inflight = watching[i % sessions]
            bus.publish(assigned)
            inflight[assigned.processid] = 1
            if tracking:
                bus.track(sid, assigned.processid)
            bus.publish(ended)
            bus.queue(sid).get_nowait()
            del inflight[assigned.processid]
            if tracking:
                bus.untrack(sid, assigned.processid)

    return timeit.timeit(run, number=1) / len(lives)


async def main(args: argparse.Namespace) -> None:
    process = Process(processid="p", spec=FuncSpec(funcname="f"), state=ProcessState.RUNNING)
    kinds = (EventKind.SUBMITTED, EventKind.ASSIGNED, EventKind.SUCCEEDED)
    lives = [[event(k, f"p{i}", process) for k in kinds] for i in range(args.processes)]
    for sessions in args.sessions:
        whole = cost(lives, sessions, tracking=False)
        tracked = cost(lives, sessions, tracking=True)
        print(f"{sessions:5d} sessions: {whole * 1e6:7.1f} us per process watching the colony, "
              f"{tracked * 1e6:7.1f} us tracking")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=6000)
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 100, 1000])
    asyncio.run(main(parser.parse_args()))
