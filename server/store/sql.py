"""The Store, written once in the SQL that SQLite and PostgreSQL share.

Each part owns its tables and keeps its statements; what one part does
inside another's transaction (ending a process moves its graph on, removing
an executor requeues its processes) goes through module functions that take
the transaction. Where to look:

    nonces.py     replay protection
    members.py    colonies, executors, users
    functions.py  registered functions and their statistics
    processes.py  process rows and their queue rows; lists and counts
    queue.py      claim, finish, requeue, deadlines, output, heartbeats
    graphs.py     workflows: storing them and moving them on; cancelling
    schedules.py  crons and generators
    logs.py       attributes and logs
    channels.py   the entries of the channels of processes
    blueprints.py locations; blueprint definitions, blueprints and their history
    retention.py  removing finished work past a colony's retention period
    ratelimits.py rate limits (token buckets) of process starts

A dialect (sqlite.py, postgres.py) provides transactions and the little SQL
that differs (db.Dialect).
"""

from __future__ import annotations

from server.store.blueprints import Blueprints
from server.store.channels import Channels
from server.store.fairshare import FairShares
from server.store.files import Files
from server.store.functions import Functions
from server.store.graphs import Graphs
from server.store.logs import Logs
from server.store.members import Members
from server.store.nonces import Nonces
from server.store.processes import Processes
from server.store.queue import Queue
from server.store.ratelimits import RateLimits
from server.store.retention import Retention
from server.store.schedules import Schedules
from server.store.sessions import Sessions
from server.store.staged import StagedBatch


class SqlStore(
    Nonces, Members, Functions, Processes, Queue, Graphs, Schedules, Logs, Channels, Blueprints,
    Files, Retention, Sessions, RateLimits, FairShares,
):  # fmt: skip
    """Every part of the store over one database (see the dialects for open/close)."""

    _staged_batch = StagedBatch
