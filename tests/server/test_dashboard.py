"""The dashboard's login, sessions, authorization, actions and live stream, over HTTP."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pycolonies_like.core.clock import ManualClock
from pycolonies_like.core.models import ProcessState
from pycolonies_like.crypto import generate_private_key
from pycolonies_like.signing import login_query
from server.testing import ThreadedServer, bootstrap
from tests.conftest import need_pg, spec, unique


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web(request: pytest.FixtureRequest) -> Iterator[ThreadedServer]:
    if request.param == "sqlite":
        with ThreadedServer(http=True, history_interval_s=0) as srv:
            yield srv
        return
    from tests.pg import database

    with database(need_pg()) as url, ThreadedServer(http=True, db_url=url) as srv:
        yield srv


class Browser:
    """Keeps the session cookie, as a browser would."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""
        self.csrf = ""

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            all_headers = dict(headers or {})
            if self.cookie:
                all_headers["Cookie"] = self.cookie
            conn.request(method, path, headers=all_headers)
            reply = conn.getresponse()
            return reply.status, dict(reply.getheaders()), reply.read()
        finally:
            conn.close()

    def login(self, prvkey: str) -> str:
        query = login_query(prvkey)
        status, headers, _ = self.request("GET", "/ui/login?" + query)
        assert status == 303, status
        self.cookie = headers["Set-Cookie"].split(";")[0]
        me = self.json("GET", "/ui/api/me")
        self.csrf = me["csrf"]
        return query

    def json(self, method: str, path: str, *, csrf: bool = True, expect: int = 200) -> Any:
        headers = {"X-CSRF-Token": self.csrf} if csrf and method == "POST" else {}
        status, _, body = self.request(method, path, headers)
        assert status == expect, (status, body)
        return json.loads(body)


def test_a_login_link_opens_a_session_once(web: ThreadedServer) -> None:
    client = web.client()
    keys = bootstrap(client, web.server_key, colonyname=unique(), executors=1)
    browser = Browser(web.http_port)
    query = browser.login(keys.user_key)
    status, headers, _ = Browser(web.http_port).request(
        "GET", "/ui/login?" + login_query(keys.user_key)
    )
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/ui" in cookie
    assert "Max-Age=" in cookie
    me = browser.json("GET", "/ui/api/me")
    assert me["colonies"] == [keys.colonyname]

    # The same link again: refused (one-time).
    status, _, body = Browser(web.http_port).request("GET", "/ui/login?" + query)
    assert status == 401 and b"nonce was used already" in body


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("", b"not signed"),
        ("t=1&n=00112233445566778899aabbccddeeff&s=" + "00" * 65, b"away from the server clock"),
        ("t=abc&n=00112233445566778899aabbccddeeff&s=" + "00" * 65, b"Unix milliseconds"),
    ],
)
def test_bad_login_links_are_refused(web: ThreadedServer, query: str, why: bytes) -> None:
    status, headers, body = Browser(web.http_port).request("GET", "/ui/login?" + query)
    assert status == 401 and why in body
    assert "Set-Cookie" not in headers


def test_a_tampered_link_logs_in_nobody_useful(web: ThreadedServer) -> None:
    client = web.client()
    keys = bootstrap(client, web.server_key, colonyname=unique(), executors=1)
    query = login_query(keys.user_key)
    t, n, s = (part.split("=")[1] for part in query.split("&"))
    forged = f"t={t}&n={n}&s={s[:-4]}{'0' if s[-4] != '0' else '1'}{s[-3:]}"
    browser = Browser(web.http_port)
    status, headers, _ = browser.request("GET", "/ui/login?" + forged)
    if status == 303:  # a different signature recovers a different (unknown) identity
        browser.cookie = headers["Set-Cookie"].split(";")[0]
        assert browser.json("GET", "/ui/api/me")["colonies"] == []
        browser.json("GET", f"/ui/api/colonies/{keys.colonyname}/processes", expect=403)
    else:
        assert status == 401


def test_no_session_no_data(web: ThreadedServer) -> None:
    browser = Browser(web.http_port)
    for path in ("/ui/api/me", "/ui/api/colonies", "/ui/api/processes/x"):
        body = browser.json("GET", path, expect=401)
        assert "not logged in" in body["error"]
    browser.cookie = "colonies_session=made-up"
    browser.json("GET", "/ui/api/colonies", expect=401)
    status, _, body = browser.request("GET", "/ui/api/colonies/dev/events")
    assert status == 401
    # The page itself holds no data; it is served to anyone.
    status, headers, body = browser.request("GET", "/ui/")
    assert status == 200 and b"/ui/static/app.js" in body
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert browser.request("GET", "/ui/static/app.js")[0] == 200
    assert browser.request("GET", "/ui/static/..%2Fdashboard.py")[0] == 404


def test_a_stranger_sees_nothing_of_another_colony(web: ThreadedServer) -> None:
    client = web.client()
    keys = bootstrap(client, web.server_key, colonyname=unique(), executors=1)
    other = bootstrap(client, web.server_key, colonyname=unique(), executors=1)
    p = client.submit_func_spec(spec(keys.colonyname), keys.user_key)
    stranger = Browser(web.http_port)
    stranger.login(other.user_key)
    assert [c["name"] for c in stranger.json("GET", "/ui/api/colonies")] == [other.colonyname]
    c = keys.colonyname
    for path in (f"/ui/api/colonies/{c}/processes", f"/ui/api/colonies/{c}/executors",
                 f"/ui/api/colonies/{c}/workflows", f"/ui/api/colonies/{c}/schedules",
                 f"/ui/api/colonies/{c}/ratelimits", f"/ui/api/colonies/{c}/weights",
                 f"/ui/api/processes/{p.processid}"):  # fmt: skip
        assert "not a member" in stranger.json("GET", path, expect=403)["error"]
    assert stranger.request("GET", f"/ui/api/colonies/{c}/events")[0] == 403
    stranger.json("POST", f"/ui/api/processes/{p.processid}/cancel", expect=403)
    assert client.get_process(p.processid, keys.user_key).state == ProcessState.WAITING
    # A key that belongs to nobody sees no colony at all.
    nobody = Browser(web.http_port)
    nobody.login(generate_private_key())
    assert nobody.json("GET", "/ui/api/colonies") == []


def test_reads_and_actions_as_the_logged_in_identity(web: ThreadedServer) -> None:
    client = web.client()
    keys = bootstrap(client, web.server_key, colonyname=unique(), executors=1)
    c = keys.colonyname
    p = client.submit_func_spec(spec(c, label="nightly"), keys.user_key)
    user = Browser(web.http_port)
    user.login(keys.user_key)

    [colony] = user.json("GET", "/ui/api/colonies")
    assert colony["name"] == c and colony["stats"]["waitingprocesses"] == 1
    listed = user.json("GET", f"/ui/api/colonies/{c}/processes?state=0&label=nightly")
    assert [x["processid"] for x in listed] == [p.processid]
    assert user.json("GET", f"/ui/api/colonies/{c}/processes?state=0&label=other") == []
    prefix = p.processid[:6]
    assert len(user.json("GET", f"/ui/api/colonies/{c}/processes?prefix={prefix}")) == 1
    assert user.json("GET", f"/ui/api/colonies/{c}/processes?prefix=zz") == []
    bad_state = user.json("GET", f"/ui/api/colonies/{c}/processes?state=9", expect=400)
    assert bad_state["error"] == "unknown process state 9"
    assert user.json("GET", f"/ui/api/colonies/{c}/processes?count=x", expect=400)["error"] == (
        "count must be a whole number, got 'x'"
    )
    executors = user.json("GET", f"/ui/api/colonies/{c}/executors")
    assert [(e["executorname"], e["running"]) for e in executors] == [(keys.executor_names[0], 0)]
    client.add_rate_limit(c, "openai", 5, keys.colony_key, unit="minute", burst=2)
    [limit] = user.json("GET", f"/ui/api/colonies/{c}/ratelimits")
    assert limit == {"colonyname": c, "name": "openai", "rate": 5, "unit": "minute", "burst": 2,
                     "tokens": 2.0}  # fmt: skip
    assert user.json("GET", f"/ui/api/colonies/{c}/weights") == []
    client.set_fair_weight(c, name := keys.executor_names[0], 3, keys.colony_key)
    assert user.json("GET", f"/ui/api/colonies/{c}/weights") == [
        {"name": name, "kind": "executor", "weight": 3}]  # fmt: skip

    # Actions need the CSRF token.
    user.json("POST", f"/ui/api/processes/{p.processid}/cancel", csrf=False, expect=403)
    assert client.get_process(p.processid, keys.user_key).state == ProcessState.WAITING
    cancelled = user.json("POST", f"/ui/api/processes/{p.processid}/cancel")
    assert cancelled["state"] == ProcessState.CANCELLED
    detail = user.json("GET", f"/ui/api/processes/{p.processid}")
    assert detail["process"]["state"] == ProcessState.CANCELLED and detail["logs"] == []

    # A user may not approve executors; the colony owner may.
    name = keys.executor_names[0]
    path = f"/ui/api/colonies/{c}/executors/{name}/reject"
    assert "not the owner" in user.json("POST", path, expect=403)["error"]
    owner = Browser(web.http_port)
    owner.login(keys.colony_key)
    assert owner.json("POST", path)["state"] == 2
    assert owner.json("POST", path.replace("reject", "approve"))["state"] == 1

    # Logout ends the session.
    user.json("POST", "/ui/logout", csrf=False, expect=403)
    user.json("POST", "/ui/logout")
    user.json("GET", "/ui/api/me", expect=401)


def test_a_removed_user_loses_access_at_once(web: ThreadedServer) -> None:
    client = web.client()
    keys = bootstrap(client, web.server_key, colonyname=unique(), executors=1)
    user = Browser(web.http_port)
    user.login(keys.user_key)
    user.json("GET", f"/ui/api/colonies/{keys.colonyname}/processes")
    client.remove_user(keys.colonyname, "user", keys.colony_key)
    user.json("GET", f"/ui/api/colonies/{keys.colonyname}/processes", expect=403)
    assert user.json("GET", "/ui/api/colonies") == []


def test_workflow_graph_and_live_events(web: ThreadedServer) -> None:
    client = web.client()
    keys = bootstrap(client, web.server_key, colonyname=unique(), executors=1)
    c = keys.colonyname
    graph = client.submit_workflow(
        {"colonyname": c, "functionspecs": [
            {"nodename": "a", "funcname": "f", "conditions": {"colonyname": c,
             "executortype": keys.executortype}},
            {"nodename": "b", "funcname": "f", "conditions": {"colonyname": c,
             "executortype": keys.executortype, "dependencies": ["a"]}},
        ]},
        keys.user_key,
    )  # fmt: skip
    user = Browser(web.http_port)
    user.login(keys.user_key)
    g = user.json("GET", f"/ui/api/workflows/{graph.processgraphid}")
    assert sorted(n["data"]["label"] for n in g["nodes"]) == ["a", "b"]
    assert len(g["edges"]) == 1 and {n["state"] for n in g["nodes"]} == {0}
    listed = user.json("GET", f"/ui/api/colonies/{c}/workflows")
    assert [x["processgraphid"] for x in listed] == [graph.processgraphid]

    conn = http.client.HTTPConnection("127.0.0.1", web.http_port, timeout=10)
    try:
        conn.request("GET", f"/ui/api/colonies/{c}/events", headers={"Cookie": user.cookie})
        reply = conn.getresponse()
        assert reply.status == 200 and reply.getheader("Content-Type") == "text/event-stream"
        assert reply.readline() == b": subscribed\n"
        first = client.assign(c, 5, keys.executor_key)
        client.close(first.processid, [], keys.executor_key)
        seen: dict[str, int] = {}
        deadline = time.monotonic() + 10
        while seen.get(first.processid) != ProcessState.SUCCESSFUL:
            assert time.monotonic() < deadline
            line = reply.readline()
            if line.startswith(b"data: "):
                for event in json.loads(line[6:]):
                    seen[event["processid"]] = event["state"]
    finally:
        conn.close()


def test_sessions_expire() -> None:
    clock = ManualClock(time.time_ns())
    with ThreadedServer(http=True, clock=clock, history_interval_s=0) as srv:
        keys = bootstrap(srv.client(), srv.server_key, colonyname=unique(), executors=1)
        user = Browser(srv.http_port)
        user.login(keys.user_key)
        user.json("GET", "/ui/api/colonies")
        clock.advance(8 * 3600 + 1)
        assert "expired" in user.json("GET", "/ui/api/colonies", expect=401)["error"]
        user.json("GET", "/ui/api/colonies", expect=401)


def test_the_dashboard_can_be_turned_off() -> None:
    with ThreadedServer(http=True, dashboard=False) as srv:
        assert Browser(srv.http_port).request("GET", "/ui/")[0] == 404
        assert Browser(srv.http_port).request("GET", "/metrics")[0] == 200


def test_rerun_submits_the_spec_again_as_the_logged_in_identity(web: ThreadedServer) -> None:
    client = web.client()
    keys = bootstrap(client, web.server_key, colonyname=unique(), executors=1)
    c = keys.colonyname
    s = spec(
        c,
        args=[1, 2],
        env={"TRACEPARENT": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "MODE": "x"},
    )
    p = client.submit_func_spec(s, keys.user_key)
    client.close(client.assign(c, 5, keys.executor_key).processid, [3], keys.executor_key)
    user = Browser(web.http_port)
    user.login(keys.user_key)
    copy = user.json("POST", f"/ui/api/processes/{p.processid}/rerun")
    assert copy["processid"] != p.processid and copy["state"] == ProcessState.WAITING
    again = client.get_process(copy["processid"], keys.user_key)
    assert again.spec.args == [1, 2] and again.spec.env == {"MODE": "x"}
    assert again.initiatorname == "user"
    # The colony owner may read but not submit: the same rule as the API.
    owner = Browser(web.http_port)
    owner.login(keys.colony_key)
    assert (
        "cannot submit work"
        in owner.json("POST", f"/ui/api/processes/{p.processid}/rerun", expect=403)["error"]
    )
    graph = client.submit_workflow(
        {"colonyname": c, "functionspecs": [{"nodename": "a", "funcname": "f", "conditions": {
            "colonyname": c, "executortype": keys.executortype}}]}, keys.user_key)  # fmt: skip
    member = client.get_processes_for_workflow(graph.processgraphid, c, keys.user_key)[0]
    error = user.json("POST", f"/ui/api/processes/{member.processid}/rerun", expect=400)["error"]
    assert error == "a process of a workflow cannot be rerun alone; submit the workflow again"


@pytest.mark.parametrize("how", ["logout", "removed"])
def test_the_live_stream_ends_with_the_session_or_the_access(web: ThreadedServer, how: str) -> None:
    client = web.client()
    keys = bootstrap(client, web.server_key, colonyname=unique(), executors=1)
    user = Browser(web.http_port)
    user.login(keys.user_key)
    dashboard = web.server.dashboard
    dashboard.keepalive_s = 0.2
    conn = http.client.HTTPConnection("127.0.0.1", web.http_port, timeout=10)
    try:
        conn.request("GET", f"/ui/api/colonies/{keys.colonyname}/events",
                     headers={"Cookie": user.cookie})  # fmt: skip
        reply = conn.getresponse()
        assert reply.readline() == b": subscribed\n"
        if how == "logout":
            user.json("POST", "/ui/logout")
        else:
            client.remove_user(keys.colonyname, "user", keys.colony_key)
        started = time.monotonic()
        rest = reply.read()  # returns once the server ends the stream
        assert time.monotonic() - started < 5
        assert b"data:" not in rest
    finally:
        conn.close()
        dashboard.keepalive_s = 15.0


def test_a_session_works_on_every_server_of_the_database() -> None:
    """Sessions live in the database: a second server (or worker) knows them."""
    from tests.pg import database

    with database(need_pg()) as url, ThreadedServer(http=True, db_url=url) as one, \
            ThreadedServer(http=True, db_url=url, server_key=one.server_key) as two:  # fmt: skip
        keys = bootstrap(one.client(), one.server_key, colonyname=unique(), executors=1)
        user = Browser(one.http_port)
        user.login(keys.user_key)
        elsewhere = Browser(two.http_port)
        elsewhere.cookie, elsewhere.csrf = user.cookie, user.csrf
        assert elsewhere.json("GET", "/ui/api/me")["colonies"] == [keys.colonyname]
        elsewhere.json("POST", "/ui/logout")
        user.json("GET", "/ui/api/me", expect=401)
