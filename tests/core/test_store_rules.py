"""Rules the store applies: the refusal of an unapproved executor, and the
deadline formula written as SQL (tests/store/test_deadline_sql.py runs it)."""

from __future__ import annotations

from pycolonies_like.core.errors import PermissionDenied
from pycolonies_like.core.rules import deadline_sql, executor_not_approved


def test_an_unapproved_executor_is_refused_by_name_and_colony() -> None:
    err = executor_not_approved("e1", "dev")
    assert isinstance(err, PermissionDenied)
    assert err.message == "Access denied, executor 'e1' is not an approved executor of colony 'dev'"


def test_the_sql_deadline_names_its_inputs() -> None:
    assert deadline_sql(":now", "maxexectime") == (
        "CASE WHEN maxexectime > 0 THEN :now + maxexectime * 1000000000 ELSE 0 END"
    )
