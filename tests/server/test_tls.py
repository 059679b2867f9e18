"""TLS on every listener: gRPC and the ColonyOS HTTP API, with one certificate;
the SDK, the CLI and an executor connect with TLS, and plaintext is refused."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pycolonies_like import Colonies, Unavailable
from pycolonies_like.crypto import Crypto
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.tls import self_signed

COLONIES = [sys.executable, "-m", "pycolonies_like.cli.main"]


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ThreadedServer, str]]:
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    with ThreadedServer(http=True, tls_cert=cert, tls_key=key) as srv:
        yield srv, cert


def secure_client(srv: ThreadedServer, cert: str) -> Colonies:
    return Colonies("localhost", srv.port, tls=True, root_certificates=Path(cert).read_bytes())


@pytest.fixture(scope="module")
def colony(tls: tuple[ThreadedServer, str]) -> ColonyKeys:
    srv, cert = tls
    return bootstrap(secure_client(srv, cert), srv.server_key, executors=1)


def test_grpc_speaks_tls_and_refuses_plaintext(
    tls: tuple[ThreadedServer, str], colony: ColonyKeys
) -> None:
    srv, cert = tls
    client = secure_client(srv, cert)
    assert client.get_colony(colony.colonyname, colony.user_key).name == colony.colonyname
    plain = Colonies("127.0.0.1", srv.port, timeout=5)
    with pytest.raises(Unavailable) as err:
        plain.get_colony(colony.colonyname, colony.user_key)
    assert err.value.message.startswith(f"cannot reach the server at 127.0.0.1:{srv.port}")
    plain.close_channel()
    client.close_channel()


def test_the_http_api_speaks_tls_and_refuses_plaintext(
    tls: tuple[ThreadedServer, str], colony: ColonyKeys
) -> None:
    srv, cert = tls
    context = ssl.create_default_context(cafile=cert)
    msg = {"msgtype": "getcolonymsg", "colonyname": colony.colonyname}
    payload = base64.b64encode(json.dumps(msg).encode()).decode()
    body = json.dumps({"payloadtype": "getcolonymsg", "payload": payload,
                       "signature": Crypto().sign(payload, colony.user_key)}).encode()  # fmt: skip
    request = urllib.request.Request(f"https://localhost:{srv.http_port}/api", data=body)
    with urllib.request.urlopen(request, timeout=10, context=context) as reply:
        assert reply.status == 200
        assert json.loads(base64.b64decode(json.loads(reply.read())["payload"]))["name"] == (
            colony.colonyname
        )
    with socket.create_connection(("127.0.0.1", srv.http_port), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        try:
            answer = sock.recv(100)
        except ConnectionResetError:
            answer = b""
    assert not answer.startswith(b"HTTP/")


def test_the_cli_and_an_executor_connect_with_tls(
    tls: tuple[ThreadedServer, str], colony: ColonyKeys
) -> None:
    srv, cert = tls
    env = {**os.environ, "COLONIES_SERVER_HOST": "localhost",
           "COLONIES_SERVER_PORT": str(srv.port), "COLONIES_SERVER_TLS": "true",
           "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": cert, "COLONIES_COLONY_NAME": colony.colonyname,
           "COLONIES_COLONY_PRVKEY": colony.colony_key, "COLONIES_PRVKEY": colony.user_key,
           "PYTHONUNBUFFERED": "1"}  # fmt: skip
    executor = subprocess.Popen([*COLONIES, "executor", "start", "helloworld"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        assert executor.stdout is not None
        line = executor.stdout.readline()
        assert "registered" in line, line
        result = subprocess.run(
            [*COLONIES, "function", "exec", "--func", "helloworld", "--targettype",
             "helloworld-executor", "--follow"],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "Hello from executor" in result.stdout
    finally:
        executor.send_signal(signal.SIGINT)
        executor.wait(20)
        if executor.stdout is not None:
            executor.stdout.close()


def test_the_colonyos_http_api_is_off_unless_asked_for() -> None:
    from server.config import ServerSettings

    assert ServerSettings.from_env({}).colonyos_api is False
    assert ServerSettings.from_env({"COLONIES_COLONYOS_API": "true"}).colonyos_api is True
    with ThreadedServer(http=True, colonyos_api=False) as srv:
        request = urllib.request.Request(f"http://127.0.0.1:{srv.http_port}/api", data=b"{}")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
        err.value.close()
        assert err.value.code == 404  # health, metrics and the dashboard only
