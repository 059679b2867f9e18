"""Missing or wrong settings are named: no key in the environment, a PostgreSQL
URL that the database refuses."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from pycolonies_like import Conditions, FuncSpec, InvalidArgument, colonies_client
from tests.conftest import need_pg

COLONIES = [sys.executable, "-m", "pycolonies_like.cli.main"]


def test_colonies_client_without_a_key_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(os.environ):
        if name.startswith("COLONIES_"):
            monkeypatch.delenv(name)
    colonies, _colonyname, colony_prvkey, _executorname, prvkey = colonies_client()
    spec = FuncSpec(funcname="f", conditions=Conditions(colonyname="c", executortype="t"))
    with colonies:
        with pytest.raises(InvalidArgument, match="COLONIES_PRVKEY") as err:
            colonies.submit_func_spec(spec, prvkey)
        assert "empty" in str(err.value)
        with pytest.raises(InvalidArgument, match="COLONIES_COLONY_PRVKEY"):
            colonies.list_executors("c", colony_prvkey)


@pytest.mark.parametrize(
    ("database", "user", "said"),
    [("colonies_no_such_db", None, 'database "colonies_no_such_db" does not exist'),
     (None, "colonies_no_such_role", 'role "colonies_no_such_role" does not exist')],
)  # fmt: skip
def test_a_database_that_refuses_fails_at_once_in_its_own_words(
    tmp_path: Path, database: str | None, user: str | None, said: str
) -> None:
    parts = urlsplit(need_pg())
    netloc = parts.netloc if user is None else f"{user}@{parts.netloc.rpartition('@')[2]}"
    path = parts.path if database is None else "/" + database
    url = urlunsplit((parts.scheme, netloc, path, parts.query, parts.fragment))
    started = time.monotonic()
    result = subprocess.run([*COLONIES, "server", "start", "--port", "0", "--db", url],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 1
    assert time.monotonic() - started < 8  # not the pool's 10 s wait
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: cannot connect to PostgreSQL: ") and said in last, last
    assert "Traceback" not in result.stderr and "pool initialization" not in result.stderr
