"""`AsyncColonies`: the API of `Colonies`, as coroutines on grpc.aio.

    async with AsyncColonies("localhost", 50070) as colonies:
        process = await colonies.submit_func_spec(spec, prvkey)
        async with colonies.session(colonyname, executor_prvkey) as session:
            ...

The methods mirror `pycolonies_like.client.Colonies` one for one: each
builds its request (`compat`), awaits one typed call (`self.rpc`, the
generated stub) and reads the reply (`replies`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import grpc

from pycolonies_like import compat, convert, replies, tracing
from pycolonies_like.blueprints_api import AsyncBlueprintMethods
from pycolonies_like.channel import DEFAULT_PORT, AsyncSignedChannel, Endpoint, open_channel
from pycolonies_like.channels_api import AsyncChannelMethods
from pycolonies_like.colonyfs_api import AsyncColonyFsMethods
from pycolonies_like.core import errors
from pycolonies_like.core.models import (
    FINAL_STATES,
    Attribute,
    Colony,
    Cron,
    Event,
    Executor,
    Function,
    Generator,
    LogEntry,
    Process,
    ProcessGraph,
    Statistics,
    User,
)
from pycolonies_like.core.rules import check_timeout
from pycolonies_like.flow_api import AsyncFlowMethods
from pycolonies_like.proto import colonies_pb2 as pb
from pycolonies_like.proto.colonies_stubs import AsyncColoniesStub
from pycolonies_like.session import ExecutorSession


class AsyncColonies(
    Endpoint, AsyncColonyFsMethods, AsyncBlueprintMethods, AsyncChannelMethods,
    AsyncFlowMethods,
):  # fmt: skip
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
        super().__init__(host, port, tls, timeout)
        self.channel = open_channel(grpc.aio, self.target, tls, root_certificates, options)
        self.rpc = AsyncColoniesStub(AsyncSignedChannel(self.channel, self.target, timeout))
        # Assignments of unary `assign` not yet confirmed (see compat.ACK_DELAY_S).
        self._acks: dict[str, tuple[asyncio.TimerHandle, pb.AcknowledgeRequest, str]] = {}
        self._acking: set[asyncio.Task[None]] = set()

    async def close_channel(self) -> None:
        # What `assign` returned was received: say so before going.
        due, self._acks = list(self._acks.values()), {}
        for handle, request, prvkey in due:
            handle.cancel()
            await self._send_ack(request, prvkey)
        await self.channel.close()

    def _ack_later(self, process: Process, prvkey: str) -> None:
        request = compat.acknowledge(process.processid, process.attempt)
        self._said(process.processid)
        handle = asyncio.get_running_loop().call_later(
            compat.ACK_DELAY_S, self._ack_now, process.processid, request, prvkey
        )
        self._acks[process.processid] = (handle, request, prvkey)

    def _ack_now(self, pid: str, request: pb.AcknowledgeRequest, prvkey: str) -> None:
        self._acks.pop(pid, None)
        task = asyncio.ensure_future(self._send_ack(request, prvkey))
        self._acking.add(task)
        task.add_done_callback(self._acking.discard)

    async def _send_ack(self, request: pb.AcknowledgeRequest, prvkey: str) -> None:
        try:
            await self.rpc.Acknowledge(request, prvkey)
        except Exception:  # closed meanwhile, or the client is gone: the lease decides
            pass

    def _said(self, processid: Any) -> None:
        if self._acks:
            due = self._acks.pop(compat.pid_of(processid), None)
            if due is not None:
                due[0].cancel()

    async def __aenter__(self) -> AsyncColonies:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close_channel()

    # ---------------------------------------------------------- server --

    async def server_info(self, prvkey: str) -> pb.ServerInfo:
        return await self.rpc.GetServerInfo(pb.GetServerInfoRequest(), prvkey)

    async def server_stats(self, prvkey: str) -> Statistics:
        return convert.stats_from_pb(
            await self.rpc.GetStatistics(pb.GetStatisticsRequest(), prvkey)
        )

    # -------------------------------------------------------- colonies --

    async def add_colony(self, colony: Any, prvkey: str) -> Colony:
        return convert.colony_from_pb(await self.rpc.AddColony(compat.add_colony(colony), prvkey))

    async def del_colony(self, colonyname: str, prvkey: str) -> None:
        await self.rpc.RemoveColony(pb.ColonyNameRequest(colonyname=colonyname), prvkey)

    remove_colony = del_colony

    async def list_colonies(self, prvkey: str) -> list[Colony]:
        return replies.colonies(await self.rpc.ListColonies(pb.ListColoniesRequest(), prvkey))

    async def get_colony(self, colonyname: str, prvkey: str) -> Colony:
        request = pb.ColonyNameRequest(colonyname=colonyname)
        return convert.colony_from_pb(await self.rpc.GetColony(request, prvkey))

    async def stats(self, colonyname: str, prvkey: str) -> Statistics:
        request = pb.ColonyNameRequest(colonyname=colonyname)
        return convert.stats_from_pb(await self.rpc.GetColonyStatistics(request, prvkey))

    # ------------------------------------------------------- executors --

    async def add_executor(self, executor: Any, prvkey: str) -> Executor:
        reply = await self.rpc.AddExecutor(compat.add_executor(executor), prvkey)
        return convert.executor_from_pb(reply)

    async def approve_executor(self, colonyname: str, executorname: str, prvkey: str) -> Executor:
        request = pb.ExecutorNameRequest(colonyname=colonyname, executorname=executorname)
        return convert.executor_from_pb(await self.rpc.ApproveExecutor(request, prvkey))

    async def reject_executor(self, colonyname: str, executorname: str, prvkey: str) -> Executor:
        request = pb.ExecutorNameRequest(colonyname=colonyname, executorname=executorname)
        return convert.executor_from_pb(await self.rpc.RejectExecutor(request, prvkey))

    async def update_executor(
        self, colonyname: str, executorname: str, capabilities: Any, prvkey: str
    ) -> Executor:
        """An executor reports its capabilities anew (with its own key)."""
        request = compat.update_executor(colonyname, executorname, capabilities)
        return convert.executor_from_pb(await self.rpc.UpdateExecutor(request, prvkey))

    async def get_executor(self, colonyname: str, executorname: str, prvkey: str) -> Executor:
        request = pb.ExecutorNameRequest(colonyname=colonyname, executorname=executorname)
        return convert.executor_from_pb(await self.rpc.GetExecutor(request, prvkey))

    async def remove_executor(self, colonyname: str, executorname: str, prvkey: str) -> None:
        request = pb.ExecutorNameRequest(colonyname=colonyname, executorname=executorname)
        await self.rpc.RemoveExecutor(request, prvkey)

    async def list_executors(self, colonyname: str, prvkey: str) -> list[Executor]:
        request = pb.ColonyNameRequest(colonyname=colonyname)
        return replies.executors(await self.rpc.ListExecutors(request, prvkey))

    # ------------------------------------------------------- functions --

    async def add_function(
        self, colonyname: str, executorname: str, funcname: str, prvkey: str,
        description: str = "",
    ) -> Function:  # fmt: skip
        function = pb.Function(
            colonyname=colonyname, executorname=executorname, funcname=funcname,
            description=description,
        )  # fmt: skip
        reply = await self.rpc.AddFunction(pb.AddFunctionRequest(function=function), prvkey)
        return convert.function_from_pb(reply)

    async def get_functions_by_executor(
        self, colonyname: str, executorname: str, prvkey: str
    ) -> list[Function]:
        request = pb.ListFunctionsRequest(colonyname=colonyname, executorname=executorname)
        return replies.functions(await self.rpc.ListFunctions(request, prvkey))

    async def get_functions_by_colony(self, colonyname: str, prvkey: str) -> list[Function]:
        return await self.get_functions_by_executor(colonyname, "", prvkey)

    async def remove_function(self, functionid: str, prvkey: str) -> None:
        await self.rpc.RemoveFunction(pb.RemoveFunctionRequest(functionid=functionid), prvkey)

    # ----------------------------------------------------------- users --

    async def add_user(self, user: Any, prvkey: str) -> User:
        return convert.user_from_pb(await self.rpc.AddUser(compat.add_user(user), prvkey))

    async def get_users(self, colonyname: str, prvkey: str) -> list[User]:
        request = pb.ColonyNameRequest(colonyname=colonyname)
        return replies.users(await self.rpc.ListUsers(request, prvkey))

    async def get_user(self, colonyname: str, name: str, prvkey: str) -> User:
        request = pb.UserNameRequest(colonyname=colonyname, name=name)
        return convert.user_from_pb(await self.rpc.GetUser(request, prvkey))

    async def remove_user(self, colonyname: str, name: str, prvkey: str) -> None:
        await self.rpc.RemoveUser(pb.UserNameRequest(colonyname=colonyname, name=name), prvkey)

    # ------------------------------------------------------- processes --

    async def submit_func_spec(
        self, spec: Any, prvkey: str, idempotency_key: str = "", *, notbefore: int = 0,
        delay: float = 0.0,
    ) -> Process:  # fmt: skip
        """Submits a process; it may not run before `notbefore` (unix ns) or
        `delay` seconds from now, when given."""
        request = compat.submit(spec, idempotency_key, notbefore, delay)
        with tracing.submitting(f"colonies submit {request.spec.funcname}", [request.spec.env]):
            reply = await self.rpc.Submit(request, prvkey)
        return convert.process_from_pb(reply)

    async def rerun(self, processid: Any, prvkey: str) -> Process:
        """Runs a failed or cancelled process again, as a new attempt."""
        reply = await self.rpc.RerunProcess(compat.process_id(processid), prvkey)
        return convert.process_from_pb(reply)

    # The seed tutorial calls it `submit`.
    submit = submit_func_spec

    async def submit_batch(self, specs: Sequence[Any], prvkey: str) -> list[Process]:
        request = compat.submit_batch(specs)
        with tracing.submitting("colonies submit batch", [s.env for s in request.specs]):
            return replies.processes(await self.rpc.SubmitBatch(request, prvkey))

    async def assign(self, colonyname: str, timeout: float, prvkey: str) -> Process:
        """Waits up to `timeout` seconds for a process; raises NoProcessAvailable."""
        check_timeout(timeout, float("inf"))  # the server says the same, but the call needs one
        request = pb.AssignRequest(colonyname=colonyname, timeout=timeout)
        reply = await self.rpc.Assign(request, prvkey, timeout=max(timeout, 0) + 30)
        process = replies.assigned(reply)
        self._ack_later(process, prvkey)  # the server takes back what nobody confirms
        return process

    async def acknowledge(self, processid: Any, prvkey: str, attempt: int | None = None) -> None:
        """Confirms that an assignment arrived (`assign` does it by itself)."""
        self._said(processid)
        await self.rpc.Acknowledge(compat.acknowledge(processid, attempt), prvkey)

    async def close(
        self, processid: Any, output: Sequence[Any] | None, prvkey: str, attempt: int | None = None
    ) -> None:
        self._said(processid)
        await self.rpc.Close(compat.close(processid, output, attempt), prvkey)

    async def fail(
        self, processid: Any, errors: Sequence[str] | None, prvkey: str, attempt: int | None = None
    ) -> None:
        self._said(processid)
        await self.rpc.Fail(compat.fail(processid, errors, attempt), prvkey)

    async def set_output(
        self, processid: Any, arr: Sequence[Any], prvkey: str, attempt: int | None = None
    ) -> None:
        await self.rpc.SetOutput(compat.set_output(processid, arr, attempt), prvkey)

    async def release(self, processid: Any, prvkey: str, attempt: int | None = None) -> None:
        """Hands a running process back to the queue (its retry count is kept)."""
        self._said(processid)
        await self.rpc.Release(compat.release(processid, attempt), prvkey)

    async def heartbeat(
        self, processid: Any, prvkey: str, attempt: int | None = None
    ) -> pb.HeartbeatReply:
        """Extends the deadline of a long process and keeps its lease (the
        executor is alive); `.cancelled` tells if it should stop."""
        self._said(processid)
        return await self.rpc.Heartbeat(compat.heartbeat(processid, attempt), prvkey)

    async def get_process(self, processid: Any, prvkey: str) -> Process:
        reply = await self.rpc.GetProcess(compat.process_id(processid), prvkey)
        return convert.process_from_pb(reply)

    async def list_processes(
        self, colonyname: str, count: int, state: int, prvkey: str, *, executortype: str = "",
        label: str = "", initiator: str = "",
    ) -> list[Process]:  # fmt: skip
        request = compat.list_processes(colonyname, count, state, executortype, label, initiator)
        return replies.processes(await self.rpc.ListProcesses(request, prvkey))

    async def remove_process(self, processid: Any, prvkey: str) -> None:
        await self.rpc.RemoveProcess(compat.process_id(processid), prvkey)

    async def remove_all_processes(self, colonyname: str, prvkey: str, state: int = -1) -> int:
        request = compat.remove_all(colonyname, state)
        return (await self.rpc.RemoveAllProcesses(request, prvkey)).removed

    async def cancel(self, processid: Any, prvkey: str) -> Process:
        reply = await self.rpc.CancelProcess(compat.process_id(processid), prvkey)
        return convert.process_from_pb(reply)

    cancel_process = cancel

    # ------------------------------------------------------ attributes --

    async def add_attribute(
        self, processid: Any, key: str, value: str, prvkey: str, attempt: int | None = None
    ) -> Attribute:
        request = compat.add_attribute(processid, key, value, attempt)
        return convert.attribute_from_pb(await self.rpc.AddAttribute(request, prvkey))

    async def get_attribute(self, attributeid: str, prvkey: str) -> Attribute:
        request = pb.GetAttributeRequest(attributeid=attributeid)
        return convert.attribute_from_pb(await self.rpc.GetAttribute(request, prvkey))

    # ------------------------------------------------------------ logs --

    async def add_log(
        self, processid: Any, logmsg: str, prvkey: str, attempt: int | None = None
    ) -> None:
        await self.rpc.AddLog(compat.add_log(processid, logmsg, attempt), prvkey)

    async def get_process_log(
        self, colonyname: str, processid: Any, count: int, since: int, prvkey: str,
        latest: bool = False,
    ) -> list[LogEntry]:  # fmt: skip
        """Entries after `since` (Unix ns; 0 or -1 = from the start), oldest first."""
        return await self._logs(compat.process_logs(processid, count, since, latest), prvkey)

    async def get_executor_log(
        self, colonyname: str, executorname: str, count: int, since: int, prvkey: str,
        latest: bool = False,
    ) -> list[LogEntry]:  # fmt: skip
        """What an executor logged, over all its processes, oldest first."""
        request = compat.executor_logs(colonyname, executorname, count, since, latest)
        return await self._logs(request, prvkey)

    async def _logs(self, request: pb.GetLogsRequest, prvkey: str) -> list[LogEntry]:
        """Reads page after page until `count` entries or the end: a reply stops at
        the server's byte budget."""
        pages = []
        following: pb.GetLogsRequest | None = request
        while following is not None:
            reply = await self.rpc.GetLogs(following, prvkey)
            pages.append(reply)
            following = compat.next_log_page(following, reply)
        return replies.logs(pages, request.latest)

    # ------------------------------------------------------- workflows --

    async def submit_workflow(self, workflow: Any, prvkey: str) -> ProcessGraph:
        request = compat.submit_workflow(workflow)
        envs = [s.env for s in request.spec.functionspecs]
        with tracing.submitting("colonies submit workflow", envs):
            reply = await self.rpc.SubmitWorkflow(request, prvkey)
        return convert.graph_from_pb(reply)

    async def get_processgraph(self, processgraphid: str, prvkey: str) -> ProcessGraph:
        request = pb.ProcessGraphIdRequest(processgraphid=processgraphid)
        return convert.graph_from_pb(await self.rpc.GetProcessGraph(request, prvkey))

    async def get_processgraphs(
        self, colonyname: str, count: int, prvkey: str, state: int | None = None
    ) -> list[ProcessGraph]:
        request = compat.list_processgraphs(colonyname, count, state)
        return replies.processgraphs(await self.rpc.ListProcessGraphs(request, prvkey))

    async def remove_processgraph(self, processgraphid: str, prvkey: str) -> None:
        request = pb.ProcessGraphIdRequest(processgraphid=processgraphid)
        await self.rpc.RemoveProcessGraph(request, prvkey)

    async def remove_all_processgraphs(
        self, colonyname: str, prvkey: str, state: int | None = None
    ) -> int:
        request = compat.remove_all(colonyname, state)
        return (await self.rpc.RemoveAllProcessGraphs(request, prvkey)).removed

    async def get_processes_for_workflow(
        self, processgraphid: str, colonyname: str, prvkey: str, count: int = 100
    ) -> list[Process]:
        """The processes of a workflow, in the order of its spec (`count` at most)."""
        request = pb.ProcessGraphIdRequest(processgraphid=processgraphid)
        return replies.processes(await self.rpc.GetProcessGraphProcesses(request, prvkey))[:count]

    async def cancel_processgraph(self, processgraphid: str, prvkey: str) -> ProcessGraph:
        request = pb.ProcessGraphIdRequest(processgraphid=processgraphid)
        return convert.graph_from_pb(await self.rpc.CancelProcessGraph(request, prvkey))

    cancel_workflow = cancel_processgraph

    async def rerun_processgraph(
        self, processgraphid: str, prvkey: str, from_failed: bool = True
    ) -> ProcessGraph:
        """Runs a failed or cancelled workflow again from its failures: its
        failed and never-run processes run again as new attempts; those that
        succeeded keep their outputs, which their children receive again."""
        request = pb.RerunProcessGraphRequest(
            processgraphid=processgraphid, from_failed=from_failed
        )
        return convert.graph_from_pb(await self.rpc.RerunProcessGraph(request, prvkey))

    rerun_workflow = rerun_processgraph

    async def add_child(
        self, processgraphid: str, parentprocessid: Any, childprocessid: str, funcspec: Any,
        nodename: str, insert: bool, prvkey: str, attempt: int | None = None,
    ) -> Process:  # fmt: skip
        request = compat.add_child(
            processgraphid, parentprocessid, childprocessid, funcspec, nodename, insert, attempt
        )
        return convert.process_from_pb(await self.rpc.AddChild(request, prvkey))

    # ----------------------------------------------------------- crons --

    async def add_cron(
        self, cronname: str, cronexpr: str, wait: bool, workflow: Any, colonyname: str,
        prvkey: str, interval: int = -1, random: bool = False,
    ) -> Cron:  # fmt: skip
        request = compat.add_cron(cronname, cronexpr, wait, workflow, colonyname, interval, random)
        return convert.cron_from_pb(await self.rpc.AddCron(request, prvkey))

    async def get_cron(self, cronid: str, prvkey: str) -> Cron:
        return convert.cron_from_pb(await self.rpc.GetCron(pb.CronIdRequest(cronid=cronid), prvkey))

    async def get_crons(self, colonyname: str, count: int, prvkey: str) -> list[Cron]:
        request = pb.ListCronsRequest(colonyname=colonyname, count=count)
        return replies.crons(await self.rpc.ListCrons(request, prvkey))

    async def del_cron(self, cronid: str, prvkey: str) -> None:
        await self.rpc.RemoveCron(pb.CronIdRequest(cronid=cronid), prvkey)

    remove_cron = del_cron

    async def run_cron(self, cronid: str, prvkey: str) -> Cron:
        return convert.cron_from_pb(await self.rpc.RunCron(pb.CronIdRequest(cronid=cronid), prvkey))

    # ------------------------------------------------------ generators --

    async def add_generator(self, generator: Any, prvkey: str) -> Generator:
        reply = await self.rpc.AddGenerator(compat.add_generator(generator), prvkey)
        return convert.generator_from_pb(reply)

    async def get_generator(self, generatorid: str, prvkey: str) -> Generator:
        request = pb.GeneratorIdRequest(generatorid=generatorid)
        return convert.generator_from_pb(await self.rpc.GetGenerator(request, prvkey))

    async def get_generators(
        self, colonyname: str, prvkey: str, count: int = 100
    ) -> list[Generator]:
        request = pb.ListGeneratorsRequest(colonyname=colonyname, count=count)
        return replies.generators(await self.rpc.ListGenerators(request, prvkey))

    async def remove_generator(self, generatorid: str, prvkey: str) -> None:
        await self.rpc.RemoveGenerator(pb.GeneratorIdRequest(generatorid=generatorid), prvkey)

    async def pack_generator(self, generatorid: str, arg: str, prvkey: str) -> None:
        await self.rpc.PackGenerator(
            pb.PackGeneratorRequest(generatorid=generatorid, arg=arg), prvkey
        )

    # ------------------------------------------------------- streaming --

    async def events(
        self, colonyname: str, prvkey: str, *, processid: str = "", processgraphid: str = "",
        executortype: str = "", states: Sequence[int] = (), include_current: bool = False,
        timeout: float = 0.0, kinds: Sequence[int] = (),
    ) -> AsyncIterator[Event]:  # fmt: skip
        """Yields process and workflow events of a colony as they happen. The
        first event is always SUBSCRIBED: from then on nothing is missed."""
        request = compat.events(
            colonyname, processid, processgraphid, executortype, states, include_current,
            timeout, kinds,
        )  # fmt: skip
        deadline = timeout + 30 if timeout > 0 else None
        async for event in self.rpc.SubscribeEvents(request, prvkey, timeout=deadline):
            yield convert.event_from_pb(event)

    async def wait(self, process: Any, timeout: float, prvkey: str) -> Process:
        """Waits until the process has ended (successful, failed or cancelled)
        and returns it; raises WaitTimeout after `timeout` seconds."""
        processid = compat.pid_of(process)
        if not (colonyname := compat.colony_of(process)):
            colonyname = (await self.get_process(processid, prvkey)).colonyname
        async for event in self.events(
            colonyname, prvkey, processid=processid, states=FINAL_STATES,
            include_current=True, timeout=timeout,
        ):  # fmt: skip
            if event.process is not None:
                return event.process
        raise errors.WaitTimeout(f"process {processid} did not end within {timeout} s")

    def session(self, colonyname: str, prvkey: str, capacity: int = 1) -> ExecutorSession:
        """An executor session (see `pycolonies_like.session.ExecutorSession`)."""
        return ExecutorSession(self, colonyname, prvkey, capacity)
