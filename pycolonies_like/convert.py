"""Conversion between domain objects and protobuf messages, both directions.

Used by the SDK and by the server's gRPC transport. JSON-valued fields travel
as JSON text so that ints stay ints and nested values keep their types.
"""

from __future__ import annotations

from pycolonies_like.core import models as m
from pycolonies_like.core.rules import decode_json, encode_json
from pycolonies_like.proto import colonies_pb2 as pb


def _json_list(value: list) -> str:
    return encode_json(value) if value else ""


# ------------------------------------------------------------------ specs --


def conditions_to_pb(c: m.Conditions) -> pb.Conditions:
    return pb.Conditions(
        colonyname=c.colonyname,
        executortype=c.executortype,
        executornames=c.executornames,
        dependencies=c.dependencies,
    )


def conditions_from_pb(c: pb.Conditions) -> m.Conditions:
    return m.Conditions(
        colonyname=c.colonyname,
        executortype=c.executortype,
        executornames=list(c.executornames),
        dependencies=list(c.dependencies),
    )


def funcspec_to_pb(s: m.FuncSpec) -> pb.FuncSpec:
    return pb.FuncSpec(
        nodename=s.nodename,
        funcname=s.funcname,
        args_json=_json_list(s.args),
        kwargs_json=encode_json(s.kwargs) if s.kwargs else "",
        priority=s.priority,
        maxwaittime=s.maxwaittime,
        maxexectime=s.maxexectime,
        maxretries=s.maxretries,
        conditions=conditions_to_pb(s.conditions),
        label=s.label,
        env=s.env,
    )


def funcspec_from_pb(s: pb.FuncSpec) -> m.FuncSpec:
    return m.FuncSpec(
        nodename=s.nodename,
        funcname=s.funcname,
        args=decode_json("args", s.args_json, [], list),
        kwargs=decode_json("kwargs", s.kwargs_json, {}, dict),
        priority=s.priority,
        maxwaittime=s.maxwaittime,
        maxexectime=s.maxexectime,
        maxretries=s.maxretries,
        conditions=conditions_from_pb(s.conditions),
        label=s.label,
        env=dict(s.env),
    )


def workflow_to_pb(w: m.Workflow) -> pb.WorkflowSpec:
    return pb.WorkflowSpec(
        colonyname=w.colonyname, functionspecs=[funcspec_to_pb(s) for s in w.functionspecs]
    )


def workflow_from_pb(w: pb.WorkflowSpec) -> m.Workflow:
    return m.Workflow(
        colonyname=w.colonyname, functionspecs=[funcspec_from_pb(s) for s in w.functionspecs]
    )


# ---------------------------------------------------------------- objects --


def colony_to_pb(c: m.Colony) -> pb.Colony:
    return pb.Colony(colonyid=c.colonyid, name=c.name)


def colony_from_pb(c: pb.Colony) -> m.Colony:
    return m.Colony(colonyid=c.colonyid, name=c.name)


def executor_to_pb(e: m.Executor) -> pb.Executor:
    return pb.Executor(
        executorid=e.executorid,
        executortype=e.executortype,
        executorname=e.executorname,
        colonyname=e.colonyname,
        state=int(e.state),  # type: ignore[arg-type]
        commissiontime=e.commissiontime,
        lastheardfromtime=e.lastheardfromtime,
    )


def executor_from_pb(e: pb.Executor) -> m.Executor:
    return m.Executor(
        executorid=e.executorid,
        executortype=e.executortype,
        executorname=e.executorname,
        colonyname=e.colonyname,
        state=m.ExecutorState(e.state),
        commissiontime=e.commissiontime,
        lastheardfromtime=e.lastheardfromtime,
    )


_FUNCTION_FIELDS = (
    "functionid", "executorname", "executortype", "colonyname", "funcname", "description",
    "counter", "minwaittime", "maxwaittime", "minexectime", "maxexectime", "avgwaittime",
    "avgexectime",
)  # fmt: skip


def function_to_pb(f: m.Function) -> pb.Function:
    return pb.Function(**{name: getattr(f, name) for name in _FUNCTION_FIELDS})


def function_from_pb(f: pb.Function) -> m.Function:
    return m.Function(**{name: getattr(f, name) for name in _FUNCTION_FIELDS})


def user_to_pb(u: m.User) -> pb.User:
    return pb.User(
        colonyname=u.colonyname, userid=u.userid, name=u.name, email=u.email, phone=u.phone
    )


def user_from_pb(u: pb.User) -> m.User:
    return m.User(
        colonyname=u.colonyname, userid=u.userid, name=u.name, email=u.email, phone=u.phone
    )


def attribute_to_pb(a: m.Attribute) -> pb.Attribute:
    return pb.Attribute(
        attributeid=a.attributeid,
        targetid=a.targetid,
        targetcolonyname=a.targetcolonyname,
        targetprocessgraphid=a.targetprocessgraphid,
        attributetype=a.attributetype,
        key=a.key,
        value=a.value,
    )


def attribute_from_pb(a: pb.Attribute) -> m.Attribute:
    return m.Attribute(
        attributeid=a.attributeid,
        targetid=a.targetid,
        targetcolonyname=a.targetcolonyname,
        targetprocessgraphid=a.targetprocessgraphid,
        attributetype=a.attributetype,
        key=a.key,
        value=a.value,
    )


def process_to_pb(p: m.Process) -> pb.Process:
    return pb.Process(
        processid=p.processid,
        initiatorid=p.initiatorid,
        initiatorname=p.initiatorname,
        assignedexecutorid=p.assignedexecutorid,
        assignedexecutorname=p.assignedexecutorname,
        isassigned=p.isassigned,
        state=int(p.state),  # type: ignore[arg-type]
        prioritytime=p.prioritytime,
        submissiontime=p.submissiontime,
        starttime=p.starttime,
        endtime=p.endtime,
        waitdeadline=p.waitdeadline,
        execdeadline=p.execdeadline,
        retries=p.retries,
        attempt=p.attempt,
        attributes=[attribute_to_pb(a) for a in p.attributes],
        spec=funcspec_to_pb(p.spec),
        waitforparents=p.waitforparents,
        parents=p.parents,
        children=p.children,
        processgraphid=p.processgraphid,
        in_json=_json_list(p.input),
        out_json=_json_list(p.output),
        errors=p.errors,
    )


def process_from_pb(p: pb.Process) -> m.Process:
    return m.Process(
        processid=p.processid,
        spec=funcspec_from_pb(p.spec),
        initiatorid=p.initiatorid,
        initiatorname=p.initiatorname,
        assignedexecutorid=p.assignedexecutorid,
        assignedexecutorname=p.assignedexecutorname,
        state=m.ProcessState(p.state),
        prioritytime=p.prioritytime,
        submissiontime=p.submissiontime,
        starttime=p.starttime,
        endtime=p.endtime,
        waitdeadline=p.waitdeadline,
        execdeadline=p.execdeadline,
        retries=p.retries,
        attempt=p.attempt,
        attributes=tuple(attribute_from_pb(a) for a in p.attributes),
        waitforparents=p.waitforparents,
        parents=tuple(p.parents),
        children=tuple(p.children),
        processgraphid=p.processgraphid,
        input=decode_json("in", p.in_json, [], list),
        output=decode_json("out", p.out_json, [], list),
        errors=tuple(p.errors),
    )


def graph_to_pb(g: m.ProcessGraph) -> pb.ProcessGraph:
    return pb.ProcessGraph(
        processgraphid=g.processgraphid,
        initiatorid=g.initiatorid,
        initiatorname=g.initiatorname,
        colonyname=g.colonyname,
        rootprocessids=g.rootprocessids,
        state=int(g.state),  # type: ignore[arg-type]
        submissiontime=g.submissiontime,
        starttime=g.starttime,
        endtime=g.endtime,
        processids=g.processids,
    )


def graph_from_pb(g: pb.ProcessGraph) -> m.ProcessGraph:
    return m.ProcessGraph(
        processgraphid=g.processgraphid,
        colonyname=g.colonyname,
        initiatorid=g.initiatorid,
        initiatorname=g.initiatorname,
        rootprocessids=tuple(g.rootprocessids),
        state=m.ProcessState(g.state),
        submissiontime=g.submissiontime,
        starttime=g.starttime,
        endtime=g.endtime,
        processids=tuple(g.processids),
    )


def log_to_pb(entry: m.LogEntry) -> pb.LogEntry:
    return pb.LogEntry(
        processid=entry.processid,
        colonyname=entry.colonyname,
        executorname=entry.executorname,
        message=entry.message,
        timestamp=entry.timestamp,
        seq=entry.seq,
    )


def log_from_pb(entry: pb.LogEntry) -> m.LogEntry:
    return m.LogEntry(
        processid=entry.processid,
        colonyname=entry.colonyname,
        executorname=entry.executorname,
        message=entry.message,
        timestamp=entry.timestamp,
        seq=entry.seq,
    )


_STAT_FIELDS = tuple(f for f in m.Statistics.__dataclass_fields__)


def stats_to_pb(s: m.Statistics) -> pb.Statistics:
    return pb.Statistics(**{name: getattr(s, name) for name in _STAT_FIELDS})


def stats_from_pb(s: pb.Statistics) -> m.Statistics:
    return m.Statistics(**{name: getattr(s, name) for name in _STAT_FIELDS})


def cron_to_pb(c: m.Cron) -> pb.Cron:
    return pb.Cron(
        cronid=c.cronid,
        colonyname=c.colonyname,
        name=c.name,
        cronexpression=c.cronexpression,
        interval=c.interval,
        random=c.random,
        nextrun=c.nextrun,
        lastrun=c.lastrun,
        workflowspec=workflow_to_pb(c.workflowspec),
        prevprocessgraphid=c.prevprocessgraphid,
        waitforprevprocessgraph=c.waitforprevprocessgraph,
        initiatorid=c.initiatorid,
        initiatorname=c.initiatorname,
    )


def cron_from_pb(c: pb.Cron) -> m.Cron:
    return m.Cron(
        cronid=c.cronid,
        colonyname=c.colonyname,
        name=c.name,
        workflowspec=workflow_from_pb(c.workflowspec),
        cronexpression=c.cronexpression,
        interval=c.interval,
        random=c.random,
        nextrun=c.nextrun,
        lastrun=c.lastrun,
        prevprocessgraphid=c.prevprocessgraphid,
        waitforprevprocessgraph=c.waitforprevprocessgraph,
        initiatorid=c.initiatorid,
        initiatorname=c.initiatorname,
    )


def generator_to_pb(g: m.Generator) -> pb.Generator:
    return pb.Generator(
        generatorid=g.generatorid,
        colonyname=g.colonyname,
        name=g.name,
        workflowspec=workflow_to_pb(g.workflowspec),
        trigger=g.trigger,
        timeout=g.timeout,
        lastrun=g.lastrun,
        firstpack=g.firstpack,
        queuesize=g.queuesize,
        initiatorid=g.initiatorid,
        initiatorname=g.initiatorname,
    )


def generator_from_pb(g: pb.Generator) -> m.Generator:
    return m.Generator(
        generatorid=g.generatorid,
        colonyname=g.colonyname,
        name=g.name,
        workflowspec=workflow_from_pb(g.workflowspec),
        trigger=g.trigger,
        timeout=g.timeout,
        lastrun=g.lastrun,
        firstpack=g.firstpack,
        queuesize=g.queuesize,
        initiatorid=g.initiatorid,
        initiatorname=g.initiatorname,
    )


def event_to_pb(e: m.Event) -> pb.Event:
    msg = pb.Event(
        kind=int(e.kind),  # type: ignore[arg-type]
        colonyname=e.colonyname,
        processid=e.processid,
        processgraphid=e.processgraphid,
        executortype=e.executortype,
        state=int(e.state),  # type: ignore[arg-type]
        timestamp=e.timestamp,
        message=e.message,
        attempt=e.attempt,
    )
    if e.process is not None:
        msg.process.CopyFrom(process_to_pb(e.process))
    if e.processgraph is not None:
        msg.processgraph.CopyFrom(graph_to_pb(e.processgraph))
    return msg


def event_from_pb(e: pb.Event) -> m.Event:
    return m.Event(
        kind=m.EventKind(e.kind),
        colonyname=e.colonyname,
        processid=e.processid,
        processgraphid=e.processgraphid,
        executortype=e.executortype,
        state=m.ProcessState(e.state),
        timestamp=e.timestamp,
        process=process_from_pb(e.process) if e.HasField("process") else None,
        processgraph=graph_from_pb(e.processgraph) if e.HasField("processgraph") else None,
        message=e.message,
        attempt=e.attempt,
    )
