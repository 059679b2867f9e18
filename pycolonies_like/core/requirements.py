"""What a process needs, what an executor has, and whether one fits the other.

A process' conditions name amounts (cpu, mem, storage, GPUs, nodes) and a
location; an executor's capabilities list its hardware. A process fits an
executor when the location matches (or none is asked for) and one hardware
entry has at least every amount asked for, and GPUs of the name asked for.
An executor that declares no hardware runs only processes that ask for none.

`Requirement.key` names the requirement's shape: processes with equal needs
share a key, and the store queues them under it, so a claim looks only at the
shapes the executor fits (server/store/queue.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import astuple, dataclass, fields
from functools import cached_property

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.models import (
    Capabilities,
    Conditions,
    Executor,
    ExecutorState,
    Hardware,
    Process,
    ProcessState,
)
from pycolonies_like.core.quantities import bytes_text, cpu_text, parse_quantity


@dataclass(frozen=True)
class Amounts:
    """Amounts in plain units: millicores, bytes, counts; names lower case."""

    cpu: int = 0
    mem: int = 0
    storage: int = 0
    gpus: int = 0
    gpumem: int = 0  # per GPU
    gpuname: str = ""
    nodes: int = 0  # in a Requirement 0 means "one"; in a Capacity at least 1


@dataclass(frozen=True)
class Requirement(Amounts):
    locationname: str = ""

    @property
    def needs_hardware(self) -> bool:
        return any(getattr(self, f.name) for f in fields(Amounts))

    @cached_property
    def key(self) -> str:
        """ "" for a process that needs nothing, else its needs as JSON text."""
        if not self.needs_hardware and not self.locationname:
            return ""
        return json.dumps(astuple(self), separators=(",", ":"))

    @classmethod
    def from_key(cls, key: str) -> Requirement:
        return cls(*json.loads(key)) if key else cls()


@dataclass(frozen=True)
class Capacity(Amounts):
    """What one hardware entry of an executor has."""


def _count(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgument(f"{what}: expected a count of 0 or more, got {value!r}")
    return value


_UNSET = ("", None)
_NOTHING = Requirement()


def requirement_of(c: Conditions) -> Requirement:
    """The needs of a process; a quantity or count that cannot be read is an
    InvalidArgument naming its field."""
    for name in ("processes", "processespernode", "walltime"):
        _count(getattr(c, name), f"conditions.{name}")
    _count(c.gpu.nodecount, "conditions.gpu.nodecount")
    nodes = _count(c.nodes, "conditions.nodes")
    gpus = _count(c.gpu.count, "conditions.gpu.count")
    if (
        nodes <= 1 and not gpus and c.cpu in _UNSET and c.mem in _UNSET
        and c.storage in _UNSET and c.gpu.mem in _UNSET and c.gpu.name == ""
        and c.locationname == ""
    ):  # fmt: skip
        return _NOTHING  # most processes ask for nothing (and the server asks often)
    return Requirement(
        cpu=parse_quantity(c.cpu, "cpu", "conditions.cpu"),
        mem=parse_quantity(c.mem, "bytes", "conditions.mem"),
        storage=parse_quantity(c.storage, "bytes", "conditions.storage"),
        gpus=gpus,
        gpumem=parse_quantity(c.gpu.mem, "bytes", "conditions.gpu.mem"),
        gpuname=c.gpu.name.strip().lower(),
        nodes=nodes if nodes > 1 else 0,
        locationname=c.locationname.strip().lower(),
    )


def capacity_of(h: Hardware, what: str = "hardware") -> Capacity:
    return Capacity(
        cpu=parse_quantity(h.cpu, "cpu", f"{what}.cpu"),
        mem=parse_quantity(h.mem, "bytes", f"{what}.mem"),
        storage=parse_quantity(h.storage, "bytes", f"{what}.storage"),
        gpus=_count(h.gpu.count, f"{what}.gpu.count"),
        gpumem=parse_quantity(h.gpu.mem, "bytes", f"{what}.gpu.mem"),
        gpuname=h.gpu.name.strip().lower(),
        nodes=max(1, _count(h.nodes, f"{what}.nodes")),
    )


# An executor describes a few machines, not a data centre.
MAX_ENTRIES = 64
MAX_TEXT = 256


def capacities_of(capabilities: Capabilities) -> list[Capacity]:
    """The capacity of each hardware entry; raises InvalidArgument, naming the
    field, for a quantity that cannot be read or a description too large."""
    for what, entries in (("hardware", capabilities.hardware),
                          ("software", capabilities.software)):  # fmt: skip
        if len(entries) > MAX_ENTRIES:
            raise InvalidArgument(
                f"capabilities.{what} has {len(entries)} entries; at most {MAX_ENTRIES}"
            )
    for i, h in enumerate(capabilities.hardware):
        texts = [h.model, h.platform, h.architecture, h.gpu.name, *h.network]
        if len(h.network) > MAX_ENTRIES or any(len(t) > MAX_TEXT for t in texts):
            raise InvalidArgument(f"capabilities.hardware[{i}] is too large")
    for i, s in enumerate(capabilities.software):
        if not s.name:
            raise InvalidArgument(f"capabilities.software[{i}].name is empty")
        if any(len(t) > MAX_TEXT for t in (s.name, s.type, s.version)):
            raise InvalidArgument(f"capabilities.software[{i}] is too large")
    return [
        capacity_of(h, f"capabilities.hardware[{i}]") for i, h in enumerate(capabilities.hardware)
    ]


def shortfalls(need: Requirement, have: Capacity) -> list[str]:
    """What `have` lacks of `need`, in words; [] when it fits."""
    lacks = []
    for what, asked, got, text in (
        ("cpu", need.cpu, have.cpu, cpu_text),
        ("mem", need.mem, have.mem, bytes_text),
        ("storage", need.storage, have.storage, bytes_text),
        ("gpu count", need.gpus, have.gpus, str),
        ("gpu mem", need.gpumem, have.gpumem, bytes_text),
        ("nodes", need.nodes, have.nodes, str),
    ):
        if asked > got:
            lacks.append(f"{what} {text(asked)} > {text(got)}")
    if need.gpuname and need.gpuname != have.gpuname:
        lacks.append(f"gpu name {need.gpuname!r} != {have.gpuname or 'none'!r}")
    return lacks


def executor_shortfalls(need: Requirement, executor: Executor) -> list[str]:
    """What an executor lacks to run a process with these needs ([] if nothing)."""
    lacks: list[str] = []
    if need.locationname and need.locationname != executor.locationname.strip().lower():
        lacks.append(f"location {need.locationname!r} != {executor.locationname or 'none'!r}")
    if need.needs_hardware:
        options = [shortfalls(need, c) for c in capacities_of(executor.capabilities)]
        closest: list[str] = min(options, key=len) if options else ["no hardware declared"]
        lacks += closest
    return lacks


def fits(need: Requirement, executor: Executor) -> bool:
    return not executor_shortfalls(need, executor)


def why_waiting(process: Process, executors: Sequence[Executor]) -> str:
    """Why a waiting process is not running yet, in one line ("" if it is not
    waiting). `executors` are those of its colony."""
    if process.state != ProcessState.WAITING:
        return ""
    if process.waitforparents:
        return "waiting for its parents to finish"
    c = process.spec.conditions
    candidates = [
        e for e in executors
        if e.executortype == c.executortype and e.state == ExecutorState.APPROVED
        and (not c.executornames or e.executorname in c.executornames)
    ]  # fmt: skip
    named = f" named {', '.join(c.executornames)}" if c.executornames else ""
    if not candidates:
        return f"no approved executor of type {c.executortype!r}{named}"
    need = requirement_of(c)
    lacking = {e.executorname: executor_shortfalls(need, e) for e in candidates}
    if all(lacking.values()):
        closest = min(lacking.items(), key=lambda item: len(item[1]))
        return (
            f"no approved executor of type {c.executortype!r}{named} satisfies its conditions "
            f"({len(candidates)} checked; closest, {closest[0]}: {'; '.join(closest[1])})"
        )
    return "queued: an executor that fits will take it when free"


def describe(need: Requirement) -> Iterator[str]:
    """The needs in words, for people."""
    for what, amount, text in (("cpu", need.cpu, cpu_text), ("mem", need.mem, bytes_text),
                               ("storage", need.storage, bytes_text)):  # fmt: skip
        if amount:
            yield f"{what} {text(amount)}"
    if need.gpus:
        yield " ".join(
            [f"{need.gpus} gpu", *([need.gpuname] if need.gpuname else []),
             *([f"of {bytes_text(need.gpumem)}"] if need.gpumem else [])]
        )  # fmt: skip
    if need.nodes:
        yield f"{need.nodes} nodes"
    if need.locationname:
        yield f"at {need.locationname}"
