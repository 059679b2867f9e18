"""`Colonies` and `AsyncColonies`: one API, blocking and as coroutines, over typed stubs."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

from pycolonies_like.aio import AsyncColonies
from pycolonies_like.client import Colonies
from pycolonies_like.proto import colonies_pb2 as pb
from pycolonies_like.proto import colonies_stubs

ROOT = Path(__file__).resolve().parents[2]
# subscribe_channel: pycolonies' callback form; AsyncColonies has `async for` (follow_channel).
BLOCKING_ONLY = {"follow_logs", "wait_workflow", "run_workflow", "find_process",
                 "subscribe_channel"}  # fmt: skip
ASYNC_ONLY = {"session"}


def public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


def test_both_clients_have_the_same_methods_with_the_same_arguments() -> None:
    shared = public(Colonies) - BLOCKING_ONLY
    assert shared == public(AsyncColonies) - ASYNC_ONLY
    for name in sorted(shared):
        blocking, asynchronous = getattr(Colonies, name), getattr(AsyncColonies, name)
        if not callable(blocking):
            assert blocking == asynchronous, name
            continue
        params = list(inspect.signature(blocking).parameters.values())
        async_params = list(inspect.signature(asynchronous).parameters.values())
        assert [(p.name, p.kind, p.default) for p in params] == [
            (p.name, p.kind, p.default) for p in async_params
        ], name
        if name in ("events", "follow_channel"):
            assert inspect.isasyncgenfunction(asynchronous)
        else:
            assert inspect.iscoroutinefunction(asynchronous), name


def test_both_clients_connect_alike() -> None:
    blocking = inspect.signature(Colonies.__init__).parameters
    asynchronous = inspect.signature(AsyncColonies.__init__).parameters
    assert [n for n in blocking if n != "native_crypto"] == list(asynchronous)


def test_the_stubs_have_every_rpc_and_are_what_the_generator_writes() -> None:
    service = pb.DESCRIPTOR.services_by_name["Colonies"]
    for method in service.methods:
        assert hasattr(colonies_stubs.ColoniesStub, method.name)
        assert hasattr(colonies_stubs.AsyncColoniesStub, method.name)
    spec = importlib.util.spec_from_file_location("gen_stubs", ROOT / "proto" / "gen_stubs.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    written = (ROOT / "pycolonies_like" / "proto" / "colonies_stubs.py").read_text()
    assert generator.render(pb) == written, "stale: run `make protos`"
