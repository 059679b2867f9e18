"""Shared parts of the property-based hostile-input suites (tests/gateway/
test_hostile_input.py, tests/server/test_hostile_grpc.py): hostile JSON values,
a watch on the server's log, and a fingerprint of everything the store keeps."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from server.testing import ThreadedServer

# Reproducible, no example database, no time limit per example (a server answers).
SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                              HealthCheck.data_too_large],
}  # fmt: skip


# The server under test runs in a thread of the test's own process, and its
# retries and jitter use the `random` module while an example is drawn:
# hypothesis takes that for a strategy using `random` and warns now and then.
SERVER_USES_RANDOM = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies"
    ":hypothesis.errors.HypothesisDeprecationWarning"
)


def suite(max_examples: int) -> Any:
    return settings(max_examples=max_examples, **SETTINGS)  # type: ignore[arg-type]


DEEP = "__deep__"  # replaced in the JSON text by a nesting deeper than any parser allows

HUGE_INTS = st.sampled_from(
    [2**31, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 2**200, -(2**200), 10**400]
)
ODD_TEXT = st.sampled_from(
    ["", " ", "\x00", "\ud800", "💥" * 30, "a" * 70_000, "../../etc/passwd", "null", "NaN",
     "0x10", "1e999", "-1", "'; DROP TABLE processes; --", "\u202e", "ÿ" * 5]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), HUGE_INTS,
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30), ODD_TEXT,
)  # fmt: skip
HOSTILE = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=4),
    st.dictionaries(st.text(max_size=8), SCALARS, max_size=4),
    st.just(DEEP),
    st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3), max_leaves=12),
)


def deepen(text: str, depth: int = 5_000) -> str:
    return text.replace(f'"{DEEP}"', "[" * depth + "]" * depth)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON value, as the keys that lead there."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from paths(item, (*prefix, i))


@st.composite
def mutated(draw: st.DrawFn, seed: Any, protected: frozenset[str] = frozenset()) -> Any:
    """`seed` (a JSON value, not changed) with one to three hostile changes: a value
    replaced, a key or an item removed, an unknown key added, a value nested deeper."""
    import copy

    value = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, 3))):
        places = [p for p in paths(value) if p and p[0] not in protected] or [()]
        where = draw(st.sampled_from(places))
        how = draw(st.sampled_from(["replace", "replace", "remove", "add", "nest"]))
        if not where:
            value = draw(HOSTILE)
            continue
        parent = value
        for key in where[:-1]:
            parent = parent[key]
        last = where[-1]
        if how == "replace":
            parent[last] = draw(HOSTILE)
        elif how == "remove":
            del parent[last]
        elif how == "nest":
            parent[last] = draw(st.sampled_from([[parent[last]], {"x": parent[last]}]))
        elif isinstance(parent[last], dict):
            parent[last][draw(st.text(max_size=12))] = draw(HOSTILE)
        else:
            parent[last] = draw(HOSTILE)
    return value


class LogWatch(logging.Handler):
    """Collects what the server logs as an error, or with a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.bad: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.bad.append(self.format(record) if record.exc_info else record.getMessage())

    def check(self) -> None:
        bad, self.bad = self.bad, []
        assert not bad, bad[0][-3000:]


@contextmanager
def watching_the_log() -> Iterator[LogWatch]:
    watch = LogWatch()
    root = logging.getLogger()
    root.addHandler(watch)
    try:
        yield watch
    finally:
        root.removeHandler(watch)


def fingerprint(srv: ThreadedServer) -> dict[str, str]:
    """A digest of every table of the (SQLite) store but the nonces, read on the
    server's loop through its own connection: changes not yet committed count."""

    async def digest() -> dict[str, str]:
        conn = srv.server.store._conn  # type: ignore[union-attr]
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT IN ('nonces', 'schema_migrations') AND name NOT LIKE 'sqlite_%'"
        )]  # fmt: skip
        out = {}
        for table in tables:
            h = hashlib.sha256()
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1"):
                h.update(repr(tuple(row)).encode())
            out[table] = h.hexdigest()
        return out

    result: dict[str, str] = srv.call(digest())
    return result
