"""Executor sessions: one bidirectional stream per executor.

The executor opens the session with its colony and capacity; the server then
pushes assignments while fewer than `capacity` of the session's processes are
unfinished, and pushes `revoked_processids` when one of them is cancelled or
taken back after its deadline. Closes, failures, logs and heartbeats travel
on the same stream, each message signed on its own and acknowledged.

Why a stream: a stream message costs a fraction of a unary call in gRPC
Python. A close is answered in one reply that carries both its ack and the
next assignment, claimed right away; replies that are ready together are
coalesced into one message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import grpc

from pycolonies_like import convert, signing
from pycolonies_like.core import errors
from pycolonies_like.core.models import Event, EventKind, Executor
from pycolonies_like.core.rules import decode_json
from pycolonies_like.proto import colonies_pb2 as pb
from server.auth import RequestVerifier
from server.service import Services
from server.service.slices import colony_turn, vouch
from server.transport.status import abort, code_number

if TYPE_CHECKING:
    from server.service.emitter import EventStream

log = logging.getLogger(__name__)

MAX_CAPACITY = 1000
OPEN_TIMEOUT = 30.0
PARK_TIMEOUT = 30.0
_OVER = (EventKind.CANCELLED, EventKind.RETRIED, EventKind.FAILED, EventKind.SUCCEEDED)
_END = object()

Item = pb.SessionAck | pb.Process | str | object
_CLEANUPS: set[asyncio.Future[None]] = set()


class ExecutorSession:
    def __init__(self, services: Services, verifier: RequestVerifier, path: str) -> None:
        self.services = services
        self.processes = services.processes
        self.verifier = verifier
        self.path = path
        self.out: asyncio.Queue[Item] = asyncio.Queue()
        self.inflight: dict[str, int] = {}  # changed by _assigned and _gone only
        self._stream: EventStream | None = None  # tracks the processes of inflight
        self.keyed: set[str] = set()  # those of inflight with a concurrency key
        self.claiming = 0
        self.capacity = 1
        self.space = asyncio.Event()
        # The process this session is closing now: the end of it that its own
        # close causes needs no event to say so (the close itself does).
        self.closing_pid = ""
        self.caller = ""
        self.executor: Executor | None = None
        # Leases: replies sent so far; assignments sent but not yet confirmed
        # (process id -> attempt, number of the reply that carried it); those
        # confirmed but not yet recorded as such.
        self.sent = 0
        self.unconfirmed: dict[str, tuple[int, int]] = {}
        self.confirmed: dict[str, int] = {}

    @staticmethod
    def handler(
        services: Services, verifier: RequestVerifier, path: str
    ) -> Callable[[AsyncIterator[pb.SignedMessage], Any], AsyncIterator[pb.SessionReply]]:
        async def handle(
            requests: AsyncIterator[pb.SignedMessage], context: grpc.aio.ServicerContext
        ) -> AsyncIterator[pb.SessionReply]:
            session = ExecutorSession(services, verifier, path)
            counters = services.counters
            counters.sessions_open += 1
            counters.sessions_opened += 1
            try:
                async for reply in session.run(requests):
                    yield reply
            except errors.ColoniesError as err:
                await abort(context, err)
            finally:
                counters.sessions_open -= 1

        return handle

    async def _verify(self, message: pb.SignedMessage) -> tuple[str, pb.SessionRequest]:
        caller = await self.verifier.verify(
            signing.SESSION_TAG, self.path, message.timestamp, message.nonce,
            message.signature, message.payload,
        )  # fmt: skip
        try:
            return caller, pb.SessionRequest.FromString(message.payload)
        except Exception:
            raise errors.InvalidArgument("malformed session message") from None

    async def run(
        self, requests: AsyncIterator[pb.SignedMessage]
    ) -> AsyncIterator[pb.SessionReply]:
        try:
            first = await asyncio.wait_for(anext(requests), OPEN_TIMEOUT)
        except (StopAsyncIteration, asyncio.TimeoutError):
            raise errors.InvalidArgument("a session must start with an open message") from None
        self.caller, request = await self._verify(first)
        if request.WhichOneof("kind") != "open":
            raise errors.InvalidArgument("the first message of a session must be `open`")
        self.executor = await self.processes.executor_of(self.caller, request.open.colonyname)
        self.capacity = min(max(request.open.capacity, 1), MAX_CAPACITY)
        durable = self.services.durable
        await durable()
        yield pb.SessionReply(acks=[pb.SessionAck(request_id=request.request_id)])

        stream = self._stream = self.services.subscriptions.watch(self.executor, self._is_over)
        tasks = [
            asyncio.create_task(self._read(requests)),
            asyncio.create_task(self._dispatch()),
            asyncio.create_task(self._watch(stream.queue)),
            asyncio.create_task(self._keep_leases()),
        ]
        try:
            while True:
                item = await self.out.get()
                # Nothing is sent before the changes it reports are committed.
                await durable()
                reply, ended = self._coalesce(item)
                if reply is not None:
                    self.sent += 1
                    for a in reply.assignments:
                        self.unconfirmed[a.processid] = (a.attempt, self.sent)
                    yield reply
                if ended:
                    break
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
            stream.close()
            # The session's own task may be cancelled (the client went away):
            # handing work back must not be.
            cleanup = asyncio.ensure_future(self._release_unsent())
            _CLEANUPS.add(cleanup)
            cleanup.add_done_callback(_CLEANUPS.discard)
            await asyncio.shield(cleanup)

    def _coalesce(self, first: Item) -> tuple[pb.SessionReply | None, bool]:
        """Everything ready now, as one reply; True when the session ends."""
        reply = pb.SessionReply()
        item: Item = first
        while True:
            if item is _END:
                return (reply if reply.ByteSize() else None), True
            if isinstance(item, pb.SessionAck):
                reply.acks.append(item)
            elif isinstance(item, pb.Process):
                reply.assignments.append(item)
            elif isinstance(item, str):
                reply.revoked_processids.append(item)
            if self.out.empty():
                return reply, False
            item = self.out.get_nowait()

    def _is_over(self, event: Event) -> bool:
        pid = event.processid
        if pid == self.closing_pid and event.kind == EventKind.SUCCEEDED:
            return False
        return pid in self.inflight and event.kind in _OVER

    async def _release_unsent(self) -> None:
        """Assignments claimed but never handed to the stream, or sent but never
        confirmed by the executor, go back to the queue (a late close of one is
        refused as stale: nothing runs to completion twice)."""
        back = []
        while not self.out.empty():
            item = self.out.get_nowait()
            if isinstance(item, pb.Process):
                back.append((item.processid, item.attempt))
        back.extend((pid, attempt) for pid, (attempt, _) in self.unconfirmed.items())
        self.unconfirmed.clear()
        for pid, attempt in back:
            with contextlib.suppress(errors.ColoniesError):
                await self.processes.release(self.caller, pid, attempt)
        with contextlib.suppress(errors.ColoniesError):
            await self._record_confirmed()

    # ------------------------------------------------------------ leases --

    def _received(self, received: int) -> None:
        """The executor had read `received` replies: what they carried arrived."""
        if not self.unconfirmed:
            return
        for pid, (attempt, reply_no) in list(self.unconfirmed.items()):
            if reply_no <= received:
                del self.unconfirmed[pid]
                if self.inflight.get(pid) == attempt:
                    self.confirmed[pid] = attempt

    async def _record_confirmed(self) -> None:
        if not self.confirmed:
            return
        # Only those still unfinished: a close already ended the others.
        found = [(pid, a) for pid, a in self.confirmed.items() if self.inflight.get(pid) == a]
        self.confirmed.clear()
        await self.processes.acknowledge_many(self.caller, found, kept=True)

    async def _keep_leases(self) -> None:
        """While the session lives, its executor is alive: confirmations are
        recorded and the executor's leases renewed, well within their timeouts."""
        assert self.executor is not None
        leases = self.processes.leases
        interval = leases.renew_interval_s
        renew_every = max(1, int(leases.lease_timeout_s / 3 / interval))
        ticks = 0
        while True:
            try:
                await self._record_confirmed()
                if ticks % renew_every == 0:
                    await self.processes.renew(self.executor)
            except errors.ColoniesError as err:  # e.g. the database is away: try again
                log.debug("could not renew the leases of a session: %s", err)
            ticks += 1
            await asyncio.sleep(interval)

    # ------------------------------------------------------- dispatching --

    def _room(self) -> bool:
        return len(self.inflight) + self.claiming < self.capacity

    def _assigned(self, process: Any) -> None:
        again = process.processid in self.inflight  # an earlier attempt's end not heard yet
        self.inflight[process.processid] = process.attempt
        if self._stream is not None:
            if again:  # tracked afresh: what befell the new attempt meanwhile is offered
                self._stream.untrack(process.processid)
            self._stream.track(process.processid)  # its end, whoever makes it
        c = process.spec.concurrency
        if c.limit and (c.key or c.kwarg):
            self.keyed.add(process.processid)
        self.out.put_nowait(convert.process_to_pb(process))

    async def _refill(self) -> None:
        """Claims right away (no waiting) while there is room; the dispatcher
        waits for work when the queue is empty."""
        assert self.executor is not None
        while self._room():
            self.claiming += 1
            try:
                process = await self.processes.next_assignment(self.executor, 0)
            finally:
                self.claiming -= 1
            if process is None:
                self.space.set()
                return
            self._assigned(process)

    async def _dispatch(self) -> None:
        assert self.executor is not None
        try:
            while True:
                if not self._room():
                    self.space.clear()
                    await self.space.wait()
                    continue
                self.claiming += 1
                try:
                    process = await self.processes.next_assignment(self.executor, PARK_TIMEOUT)
                finally:
                    self.claiming -= 1
                if process is not None:
                    self._assigned(process)
                elif self.services.closing:
                    raise errors.Unavailable("the server is stopping; open a new session later")
        except errors.ColoniesError as err:
            # e.g. the executor was rejected or removed: end the session.
            self._end_with(err)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("executor session dispatch failed")
            self._end_with(errors.Internal("internal server error"))

    def _end_with(self, err: errors.ColoniesError) -> None:
        self.out.put_nowait(
            pb.SessionAck(
                request_id=0, code=code_number(err), reason=type(err).__name__, message=err.message
            )
        )
        self.out.put_nowait(_END)

    async def _watch(self, queue: asyncio.Queue[Event | None]) -> None:
        while True:
            event = await queue.get()
            if event is None:
                continue
            pid = event.processid
            if self.inflight.get(pid) != event.attempt:
                continue
            self._gone(pid)
            if event.kind != EventKind.SUCCEEDED:
                self.out.put_nowait(pid)
            try:
                await self._refill()
            except errors.ColoniesError as err:
                # e.g. the executor was rejected (which took this process back):
                # the session ends, as when the dispatcher's claim is refused.
                self._end_with(err)
                return

    # --------------------------------------------------------- requests --

    async def _read(self, requests: AsyncIterator[pb.SignedMessage]) -> None:
        try:
            async for message in requests:
                self.out.put_nowait(await self._handle(message))
        except asyncio.CancelledError:
            raise
        except Exception as err:  # the client went away mid-message
            log.debug("executor session reader ended: %s", err)
        self.out.put_nowait(_END)

    async def _handle(self, message: pb.SignedMessage) -> pb.SessionAck:
        request_id = 0
        if self.executor is not None:
            colony = self.executor.colonyname
            vouch(colony, self.caller)  # bound to the session's approved executor
            await colony_turn(colony, self.caller)
        try:
            caller, request = await self._verify(message)
            request_id = request.request_id
            if caller != self.caller:
                raise errors.PermissionDenied("Access denied, a session is bound to one signer")
            try:
                await self._apply(request)
            finally:
                self._received(request.received)
            return pb.SessionAck(request_id=request_id)
        except errors.ColoniesError as err:
            return pb.SessionAck(
                request_id=request_id, code=code_number(err), reason=type(err).__name__,
                message=err.message,
            )  # fmt: skip

    async def _apply(self, request: pb.SessionRequest) -> None:
        processes, caller = self.processes, self.caller
        kind = request.WhichOneof("kind")
        if kind in ("close", "fail", "release"):
            r = getattr(request, kind)
            claimed = False
            if kind == "close":
                self.closing_pid = r.processid
            try:
                if kind == "close":
                    output = decode_json("out", r.out_json, [], list)
                    if self.executor is not None and self._frees_room(r.processid, r.attempt):
                        # Its next claim travels with it (one commit, not two).
                        self.claiming += 1
                        claimed = True  # tried, whatever the close's outcome
                        try:
                            await processes.close_and_claim(
                                caller, r.processid, r.attempt, output, self.executor,
                                self._assigned,
                            )  # fmt: skip
                        finally:
                            self.claiming -= 1
                            if self._room():
                                # e.g. the process was taken back meanwhile, its
                                # room counted as claiming then: the dispatcher
                                # claims (and waits for work) now.
                                self.space.set()
                    else:
                        await processes.close(caller, r.processid, r.attempt, output)
                elif kind == "fail":
                    await processes.fail(caller, r.processid, r.attempt, list(r.errors))
                else:
                    await processes.release(caller, r.processid, r.attempt)
            except (errors.InvalidArgument, errors.ResourceExhausted):
                raise  # a bad request: the process is still the executor's to finish
            except errors.ColoniesError:
                await self._done(r.processid, r.attempt, claimed)  # the attempt is over anyway
                raise
            finally:
                self.closing_pid = ""
            await self._done(r.processid, r.attempt, claimed)
        elif kind == "log":
            lg = request.log
            await self.services.logs.add_log(caller, lg.processid, lg.attempt, lg.message)
        elif kind == "set_output":
            so = request.set_output
            output = decode_json("out", so.out_json, [], list)
            await processes.set_output(caller, so.processid, so.attempt, output)
        elif kind == "heartbeat":
            hb = request.heartbeat
            _, cancelled = await processes.heartbeat(caller, hb.processid, hb.attempt)
            if cancelled:
                self.out.put_nowait(hb.processid)
        elif kind == "confirm":
            pass  # `received` says it all
        else:
            raise errors.InvalidArgument(f"unexpected session message {kind!r}")

    def _gone(self, processid: str) -> None:
        """The process is no longer the session's to run."""
        del self.inflight[processid]
        self.keyed.discard(processid)
        if self._stream is not None:
            self._stream.untrack(processid)

    def _frees_room(self, processid: str, attempt: int) -> bool:
        """True when ending this process of the session leaves room for another
        that may be claimed with it: not when it holds a concurrency key's slot
        (its end frees the slot after the claim would have run)."""
        current = self.inflight.get(processid)
        if current is None or (attempt and current != attempt) or processid in self.keyed:
            return False
        if self.services.closing:
            return False  # draining: nothing new is handed out
        return len(self.inflight) - 1 + self.claiming < self.capacity

    async def _done(self, processid: str, attempt: int, claimed: bool = False) -> None:
        """`claimed`: the end's own claim ran (close_and_claim); if it found
        nothing, the dispatcher's claim, which waits for work, comes next."""
        current = self.inflight.get(processid)
        if current is not None and (not attempt or current == attempt):
            self._gone(processid)
            if claimed and self._room():
                self.space.set()
            else:
                await self._refill()
