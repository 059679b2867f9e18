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
import functools
from collections.abc import AsyncIterator, Sequence
from typing import Any

import grpc

from pycolonies_like import compat, convert, objects, replies, tracing
from pycolonies_like.channel import DEFAULT_PORT, AsyncSignedChannel, Endpoint, open_channel
from pycolonies_like.core import errors
from pycolonies_like.core.models import (
    FINAL_STATES,
    Attribute,
    Blueprint,
    BlueprintDefinition,
    BlueprintHistory,
    ChannelEntry,
    Colony,
    Cron,
    Event,
    Executor,
    File,
    FileData,
    FileLabel,
    Function,
    Generator,
    Location,
    LogEntry,
    Process,
    ProcessGraph,
    Snapshot,
    Statistics,
    User,
)
from pycolonies_like.core.rules import check_timeout
from pycolonies_like.proto import colonies_pb2 as pb
from pycolonies_like.proto.colonies_stubs import AsyncColoniesStub
from pycolonies_like.session import ExecutorSession


class AsyncColonies(Endpoint):
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

    # ----------------------------------------------------------- files --
    # Metadata on the server; the bytes in S3, moved by this client (the
    # AWS_S3_* variables; see pycolonies_like/objects.py).

    async def add_file(self, file: Any, prvkey: str) -> File:
        return convert.from_pb(File, await self.rpc.AddFile(compat.add_file(file), prvkey))

    async def get_file(
        self, colonyname: str, prvkey: str, label: str | None = None, fileid: str | None = None,
        filename: str | None = None, latest: bool = True,
    ) -> list[File]:  # fmt: skip
        """A file by id, or the revisions of a name under a label (newest first)."""
        request = compat.get_file(colonyname, label, fileid, filename, latest)
        return [convert.from_pb(File, f) for f in (await self.rpc.GetFile(request, prvkey)).files]

    async def get_files(self, label: str, colonyname: str, prvkey: str) -> list[FileData]:
        request = pb.GetFilesRequest(colonyname=colonyname, label=label)
        return [
            convert.from_pb(FileData, f) for f in (await self.rpc.GetFiles(request, prvkey)).files
        ]

    async def get_file_labels(
        self, colonyname: str, prvkey: str, name: str = "", exact: bool = False
    ) -> list[FileLabel]:
        request = pb.GetFileLabelsRequest(colonyname=colonyname, name=name, exact=exact)
        reply = await self.rpc.GetFileLabels(request, prvkey)
        return [convert.from_pb(FileLabel, x) for x in reply.labels]

    async def remove_file(
        self, colonyname: str, prvkey: str, label: str | None = None, fileid: str | None = None,
        filename: str | None = None,
    ) -> int:  # fmt: skip
        """Removes the metadata only (see delete_file)."""
        request = compat.remove_file(colonyname, label, fileid, filename)
        return (await self.rpc.RemoveFile(request, prvkey)).removed

    async def upload_file(
        self, colonyname: str, prvkey: str, filepath: Any = None, label: str | None = None,
        progress: objects.Progress | None = None,
    ) -> File:  # fmt: skip
        label, name, path = compat.staged_upload(label, filepath, None, None)
        assert path is not None
        checksum, size = await asyncio.to_thread(objects.sha256_of_path, path), path.stat().st_size
        ref = await asyncio.to_thread(
            functools.partial(objects.put, objects.S3Settings.from_env(), path=path,
                              progress=progress)
        )  # fmt: skip
        return await self.add_file(
            compat.new_file(colonyname, label, name, size, checksum, ref), prvkey
        )

    async def upload_data(
        self, colonyname: str, prvkey: str, filename: str | None = None,
        data: bytes | None = None, label: str | None = None,
    ) -> File:  # fmt: skip
        label, name, _ = compat.staged_upload(label, None, filename, data or b"")
        body = bytes(data or b"")
        ref = await asyncio.to_thread(
            functools.partial(objects.put, objects.S3Settings.from_env(), data=body)
        )
        f = compat.new_file(colonyname, label, name, len(body), objects.sha256_of(body), ref)
        return await self.add_file(f, prvkey)

    async def download_file(
        self, colonyname: str, prvkey: str, dst: Any = None, label: str | None = None,
        fileid: str | None = None, filename: str | None = None, latest: bool = True,
        progress: objects.Progress | None = None,
    ) -> str:  # fmt: skip
        """Downloads the newest revision (or the one by id) into the directory
        `dst`, checking its SHA256; returns its path."""
        f = (await self.get_file(colonyname, prvkey, label, fileid, filename, latest))[0]
        target = compat.download_target(dst, f.name)
        s3 = objects.S3Settings.from_env()
        got = await asyncio.to_thread(
            objects.get_file, s3, f.ref.s3object, f.checksum, target, progress
        )
        return str(got)

    async def download_data(
        self, colonyname: str, prvkey: str, label: str | None = None, fileid: str | None = None,
        filename: str | None = None, latest: bool = True,
    ) -> bytes:  # fmt: skip
        f = (await self.get_file(colonyname, prvkey, label, fileid, filename, latest))[0]
        s3 = objects.S3Settings.from_env()
        return await asyncio.to_thread(objects.get_bytes, s3, f.ref.s3object, f.checksum)

    async def delete_file(
        self, colonyname: str, prvkey: str, label: str | None = None, fileid: str | None = None,
        filename: str | None = None,
    ) -> int:  # fmt: skip
        """Removes the objects of the file's revisions, then its metadata."""
        revisions = await self.get_file(colonyname, prvkey, label, fileid, filename, latest=False)
        s3 = objects.S3Settings.from_env()
        for f in revisions:
            await asyncio.to_thread(objects.delete, s3, f.ref.s3object)
        return await self.remove_file(colonyname, prvkey, label, fileid, filename)

    async def create_snapshot(
        self, colonyname: str, label: str, name: str, prvkey: str
    ) -> Snapshot:
        request = pb.CreateSnapshotRequest(colonyname=colonyname, label=label, name=name)
        return convert.from_pb(Snapshot, await self.rpc.CreateSnapshot(request, prvkey))

    async def get_snapshots(self, colonyname: str, prvkey: str) -> list[Snapshot]:
        reply = await self.rpc.ListSnapshots(pb.ColonyNameRequest(colonyname=colonyname), prvkey)
        return [convert.from_pb(Snapshot, s) for s in reply.snapshots]

    async def get_snapshot_by_name(self, colonyname: str, name: str, prvkey: str) -> Snapshot:
        request = pb.SnapshotRequest(colonyname=colonyname, name=name)
        return convert.from_pb(Snapshot, await self.rpc.GetSnapshot(request, prvkey))

    async def get_snapshot_by_id(self, colonyname: str, snapshotid: str, prvkey: str) -> Snapshot:
        request = pb.SnapshotRequest(colonyname=colonyname, snapshotid=snapshotid)
        return convert.from_pb(Snapshot, await self.rpc.GetSnapshot(request, prvkey))

    async def remove_snapshot(
        self, colonyname: str, prvkey: str, snapshotid: str = "", name: str = ""
    ) -> None:
        request = pb.SnapshotRequest(colonyname=colonyname, snapshotid=snapshotid, name=name)
        await self.rpc.RemoveSnapshot(request, prvkey)

    async def remove_all_snapshots(self, colonyname: str, prvkey: str) -> int:
        request = pb.ColonyNameRequest(colonyname=colonyname)
        return (await self.rpc.RemoveAllSnapshots(request, prvkey)).removed

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

    # --------------------------------------------------------- locations --

    async def add_location(self, location: Any, prvkey: str) -> Location:
        """Adds a location to a colony (the colony owner's key)."""
        return convert.from_pb(
            Location, await self.rpc.AddLocation(compat.location(location), prvkey)
        )

    async def get_location(self, colony_name: str, name: str, prvkey: str) -> Location:
        request = pb.LocationRequest(colonyname=colony_name, name=name)
        return convert.from_pb(Location, await self.rpc.GetLocation(request, prvkey))

    async def get_locations(self, colony_name: str, prvkey: str) -> list[Location]:
        reply = await self.rpc.ListLocations(pb.ColonyNameRequest(colonyname=colony_name), prvkey)
        return [convert.from_pb(Location, loc) for loc in reply.locations]

    async def remove_location(self, colony_name: str, name: str, prvkey: str) -> None:
        await self.rpc.RemoveLocation(pb.LocationRequest(colonyname=colony_name, name=name), prvkey)

    # -------------------------------------------------------- blueprints --

    async def add_blueprint_definition(self, definition: Any, prvkey: str) -> BlueprintDefinition:
        """Defines a kind of blueprints (the colony owner's key)."""
        request = compat.blueprint_definition(definition)
        return convert.from_pb(
            BlueprintDefinition, await self.rpc.AddBlueprintDefinition(request, prvkey)
        )

    async def get_blueprint_definition(
        self, colony_name: str, name: str, prvkey: str
    ) -> BlueprintDefinition:
        request = pb.BlueprintNameRequest(colonyname=colony_name, name=name)
        return convert.from_pb(
            BlueprintDefinition, await self.rpc.GetBlueprintDefinition(request, prvkey)
        )

    async def get_blueprint_definitions(
        self, colony_name: str, prvkey: str
    ) -> list[BlueprintDefinition]:
        request = pb.ColonyNameRequest(colonyname=colony_name)
        reply = await self.rpc.ListBlueprintDefinitions(request, prvkey)
        return [convert.from_pb(BlueprintDefinition, d) for d in reply.definitions]

    async def remove_blueprint_definition(self, colony_name: str, name: str, prvkey: str) -> None:
        request = pb.BlueprintNameRequest(colonyname=colony_name, name=name)
        await self.rpc.RemoveBlueprintDefinition(request, prvkey)

    async def add_blueprint(self, blueprint: Any, prvkey: str) -> Blueprint:
        """Adds a blueprint (a dict or a Blueprint); its kind must be defined."""
        return convert.from_pb(
            Blueprint, await self.rpc.AddBlueprint(compat.blueprint(blueprint), prvkey)
        )

    async def get_blueprint(self, colony_name: str, name: str, prvkey: str) -> Blueprint:
        request = pb.BlueprintNameRequest(colonyname=colony_name, name=name)
        return convert.from_pb(Blueprint, await self.rpc.GetBlueprint(request, prvkey))

    async def get_blueprints(
        self, colony_name: str, prvkey: str, kind: str | None = None, location: str | None = None
    ) -> list[Blueprint]:
        request = pb.ListBlueprintsRequest(
            colonyname=colony_name, kind=kind or "", locationname=location or ""
        )
        reply = await self.rpc.ListBlueprints(request, prvkey)
        return [convert.from_pb(Blueprint, b) for b in reply.blueprints]

    async def update_blueprint(
        self, blueprint: Any, prvkey: str, force_generation: bool = False
    ) -> Blueprint:
        """Replaces the spec (a new generation, reconciled, when it changed)."""
        request = pb.UpdateBlueprintRequest(
            blueprint=compat.blueprint(blueprint), force_generation=force_generation
        )
        return convert.from_pb(Blueprint, await self.rpc.UpdateBlueprint(request, prvkey))

    async def remove_blueprint(self, colony_name: str, name: str, prvkey: str) -> None:
        request = pb.BlueprintNameRequest(colonyname=colony_name, name=name)
        await self.rpc.RemoveBlueprint(request, prvkey)

    async def update_blueprint_status(
        self, colony_name: str, name: str, status: Any, prvkey: str
    ) -> Blueprint:
        """Replaces the status only (what a reconciler found)."""
        request = compat.blueprint_status(colony_name, name, status)
        return convert.from_pb(Blueprint, await self.rpc.UpdateBlueprintStatus(request, prvkey))

    async def reconcile_blueprint(
        self, colony_name: str, name: str, prvkey: str, force: bool = False
    ) -> Process:
        """Submits a reconciliation process for the blueprint now; returns it."""
        request = pb.ReconcileBlueprintRequest(colonyname=colony_name, name=name, force=force)
        return convert.process_from_pb(await self.rpc.ReconcileBlueprint(request, prvkey))

    async def get_blueprint_history(
        self, blueprint_id: str, prvkey: str, limit: int | None = None
    ) -> list[BlueprintHistory]:
        """The latest changes, newest first."""
        request = pb.BlueprintHistoryRequest(blueprintid=blueprint_id, limit=limit or 0)
        reply = await self.rpc.GetBlueprintHistory(request, prvkey)
        return [convert.from_pb(BlueprintHistory, h) for h in reply.history]

    # -------------------------------------------------------- channels --

    async def channel_append(
        self, processid: Any, channel_name: str, sequence: int, payload: bytes | str,
        prvkey: str, in_reply_to: int = 0, payload_type: str = "",
    ) -> ChannelEntry:  # fmt: skip
        request = compat.channel_append(
            processid, channel_name, sequence, payload, in_reply_to, payload_type
        )
        return convert.channel_entry_from_pb(await self.rpc.ChannelAppend(request, prvkey))

    async def channel_read(
        self, processid: Any, channel_name: str, after_seq: int, limit: int, prvkey: str
    ) -> list[ChannelEntry]:
        request = compat.channel_read(processid, channel_name, after_seq, limit)
        return replies.channel_entries(await self.rpc.ChannelRead(request, prvkey))

    async def follow_channel(
        self, processid: Any, channel_name: str, prvkey: str, after_seq: int = 0,
        timeout: float = 0.0,
    ) -> AsyncIterator[ChannelEntry]:  # fmt: skip
        """Yields the entries after the first `after_seq`, then each new one as it
        is appended, until the process ends or `timeout` seconds (0: no limit)."""
        request = compat.subscribe_channel(processid, channel_name, after_seq, timeout)
        deadline = timeout + 30 if timeout > 0 else None
        async for batch in self.rpc.SubscribeChannel(request, prvkey, timeout=deadline):
            for entry in replies.channel_entries(batch):
                yield entry

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
