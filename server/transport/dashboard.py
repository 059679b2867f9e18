"""The web dashboard under /ui on the server's HTTP port.

Login without a private key in the browser: `colonies dashboard` signs a
one-time link with the user's key (pycolonies_like.signing.login_query). The
server checks it as it checks any call -- the signature recovers the
identity, the timestamp must be inside the signature window, the nonce must
be new -- and answers with an HttpOnly, SameSite=Strict session cookie bound
to that identity, with an expiry. Every dashboard request then calls the
services as that identity, so it sees and does only what the identity's key
could through the API (a removed executor or user loses access at once).
Actions (POST) also need the session's CSRF token in `X-CSRF-Token`.

Sessions are kept in the database (only a hash of their token), so every
server on it, and every worker of one, knows them; logout or expiry ends them.

Live updates: `/ui/api/colonies/{colony}/events` is a server-sent event
stream. Events are gathered for BATCH_S and sent as one message holding the
latest state of each process and workflow that changed, so a page watching a
workflow of thousands of nodes gets a few small messages a second at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import secrets
from importlib import resources
from typing import Any

from aiohttp import web

from pycolonies_like import signing, tracing
from pycolonies_like.core import errors
from pycolonies_like.core.models import EventKind, ProcessState
from server.auth import RequestVerifier
from server.metrics import StatisticsHistory
from server.service import Services
from server.service.sessions import Session
from server.transport import colonyos_json as cj
from server.transport.http_gateway.wire import status_of

log = logging.getLogger(__name__)

COOKIE = "colonies_session"
SESSION_S = 8 * 3600.0
BATCH_S = 0.25
KEEPALIVE_S = 15.0
STATIC = {
    "app.js": "text/javascript",
    "style.css": "text/css",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _static(name: str) -> bytes:
    return resources.files("server.transport").joinpath("dashboard_static", name).read_bytes()


def _error(err: errors.ColoniesError) -> web.Response:
    status = 401 if isinstance(err, errors.Unauthenticated) else status_of(err)
    return web.json_response({"error": err.message}, status=status, headers=SECURITY_HEADERS)


def _int(request: web.Request, name: str, default: int) -> int:
    text = request.query.get(name, "")
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise errors.InvalidArgument(f"{name} must be a whole number, got {text!r}") from None


def _state(request: web.Request) -> ProcessState:
    value = _int(request, "state", int(ProcessState.WAITING))
    try:
        return ProcessState(value)
    except ValueError:
        raise errors.InvalidArgument(f"unknown process state {value}") from None


class Dashboard:
    def __init__(self, server: Any) -> None:
        self.server = server
        self.services: Services = server.services
        self.verifier: RequestVerifier = server.verifier
        self.history: StatisticsHistory | None = server.history
        self.session_s = SESSION_S
        self.keepalive_s = KEEPALIVE_S

    def routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/ui", self.index)
        r.add_get("/ui/", self.index)
        r.add_get("/ui/static/{name}", self.static)
        r.add_get(signing.LOGIN_PATH, self.login)
        r.add_post("/ui/logout", self.api(self.logout, action=True))
        r.add_get("/ui/api/me", self.api(self.me))
        r.add_get("/ui/api/colonies", self.api(self.colonies))
        r.add_get("/ui/api/colonies/{colony}/executors", self.api(self.executors))
        r.add_get("/ui/api/colonies/{colony}/processes", self.api(self.processes))
        r.add_get("/ui/api/colonies/{colony}/workflows", self.api(self.workflows))
        r.add_get("/ui/api/colonies/{colony}/schedules", self.api(self.schedules))
        r.add_get("/ui/api/colonies/{colony}/ratelimits", self.api(self.ratelimits))
        r.add_get("/ui/api/colonies/{colony}/weights", self.api(self.weights))
        r.add_get("/ui/api/colonies/{colony}/events", self.events)
        r.add_get("/ui/api/processes/{id}", self.api(self.process))
        r.add_get("/ui/api/workflows/{id}", self.api(self.workflow))
        r.add_post("/ui/api/processes/{id}/cancel", self.api(self.cancel_process, action=True))
        r.add_post("/ui/api/processes/{id}/rerun", self.api(self.rerun_process, action=True))
        r.add_post("/ui/api/workflows/{id}/cancel", self.api(self.cancel_workflow, action=True))
        r.add_post(
            "/ui/api/colonies/{colony}/executors/{name}/{verdict:approve|reject}",
            self.api(self.judge_executor, action=True),
        )

    # ------------------------------------------------------------ pages --

    async def index(self, request: web.Request) -> web.Response:
        if request.path == "/ui":
            raise web.HTTPFound("/ui/")
        return web.Response(
            body=_static("index.html"), content_type="text/html", headers=SECURITY_HEADERS
        )

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound()
        return web.Response(body=_static(name), content_type=STATIC[name], headers=SECURITY_HEADERS)

    # ---------------------------------------------------------- sessions --

    async def login(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            identity = await self.verifier.verify(
                signing.LOGIN_TAG, signing.LOGIN_PATH, q.get("t"), q.get("n"), q.get("s"), b""
            )
        except errors.ColoniesError as err:
            text = (
                f"This login link cannot be used: {err.message}. "
                "Ask `colonies dashboard` for a new one.\n"
            )
            return web.Response(status=401, text=text, headers=SECURITY_HEADERS)
        try:
            token, _ = await self.services.sessions.open(identity, self.session_s)
            await self.services.durable()
        except errors.ColoniesError as err:
            return web.Response(status=status_of(err), text=f"{err.message}\n")
        response = web.HTTPSeeOther("/ui/", headers=SECURITY_HEADERS)
        response.set_cookie(
            COOKIE, token, max_age=int(self.session_s), path="/ui", httponly=True,
            samesite="Strict", secure=request.secure,
        )  # fmt: skip
        log.info("dashboard login by %s...", identity[:12])
        raise response

    async def session(self, request: web.Request, *, action: bool = False) -> tuple[str, Session]:
        token = request.cookies.get(COOKIE, "")
        s = await self.services.sessions.get(token)
        if action and not secrets.compare_digest(request.headers.get("X-CSRF-Token", ""), s.csrf):
            raise errors.PermissionDenied("missing or wrong X-CSRF-Token")
        return token, s

    def api(self, handler: Any, *, action: bool = False) -> Any:
        async def handle(request: web.Request) -> web.Response:
            try:
                token, s = await self.session(request, action=action)
                result = await handler(request, s.identity, token)
                await self.services.durable()
            except errors.ColoniesError as err:
                return _error(err)
            except Exception:
                log.exception("unexpected error in %s", request.path)
                return web.json_response(
                    {"error": "internal server error"}, status=500, headers=SECURITY_HEADERS
                )
            return web.json_response(result, headers=SECURITY_HEADERS)

        return handle

    async def logout(self, request: web.Request, caller: str, token: str) -> Any:
        await self.services.sessions.close(token)
        return {"loggedout": True}

    # ------------------------------------------------------------- reads --

    async def me(self, request: web.Request, caller: str, token: str) -> Any:
        colonies = await self.services.colonies.readable_colonies(caller)
        return {
            "id": caller,
            "csrf": (await self.services.sessions.get(token)).csrf,
            "colonies": [c.name for c in colonies],
        }

    async def colonies(self, request: web.Request, caller: str, token: str) -> Any:
        out = []
        for colony in await self.services.colonies.readable_colonies(caller):
            stats = await self.services.colonies.colony_statistics(caller, colony.name)
            history = self.history.of(colony.name) if self.history is not None else []
            out.append({"name": colony.name, "stats": cj.stats_json(stats), "history": history})
        return out

    async def executors(self, request: web.Request, caller: str, token: str) -> Any:
        colony = request.match_info["colony"]
        executors = await self.services.colonies.list_executors(caller, colony)
        running = await self.services.processes.list_processes(
            caller, colony, ProcessState.RUNNING, 1000
        )
        load: dict[str, int] = {}
        for p in running:
            load[p.assignedexecutorname] = load.get(p.assignedexecutorname, 0) + 1
        return [{**cj.executor_json(e), "running": load.get(e.executorname, 0)} for e in executors]

    async def processes(self, request: web.Request, caller: str, token: str) -> Any:
        colony = request.match_info["colony"]
        prefix = request.query.get("prefix", "").strip().lower()
        found = await self.services.processes.list_processes(
            caller, colony, _state(request), _int(request, "count", 100),
            executortype=request.query.get("executortype", ""),
            label=request.query.get("label", ""),
        )  # fmt: skip
        return [cj.process_json(p) for p in found if p.processid.startswith(prefix)]

    async def workflows(self, request: web.Request, caller: str, token: str) -> Any:
        colony = request.match_info["colony"]
        state = _state(request) if "state" in request.query else None
        graphs = await self.services.workflows.list_graphs(
            caller, colony, state, _int(request, "count", 100)
        )
        return [cj.graph_json(g) for g in graphs]

    async def schedules(self, request: web.Request, caller: str, token: str) -> Any:
        colony = request.match_info["colony"]
        crons = await self.services.schedules.list_crons(caller, colony, 100)
        generators = await self.services.schedules.list_generators(caller, colony, 100)
        return {
            "crons": [cj.cron_json(c) for c in crons],
            "generators": [cj.generator_json(g) for g in generators],
        }

    async def ratelimits(self, request: web.Request, caller: str, token: str) -> Any:
        """The colony's rate limits with the budget left now."""
        found = await self.services.ratelimits.list(caller, request.match_info["colony"])
        return [r.to_dict() for r in found]

    async def weights(self, request: web.Request, caller: str, token: str) -> Any:
        """The colony's fair-share weights other than the default."""
        found = await self.services.colonies.list_fair_weights(caller, request.match_info["colony"])
        return [w.to_dict() for w in found]

    async def process(self, request: web.Request, caller: str, token: str) -> Any:
        processid = request.match_info["id"]
        p = await self.services.processes.get_process(caller, processid)
        page = await self.services.logs.get_logs(caller, processid, 500, latest=True)
        return {
            "process": {**cj.process_json(p), "attempt": p.attempt},
            "logs": [cj.log_json(e) for e in page.entries],
            "more": page.more,
        }

    async def workflow(self, request: web.Request, caller: str, token: str) -> Any:
        graphid = request.match_info["id"]
        graph = await self.services.workflows.get_graph(caller, graphid)
        processes = await self.services.workflows.graph_processes(caller, graphid)
        out = cj.graph_json(graph, processes)
        states = {p.processid: int(p.state) for p in processes}
        for node in out["nodes"]:
            node["state"] = states[node["id"]]
        return out

    # ----------------------------------------------------------- actions --

    async def cancel_process(self, request: web.Request, caller: str, token: str) -> Any:
        p = await self.services.processes.cancel_process(caller, request.match_info["id"])
        return cj.process_json(p)

    async def rerun_process(self, request: web.Request, caller: str, token: str) -> Any:
        """Submits the process' spec again, as the logged-in identity (who must be
        allowed to submit), with a trace of its own."""
        p = await self.services.processes.get_process(caller, request.match_info["id"])
        if p.processgraphid:
            raise errors.InvalidArgument(
                "a process of a workflow cannot be rerun alone; submit the workflow again"
            )
        spec = copy.deepcopy(p.spec)
        for key in (tracing.TRACEPARENT, tracing.TRACESTATE):
            spec.env.pop(key, None)
        return cj.process_json(await self.services.processes.submit(caller, spec))

    async def cancel_workflow(self, request: web.Request, caller: str, token: str) -> Any:
        g = await self.services.workflows.cancel_graph(caller, request.match_info["id"])
        return cj.graph_json(g)

    async def judge_executor(self, request: web.Request, caller: str, token: str) -> Any:
        colony, name = request.match_info["colony"], request.match_info["name"]
        judge = (
            self.services.colonies.approve_executor
            if request.match_info["verdict"] == "approve"
            else self.services.colonies.reject_executor
        )
        return cj.executor_json(await judge(caller, colony, name))

    # -------------------------------------------------------- live events --

    async def events(self, request: web.Request) -> web.StreamResponse:
        colony = request.match_info["colony"]
        try:
            _, s = await self.session(request)
            stream = self.services.subscriptions.subscribe_events(s.identity, colony)
            first = await anext(stream)  # SUBSCRIBED, once the guard has let the caller in
        except errors.ColoniesError as err:
            return _error(err)
        assert first.kind == EventKind.SUBSCRIBED
        response = web.StreamResponse(
            headers={**SECURITY_HEADERS, "Content-Type": "text/event-stream"}
        )
        await response.prepare(request)
        pending: dict[str, dict[str, Any]] = {}
        flush: asyncio.Task[None] | None = None

        async def send_later() -> None:
            await asyncio.sleep(BATCH_S)
            batch = list(pending.values())
            pending.clear()
            await response.write(f"data: {json.dumps(batch)}\n\n".encode())

        async def pump() -> None:
            nonlocal flush
            async for event in stream:
                if event.processid:
                    key = event.processid
                elif event.processgraphid:
                    key = "graph:" + event.processgraphid
                else:
                    continue
                pending[key] = {
                    "kind": event.kind.name.lower(), "processid": event.processid,
                    "processgraphid": event.processgraphid, "state": int(event.state),
                }  # fmt: skip
                if flush is None or flush.done():
                    if flush is not None:
                        flush.result()  # a write that failed ends the stream
                    flush = asyncio.create_task(send_later())

        pumping = asyncio.create_task(pump())
        try:
            await response.write(b": subscribed\n\n")
            while not pumping.done():
                # A comment now and then: a page that went away shows up as a failed write.
                # The session and the identity's access are checked again each time: a
                # logout, an expiry or a removal ends the stream too.
                await asyncio.wait([pumping], timeout=self.keepalive_s)
                if not pumping.done():
                    await self.session(request)
                    await self.services.colonies.get_colony(s.identity, colony)
                    await response.write(b": ping\n\n")
            pumping.result()
        except (ConnectionError, errors.ColoniesError):
            pass  # the page went away, the server is stopping, or the stream fell behind
        finally:
            for task in (pumping, flush):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
            await stream.aclose()  # type: ignore[attr-defined]
        return response
