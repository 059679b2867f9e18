"""The gRPC transport: signed bytes in, service call, protobuf out.

Handlers receive the raw request bytes, so the signature is checked over
exactly what the client sent; only then is the message parsed. Each handler is
identity -> convert -> service -> convert.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from pycolonies_like import convert
from pycolonies_like.core import errors
from pycolonies_like.core.models import (
    Capabilities,
    EventKind,
    ProcessState,
)
from pycolonies_like.core.rules import decode_json
from pycolonies_like.proto import colonies_pb2 as pb
from server.auth import RequestVerifier
from server.limits import Limits
from server.service import Services
from server.service.slices import colony_turn, in_slices, vouch
from server.transport.grpc_subsystems import SubsystemHandlers
from server.transport.session import ExecutorSession
from server.transport.status import abort, status_of

log = logging.getLogger(__name__)

SERVICE_NAME = "colonies.v1.Colonies"
_DESCRIPTOR = pb.DESCRIPTOR.services_by_name["Colonies"]


def _serialize(message: Any) -> bytes:
    return message.SerializeToString()


def _colony_of(request_type: Any) -> Callable[[Any], str]:
    """How to read the colony a request of this type names ("" when none)."""
    fields = request_type.DESCRIPTOR.fields_by_name
    if "colonyname" in fields:
        return lambda request: str(request.colonyname)
    if "spec" in fields and fields["spec"].message_type is pb.FuncSpec.DESCRIPTOR:
        return lambda request: str(request.spec.conditions.colonyname)
    if "spec" in fields and fields["spec"].message_type is pb.WorkflowSpec.DESCRIPTOR:
        return lambda request: str(request.spec.colonyname)
    if "specs" in fields:  # a batch: its specs name one colony
        return lambda request: str(request.specs[0].conditions.colonyname) if request.specs else ""
    return lambda request: ""


def _state(value: int) -> ProcessState:
    try:
        return ProcessState(value)
    except ValueError:
        raise errors.InvalidArgument(f"unknown process state {value}") from None


def _kind(value: int) -> EventKind:
    try:
        return EventKind(value)
    except ValueError:
        raise errors.InvalidArgument(f"unknown event kind {value}") from None


def _optional_state(all_states: bool, value: int) -> ProcessState | None:
    return None if all_states else _state(value)


class GrpcApi(SubsystemHandlers):
    def __init__(
        self, services: Services, verifier: RequestVerifier, info: pb.ServerInfo, limits: Limits
    ) -> None:
        self.limits = limits
        self.services = services
        self.colonies = services.colonies
        self.processes = services.processes
        self.logs = services.logs
        self.workflows = services.workflows
        self.schedules = services.schedules
        self.subscriptions = services.subscriptions
        self.channels = services.channels
        self.locations = services.locations
        self.ratelimits = services.ratelimits
        self.blueprints = services.blueprints
        self.files = services.files
        self.verifier = verifier
        self.info = info

    def handler(self) -> grpc.GenericRpcHandler:
        handlers = {}
        for method in _DESCRIPTOR.methods:
            path = f"/{SERVICE_NAME}/{method.name}"
            request_type = getattr(pb, method.input_type.name)
            if method.client_streaming and not method.server_streaming:
                handlers[method.name] = grpc.stream_unary_rpc_method_handler(
                    self._client_stream(path, request_type, getattr(self, method.name)),
                    response_serializer=_serialize,
                )
            elif method.client_streaming:
                session = ExecutorSession.handler(self.services, self.verifier, path)
                handlers[method.name] = grpc.stream_stream_rpc_method_handler(
                    session, request_deserializer=pb.SignedMessage.FromString,
                    response_serializer=_serialize,
                )  # fmt: skip
            elif method.server_streaming:
                handlers[method.name] = grpc.unary_stream_rpc_method_handler(
                    self._streaming(path, request_type, getattr(self, method.name)),
                    response_serializer=_serialize,
                )
            else:
                handlers[method.name] = grpc.unary_unary_rpc_method_handler(
                    self._unary(path, request_type, getattr(self, method.name)),
                    response_serializer=_serialize,
                )
        return grpc.method_handlers_generic_handler(SERVICE_NAME, handlers)

    async def _authenticate(self, path: str, raw: bytes, context: Any, request_type: Any) -> Any:
        caller = await self.verifier.verify_metadata(path, context.invocation_metadata(), raw)
        try:
            return caller, request_type.FromString(raw)
        except DecodeError:
            raise errors.InvalidArgument(
                "malformed request: not a valid protobuf message"
            ) from None

    async def _admit(self, path: str, raw: bytes, context: Any, request_type: Any) -> Any:
        """Authenticates the call and counts it in (release it), or refuses it: before
        the signature is checked if its connection's one identity is over budget."""
        limits = self.limits
        peer = context.peer()
        early = limits.refuse_early(peer)
        if early is not None and self.verifier.refuse_unverified(context.invocation_metadata()):
            await limits.refuse(*early)
        caller, request = await self._authenticate(path, raw, context, request_type)
        limits.note_peer(peer, caller)
        try:
            limits.admit(caller)
        except errors.RateLimited as err:
            await limits.refuse(caller, err)
        return caller, request

    def _unary(
        self, path: str, request_type: Any, impl: Callable[[str, Any], Awaitable[Any]]
    ) -> Callable[[bytes, Any], Awaitable[Any]]:
        durable = self.services.durable
        done = self.services.counters.rpc_done
        method = path.rsplit("/", 1)[-1]
        clock = time.perf_counter
        colony_of = _colony_of(request_type)
        # A submit the service accepted proves the caller a member of the colony
        # read here (the one it checks); other calls may name one they are not in.
        vouches = method in ("Submit", "SubmitBatch", "SubmitWorkflow")

        limits = self.limits

        async def handle(raw: bytes, context: grpc.aio.ServicerContext) -> Any:
            started = clock()
            code = "OK"
            try:
                caller, request = await self._admit(path, raw, context, request_type)
                try:
                    colony = colony_of(request)
                    if colony:  # colonies take turns on the loop (service/slices.py)
                        await colony_turn(colony, caller)
                    reply = await impl(caller, request)
                    if vouches and colony:
                        vouch(colony, caller)
                finally:
                    limits.release(caller)
                await durable()
                return reply
            except errors.ColoniesError as err:
                code = status_of(err).name
                await abort(context, err)
            except Exception:
                code = "INTERNAL"
                log.exception("unexpected error in %s", path)
                await context.abort(grpc.StatusCode.INTERNAL, "internal server error")
            finally:
                done(method, code, clock() - started)

        return handle

    def _streaming(
        self, path: str, request_type: Any, impl: Callable[[str, Any], AsyncIterator[Any]]
    ) -> Callable[[bytes, Any], AsyncIterator[Any]]:
        durable = self.services.durable

        limits = self.limits

        async def handle(raw: bytes, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            try:
                # Opening a stream costs a call; it then runs freely.
                caller, request = await self._admit(path, raw, context, request_type)
                limits.release(caller)
                async for item in impl(caller, request):
                    await durable()
                    yield item
            except errors.ColoniesError as err:
                await abort(context, err)
            except Exception:
                log.exception("unexpected error in %s", path)
                await context.abort(grpc.StatusCode.INTERNAL, "internal server error")

        return handle

    def _client_stream(
        self, path: str, request_type: Any,
        impl: Callable[[str, Any, AsyncIterator[Any]], Awaitable[Any]],
    ) -> Callable[[AsyncIterator[bytes], Any], Awaitable[Any]]:  # fmt: skip
        """A stream of requests signed over its first message: the handler gets
        the caller, the first message and the rest (parsed as they come)."""
        limits = self.limits

        async def handle(raws: AsyncIterator[bytes], context: grpc.aio.ServicerContext) -> Any:
            try:
                first = await anext(aiter(raws), None)
                if first is None:
                    raise errors.InvalidArgument("the stream ended before its first message")
                caller, request = await self._authenticate(path, first, context, request_type)
                limits.admit(caller)
                limits.release(caller)

                async def rest() -> AsyncIterator[Any]:
                    async for raw in raws:
                        try:
                            yield request_type.FromString(raw)
                        except DecodeError:
                            raise errors.InvalidArgument(
                                "malformed request: not a valid protobuf message"
                            ) from None

                reply = await impl(caller, request, rest())
                await self.services.durable()
                return reply
            except errors.ColoniesError as err:
                await abort(context, err)
            except Exception:
                log.exception("unexpected error in %s", path)
                await context.abort(grpc.StatusCode.INTERNAL, "internal server error")

        return handle

    # ------------------------------------------------------------ server --

    async def GetServerInfo(self, caller: str, req: pb.GetServerInfoRequest) -> pb.ServerInfo:
        info = pb.ServerInfo()
        info.CopyFrom(self.info)
        info.time = self.services.now_ns()
        return info

    async def GetStatistics(self, caller: str, req: pb.GetStatisticsRequest) -> pb.Statistics:
        return convert.stats_to_pb(await self.colonies.statistics(caller))

    # ---------------------------------------------------------- colonies --

    async def AddColony(self, caller: str, req: pb.AddColonyRequest) -> pb.Colony:
        colony = await self.colonies.add_colony(caller, convert.colony_from_pb(req.colony))
        return convert.colony_to_pb(colony)

    async def RemoveColony(self, caller: str, req: pb.ColonyNameRequest) -> pb.Empty:
        await self.colonies.remove_colony(caller, req.colonyname)
        return pb.Empty()

    async def GetColony(self, caller: str, req: pb.ColonyNameRequest) -> pb.Colony:
        return convert.colony_to_pb(await self.colonies.get_colony(caller, req.colonyname))

    async def ListColonies(self, caller: str, req: pb.ListColoniesRequest) -> pb.ListColoniesReply:
        colonies = await self.colonies.list_colonies(caller)
        return pb.ListColoniesReply(colonies=[convert.colony_to_pb(c) for c in colonies])

    async def GetColonyStatistics(self, caller: str, req: pb.ColonyNameRequest) -> pb.Statistics:
        return convert.stats_to_pb(await self.colonies.colony_statistics(caller, req.colonyname))

    async def SetRetention(self, caller: str, req: pb.SetRetentionRequest) -> pb.Colony:
        colony = await self.colonies.set_retention(caller, req.colonyname, req.retention)
        return convert.colony_to_pb(colony)

    async def SetFairWeight(self, caller: str, req: pb.FairWeightRequest) -> pb.Empty:
        await self.colonies.set_fair_weight(caller, req.colonyname, req.name, req.weight)
        return pb.Empty()

    async def ListFairWeights(
        self, caller: str, req: pb.ColonyNameRequest
    ) -> pb.ListFairWeightsReply:
        found = await self.colonies.list_fair_weights(caller, req.colonyname)
        return pb.ListFairWeightsReply(weights=[convert.to_pb(w) for w in found])

    async def PauseAssignment(self, caller: str, req: pb.PauseRequest) -> pb.Colony:
        colony = await self.colonies.pause(caller, req.colonyname, req.executortype)
        return convert.colony_to_pb(colony)

    async def ResumeAssignment(self, caller: str, req: pb.PauseRequest) -> pb.Colony:
        colony = await self.colonies.resume(caller, req.colonyname, req.executortype)
        return convert.colony_to_pb(colony)

    # --------------------------------------------------------- executors --

    async def AddExecutor(self, caller: str, req: pb.AddExecutorRequest) -> pb.Executor:
        executor = await self.colonies.add_executor(caller, convert.executor_from_pb(req.executor))
        return convert.executor_to_pb(executor)

    async def ApproveExecutor(self, caller: str, req: pb.ExecutorNameRequest) -> pb.Executor:
        executor = await self.colonies.approve_executor(caller, req.colonyname, req.executorname)
        return convert.executor_to_pb(executor)

    async def RejectExecutor(self, caller: str, req: pb.ExecutorNameRequest) -> pb.Executor:
        executor = await self.colonies.reject_executor(caller, req.colonyname, req.executorname)
        return convert.executor_to_pb(executor)

    async def RemoveExecutor(self, caller: str, req: pb.ExecutorNameRequest) -> pb.Empty:
        await self.colonies.remove_executor(caller, req.colonyname, req.executorname)
        return pb.Empty()

    async def UpdateExecutor(self, caller: str, req: pb.UpdateExecutorRequest) -> pb.Executor:
        caps = convert.from_pb(Capabilities, req.capabilities)
        executor = await self.colonies.update_executor(
            caller, req.colonyname, req.executorname, caps
        )
        return convert.executor_to_pb(executor)

    async def GetExecutor(self, caller: str, req: pb.ExecutorNameRequest) -> pb.Executor:
        executor = await self.colonies.get_executor(caller, req.colonyname, req.executorname)
        return convert.executor_to_pb(executor)

    async def ListExecutors(self, caller: str, req: pb.ColonyNameRequest) -> pb.ListExecutorsReply:
        executors = await self.colonies.list_executors(caller, req.colonyname)
        return pb.ListExecutorsReply(executors=[convert.executor_to_pb(e) for e in executors])

    # --------------------------------------------------------- functions --

    async def AddFunction(self, caller: str, req: pb.AddFunctionRequest) -> pb.Function:
        function = await self.colonies.add_function(caller, convert.function_from_pb(req.function))
        return convert.function_to_pb(function)

    async def ListFunctions(
        self, caller: str, req: pb.ListFunctionsRequest
    ) -> pb.ListFunctionsReply:
        functions = await self.colonies.list_functions(caller, req.colonyname, req.executorname)
        return pb.ListFunctionsReply(functions=[convert.function_to_pb(f) for f in functions])

    async def RemoveFunction(self, caller: str, req: pb.RemoveFunctionRequest) -> pb.Empty:
        await self.colonies.remove_function(caller, req.functionid)
        return pb.Empty()

    # ------------------------------------------------------------- users --

    async def AddUser(self, caller: str, req: pb.AddUserRequest) -> pb.User:
        return convert.user_to_pb(
            await self.colonies.add_user(caller, convert.user_from_pb(req.user))
        )

    async def RemoveUser(self, caller: str, req: pb.UserNameRequest) -> pb.Empty:
        await self.colonies.remove_user(caller, req.colonyname, req.name)
        return pb.Empty()

    async def GetUser(self, caller: str, req: pb.UserNameRequest) -> pb.User:
        return convert.user_to_pb(await self.colonies.get_user(caller, req.colonyname, req.name))

    async def ListUsers(self, caller: str, req: pb.ColonyNameRequest) -> pb.ListUsersReply:
        users = await self.colonies.list_users(caller, req.colonyname)
        return pb.ListUsersReply(users=[convert.user_to_pb(u) for u in users])

    # --------------------------------------------------------- processes --

    async def Submit(self, caller: str, req: pb.SubmitRequest) -> pb.Process:
        spec = convert.funcspec_from_pb(req.spec)
        process = await self.processes.submit(
            caller, spec, req.idempotency_key, notbefore=req.notbefore, delay_s=req.delay
        )
        return convert.process_to_pb(process)

    async def SubmitBatch(self, caller: str, req: pb.SubmitBatchRequest) -> pb.SubmitBatchReply:
        # In slices (server/service/slices.py): a batch of thousands does not
        # hold the event loop for all of its decoding and its reply.
        specs = await in_slices(req.specs, lambda s: [convert.funcspec_from_pb(x) for x in s])
        processes = await self.processes.submit_batch(caller, specs)
        reply = await in_slices(processes, lambda s: [convert.process_to_pb(p) for p in s])
        return pb.SubmitBatchReply(processes=reply)

    async def Assign(self, caller: str, req: pb.AssignRequest) -> pb.Process:
        process = await self.processes.assign(caller, req.colonyname, req.timeout)
        return convert.process_to_pb(process)

    async def Close(self, caller: str, req: pb.CloseRequest) -> pb.Empty:
        output = decode_json("out", req.out_json, [], list)
        await self.processes.close(caller, req.processid, req.attempt, output)
        return pb.Empty()

    async def Fail(self, caller: str, req: pb.FailRequest) -> pb.Empty:
        await self.processes.fail(caller, req.processid, req.attempt, list(req.errors))
        return pb.Empty()

    async def SetOutput(self, caller: str, req: pb.SetOutputRequest) -> pb.Empty:
        output = decode_json("out", req.out_json, [], list)
        await self.processes.set_output(caller, req.processid, req.attempt, output)
        return pb.Empty()

    async def Release(self, caller: str, req: pb.ReleaseRequest) -> pb.Empty:
        await self.processes.release(caller, req.processid, req.attempt)
        return pb.Empty()

    async def Heartbeat(self, caller: str, req: pb.HeartbeatRequest) -> pb.HeartbeatReply:
        deadline, cancelled = await self.processes.heartbeat(caller, req.processid, req.attempt)
        return pb.HeartbeatReply(execdeadline=deadline, cancelled=cancelled)

    async def RerunProcess(self, caller: str, req: pb.ProcessIdRequest) -> pb.Process:
        return convert.process_to_pb(await self.processes.rerun(caller, req.processid))

    async def Acknowledge(self, caller: str, req: pb.AcknowledgeRequest) -> pb.Empty:
        await self.processes.acknowledge(caller, req.processid, req.attempt)
        return pb.Empty()

    async def GetProcess(self, caller: str, req: pb.ProcessIdRequest) -> pb.Process:
        return convert.process_to_pb(await self.processes.get_process(caller, req.processid))

    async def ListProcesses(
        self, caller: str, req: pb.ListProcessesRequest
    ) -> pb.ListProcessesReply:
        processes = await self.processes.list_processes(
            caller, req.colonyname, _state(req.state), req.count,
            executortype=req.executortype, label=req.label, initiatorname=req.initiator,
        )  # fmt: skip
        return pb.ListProcessesReply(processes=[convert.process_to_pb(p) for p in processes])

    async def RemoveProcess(self, caller: str, req: pb.ProcessIdRequest) -> pb.Empty:
        await self.processes.remove_process(caller, req.processid)
        return pb.Empty()

    async def RemoveAllProcesses(self, caller: str, req: pb.RemoveAllRequest) -> pb.RemovedReply:
        state = _optional_state(req.all_states, req.state)
        return pb.RemovedReply(
            removed=await self.processes.remove_all_processes(caller, req.colonyname, state)
        )

    async def CancelProcess(self, caller: str, req: pb.ProcessIdRequest) -> pb.Process:
        return convert.process_to_pb(await self.processes.cancel_process(caller, req.processid))

    # -------------------------------------------------- attributes, logs --

    async def AddAttribute(self, caller: str, req: pb.AddAttributeRequest) -> pb.Attribute:
        attribute = await self.logs.add_attribute(
            caller, req.processid, req.attempt, req.key, req.value
        )
        return convert.attribute_to_pb(attribute)

    async def GetAttribute(self, caller: str, req: pb.GetAttributeRequest) -> pb.Attribute:
        return convert.attribute_to_pb(await self.logs.get_attribute(caller, req.attributeid))

    async def AddLog(self, caller: str, req: pb.AddLogRequest) -> pb.Empty:
        await self.logs.add_log(caller, req.processid, req.attempt, req.message)
        return pb.Empty()

    async def GetLogs(self, caller: str, req: pb.GetLogsRequest) -> pb.GetLogsReply:
        page = await self.logs.get_logs(
            caller, req.processid, req.count, req.since, req.latest,
            colonyname=req.colonyname, executorname=req.executorname,
            after_seq=req.after_seq, before_seq=req.before_seq,
        )  # fmt: skip
        return pb.GetLogsReply(logs=[convert.log_to_pb(e) for e in page.entries], more=page.more)

    async def FollowLogs(
        self, caller: str, req: pb.FollowLogsRequest
    ) -> AsyncIterator[pb.LogEntry]:
        async for entry in self.logs.follow_logs(caller, req.processid, req.after_seq):
            yield convert.log_to_pb(entry)

    # --------------------------------------------------------- workflows --

    async def SubmitWorkflow(self, caller: str, req: pb.SubmitWorkflowRequest) -> pb.ProcessGraph:
        graph = await self.workflows.submit_workflow(caller, convert.workflow_from_pb(req.spec))
        return convert.graph_to_pb(graph)

    async def GetProcessGraph(self, caller: str, req: pb.ProcessGraphIdRequest) -> pb.ProcessGraph:
        return convert.graph_to_pb(await self.workflows.get_graph(caller, req.processgraphid))

    async def GetProcessGraphProcesses(
        self, caller: str, req: pb.ProcessGraphIdRequest
    ) -> pb.ListProcessesReply:
        processes = await self.workflows.graph_processes(caller, req.processgraphid)
        return pb.ListProcessesReply(processes=[convert.process_to_pb(p) for p in processes])

    async def ListProcessGraphs(
        self, caller: str, req: pb.ListProcessGraphsRequest
    ) -> pb.ListProcessGraphsReply:
        state = _optional_state(req.all_states, req.state)
        graphs = await self.workflows.list_graphs(caller, req.colonyname, state, req.count)
        return pb.ListProcessGraphsReply(processgraphs=[convert.graph_to_pb(g) for g in graphs])

    async def RemoveProcessGraph(self, caller: str, req: pb.ProcessGraphIdRequest) -> pb.Empty:
        await self.workflows.remove_graph(caller, req.processgraphid)
        return pb.Empty()

    async def RemoveAllProcessGraphs(
        self, caller: str, req: pb.RemoveAllRequest
    ) -> pb.RemovedReply:
        state = _optional_state(req.all_states, req.state)
        return pb.RemovedReply(
            removed=await self.workflows.remove_all_graphs(caller, req.colonyname, state)
        )

    async def CancelProcessGraph(
        self, caller: str, req: pb.ProcessGraphIdRequest
    ) -> pb.ProcessGraph:
        return convert.graph_to_pb(await self.workflows.cancel_graph(caller, req.processgraphid))

    async def RerunProcessGraph(
        self, caller: str, req: pb.RerunProcessGraphRequest
    ) -> pb.ProcessGraph:
        graph, _ = await self.workflows.rerun_graph(caller, req.processgraphid, req.from_failed)
        return convert.graph_to_pb(graph)

    async def AddChild(self, caller: str, req: pb.AddChildRequest) -> pb.Process:
        process = await self.workflows.add_child(
            caller, req.processgraphid, req.parentprocessid, req.childprocessid,
            convert.funcspec_from_pb(req.spec), req.insert, req.attempt,
        )  # fmt: skip
        return convert.process_to_pb(process)

    # ------------------------------------------------- crons, generators --

    async def AddCron(self, caller: str, req: pb.AddCronRequest) -> pb.Cron:
        return convert.cron_to_pb(
            await self.schedules.add_cron(caller, convert.cron_from_pb(req.cron))
        )

    async def GetCron(self, caller: str, req: pb.CronIdRequest) -> pb.Cron:
        return convert.cron_to_pb(await self.schedules.get_cron(caller, req.cronid))

    async def ListCrons(self, caller: str, req: pb.ListCronsRequest) -> pb.ListCronsReply:
        crons = await self.schedules.list_crons(caller, req.colonyname, req.count)
        return pb.ListCronsReply(crons=[convert.cron_to_pb(c) for c in crons])

    async def RemoveCron(self, caller: str, req: pb.CronIdRequest) -> pb.Empty:
        await self.schedules.remove_cron(caller, req.cronid)
        return pb.Empty()

    async def RunCron(self, caller: str, req: pb.CronIdRequest) -> pb.Cron:
        return convert.cron_to_pb(await self.schedules.run_cron(caller, req.cronid))

    async def AddGenerator(self, caller: str, req: pb.AddGeneratorRequest) -> pb.Generator:
        generator = await self.schedules.add_generator(
            caller, convert.generator_from_pb(req.generator)
        )
        return convert.generator_to_pb(generator)

    async def GetGenerator(self, caller: str, req: pb.GeneratorIdRequest) -> pb.Generator:
        return convert.generator_to_pb(await self.schedules.get_generator(caller, req.generatorid))

    async def ListGenerators(
        self, caller: str, req: pb.ListGeneratorsRequest
    ) -> pb.ListGeneratorsReply:
        generators = await self.schedules.list_generators(caller, req.colonyname, req.count)
        return pb.ListGeneratorsReply(generators=[convert.generator_to_pb(g) for g in generators])

    async def RemoveGenerator(self, caller: str, req: pb.GeneratorIdRequest) -> pb.Empty:
        await self.schedules.remove_generator(caller, req.generatorid)
        return pb.Empty()

    async def PackGenerator(self, caller: str, req: pb.PackGeneratorRequest) -> pb.Empty:
        await self.schedules.pack_generator(caller, req.generatorid, req.arg)
        return pb.Empty()

    # ------------------------------------------------------------ events --

    async def SubscribeEvents(
        self, caller: str, req: pb.SubscribeEventsRequest
    ) -> AsyncIterator[pb.Event]:
        events = self.subscriptions.subscribe_events(
            caller, req.colonyname, processid=req.processid, processgraphid=req.processgraphid,
            executortype=req.executortype, states=[_state(s) for s in req.states],
            kinds=[_kind(k) for k in req.kinds], include_current=req.include_current,
            timeout=req.timeout,
        )  # fmt: skip
        async for event in events:
            yield convert.event_to_pb(event)
