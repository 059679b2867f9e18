"""The SDK: a gRPC client whose API mirrors the published pycolonies client.

    from pycolonies_like import Colonies, colonies_client

    colonies = Colonies("localhost", 50070)
    process = colonies.submit_func_spec(spec, prvkey)

Methods keep pycolonies' names and argument order; errors are typed
(`NotFound`, `PermissionDenied`, ...; all derive from `ColoniesError`).
`AsyncColonies` (in `pycolonies_like.aio`) offers the same methods as
coroutines. Each method builds its request (`compat`), makes one typed call
(`self.rpc`, the generated stub) and reads the reply (`replies`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import grpc

from pycolonies_like import compat, convert, replies, tracing
from pycolonies_like.aio import AsyncColonies
from pycolonies_like.blueprints_api import BlueprintMethods
from pycolonies_like.channel import (
    DEFAULT_PORT,
    SERVICE,
    Endpoint,
    SignedChannel,
    error_from_rpc,
    open_channel,
)
from pycolonies_like.channels_api import ChannelMethods
from pycolonies_like.colonyfs_api import ColonyFsMethods
from pycolonies_like.compat import ProcessId, func_spec
from pycolonies_like.core import errors
from pycolonies_like.core.models import (
    FINAL_STATES,
    Attribute,
    Colony,
    Cron,
    Executor,
    Function,
    Generator,
    LogEntry,
    Process,
    ProcessGraph,
    ProcessState,
    Statistics,
    User,
)
from pycolonies_like.core.rules import check_timeout, env_int
from pycolonies_like.events import GRAPH_ENDS, EventHandler, EventStream, run_workflow
from pycolonies_like.flow_api import FlowMethods
from pycolonies_like.proto import colonies_pb2 as pb
from pycolonies_like.proto.colonies_stubs import ColoniesStub


class _DelayedAcks:
    """Confirms assignments received by unary `assign` shortly after they
    arrive (compat.ACK_DELAY_S), unless the executor has said something about
    them first; one daemon thread, started on first use."""

    def __init__(self, send: Callable[[pb.AcknowledgeRequest, str], object]) -> None:
        self._send = send
        self._due: dict[str, tuple[float, pb.AcknowledgeRequest, str]] = {}
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, process: Process, prvkey: str) -> None:
        request = compat.acknowledge(process.processid, process.attempt)
        with self._cond:
            self._due[process.processid] = (time.monotonic() + compat.ACK_DELAY_S, request, prvkey)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="colonies-acks", daemon=True)
                self._thread.start()
            self._cond.notify()

    def said(self, processid: Any) -> None:
        """The executor spoke about the process: no confirmation needed."""
        if self._due:
            with self._cond:
                self._due.pop(compat.pid_of(processid), None)

    def flush(self) -> None:
        """Confirms now what is still due (the client is closing)."""
        with self._cond:
            due, self._due = list(self._due.values()), {}
        for _, request, prvkey in due:
            try:
                self._send(request, prvkey)
            except Exception:  # the server is gone: the lease decides
                pass

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._due:
                    self._cond.wait()
                pid, (when, request, prvkey) = min(self._due.items(), key=lambda kv: kv[1][0])
                wait = when - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                del self._due[pid]
            try:
                self._send(request, prvkey)
            except Exception:  # closed meanwhile, or the client is gone: the lease decides
                pass


class Colonies(Endpoint, ColonyFsMethods, BlueprintMethods, ChannelMethods, FlowMethods):
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
        super().__init__(host, port, tls, timeout)
        self._channel = open_channel(grpc, self.target, tls, root_certificates, options)
        self.rpc = ColoniesStub(SignedChannel(self._channel, self.target, timeout))
        self._acks = _DelayedAcks(self.rpc.Acknowledge)

    def close_channel(self) -> None:
        self._acks.flush()  # what `assign` returned was received: say so before going
        self._channel.close()

    def __enter__(self) -> Colonies:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close_channel()

    # ---------------------------------------------------------- server --

    def server_info(self, prvkey: str) -> pb.ServerInfo:
        return self.rpc.GetServerInfo(pb.GetServerInfoRequest(), prvkey)

    def server_stats(self, prvkey: str) -> Statistics:
        return convert.stats_from_pb(self.rpc.GetStatistics(pb.GetStatisticsRequest(), prvkey))

    # -------------------------------------------------------- colonies --

    def add_colony(self, colony: Any, prvkey: str) -> Colony:
        return convert.colony_from_pb(self.rpc.AddColony(compat.add_colony(colony), prvkey))

    def del_colony(self, colonyname: str, prvkey: str) -> None:
        self.rpc.RemoveColony(pb.ColonyNameRequest(colonyname=colonyname), prvkey)

    remove_colony = del_colony

    def list_colonies(self, prvkey: str) -> list[Colony]:
        return replies.colonies(self.rpc.ListColonies(pb.ListColoniesRequest(), prvkey))

    def get_colony(self, colonyname: str, prvkey: str) -> Colony:
        request = pb.ColonyNameRequest(colonyname=colonyname)
        return convert.colony_from_pb(self.rpc.GetColony(request, prvkey))

    def stats(self, colonyname: str, prvkey: str) -> Statistics:
        request = pb.ColonyNameRequest(colonyname=colonyname)
        return convert.stats_from_pb(self.rpc.GetColonyStatistics(request, prvkey))

    # ------------------------------------------------------- executors --

    def add_executor(self, executor: Any, prvkey: str) -> Executor:
        reply = self.rpc.AddExecutor(compat.add_executor(executor), prvkey)
        return convert.executor_from_pb(reply)

    def approve_executor(self, colonyname: str, executorname: str, prvkey: str) -> Executor:
        request = pb.ExecutorNameRequest(colonyname=colonyname, executorname=executorname)
        return convert.executor_from_pb(self.rpc.ApproveExecutor(request, prvkey))

    def reject_executor(self, colonyname: str, executorname: str, prvkey: str) -> Executor:
        request = pb.ExecutorNameRequest(colonyname=colonyname, executorname=executorname)
        return convert.executor_from_pb(self.rpc.RejectExecutor(request, prvkey))

    def update_executor(
        self, colonyname: str, executorname: str, capabilities: Any, prvkey: str
    ) -> Executor:
        """An executor reports its capabilities anew (with its own key)."""
        request = compat.update_executor(colonyname, executorname, capabilities)
        return convert.executor_from_pb(self.rpc.UpdateExecutor(request, prvkey))

    def get_executor(self, colonyname: str, executorname: str, prvkey: str) -> Executor:
        request = pb.ExecutorNameRequest(colonyname=colonyname, executorname=executorname)
        return convert.executor_from_pb(self.rpc.GetExecutor(request, prvkey))

    def remove_executor(self, colonyname: str, executorname: str, prvkey: str) -> None:
        request = pb.ExecutorNameRequest(colonyname=colonyname, executorname=executorname)
        self.rpc.RemoveExecutor(request, prvkey)

    def list_executors(self, colonyname: str, prvkey: str) -> list[Executor]:
        request = pb.ColonyNameRequest(colonyname=colonyname)
        return replies.executors(self.rpc.ListExecutors(request, prvkey))

    # ------------------------------------------------------- functions --

    def add_function(
        self, colonyname: str, executorname: str, funcname: str, prvkey: str,
        description: str = "",
    ) -> Function:  # fmt: skip
        function = pb.Function(
            colonyname=colonyname, executorname=executorname, funcname=funcname,
            description=description,
        )  # fmt: skip
        reply = self.rpc.AddFunction(pb.AddFunctionRequest(function=function), prvkey)
        return convert.function_from_pb(reply)

    def get_functions_by_executor(
        self, colonyname: str, executorname: str, prvkey: str
    ) -> list[Function]:
        request = pb.ListFunctionsRequest(colonyname=colonyname, executorname=executorname)
        return replies.functions(self.rpc.ListFunctions(request, prvkey))

    def get_functions_by_colony(self, colonyname: str, prvkey: str) -> list[Function]:
        return self.get_functions_by_executor(colonyname, "", prvkey)

    def remove_function(self, functionid: str, prvkey: str) -> None:
        self.rpc.RemoveFunction(pb.RemoveFunctionRequest(functionid=functionid), prvkey)

    # ----------------------------------------------------------- users --

    def add_user(self, user: Any, prvkey: str) -> User:
        return convert.user_from_pb(self.rpc.AddUser(compat.add_user(user), prvkey))

    def get_users(self, colonyname: str, prvkey: str) -> list[User]:
        request = pb.ColonyNameRequest(colonyname=colonyname)
        return replies.users(self.rpc.ListUsers(request, prvkey))

    def get_user(self, colonyname: str, name: str, prvkey: str) -> User:
        request = pb.UserNameRequest(colonyname=colonyname, name=name)
        return convert.user_from_pb(self.rpc.GetUser(request, prvkey))

    def remove_user(self, colonyname: str, name: str, prvkey: str) -> None:
        self.rpc.RemoveUser(pb.UserNameRequest(colonyname=colonyname, name=name), prvkey)

    # ------------------------------------------------------- processes --

    def submit_func_spec(
        self, spec: Any, prvkey: str, idempotency_key: str = "", *, notbefore: int = 0,
        delay: float = 0.0,
    ) -> Process:  # fmt: skip
        """Submits a process; it may not run before `notbefore` (unix ns) or
        `delay` seconds from now, when given."""
        request = compat.submit(spec, idempotency_key, notbefore, delay)
        with tracing.submitting(f"colonies submit {request.spec.funcname}", [request.spec.env]):
            reply = self.rpc.Submit(request, prvkey)
        return convert.process_from_pb(reply)

    def rerun(self, processid: Any, prvkey: str) -> Process:
        """Runs a failed or cancelled process again, as a new attempt."""
        reply = self.rpc.RerunProcess(compat.process_id(processid), prvkey)
        return convert.process_from_pb(reply)

    # The seed tutorial calls it `submit`.
    submit = submit_func_spec

    def submit_batch(self, specs: Sequence[Any], prvkey: str) -> list[Process]:
        request = compat.submit_batch(specs)
        with tracing.submitting("colonies submit batch", [s.env for s in request.specs]):
            return replies.processes(self.rpc.SubmitBatch(request, prvkey))

    def assign(self, colonyname: str, timeout: float, prvkey: str) -> Process:
        """Waits up to `timeout` seconds for a process; raises NoProcessAvailable."""
        check_timeout(timeout, float("inf"))  # the server says the same, but the call needs one
        request = pb.AssignRequest(colonyname=colonyname, timeout=timeout)
        reply = self.rpc.Assign(request, prvkey, timeout=max(timeout, 0) + 30)
        process = replies.assigned(reply)
        self._acks.add(process, prvkey)  # the server takes back what nobody confirms
        return process

    def acknowledge(self, processid: Any, prvkey: str, attempt: int | None = None) -> None:
        """Confirms that an assignment arrived (`assign` does it by itself)."""
        self._acks.said(processid)
        self.rpc.Acknowledge(compat.acknowledge(processid, attempt), prvkey)

    def close(
        self, processid: Any, output: Sequence[Any] | None, prvkey: str, attempt: int | None = None
    ) -> None:
        self._acks.said(processid)
        self.rpc.Close(compat.close(processid, output, attempt), prvkey)

    def fail(
        self, processid: Any, errors: Sequence[str] | None, prvkey: str, attempt: int | None = None
    ) -> None:
        self._acks.said(processid)
        self.rpc.Fail(compat.fail(processid, errors, attempt), prvkey)

    def set_output(
        self, processid: Any, arr: Sequence[Any], prvkey: str, attempt: int | None = None
    ) -> None:
        self.rpc.SetOutput(compat.set_output(processid, arr, attempt), prvkey)

    def release(self, processid: Any, prvkey: str, attempt: int | None = None) -> None:
        """Hands a running process back to the queue (its retry count is kept)."""
        self._acks.said(processid)
        self.rpc.Release(compat.release(processid, attempt), prvkey)

    def heartbeat(
        self, processid: Any, prvkey: str, attempt: int | None = None
    ) -> pb.HeartbeatReply:
        """Extends the deadline of a long process and keeps its lease (the
        executor is alive); `.cancelled` tells if it should stop."""
        self._acks.said(processid)
        return self.rpc.Heartbeat(compat.heartbeat(processid, attempt), prvkey)

    def get_process(self, processid: Any, prvkey: str) -> Process:
        reply = self.rpc.GetProcess(compat.process_id(processid), prvkey)
        return convert.process_from_pb(reply)

    def list_processes(
        self, colonyname: str, count: int, state: int, prvkey: str, *, executortype: str = "",
        label: str = "", initiator: str = "",
    ) -> list[Process]:  # fmt: skip
        request = compat.list_processes(colonyname, count, state, executortype, label, initiator)
        return replies.processes(self.rpc.ListProcesses(request, prvkey))

    def remove_process(self, processid: Any, prvkey: str) -> None:
        self.rpc.RemoveProcess(compat.process_id(processid), prvkey)

    def remove_all_processes(self, colonyname: str, prvkey: str, state: int = -1) -> int:
        request = compat.remove_all(colonyname, state)
        return self.rpc.RemoveAllProcesses(request, prvkey).removed

    def cancel(self, processid: Any, prvkey: str) -> Process:
        reply = self.rpc.CancelProcess(compat.process_id(processid), prvkey)
        return convert.process_from_pb(reply)

    cancel_process = cancel

    # ------------------------------------------------------ attributes --

    def add_attribute(
        self, processid: Any, key: str, value: str, prvkey: str, attempt: int | None = None
    ) -> Attribute:
        request = compat.add_attribute(processid, key, value, attempt)
        return convert.attribute_from_pb(self.rpc.AddAttribute(request, prvkey))

    def get_attribute(self, attributeid: str, prvkey: str) -> Attribute:
        request = pb.GetAttributeRequest(attributeid=attributeid)
        return convert.attribute_from_pb(self.rpc.GetAttribute(request, prvkey))

    # ------------------------------------------------------------ logs --

    def add_log(self, processid: Any, logmsg: str, prvkey: str, attempt: int | None = None) -> None:
        self.rpc.AddLog(compat.add_log(processid, logmsg, attempt), prvkey)

    def get_process_log(
        self, colonyname: str, processid: Any, count: int, since: int, prvkey: str,
        latest: bool = False,
    ) -> list[LogEntry]:  # fmt: skip
        """Entries after `since` (Unix ns; 0 or -1 = from the start), oldest first."""
        return self._logs(compat.process_logs(processid, count, since, latest), prvkey)

    def get_executor_log(
        self, colonyname: str, executorname: str, count: int, since: int, prvkey: str,
        latest: bool = False,
    ) -> list[LogEntry]:  # fmt: skip
        """What an executor logged, over all its processes, oldest first."""
        request = compat.executor_logs(colonyname, executorname, count, since, latest)
        return self._logs(request, prvkey)

    def _logs(self, request: pb.GetLogsRequest, prvkey: str) -> list[LogEntry]:
        """Reads page after page until `count` entries or the end: a reply stops at
        the server's byte budget."""
        pages = []
        following: pb.GetLogsRequest | None = request
        while following is not None:
            reply = self.rpc.GetLogs(following, prvkey)
            pages.append(reply)
            following = compat.next_log_page(following, reply)
        return replies.logs(pages, request.latest)

    # ------------------------------------------------------- workflows --

    def submit_workflow(self, workflow: Any, prvkey: str) -> ProcessGraph:
        request = compat.submit_workflow(workflow)
        envs = [s.env for s in request.spec.functionspecs]
        with tracing.submitting("colonies submit workflow", envs):
            reply = self.rpc.SubmitWorkflow(request, prvkey)
        return convert.graph_from_pb(reply)

    def get_processgraph(self, processgraphid: str, prvkey: str) -> ProcessGraph:
        request = pb.ProcessGraphIdRequest(processgraphid=processgraphid)
        return convert.graph_from_pb(self.rpc.GetProcessGraph(request, prvkey))

    def get_processgraphs(
        self, colonyname: str, count: int, prvkey: str, state: int | None = None
    ) -> list[ProcessGraph]:
        request = compat.list_processgraphs(colonyname, count, state)
        return replies.processgraphs(self.rpc.ListProcessGraphs(request, prvkey))

    def remove_processgraph(self, processgraphid: str, prvkey: str) -> None:
        request = pb.ProcessGraphIdRequest(processgraphid=processgraphid)
        self.rpc.RemoveProcessGraph(request, prvkey)

    def remove_all_processgraphs(
        self, colonyname: str, prvkey: str, state: int | None = None
    ) -> int:
        request = compat.remove_all(colonyname, state)
        return self.rpc.RemoveAllProcessGraphs(request, prvkey).removed

    def get_processes_for_workflow(
        self, processgraphid: str, colonyname: str, prvkey: str, count: int = 100
    ) -> list[Process]:
        """The processes of a workflow, in the order of its spec (`count` at most)."""
        request = pb.ProcessGraphIdRequest(processgraphid=processgraphid)
        return replies.processes(self.rpc.GetProcessGraphProcesses(request, prvkey))[:count]

    def cancel_processgraph(self, processgraphid: str, prvkey: str) -> ProcessGraph:
        request = pb.ProcessGraphIdRequest(processgraphid=processgraphid)
        return convert.graph_from_pb(self.rpc.CancelProcessGraph(request, prvkey))

    cancel_workflow = cancel_processgraph

    def rerun_processgraph(
        self, processgraphid: str, prvkey: str, from_failed: bool = True
    ) -> ProcessGraph:
        """Runs a failed or cancelled workflow again from its failures: its
        failed and never-run processes run again as new attempts; those that
        succeeded keep their outputs, which their children receive again."""
        request = pb.RerunProcessGraphRequest(
            processgraphid=processgraphid, from_failed=from_failed
        )
        return convert.graph_from_pb(self.rpc.RerunProcessGraph(request, prvkey))

    rerun_workflow = rerun_processgraph

    def add_child(
        self, processgraphid: str, parentprocessid: Any, childprocessid: str, funcspec: Any,
        nodename: str, insert: bool, prvkey: str, attempt: int | None = None,
    ) -> Process:  # fmt: skip
        request = compat.add_child(
            processgraphid, parentprocessid, childprocessid, funcspec, nodename, insert, attempt
        )
        return convert.process_from_pb(self.rpc.AddChild(request, prvkey))

    # ----------------------------------------------------------- crons --

    def add_cron(
        self, cronname: str, cronexpr: str, wait: bool, workflow: Any, colonyname: str,
        prvkey: str, interval: int = -1, random: bool = False,
    ) -> Cron:  # fmt: skip
        request = compat.add_cron(cronname, cronexpr, wait, workflow, colonyname, interval, random)
        return convert.cron_from_pb(self.rpc.AddCron(request, prvkey))

    def get_cron(self, cronid: str, prvkey: str) -> Cron:
        return convert.cron_from_pb(self.rpc.GetCron(pb.CronIdRequest(cronid=cronid), prvkey))

    def get_crons(self, colonyname: str, count: int, prvkey: str) -> list[Cron]:
        request = pb.ListCronsRequest(colonyname=colonyname, count=count)
        return replies.crons(self.rpc.ListCrons(request, prvkey))

    def del_cron(self, cronid: str, prvkey: str) -> None:
        self.rpc.RemoveCron(pb.CronIdRequest(cronid=cronid), prvkey)

    remove_cron = del_cron

    def run_cron(self, cronid: str, prvkey: str) -> Cron:
        return convert.cron_from_pb(self.rpc.RunCron(pb.CronIdRequest(cronid=cronid), prvkey))

    # ------------------------------------------------------ generators --

    def add_generator(self, generator: Any, prvkey: str) -> Generator:
        reply = self.rpc.AddGenerator(compat.add_generator(generator), prvkey)
        return convert.generator_from_pb(reply)

    def get_generator(self, generatorid: str, prvkey: str) -> Generator:
        request = pb.GeneratorIdRequest(generatorid=generatorid)
        return convert.generator_from_pb(self.rpc.GetGenerator(request, prvkey))

    def get_generators(self, colonyname: str, prvkey: str, count: int = 100) -> list[Generator]:
        request = pb.ListGeneratorsRequest(colonyname=colonyname, count=count)
        return replies.generators(self.rpc.ListGenerators(request, prvkey))

    def remove_generator(self, generatorid: str, prvkey: str) -> None:
        self.rpc.RemoveGenerator(pb.GeneratorIdRequest(generatorid=generatorid), prvkey)

    def pack_generator(self, generatorid: str, arg: str, prvkey: str) -> None:
        self.rpc.PackGenerator(pb.PackGeneratorRequest(generatorid=generatorid, arg=arg), prvkey)

    # ------------------------------------------------------- streaming --

    def follow_logs(self, processid: Any, prvkey: str, after_seq: int = 0) -> Iterator[LogEntry]:
        """Yields log entries as they are written, until the process has ended."""
        request = pb.FollowLogsRequest(processid=compat.pid_of(processid), after_seq=after_seq)
        for entry in self.rpc.FollowLogs(request, prvkey):
            yield convert.log_from_pb(entry)

    # ------------------------------------------------------------ streaming --

    def events(
        self, colonyname: str, prvkey: str, *, processid: str = "", processgraphid: str = "",
        executortype: str = "", states: Sequence[int] = (), include_current: bool = False,
        timeout: float = 0.0, kinds: Sequence[int] = (),
    ) -> EventStream:  # fmt: skip
        """Yields process and workflow events of a colony as they happen. The
        first event is always SUBSCRIBED: from then on nothing is missed."""
        request = compat.events(
            colonyname, processid, processgraphid, executortype, states, include_current,
            timeout, kinds,
        )  # fmt: skip
        deadline = timeout + 30 if timeout > 0 else None
        for event in self.rpc.SubscribeEvents(request, prvkey, timeout=deadline):
            yield convert.event_from_pb(event)

    def wait(self, process: Any, timeout: float, prvkey: str) -> Process:
        """Blocks until the process has ended (successful, failed or cancelled)
        and returns it; raises WaitTimeout after `timeout` seconds."""
        processid = compat.pid_of(process)
        colonyname = compat.colony_of(process) or self.get_process(processid, prvkey).colonyname
        for event in self.events(
            colonyname, prvkey, processid=processid, states=FINAL_STATES,
            include_current=True, timeout=timeout,
        ):  # fmt: skip
            if event.process is not None:
                return event.process
        raise errors.WaitTimeout(f"process {processid} did not end within {timeout} s")

    def wait_workflow(self, processgraph: Any, timeout: float, prvkey: str) -> ProcessGraph:
        """Blocks until the workflow has ended and returns its graph."""
        graphid = str(getattr(processgraph, "processgraphid", processgraph))
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
        self, workflow: Any, prvkey: str, handler: EventHandler, timeout: float = 0.0
    ) -> ProcessGraph:
        """Submits a workflow and calls `handler` (an EventHandler) as it runs,
        one event at a time, until it ends; returns the final graph."""
        return run_workflow(self, workflow, prvkey, handler, timeout)

    def find_process(self, nodename: str, processids: Sequence[str], prvkey: str) -> Process | None:
        for processid in processids:
            process = self.get_process(processid, prvkey)
            if process.spec.nodename == nodename:
                return process
        return None


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
    "DEFAULT_PORT",
    "GRAPH_ENDS",
    "SERVICE",
    "AsyncColonies",
    "Colonies",
    "ProcessId",
    "ProcessState",
    "colonies_client",
    "error_from_rpc",
    "func_spec",
]
