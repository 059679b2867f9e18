"""`updateexecutormsg` on the ColonyOS API: an executor reports its capabilities anew."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pycolonies_like.crypto import id_of
from server.testing import ThreadedServer
from tests.gateway.conftest import COLONY_KEY, EXECUTOR_KEY, SERVER_KEY
from tests.gateway.test_bad_input import post

COLONY, NAME = "updates", "worker"


@pytest.fixture(scope="module")
def gw() -> Iterator[ThreadedServer]:
    with ThreadedServer(http=True, server_key=SERVER_KEY) as srv:
        client = srv.client()
        client.add_colony({"colonyid": id_of(COLONY_KEY), "name": COLONY}, srv.server_key)
        client.add_executor({"executorid": id_of(EXECUTOR_KEY), "executortype": "t",
                             "executorname": NAME, "colonyname": COLONY,
                             "capabilities": {"hardware": [{"cpu": "1000m"}]}},
                            COLONY_KEY)  # fmt: skip
        client.approve_executor(COLONY, NAME, COLONY_KEY)
        yield srv


def test_an_executor_updates_its_capabilities(gw: ThreadedServer) -> None:
    caps = {"hardware": [{"cpu": "8000m", "mem": "32Gi", "gpu": {"name": "a100", "count": 2}}],
            "software": [{"name": "python", "type": "runtime", "version": "3.11"}]}  # fmt: skip
    status, reply = post(gw, "updateexecutormsg",
                         {"colonyname": COLONY, "executorname": NAME, "capabilities": caps},
                         EXECUTOR_KEY)  # fmt: skip
    assert (status, reply) == (200, {})
    status, executor = post(gw, "getexecutormsg", {"colonyname": COLONY, "executorname": NAME},
                            EXECUTOR_KEY)  # fmt: skip
    hw = executor["capabilities"]["hardware"][0]
    assert (hw["cpu"], hw["mem"], hw["gpu"]["count"]) == ("8000m", "32Gi", 2)
    assert executor["capabilities"]["software"][0]["name"] == "python"


@pytest.mark.parametrize(
    ("msg", "key", "status", "words"),
    [({"capabilities": {"hardware": [{"cpu": "fast"}]}}, EXECUTOR_KEY, 400, "cpu"),
     ({"capabilities": "lots"}, EXECUTOR_KEY, 400, "capabilities must be a JSON object"),
     ({"capabilities": {}}, COLONY_KEY, 403, "only executor 'worker' may update itself")],
)  # fmt: skip
def test_refusals(gw: ThreadedServer, msg: dict[str, object], key: str, status: int,
                  words: str) -> None:  # fmt: skip
    got, error = post(gw, "updateexecutormsg",
                      {"colonyname": COLONY, "executorname": NAME, **msg}, key)  # fmt: skip
    assert got == status and words in error["message"], error
