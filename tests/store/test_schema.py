"""The SQLite and PostgreSQL migrations build the same schema: the same tables,
columns (name, normalised type, nullability, default), primary keys, unique
constraints, foreign keys and indexes (name, columns, uniqueness, predicate)."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import fields

import psycopg
from psycopg.rows import dict_row

from server.store.postgres import PostgresStore
from server.store.sqlite import SqliteStore
from tests.conftest import need_pg
from tests.pg import temporary_database
from tests.store.schema import Table, postgres_schema, sqlite_schema

# Differences on purpose, and why. Anything else fails the test.
EXPECTED = {
    # The queue's key is ordered for each dialect's claim: SQLite takes the
    # head of the (type, '') and (type, name) ranges with one lookup each;
    # PostgreSQL reads both names in claim order with FOR UPDATE SKIP LOCKED.
    ("queue", "primary_key"),
    # SQLite lets the TEXT PRIMARY KEY of a rowid table hold NULL (a documented
    # quirk); PostgreSQL's never can. The store always writes ids. Adding NOT
    # NULL in SQLite would mean rebuilding these tables, processes included.
    ("attributes", "columns.attributeid"),
    ("crons", "columns.cronid"),
    ("functions", "columns.functionid"),
    ("generators", "columns.generatorid"),
    ("processes", "columns.processid"),
    ("processgraphs", "columns.processgraphid"),
}


def differences(a: dict[str, Table], b: dict[str, Table]) -> set[tuple[str, str]]:
    found = {(name, "table") for name in set(a) ^ set(b)}
    for name in set(a) & set(b):
        for aspect in (f.name for f in fields(Table)):
            x, y = getattr(a[name], aspect), getattr(b[name], aspect)
            if isinstance(x, dict):
                found |= {(name, f"{aspect}.{k}") for k in set(x) | set(y) if x.get(k) != y.get(k)}
            elif x != y:
                found.add((name, aspect))
    return found


async def schemas() -> tuple[dict[str, Table], dict[str, Table]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "colonies.db")
        store = SqliteStore(path)
        await store.open()
        await store.close()
        with sqlite3.connect(path) as db:
            lite = sqlite_schema(db)
    async with temporary_database(need_pg()) as url:
        pg_store = PostgresStore(url)
        await pg_store.open()
        await pg_store.close()
        with psycopg.connect(url, row_factory=dict_row) as conn:
            pg = postgres_schema(conn)
    return lite, pg


async def test_both_migrations_build_the_same_schema() -> None:
    lite, pg = await schemas()
    assert len(lite) >= 12 and "processes" in lite  # the comparison is not vacuous
    assert len(lite["processes"].indexes) >= 11
    assert differences(lite, pg) == EXPECTED


async def test_the_expected_differences_are_only_what_they_say() -> None:
    lite, pg = await schemas()
    assert set(lite["queue"].primary_key) == set(pg["queue"].primary_key)
    for table, aspect in EXPECTED - {("queue", "primary_key")}:
        column = aspect.split(".", 1)[1]
        assert lite[table].primary_key == pg[table].primary_key == (column,)
        type_, notnull, default = lite[table].columns[column]
        assert (type_, True, default) == pg[table].columns[column] and not notnull
