"""Replies read into domain models, for both `Colonies` and `AsyncColonies`."""

from __future__ import annotations

import dataclasses

from pycolonies_like import convert
from pycolonies_like.compat import ProcessId
from pycolonies_like.core.models import (
    ChannelEntry,
    Colony,
    Cron,
    Executor,
    Function,
    Generator,
    LogEntry,
    Process,
    ProcessGraph,
    User,
)
from pycolonies_like.proto import colonies_pb2 as pb


def assigned(reply: pb.Process) -> Process:
    """A process handed to this executor: its id carries the attempt."""
    p = convert.process_from_pb(reply)
    return dataclasses.replace(p, processid=ProcessId(p.processid, p.attempt))


def colonies(reply: pb.ListColoniesReply) -> list[Colony]:
    return [convert.colony_from_pb(c) for c in reply.colonies]


def executors(reply: pb.ListExecutorsReply) -> list[Executor]:
    return [convert.executor_from_pb(e) for e in reply.executors]


def functions(reply: pb.ListFunctionsReply) -> list[Function]:
    return [convert.function_from_pb(f) for f in reply.functions]


def users(reply: pb.ListUsersReply) -> list[User]:
    return [convert.user_from_pb(u) for u in reply.users]


def processes(reply: pb.ListProcessesReply | pb.SubmitBatchReply) -> list[Process]:
    return [convert.process_from_pb(p) for p in reply.processes]


def logs(replies: list[pb.GetLogsReply], latest: bool = False) -> list[LogEntry]:
    """The entries of the pages of one read, oldest first (`latest` pages go backwards)."""
    ordered = replies[::-1] if latest else replies
    return [convert.log_from_pb(e) for reply in ordered for e in reply.logs]


def processgraphs(reply: pb.ListProcessGraphsReply) -> list[ProcessGraph]:
    return [convert.graph_from_pb(g) for g in reply.processgraphs]


def crons(reply: pb.ListCronsReply) -> list[Cron]:
    return [convert.cron_from_pb(c) for c in reply.crons]


def generators(reply: pb.ListGeneratorsReply) -> list[Generator]:
    return [convert.generator_from_pb(g) for g in reply.generators]


def channel_entries(reply: pb.ChannelEntries) -> list[ChannelEntry]:
    return [convert.channel_entry_from_pb(e) for e in reply.entries]
