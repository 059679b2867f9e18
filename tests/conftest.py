"""Shared fixtures: real servers on port 0, real stores, real clients."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator

import pytest

from pycolonies_like.client import Colonies
from pycolonies_like.core.clock import ManualClock
from pycolonies_like.core.models import Conditions, FuncSpec
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.s3 import S3Endpoint, moto_server

_names = itertools.count()


def unique(prefix: str = "c") -> str:
    return f"{prefix}{os.getpid()}-{next(_names)}"


def spec(
    colonyname: str, funcname: str = "work", executortype: str = "test-executor", **kw
) -> FuncSpec:  # type: ignore[no-untyped-def]
    return FuncSpec(
        funcname=funcname,
        conditions=Conditions(colonyname=colonyname, executortype=executortype),
        **kw,
    )


PG_URL = os.environ.get("COLONIES_TEST_PG", "")


def need_pg() -> str:
    """The PostgreSQL test URL, or skip (fail when COLONIES_REQUIRE_PG is set)."""
    if not PG_URL:
        if os.environ.get("COLONIES_REQUIRE_PG"):
            pytest.fail("COLONIES_REQUIRE_PG is set but COLONIES_TEST_PG is not")
        pytest.skip("set COLONIES_TEST_PG=postgresql://... to run the PostgreSQL tests")
    return PG_URL


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest) -> Iterator[ThreadedServer]:
    """A server on each store: the API tests run against both."""
    if request.param == "sqlite":
        with ThreadedServer() as srv:
            yield srv
        return
    from tests.pg import database

    with database(need_pg()) as url, ThreadedServer(db_url=url) as srv:
        yield srv


@pytest.fixture
def client(server: ThreadedServer) -> Colonies:
    return server.client()


@pytest.fixture
def colony(server: ThreadedServer, client: Colonies) -> ColonyKeys:
    """A fresh colony with two approved executors and a user."""
    return bootstrap(client, server.server_key, colonyname=unique(), executors=2)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(time.time_ns())


@pytest.fixture
def clocked(clock: ManualClock) -> Iterator[ThreadedServer]:
    """A server whose time only moves when the test says so; its background
    loops are slowed down so that tests run each pass themselves."""
    with ThreadedServer(
        clock=clock,
        signature_window_s=10**9,
        sweep_interval_s=3600,
        cron_interval_s=3600,
        generator_interval_s=3600,
        retention_interval_s=3600,
        ready_interval_s=3600,
        cleanup_interval_s=3600,
    ) as srv:
        yield srv


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Endpoint]:
    """An S3-compatible server (moto) on a free port of 127.0.0.1."""
    pytest.importorskip("moto.server")
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_env(s3: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> S3Endpoint:
    """The AWS_S3_* variables set for the test, as clients read them."""
    for key, value in s3.env().items():
        monkeypatch.setenv(key, value)
    return s3


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line for the PostgreSQL tests skipped for want of a database, not one each."""
    skipped = terminalreporter.stats.get("skipped", [])
    pg = [r for r in skipped if "COLONIES_TEST_PG" in str(getattr(r, "longrepr", ""))]
    if pg:
        terminalreporter.write_line(
            f"{len(pg)} PostgreSQL tests skipped: set "
            "COLONIES_TEST_PG=postgresql://USER@HOST:PORT/DB to run them (README: Development)"
        )
