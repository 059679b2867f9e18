"""The Store protocol: what the service layer needs from a database, in domain terms.

Each method is one atomic transaction. Methods that change a process take the
attempt number they expect and change nothing (returning None/False) when the
process has moved on, so two servers -- or a close racing a deadline -- can
never both win. Business rules live in the service layer and in
pycolonies_like.core (what a released child receives, why descendants end,
deadlines, function statistics), which the store feeds with rows; a store
guarantees atomicity and the conditions it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from pycolonies_like.core.models import (
    Attribute,
    Blueprint,
    BlueprintDefinition,
    BlueprintHistory,
    ChannelEntry,
    Colony,
    Cron,
    Executor,
    ExecutorState,
    File,
    FileLabel,
    Function,
    Generator,
    Location,
    LogEntry,
    Process,
    ProcessGraph,
    ProcessState,
    RateLimit,
    Snapshot,
    Statistics,
    User,
)
from pycolonies_like.core.rules import Lease
from server.counters import CommitCounters
from server.hub import Hub, Relay
from server.store.results import FinishResult, LogPage, Member, ProcessBrief, Requeued

__all__ = ["FinishResult", "LogPage", "Member", "ProcessBrief", "Requeued", "Staging", "Store"]


class Staging(Protocol):
    """A batch of new processes, stored a slice at a time and published at
    once (store/processes.py, StagedBatch)."""

    async def stage(self, processes: Sequence[Process], prepared: list[dict[str, Any]]) -> None:
        """Writes `processes` (their `process_rows`), seen by nothing yet."""
        ...

    async def publish(self, now_ns: int) -> None:
        """Makes every staged process waiting and claimable at once, submitted
        at `now_ns`, with its fair queue key; all of them or, failing, none."""
        ...

    def time(self, processes: Sequence[Process]) -> None:
        """Gives published `processes` the submission time and queue key their
        rows got (in place: only the batch's request holds them)."""
        ...


class Store(Protocol):
    kind: str
    commits: CommitCounters

    def pool_usage(self) -> tuple[int, int] | None: ...

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def ping(self) -> None:
        """Raises StorageError when the database cannot be reached."""
        ...

    async def durable(self) -> None:
        """Returns once every change made so far is committed; raises
        StorageError if it could not be. Transports call it before replying,
        so a store may commit in groups."""
        ...

    async def start_relay(self, hub: Hub) -> Relay | None:
        """Starts carrying `hub`'s wake-ups to and from the other servers that
        share this database; None when no other server can share it. The
        caller stops the relay before closing the store."""
        ...

    # -- replay protection
    # True when several servers share the store: nonces must then be checked
    # in the store itself; otherwise the server keeps them in memory and
    # saves them (save_nonces) so that a restart does not forget them.
    shared: bool

    async def remember_nonce(self, nonce: str, expires_ns: int, now_ns: int) -> bool:
        """False when the nonce was seen before (and has not expired)."""
        ...

    async def save_nonces(self, nonces: Sequence[tuple[str, int]]) -> None: ...
    async def load_nonces(self, now_ns: int) -> list[tuple[str, int]]: ...
    async def purge_nonces(self, now_ns: int) -> int: ...

    async def clock_ns(self) -> int | None:
        """The clock that purges nonces besides the server's (the database's,
        when servers share it), in ns; None when there is none."""
        ...

    # -- colonies
    async def add_colony(self, colony: Colony) -> None: ...
    async def get_colony(self, name: str) -> Colony | None: ...
    async def list_colonies(self) -> list[Colony]: ...
    async def remove_colony(self, name: str) -> bool: ...
    async def set_paused(
        self, colonyname: str, executortype: str, paused: bool, now_ns: int
    ) -> Colony | None:
        """Pauses (or resumes) assignment for an executor type of the colony, or
        ('') the whole colony; claims then skip it. None: no such colony."""
        ...

    # -- executors and users
    async def add_executor(self, executor: Executor) -> None: ...
    async def get_executor(self, colonyname: str, executorname: str) -> Executor | None: ...
    async def list_executors(self, colonyname: str) -> list[Executor]: ...
    async def set_executor_state(
        self, colonyname: str, executorname: str, state: ExecutorState, now_ns: int
    ) -> tuple[Executor, list[Process]] | None:
        """Sets the state; an executor that stops being approved hands its running
        processes back to the queue (returned)."""
        ...

    async def remove_executor(
        self, colonyname: str, executorname: str, now_ns: int
    ) -> list[Process] | None:
        """Deletes the executor and its functions; returns its requeued processes."""
        ...

    async def remove_silent_executors(
        self, heard_before_ns: int, now_ns: int, limit: int
    ) -> list[tuple[Executor, list[Process]]]:
        """Removes executors heard from once, then not since `heard_before_ns`,
        with their functions; returns each with its requeued processes."""
        ...

    async def get_member(self, colonyname: str, memberid: str) -> Member | None: ...
    async def get_actor(
        self, colonyname: str, memberid: str
    ) -> tuple[Colony, Member | None] | None:
        """The colony and who `memberid` is in it (None: no such colony)."""
        ...

    async def add_user(self, user: User) -> None: ...
    async def get_user(self, colonyname: str, name: str) -> User | None: ...
    async def list_users(self, colonyname: str) -> list[User]: ...
    async def remove_user(self, colonyname: str, name: str) -> bool: ...

    # -- functions
    async def add_function(self, function: Function) -> Function:
        """Idempotent: returns the existing function of the same executor and name."""
        ...

    async def get_function(self, functionid: str) -> Function | None: ...
    async def list_functions(self, colonyname: str, executorname: str = "") -> list[Function]: ...
    async def remove_function(self, functionid: str) -> bool: ...

    # -- processes
    def process_rows(self, processes: Sequence[Process]) -> list[dict[str, Any]]:
        """What `add_processes` would write for `processes` (without an
        idempotency key), made outside it: a big batch's are made a slice at a
        time, so that writing it holds the event loop for less."""
        ...

    def staged_batch(self, now_ns: int) -> AbstractAsyncContextManager[Staging]:
        """A batch, begun at `now_ns`, to stage in slices and publish at once
        (`Staging`); leaving it by an exception, or with a publish whose
        commit fails, leaves nothing of the batch (the commit's StorageError
        is raised when the block is left)."""
        ...

    async def drop_staged(self, now_ns: int, age_ns: int, limit: int = 500) -> int:
        """Removes what batches begun more than `age_ns` ago staged and never
        published (their server stopped); returns how many rows. Ages are
        read on the clock the rows were staged by: `now_ns`, this server's,
        on SQLite (one server); the database's own on PostgreSQL, so that a
        server whose clock is ahead cannot take another's live batch for an
        abandoned one."""
        ...

    async def add_processes(
        self, processes: Sequence[Process], idempotency_key: str = "",
        prepared: Sequence[dict[str, Any]] | None = None,
    ) -> list[Process]:  # fmt: skip
        """Stores new processes (all or none). With an idempotency key (single
        process only) an earlier process of the same initiator and key is
        returned instead. Returns them with their fair queue keys (prioritytime:
        store/fairshare.py). `prepared`: their `process_rows`, if made."""
        ...

    async def get_process(self, processid: str) -> Process | None: ...
    async def get_process_brief(self, processid: str) -> ProcessBrief | None: ...
    async def list_processes(
        self,
        colonyname: str,
        state: ProcessState,
        count: int,
        *,
        executortype: str = "",
        label: str = "",
        initiatorname: str = "",
        max_bytes: int = ...,
    ) -> list[Process]: ...

    async def claim_process(
        self, executor: Executor, now_ns: int, lease_ns: int = 0
    ) -> Process | None:
        """Assigns the best assignable process (highest priority, then oldest)
        matching the executor's colony, type and name, unconfirmed until
        `lease_ns` (0: no lease); None when there is none."""
        ...

    async def finish_process(
        self,
        processid: str,
        attempt: int,
        state: ProcessState,
        now_ns: int,
        *,
        output: list[Any] | None = None,
        errors: Sequence[str] = (),
        executorid: str = "",
    ) -> FinishResult | None:
        """Ends a running process of the given attempt (0: whichever is current)
        as SUCCESSFUL or FAILED, advancing its workflow; None when it is not
        that running attempt (or not assigned to `executorid`, when given)."""
        ...

    async def finish_and_claim(
        self,
        processid: str,
        attempt: int,
        state: ProcessState,
        now_ns: int,
        *,
        output: list[Any] | None = None,
        errors: Sequence[str] = (),
        executorid: str = "",
        claimer: Executor,
        lease_ns: int = 0,
    ) -> tuple[FinishResult | None, Process | None]:
        """finish_process, then claim_process for `claimer` (an executor session
        whose room this end frees), whatever the end's outcome: a store may do
        both in one transaction. The claim is None when nothing was claimable
        or the claim was refused (the caller's next claim says why)."""
        ...

    async def set_output(self, processid: str, attempt: int, output: list[Any]) -> bool: ...
    async def release_held(self, limit: int) -> list[Process]:
        """Puts back in the queue processes held by a concurrency key whose
        slots are free (up to `limit` keys); returns them."""
        ...

    async def running_with_key(self, colonyname: str, key: str) -> list[str]:
        """The running processes of a concurrency key, oldest first."""
        ...

    async def requeue_process(
        self, processid: str, attempt: int, now_ns: int, *, count_retry: bool,
        outcome: str = "released", errors: Sequence[str] = (), notbefore: int = 0,
        executorid: str = "",
    ) -> Process | None:  # fmt: skip
        """Puts a running attempt back in the queue (not claimable before
        `notbefore`), recording it in the history as `outcome`; None when it
        is not that attempt (of `executorid`, when given)."""
        ...

    async def wake_due(self, now_ns: int, limit: int) -> list[Process]:
        """Makes claimable the waiting processes whose `notbefore` has come."""
        ...

    async def rerun_process(self, processid: str, now_ns: int) -> Process | None:
        """FAILED or CANCELLED (standalone) -> WAITING as a new attempt; None
        when it is not such a process (any more)."""
        ...

    async def rerun_graph(
        self, processgraphid: str, now_ns: int
    ) -> tuple[ProcessGraph, list[Process]] | None:
        """A FAILED or CANCELLED graph runs again from its failures: the graph
        (running again) and the processes that will run again; None when it
        is not such a graph, or has a running or unsettled process."""
        ...

    async def extend_deadline(
        self, processid: str, attempt: int, now_ns: int, lease_ns: int = 0
    ) -> Process | None:
        """Heartbeat: moves the exec deadline to now + maxexectime, and keeps the
        assignment's lease until `lease_ns`."""
        ...

    async def acknowledge(
        self, executorid: str, assignments: Sequence[tuple[str, int]], lease: Lease,
        lease_ns: int,
    ) -> int:  # fmt: skip
        """Confirms unconfirmed assignments (process id, attempt) of the executor."""
        ...

    async def renew_leases(
        self, colonyname: str, executorname: str, executorid: str, now_ns: int, lease_ns: int
    ) -> int:
        """Renews the executor's kept leases and its "last heard from" time."""
        ...

    async def remove_process(self, processid: str) -> bool: ...
    async def remove_all_processes(self, colonyname: str, state: ProcessState | None) -> int: ...
    async def waiting_summary(self) -> list[tuple[str, str, int, int]]: ...

    # -- dashboard sessions (by the SHA-256 of their token)
    async def add_session(
        self, tokenhash: str, identity: str, csrf: str, expires_ns: int
    ) -> None: ...
    async def get_session(self, tokenhash: str) -> tuple[str, str, int] | None: ...
    async def remove_session(self, tokenhash: str) -> bool: ...
    async def purge_sessions(self, now_ns: int) -> int: ...
    async def count_sessions(self, now_ns: int) -> int: ...

    async def colony_statistics(self, colonyname: str) -> Statistics: ...
    async def statistics(self) -> Statistics: ...

    # -- attributes and logs
    async def add_attribute(self, attribute: Attribute, now_ns: int) -> None: ...
    async def get_attribute(self, attributeid: str) -> Attribute | None: ...

    # ColonyFS (store/files.py)
    async def add_file(self, file: File) -> File: ...
    async def get_file_by_id(self, colonyname: str, fileid: str) -> File | None: ...
    async def get_file_revisions(
        self, colonyname: str, label: str, name: str, limit: int
    ) -> list[File]: ...
    async def newest_files(self, colonyname: str, label: str, limit: int) -> list[File]: ...
    async def file_labels(
        self, colonyname: str, name: str, exact: bool, limit: int
    ) -> list[FileLabel]: ...
    async def remove_file_by_id(self, colonyname: str, fileid: str) -> int: ...
    async def remove_file_by_name(self, colonyname: str, label: str, name: str) -> int: ...
    async def set_executor_capabilities(self, executor: Executor) -> bool: ...
    async def local_object_refs(self, colonyname: str, checksum: str) -> int: ...
    async def create_snapshot(self, snapshot: Snapshot, limit: int) -> Snapshot | None: ...
    async def get_snapshot(
        self, colonyname: str, snapshotid: str, name: str
    ) -> Snapshot | None: ...
    async def list_snapshots(self, colonyname: str, limit: int) -> list[Snapshot]: ...
    async def remove_snapshot(self, colonyname: str, snapshotid: str, name: str) -> int: ...
    async def remove_all_snapshots(self, colonyname: str) -> int: ...
    async def add_log(self, entry: LogEntry) -> LogEntry: ...
    async def get_logs(
        self,
        processid: str,
        count: int,
        *,
        since_ns: int = 0,
        latest: bool = False,
        after_seq: int = 0,
        before_seq: int = 0,
        max_bytes: int = ...,
    ) -> LogPage: ...
    async def get_executor_logs(
        self, colonyname: str, executorname: str, count: int, *, since_ns: int = 0,
        latest: bool = False, after_seq: int = 0, before_seq: int = 0, max_bytes: int = ...,
    ) -> LogPage: ...  # fmt: skip

    # -- channels
    async def append_channel_entry(
        self, processid: str, name: str, entry: ChannelEntry, max_entries: int
    ) -> ChannelEntry | None:
        """Appends after the channel's last entry (returned with its index); None
        when the process has ended or is gone. AlreadyExists when the sender
        used the sequence number before, ResourceExhausted when full."""
        ...

    async def read_channel(
        self, processid: str, name: str, after: int, limit: int, max_bytes: int = ...
    ) -> list[ChannelEntry]:
        """Up to `limit` entries after the index `after` and, beyond the first, at
        most `max_bytes` of payload (MAX_REPLY_BYTES by default)."""
        ...

    async def purge_channels(self, ended_before_ns: int, limit: int) -> int:
        """Removes the entries of processes that ended before the given time."""
        ...

    # -- locations
    async def add_location(self, location: Location) -> None: ...
    async def get_location(self, colonyname: str, name: str) -> Location | None: ...
    async def list_locations(self, colonyname: str) -> list[Location]: ...
    async def remove_location(self, colonyname: str, name: str) -> bool: ...

    # -- rate limits (tokens as of `now_ns`)
    async def add_rate_limit(self, limit: RateLimit, now_ns: int) -> RateLimit:
        """Stores a new limit with a full bucket (AlreadyExists if named so)."""
        ...

    async def get_rate_limit(self, colonyname: str, name: str, now_ns: int) -> RateLimit | None: ...
    async def list_rate_limits(self, colonyname: str, now_ns: int) -> list[RateLimit]: ...
    async def remove_rate_limit(self, colonyname: str, name: str) -> bool: ...
    async def rate_limit_bursts(self, colonyname: str) -> dict[str, int]:
        """The burst of each rate limit of the colony, by name."""
        ...

    # -- blueprints
    async def add_blueprint_definition(self, d: BlueprintDefinition) -> None:
        """AlreadyExists when the colony has one of that name or kind."""
        ...

    async def get_blueprint_definition(
        self, colonyname: str, name: str = "", *, kind: str = ""
    ) -> BlueprintDefinition | None: ...
    async def list_blueprint_definitions(self, colonyname: str) -> list[BlueprintDefinition]: ...
    async def remove_blueprint_definition(self, colonyname: str, name: str) -> bool:
        """False when there is none; FailedPrecondition while blueprints of its kind exist."""
        ...

    async def add_blueprint(
        self, b: Blueprint, history: BlueprintHistory, locationid: str
    ) -> None: ...
    async def get_blueprint(self, colonyname: str, name: str) -> Blueprint | None: ...
    async def list_blueprints(
        self, colonyname: str, kind: str = "", locationname: str = ""
    ) -> list[Blueprint]: ...
    async def update_blueprint(
        self, b: Blueprint, expected_generation: int, history: BlueprintHistory | None
    ) -> bool:
        """False when the blueprint is no longer at `expected_generation`."""
        ...

    async def set_blueprint_status(
        self, colonyname: str, name: str, status: dict[str, Any], now_ns: int
    ) -> Blueprint | None: ...
    async def note_reconciliation(
        self, colonyname: str, name: str, processid: str, now_ns: int
    ) -> None: ...
    async def remove_blueprint(
        self, colonyname: str, name: str, history: BlueprintHistory
    ) -> tuple[Blueprint, int] | None:
        """The removed blueprint and how many of its kind remain at its location."""
        ...

    async def blueprint_history(self, blueprintid: str, limit: int) -> list[BlueprintHistory]: ...

    # -- workflows
    async def add_graph(self, graph: ProcessGraph, processes: Sequence[Process]) -> list[Process]:
        """Stores a workflow's graph and processes; returns them with their
        fair queue keys."""
        ...

    async def get_graph(self, processgraphid: str) -> ProcessGraph | None: ...
    async def graph_processes(self, processgraphid: str) -> list[Process]: ...
    async def list_graphs(
        self, colonyname: str, state: ProcessState | None, count: int
    ) -> list[ProcessGraph]: ...
    async def remove_graph(self, processgraphid: str) -> bool: ...
    async def remove_all_graphs(self, colonyname: str, state: ProcessState | None) -> int: ...
    async def add_child(
        self,
        parent: Process,
        parent_attempt: int,
        child: Process,
        childprocessid: str,
        insert: bool,
    ) -> Process | None:
        """Adds `child` below the running `parent`; None when the parent's attempt
        is no longer current."""
        ...

    async def cancel_process(self, processid: str, now_ns: int) -> FinishResult | None:
        """WAITING or RUNNING -> CANCELLED; None when it already ended."""
        ...

    async def cancel_graph(
        self, processgraphid: str, now_ns: int
    ) -> tuple[list[Process], ProcessGraph | None] | None:
        """Cancels the waiting and running processes of a graph; returns them and
        the graph if its state changed; None when there is no such graph."""
        ...

    # -- deadlines
    async def expired_running(self, now_ns: int, limit: int) -> list[Process]: ...
    async def expired_leases(self, now_ns: int, limit: int) -> list[tuple[Process, Lease]]:
        """Running processes past their lease deadline, with how each is held
        (ASSIGNED: never confirmed; KEPT: confirmed, then its executor went silent)."""
        ...

    async def expired_waiting(self, now_ns: int, limit: int) -> list[Process]: ...
    async def fail_waiting(self, processid: str, now_ns: int, error: str) -> FinishResult | None:
        """Fails a process that waited too long; None when it is no longer waiting."""
        ...

    async def settle_unsettled(self, ended_before_ns: int, limit: int) -> list[FinishResult]:
        """Moves on the workflows of processes that ended before `ended_before_ns`
        whose server stopped before it moved their graph on (what each end
        changed, without the end itself)."""
        ...

    # -- retention
    async def set_fair_weight(self, colonyname: str, submitter: str, weight: int) -> None:
        """Sets a submitter's (identity id's) weight in its colony's fair order."""
        ...

    async def fair_weights(self, colonyname: str) -> dict[str, int]:
        """Submitter -> weight, for those whose weight is not the default."""
        ...

    async def set_retention(self, colonyname: str, retention_s: int) -> Colony | None:
        """Sets how long the colony's finished work is kept (0: for ever)."""
        ...

    async def colonies_with_retention(self) -> list[tuple[str, int]]:
        """(colonyname, retention in seconds) of the colonies that have one."""
        ...

    async def purge_finished(self, colonyname: str, before_ns: int, limit: int) -> int:
        """Removes up to `limit` processes (with their logs and attributes) that
        ended before `before_ns`, and the finished workflows that ended then
        with all their processes, keeping their counts in the statistics;
        returns how many processes it removed. 0 also when another server is
        purging at the same moment."""
        ...

    # -- crons and generators
    async def add_cron(self, cron: Cron) -> None: ...
    async def get_cron(self, cronid: str) -> Cron | None: ...
    async def list_crons(self, colonyname: str, count: int) -> list[Cron]: ...
    async def remove_cron(self, cronid: str) -> bool: ...
    async def due_crons(self, now_ns: int, limit: int) -> list[Cron]: ...
    async def previous_output(self, processgraphid: str) -> list[Any]: ...
    async def start_cron_run(
        self,
        cronid: str,
        expected_nextrun: int,
        nextrun: int,
        now_ns: int,
        graph: ProcessGraph,
        processes: Sequence[Process],
    ) -> bool:
        """Moves nextrun on from `expected_nextrun` and stores the graph, in one
        transaction: the compare-and-set that makes one tick start one run,
        however many servers try."""
        ...

    async def set_cron_nextrun(self, cronid: str, expected_nextrun: int, nextrun: int) -> bool: ...

    async def add_generator(self, generator: Generator) -> None: ...
    async def get_generator(self, generatorid: str) -> Generator | None: ...
    async def list_generators(self, colonyname: str, count: int) -> list[Generator]: ...
    async def remove_generator(self, generatorid: str) -> bool: ...
    async def pack_generator(self, generatorid: str, arg: str, now_ns: int) -> bool: ...
    async def generators_with_args(self, limit: int) -> list[Generator]: ...
    async def start_generator_run(
        self,
        generatorid: str,
        count: int,
        now_ns: int,
        make_graph: Callable[[list[Any]], tuple[ProcessGraph, list[Process]]],
    ) -> ProcessGraph | None:
        """Takes up to `count` oldest packed arguments and stores the graph made
        of them, atomically (exactly once across servers); None when empty."""
        ...
