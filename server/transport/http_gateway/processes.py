"""Messages about processes, their attributes and their logs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pycolonies_like.core import errors
from pycolonies_like.core.models import Process, ProcessState
from server.transport import colonyos_json as cj
from server.transport.http_gateway.wire import Message, handles, number, state_or_all, text

if TYPE_CHECKING:
    from server.transport.http_gateway.gateway import Gateway


@handles("submitfuncspecmsg")
async def _submit(gw: Gateway, caller: str, msg: Message) -> Any:
    process = await gw.services.processes.submit(caller, cj.funcspec_from_json(msg.get("spec")))
    return cj.process_json(process)


async def assign(gw: Gateway, caller: str, msg: Message) -> Process:
    raw = msg.get("timeout") or 0
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise errors.InvalidArgument(f"Invalid timeout value {raw!r}, timeout must be a number")
    if raw == 0:
        raise errors.InvalidArgument("Invalid timeout value, timeout cannot be zero")
    return await gw.services.processes.assign(caller, text(msg, "colonyname"), raw)


@handles("assignprocessmsg")
async def _assign(gw: Gateway, caller: str, msg: Message) -> Any:
    return cj.process_json(await assign(gw, caller, msg))


@handles("getprocessesmsg")
async def _processes(gw: Gateway, caller: str, msg: Message) -> Any:
    count = number(msg, "count", 100)
    graphid = text(msg, "processgraphid")
    if graphid:  # pycolonies' get_processes_for_workflow
        processes = await gw.services.workflows.graph_processes(caller, graphid)
        state = state_or_all(msg)
        return [cj.process_json(p) for p in processes
                if state is None or p.state == state][:count]  # fmt: skip
    state = state_or_all(msg)
    if state is None:
        raise errors.InvalidArgument("Failed to get processes, invalid msg.State")
    processes = await gw.services.processes.list_processes(
        caller, text(msg, "colonyname"), state, count,
        executortype=text(msg, "executortype"), label=text(msg, "label"),
        initiatorname=text(msg, "initiator"),
    )  # fmt: skip
    return [cj.process_json(p) for p in processes]


@handles("getprocessmsg")
async def _process(gw: Gateway, caller: str, msg: Message) -> Any:
    return cj.process_json(await gw.services.processes.get_process(caller, text(msg, "processid")))


@handles("removeprocessmsg")
async def _remove_process(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.processes.remove_process(caller, text(msg, "processid"))
    return {}


@handles("removeallprocessesmsg")
async def _remove_all(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.processes.remove_all_processes(
        caller, text(msg, "colonyname"), state_or_all(msg)
    )
    return {}


@handles("closesuccessfulmsg")
async def _close(gw: Gateway, caller: str, msg: Message) -> Any:
    output = msg.get("out") or []
    if not isinstance(output, list):
        raise errors.InvalidArgument("out must be a list")
    await gw.services.processes.close(caller, text(msg, "processid"), 0, output)
    return {}


@handles("closefailedmsg")
async def _fail(gw: Gateway, caller: str, msg: Message) -> Any:
    errs = msg.get("errors") or []
    if not isinstance(errs, list):
        raise errors.InvalidArgument("errors must be a list")
    await gw.services.processes.fail(caller, text(msg, "processid"), 0, [str(e) for e in errs])
    return {}


@handles("setoutputmsg")
async def _set_output(gw: Gateway, caller: str, msg: Message) -> Any:
    output = msg.get("out") or []
    if not isinstance(output, list):
        raise errors.InvalidArgument("out must be a list")
    await gw.services.processes.set_output(caller, text(msg, "processid"), 0, output)
    return {}


@handles("cancelprocessmsg")
async def _cancel(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.processes.cancel_process(caller, text(msg, "processid"))
    return {}


@handles("addattributemsg")
async def _add_attribute(gw: Gateway, caller: str, msg: Message) -> Any:
    a = msg.get("attribute") or {}
    attribute = await gw.services.logs.add_attribute(
        caller, text(a, "targetid"), 0, text(a, "key"), text(a, "value")
    )
    return cj.attribute_json(attribute, int(ProcessState.RUNNING))


@handles("getattributemsg")
async def _attribute(gw: Gateway, caller: str, msg: Message) -> Any:
    return cj.attribute_json(await gw.services.logs.get_attribute(caller, text(msg, "attributeid")))


@handles("addlogmsg")
async def _add_log(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.logs.add_log(caller, text(msg, "processid"), 0, text(msg, "message"))
    return {}


@handles("getlogsmsg")
async def _logs(gw: Gateway, caller: str, msg: Message) -> Any:
    # A reply stops at MAX_REPLY_BYTES of log text; ColonyOS clients continue
    # with `since` = the timestamp of the last entry they got.
    page = await gw.services.logs.get_logs(
        caller, text(msg, "processid"), number(msg, "count", 100), max(number(msg, "since"), 0),
        bool(msg.get("latest")), colonyname=text(msg, "colonyname"),
        executorname=text(msg, "executorname"),
    )  # fmt: skip
    return [cj.log_json(e) for e in page.entries]
