"""serve(), the server's main, run in this process."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
from pathlib import Path

from pycolonies_like.crypto import generate_private_key, id_of
from server.app import ColoniesServer, serve
from server.config import ServerSettings


def test_serve_freezes_what_start_up_made_and_stops_on_sigterm(tmp_path: Path) -> None:
    # Start-up objects (modules, descriptors) live as long as the server: frozen,
    # the collector's full passes skip them (a pass over them took tens of ms).
    settings = ServerSettings(
        server_id=id_of(generate_private_key()), port=0, data_dir=str(tmp_path)
    )
    before = gc.get_freeze_count()
    seen: list[tuple[int, int]] = []

    def ready(server: ColoniesServer) -> None:
        seen.append((gc.get_freeze_count(), server.port))
        os.kill(os.getpid(), signal.SIGTERM)  # serve() handles it: a graceful stop

    try:
        asyncio.run(asyncio.wait_for(serve(settings, ready), 30))
    finally:
        gc.unfreeze()
    assert len(seen) == 1
    frozen, port = seen[0]
    assert frozen > before and port > 0
