"""A server with its ColonyOS HTTP gateway, driven by the published pycolonies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from server.testing import ThreadedServer

# The public test keys of the pycolonies project (and of the recorded exchanges).
SERVER_KEY = "fcc79953d8a751bf41db661592dc34d30004b1a651ffa0725b03ac227641499d"
COLONY_KEY = "ba949fa134981372d6da62b6a56f336ab4d843b22c02a4257dcf7d0d73097514"
EXECUTOR_KEY = "ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05"


@pytest.fixture(scope="module")
def gw() -> Iterator[ThreadedServer]:
    with ThreadedServer(http=True, server_key=SERVER_KEY) as srv:
        yield srv


@pytest.fixture
def py(gw: ThreadedServer):  # type: ignore[no-untyped-def]
    pycolonies = pytest.importorskip("pycolonies")
    return pycolonies.Colonies("127.0.0.1", gw.http_port)
