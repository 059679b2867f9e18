"""Messages about the server, colonies, executors, users and functions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pycolonies_like
from pycolonies_like.core import errors
from pycolonies_like.core.models import Capabilities, Colony, Executor, Function, User
from server.transport import colonyos_json as cj
from server.transport.http_gateway.wire import Message, handles, text

if TYPE_CHECKING:
    from server.transport.http_gateway.gateway import Gateway


@handles("versionmsg")
async def _version(gw: Gateway, caller: str, msg: Message) -> Any:
    return {"buildversion": pycolonies_like.__version__, "buildtime": "", "msgtype": "versionmsg"}


@handles("getserverinfomsg")
async def _server_info(gw: Gateway, caller: str, msg: Message) -> Any:
    return {
        "buildversion": pycolonies_like.__version__, "buildtime": "",
        "backends": [{"type": "http", "port": gw.server.http_port},
                     {"type": "grpc", "port": gw.server.port}],
    }  # fmt: skip


@handles("getstatisticsmsg")
async def _statistics(gw: Gateway, caller: str, msg: Message) -> Any:
    return cj.stats_json(await gw.services.colonies.statistics(caller))


@handles("addcolonymsg")
async def _add_colony(gw: Gateway, caller: str, msg: Message) -> Any:
    c = msg.get("colony") or {}
    colony = Colony(colonyid=text(c, "colonyid"), name=text(c, "name"))
    return cj.colony_json(await gw.services.colonies.add_colony(caller, colony))


@handles("removecolonymsg")
async def _remove_colony(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.colonies.remove_colony(caller, text(msg, "colonyname"))
    return {}


@handles("getcoloniesmsg")
async def _colonies(gw: Gateway, caller: str, msg: Message) -> Any:
    return [cj.colony_json(c) for c in await gw.services.colonies.list_colonies(caller)]


@handles("getcolonymsg")
async def _colony(gw: Gateway, caller: str, msg: Message) -> Any:
    return cj.colony_json(await gw.services.colonies.get_colony(caller, text(msg, "colonyname")))


@handles("getcolonystatsmsg")
async def _colony_stats(gw: Gateway, caller: str, msg: Message) -> Any:
    return cj.stats_json(
        await gw.services.colonies.colony_statistics(caller, text(msg, "colonyname"))
    )


@handles("addexecutormsg")
async def _add_executor(gw: Gateway, caller: str, msg: Message) -> Any:
    e = msg.get("executor") or {}
    caps = e.get("capabilities") if isinstance(e, dict) else None
    executor = Executor(
        executorid=text(e, "executorid"), executortype=text(e, "executortype"),
        executorname=text(e, "executorname"), colonyname=text(e, "colonyname"),
        locationname=text(e, "locationname"),
        capabilities=cj.from_json(Capabilities, caps, path="executor.capabilities")
        if caps else Capabilities(),
    )  # fmt: skip
    return cj.executor_json(await gw.services.colonies.add_executor(caller, executor))


@handles("updateexecutormsg")
async def _update_executor(gw: Gateway, caller: str, msg: Message) -> Any:
    caps = msg.get("capabilities")
    capabilities = (cj.from_json(Capabilities, caps, path="capabilities") if caps
                    else Capabilities())  # fmt: skip
    await gw.services.colonies.update_executor(
        caller, text(msg, "colonyname"), text(msg, "executorname"), capabilities
    )
    return {}


@handles("getexecutorsmsg")
async def _executors(gw: Gateway, caller: str, msg: Message) -> Any:
    return [cj.executor_json(e) for e in
            await gw.services.colonies.list_executors(caller, text(msg, "colonyname"))]  # fmt: skip


@handles("getexecutormsg")
async def _executor(gw: Gateway, caller: str, msg: Message) -> Any:
    e = await gw.services.colonies.get_executor(
        caller, text(msg, "colonyname"), text(msg, "executorname")
    )
    return cj.executor_json(e)


@handles("getexecutorbyidmsg")
async def _executor_by_id(gw: Gateway, caller: str, msg: Message) -> Any:
    wanted = text(msg, "executorid")
    for e in await gw.services.colonies.list_executors(caller, text(msg, "colonyname")):
        if e.executorid == wanted:
            return cj.executor_json(e)
    raise errors.NotFound(f"executor with id {wanted!r} does not exist")


@handles("approveexecutormsg", "rejectexecutormsg", "removeexecutormsg")
async def _executor_state(gw: Gateway, caller: str, msg: Message) -> Any:
    args = (caller, text(msg, "colonyname"), text(msg, "executorname"))
    kind = msg["msgtype"]
    if kind == "approveexecutormsg":
        await gw.services.colonies.approve_executor(*args)
    elif kind == "rejectexecutormsg":
        await gw.services.colonies.reject_executor(*args)
    else:
        await gw.services.colonies.remove_executor(*args)
    return {}


@handles("addfunctionmsg")
async def _add_function(gw: Gateway, caller: str, msg: Message) -> Any:
    f = msg.get("fun") or {}
    function = Function(
        functionid="", executorname=text(f, "executorname"), executortype="",
        colonyname=text(f, "colonyname"), funcname=text(f, "funcname"),
        description=text(f, "description"),
    )  # fmt: skip
    return cj.function_json(await gw.services.colonies.add_function(caller, function))


@handles("getfunctionsmsg")
async def _functions(gw: Gateway, caller: str, msg: Message) -> Any:
    functions = await gw.services.colonies.list_functions(
        caller, text(msg, "colonyname"), text(msg, "executorname")
    )
    return [cj.function_json(f) for f in functions]


@handles("removefunctionmsg")
async def _remove_function(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.colonies.remove_function(caller, text(msg, "functionid"))
    return {}


@handles("addusermsg")
async def _add_user(gw: Gateway, caller: str, msg: Message) -> Any:
    u = msg.get("user") or {}
    user = User(colonyname=text(u, "colonyname"), userid=text(u, "userid"), name=text(u, "name"),
                email=text(u, "email"), phone=text(u, "phone"))  # fmt: skip
    return cj.user_json(await gw.services.colonies.add_user(caller, user))


@handles("getusersmsg")
async def _users(gw: Gateway, caller: str, msg: Message) -> Any:
    return [
        cj.user_json(u)
        for u in await gw.services.colonies.list_users(caller, text(msg, "colonyname"))
    ]


@handles("getusermsg")
async def _user(gw: Gateway, caller: str, msg: Message) -> Any:
    return cj.user_json(
        await gw.services.colonies.get_user(caller, text(msg, "colonyname"), text(msg, "name"))
    )


@handles("removeusermsg")
async def _remove_user(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.colonies.remove_user(caller, text(msg, "colonyname"), text(msg, "name"))
    return {}
