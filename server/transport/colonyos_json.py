"""Domain objects <-> the JSON shapes of ColonyOS (and so of pycolonies).

Field names, zero values and timestamp formats follow what a ColonyOS v1.9
server sends (../COLONYOS.md section 3, and the recorded exchanges). Empty
lists are sent as [] where ColonyOS sometimes sends null: pycolonies accepts
both, and [] is what a caller can iterate.

Each model's shape is a table (`Shape`) of what differs from the model's own
dict form: ColonyOS' key order, times sent as RFC 3339 text, keys ColonyOS has
and we do not model (sent with their zero values), and the few fields it has
no key for. Every other field is sent under its own key, so a field added to a
model reaches this wire with no edit here. `from_json` reads a shape back.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any, TypeVar

from pycolonies_like.core import codec
from pycolonies_like.core.codec import Mismatch, refuse
from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.fields import Source, derived_keys, encode_expr, fields_of
from pycolonies_like.core.models import (
    GPU,
    Attribute,
    AttributeType,
    Blueprint,
    BlueprintDefinition,
    BlueprintDefinitionSpec,
    BlueprintHandler,
    BlueprintHistory,
    BlueprintMetadata,
    BlueprintNames,
    Capabilities,
    ChannelEntry,
    Colony,
    Conditions,
    ConflictResolution,
    Cron,
    Executor,
    File,
    FileData,
    FileLabel,
    FileRef,
    Filesystem,
    FuncSpec,
    Function,
    Generator,
    Hardware,
    Location,
    LogEntry,
    OnClose,
    OnStart,
    Process,
    ProcessGraph,
    ProcessState,
    S3Object,
    Snapshot,
    SnapshotMount,
    Software,
    Statistics,
    SyncDirMount,
    User,
    Workflow,
)

T = TypeVar("T")
ZERO_TIME = "0001-01-01T00:00:00Z"
_EPOCH = datetime(1970, 1, 1)
_COLORS = {
    ProcessState.WAITING: "#eee8d8",
    ProcessState.RUNNING: "#4689cd",
    ProcessState.SUCCESSFUL: "#92d050",
    ProcessState.FAILED: "#cb4239",
    ProcessState.CANCELLED: "#f5a623",
}


def time_json(ns: int) -> str:
    """RFC 3339 with nanoseconds, in UTC, as Go prints it; 0 is Go's zero time."""
    if not ns:
        return ZERO_TIME
    seconds, nanos = divmod(ns, 1_000_000_000)
    text = (_EPOCH + timedelta(seconds=seconds)).isoformat()
    if nanos:
        text += "." + f"{nanos:09d}".rstrip("0")
    return text + "Z"


_TIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)")


def time_ns(text: Any) -> int:
    """Unix nanoseconds of an RFC 3339 time (the reverse of time_json)."""
    if text == ZERO_TIME:
        return 0
    found = _TIME.fullmatch(text) if isinstance(text, str) else None
    if found is None:
        raise refuse("an RFC 3339 time", text)
    whole, fraction, zone = found.groups()
    moment = datetime.fromisoformat(whole + ("+00:00" if zone == "Z" else zone))
    seconds = (moment - _EPOCH.replace(tzinfo=timezone.utc)) // timedelta(seconds=1)
    return seconds * 1_000_000_000 + int((fraction or "0").ljust(9, "0"))


# ---------------------------------------------------------------- shapes --


@dataclass
class Shape:
    """How one model looks in ColonyOS JSON, beyond its own fields."""

    model: type
    # ColonyOS' key order; fields not named follow, in field order.
    layout: tuple[str, ...] = ()
    times: frozenset[str] = frozenset()  # Unix ns sent as RFC 3339 text
    # Keys ColonyOS has and we do not model, with the zero values it sends.
    constants: Mapping[str, Any] = field(default_factory=dict)
    not_sent: Mapping[str, str] = field(default_factory=dict)  # field -> why ColonyOS lacks it
    null_if_empty: frozenset[str] = frozenset()  # sent as null, not []
    only_if_set: frozenset[str] = frozenset()  # left out when empty
    as_text: frozenset[str] = frozenset()  # nested model sent as JSON text
    added: frozenset[str] = frozenset()  # keys the caller adds from its own arguments
    # field -> (object -> the field's JSON, (JSON, the object's JSON, strict) -> dict form)
    special: Mapping[str, tuple[Callable[[Any], Any], Callable[[Any, Any, bool], Any]]] = field(
        default_factory=dict
    )

    def __post_init__(self) -> None:
        names = {f.name for f in fields_of(self.model)}
        named = set(self.times) | set(self.not_sent) | self.null_if_empty | self.only_if_set
        unknown = (named | self.as_text | set(self.special)) - names
        keys = {f.key for f in fields_of(self.model)} | set(derived_keys(self.model))
        unknown |= set(self.layout) - keys - set(self.constants)
        if unknown:
            raise TypeError(f"{self.model.__name__} has no field {sorted(unknown)}")
        # A constant ColonyOS key that became a field is sent from the field.
        self.constants = {k: v for k, v in self.constants.items() if k not in names}
        self.dropped = frozenset(self.constants) | self.added | set(derived_keys(self.model))

    @cached_property
    def read_back(self) -> bool:
        """Whether reading this shape back takes more than its model's from_dict."""
        return bool(self.times or self.special or self.as_text) or any(
            SHAPES[f.type.model].read_back for f in fields_of(self.model) if f.type.model in SHAPES
        )

    @cached_property
    def encode(self) -> Callable[[Any], dict[str, Any]]:
        """The generated encoder, built on first use (once nested shapes are known)."""
        return _compile(self)


def _compile(shape: Shape) -> Callable[[Any], dict[str, Any]]:
    src = Source(time_json=time_json, dumps=json.dumps)
    fields = {f.key: f for f in fields_of(shape.model) if f.name not in shape.not_sent}
    derived = set(derived_keys(shape.model))
    order = [k for k in shape.layout if k in fields or k in derived or k in shape.constants]
    order += [k for k in fields if k not in order] + [k for k in shape.constants if k not in order]
    items, tail = [], []
    for key in order:
        f = fields.get(key)
        if f is None:
            value = f"o.{key}" if key in derived else repr(shape.constants[key])
        elif f.name in shape.special:
            value = f"{src.ref(shape.special[f.name][0], 'special')}(o)"
        elif f.name in shape.times:
            value = f"time_json(o.{f.name})"
        else:
            value = encode_expr(f.type, f"o.{f.name}", src, _encoder)
            if f.name in shape.as_text:
                value = f"dumps({value})"
            elif f.name in shape.null_if_empty:
                value = f"({value} or None)"
        if f is not None and f.name in shape.only_if_set:
            tail += [f"if o.{f.name}:", f"    out[{key!r}] = {value}"]
        else:
            items.append(f"{key!r}: {value}")
    body = ["out = {" + ", ".join(items) + "}", *tail, "return out"]
    return src.function(f"{shape.model.__name__.lower()}_json", "o", body)


def _encoder(cls: type) -> Callable[[Any], dict[str, Any]]:
    """A nested model is sent in its own shape, or as its dict form if it has none."""
    return SHAPES[cls].encode if cls in SHAPES else codec.to_dict


def _readable(shape: Shape, data: Any, strict: bool) -> Any:
    """ColonyOS JSON -> the model's dict form (the reverse of the shape's encode)."""
    if not isinstance(data, Mapping):
        return data  # from_dict names the mismatch
    if not strict and not shape.read_back:
        return data  # the extra keys are ignored, and nothing else differs
    if strict:
        _refuse_unsupported(shape, data)
    out = {k: v for k, v in data.items() if k not in shape.dropped} if strict else dict(data)
    for f in fields_of(shape.model):
        value = out.get(f.key)
        if value is None:
            continue
        try:
            if f.name in shape.special:
                out[f.key] = shape.special[f.name][1](value, data, strict)
            elif f.name in shape.times:
                out[f.key] = value if isinstance(value, int) and not strict else time_ns(value)
            elif f.type.model in SHAPES:
                out[f.key] = _nested(SHAPES[f.type.model], value, f.name in shape.as_text, strict)
        except Mismatch as err:
            raise err.at(f.key) from None
    return out


def _refuse_unsupported(shape: Shape, data: Mapping[str, Any]) -> None:
    """Keys we do not model may only hold their zero values (pycolonies sends "" for "0m")."""
    for key, zero in shape.constants.items():
        _check_zero(data.get(key), zero, key)


def _check_zero(value: Any, zero: Any, key: str) -> None:
    if value == zero or value in (None, "", 0, []):
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            try:
                _check_zero(v, zero.get(k) if isinstance(zero, Mapping) else None, k)
            except Mismatch as err:
                raise err.at(key) from None
        return
    raise Mismatch(f"{codec.shown(value)} is not supported by this server").at(key)


def _nested(shape: Shape, value: Any, as_text: bool, strict: bool) -> Any:
    if as_text and isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as err:
            raise Mismatch(f"not valid JSON: {err}") from None
    if not isinstance(value, list):
        return _readable(shape, value, strict)
    out = []
    for i, item in enumerate(value):
        try:
            out.append(_readable(shape, item, strict))
        except Mismatch as err:
            raise err.at(i) from None
    return out


def from_json(cls: type[T], data: Any, *, strict: bool = False, path: str = "") -> T:
    """A model from its ColonyOS JSON; lenient (unknown keys ignored) unless strict.
    Errors name the field after `path`, where `data` sits in the message ("colony")."""
    try:
        readable = _readable(SHAPES[cls], data, strict)
    except Mismatch as err:
        raise err.error(path) from None
    obj = codec.from_dict(cls, readable, strict=strict, path=path)
    if not strict:
        # Lenient about keys, not about types: each field must hold its own type.
        codec.from_dict(cls, codec.to_dict(obj), strict=True, path=path)
    return obj


def to_json(obj: Any) -> dict[str, Any]:
    """The ColonyOS JSON of a model, without the keys its caller adds."""
    return SHAPES[type(obj)].encode(obj)


# ColonyOS keeps a spec's env as attributes of type 3 (ENV) with ids derived
# from process, key and type; clients may read them there.
def _env_attribute_id(processid: str, key: str) -> str:
    return hashlib.sha3_256(f"{processid}{key}3".encode()).hexdigest()


def _process_attributes(p: Process) -> list[dict[str, Any]]:
    state = int(p.state)
    env = [
        {
            "attributeid": _env_attribute_id(p.processid, key),
            "targetid": p.processid,
            "targetcolonyname": p.colonyname,
            "targetprocessgraphid": p.processgraphid,
            "attributetype": int(AttributeType.ENV),
            "key": key,
            "value": value,
            "state": state,
        }
        for key, value in p.spec.env.items()
    ]
    return [*env, *(attribute_json(a, state) for a in p.attributes)]


def _attributes_back(value: Any, process: Mapping[str, Any], strict: bool) -> Any:
    """Our attributes, without the ones standing for the spec's env."""
    if not isinstance(value, list):
        return value
    pid = process.get("processid", "")
    return [
        _nested(SHAPES[Attribute], a, False, strict)
        for a in value
        if not isinstance(a, Mapping)
        or a.get("attributeid") != _env_attribute_id(pid, a.get("key", ""))
    ]


_TIMES = frozenset({"submissiontime", "starttime", "endtime"})
# fmt: off
SHAPES: dict[type, Shape] = {shape.model: shape for shape in [
    Shape(Colony, not_sent={"paused": "ColonyOS cannot pause assignment",
                             "pausedtypes": "ColonyOS cannot pause assignment",
                             "retention": "ColonyOS keeps processes until removed"}),
    Shape(Executor,
          layout=("executorid", "executortype", "executorname", "colonyname", "state",
                  "requirefuncreg", "commissiontime", "lastheardfromtime"),
          times=frozenset({"commissiontime", "lastheardfromtime"}),
          constants={"requirefuncreg": False, "allocations": {"projects": None}},
          only_if_set=frozenset({"locationname"}),
          not_sent={"silent": "ColonyOS has no such state"}),
    Shape(GPU, layout=("name", "mem", "count", "nodecount")),
    Shape(Hardware, null_if_empty=frozenset({"network"})),
    Shape(Software),
    Shape(Capabilities, null_if_empty=frozenset({"hardware", "software"})),
    Shape(Function,
          layout=("functionid", "executorname", "executortype", "colonyname", "funcname",
                  "counter"),
          only_if_set=frozenset({"description"})),
    Shape(User),
    Shape(Attribute, added=frozenset({"state"})),
    Shape(Conditions,
          layout=("colonyname", "executornames", "executortype", "locationname",
                  "dependencies", "nodes", "cpu", "processes", "processespernode", "mem",
                  "storage", "gpu", "walltime"),
          null_if_empty=frozenset({"executornames"}), only_if_set=frozenset({"locationname"})),
    Shape(FuncSpec,
          layout=("nodename", "funcname", "args", "kwargs", "priority", "maxwaittime",
                  "maxexectime", "maxretries", "conditions", "label", "fs", "env"),
          not_sent={"retrypolicy": "ColonyOS has no retry policies (gRPC API only)"}),
    Shape(Filesystem, layout=("mount", "snapshots", "dirs"),
          null_if_empty=frozenset({"snapshots", "dirs"})),
    Shape(SnapshotMount), Shape(SyncDirMount), Shape(ConflictResolution), Shape(OnStart),
    Shape(OnClose),
    Shape(Workflow),
    Shape(Process,
          layout=("processid", "initiatorid", "initiatorname", "assignedexecutorid",
                  "isassigned", "state", "prioritytime", "submissiontime", "starttime",
                  "endtime", "waitdeadline", "execdeadline", "retries", "attributes", "spec"),
          times=_TIMES | {"waitdeadline", "execdeadline"},
          not_sent={"assignedexecutorname": "ColonyOS processes name no executor",
                    "attempt": "ColonyOS has no fencing attempts",
                    "history": "ColonyOS keeps no attempt history (gRPC API only)",
                    "notbefore": "ColonyOS has no delayed runs (gRPC API only)"},
          special={"attributes": (_process_attributes, _attributes_back)}),
    Shape(ProcessGraph,
          layout=("processgraphid", "initiatorid", "initiatorname", "colonyname"),
          times=_TIMES, added=frozenset({"nodes", "edges"})),
    Shape(LogEntry, not_sent={"seq": "ColonyOS logs have no sequence number"}),
    Shape(Statistics, constants={"unregisteredexecutors": 0}),
    Shape(ChannelEntry,
          layout=("sequence", "inreplyto", "timestamp", "senderid", "payload", "type", "error"),
          times=frozenset({"timestamp"}), only_if_set=frozenset({"inreplyto", "error"}),
          not_sent={"index": "ColonyOS entries carry no index: reads resume after a count"}),
    Shape(Location, layout=("locationid", "name", "colonyname", "description", "long", "lat")),
    Shape(BlueprintMetadata,
          times=frozenset({"created", "updated", "lastreconciliationtime"}),
          only_if_set=frozenset({"locationname", "labels", "annotations", "generation",
                                 "lastreconciliationprocess"})),
    Shape(BlueprintNames, only_if_set=frozenset({"shortnames"})),
    Shape(BlueprintHandler, only_if_set=frozenset({"reconcileinterval"})),
    Shape(BlueprintDefinitionSpec, only_if_set=frozenset({"schema"})),
    Shape(BlueprintDefinition, layout=("blueprintdefinitionid", "kind", "metadata", "spec")),
    Shape(Blueprint, layout=("blueprintid", "kind", "metadata", "spec", "status"),
          only_if_set=frozenset({"status"})),
    Shape(BlueprintHistory,
          layout=("historyid", "blueprintid", "kind", "namespace", "name", "generation", "spec",
                  "status", "timestamp", "changedby", "changetype"),
          times=frozenset({"timestamp"}), only_if_set=frozenset({"status"})),
    Shape(S3Object),
    Shape(FileRef),
    Shape(File, times=frozenset({"added"})),
    Shape(FileData),
    Shape(FileLabel),
    Shape(Snapshot, times=frozenset({"added"}), null_if_empty=frozenset({"fileids"})),
    Shape(Cron,
          layout=("cronid", "initiatorid", "initiatorname", "colonyname", "name",
                  "cronexpression", "interval", "random", "nextrun", "lastrun"),
          times=frozenset({"nextrun", "lastrun"}), as_text=frozenset({"workflowspec"}),
          added=frozenset({"checkerperiod"})),
    Shape(Generator,
          layout=("generatorid", "initiatorid", "initiatorname", "colonyname", "name"),
          times=frozenset({"lastrun", "firstpack"}), as_text=frozenset({"workflowspec"}),
          added=frozenset({"checkerperiod"})),
]}
# fmt: on


# ----------------------------------------------------------------- input --


def _dict(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidArgument(f"{what} must be a JSON object")
    return value


def funcspec_from_json(data: Any) -> FuncSpec:
    spec = from_json(FuncSpec, _dict(data, "spec"))
    spec.env = {str(k): str(v) for k, v in spec.env.items()}
    return spec


def workflow_from_json(data: Any) -> Workflow:
    """A WorkflowSpec object, or (crons and generators) the same as JSON text."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as err:
            raise InvalidArgument(f"workflowspec is not valid JSON: {err}") from None
    workflow = from_json(Workflow, _dict(data, "workflowspec"))
    for spec in workflow.functionspecs:
        spec.env = {str(k): str(v) for k, v in spec.env.items()}
    return workflow


# ---------------------------------------------------------------- output --


def colony_json(c: Colony) -> dict[str, Any]:
    return SHAPES[Colony].encode(c)


def executor_json(e: Executor) -> dict[str, Any]:
    return SHAPES[Executor].encode(e)


def function_json(f: Function) -> dict[str, Any]:
    return SHAPES[Function].encode(f)


def user_json(u: User) -> dict[str, Any]:
    return SHAPES[User].encode(u)


def attribute_json(a: Attribute, state: int = 0) -> dict[str, Any]:
    out = SHAPES[Attribute].encode(a)
    out["state"] = state
    return out


def funcspec_json(s: FuncSpec) -> dict[str, Any]:
    return SHAPES[FuncSpec].encode(s)


def process_json(p: Process) -> dict[str, Any]:
    return SHAPES[Process].encode(p)


def graph_json(g: ProcessGraph, processes: list[Process] | None = None) -> dict[str, Any]:
    out = SHAPES[ProcessGraph].encode(g)
    out["nodes"], out["edges"] = _layout(processes) if processes else ([], [])
    return out


def _layout(processes: list[Process]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Nodes and edges for drawing, placed as ColonyOS does: one row per depth
    (80 px apart), nodes of a row 200 px apart and centred on the widest row."""
    by_id = {p.processid: p for p in processes}
    depth: dict[str, int] = {}

    def depth_of(pid: str, trail: frozenset[str] = frozenset()) -> int:
        if pid not in depth:
            parents = [x for x in by_id[pid].parents if x in by_id and x not in trail]
            depth[pid] = 1 + max((depth_of(x, trail | {pid}) for x in parents), default=-1)
        return depth[pid]

    rows: dict[int, list[Process]] = defaultdict(list)
    for p in processes:
        rows[depth_of(p.processid)].append(p)
    widest = max(len(r) for r in rows.values())
    nodes, edges = [], []
    for level, row in sorted(rows.items()):
        for i, p in enumerate(row):
            kind = "input" if not p.parents else ("output" if not p.children else "")
            nodes.append({
                "id": p.processid, "data": {"label": p.spec.nodename},
                "position": {"x": i * 200 + (widest - len(row)) * 100, "y": level * 80},
                "type": kind, "style": {"color": "", "background": _COLORS[p.state]},
            })  # fmt: skip
            running = p.state == ProcessState.RUNNING
            for child in p.children:
                edges.append(
                    {"id": f"{p.processid}-{child}", "source": p.processid, "target": child,
                     "animated": running}
                )  # fmt: skip
    return nodes, edges


def workflow_json_text(w: Workflow) -> str:
    return json.dumps(SHAPES[Workflow].encode(w))


def cron_json(c: Cron, checkerperiod: int = 1000) -> dict[str, Any]:
    out = SHAPES[Cron].encode(c)
    out["checkerperiod"] = checkerperiod
    return out


def generator_json(g: Generator, checkerperiod: int = 1000) -> dict[str, Any]:
    out = SHAPES[Generator].encode(g)
    out["checkerperiod"] = checkerperiod
    return out


def log_json(e: LogEntry) -> dict[str, Any]:
    return SHAPES[LogEntry].encode(e)


def channel_entry_json(e: ChannelEntry) -> dict[str, Any]:
    return SHAPES[ChannelEntry].encode(e)


def location_json(loc: Location) -> dict[str, Any]:
    return SHAPES[Location].encode(loc)


def blueprint_definition_json(d: BlueprintDefinition) -> dict[str, Any]:
    return SHAPES[BlueprintDefinition].encode(d)


def blueprint_json(b: Blueprint) -> dict[str, Any]:
    return SHAPES[Blueprint].encode(b)


def blueprint_history_json(h: BlueprintHistory) -> dict[str, Any]:
    return SHAPES[BlueprintHistory].encode(h)


def stats_json(s: Statistics) -> dict[str, Any]:
    return SHAPES[Statistics].encode(s)
