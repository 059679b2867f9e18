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
from typing import Any

import grpc

from pycolonies_like import convert, signing
from pycolonies_like.core import errors
from pycolonies_like.core.models import Event, EventKind, Executor
from pycolonies_like.core.rules import decode_json
from pycolonies_like.proto import colonies_pb2 as pb
from server.auth import RequestVerifier
from server.service import Services
from server.transport.status import abort, code_number

log = logging.getLogger(__name__)

MAX_CAPACITY = 1000
OPEN_TIMEOUT = 30.0
PARK_TIMEOUT = 30.0
_OVER = (EventKind.CANCELLED, EventKind.RETRIED, EventKind.FAILED, EventKind.SUCCEEDED)
_END = object()

Item = pb.SessionAck | pb.Process | str | object


class ExecutorSession:
    def __init__(self, services: Services, verifier: RequestVerifier, path: str) -> None:
        self.services = services
        self.processes = services.processes
        self.verifier = verifier
        self.path = path
        self.out: asyncio.Queue[Item] = asyncio.Queue()
        self.inflight: dict[str, int] = {}
        self.claiming = 0
        self.capacity = 1
        self.space = asyncio.Event()
        self.caller = ""
        self.executor: Executor | None = None

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

        stream = self.services.subscriptions.watch(self.executor, self._is_over)
        tasks = [
            asyncio.create_task(self._read(requests)),
            asyncio.create_task(self._dispatch()),
            asyncio.create_task(self._watch(stream.queue)),
        ]
        try:
            while True:
                item = await self.out.get()
                # Nothing is sent before the changes it reports are committed.
                await durable()
                reply, ended = self._coalesce(item)
                if reply is not None:
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
            await self._release_unsent()

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
        return event.processid in self.inflight and event.kind in _OVER

    async def _release_unsent(self) -> None:
        """Assignments claimed but never handed to the stream go back to the queue."""
        while not self.out.empty():
            item = self.out.get_nowait()
            if isinstance(item, pb.Process):
                with contextlib.suppress(errors.ColoniesError):
                    await self.processes.release(self.caller, item.processid, item.attempt)

    # ------------------------------------------------------- dispatching --

    def _room(self) -> bool:
        return len(self.inflight) + self.claiming < self.capacity

    def _assigned(self, process: Any) -> None:
        self.inflight[process.processid] = process.attempt
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
            del self.inflight[pid]
            if event.kind != EventKind.SUCCEEDED:
                self.out.put_nowait(pid)
            await self._refill()

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
        try:
            caller, request = await self._verify(message)
            request_id = request.request_id
            if caller != self.caller:
                raise errors.PermissionDenied("Access denied, a session is bound to one signer")
            await self._apply(request)
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
            try:
                if kind == "close":
                    output = decode_json("out", r.out_json, [], list)
                    await processes.close(caller, r.processid, r.attempt, output)
                elif kind == "fail":
                    await processes.fail(caller, r.processid, r.attempt, list(r.errors))
                else:
                    await processes.release(caller, r.processid, r.attempt)
            except (errors.InvalidArgument, errors.ResourceExhausted):
                raise  # a bad request: the process is still the executor's to finish
            except errors.ColoniesError:
                await self._done(r.processid, r.attempt)  # the attempt is over anyway
                raise
            await self._done(r.processid, r.attempt)
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
        else:
            raise errors.InvalidArgument(f"unexpected session message {kind!r}")

    async def _done(self, processid: str, attempt: int) -> None:
        current = self.inflight.get(processid)
        if current is not None and (not attempt or current == attempt):
            del self.inflight[processid]
            await self._refill()
