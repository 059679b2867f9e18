"""The SDK: a gRPC client whose API mirrors the published pycolonies client.

    from pycolonies_like import Colonies, colonies_client

    colonies = Colonies("localhost", 50070)
    process = colonies.submit_func_spec(spec, prvkey)

Methods keep pycolonies' names and argument order; errors are typed
(`NotFound`, `PermissionDenied`, ...; all derive from `ColoniesError`).
`AsyncColonies` offers the same methods as coroutines.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any

import grpc

from pycolonies_like import convert, signing
from pycolonies_like.core import errors
from pycolonies_like.core.models import (
    FINAL_STATES,
    Attribute,
    Colony,
    Conditions,
    Cron,
    Event,
    EventKind,
    Executor,
    FuncSpec,
    Function,
    Generator,
    LogEntry,
    Process,
    ProcessGraph,
    ProcessState,
    Statistics,
    User,
    Workflow,
)
from pycolonies_like.core.rules import encode_json, env_int
from pycolonies_like.proto import colonies_pb2 as pb

SERVICE = "/colonies.v1.Colonies/"
DEFAULT_PORT = 50070

_CODE_CLASSES: dict[grpc.StatusCode, type[errors.ColoniesError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: errors.InvalidArgument,
    grpc.StatusCode.NOT_FOUND: errors.NotFound,
    grpc.StatusCode.ALREADY_EXISTS: errors.AlreadyExists,
    grpc.StatusCode.UNAUTHENTICATED: errors.Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: errors.PermissionDenied,
    grpc.StatusCode.FAILED_PRECONDITION: errors.FailedPrecondition,
    grpc.StatusCode.RESOURCE_EXHAUSTED: errors.ResourceExhausted,
    grpc.StatusCode.UNAVAILABLE: errors.Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: errors.WaitTimeout,
    grpc.StatusCode.INTERNAL: errors.Internal,
}


def error_from_rpc(err: grpc.RpcError, target: str = "") -> errors.ColoniesError:
    """The typed error for a failed call (the one table of the client side)."""
    code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
    details = (err.details() if hasattr(err, "details") else None) or code.name.lower()
    reason = ""
    trailing = err.trailing_metadata() if hasattr(err, "trailing_metadata") else None
    for key, value in trailing or ():
        if key == signing.ERROR_KEY:
            reason = value.decode() if isinstance(value, bytes) else value
    cls = errors.ERROR_CLASSES.get(reason) or _CODE_CLASSES.get(code, errors.ColoniesError)
    if not reason and code == grpc.StatusCode.UNAVAILABLE:
        return errors.Unavailable(f"cannot reach the server at {target}: {details}")
    return cls(details)


class ProcessId(str):
    """A process id that remembers the assignment (attempt) it was handed out
    with, so `close(process["processid"], ...)` is fenced without extra work."""

    attempt: int

    def __new__(cls, value: str, attempt: int) -> ProcessId:
        obj = super().__new__(cls, value)
        obj.attempt = attempt
        return obj


def _attempt(target: Any, attempt: int | None) -> int:
    """The attempt a call is made for: given, or carried by a Process/ProcessId."""
    if attempt is not None:
        return attempt
    return getattr(target, "attempt", 0) or 0


def _pid(process: Any) -> str:
    if isinstance(process, (Process, Mapping)):
        return str(process["processid"])
    pid = getattr(process, "processid", process)
    return str(pid)


def _assigned(reply: pb.Process) -> Process:
    p = convert.process_from_pb(reply)
    return dataclasses.replace(p, processid=ProcessId(p.processid, p.attempt))


def _as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, Mapping):
        return dict(obj)
    if hasattr(obj, "model_dump"):  # pycolonies' pydantic models
        return obj.model_dump(by_alias=True)
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    raise errors.InvalidArgument(f"expected a dict or a model, got {type(obj).__name__}")


def _funcspec(spec: Any) -> FuncSpec:
    if isinstance(spec, FuncSpec):
        return spec
    return FuncSpec.from_dict(_as_dict(spec))


def _workflow(workflow: Any) -> Workflow:
    if isinstance(workflow, Workflow):
        return workflow
    if isinstance(workflow, str):
        return Workflow.from_dict(json.loads(workflow))
    return Workflow.from_dict(_as_dict(workflow))


def _state_filter(state: int | None) -> tuple[bool, Any]:
    """(all_states, state) for requests where -1/None means every state."""
    if state is None or state == -1:
        return True, 0
    return False, int(state)


def _states(states: Sequence[int]) -> Any:
    return [int(s) for s in states]


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
        import base64

        spec.env["code"] = base64.b64encode(code.encode()).decode()
    if executorname is not None:
        spec.conditions.executornames = [executorname]
    return spec


class _Api:
    """Every call of the API, as (method, request, how to read the reply).

    `_invoke` is synchronous in `Colonies` and returns a coroutine in
    `AsyncColonies`, so each method below serves both clients.
    """

    WAITING = 0
    RUNNING = 1
    SUCCESSFUL = 2
    FAILED = 3
    CANCELLED = 4

    host: str
    port: int
    tls: bool
    timeout: float
    target: str

    def _connect(
        self, grpc_module: Any, host: str, port: int, tls: bool,
        root_certificates: bytes | None, timeout: float, options: Sequence[tuple[str, Any]],
    ) -> Any:  # fmt: skip
        """Records where to connect and opens the channel (`grpc` or `grpc.aio`)."""
        self.host, self.port, self.tls, self.timeout = host, int(port), tls, timeout
        self.target = f"{host}:{self.port}"
        self._stubs: dict[str, Any] = {}
        opts = [("grpc.max_receive_message_length", 64 * 1024 * 1024), *options]
        if tls:
            credentials = grpc.ssl_channel_credentials(root_certificates)
            return grpc_module.secure_channel(self.target, credentials, options=opts)
        return grpc_module.insecure_channel(self.target, options=opts)

    def _invoke(
        self,
        method: str,
        request: Any,
        prvkey: str,
        reply_type: Any,
        read: Callable[[Any], Any] = lambda r: r,
        timeout: float | None = None,
    ) -> Any:
        raise NotImplementedError

    # ---------------------------------------------------------- server --

    def server_info(self, prvkey: str) -> Any:
        return self._invoke("GetServerInfo", pb.GetServerInfoRequest(), prvkey, pb.ServerInfo)

    def server_stats(self, prvkey: str) -> Statistics:
        return self._invoke(
            "GetStatistics", pb.GetStatisticsRequest(), prvkey, pb.Statistics,
            convert.stats_from_pb,
        )  # fmt: skip

    # -------------------------------------------------------- colonies --

    def add_colony(self, colony: Any, prvkey: str) -> Colony:
        c = _as_dict(colony)
        request = pb.AddColonyRequest(
            colony=pb.Colony(colonyid=c.get("colonyid", ""), name=c.get("name", ""))
        )
        return self._invoke("AddColony", request, prvkey, pb.Colony, convert.colony_from_pb)

    def del_colony(self, colonyname: str, prvkey: str) -> None:
        return self._invoke(
            "RemoveColony", pb.ColonyNameRequest(colonyname=colonyname), prvkey, pb.Empty,
            lambda r: None,
        )  # fmt: skip

    remove_colony = del_colony

    def list_colonies(self, prvkey: str) -> list[Colony]:
        return self._invoke(
            "ListColonies", pb.ListColoniesRequest(), prvkey, pb.ListColoniesReply,
            lambda r: [convert.colony_from_pb(c) for c in r.colonies],
        )  # fmt: skip

    def get_colony(self, colonyname: str, prvkey: str) -> Colony:
        return self._invoke(
            "GetColony", pb.ColonyNameRequest(colonyname=colonyname), prvkey, pb.Colony,
            convert.colony_from_pb,
        )  # fmt: skip

    def stats(self, colonyname: str, prvkey: str) -> Statistics:
        return self._invoke(
            "GetColonyStatistics", pb.ColonyNameRequest(colonyname=colonyname), prvkey,
            pb.Statistics, convert.stats_from_pb,
        )  # fmt: skip

    # ------------------------------------------------------- executors --

    def add_executor(self, executor: Any, prvkey: str) -> Executor:
        e = _as_dict(executor)
        request = pb.AddExecutorRequest(
            executor=pb.Executor(
                executorid=e.get("executorid", ""),
                executortype=e.get("executortype", ""),
                executorname=e.get("executorname", ""),
                colonyname=e.get("colonyname", ""),
            )
        )
        return self._invoke("AddExecutor", request, prvkey, pb.Executor, convert.executor_from_pb)

    def _executor_call(self, method: str, colonyname: str, executorname: str, prvkey: str) -> Any:
        request = pb.ExecutorNameRequest(colonyname=colonyname, executorname=executorname)
        return self._invoke(method, request, prvkey, pb.Executor, convert.executor_from_pb)

    def approve_executor(self, colonyname: str, executorname: str, prvkey: str) -> Executor:
        return self._executor_call("ApproveExecutor", colonyname, executorname, prvkey)

    def reject_executor(self, colonyname: str, executorname: str, prvkey: str) -> Executor:
        return self._executor_call("RejectExecutor", colonyname, executorname, prvkey)

    def get_executor(self, colonyname: str, executorname: str, prvkey: str) -> Executor:
        return self._executor_call("GetExecutor", colonyname, executorname, prvkey)

    def remove_executor(self, colonyname: str, executorname: str, prvkey: str) -> None:
        request = pb.ExecutorNameRequest(colonyname=colonyname, executorname=executorname)
        return self._invoke("RemoveExecutor", request, prvkey, pb.Empty, lambda r: None)

    def list_executors(self, colonyname: str, prvkey: str) -> list[Executor]:
        return self._invoke(
            "ListExecutors", pb.ColonyNameRequest(colonyname=colonyname), prvkey,
            pb.ListExecutorsReply, lambda r: [convert.executor_from_pb(e) for e in r.executors],
        )  # fmt: skip

    # ------------------------------------------------------- functions --

    def add_function(
        self, colonyname: str, executorname: str, funcname: str, prvkey: str,
        description: str = "",
    ) -> Function:  # fmt: skip
        request = pb.AddFunctionRequest(
            function=pb.Function(
                colonyname=colonyname, executorname=executorname, funcname=funcname,
                description=description,
            )
        )  # fmt: skip
        return self._invoke("AddFunction", request, prvkey, pb.Function, convert.function_from_pb)

    def get_functions_by_executor(
        self, colonyname: str, executorname: str, prvkey: str
    ) -> list[Function]:
        request = pb.ListFunctionsRequest(colonyname=colonyname, executorname=executorname)
        return self._invoke(
            "ListFunctions", request, prvkey, pb.ListFunctionsReply,
            lambda r: [convert.function_from_pb(f) for f in r.functions],
        )  # fmt: skip

    def get_functions_by_colony(self, colonyname: str, prvkey: str) -> list[Function]:
        return self.get_functions_by_executor(colonyname, "", prvkey)

    def remove_function(self, functionid: str, prvkey: str) -> None:
        return self._invoke(
            "RemoveFunction", pb.RemoveFunctionRequest(functionid=functionid), prvkey, pb.Empty,
            lambda r: None,
        )  # fmt: skip

    # ----------------------------------------------------------- users --

    def add_user(self, user: Any, prvkey: str) -> User:
        u = _as_dict(user)
        request = pb.AddUserRequest(
            user=pb.User(
                colonyname=u.get("colonyname", ""), userid=u.get("userid", ""),
                name=u.get("name", ""), email=u.get("email", ""), phone=u.get("phone", ""),
            )
        )  # fmt: skip
        return self._invoke("AddUser", request, prvkey, pb.User, convert.user_from_pb)

    def get_users(self, colonyname: str, prvkey: str) -> list[User]:
        return self._invoke(
            "ListUsers", pb.ColonyNameRequest(colonyname=colonyname), prvkey, pb.ListUsersReply,
            lambda r: [convert.user_from_pb(u) for u in r.users],
        )  # fmt: skip

    def get_user(self, colonyname: str, name: str, prvkey: str) -> User:
        return self._invoke(
            "GetUser", pb.UserNameRequest(colonyname=colonyname, name=name), prvkey, pb.User,
            convert.user_from_pb,
        )  # fmt: skip

    def remove_user(self, colonyname: str, name: str, prvkey: str) -> None:
        return self._invoke(
            "RemoveUser", pb.UserNameRequest(colonyname=colonyname, name=name), prvkey, pb.Empty,
            lambda r: None,
        )  # fmt: skip

    # ------------------------------------------------------- processes --

    def submit_func_spec(self, spec: Any, prvkey: str, idempotency_key: str = "") -> Process:
        request = pb.SubmitRequest(
            spec=convert.funcspec_to_pb(_funcspec(spec)), idempotency_key=idempotency_key
        )
        return self._invoke("Submit", request, prvkey, pb.Process, convert.process_from_pb)

    # The seed tutorial calls it `submit`.
    submit = submit_func_spec

    def submit_batch(self, specs: Sequence[Any], prvkey: str) -> list[Process]:
        request = pb.SubmitBatchRequest(specs=[convert.funcspec_to_pb(_funcspec(s)) for s in specs])
        return self._invoke(
            "SubmitBatch", request, prvkey, pb.SubmitBatchReply,
            lambda r: [convert.process_from_pb(p) for p in r.processes],
        )  # fmt: skip

    def assign(self, colonyname: str, timeout: float, prvkey: str) -> Process:
        """Waits up to `timeout` seconds for a process; raises NoProcessAvailable."""
        request = pb.AssignRequest(colonyname=colonyname, timeout=timeout)
        return self._invoke(
            "Assign", request, prvkey, pb.Process, _assigned, timeout=max(timeout, 0) + 30
        )

    def close(
        self, processid: Any, output: Sequence[Any] | None, prvkey: str, attempt: int | None = None
    ) -> None:
        request = pb.CloseRequest(
            processid=_pid(processid), attempt=_attempt(processid, attempt),
            out_json=encode_json(list(output)) if output else "",
        )  # fmt: skip
        return self._invoke("Close", request, prvkey, pb.Empty, lambda r: None)

    def fail(
        self, processid: Any, errors: Sequence[str] | None, prvkey: str, attempt: int | None = None
    ) -> None:
        request = pb.FailRequest(
            processid=_pid(processid), attempt=_attempt(processid, attempt),
            errors=[str(e) for e in errors or ()],
        )  # fmt: skip
        return self._invoke("Fail", request, prvkey, pb.Empty, lambda r: None)

    def set_output(
        self, processid: Any, arr: Sequence[Any], prvkey: str, attempt: int | None = None
    ) -> None:
        request = pb.SetOutputRequest(
            processid=_pid(processid), attempt=_attempt(processid, attempt),
            out_json=encode_json(list(arr)),
        )  # fmt: skip
        return self._invoke("SetOutput", request, prvkey, pb.Empty, lambda r: None)

    def release(self, processid: Any, prvkey: str, attempt: int | None = None) -> None:
        """Hands a running process back to the queue (its retry count is kept)."""
        request = pb.ReleaseRequest(processid=_pid(processid), attempt=_attempt(processid, attempt))
        return self._invoke("Release", request, prvkey, pb.Empty, lambda r: None)

    def heartbeat(self, processid: Any, prvkey: str, attempt: int | None = None) -> Any:
        """Extends the deadline of a long process; `.cancelled` tells if it should stop."""
        request = pb.HeartbeatRequest(
            processid=_pid(processid), attempt=_attempt(processid, attempt)
        )
        return self._invoke("Heartbeat", request, prvkey, pb.HeartbeatReply)

    def get_process(self, processid: Any, prvkey: str) -> Process:
        return self._invoke(
            "GetProcess", pb.ProcessIdRequest(processid=_pid(processid)), prvkey, pb.Process,
            convert.process_from_pb,
        )  # fmt: skip

    def list_processes(
        self, colonyname: str, count: int, state: int, prvkey: str, *, executortype: str = "",
        label: str = "", initiator: str = "",
    ) -> list[Process]:  # fmt: skip
        request = pb.ListProcessesRequest(
            colonyname=colonyname, count=count, state=_states([state])[0],
            executortype=executortype,
            label=label, initiator=initiator,
        )  # fmt: skip
        return self._invoke(
            "ListProcesses", request, prvkey, pb.ListProcessesReply,
            lambda r: [convert.process_from_pb(p) for p in r.processes],
        )  # fmt: skip

    def remove_process(self, processid: Any, prvkey: str) -> None:
        return self._invoke(
            "RemoveProcess", pb.ProcessIdRequest(processid=_pid(processid)), prvkey, pb.Empty,
            lambda r: None,
        )  # fmt: skip

    def remove_all_processes(self, colonyname: str, prvkey: str, state: int = -1) -> int:
        all_states, value = _state_filter(state)
        request = pb.RemoveAllRequest(colonyname=colonyname, all_states=all_states, state=value)
        return self._invoke(
            "RemoveAllProcesses", request, prvkey, pb.RemovedReply, lambda r: r.removed
        )

    def cancel(self, processid: Any, prvkey: str) -> Process:
        return self._invoke(
            "CancelProcess", pb.ProcessIdRequest(processid=_pid(processid)), prvkey, pb.Process,
            convert.process_from_pb,
        )  # fmt: skip

    cancel_process = cancel

    # ------------------------------------------------------ attributes --

    def add_attribute(
        self, processid: Any, key: str, value: str, prvkey: str, attempt: int | None = None
    ) -> Attribute:
        request = pb.AddAttributeRequest(
            processid=_pid(processid), attempt=_attempt(processid, attempt), key=key, value=value
        )
        return self._invoke(
            "AddAttribute", request, prvkey, pb.Attribute, convert.attribute_from_pb
        )

    def get_attribute(self, attributeid: str, prvkey: str) -> Attribute:
        return self._invoke(
            "GetAttribute", pb.GetAttributeRequest(attributeid=attributeid), prvkey, pb.Attribute,
            convert.attribute_from_pb,
        )  # fmt: skip

    # ------------------------------------------------------------ logs --

    def add_log(self, processid: Any, logmsg: str, prvkey: str, attempt: int | None = None) -> None:
        request = pb.AddLogRequest(
            processid=_pid(processid), attempt=_attempt(processid, attempt), message=logmsg
        )
        return self._invoke("AddLog", request, prvkey, pb.Empty, lambda r: None)

    def get_process_log(
        self, colonyname: str, processid: Any, count: int, since: int, prvkey: str,
        latest: bool = False,
    ) -> list[LogEntry]:  # fmt: skip
        """Entries after `since` (Unix ns; 0 or -1 = from the start), oldest first."""
        return self._get_logs(
            prvkey, processid=_pid(processid), count=count, since=max(since, 0), latest=latest
        )

    def get_executor_log(
        self, colonyname: str, executorname: str, count: int, since: int, prvkey: str,
        latest: bool = False,
    ) -> list[LogEntry]:  # fmt: skip
        """What an executor logged, over all its processes, oldest first."""
        return self._get_logs(
            prvkey, colonyname=colonyname, executorname=executorname, count=count,
            since=max(since, 0), latest=latest,
        )  # fmt: skip

    def _get_logs(self, prvkey: str, **fields: Any) -> list[LogEntry]:
        return self._invoke(
            "GetLogs", pb.GetLogsRequest(**fields), prvkey, pb.GetLogsReply,
            lambda r: [convert.log_from_pb(e) for e in r.logs],
        )  # fmt: skip

    # ------------------------------------------------------- workflows --

    def submit_workflow(self, workflow: Any, prvkey: str) -> ProcessGraph:
        request = pb.SubmitWorkflowRequest(spec=convert.workflow_to_pb(_workflow(workflow)))
        return self._invoke(
            "SubmitWorkflow", request, prvkey, pb.ProcessGraph, convert.graph_from_pb
        )

    def get_processgraph(self, processgraphid: str, prvkey: str) -> ProcessGraph:
        return self._invoke(
            "GetProcessGraph", pb.ProcessGraphIdRequest(processgraphid=processgraphid), prvkey,
            pb.ProcessGraph, convert.graph_from_pb,
        )  # fmt: skip

    def get_processgraphs(
        self, colonyname: str, count: int, prvkey: str, state: int | None = None
    ) -> list[ProcessGraph]:
        all_states, value = _state_filter(state)
        request = pb.ListProcessGraphsRequest(
            colonyname=colonyname, count=count, all_states=all_states, state=value
        )
        return self._invoke(
            "ListProcessGraphs", request, prvkey, pb.ListProcessGraphsReply,
            lambda r: [convert.graph_from_pb(g) for g in r.processgraphs],
        )  # fmt: skip

    def remove_processgraph(self, processgraphid: str, prvkey: str) -> None:
        return self._invoke(
            "RemoveProcessGraph", pb.ProcessGraphIdRequest(processgraphid=processgraphid), prvkey,
            pb.Empty, lambda r: None,
        )  # fmt: skip

    def remove_all_processgraphs(
        self, colonyname: str, prvkey: str, state: int | None = None
    ) -> int:
        all_states, value = _state_filter(state)
        request = pb.RemoveAllRequest(colonyname=colonyname, all_states=all_states, state=value)
        return self._invoke(
            "RemoveAllProcessGraphs", request, prvkey, pb.RemovedReply, lambda r: r.removed
        )

    def get_processes_for_workflow(
        self, processgraphid: str, colonyname: str, prvkey: str, count: int = 100
    ) -> list[Process]:
        """The processes of a workflow, in the order of its spec (`count` at most)."""
        return self._invoke(
            "GetProcessGraphProcesses", pb.ProcessGraphIdRequest(processgraphid=processgraphid),
            prvkey, pb.ListProcessesReply,
            lambda r: [convert.process_from_pb(p) for p in r.processes][:count],
        )  # fmt: skip

    def cancel_processgraph(self, processgraphid: str, prvkey: str) -> ProcessGraph:
        return self._invoke(
            "CancelProcessGraph", pb.ProcessGraphIdRequest(processgraphid=processgraphid), prvkey,
            pb.ProcessGraph, convert.graph_from_pb,
        )  # fmt: skip

    cancel_workflow = cancel_processgraph

    def add_child(
        self, processgraphid: str, parentprocessid: Any, childprocessid: str, funcspec: Any,
        nodename: str, insert: bool, prvkey: str, attempt: int | None = None,
    ) -> Process:  # fmt: skip
        spec = _funcspec(funcspec)
        spec.nodename = nodename
        request = pb.AddChildRequest(
            processgraphid=processgraphid, parentprocessid=_pid(parentprocessid),
            childprocessid=childprocessid or "", spec=convert.funcspec_to_pb(spec),
            insert=insert, attempt=_attempt(parentprocessid, attempt),
        )  # fmt: skip
        return self._invoke("AddChild", request, prvkey, pb.Process, convert.process_from_pb)

    # ----------------------------------------------------------- crons --

    def add_cron(
        self, cronname: str, cronexpr: str, wait: bool, workflow: Any, colonyname: str,
        prvkey: str, interval: int = -1, random: bool = False,
    ) -> Cron:  # fmt: skip
        request = pb.AddCronRequest(
            cron=pb.Cron(
                name=cronname, colonyname=colonyname, cronexpression=cronexpr or "",
                interval=interval, random=random, waitforprevprocessgraph=wait,
                workflowspec=convert.workflow_to_pb(_workflow(workflow)),
            )
        )  # fmt: skip
        return self._invoke("AddCron", request, prvkey, pb.Cron, convert.cron_from_pb)

    def get_cron(self, cronid: str, prvkey: str) -> Cron:
        return self._invoke(
            "GetCron", pb.CronIdRequest(cronid=cronid), prvkey, pb.Cron, convert.cron_from_pb
        )

    def get_crons(self, colonyname: str, count: int, prvkey: str) -> list[Cron]:
        return self._invoke(
            "ListCrons", pb.ListCronsRequest(colonyname=colonyname, count=count), prvkey,
            pb.ListCronsReply, lambda r: [convert.cron_from_pb(c) for c in r.crons],
        )  # fmt: skip

    def del_cron(self, cronid: str, prvkey: str) -> None:
        return self._invoke(
            "RemoveCron", pb.CronIdRequest(cronid=cronid), prvkey, pb.Empty, lambda r: None
        )

    remove_cron = del_cron

    def run_cron(self, cronid: str, prvkey: str) -> Cron:
        return self._invoke(
            "RunCron", pb.CronIdRequest(cronid=cronid), prvkey, pb.Cron, convert.cron_from_pb
        )

    # ------------------------------------------------------ generators --

    def add_generator(self, generator: Any, prvkey: str) -> Generator:
        g = _as_dict(generator)
        request = pb.AddGeneratorRequest(
            generator=pb.Generator(
                name=g.get("name", ""), colonyname=g.get("colonyname", ""),
                workflowspec=convert.workflow_to_pb(_workflow(g.get("workflowspec") or {})),
                trigger=int(g.get("trigger", 1)), timeout=int(g.get("timeout", 0)),
            )
        )  # fmt: skip
        return self._invoke(
            "AddGenerator", request, prvkey, pb.Generator, convert.generator_from_pb
        )

    def get_generator(self, generatorid: str, prvkey: str) -> Generator:
        return self._invoke(
            "GetGenerator", pb.GeneratorIdRequest(generatorid=generatorid), prvkey, pb.Generator,
            convert.generator_from_pb,
        )  # fmt: skip

    def get_generators(self, colonyname: str, prvkey: str, count: int = 100) -> list[Generator]:
        return self._invoke(
            "ListGenerators", pb.ListGeneratorsRequest(colonyname=colonyname, count=count), prvkey,
            pb.ListGeneratorsReply, lambda r: [convert.generator_from_pb(g) for g in r.generators],
        )  # fmt: skip

    def remove_generator(self, generatorid: str, prvkey: str) -> None:
        return self._invoke(
            "RemoveGenerator", pb.GeneratorIdRequest(generatorid=generatorid), prvkey, pb.Empty,
            lambda r: None,
        )  # fmt: skip

    def pack_generator(self, generatorid: str, arg: str, prvkey: str) -> None:
        return self._invoke(
            "PackGenerator", pb.PackGeneratorRequest(generatorid=generatorid, arg=arg), prvkey,
            pb.Empty, lambda r: None,
        )  # fmt: skip


def _events_request(
    colonyname: str,
    processid: str,
    processgraphid: str,
    executortype: str,
    states: Sequence[int],
    include_current: bool,
    timeout: float,
    kinds: Sequence[int] = (),
) -> pb.SubscribeEventsRequest:
    return pb.SubscribeEventsRequest(
        colonyname=colonyname, processid=processid, processgraphid=processgraphid,
        executortype=executortype, states=_states(states), kinds=_states(kinds),
        include_current=include_current, timeout=timeout,
    )  # fmt: skip


GRAPH_ENDS = (EventKind.GRAPH_SUCCEEDED, EventKind.GRAPH_FAILED, EventKind.GRAPH_CANCELLED)


class Colonies(_Api):
    """Synchronous client; thread-safe. `Colonies(host, port, tls=False)`."""

    def __init__(
        self,
        host: str = "localhost",
        port: int = DEFAULT_PORT,
        tls: bool = False,
        native_crypto: bool = False,
        *,
        root_certificates: bytes | None = None,
        timeout: float = 30.0,
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        self._channel = self._connect(grpc, host, port, tls, root_certificates, timeout, options)

    def close_channel(self) -> None:
        self._channel.close()

    def __enter__(self) -> Colonies:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close_channel()

    def _stub(self, method: str, reply_type: Any, streaming: bool = False) -> Any:
        stub = self._stubs.get(method)
        if stub is None:
            factory = self._channel.unary_stream if streaming else self._channel.unary_unary
            stub = factory(SERVICE + method, response_deserializer=reply_type.FromString)
            self._stubs[method] = stub
        return stub

    def _invoke(
        self,
        method: str,
        request: Any,
        prvkey: str,
        reply_type: Any,
        read: Callable[[Any], Any] = lambda r: r,
        timeout: float | None = None,
    ) -> Any:
        payload = request.SerializeToString()
        metadata = signing.sign_call(prvkey, SERVICE + method, payload)
        try:
            reply = self._stub(method, reply_type)(
                payload, metadata=metadata, timeout=timeout or self.timeout
            )
        except grpc.RpcError as err:
            raise error_from_rpc(err, self.target) from None
        return read(reply)

    def _stream(
        self, method: str, request: Any, prvkey: str, reply_type: Any, timeout: float | None
    ) -> Iterator[Any]:
        payload = request.SerializeToString()
        metadata = signing.sign_call(prvkey, SERVICE + method, payload)
        call = self._stub(method, reply_type, streaming=True)(
            payload, metadata=metadata, timeout=timeout
        )
        try:
            yield from call
        except grpc.RpcError as err:
            raise error_from_rpc(err, self.target) from None
        finally:
            call.cancel()

    # ------------------------------------------------------- streaming --

    def follow_logs(self, processid: Any, prvkey: str, after_seq: int = 0) -> Iterator[LogEntry]:
        """Yields log entries as they are written, until the process has ended."""
        request = pb.FollowLogsRequest(processid=_pid(processid), after_seq=after_seq)
        for entry in self._stream("FollowLogs", request, prvkey, pb.LogEntry, None):
            yield convert.log_from_pb(entry)

    def events(
        self, colonyname: str, prvkey: str, *, processid: str = "", processgraphid: str = "",
        executortype: str = "", states: Sequence[int] = (), include_current: bool = False,
        timeout: float = 0.0, kinds: Sequence[int] = (),
    ) -> Iterator[Event]:  # fmt: skip
        """Yields process and workflow events of a colony as they happen. The
        first event is always SUBSCRIBED: from then on nothing is missed."""
        request = _events_request(
            colonyname,
            processid,
            processgraphid,
            executortype,
            states,
            include_current,
            timeout,
            kinds,
        )
        deadline = timeout + 30 if timeout > 0 else None
        for event in self._stream("SubscribeEvents", request, prvkey, pb.Event, deadline):
            yield convert.event_from_pb(event)

    def wait(self, process: Any, timeout: float, prvkey: str) -> Process:
        """Blocks until the process has ended (successful, failed or cancelled)
        and returns it; raises WaitTimeout after `timeout` seconds."""
        processid = _pid(process)
        colonyname = _colony_of(process) or self.get_process(processid, prvkey).colonyname
        for event in self.events(
            colonyname, prvkey, processid=processid, states=FINAL_STATES,
            include_current=True, timeout=timeout,
        ):  # fmt: skip
            if event.process is not None:
                return event.process
        raise errors.WaitTimeout(f"process {processid} did not end within {timeout} s")

    def wait_workflow(self, processgraph: Any, timeout: float, prvkey: str) -> ProcessGraph:
        """Blocks until the workflow has ended and returns its graph."""
        graphid = getattr(processgraph, "processgraphid", processgraph)
        colonyname = (
            getattr(processgraph, "colonyname", "")
            or self.get_processgraph(graphid, prvkey).colonyname
        )
        for event in self.events(
            colonyname, prvkey, processgraphid=graphid, states=FINAL_STATES,
            include_current=True, timeout=timeout, kinds=GRAPH_ENDS,
        ):  # fmt: skip
            if event.processgraph is not None and event.processgraph.state.is_final:
                return event.processgraph
        raise errors.WaitTimeout(f"workflow {graphid} did not end within {timeout} s")

    def run_workflow(
        self, workflow: Any, prvkey: str, handler: Any, timeout: float = 0.0
    ) -> ProcessGraph:
        """Submits a workflow and calls `handler` (an EventHandler) as it runs,
        one event at a time, until it ends; returns the final graph."""
        from pycolonies_like.events import run_workflow

        return run_workflow(self, workflow, prvkey, handler, timeout)

    def find_process(self, nodename: str, processids: Sequence[str], prvkey: str) -> Process | None:
        for processid in processids:
            process = self.get_process(processid, prvkey)
            if process.spec.nodename == nodename:
                return process
        return None


def _colony_of(process: Any) -> str:
    if isinstance(process, Process):
        return process.colonyname
    spec = getattr(process, "spec", None)
    conditions = getattr(spec, "conditions", None)
    return getattr(conditions, "colonyname", "") or ""


class AsyncColonies(_Api):
    """The same API as `Colonies`, as coroutines, on grpc.aio."""

    def __init__(
        self,
        host: str = "localhost",
        port: int = DEFAULT_PORT,
        tls: bool = False,
        *,
        root_certificates: bytes | None = None,
        timeout: float = 30.0,
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        self.channel = self._connect(grpc.aio, host, port, tls, root_certificates, timeout, options)

    async def close_channel(self) -> None:
        await self.channel.close()

    async def __aenter__(self) -> AsyncColonies:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close_channel()

    def _stub(self, method: str, reply_type: Any, streaming: bool = False) -> Any:
        stub = self._stubs.get(method)
        if stub is None:
            factory = self.channel.unary_stream if streaming else self.channel.unary_unary
            stub = factory(SERVICE + method, response_deserializer=reply_type.FromString)
            self._stubs[method] = stub
        return stub

    async def _call(
        self, method: str, request: Any, prvkey: str, reply_type: Any,
        read: Callable[[Any], Any], timeout: float | None,
    ) -> Any:  # fmt: skip
        payload = request.SerializeToString()
        metadata = signing.sign_call(prvkey, SERVICE + method, payload)
        try:
            reply = await self._stub(method, reply_type)(
                payload, metadata=metadata, timeout=timeout or self.timeout
            )
        except grpc.RpcError as err:
            raise error_from_rpc(err, self.target) from None
        return read(reply)

    def _invoke(
        self,
        method: str,
        request: Any,
        prvkey: str,
        reply_type: Any,
        read: Callable[[Any], Any] = lambda r: r,
        timeout: float | None = None,
    ) -> Any:
        return self._call(method, request, prvkey, reply_type, read, timeout)

    async def events(
        self, colonyname: str, prvkey: str, *, processid: str = "", processgraphid: str = "",
        executortype: str = "", states: Sequence[int] = (), include_current: bool = False,
        timeout: float = 0.0, kinds: Sequence[int] = (),
    ) -> AsyncIterator[Event]:  # fmt: skip
        request = _events_request(
            colonyname,
            processid,
            processgraphid,
            executortype,
            states,
            include_current,
            timeout,
            kinds,
        )
        payload = request.SerializeToString()
        metadata = signing.sign_call(prvkey, SERVICE + "SubscribeEvents", payload)
        call = self._stub("SubscribeEvents", pb.Event, streaming=True)(
            payload, metadata=metadata, timeout=timeout + 30 if timeout > 0 else None
        )
        try:
            async for event in call:
                yield convert.event_from_pb(event)
        except grpc.RpcError as err:
            raise error_from_rpc(err, self.target) from None
        finally:
            call.cancel()

    async def wait(self, process: Any, timeout: float, prvkey: str) -> Process:
        processid = _pid(process)
        if not (colonyname := _colony_of(process)):
            colonyname = (await self.get_process(processid, prvkey)).colonyname  # type: ignore[misc]
        async for event in self.events(
            colonyname, prvkey, processid=processid, states=FINAL_STATES,
            include_current=True, timeout=timeout,
        ):  # fmt: skip
            if event.process is not None:
                return event.process
        raise errors.WaitTimeout(f"process {processid} did not end within {timeout} s")

    def session(self, colonyname: str, prvkey: str, capacity: int = 1) -> Any:
        """An executor session (see `pycolonies_like.session.ExecutorSession`)."""
        from pycolonies_like.session import ExecutorSession

        return ExecutorSession(self, colonyname, prvkey, capacity)


def colonies_client(native_crypto: bool = False) -> tuple[Colonies, str, str, str, str]:
    """Like pycolonies: a client and the settings from COLONIES_* variables:
    (client, colonyname, colony_prvkey, executorname, prvkey)."""
    host = os.getenv("COLONIES_SERVER_HOST", "localhost")
    port = env_int(os.environ, "COLONIES_SERVER_PORT", DEFAULT_PORT)
    tls = os.getenv("COLONIES_SERVER_TLS", os.getenv("COLONIES_TLS", "false")).lower() == "true"
    client = Colonies(host, port, tls)
    return (
        client,
        os.getenv("COLONIES_COLONY_NAME", ""),
        os.getenv("COLONIES_COLONY_PRVKEY", ""),
        os.getenv("COLONIES_EXECUTOR_NAME", ""),
        os.getenv("COLONIES_PRVKEY", ""),
    )


__all__ = [
    "AsyncColonies",
    "Colonies",
    "ProcessId",
    "colonies_client",
    "error_from_rpc",
    "func_spec",
    "ProcessState",
]
