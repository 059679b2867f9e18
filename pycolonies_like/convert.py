"""Conversion between domain objects and protobuf messages, both directions.

Used by the SDK and by the server's gRPC transport. Each model is paired with
its message once (the `_Pairing`s below); the field-by-field copy follows from
the model's fields (core/codec.py) and the message's own descriptor:

- a field travels under its own name; enums as their numbers, nested models
  as nested messages, lists and tuples as repeated fields, dicts as maps;
- a field holding JSON data (args, kwargs, in, out) travels as JSON text in
  `<key>_json`, so that ints stay ints and nested values keep their types;
- a model's derived keys (`Process.isassigned`) are sent when the message has
  a field for them, and never read back.

A model field the message cannot carry stops the import with its name: add it
to proto/colonies.proto (and `make protos`) rather than let it be dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pycolonies_like.core import models as m
from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.fields import (
    FieldInfo,
    FieldType,
    Source,
    derived_keys,
    encode_expr,
    fields_of,
)
from pycolonies_like.core.rules import decode_json, encode_json
from pycolonies_like.proto import colonies_pb2 as pb

T = TypeVar("T")
ModelT = TypeVar("ModelT")
MessageT = TypeVar("MessageT")

_PAIRINGS: dict[type, _Pairing[Any, Any]] = {}


class _Pairing(Generic[ModelT, MessageT]):
    """One model and its message, with the converters generated from the model's fields."""

    def __init__(self, model: type[ModelT], message: type[MessageT]) -> None:
        self.model, self.message = model, message
        names = message.DESCRIPTOR.fields_by_name  # type: ignore[attr-defined]
        src = Source(decode_json=decode_json, json_text=_json_text, message=message, model=model)
        to: list[tuple[str, str]] = []  # (message field, expression of the model `o`)
        back: list[tuple[str, str]] = []  # (attribute, expression of the message `m`)
        for f in fields_of(model):
            wire = f"{f.key}_json" if f.type.holds_json else f.name
            if wire not in names:
                raise TypeError(
                    f"{model.__name__}.{f.name} has no field {wire!r} in the protobuf message "
                    f"{message.__name__}: add it to proto/colonies.proto"
                )
            to.append((wire, _to_expr(f.type, f"o.{f.name}", src)))
            back.append((f.name, _from_expr(f, wire, src)))
        to += [(k, f"o.{k}") for k in derived_keys(model) if k in names]
        _PAIRINGS[model] = self
        # A field without presence holding its zero value is not written on the
        # wire: it is left out of the constructor's arguments, which then has
        # less to do. Fields with presence (messages) are always given, and
        # floats too (-0.0 is written, yet reads as false).
        always = [(w, e) for w, e in to if _always_given(names[w])]
        body = ["d = {" + ", ".join(f"{w!r}: {e}" for w, e in always) + "}"]
        for w, e in to:
            if (w, e) not in always:
                body += [f"if (v := {e}):", f"    d[{w!r}] = v"]
        # `kwargs` serves nested messages: the constructor builds them in place from dicts.
        self.kwargs: Callable[[ModelT], dict[str, Any]] = src.function(
            "kwargs", "o", [*body, "return d"]
        )
        self.to_pb: Callable[[ModelT], MessageT] = src.function(
            "to_pb", "o", [*body, "return message(**d)"]
        )
        self.from_pb: Callable[[MessageT], ModelT] = src.function(
            "from_pb", "m", ["return model(" + ", ".join(f"{a}={e}" for a, e in back) + ")"]
        )


def _always_given(field: Any) -> bool:
    double, float_ = field.CPPTYPE_DOUBLE, field.CPPTYPE_FLOAT
    return bool(field.has_presence) or field.cpp_type in (double, float_)


def _to_expr(ft: FieldType, expr: str, src: Source) -> str:
    if ft.holds_json:
        return f"json_text({expr})"
    if ft.kind == "bytes":
        return expr  # a bytes field
    if ft.kind == "list" and ft.model is None:
        return expr  # repeated scalars take any sequence
    if ft.kind == "dict" and not ft.holds_json:
        return expr  # maps take a dict
    return encode_expr(ft, expr, src, lambda cls: _PAIRINGS[cls].kwargs)


def _from_expr(f: FieldInfo, wire: str, src: Source) -> str:
    ft, value = f.type, f"m.{wire}"
    if ft.holds_json:  # "" (the common empty case) needs no parsing
        expected, empty = ("list", "[]") if ft.kind == "list" else ("dict", "{}")
        parse = f"decode_json({f.key!r}, _{wire}, {empty}, {expected})"
        return f"({parse} if (_{wire} := {value}) else {empty})"
    if ft.kind == "enum":  # an unknown number is an invalid argument, naming the field
        members, unknown = src.ref(_members(ft.cls), "members"), src.ref(_unknown, "unknown")
        return (
            f"({members}[_{wire}] if (_{wire} := {value}) in {members} "
            f"else {unknown}({f.key!r}, {members}, _{wire}))"
        )
    if ft.model is not None:
        from_pb = src.ref(_PAIRINGS[ft.model].from_pb, ft.model.__name__)
        if ft.kind == "list":
            return f"{ft.container.__name__}([{from_pb}(x) for x in {value}])"
        if ft.optional:
            return f"({from_pb}({value}) if m.HasField({wire!r}) else None)"
        return f"{from_pb}({value})"
    if ft.kind == "list":
        return f"{ft.container.__name__}({value})"
    if ft.kind == "dict":
        return f"dict({value})"
    return value


def _members(cls: Any) -> dict[int, Any]:
    return {member.value: member for member in cls}


def _unknown(key: str, members: dict[int, Any], value: int) -> Any:
    known = ", ".join(f"{v} ({m.name.lower()})" for v, m in members.items())
    raise InvalidArgument(f"{key} {value} is not one of {known}")


def _json_text(value: Any) -> str:
    return encode_json(value) if value else ""


def to_pb(obj: Any) -> Any:
    """The protobuf message of any model."""
    return _PAIRINGS[type(obj)].to_pb(obj)


def from_pb(model: type[T], msg: Any) -> T:
    """A model from its protobuf message."""
    return _PAIRINGS[model].from_pb(msg)  # type: ignore[no-any-return]


# Each model with its message; a nested model comes before the models holding it.
_gpu = _Pairing(m.GPU, pb.GPU)
_hardware = _Pairing(m.Hardware, pb.Hardware)
_software = _Pairing(m.Software, pb.Software)
_capabilities = _Pairing(m.Capabilities, pb.Capabilities)
_conditions = _Pairing(m.Conditions, pb.Conditions)
_concurrency = _Pairing(m.Concurrency, pb.Concurrency)
_retrypolicy = _Pairing(m.RetryPolicy, pb.RetryPolicy)
_onstart = _Pairing(m.OnStart, pb.OnStart)
_onclose = _Pairing(m.OnClose, pb.OnClose)
_conflicts = _Pairing(m.ConflictResolution, pb.ConflictResolution)
_snapshotmount = _Pairing(m.SnapshotMount, pb.SnapshotMount)
_syncdirmount = _Pairing(m.SyncDirMount, pb.SyncDirMount)
_filesystem = _Pairing(m.Filesystem, pb.Filesystem)
_funcspec = _Pairing(m.FuncSpec, pb.FuncSpec)
_workflow = _Pairing(m.Workflow, pb.WorkflowSpec)
_colony = _Pairing(m.Colony, pb.Colony)
_executor = _Pairing(m.Executor, pb.Executor)
_function = _Pairing(m.Function, pb.Function)
_user = _Pairing(m.User, pb.User)
_attribute = _Pairing(m.Attribute, pb.Attribute)
_attemptrecord = _Pairing(m.AttemptRecord, pb.AttemptRecord)
_process = _Pairing(m.Process, pb.Process)
_graph = _Pairing(m.ProcessGraph, pb.ProcessGraph)
_log = _Pairing(m.LogEntry, pb.LogEntry)
_channel_entry = _Pairing(m.ChannelEntry, pb.ChannelEntry)
_location = _Pairing(m.Location, pb.Location)
_ratelimit = _Pairing(m.RateLimit, pb.RateLimit)
_fairweight = _Pairing(m.FairWeight, pb.FairWeight)
_bp_metadata = _Pairing(m.BlueprintMetadata, pb.BlueprintMetadata)
_bp_names = _Pairing(m.BlueprintNames, pb.BlueprintNames)
_bp_handler = _Pairing(m.BlueprintHandler, pb.BlueprintHandler)
_bp_definition_spec = _Pairing(m.BlueprintDefinitionSpec, pb.BlueprintDefinitionSpec)
_bp_definition = _Pairing(m.BlueprintDefinition, pb.BlueprintDefinition)
_blueprint = _Pairing(m.Blueprint, pb.Blueprint)
_bp_history = _Pairing(m.BlueprintHistory, pb.BlueprintHistory)
_stats = _Pairing(m.Statistics, pb.Statistics)
_cron = _Pairing(m.Cron, pb.Cron)
_generator = _Pairing(m.Generator, pb.Generator)
_event = _Pairing(m.Event, pb.Event)
_s3object = _Pairing(m.S3Object, pb.S3Object)
_fileref = _Pairing(m.FileRef, pb.FileRef)
_file = _Pairing(m.File, pb.File)
_filedata = _Pairing(m.FileData, pb.FileData)
_filelabel = _Pairing(m.FileLabel, pb.FileLabel)
_snapshot = _Pairing(m.Snapshot, pb.Snapshot)

# The named pairs the SDK and the gRPC transport call.


def conditions_to_pb(c: m.Conditions) -> pb.Conditions:
    return _conditions.to_pb(c)


def conditions_from_pb(c: pb.Conditions) -> m.Conditions:
    return _conditions.from_pb(c)


def concurrency_to_pb(c: m.Concurrency) -> pb.Concurrency:
    return _concurrency.to_pb(c)


def concurrency_from_pb(c: pb.Concurrency) -> m.Concurrency:
    return _concurrency.from_pb(c)


def funcspec_to_pb(s: m.FuncSpec) -> pb.FuncSpec:
    return _funcspec.to_pb(s)


def funcspec_from_pb(s: pb.FuncSpec) -> m.FuncSpec:
    return _funcspec.from_pb(s)


def workflow_to_pb(w: m.Workflow) -> pb.WorkflowSpec:
    return _workflow.to_pb(w)


def workflow_from_pb(w: pb.WorkflowSpec) -> m.Workflow:
    return _workflow.from_pb(w)


def colony_to_pb(c: m.Colony) -> pb.Colony:
    return _colony.to_pb(c)


def colony_from_pb(c: pb.Colony) -> m.Colony:
    return _colony.from_pb(c)


def executor_to_pb(e: m.Executor) -> pb.Executor:
    return _executor.to_pb(e)


def executor_from_pb(e: pb.Executor) -> m.Executor:
    return _executor.from_pb(e)


def function_to_pb(f: m.Function) -> pb.Function:
    return _function.to_pb(f)


def function_from_pb(f: pb.Function) -> m.Function:
    return _function.from_pb(f)


def user_to_pb(u: m.User) -> pb.User:
    return _user.to_pb(u)


def user_from_pb(u: pb.User) -> m.User:
    return _user.from_pb(u)


def attribute_to_pb(a: m.Attribute) -> pb.Attribute:
    return _attribute.to_pb(a)


def attribute_from_pb(a: pb.Attribute) -> m.Attribute:
    return _attribute.from_pb(a)


def process_to_pb(p: m.Process) -> pb.Process:
    return _process.to_pb(p)


def process_from_pb(p: pb.Process) -> m.Process:
    return _process.from_pb(p)


def graph_to_pb(g: m.ProcessGraph) -> pb.ProcessGraph:
    return _graph.to_pb(g)


def graph_from_pb(g: pb.ProcessGraph) -> m.ProcessGraph:
    return _graph.from_pb(g)


def log_to_pb(entry: m.LogEntry) -> pb.LogEntry:
    return _log.to_pb(entry)


def log_from_pb(entry: pb.LogEntry) -> m.LogEntry:
    return _log.from_pb(entry)


def channel_entry_to_pb(entry: m.ChannelEntry) -> pb.ChannelEntry:
    return _channel_entry.to_pb(entry)


def channel_entry_from_pb(entry: pb.ChannelEntry) -> m.ChannelEntry:
    return _channel_entry.from_pb(entry)


def stats_to_pb(s: m.Statistics) -> pb.Statistics:
    return _stats.to_pb(s)


def stats_from_pb(s: pb.Statistics) -> m.Statistics:
    return _stats.from_pb(s)


def cron_to_pb(c: m.Cron) -> pb.Cron:
    return _cron.to_pb(c)


def cron_from_pb(c: pb.Cron) -> m.Cron:
    return _cron.from_pb(c)


def generator_to_pb(g: m.Generator) -> pb.Generator:
    return _generator.to_pb(g)


def generator_from_pb(g: pb.Generator) -> m.Generator:
    return _generator.from_pb(g)


def event_to_pb(e: m.Event) -> pb.Event:
    return _event.to_pb(e)


def event_from_pb(e: pb.Event) -> m.Event:
    return _event.from_pb(e)
