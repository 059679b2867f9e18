"""A real S3-compatible server for tests: moto in server mode, on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class S3Endpoint:
    host: str
    port: int
    bucket: str = "colonies-test"
    accesskey: str = "testing"
    secretkey: str = "testing"
    region: str = "us-east-1"

    def env(self) -> dict[str, str]:
        """ColonyOS' (and pycolonies') AWS_S3_* variables for this endpoint."""
        return {
            "AWS_S3_ENDPOINT": f"{self.host}:{self.port}", "AWS_S3_ACCESSKEY": self.accesskey,
            "AWS_S3_SECRETKEY": self.secretkey, "AWS_S3_REGION": self.region,
            "AWS_S3_TLS": "false", "AWS_S3_SKIPVERIFY": "false", "AWS_S3_BUCKET": self.bucket,
        }  # fmt: skip


@contextmanager
def moto_server() -> Iterator[S3Endpoint]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield S3Endpoint(host, port)
    finally:
        server.stop()
