"""The client side of an executor session (see proto/colonies.proto).

    async with AsyncColonies(host, port) as colonies:
        async with colonies.session(colonyname, prvkey, capacity=4) as session:
            async for process in session.assignments():
                await session.close(process, ["done"])

Assignments are pushed by the server as soon as a process is ready and the
session has room; `revoked()` yields the ids of processes taken back
(cancelled, or requeued after their deadline).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

import grpc

from pycolonies_like import compat, replies, signing
from pycolonies_like.channel import SERVICE, error_from_rpc
from pycolonies_like.core import errors
from pycolonies_like.core.models import Process
from pycolonies_like.proto import colonies_pb2 as pb
from pycolonies_like.proto.colonies_stubs import AsyncColoniesStub, StreamCall

PATH = SERVICE + "ExecutorSession"


class SessionClient(Protocol):
    """What a session needs of its client (`AsyncColonies` has it)."""

    rpc: AsyncColoniesStub
    target: str


def _ignore_result(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved: a failed confirmation is the lease's business


class SessionClosed(errors.Unavailable):
    """The session ended (the server went away or ended it)."""


class ExecutorSession:
    def __init__(
        self, client: SessionClient, colonyname: str, prvkey: str, capacity: int = 1
    ) -> None:
        self.client = client
        self.colonyname = colonyname
        self.prvkey = prvkey
        self.capacity = capacity
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[None]] = {}
        self._assignments: asyncio.Queue[Process | None] = asyncio.Queue()
        self._revoked: asyncio.Queue[str | None] = asyncio.Queue()
        self._call: StreamCall[pb.SignedMessage, pb.SessionReply] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._outbox: asyncio.Queue[pb.SignedMessage] = asyncio.Queue()
        self._error: errors.ColoniesError | None = None
        # Replies read so far, and as last told to the server: every message
        # says how many replies were read, which confirms the assignments
        # they carried; when there is nothing to say soon, a `confirm` does.
        self._read_count = 0
        self._told = 0
        self._confirming: asyncio.TimerHandle | None = None

    async def __aenter__(self) -> ExecutorSession:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def open(self) -> None:
        call = self._call = self.client.rpc.ExecutorSession()
        opened = self._send(
            pb.SessionRequest(
                open=pb.SessionOpen(colonyname=self.colonyname, capacity=self.capacity)
            )
        )
        self._reader = asyncio.create_task(self._read(call))
        self._writer = asyncio.create_task(self._write(call))
        try:
            await opened
        except BaseException:  # refused, or cancelled while opening: leave nothing running
            await self.aclose()
            raise

    async def aclose(self) -> None:
        if self._confirming is not None:
            self._confirming.cancel()
        try:
            if self._call is not None:
                with contextlib.suppress(Exception):
                    await self._call.done_writing()
        finally:
            # Even when the closing task is cancelled while it waits above:
            # the stream's tasks must never be left pending.
            if self._call is not None:
                self._call.cancel()
            tasks = [t for t in (self._writer, self._reader) if t is not None]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _send(self, request: pb.SessionRequest) -> asyncio.Future[None]:
        if self._error is not None:
            raise self._error
        request.request_id = next(self._ids)
        request.received = self._told = self._read_count
        payload = request.SerializeToString()
        ts, nonce, signature = signing.sign_session_message(self.prvkey, PATH, payload)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending[request.request_id] = future
        self._outbox.put_nowait(
            pb.SignedMessage(payload=payload, timestamp=ts, nonce=nonce, signature=signature)
        )
        return future

    async def _write(self, call: StreamCall[pb.SignedMessage, pb.SessionReply]) -> None:
        """The one writer of the stream: messages go out in the order they were sent."""
        try:
            while True:
                await call.write(await self._outbox.get())
        except asyncio.CancelledError:
            raise
        except Exception:  # the stream broke; the reader reports why
            return

    async def _read(self, call: StreamCall[pb.SignedMessage, pb.SessionReply]) -> None:
        try:
            async for reply in call:
                self._read_count += 1
                if reply.assignments and self._confirming is None:
                    self._confirming = asyncio.get_running_loop().call_later(
                        compat.ACK_DELAY_S, self._confirm
                    )
                for ack in reply.acks:
                    self._acked(ack)
                for assignment in reply.assignments:
                    self._assignments.put_nowait(replies.assigned(assignment))
                for pid in reply.revoked_processids:
                    self._revoked.put_nowait(pid)
            self._end(SessionClosed("the server ended the session"))
        except grpc.RpcError as err:
            self._end(error_from_rpc(err, self.client.target))
        except asyncio.CancelledError:
            self._end(SessionClosed("the session was closed"))
            raise

    def _confirm(self) -> None:
        self._confirming = None
        if self._told < self._read_count and self._error is None:
            future = self._send(pb.SessionRequest(confirm=pb.SessionConfirm()))
            future.add_done_callback(_ignore_result)

    def _acked(self, ack: pb.SessionAck) -> None:
        future = self._pending.pop(ack.request_id, None)
        if ack.code == 0:
            if future is not None and not future.done():
                future.set_result(None)
            return
        cls = errors.ERROR_CLASSES.get(ack.reason, errors.ColoniesError)
        err = cls(ack.message)
        if future is not None and not future.done():
            future.set_exception(err)
        elif ack.request_id == 0:
            self._end(err)  # the server ends the session

    def _end(self, err: errors.ColoniesError) -> None:
        if self._error is None:
            self._error = err
        for future in self._pending.values():
            if not future.done():
                future.set_exception(err)
        self._pending.clear()
        self._assignments.put_nowait(None)
        self._revoked.put_nowait(None)

    async def assignments(self) -> AsyncIterator[Process]:
        """Processes assigned to this executor, as they come."""
        while True:
            process = await self._assignments.get()
            if process is None:
                if isinstance(self._error, SessionClosed) and self._error.message.endswith(
                    "closed"
                ):
                    return
                raise self._error or SessionClosed("session ended")
            yield process

    async def next_assignment(self, timeout: float | None = None) -> Process | None:
        try:
            process = await asyncio.wait_for(self._assignments.get(), timeout)
        except asyncio.TimeoutError:
            return None
        if process is None:
            raise self._error or SessionClosed("session ended")
        return process

    async def revoked(self) -> AsyncIterator[str]:
        while True:
            pid = await self._revoked.get()
            if pid is None:
                return
            yield pid

    # Each call returns once the server has acknowledged it (or raises).

    async def close(self, process: Any, output: Sequence[Any] | None = None) -> None:
        await self._send(pb.SessionRequest(close=compat.close(process, output, None)))

    async def fail(self, process: Any, errors_: Sequence[str] = ()) -> None:
        await self._send(pb.SessionRequest(fail=compat.fail(process, errors_, None)))

    async def log(self, process: Any, message: str) -> None:
        await self._send(pb.SessionRequest(log=compat.add_log(process, message, None)))

    async def set_output(self, process: Any, output: Sequence[Any]) -> None:
        await self._send(pb.SessionRequest(set_output=compat.set_output(process, output, None)))

    async def heartbeat(self, process: Any) -> None:
        await self._send(pb.SessionRequest(heartbeat=compat.heartbeat(process, None)))

    async def release(self, process: Any) -> None:
        await self._send(pb.SessionRequest(release=compat.release(process, None)))
