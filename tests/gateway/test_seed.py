"""The tutorial's programs (seed 003) with the real pycolonies import, against
the HTTP gateway.

The tutorial was written for an older pycolonies; with pycolonies 1.0.25 it
fails against any server, so tests/gateway/seed/ changes what 1.0.25 needs:
`colonies.submit` is `submit_func_spec` there, and its Process is a pydantic
model, read as `process.processid` rather than `process["processid"]` (our
SDK accepts both spellings, see tests/sdk/seed/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.testing import ThreadedServer, bootstrap
from tests.conftest import unique
from tests.sdk.test_seed_examples import run_seed, seed_env

pytest.importorskip("pycolonies")


def test_the_seed_programs_with_pycolonies(gw: ThreadedServer) -> None:
    client = gw.client()
    keys = bootstrap(client, gw.server_key, colonyname=unique(), executors=0)
    run_seed(Path(__file__).parent / "seed", seed_env(keys, gw.http_port), client, keys)
