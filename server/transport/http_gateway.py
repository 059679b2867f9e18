"""The ColonyOS-compatible HTTP gateway: scripts written for the published
pycolonies client work against this server unchanged.

    POST /api     ColonyOS' RPC envelope {payloadtype, payload, signature}
    GET  /pubsub  the websocket subscriptions pycolonies' wait() uses
    GET  /health  200 while the store answers

It is an adapter over the same service layer as the gRPC API: objects made
through one are seen through the other, with the same ids and keys.

ColonyOS signs only the base64 payload -- no timestamp, no nonce -- so a
request captured on the wire can be replayed here. The gateway cannot fix
that without breaking the clients it exists for: keep it off where that
matters (--http-port 0), put it behind TLS, and prefer the gRPC API.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

import pycolonies_like
from pycolonies_like import crypto
from pycolonies_like.core import errors
from pycolonies_like.core.models import (
    FINAL_STATES,
    Colony,
    Cron,
    Executor,
    Function,
    Generator,
    ProcessState,
    User,
)
from server.service import Services
from server.transport import colonyos_json as cj

log = logging.getLogger(__name__)

Handler = Callable[["Gateway", str, dict[str, Any]], Awaitable[Any]]
HANDLERS: dict[str, Handler] = {}

# The one table from domain errors to HTTP statuses (ColonyOS' choices).
HTTP_STATUS: dict[type[errors.ColoniesError], int] = {
    errors.NoProcessAvailable: 404,
    errors.StaleAttempt: 400,
    errors.InvalidArgument: 400,
    errors.NotFound: 404,
    errors.AlreadyExists: 400,
    errors.Unauthenticated: 403,
    errors.PermissionDenied: 403,
    errors.FailedPrecondition: 400,
    errors.ResourceExhausted: 413,
    errors.StorageError: 503,
    errors.Unavailable: 503,
    errors.WaitTimeout: 408,
}

UNSUPPORTED = (
    "channel", "snapshot", "file", "blueprint", "location", "pause", "resume", "changeid",
    "reportallocation", "updateexecutor", "executorlog", "searchlogs", "processhist", "cluster",
)  # fmt: skip


def status_of(err: errors.ColoniesError) -> int:
    for cls in type(err).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]  # type: ignore[index]
    return 500


def handles(*payloadtypes: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for payloadtype in payloadtypes:
            HANDLERS[payloadtype] = fn
        return fn

    return register


def envelope(payloadtype: str, payload: Any, error: bool = False) -> str:
    data = base64.b64encode(json.dumps(payload).encode()).decode()
    return json.dumps({"payloadtype": payloadtype, "payload": data, "error": error})


def error_envelope(status: int, message: str) -> str:
    return envelope("error", {"status": status, "message": message}, error=True)


class Gateway:
    def __init__(self, services: Services, server: Any) -> None:
        self.services = services
        self.server = server

    def checker_period_ms(self) -> int:
        return int(self.server.settings.cron_interval_s * 1000)

    # ---------------------------------------------------------- envelope --

    def decode(self, body: bytes | str) -> tuple[str, str, dict[str, Any], str]:
        """(payloadtype, caller id, message, payload text) from an envelope."""
        try:
            rpc = json.loads(body)
            payloadtype = rpc["payloadtype"]
            payload = rpc["payload"]
            if not isinstance(payloadtype, str) or not isinstance(payload, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise errors.InvalidArgument("the body is not a ColonyOS RPC envelope") from None
        caller = ""
        if payloadtype not in ("versionmsg", "getserverinfomsg"):
            try:
                signature = bytes.fromhex(rpc.get("signature") or "")
            except ValueError:
                raise errors.Unauthenticated("the signature is not hex") from None
            caller = crypto.recover_id(crypto.sha3(payload.encode()), signature)
        try:
            msg = json.loads(base64.b64decode(payload, validate=True)) if payload else {}
        except (ValueError, binascii.Error):
            raise errors.InvalidArgument("the payload is not base64-encoded JSON") from None
        if not isinstance(msg, dict):
            raise errors.InvalidArgument("the payload must be a JSON object")
        if (
            payloadtype not in ("versionmsg", "getserverinfomsg")
            and msg.get("msgtype") != payloadtype
        ):
            raise errors.InvalidArgument(
                f"Failed to parse {payloadtype}, msg.MsgType does not match payloadType"
            )
        return payloadtype, caller, msg, payload

    async def call(self, payloadtype: str, caller: str, msg: dict[str, Any]) -> Any:
        handler = HANDLERS.get(payloadtype)
        if handler is None:
            if any(word in payloadtype for word in UNSUPPORTED):
                raise errors.InvalidArgument(
                    f"{payloadtype} is not supported by this server (it implements colonies, "
                    "executors, users, functions, processes, workflows, logs, attributes, "
                    "crons and generators)"
                )
            raise errors.PermissionDenied(f"invalid rpcMsg.PayloadType: {payloadtype}")
        return await handler(self, caller, msg)

    # ------------------------------------------------------------- routes --

    async def api(self, request: web.Request) -> web.Response:
        payloadtype = "error"
        try:
            body = await request.read()
            payloadtype, caller, msg, _ = self.decode(body)
            result = await self.call(payloadtype, caller, msg)
            await self.services.durable()
            return web.Response(text=envelope(payloadtype, result))
        except errors.ColoniesError as err:
            status = status_of(err)
            return web.Response(status=status, text=error_envelope(status, err.message))
        except Exception:
            log.exception("unexpected error in %s", payloadtype)
            return web.Response(status=500, text=error_envelope(500, "internal server error"))

    async def health(self, request: web.Request) -> web.Response:
        try:
            await self.services.ping()
        except errors.StorageError:
            return web.Response(status=503)
        return web.Response(status=200)

    async def pubsub(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=self.server.settings.max_message_bytes)
        await ws.prepare(request)
        try:
            message = await ws.receive(timeout=30)
            if message.type != WSMsgType.TEXT:
                return ws
            payloadtype, caller, msg, _ = self.decode(message.data)
            if payloadtype == "subscribeprocessmsg":
                await self._subscribe_process(ws, caller, msg)
            elif payloadtype == "subscribeprocessesmsg":
                await self._subscribe_processes(ws, caller, msg)
            else:
                raise errors.InvalidArgument(f"{payloadtype} is not a subscription of this server")
        except errors.ColoniesError as err:
            await ws.send_str(error_envelope(status_of(err), err.message))
        except (asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            await ws.close()
        return ws

    async def _subscribe_process(
        self, ws: web.WebSocketResponse, caller: str, msg: dict[str, Any]
    ) -> None:
        """Pushes the process when it reaches `state` (at once if it is there).
        Unlike ColonyOS, a process that ends in another state is reported too,
        as an error frame, instead of leaving the client waiting."""
        processid = str(msg.get("processid") or "")
        state = ProcessState(int(msg.get("state", ProcessState.SUCCESSFUL)))
        process = await self.services.processes.get_process(caller, processid)
        events = self.services.subscriptions.subscribe_events(
            caller, process.colonyname, processid=processid,
            states=sorted({state, *FINAL_STATES}), include_current=True,
            timeout=float(msg.get("timeout") or 0),
        )  # fmt: skip
        async for event in events:
            if event.process is None:
                continue
            await self.services.durable()
            if event.process.state == state:
                await ws.send_str(envelope("subscribeprocessmsg", cj.process_json(event.process)))
            elif event.process.state.is_final:
                reason = "; ".join(event.process.errors)
                raise errors.FailedPrecondition(
                    f"process {processid} ended as {event.process.state.name.lower()}"
                    + (f": {reason}" if reason else "")
                )

    async def _subscribe_processes(
        self, ws: web.WebSocketResponse, caller: str, msg: dict[str, Any]
    ) -> None:
        colonyname = str(msg.get("colonyname") or "")
        if not colonyname:
            raise errors.InvalidArgument("colonyname is required")
        state = ProcessState(int(msg.get("state", 0)))
        events = self.services.subscriptions.subscribe_events(
            caller, colonyname, executortype=str(msg.get("executortype") or ""),
            states=[state], timeout=float(msg.get("timeout") or 0),
        )  # fmt: skip
        async for event in events:
            if event.process is not None:
                await self.services.durable()
                await ws.send_str(envelope("subscribeprocessesmsg", cj.process_json(event.process)))


# ------------------------------------------------------------- messages --
# Each handler: ColonyOS JSON in -> service call -> ColonyOS JSON out.


def _str(msg: dict[str, Any], key: str) -> str:
    value = msg.get(key)
    return "" if value is None else str(value)


def _int(msg: dict[str, Any], key: str, default: int = 0) -> int:
    value = msg.get(key, default)
    try:
        return int(value if value is not None else default)
    except (TypeError, ValueError):
        raise errors.InvalidArgument(f"{key} must be a number") from None


def _state_or_all(msg: dict[str, Any]) -> ProcessState | None:
    if "state" not in msg or msg["state"] is None or _int(msg, "state") == -1:
        return None
    try:
        return ProcessState(_int(msg, "state"))
    except ValueError:
        raise errors.InvalidArgument(f"invalid state {msg['state']}") from None


@handles("versionmsg")
async def _version(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    return {"buildversion": pycolonies_like.__version__, "buildtime": "", "msgtype": "versionmsg"}


@handles("getserverinfomsg")
async def _server_info(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    return {
        "buildversion": pycolonies_like.__version__, "buildtime": "",
        "backends": [{"type": "http", "port": gw.server.http_port},
                     {"type": "grpc", "port": gw.server.port}],
    }  # fmt: skip


@handles("getstatisticsmsg")
async def _statistics(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    return cj.stats_json(await gw.services.colonies.statistics(caller))


@handles("addcolonymsg")
async def _add_colony(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    c = msg.get("colony") or {}
    colony = Colony(colonyid=_str(c, "colonyid"), name=_str(c, "name"))
    return cj.colony_json(await gw.services.colonies.add_colony(caller, colony))


@handles("removecolonymsg")
async def _remove_colony(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    await gw.services.colonies.remove_colony(caller, _str(msg, "colonyname"))
    return {}


@handles("getcoloniesmsg")
async def _colonies(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    return [cj.colony_json(c) for c in await gw.services.colonies.list_colonies(caller)]


@handles("getcolonymsg")
async def _colony(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    return cj.colony_json(await gw.services.colonies.get_colony(caller, _str(msg, "colonyname")))


@handles("getcolonystatsmsg")
async def _colony_stats(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    return cj.stats_json(
        await gw.services.colonies.colony_statistics(caller, _str(msg, "colonyname"))
    )


@handles("addexecutormsg")
async def _add_executor(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    e = msg.get("executor") or {}
    executor = Executor(
        executorid=_str(e, "executorid"), executortype=_str(e, "executortype"),
        executorname=_str(e, "executorname"), colonyname=_str(e, "colonyname"),
    )  # fmt: skip
    return cj.executor_json(await gw.services.colonies.add_executor(caller, executor))


@handles("getexecutorsmsg")
async def _executors(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    return [cj.executor_json(e) for e in
            await gw.services.colonies.list_executors(caller, _str(msg, "colonyname"))]  # fmt: skip


@handles("getexecutormsg")
async def _executor(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    e = await gw.services.colonies.get_executor(
        caller, _str(msg, "colonyname"), _str(msg, "executorname")
    )
    return cj.executor_json(e)


@handles("getexecutorbyidmsg")
async def _executor_by_id(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    wanted = _str(msg, "executorid")
    for e in await gw.services.colonies.list_executors(caller, _str(msg, "colonyname")):
        if e.executorid == wanted:
            return cj.executor_json(e)
    raise errors.NotFound(f"executor with id {wanted!r} does not exist")


@handles("approveexecutormsg", "rejectexecutormsg", "removeexecutormsg")
async def _executor_state(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    args = (caller, _str(msg, "colonyname"), _str(msg, "executorname"))
    kind = msg["msgtype"]
    if kind == "approveexecutormsg":
        await gw.services.colonies.approve_executor(*args)
    elif kind == "rejectexecutormsg":
        await gw.services.colonies.reject_executor(*args)
    else:
        await gw.services.colonies.remove_executor(*args)
    return {}


@handles("addfunctionmsg")
async def _add_function(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    f = msg.get("fun") or {}
    function = Function(
        functionid="", executorname=_str(f, "executorname"), executortype="",
        colonyname=_str(f, "colonyname"), funcname=_str(f, "funcname"),
        description=_str(f, "description"),
    )  # fmt: skip
    return cj.function_json(await gw.services.colonies.add_function(caller, function))


@handles("getfunctionsmsg")
async def _functions(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    functions = await gw.services.colonies.list_functions(
        caller, _str(msg, "colonyname"), _str(msg, "executorname")
    )
    return [cj.function_json(f) for f in functions]


@handles("removefunctionmsg")
async def _remove_function(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    await gw.services.colonies.remove_function(caller, _str(msg, "functionid"))
    return {}


@handles("addusermsg")
async def _add_user(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    u = msg.get("user") or {}
    user = User(colonyname=_str(u, "colonyname"), userid=_str(u, "userid"), name=_str(u, "name"),
                email=_str(u, "email"), phone=_str(u, "phone"))  # fmt: skip
    return cj.user_json(await gw.services.colonies.add_user(caller, user))


@handles("getusersmsg")
async def _users(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    return [
        cj.user_json(u)
        for u in await gw.services.colonies.list_users(caller, _str(msg, "colonyname"))
    ]


@handles("getusermsg")
async def _user(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    return cj.user_json(
        await gw.services.colonies.get_user(caller, _str(msg, "colonyname"), _str(msg, "name"))
    )


@handles("removeusermsg")
async def _remove_user(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    await gw.services.colonies.remove_user(caller, _str(msg, "colonyname"), _str(msg, "name"))
    return {}


@handles("submitfuncspecmsg")
async def _submit(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    process = await gw.services.processes.submit(caller, cj.funcspec_from_json(msg.get("spec")))
    return cj.process_json(process)


@handles("assignprocessmsg")
async def _assign(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    timeout = float(msg.get("timeout") or 0)
    if timeout == 0:
        raise errors.InvalidArgument("Invalid timeout value, timeout cannot be zero")
    process = await gw.services.processes.assign(caller, _str(msg, "colonyname"), max(timeout, 0))
    return cj.process_json(process)


@handles("getprocessesmsg")
async def _processes(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    count = _int(msg, "count", 100)
    graphid = _str(msg, "processgraphid")
    if graphid:  # pycolonies' get_processes_for_workflow
        processes = await gw.services.workflows.graph_processes(caller, graphid)
        state = _state_or_all(msg)
        return [cj.process_json(p) for p in processes
                if state is None or p.state == state][:count]  # fmt: skip
    state = _state_or_all(msg)
    if state is None:
        raise errors.InvalidArgument("Failed to get processes, invalid msg.State")
    processes = await gw.services.processes.list_processes(
        caller, _str(msg, "colonyname"), state, count,
        executortype=_str(msg, "executortype"), label=_str(msg, "label"),
        initiatorname=_str(msg, "initiator"),
    )  # fmt: skip
    return [cj.process_json(p) for p in processes]


@handles("getprocessmsg")
async def _process(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    return cj.process_json(await gw.services.processes.get_process(caller, _str(msg, "processid")))


@handles("removeprocessmsg")
async def _remove_process(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    await gw.services.processes.remove_process(caller, _str(msg, "processid"))
    return {}


@handles("removeallprocessesmsg")
async def _remove_all(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    await gw.services.processes.remove_all_processes(
        caller, _str(msg, "colonyname"), _state_or_all(msg)
    )
    return {}


@handles("closesuccessfulmsg")
async def _close(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    output = msg.get("out") or []
    if not isinstance(output, list):
        raise errors.InvalidArgument("out must be a list")
    await gw.services.processes.close(caller, _str(msg, "processid"), 0, output)
    return {}


@handles("closefailedmsg")
async def _fail(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    errs = msg.get("errors") or []
    if not isinstance(errs, list):
        raise errors.InvalidArgument("errors must be a list")
    await gw.services.processes.fail(caller, _str(msg, "processid"), 0, [str(e) for e in errs])
    return {}


@handles("setoutputmsg")
async def _set_output(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    output = msg.get("out") or []
    if not isinstance(output, list):
        raise errors.InvalidArgument("out must be a list")
    await gw.services.processes.set_output(caller, _str(msg, "processid"), 0, output)
    return {}


@handles("cancelprocessmsg")
async def _cancel(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    await gw.services.processes.cancel_process(caller, _str(msg, "processid"))
    return {}


@handles("addattributemsg")
async def _add_attribute(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    a = msg.get("attribute") or {}
    attribute = await gw.services.logs.add_attribute(
        caller, _str(a, "targetid"), 0, _str(a, "key"), _str(a, "value")
    )
    return cj.attribute_json(attribute, int(ProcessState.RUNNING))


@handles("getattributemsg")
async def _attribute(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    return cj.attribute_json(await gw.services.logs.get_attribute(caller, _str(msg, "attributeid")))


@handles("addlogmsg")
async def _add_log(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    await gw.services.logs.add_log(caller, _str(msg, "processid"), 0, _str(msg, "message"))
    return {}


@handles("getlogsmsg")
async def _logs(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    logs = await gw.services.logs.get_logs(
        caller, _str(msg, "processid"), _int(msg, "count", 100), max(_int(msg, "since"), 0),
        bool(msg.get("latest")), colonyname=_str(msg, "colonyname"),
        executorname=_str(msg, "executorname"),
    )  # fmt: skip
    return [cj.log_json(e) for e in logs]


@handles("submitworkflowspecmsg")
async def _submit_workflow(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    graph = await gw.services.workflows.submit_workflow(
        caller, cj.workflow_from_json(msg.get("spec"))
    )
    return cj.graph_json(graph)


@handles("getprocessgraphmsg")
async def _graph(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    graphid = _str(msg, "processgraphid")
    graph = await gw.services.workflows.get_graph(caller, graphid)
    return cj.graph_json(graph, await gw.services.workflows.graph_processes(caller, graphid))


@handles("getprocessgraphsmsg")
async def _graphs(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    graphs = await gw.services.workflows.list_graphs(
        caller, _str(msg, "colonyname"), _state_or_all(msg), _int(msg, "count", 100)
    )
    return [cj.graph_json(g) for g in graphs]


@handles("removeprocessgraphmsg")
async def _remove_graph(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    await gw.services.workflows.remove_graph(caller, _str(msg, "processgraphid"))
    return {}


@handles("removeallprocessgraphsmsg")
async def _remove_graphs(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    await gw.services.workflows.remove_all_graphs(
        caller, _str(msg, "colonyname"), _state_or_all(msg)
    )
    return {}


@handles("cancelprocessgraphmsg")
async def _cancel_graph(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    await gw.services.workflows.cancel_graph(caller, _str(msg, "processgraphid"))
    return {}


@handles("addchildmsg")
async def _add_child(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    process = await gw.services.workflows.add_child(
        caller, _str(msg, "processgraphid"), _str(msg, "parentprocessid"),
        _str(msg, "childprocessid"), cj.funcspec_from_json(msg.get("spec")),
        bool(msg.get("insert")),
    )  # fmt: skip
    return cj.process_json(process)


@handles("addcronmsg")
async def _add_cron(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    c = msg.get("cron") or {}
    # pycolonies misspells the wait flag ("waitforprevprocessgrap"): honour both.
    wait = bool(c.get("waitforprevprocessgraph") or c.get("waitforprevprocessgrap"))
    interval = _int(c, "interval", -1)
    cron = Cron(
        cronid="", colonyname=_str(c, "colonyname"), name=_str(c, "name"),
        workflowspec=cj.workflow_from_json(c.get("workflowspec")),
        cronexpression=_str(c, "cronexpression") if interval <= 0 else "",
        interval=interval, random=bool(c.get("random")), waitforprevprocessgraph=wait,
    )  # fmt: skip
    return cj.cron_json(await gw.services.schedules.add_cron(caller, cron), gw.checker_period_ms())


@handles("getcronmsg")
async def _cron(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    cron = await gw.services.schedules.get_cron(caller, _str(msg, "cronid"))
    return cj.cron_json(cron, gw.checker_period_ms())


@handles("getcronsmsg")
async def _crons(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    crons = await gw.services.schedules.list_crons(
        caller, _str(msg, "colonyname"), _int(msg, "count", 100)
    )
    return [cj.cron_json(c, 0) for c in crons]


@handles("removecronmsg")
async def _remove_cron(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    await gw.services.schedules.remove_cron(caller, _str(msg, "cronid"))
    return {}


@handles("runcronmsg")
async def _run_cron(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    return cj.cron_json(await gw.services.schedules.run_cron(caller, _str(msg, "cronid")))


@handles("addgeneratormsg")
async def _add_generator(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    g = msg.get("generator") or {}
    generator = Generator(
        generatorid="", colonyname=_str(g, "colonyname"), name=_str(g, "name"),
        workflowspec=cj.workflow_from_json(g.get("workflowspec")),
        trigger=_int(g, "trigger", 1), timeout=_int(g, "timeout"),
    )  # fmt: skip
    return cj.generator_json(await gw.services.schedules.add_generator(caller, generator), 0)


@handles("getgeneratormsg")
async def _generator(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    generator = await gw.services.schedules.get_generator(caller, _str(msg, "generatorid"))
    return cj.generator_json(generator, gw.checker_period_ms())


@handles("resolvegeneratormsg")
async def _resolve_generator(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    wanted = _str(msg, "generatorname")
    for g in await gw.services.schedules.list_generators(caller, _str(msg, "colonyname"), 1000):
        if g.name == wanted:
            return cj.generator_json(g, gw.checker_period_ms())
    raise errors.NotFound(f"generator {wanted!r} does not exist")


@handles("getgeneratorsmsg")
async def _generators(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    generators = await gw.services.schedules.list_generators(
        caller, _str(msg, "colonyname"), _int(msg, "count", 100)
    )
    return [cj.generator_json(g, 0) for g in generators]


@handles("packgeneratormsg")
async def _pack(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    await gw.services.schedules.pack_generator(caller, _str(msg, "generatorid"), _str(msg, "arg"))
    return {}


@handles("removegeneratormsg")
async def _remove_generator(gw: Gateway, caller: str, msg: dict[str, Any]) -> Any:
    await gw.services.schedules.remove_generator(caller, _str(msg, "generatorid"))
    return {}


async def start_gateway(server: Any, port: int) -> int:
    """Serves the gateway next to a started ColoniesServer; returns its port."""
    gateway = Gateway(server.services, server)
    app = web.Application(client_max_size=server.settings.max_message_bytes)
    app.router.add_post("/api", gateway.api)
    app.router.add_get("/health", gateway.health)
    app.router.add_get("/pubsub", gateway.pubsub)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, server.settings.host, port)
    await site.start()
    sockets = getattr(site._server, "sockets", None) or []
    server.http_port = sockets[0].getsockname()[1] if sockets else port
    server.on_stop(runner.cleanup)
    log.warning(
        "ColonyOS-compatible HTTP API on %s:%d: its requests carry no timestamp or nonce and can "
        "be replayed; prefer the gRPC API, and keep this behind TLS (--http-port 0 turns it off)",
        server.settings.host, server.http_port,
    )  # fmt: skip
    return int(server.http_port)
