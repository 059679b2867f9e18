"""Codec micro-benchmark: prints figures, asserts nothing.

Times the conversions a process goes through on every lifecycle step: to and
from protobuf (both SDK and gRPC transport), the ColonyOS JSON of the gateway,
and the model's own dict form (the store's JSON).

    python bench/codecs.py [--number 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pycolonies_like import convert
from pycolonies_like.core.models import (
    Attribute,
    Conditions,
    FuncSpec,
    Process,
    ProcessState,
)
from server.transport import colonyos_json as cj


def sample_process() -> Process:
    spec = FuncSpec(
        nodename="step",
        funcname="echo",
        args=["hello", 1, 2.5, {"k": [1, 2]}],
        kwargs={"x": 1, "y": "two"},
        priority=3,
        maxwaittime=60,
        maxexectime=30,
        maxretries=2,
        conditions=Conditions(colonyname="dev", executortype="shell", executornames=["e1"]),
        label="bench",
        env={"A": "1"},
    )
    return Process(
        processid="a" * 64,
        spec=spec,
        initiatorid="b" * 64,
        initiatorname="user",
        assignedexecutorid="c" * 64,
        assignedexecutorname="exec",
        state=ProcessState.RUNNING,
        prioritytime=1_700_000_000_000_000_000,
        submissiontime=1_700_000_000_000_000_000,
        starttime=1_700_000_001_000_000_000,
        waitdeadline=1_700_000_060_000_000_000,
        execdeadline=1_700_000_031_000_000_000,
        retries=1,
        attempt=2,
        attributes=(Attribute("d" * 64, "a" * 64, "dev", "", 1, "k", "v"),),
        parents=("e" * 64,),
        children=("f" * 64,),
        processgraphid="g" * 64,
        input=[["parent output"]],
        output=["result", 42],
        errors=(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    process = sample_process()
    message = convert.process_to_pb(process)
    data = process.to_dict()
    cases: dict[str, Callable[[], Any]] = {
        "process_to_pb": lambda: convert.process_to_pb(process),
        "process_from_pb": lambda: convert.process_from_pb(message),
        "process_json (ColonyOS)": lambda: cj.process_json(process),
        "Process.to_dict": lambda: process.to_dict(),
        "FuncSpec.from_dict": lambda: FuncSpec.from_dict(data["spec"]),
    }
    if hasattr(Process, "from_dict"):
        cases["Process.from_dict"] = lambda: Process.from_dict(data)  # type: ignore[attr-defined]
    for name, call in cases.items():
        best = min(timeit.repeat(call, number=args.number, repeat=args.repeat))
        print(f"{name:26} {best / args.number * 1e6:8.2f} us")


if __name__ == "__main__":
    main()
