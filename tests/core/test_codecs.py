"""Every field of every model survives every codec, so a forgotten field fails here.

The models are found by walking core/models.py; each is filled with values that
differ from every default (recursively) and sent through each of its codecs:
the dict form (to_dict / from_dict), protobuf (convert.py) and ColonyOS JSON
(server/transport/colonyos_json.py). A model without one of these forms is
listed below with the reason.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
from pathlib import Path
from typing import Any

import pytest

from pycolonies_like import convert
from pycolonies_like.core import codec
from pycolonies_like.core import models as m
from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.fields import FieldType, fields_of
from pycolonies_like.proto import colonies_pb2 as pb
from server.transport import colonyos_json as cj

# Every model of the core: those of models.py and of the modules it re-exports from.
MODELS = sorted(
    {cls for _, cls in inspect.getmembers(m, inspect.isclass)
     if dataclasses.is_dataclass(cls) and cls.__module__.startswith("pycolonies_like.core.")},
    key=lambda cls: cls.__name__,
)  # fmt: skip

# Models converted by the generic convert.to_pb / convert.from_pb only.
FS = (
    m.OnStart,
    m.OnClose,
    m.ConflictResolution,
    m.SnapshotMount,
    m.SyncDirMount,
    m.Filesystem,
)  # a spec's `fs`
GENERIC = (*FS, m.Location, m.RateLimit, m.FairWeight, m.BlueprintMetadata, m.BlueprintNames,
           m.BlueprintHandler, m.BlueprintDefinitionSpec, m.BlueprintDefinition, m.Blueprint,
           m.BlueprintHistory)  # fmt: skip

PROTO = {
    m.GPU: (convert.to_pb, lambda msg: convert.from_pb(m.GPU, msg)),
    m.Hardware: (convert.to_pb, lambda msg: convert.from_pb(m.Hardware, msg)),
    m.Software: (convert.to_pb, lambda msg: convert.from_pb(m.Software, msg)),
    m.Capabilities: (convert.to_pb, lambda msg: convert.from_pb(m.Capabilities, msg)),
    **{
        cls: (convert.to_pb, lambda msg, cls=cls: convert.from_pb(cls, msg))
        for cls in (m.S3Object, m.FileRef, m.File, m.FileData, m.FileLabel, m.Snapshot)
    },
    m.Conditions: (convert.conditions_to_pb, convert.conditions_from_pb),
    m.FuncSpec: (convert.funcspec_to_pb, convert.funcspec_from_pb),
    m.Concurrency: (convert.concurrency_to_pb, convert.concurrency_from_pb),
    m.Workflow: (convert.workflow_to_pb, convert.workflow_from_pb),
    m.Colony: (convert.colony_to_pb, convert.colony_from_pb),
    m.Executor: (convert.executor_to_pb, convert.executor_from_pb),
    m.Function: (convert.function_to_pb, convert.function_from_pb),
    m.User: (convert.user_to_pb, convert.user_from_pb),
    m.Attribute: (convert.attribute_to_pb, convert.attribute_from_pb),
    m.Process: (convert.process_to_pb, convert.process_from_pb),
    m.ProcessGraph: (convert.graph_to_pb, convert.graph_from_pb),
    m.LogEntry: (convert.log_to_pb, convert.log_from_pb),
    m.ChannelEntry: (convert.channel_entry_to_pb, convert.channel_entry_from_pb),
    **{cls: (convert.to_pb, lambda msg, cls=cls: convert.from_pb(cls, msg)) for cls in GENERIC},
    m.Statistics: (convert.stats_to_pb, convert.stats_from_pb),
    m.Cron: (convert.cron_to_pb, convert.cron_from_pb),
    m.Generator: (convert.generator_to_pb, convert.generator_from_pb),
    m.Event: (convert.event_to_pb, convert.event_from_pb),
    m.RetryPolicy: (convert.to_pb, lambda msg: convert.from_pb(m.RetryPolicy, msg)),
    m.AttemptRecord: (convert.to_pb, lambda msg: convert.from_pb(m.AttemptRecord, msg)),
}
NO_PROTO: dict[type, str] = {}  # every model has a message

# What the gateway sends for each model.
COLONYOS = {
    m.Colony: cj.colony_json,
    m.Executor: cj.executor_json,
    m.Function: cj.function_json,
    m.User: cj.user_json,
    m.Attribute: cj.attribute_json,
    m.Conditions: cj.to_json,  # only inside a spec
    m.GPU: cj.to_json,  # inside conditions and hardware
    m.Hardware: cj.to_json,  # inside capabilities
    m.Software: cj.to_json,
    m.Capabilities: cj.to_json,  # inside an executor
    **{
        cls: cj.to_json
        for cls in (m.S3Object, m.FileRef, m.File, m.FileData, m.FileLabel, m.Snapshot)
    },
    **{cls: cj.to_json for cls in FS},  # inside a spec
    m.FuncSpec: cj.funcspec_json,
    m.Workflow: lambda w: json.loads(cj.workflow_json_text(w)),
    m.Process: cj.process_json,
    m.ProcessGraph: cj.graph_json,
    m.LogEntry: cj.log_json,
    m.ChannelEntry: cj.channel_entry_json,
    m.Location: cj.location_json,
    m.BlueprintMetadata: cj.to_json,  # inside blueprints and definitions
    m.BlueprintNames: cj.to_json,
    m.BlueprintHandler: cj.to_json,
    m.BlueprintDefinitionSpec: cj.to_json,
    m.BlueprintDefinition: cj.blueprint_definition_json,
    m.Blueprint: cj.blueprint_json,
    m.BlueprintHistory: cj.blueprint_history_json,
    m.Statistics: cj.stats_json,
    m.Cron: cj.cron_json,
    m.Generator: cj.generator_json,
}
NO_COLONYOS = {
    m.Event: "ColonyOS has no event object: subscribers receive the process",
    m.RetryPolicy: "ColonyOS has no retry policies (gRPC API only)",
    m.AttemptRecord: "ColonyOS keeps no attempt history (gRPC API only)",
    m.Concurrency: "ColonyOS has no concurrency keys",
    m.RateLimit: "ColonyOS has no rate limits",
    m.FairWeight: "ColonyOS has no fair-share weights",
}
# Fields ColonyOS has no key for; they come back as their defaults.
COLONYOS_NOT_SENT = {
    (m.Process, "assignedexecutorname"),
    (m.Process, "attempt"),
    (m.Process, "history"),
    (m.Process, "notbefore"),
    (m.FuncSpec, "retrypolicy"),
    (m.LogEntry, "seq"),
    (m.ChannelEntry, "index"),
    (m.Colony, "paused"),
    (m.Colony, "pausedtypes"),
    (m.Colony, "retention"),
    (m.Executor, "silent"),
}

BIG = 2**53 + 1  # not a float: a codec passing ints through floats changes it


def filled(cls: type, salt: int = 0) -> Any:
    """An instance of a model with every field set to something other than its default."""
    values = {}
    for f, spec in zip(fields_of(cls), dataclasses.fields(cls), strict=True):
        value = _value(f.type, f"{f.name}{salt or ''}", salt)
        default = _default(spec)
        if value == default:
            value = _value(f.type, f"{f.name}-again", salt + 1)
        values[f.name] = value
    return cls(**values)


def _default(spec: dataclasses.Field[Any]) -> Any:
    if spec.default is not dataclasses.MISSING:
        return spec.default
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return dataclasses.MISSING


def _value(ft: FieldType, name: str, salt: int) -> Any:
    if ft.kind == "str":
        return f"{name}-value"
    if ft.kind == "int":
        return 7 + len(name) + salt  # fits an int32; never 0, -1 or 1
    if ft.kind == "float":
        return 0.25 + len(name) + salt
    if ft.kind == "bool":
        return salt % 2 == 0
    if ft.kind == "bytes":
        return f"{name}-\u00e9".encode() + bytes([0, 255, salt])
    if ft.kind == "enum":
        members = list(ft.cls)
        return members[-1 - salt % len(members)]
    if ft.kind == "model":
        return filled(ft.cls, salt)
    if ft.kind == "json":
        return {"n": BIG, "list": [1, "two", None, True, 2.5, {"x": [name]}]}
    assert ft.item is not None
    if ft.kind == "list":
        return ft.container(_value(ft.item, f"{name}[{i}]", salt + i) for i in range(2))
    return {f"{name}-k{i}": _value(ft.item, f"{name}-v{i}", salt + i) for i in range(2)}


def _defaults_left(obj: Any, path: str = "") -> list[str]:
    left = []
    for spec in dataclasses.fields(obj):
        value = getattr(obj, spec.name)
        if value == _default(spec):
            left.append(f"{path}{spec.name}")
        if dataclasses.is_dataclass(value):
            left += _defaults_left(value, f"{path}{spec.name}.")
    return left


def test_every_model_is_listed_for_every_codec() -> None:
    assert len(MODELS) >= 15
    assert set(MODELS) == set(PROTO) | set(NO_PROTO)
    assert set(MODELS) == set(COLONYOS) | set(NO_COLONYOS)
    declared = {(cls, name) for cls, shape in cj.SHAPES.items() for name in shape.not_sent}
    assert declared == COLONYOS_NOT_SENT


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_filled_models_leave_no_field_at_its_default(cls: type) -> None:
    assert _defaults_left(filled(cls)) == []


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_dict_form_round_trip(cls: type) -> None:
    obj = filled(cls)
    data = json.loads(json.dumps(obj.to_dict()))  # JSON-ready, and only JSON types
    assert cls.from_dict(data, strict=True) == obj
    assert cls.from_dict(data) == obj
    assert list(data) == list(obj.keys())


@pytest.mark.parametrize("cls", list(PROTO), ids=lambda cls: cls.__name__)
def test_protobuf_round_trip(cls: type) -> None:
    to_pb, from_pb = PROTO[cls]
    obj = filled(cls)
    message = to_pb(obj)
    assert from_pb(type(message).FromString(message.SerializeToString())) == obj
    assert convert.to_pb(obj) == message and convert.from_pb(cls, message) == obj


@pytest.mark.parametrize("cls", list(PROTO), ids=lambda cls: cls.__name__)
def test_protobuf_of_a_model_at_its_defaults_keeps_its_nested_messages(cls: type) -> None:
    # Fields at their zero value are left out of the message (they are not
    # written anyway); a nested message is there whenever the model has one.
    obj = codec.from_dict(cls, {})
    to_pb, _ = PROTO[cls]
    message = to_pb(obj)
    wires = {f.key: f.name for f in fields_of(cls)}
    for field in message.DESCRIPTOR.fields:
        name = wires.get(field.name)
        if field.message_type is not None and field.has_presence and name is not None:
            assert message.HasField(field.name) == (getattr(obj, name) is not None), field.name
    again = type(message).FromString(message.SerializeToString())
    assert again == message


def test_a_negative_zero_float_is_still_written() -> None:
    function = dataclasses.replace(filled(m.Function), minwaittime=-0.0, avgexectime=0.0)
    data = convert.function_to_pb(function).SerializeToString()
    assert data != convert.function_to_pb(dataclasses.replace(function, minwaittime=0.0))
    assert math.copysign(1.0, pb.Function.FromString(data).minwaittime) == -1.0


@pytest.mark.parametrize("cls", list(COLONYOS), ids=lambda cls: cls.__name__)
def test_colonyos_json_round_trip(cls: type) -> None:
    obj = filled(cls)
    data = json.loads(json.dumps(COLONYOS[cls](obj)))
    assert cj.from_json(cls, data, strict=True) == without_unsent(obj)


def without_unsent(obj: Any) -> Any:
    """The object with the fields ColonyOS has no key for set to their defaults,
    in nested models too (a workflow's specs)."""
    if isinstance(obj, list):
        return [without_unsent(x) for x in obj]
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return obj
    cls = type(obj)
    changes = {name: getattr(filled_default(cls), name)
               for c, name in COLONYOS_NOT_SENT if c is cls}  # fmt: skip
    for f in dataclasses.fields(obj):
        if f.name not in changes:
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value) or isinstance(value, list):
                changes[f.name] = without_unsent(value)
    return dataclasses.replace(obj, **changes)


def filled_default(cls: type) -> Any:
    """Defaults of every field (required ones filled)."""
    required = {f.name: _value(f.type, f.name, 0) for f in fields_of(cls) if f.required}
    return cls(**required)


def test_the_gateway_reads_back_the_specs_it_sends() -> None:
    spec, workflow = without_unsent(filled(m.FuncSpec)), without_unsent(filled(m.Workflow))
    assert cj.funcspec_from_json(cj.funcspec_json(spec)) == spec
    assert cj.workflow_from_json(cj.workflow_json_text(workflow)) == workflow
    assert cj.workflow_from_json(json.loads(cj.workflow_json_text(workflow))) == workflow


def test_colonyos_fs_is_read_and_written_in_its_own_shape() -> None:
    exchanges = Path(__file__).parents[1] / "gateway" / "data" / "colonyos-exchanges.jsonl"
    recorded = next(
        record["request_payload"]["spec"]
        for record in map(json.loads, exchanges.read_text().splitlines())
        if record.get("payloadtype") == "submitfuncspecmsg"
    )
    spec = dict(recorded)
    assert cj.from_json(m.FuncSpec, spec, strict=True) == cj.funcspec_from_json(recorded)
    assert cj.funcspec_json(cj.funcspec_from_json(recorded))["fs"] == {
        "mount": "", "snapshots": None, "dirs": None,
    }  # fmt: skip
    spec["fs"] = {"mount": "/cfs", "snapshots": [{"snapshotid": "s", "label": "/l", "dir": "in",
                                                  "keepfiles": True, "keepsnapshot": False}],
                  "dirs": [{"label": "/out", "dir": "out", "keepfiles": False,
                            "onconflicts": {"onstart": {"keeplocal": True},
                                            "onclose": {"keeplocal": False}}}]}  # fmt: skip
    read = cj.from_json(m.FuncSpec, spec, strict=True)
    assert read.fs.dirs[0].onconflicts.onstart.keeplocal and read.fs.mount == "/cfs"
    assert cj.funcspec_json(read)["fs"] == spec["fs"]
    spec["fs"] = {"mount": "", "dirs": [{"label": "/l", "dir": "d", "keepfile": True}]}
    with pytest.raises(InvalidArgument, match=r"^fs\.dirs\[0\]\.keepfile: unknown field"):
        cj.from_json(m.FuncSpec, spec, strict=True)


def test_resource_conditions_are_read_from_colonyos_json() -> None:
    spec = {"funcname": "train", "conditions": {
        "colonyname": "c", "executortype": "t", "nodes": 2, "cpu": "4000m", "mem": "16Gi",
        "storage": "500M", "processes": 4, "processespernode": 2, "walltime": 60,
        "gpu": {"name": "nvidia-a100", "mem": "40Gi", "count": 2, "nodecount": 1},
    }}  # fmt: skip
    c = cj.from_json(m.FuncSpec, spec, strict=True).conditions
    assert (c.cpu, c.mem, c.storage, c.nodes, c.walltime) == ("4000m", "16Gi", "500M", 2, 60)
    assert c.gpu == m.GPU(name="nvidia-a100", mem="40Gi", count=2, nodecount=1)
    assert cj.funcspec_json(cj.funcspec_from_json(spec))["conditions"]["gpu"]["count"] == 2


def test_integers_stay_exact_and_bools_stay_bools() -> None:
    ns = 1_700_000_000_123_456_789
    process = dataclasses.replace(filled(m.Process), submissiontime=ns, prioritytime=2**62 + 1)
    assert m.Process.from_dict(json.loads(json.dumps(process.to_dict())), strict=True) == process
    assert convert.process_from_pb(convert.process_to_pb(process)) == process
    sent = cj.process_json(process)
    assert sent["submissiontime"] == "2023-11-14T22:13:20.123456789Z"
    assert cj.from_json(m.Process, sent).submissiontime == ns
    with pytest.raises(InvalidArgument, match=r"^priority: expected an integer, got true$"):
        m.FuncSpec.from_dict({"priority": True}, strict=True)
    with pytest.raises(InvalidArgument, match=r"^waitforparents: expected a boolean, got 1$"):
        m.Process.from_dict({**process.to_dict(), "waitforparents": 1}, strict=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"functionspecs": [{}, {"conditions": {"dependecies": ["a"]}}]},
         "functionspecs[1].conditions.dependecies: unknown field (did you mean 'dependencies'?)"),
        ({"functionspecs": [{"maxexectime": "ten"}]},
         'functionspecs[0].maxexectime: expected an integer, got "ten"'),
        ({"functionspecs": [{"priority": "high"}]},
         'functionspecs[0].priority: expected an integer, got "high"'),
        ({"functionspecs": [{"maxexectime": 1.5}]},
         "functionspecs[0].maxexectime: expected an integer, got 1.5"),
        ({"functionspecs": [{"conditions": "helloworld-executor"}]},
         "functionspecs[0].conditions: expected an object, got a string"),
        ({"functionspecs": {"funcname": "f"}}, "functionspecs: expected a list, got an object"),
        ({"functionspecs": [{"conditions": {"executornames": ["a", 3]}}]},
         "functionspecs[0].conditions.executornames[1]: expected a string, got 3"),
        ({"functionspecs": [{"env": {"K": 1}}]}, "functionspecs[0].env.K: expected a string, got 1"),
        ({"functionspecs": [None]}, "functionspecs[0]: expected an object, got null"),
        ([], "expected an object, got a list"),
    ],
)  # fmt: skip
def test_strict_mode_names_the_field(data: Any, message: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        m.Workflow.from_dict(data, strict=True)
    assert str(err.value) == message


def test_errors_can_name_where_the_object_sits_in_a_message() -> None:
    with pytest.raises(InvalidArgument, match=r"^colony: expected an object, got a string$"):
        codec.from_dict(m.Colony, "c", path="colony")
    text = '{"functionspecs": [{"conditions": "t"}]}'
    with pytest.raises(InvalidArgument) as err:
        cj.from_json(m.Cron, {"workflowspec": text}, path="cron")
    assert str(err.value) == (
        "cron.workflowspec.functionspecs[0].conditions: expected an object, got a string"
    )


def test_strict_mode_wants_required_fields_and_known_enums() -> None:
    with pytest.raises(InvalidArgument, match=r"^name: missing$"):
        m.Colony.from_dict({"colonyid": "x"}, strict=True)
    with pytest.raises(InvalidArgument, match=r"^state: expected one of 0, 1, 2, 3, 4, got 7$"):
        m.ProcessGraph.from_dict({"processgraphid": "g", "colonyname": "c", "state": 7})


def test_lenient_mode_reads_what_colonyos_clients_send() -> None:
    spec = m.FuncSpec.from_dict({
        "funcname": "f", "args": None, "kwargs": None, "env": None, "label": None,
        "priority": 3.0, "fs": {"mount": ""}, "channels": [],
        "conditions": {"executortype": "t", "executornames": None, "gpu": {"count": 0}},
    })  # fmt: skip
    assert spec == m.FuncSpec(funcname="f", priority=3, conditions=m.Conditions(executortype="t"))
    assert type(spec.priority) is int
    assert m.Colony.from_dict({"name": "c"}) == m.Colony(colonyid="", name="c")
    # Left for the validators, as before: they give their own messages.
    assert m.FuncSpec.from_dict({"maxexectime": "ten"}).maxexectime == "ten"
    with pytest.raises(InvalidArgument, match=r"^conditions: expected an object, got a string$"):
        m.FuncSpec.from_dict({"conditions": "helloworld-executor"})


def test_a_new_model_field_needs_no_codec_edit_or_is_refused_loudly() -> None:
    @dataclasses.dataclass(frozen=True)
    class Wider(m.Executor):
        requirefuncreg: bool = False

    wider = Wider(executorid="a", executortype="t", executorname="n", colonyname="c",
                  requirefuncreg=True)  # fmt: skip
    assert wider.to_dict()["requirefuncreg"] is True
    assert Wider.from_dict(wider.to_dict(), strict=True) == wider
    base = cj.SHAPES[m.Executor]
    shape = cj.Shape(Wider, layout=base.layout, constants=base.constants, times=base.times)
    assert shape.encode(wider)["requirefuncreg"] is True  # the field wins over the constant
    with pytest.raises(
        TypeError, match=r"Wider\.requirefuncreg has no field 'requirefuncreg' in the protobuf"
    ):
        convert._Pairing(Wider, pb.Executor)


def test_models_read_as_dicts_with_the_colonyos_keys() -> None:
    process = filled(m.Process)
    assert list(process.keys())[-6:] == [
        "in",
        "out",
        "errors",
        "history",
        "notbefore",
        "isassigned",
    ]
    assert process["in"] is process.input and "out" in process and "input" not in process
    assert codec.to_dict(process) == process.to_dict() == process.model_dump()
