"""The schema a store's migrations built, read back from the database itself
and written the same way for SQLite and PostgreSQL, so the two can be compared."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Table:
    columns: dict[str, tuple[str, bool, str | None]] = field(default_factory=dict)
    """name -> (type, not null, default)"""
    primary_key: tuple[str, ...] = ()
    unique: set[tuple[str, ...]] = field(default_factory=set)
    foreign_keys: set[tuple[tuple[str, ...], str, tuple[str, ...], str]] = field(
        default_factory=set
    )
    """(columns, referenced table, referenced columns, on delete)"""
    indexes: dict[str, tuple[tuple[str, ...], bool, str]] = field(default_factory=dict)
    """name -> (columns, unique, predicate of a partial index or '')"""


_TYPES = {
    "integer": "integer", "bigint": "integer", "smallint": "integer",
    "text": "text",
    "real": "real", "double precision": "real",
    "blob": "bytes", "bytea": "bytes",
}  # fmt: skip
_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def normalise_type(name: str) -> str:
    return _TYPES[name.lower()]


def normalise_default(value: str | None) -> str | None:
    if value is None:
        return None
    if value.startswith("nextval("):
        return "autoincrement"
    return re.sub(r"::[a-z ]+$", "", value)


def normalise_predicate(sql: str) -> str:
    text = sql.lower().replace("!=", "<>")
    text = re.sub(r"::[a-z ]+", "", text)
    text = re.sub(r"'(-?\d+)'", r"\1", text)  # PostgreSQL quotes a negative number: '-1'::integer
    text = text.replace("(", "").replace(")", "")
    return " ".join(text.split())


def sqlite_schema(db: sqlite3.Connection) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for name, sql in db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall():
        t = tables[name] = Table()
        info = db.execute(f"PRAGMA table_info({name})").fetchall()
        pk = sorted((c[5], c[1]) for c in info if c[5])
        t.primary_key = tuple(c for _, c in pk)
        without_rowid = "WITHOUT ROWID" in sql.upper()
        for _cid, col, type_, notnull, default, in_pk in info:
            # A single INTEGER PRIMARY KEY is the rowid: never NULL. Other
            # primary key columns refuse NULL only in WITHOUT ROWID tables.
            rowid = len(pk) == 1 and in_pk and type_.upper() == "INTEGER"
            auto = rowid and "AUTOINCREMENT" in sql.upper()
            t.columns[col] = (
                normalise_type(type_),
                bool(notnull or rowid or (in_pk and without_rowid)),
                "autoincrement" if auto else normalise_default(default),
            )
        for fk in _group_fks(db.execute(f"PRAGMA foreign_key_list({name})").fetchall()):
            t.foreign_keys.add(fk)
        for _seq, index, unique, origin, partial in db.execute(
            f"PRAGMA index_list({name})"
        ).fetchall():
            cols = tuple(r[2] for r in db.execute(f"PRAGMA index_info({index})").fetchall())
            if origin == "pk":
                continue
            if origin == "u":
                t.unique.add(cols)
                continue
            predicate = ""
            if partial:
                (create,) = db.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (index,)
                ).fetchone()
                predicate = normalise_predicate(
                    re.split(r"\bWHERE\b", create, maxsplit=1, flags=re.I)[1]
                )
            t.indexes[index] = (cols, bool(unique), predicate)
    return tables


def _group_fks(found: list[Any]) -> list[tuple[tuple[str, ...], str, tuple[str, ...], str]]:
    by_id: dict[int, list[Any]] = {}
    for row in found:
        by_id.setdefault(row[0], []).append(row)
    fks = []
    for parts in by_id.values():
        parts.sort(key=lambda r: r[1])
        fks.append((tuple(r[3] for r in parts), parts[0][2], tuple(r[4] for r in parts),
                    parts[0][6]))  # fmt: skip
    return fks


PG_COLUMNS = """
SELECT table_name, column_name, data_type, is_nullable, column_default
FROM information_schema.columns WHERE table_schema = 'public'
"""
PG_CONSTRAINTS = """
SELECT c.conrelid::regclass::text AS tablename, c.contype,
       array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
             ORDER BY k.o) AS cols,
       c.confrelid::regclass::text AS reftable,
       array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n
             ORDER BY k.o) AS refcols,
       c.confdeltype
FROM pg_constraint c WHERE c.connamespace = 'public'::regnamespace AND c.contype IN ('p', 'u', 'f')
"""
PG_INDEXES = """
SELECT t.relname AS tablename, i.relname AS indexname, x.indisunique,
       array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n
             ORDER BY k.o) AS cols,
       pg_get_expr(x.indpred, x.indrelid) AS predicate
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relnamespace = 'public'::regnamespace
AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
"""


def postgres_schema(conn: Any) -> dict[str, Table]:
    """`conn`: a psycopg (sync) connection with dict rows."""
    tables: dict[str, Table] = {}
    for r in conn.execute(PG_COLUMNS).fetchall():
        t = tables.setdefault(r["table_name"], Table())
        t.columns[r["column_name"]] = (normalise_type(r["data_type"]), r["is_nullable"] == "NO",
                                       normalise_default(r["column_default"]))  # fmt: skip
    for r in conn.execute(PG_CONSTRAINTS).fetchall():
        t = tables[r["tablename"]]
        cols = tuple(r["cols"])
        if r["contype"] == "p":
            t.primary_key = cols
        elif r["contype"] == "u":
            t.unique.add(cols)
        else:
            t.foreign_keys.add((cols, r["reftable"], tuple(r["refcols"]),
                                _ACTIONS[r["confdeltype"]]))  # fmt: skip
    for r in conn.execute(PG_INDEXES).fetchall():
        predicate = normalise_predicate(r["predicate"]) if r["predicate"] else ""
        tables[r["tablename"]].indexes[r["indexname"]] = (tuple(r["cols"]), r["indisunique"],
                                                          predicate)  # fmt: skip
    return tables
