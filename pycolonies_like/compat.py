"""pycolonies-style arguments, accepted at the boundary of the SDK.

The published pycolonies client takes dicts or its own pydantic models where
we have dataclasses, process ids or whole processes where we need an id (and
the attempt it was assigned with), and -1 for "any state". The functions
here turn such arguments into what the typed stubs need, once, for both
`Colonies` and `AsyncColonies`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from pycolonies_like import convert
from pycolonies_like.core import errors
from pycolonies_like.core.colonyfs import check_file_name, check_label
from pycolonies_like.core.models import (
    Blueprint,
    BlueprintDefinition,
    Capabilities,
    Conditions,
    Executor,
    File,
    FileRef,
    FuncSpec,
    Location,
    Process,
    S3Object,
    Workflow,
)
from pycolonies_like.core.rules import encode_json
from pycolonies_like.proto import colonies_pb2 as pb


class ProcessId(str):
    """A process id that remembers the assignment (attempt) it was handed out
    with, so `close(process["processid"], ...)` is fenced without extra work."""

    attempt: int

    def __new__(cls, value: str, attempt: int) -> ProcessId:
        obj = super().__new__(cls, value)
        obj.attempt = attempt
        return obj


def attempt_of(target: Any, attempt: int | None = None) -> int:
    """The attempt a call is made for: given, or carried by a Process/ProcessId."""
    if attempt is not None:
        return attempt
    return getattr(target, "attempt", 0) or 0


def pid_of(process: Any) -> str:
    """The id of a process given as an id, a Process or a dict."""
    if isinstance(process, (Process, Mapping)):
        return str(process["processid"])
    return str(getattr(process, "processid", process))


def colony_of(process: Any) -> str:
    """The colony of a process, when the argument says it (else "")."""
    if isinstance(process, Process):
        return process.colonyname
    spec = getattr(process, "spec", None)
    conditions = getattr(spec, "conditions", None)
    return str(getattr(conditions, "colonyname", "") or "")


def as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, Mapping):
        return dict(obj)
    if hasattr(obj, "model_dump"):  # pycolonies' pydantic models
        return dict(obj.model_dump(by_alias=True))
    if hasattr(obj, "to_dict"):
        return dict(obj.to_dict())
    raise errors.InvalidArgument(f"expected a dict or a model, got {type(obj).__name__}")


def funcspec(spec: Any) -> FuncSpec:
    if isinstance(spec, FuncSpec):
        return spec
    return FuncSpec.from_dict(as_dict(spec))


def workflow(value: Any) -> Workflow:
    if isinstance(value, Workflow):
        return value
    if isinstance(value, str):
        return Workflow.from_dict(json.loads(value))
    return Workflow.from_dict(as_dict(value))


def state(value: int) -> pb.ProcessState:
    # protobuf takes plain ints for enum fields; its stubs name the enum type.
    return cast("pb.ProcessState", int(value))


def state_filter(value: int | None) -> tuple[bool, pb.ProcessState]:
    """(all_states, state) for requests where -1/None means every state."""
    if value is None or value == -1:
        return True, state(0)
    return False, state(value)


def func_spec(
    func: str,
    args: list[Any],
    colonyname: str,
    executortype: str,
    executorname: str | None = None,
    priority: int = 1,
    maxexectime: int = -1,
    maxretries: int = -1,
    maxwaittime: int = -1,
    code: str | None = None,
    kwargs: dict[str, Any] | None = None,
) -> FuncSpec:
    """pycolonies' helper to build a spec for a named function."""
    spec = FuncSpec(
        nodename=func,
        funcname=func,
        args=list(args or []),
        kwargs=dict(kwargs or {}),
        priority=priority,
        maxwaittime=maxwaittime,
        maxexectime=maxexectime,
        maxretries=maxretries,
        conditions=Conditions(colonyname=colonyname, executortype=executortype),
    )
    if code is not None:
        spec.env["code"] = base64.b64encode(code.encode()).decode()
    if executorname is not None:
        spec.conditions.executornames = [executorname]
    return spec


# ------------------------------------------------- requests from arguments --


def add_colony(colony: Any) -> pb.AddColonyRequest:
    c = as_dict(colony)
    return pb.AddColonyRequest(
        colony=pb.Colony(colonyid=c.get("colonyid", ""), name=c.get("name", ""))
    )


def update_executor(
    colonyname: str, executorname: str, capabilities: Any
) -> pb.UpdateExecutorRequest:
    """Capabilities as a Capabilities or ColonyOS' dict form."""
    caps = capabilities if isinstance(capabilities, Capabilities) else (
        Capabilities.from_dict(as_dict(capabilities or {}))
    )  # fmt: skip
    return pb.UpdateExecutorRequest(colonyname=colonyname, executorname=executorname,
                                    capabilities=convert.to_pb(caps))  # fmt: skip


def add_executor(executor: Any) -> pb.AddExecutorRequest:
    """From an Executor or its dict form (ColonyOS' keys; state and times are
    the server's to set, capabilities and locationname are kept)."""
    e = as_dict(executor)
    given = {k: e[k] for k in _EXECUTOR_GIVEN if e.get(k) is not None}
    for k in _EXECUTOR_GIVEN[:4]:
        given.setdefault(k, "")
    return pb.AddExecutorRequest(executor=convert.executor_to_pb(Executor.from_dict(given)))


_EXECUTOR_GIVEN = ("executorid", "executortype", "executorname", "colonyname", "locationname",
                   "capabilities")  # fmt: skip


def add_user(user: Any) -> pb.AddUserRequest:
    u = as_dict(user)
    return pb.AddUserRequest(
        user=pb.User(
            colonyname=u.get("colonyname", ""), userid=u.get("userid", ""),
            name=u.get("name", ""), email=u.get("email", ""), phone=u.get("phone", ""),
        )
    )  # fmt: skip


def submit(
    spec: Any, idempotency_key: str, notbefore: int = 0, delay: float = 0.0
) -> pb.SubmitRequest:
    return pb.SubmitRequest(
        spec=convert.funcspec_to_pb(funcspec(spec)), idempotency_key=idempotency_key,
        notbefore=notbefore, delay=delay,
    )  # fmt: skip


def submit_batch(specs: Sequence[Any]) -> pb.SubmitBatchRequest:
    return pb.SubmitBatchRequest(specs=[convert.funcspec_to_pb(funcspec(s)) for s in specs])


def close(processid: Any, output: Sequence[Any] | None, attempt: int | None) -> pb.CloseRequest:
    return pb.CloseRequest(
        processid=pid_of(processid), attempt=attempt_of(processid, attempt),
        out_json=encode_json(list(output)) if output else "",
    )  # fmt: skip


def fail(processid: Any, errors_: Sequence[str] | None, attempt: int | None) -> pb.FailRequest:
    return pb.FailRequest(
        processid=pid_of(processid), attempt=attempt_of(processid, attempt),
        errors=[str(e) for e in errors_ or ()],
    )  # fmt: skip


def set_output(processid: Any, output: Sequence[Any], attempt: int | None) -> pb.SetOutputRequest:
    return pb.SetOutputRequest(
        processid=pid_of(processid), attempt=attempt_of(processid, attempt),
        out_json=encode_json(list(output)),
    )  # fmt: skip


def release(processid: Any, attempt: int | None) -> pb.ReleaseRequest:
    return pb.ReleaseRequest(processid=pid_of(processid), attempt=attempt_of(processid, attempt))


# How long after receiving an assignment the SDK confirms it, unless it has
# already said something about it (a close, a heartbeat...). Well below the
# server's smallest confirmation timeout.
ACK_DELAY_S = 0.5


def acknowledge(processid: Any, attempt: int | None) -> pb.AcknowledgeRequest:
    return pb.AcknowledgeRequest(
        processid=pid_of(processid), attempt=attempt_of(processid, attempt)
    )


def heartbeat(processid: Any, attempt: int | None) -> pb.HeartbeatRequest:
    return pb.HeartbeatRequest(processid=pid_of(processid), attempt=attempt_of(processid, attempt))


def add_log(processid: Any, message: str, attempt: int | None) -> pb.AddLogRequest:
    return pb.AddLogRequest(
        processid=pid_of(processid), attempt=attempt_of(processid, attempt), message=message
    )


def process_id(processid: Any) -> pb.ProcessIdRequest:
    return pb.ProcessIdRequest(processid=pid_of(processid))


def list_processes(
    colonyname: str, count: int, process_state: int, executortype: str, label: str, initiator: str
) -> pb.ListProcessesRequest:
    return pb.ListProcessesRequest(
        colonyname=colonyname, count=count, state=state(process_state), executortype=executortype,
        label=label, initiator=initiator,
    )  # fmt: skip


def remove_all(colonyname: str, process_state: int | None) -> pb.RemoveAllRequest:
    all_states, value = state_filter(process_state)
    return pb.RemoveAllRequest(colonyname=colonyname, all_states=all_states, state=value)


def list_processgraphs(
    colonyname: str, count: int, graph_state: int | None
) -> pb.ListProcessGraphsRequest:
    all_states, value = state_filter(graph_state)
    return pb.ListProcessGraphsRequest(
        colonyname=colonyname, count=count, all_states=all_states, state=value
    )


def add_attribute(
    processid: Any, key: str, value: str, attempt: int | None
) -> pb.AddAttributeRequest:
    return pb.AddAttributeRequest(
        processid=pid_of(processid), attempt=attempt_of(processid, attempt), key=key, value=value
    )


def process_logs(processid: Any, count: int, since: int, latest: bool) -> pb.GetLogsRequest:
    """Entries after `since` (Unix ns; 0 or -1 = from the start)."""
    return pb.GetLogsRequest(
        processid=pid_of(processid), count=count, since=max(since, 0), latest=latest
    )


def next_log_page(request: pb.GetLogsRequest, reply: pb.GetLogsReply) -> pb.GetLogsRequest | None:
    """The request for the rest, when the server stopped a reply at its byte budget."""
    wanted = request.count or 100
    if not reply.more or not reply.logs or len(reply.logs) >= wanted:
        return None
    following = pb.GetLogsRequest()
    following.CopyFrom(request)
    following.count = wanted - len(reply.logs)
    if request.latest:
        following.before_seq = reply.logs[0].seq
    else:
        following.after_seq = reply.logs[-1].seq
    return following


def executor_logs(
    colonyname: str, executorname: str, count: int, since: int, latest: bool
) -> pb.GetLogsRequest:
    return pb.GetLogsRequest(
        colonyname=colonyname, executorname=executorname, count=count, since=max(since, 0),
        latest=latest,
    )  # fmt: skip


def submit_workflow(value: Any) -> pb.SubmitWorkflowRequest:
    return pb.SubmitWorkflowRequest(spec=convert.workflow_to_pb(workflow(value)))


def add_child(
    processgraphid: str, parentprocessid: Any, childprocessid: str, spec: Any, nodename: str,
    insert: bool, attempt: int | None,
) -> pb.AddChildRequest:  # fmt: skip
    child = funcspec(spec)
    child.nodename = nodename
    return pb.AddChildRequest(
        processgraphid=processgraphid, parentprocessid=pid_of(parentprocessid),
        childprocessid=childprocessid or "", spec=convert.funcspec_to_pb(child),
        insert=insert, attempt=attempt_of(parentprocessid, attempt),
    )  # fmt: skip


def add_cron(
    cronname: str, cronexpr: str, wait: bool, spec: Any, colonyname: str, interval: int,
    random: bool,
) -> pb.AddCronRequest:  # fmt: skip
    return pb.AddCronRequest(
        cron=pb.Cron(
            name=cronname, colonyname=colonyname, cronexpression=cronexpr or "",
            interval=interval, random=random, waitforprevprocessgraph=wait,
            workflowspec=convert.workflow_to_pb(workflow(spec)),
        )
    )  # fmt: skip


def add_generator(generator: Any) -> pb.AddGeneratorRequest:
    g = as_dict(generator)
    return pb.AddGeneratorRequest(
        generator=pb.Generator(
            name=g.get("name", ""), colonyname=g.get("colonyname", ""),
            workflowspec=convert.workflow_to_pb(workflow(g.get("workflowspec") or {})),
            trigger=int(g.get("trigger", 1)), timeout=int(g.get("timeout", 0)),
        )
    )  # fmt: skip


def events(
    colonyname: str, processid: str, processgraphid: str, executortype: str,
    states: Sequence[int], include_current: bool, timeout: float, kinds: Sequence[int],
) -> pb.SubscribeEventsRequest:  # fmt: skip
    return pb.SubscribeEventsRequest(
        colonyname=colonyname, processid=processid, processgraphid=processgraphid,
        executortype=executortype, states=[state(s) for s in states],
        kinds=[cast("pb.EventKind", int(k)) for k in kinds],
        include_current=include_current, timeout=timeout,
    )  # fmt: skip


# ------------------------------------------------------------- channels --


def payload_bytes(payload: Any) -> bytes:
    """A channel payload: bytes as they are, text as UTF-8."""
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return bytes(payload)
    raise TypeError(f"a channel payload is bytes or text, got {type(payload).__name__}")


def channel_append(
    processid: Any, name: str, sequence: int, payload: Any, in_reply_to: int, payload_type: str
) -> pb.ChannelAppendRequest:
    return pb.ChannelAppendRequest(
        processid=pid_of(processid), name=name, sequence=sequence,
        payload=payload_bytes(payload), type=payload_type, inreplyto=in_reply_to,
    )  # fmt: skip


def channel_read(processid: Any, name: str, after: int, limit: int) -> pb.ChannelReadRequest:
    return pb.ChannelReadRequest(processid=pid_of(processid), name=name, after=after, limit=limit)


def subscribe_channel(
    processid: Any, name: str, after: int, timeout: float
) -> pb.SubscribeChannelRequest:
    return pb.SubscribeChannelRequest(
        processid=pid_of(processid), name=name, after=after, timeout=timeout
    )


# ------------------------------------------------- locations, blueprints --


def location(value: Any) -> pb.Location:
    found = value if isinstance(value, Location) else Location.from_dict(as_dict(value))
    return convert.to_pb(found)  # type: ignore[no-any-return]


def blueprint_definition(value: Any) -> pb.BlueprintDefinition:
    found = (
        value
        if isinstance(value, BlueprintDefinition)
        else BlueprintDefinition.from_dict(as_dict(value))
    )
    return convert.to_pb(found)  # type: ignore[no-any-return]


def blueprint(value: Any) -> pb.Blueprint:
    """A blueprint from a model or pycolonies' dict (extra keys, e.g. "handler", are ignored)."""
    found = value if isinstance(value, Blueprint) else Blueprint.from_dict(as_dict(value))
    return convert.to_pb(found)  # type: ignore[no-any-return]


def blueprint_status(colonyname: str, name: str, status: Any) -> pb.UpdateBlueprintStatusRequest:
    if not isinstance(status, Mapping):
        raise errors.InvalidArgument("a blueprint's status must be a dict")
    return pb.UpdateBlueprintStatusRequest(
        colonyname=colonyname, name=name, status_json=encode_json(dict(status))
    )


# ---------------------------------------------------------------- ColonyFS --


def file_selector(
    colonyname: str, label: str | None, fileid: str | None, filename: str | None
) -> dict[str, str]:
    """A file by id, or by label and name (pycolonies refuses both at once)."""
    if fileid and filename:
        raise errors.InvalidArgument(
            "Both 'fileid' and 'filename' cannot be set at the same time. Please provide only one."
        )
    return {"colonyname": colonyname, "fileid": fileid or "", "label": label or "",
            "name": filename or ""}  # fmt: skip


def get_file(
    colonyname: str, label: str | None, fileid: str | None, filename: str | None, latest: bool
) -> pb.GetFileRequest:
    return pb.GetFileRequest(**file_selector(colonyname, label, fileid, filename), latest=latest)


def remove_file(
    colonyname: str, label: str | None, fileid: str | None, filename: str | None
) -> pb.RemoveFileRequest:
    return pb.RemoveFileRequest(**file_selector(colonyname, label, fileid, filename))


def add_file(file: Any) -> pb.AddFileRequest:
    f = file if isinstance(file, File) else File.from_dict(as_dict(file))
    return pb.AddFileRequest(file=convert.to_pb(f))


def staged_upload(
    label: str | None, filepath: Any, filename: str | None, data: bytes | None
) -> tuple[str, str, Path | None]:
    """(label, name, path) of an upload, checked before any byte moves."""
    if not label:
        raise errors.InvalidArgument("label is required")
    check_label(label)
    if data is None:
        if filepath is None:
            raise errors.InvalidArgument("give a filepath, or a filename and data")
        path = Path(filepath)
        if not path.is_file():
            raise errors.InvalidArgument(f"{path} is not a file")
        return label, check_file_name(path.name), path
    if not isinstance(data, (bytes, bytearray)):
        raise errors.InvalidArgument("data must be bytes")
    return label, check_file_name(filename or ""), None


def new_file(
    colonyname: str, label: str, name: str, size: int, checksum: str, ref: S3Object | FileRef
) -> File:
    where = ref if isinstance(ref, FileRef) else FileRef("s3", ref)
    return File(fileid="", colonyname=colonyname, label=label, name=name, size=size,
                checksum=checksum, checksumalg="SHA256", ref=where)  # fmt: skip


def download_target(dst: Any, name: str) -> Path:
    """Where a download goes: into the directory `dst` (default: here), under
    the file's own name, which the server checked is a plain name."""
    folder = Path(dst) if dst else Path.cwd()
    if not folder.is_dir():
        raise errors.InvalidArgument(f"{folder} is not a directory")
    return folder / check_file_name(name)
