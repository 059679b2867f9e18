"""Rows <-> domain objects, for every SQL dialect."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pycolonies_like.core.models import (
    Attribute,
    Colony,
    Conditions,
    Cron,
    Executor,
    ExecutorState,
    FuncSpec,
    Function,
    Generator,
    LogEntry,
    Process,
    ProcessGraph,
    ProcessState,
    User,
    Workflow,
)
from pycolonies_like.core.rules import encode_json


def dump_list(value: Sequence[Any]) -> str:
    return encode_json(list(value)) if value else ""


def load_list(text: str) -> list[Any]:
    return json.loads(text) if text else []


def spec_to_json(s: FuncSpec) -> str:
    c = s.conditions
    return encode_json(
        {
            "nodename": s.nodename,
            "funcname": s.funcname,
            "args": s.args,
            "kwargs": s.kwargs,
            "priority": s.priority,
            "maxwaittime": s.maxwaittime,
            "maxexectime": s.maxexectime,
            "maxretries": s.maxretries,
            "conditions": {
                "colonyname": c.colonyname,
                "executortype": c.executortype,
                "executornames": c.executornames,
                "dependencies": c.dependencies,
            },
            "label": s.label,
            "env": s.env,
        }
    )


def spec_from_dict(d: dict[str, Any]) -> FuncSpec:
    c = d["conditions"]
    return FuncSpec(
        nodename=d["nodename"],
        funcname=d["funcname"],
        args=d["args"],
        kwargs=d["kwargs"],
        priority=d["priority"],
        maxwaittime=d["maxwaittime"],
        maxexectime=d["maxexectime"],
        maxretries=d["maxretries"],
        conditions=Conditions(
            colonyname=c["colonyname"],
            executortype=c["executortype"],
            executornames=c["executornames"],
            dependencies=c["dependencies"],
        ),
        label=d["label"],
        env=d["env"],
    )


def workflow_to_json(w: Workflow) -> str:
    specs = ",".join(spec_to_json(s) for s in w.functionspecs)
    return f'{{"colonyname":{json.dumps(w.colonyname)},"functionspecs":[{specs}]}}'


def workflow_from_json(text: str) -> Workflow:
    d = json.loads(text)
    return Workflow(
        colonyname=d["colonyname"], functionspecs=[spec_from_dict(s) for s in d["functionspecs"]]
    )


# The last column (nattributes) only tells whether attributes must be loaded.
PROCESS_COLUMNS = (
    "processid, state, initiatorid, initiatorname, assignedexecutorid, assignedexecutorname, "
    "attempt, retries, prioritytime, submissiontime, starttime, endtime, waitdeadline, "
    "execdeadline, spec, input, output, errors, processgraphid, waitforparents, parents, children, "
    "nattributes"
)
NATTRIBUTES = 22


def process_row(p: Process) -> tuple[Any, ...]:
    """Values for INSERT, in the order of PROCESS_INSERT_COLUMNS."""
    s = p.spec
    return (
        p.processid,
        s.conditions.colonyname,
        s.conditions.executortype,
        s.funcname,
        s.label,
        int(p.state),
        p.initiatorid,
        p.initiatorname,
        p.assignedexecutorid,
        p.assignedexecutorname,
        p.attempt,
        p.retries,
        s.priority,
        s.maxwaittime,
        s.maxexectime,
        s.maxretries,
        p.prioritytime,
        p.submissiontime,
        p.starttime,
        p.endtime,
        p.waitdeadline,
        p.execdeadline,
        spec_to_json(s),
        dump_list(p.input),
        dump_list(p.output),
        dump_list(p.errors),
        p.processgraphid,
        int(p.waitforparents),
        dump_list(p.parents),
        dump_list(p.children),
    )


PROCESS_INSERT_COLUMNS = (
    "processid, colonyname, executortype, funcname, label, state, initiatorid, initiatorname, "
    "assignedexecutorid, assignedexecutorname, attempt, retries, priority, maxwaittime, "
    "maxexectime, maxretries, prioritytime, submissiontime, starttime, endtime, waitdeadline, "
    "execdeadline, spec, input, output, errors, processgraphid, waitforparents, parents, children"
)


def process_from_row(row: Sequence[Any], attributes: Sequence[Attribute] = ()) -> Process:
    return Process(
        processid=row[0],
        state=ProcessState(row[1]),
        initiatorid=row[2],
        initiatorname=row[3],
        assignedexecutorid=row[4],
        assignedexecutorname=row[5],
        attempt=row[6],
        retries=row[7],
        prioritytime=row[8],
        submissiontime=row[9],
        starttime=row[10],
        endtime=row[11],
        waitdeadline=row[12],
        execdeadline=row[13],
        spec=spec_from_dict(json.loads(row[14])),
        input=load_list(row[15]),
        output=load_list(row[16]),
        errors=tuple(load_list(row[17])),
        processgraphid=row[18],
        waitforparents=bool(row[19]),
        parents=tuple(load_list(row[20])),
        children=tuple(load_list(row[21])),
        attributes=tuple(attributes),
    )


COLONY_COLUMNS = "colonyid, name"


def colony_from_row(row: Sequence[Any]) -> Colony:
    return Colony(colonyid=row[0], name=row[1])


EXECUTOR_COLUMNS = (
    "executorid, executortype, executorname, colonyname, state, commissiontime, lastheardfromtime"
)


def executor_from_row(row: Sequence[Any]) -> Executor:
    return Executor(
        executorid=row[0],
        executortype=row[1],
        executorname=row[2],
        colonyname=row[3],
        state=ExecutorState(row[4]),
        commissiontime=row[5],
        lastheardfromtime=row[6],
    )


USER_COLUMNS = "colonyname, userid, name, email, phone"


def user_from_row(row: Sequence[Any]) -> User:
    return User(colonyname=row[0], userid=row[1], name=row[2], email=row[3], phone=row[4])


FUNCTION_COLUMNS = (
    "functionid, executorname, executortype, colonyname, funcname, description, counter, "
    "minwaittime, maxwaittime, minexectime, maxexectime, avgwaittime, avgexectime"
)


def function_from_row(row: Sequence[Any]) -> Function:
    return Function(*row)


ATTRIBUTE_COLUMNS = (
    "attributeid, targetid, targetcolonyname, targetprocessgraphid, attributetype, key, value"
)


def attribute_from_row(row: Sequence[Any]) -> Attribute:
    return Attribute(*row)


LOG_COLUMNS = "processid, colonyname, executorname, message, timestamp, seq"


def log_from_row(row: Sequence[Any]) -> LogEntry:
    return LogEntry(*row)


GRAPH_COLUMNS = (
    "processgraphid, colonyname, initiatorid, initiatorname, rootprocessids, state, "
    "submissiontime, starttime, endtime"
)


def graph_from_row(row: Sequence[Any], processids: Sequence[str]) -> ProcessGraph:
    return ProcessGraph(
        processgraphid=row[0],
        colonyname=row[1],
        initiatorid=row[2],
        initiatorname=row[3],
        rootprocessids=tuple(load_list(row[4])),
        state=ProcessState(row[5]),
        submissiontime=row[6],
        starttime=row[7],
        endtime=row[8],
        processids=tuple(processids),
    )


CRON_COLUMNS = (
    "cronid, colonyname, name, workflowspec, cronexpression, interval, random, nextrun, lastrun, "
    "prevprocessgraphid, waitforprevprocessgraph, initiatorid, initiatorname"
)


def cron_row(c: Cron) -> tuple[Any, ...]:
    return (
        c.cronid,
        c.colonyname,
        c.name,
        workflow_to_json(c.workflowspec),
        c.cronexpression,
        c.interval,
        int(c.random),
        c.nextrun,
        c.lastrun,
        c.prevprocessgraphid,
        int(c.waitforprevprocessgraph),
        c.initiatorid,
        c.initiatorname,
    )


def cron_from_row(row: Sequence[Any]) -> Cron:
    return Cron(
        cronid=row[0],
        colonyname=row[1],
        name=row[2],
        workflowspec=workflow_from_json(row[3]),
        cronexpression=row[4],
        interval=row[5],
        random=bool(row[6]),
        nextrun=row[7],
        lastrun=row[8],
        prevprocessgraphid=row[9],
        waitforprevprocessgraph=bool(row[10]),
        initiatorid=row[11],
        initiatorname=row[12],
    )


GENERATOR_COLUMNS = (
    "generatorid, colonyname, name, workflowspec, trigger, timeout, lastrun, firstpack, "
    "initiatorid, initiatorname"
)


def generator_row(g: Generator) -> tuple[Any, ...]:
    return (
        g.generatorid,
        g.colonyname,
        g.name,
        workflow_to_json(g.workflowspec),
        g.trigger,
        g.timeout,
        g.lastrun,
        g.firstpack,
        g.initiatorid,
        g.initiatorname,
    )


def generator_from_row(row: Sequence[Any], queuesize: int = 0) -> Generator:
    return Generator(
        generatorid=row[0],
        colonyname=row[1],
        name=row[2],
        workflowspec=workflow_from_json(row[3]),
        trigger=row[4],
        timeout=row[5],
        lastrun=row[6],
        firstpack=row[7],
        initiatorid=row[8],
        initiatorname=row[9],
        queuesize=queuesize,
    )
