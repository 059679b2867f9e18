"""Messages about workflows, crons and generators."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pycolonies_like.core import errors
from pycolonies_like.core.models import Cron, Generator
from server.transport import colonyos_json as cj
from server.transport.http_gateway.wire import Message, handles, number, state_or_all, text

if TYPE_CHECKING:
    from server.transport.http_gateway.gateway import Gateway


@handles("submitworkflowspecmsg")
async def _submit_workflow(gw: Gateway, caller: str, msg: Message) -> Any:
    graph = await gw.services.workflows.submit_workflow(
        caller, cj.workflow_from_json(msg.get("spec"))
    )
    return cj.graph_json(graph)


@handles("getprocessgraphmsg")
async def _graph(gw: Gateway, caller: str, msg: Message) -> Any:
    graphid = text(msg, "processgraphid")
    graph = await gw.services.workflows.get_graph(caller, graphid)
    return cj.graph_json(graph, await gw.services.workflows.graph_processes(caller, graphid))


@handles("getprocessgraphsmsg")
async def _graphs(gw: Gateway, caller: str, msg: Message) -> Any:
    graphs = await gw.services.workflows.list_graphs(
        caller, text(msg, "colonyname"), state_or_all(msg), number(msg, "count", 100)
    )
    return [cj.graph_json(g) for g in graphs]


@handles("removeprocessgraphmsg")
async def _remove_graph(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.workflows.remove_graph(caller, text(msg, "processgraphid"))
    return {}


@handles("removeallprocessgraphsmsg")
async def _remove_graphs(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.workflows.remove_all_graphs(
        caller, text(msg, "colonyname"), state_or_all(msg)
    )
    return {}


@handles("cancelprocessgraphmsg")
async def _cancel_graph(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.workflows.cancel_graph(caller, text(msg, "processgraphid"))
    return {}


@handles("addchildmsg")
async def _add_child(gw: Gateway, caller: str, msg: Message) -> Any:
    process = await gw.services.workflows.add_child(
        caller, text(msg, "processgraphid"), text(msg, "parentprocessid"),
        text(msg, "childprocessid"), cj.funcspec_from_json(msg.get("spec")),
        bool(msg.get("insert")),
    )  # fmt: skip
    return cj.process_json(process)


@handles("addcronmsg")
async def _add_cron(gw: Gateway, caller: str, msg: Message) -> Any:
    c = msg.get("cron") or {}
    # pycolonies misspells the wait flag ("waitforprevprocessgrap"): honour both.
    wait = bool(c.get("waitforprevprocessgraph") or c.get("waitforprevprocessgrap"))
    interval = number(c, "interval", -1)
    cron = Cron(
        cronid="", colonyname=text(c, "colonyname"), name=text(c, "name"),
        workflowspec=cj.workflow_from_json(c.get("workflowspec")),
        cronexpression=text(c, "cronexpression") if interval <= 0 else "",
        interval=interval, random=bool(c.get("random")), waitforprevprocessgraph=wait,
    )  # fmt: skip
    return cj.cron_json(await gw.services.schedules.add_cron(caller, cron), gw.checker_period_ms())


@handles("getcronmsg")
async def _cron(gw: Gateway, caller: str, msg: Message) -> Any:
    cron = await gw.services.schedules.get_cron(caller, text(msg, "cronid"))
    return cj.cron_json(cron, gw.checker_period_ms())


@handles("getcronsmsg")
async def _crons(gw: Gateway, caller: str, msg: Message) -> Any:
    crons = await gw.services.schedules.list_crons(
        caller, text(msg, "colonyname"), number(msg, "count", 100)
    )
    return [cj.cron_json(c, 0) for c in crons]


@handles("removecronmsg")
async def _remove_cron(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.schedules.remove_cron(caller, text(msg, "cronid"))
    return {}


@handles("runcronmsg")
async def _run_cron(gw: Gateway, caller: str, msg: Message) -> Any:
    return cj.cron_json(await gw.services.schedules.run_cron(caller, text(msg, "cronid")))


@handles("addgeneratormsg")
async def _add_generator(gw: Gateway, caller: str, msg: Message) -> Any:
    g = msg.get("generator") or {}
    generator = Generator(
        generatorid="", colonyname=text(g, "colonyname"), name=text(g, "name"),
        workflowspec=cj.workflow_from_json(g.get("workflowspec")),
        trigger=number(g, "trigger", 1), timeout=number(g, "timeout"),
    )  # fmt: skip
    return cj.generator_json(await gw.services.schedules.add_generator(caller, generator), 0)


@handles("getgeneratormsg")
async def _generator(gw: Gateway, caller: str, msg: Message) -> Any:
    generator = await gw.services.schedules.get_generator(caller, text(msg, "generatorid"))
    return cj.generator_json(generator, gw.checker_period_ms())


@handles("resolvegeneratormsg")
async def _resolve_generator(gw: Gateway, caller: str, msg: Message) -> Any:
    wanted = text(msg, "generatorname")
    for g in await gw.services.schedules.list_generators(caller, text(msg, "colonyname"), 1000):
        if g.name == wanted:
            return cj.generator_json(g, gw.checker_period_ms())
    raise errors.NotFound(f"generator {wanted!r} does not exist")


@handles("getgeneratorsmsg")
async def _generators(gw: Gateway, caller: str, msg: Message) -> Any:
    generators = await gw.services.schedules.list_generators(
        caller, text(msg, "colonyname"), number(msg, "count", 100)
    )
    return [cj.generator_json(g, 0) for g in generators]


@handles("packgeneratormsg")
async def _pack(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.schedules.pack_generator(caller, text(msg, "generatorid"), text(msg, "arg"))
    return {}


@handles("removegeneratormsg")
async def _remove_generator(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.schedules.remove_generator(caller, text(msg, "generatorid"))
    return {}
