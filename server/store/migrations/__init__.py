"""Versioned schema migrations, one directory per SQL dialect.

Files are named NNNN_name.sql and applied in order, each in a transaction,
and recorded in the schema_migrations table.
"""

from __future__ import annotations

from importlib import resources


def load_migrations(dialect: str) -> list[tuple[int, str, str]]:
    folder = resources.files(__package__).joinpath(dialect)
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if not name.endswith(".sql"):
            continue
        number, _, rest = name[:-4].partition("_")
        found.append((int(number), rest, entry.read_text(encoding="utf-8")))
    return sorted(found)
