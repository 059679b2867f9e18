"""The SQLite data directory and database are private to the server's user."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from server.store.sqlite import SqliteStore


async def test_an_existing_open_data_directory_is_made_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    store = SqliteStore(str(data / "colonies.db"))
    await store.open()
    try:
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        assert stat.S_IMODE((data / "colonies.db").stat().st_mode) == 0o600
    finally:
        await store.close()


async def test_a_new_data_directory_is_private(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "new" / "deeper" / "colonies.db"))
    await store.open()
    try:
        assert stat.S_IMODE((tmp_path / "new" / "deeper").stat().st_mode) == 0o700
    finally:
        await store.close()
