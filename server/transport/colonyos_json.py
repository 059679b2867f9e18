"""Domain objects <-> the JSON shapes of ColonyOS (and so of pycolonies).

Field names, zero values and timestamp formats follow what a ColonyOS v1.9
server sends (../COLONYOS.md section 3, and the recorded exchanges). Empty
lists are sent as [] where ColonyOS sometimes sends null: pycolonies accepts
both, and [] is what a caller can iterate.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.models import (
    Attribute,
    Colony,
    Cron,
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

ZERO_TIME = "0001-01-01T00:00:00Z"
_COLORS = {
    ProcessState.WAITING: "#eee8d8",
    ProcessState.RUNNING: "#4689cd",
    ProcessState.SUCCESSFUL: "#92d050",
    ProcessState.FAILED: "#cb4239",
    ProcessState.CANCELLED: "#f5a623",
}


def time_json(ns: int) -> str:
    """RFC 3339 with nanoseconds, in UTC, as Go prints it; 0 is Go's zero time."""
    if not ns:
        return ZERO_TIME
    seconds, nanos = divmod(ns, 1_000_000_000)
    text = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        text += "." + f"{nanos:09d}".rstrip("0")
    return text + "Z"


# ----------------------------------------------------------------- input --


def _dict(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidArgument(f"{what} must be a JSON object")
    return value


def funcspec_from_json(data: Any) -> FuncSpec:
    d = _dict(data, "spec")
    spec = FuncSpec.from_dict(d)
    for name in ("priority", "maxwaittime", "maxexectime", "maxretries"):
        value = getattr(spec, name)
        if isinstance(value, float) and value.is_integer():
            setattr(spec, name, int(value))
    if not isinstance(spec.env, dict):
        raise InvalidArgument("env must be an object")
    spec.env = {str(k): str(v) for k, v in spec.env.items()}
    return spec


def workflow_from_json(data: Any) -> Workflow:
    """A WorkflowSpec object, or (crons and generators) the same as JSON text."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as err:
            raise InvalidArgument(f"workflowspec is not valid JSON: {err}") from None
    d = _dict(data, "workflowspec")
    return Workflow(
        colonyname=d.get("colonyname") or "",
        functionspecs=[funcspec_from_json(s) for s in d.get("functionspecs") or []],
    )


# ---------------------------------------------------------------- output --


def colony_json(c: Colony) -> dict[str, Any]:
    return {"colonyid": c.colonyid, "name": c.name}


def executor_json(e: Executor) -> dict[str, Any]:
    return {
        "executorid": e.executorid,
        "executortype": e.executortype,
        "executorname": e.executorname,
        "colonyname": e.colonyname,
        "state": int(e.state),
        "requirefuncreg": False,
        "commissiontime": time_json(e.commissiontime),
        "lastheardfromtime": time_json(e.lastheardfromtime),
        "capabilities": {"hardware": None, "software": None},
        "allocations": {"projects": None},
    }


def function_json(f: Function) -> dict[str, Any]:
    return {
        "functionid": f.functionid, "executorname": f.executorname,
        "executortype": f.executortype, "colonyname": f.colonyname, "funcname": f.funcname,
        "counter": f.counter, "minwaittime": f.minwaittime, "maxwaittime": f.maxwaittime,
        "minexectime": f.minexectime, "maxexectime": f.maxexectime,
        "avgwaittime": f.avgwaittime, "avgexectime": f.avgexectime,
        **({"description": f.description} if f.description else {}),
    }  # fmt: skip


def user_json(u: User) -> dict[str, Any]:
    return {"colonyname": u.colonyname, "userid": u.userid, "name": u.name, "email": u.email,
            "phone": u.phone}  # fmt: skip


def attribute_json(a: Attribute, state: int = 0) -> dict[str, Any]:
    return {
        "attributeid": a.attributeid, "targetid": a.targetid,
        "targetcolonyname": a.targetcolonyname, "targetprocessgraphid": a.targetprocessgraphid,
        "attributetype": a.attributetype, "key": a.key, "value": a.value, "state": state,
    }  # fmt: skip


def funcspec_json(s: FuncSpec) -> dict[str, Any]:
    c = s.conditions
    return {
        "nodename": s.nodename,
        "funcname": s.funcname,
        "args": list(s.args),
        "kwargs": dict(s.kwargs),
        "priority": s.priority,
        "maxwaittime": s.maxwaittime,
        "maxexectime": s.maxexectime,
        "maxretries": s.maxretries,
        "conditions": {
            "colonyname": c.colonyname,
            "executornames": list(c.executornames) or None,
            "executortype": c.executortype,
            "dependencies": list(c.dependencies),
            "nodes": 0,
            "cpu": "0m",
            "processes": 0,
            "processespernode": 0,
            "mem": "0Mi",
            "storage": "0Mi",
            "gpu": {"name": "", "mem": "0Mi", "count": 0, "nodecount": 0},
            "walltime": 0,
        },
        "label": s.label,
        "fs": {"mount": "", "snapshots": None, "dirs": None},
        "env": dict(s.env),
    }


def _env_attributes(p: Process) -> list[dict[str, Any]]:
    # ColonyOS keeps a spec's env as attributes of type 3 (ENV) with ids
    # derived from process, key and type; clients may read them there.
    return [
        {
            "attributeid": hashlib.sha3_256(f"{p.processid}{key}3".encode()).hexdigest(),
            "targetid": p.processid,
            "targetcolonyname": p.colonyname,
            "targetprocessgraphid": p.processgraphid,
            "attributetype": 3,
            "key": key,
            "value": value,
            "state": int(p.state),
        }
        for key, value in p.spec.env.items()
    ]


def process_json(p: Process) -> dict[str, Any]:
    return {
        "processid": p.processid,
        "initiatorid": p.initiatorid,
        "initiatorname": p.initiatorname,
        "assignedexecutorid": p.assignedexecutorid,
        "isassigned": p.isassigned,
        "state": int(p.state),
        "prioritytime": p.prioritytime,
        "submissiontime": time_json(p.submissiontime),
        "starttime": time_json(p.starttime),
        "endtime": time_json(p.endtime),
        "waitdeadline": time_json(p.waitdeadline),
        "execdeadline": time_json(p.execdeadline),
        "retries": p.retries,
        "attributes": [
            *_env_attributes(p),
            *(attribute_json(a, int(p.state)) for a in p.attributes),
        ],
        "spec": funcspec_json(p.spec),
        "waitforparents": p.waitforparents,
        "parents": list(p.parents),
        "children": list(p.children),
        "processgraphid": p.processgraphid,
        "in": list(p.input),
        "out": list(p.output),
        "errors": list(p.errors),
    }


def graph_json(g: ProcessGraph, processes: list[Process] | None = None) -> dict[str, Any]:
    nodes, edges = _layout(processes) if processes else ([], [])
    return {
        "processgraphid": g.processgraphid,
        "initiatorid": g.initiatorid,
        "initiatorname": g.initiatorname,
        "colonyname": g.colonyname,
        "rootprocessids": list(g.rootprocessids),
        "state": int(g.state),
        "submissiontime": time_json(g.submissiontime),
        "starttime": time_json(g.starttime),
        "endtime": time_json(g.endtime),
        "processids": list(g.processids),
        "nodes": nodes,
        "edges": edges,
    }


def _layout(processes: list[Process]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Nodes and edges for drawing, placed as ColonyOS does: one row per depth
    (80 px apart), nodes of a row 200 px apart and centred on the widest row."""
    by_id = {p.processid: p for p in processes}
    depth: dict[str, int] = {}

    def depth_of(pid: str, trail: frozenset[str] = frozenset()) -> int:
        if pid not in depth:
            parents = [x for x in by_id[pid].parents if x in by_id and x not in trail]
            depth[pid] = 1 + max((depth_of(x, trail | {pid}) for x in parents), default=-1)
        return depth[pid]

    rows: dict[int, list[Process]] = defaultdict(list)
    for p in processes:
        rows[depth_of(p.processid)].append(p)
    widest = max(len(r) for r in rows.values())
    nodes, edges = [], []
    for level, row in sorted(rows.items()):
        for i, p in enumerate(row):
            kind = "input" if not p.parents else ("output" if not p.children else "")
            nodes.append({
                "id": p.processid, "data": {"label": p.spec.nodename},
                "position": {"x": i * 200 + (widest - len(row)) * 100, "y": level * 80},
                "type": kind, "style": {"color": "", "background": _COLORS[p.state]},
            })  # fmt: skip
            running = p.state == ProcessState.RUNNING
            for child in p.children:
                edges.append(
                    {"id": f"{p.processid}-{child}", "source": p.processid, "target": child,
                     "animated": running}
                )  # fmt: skip
    return nodes, edges


def workflow_json_text(w: Workflow) -> str:
    return json.dumps(
        {"colonyname": w.colonyname, "functionspecs": [funcspec_json(s) for s in w.functionspecs]}
    )


def cron_json(c: Cron, checkerperiod: int = 1000) -> dict[str, Any]:
    return {
        "cronid": c.cronid, "initiatorid": c.initiatorid, "initiatorname": c.initiatorname,
        "colonyname": c.colonyname, "name": c.name, "cronexpression": c.cronexpression,
        "interval": c.interval, "random": c.random, "nextrun": time_json(c.nextrun),
        "lastrun": time_json(c.lastrun), "workflowspec": workflow_json_text(c.workflowspec),
        "prevprocessgraphid": c.prevprocessgraphid,
        "waitforprevprocessgraph": c.waitforprevprocessgraph, "checkerperiod": checkerperiod,
    }  # fmt: skip


def generator_json(g: Generator, checkerperiod: int = 1000) -> dict[str, Any]:
    return {
        "generatorid": g.generatorid, "initiatorid": g.initiatorid,
        "initiatorname": g.initiatorname, "colonyname": g.colonyname, "name": g.name,
        "workflowspec": workflow_json_text(g.workflowspec), "trigger": g.trigger,
        "timeout": g.timeout, "lastrun": time_json(g.lastrun),
        "firstpack": time_json(g.firstpack), "queuesize": g.queuesize,
        "checkerperiod": checkerperiod,
    }  # fmt: skip


def log_json(e: LogEntry) -> dict[str, Any]:
    return {"processid": e.processid, "colonyname": e.colonyname, "executorname": e.executorname,
            "message": e.message, "timestamp": e.timestamp}  # fmt: skip


def stats_json(s: Statistics) -> dict[str, Any]:
    return {**s.to_dict(), "unregisteredexecutors": 0}
