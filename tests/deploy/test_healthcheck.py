"""The image's health check finds the server and reads its settings as the server does."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from server.testing import ServerProcess
from tests.deploy.scripts import load

health = load("healthcheck")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["/opt/colonies/bin/python", "/opt/colonies/bin/colonies", "server", "start"], []),
        (["python", "-m", "pycolonies_like.cli.main", "server", "start", "--port", "0"],
         ["--port", "0"]),
        (["/opt/colonies/bin/colonies", "-v", "server", "start", "--host", "::"],
         ["--host", "::"]),
        (["/opt/colonies/bin/colonies", "executor", "start", "shell"], None),
        (["/bin/sh", "/usr/local/bin/docker-entrypoint", "server", "start"], None),
        (["/opt/colonies/bin/python", "/usr/local/bin/colonies-healthcheck"], None),
    ],
)  # fmt: skip
def test_server_args(argv: list[str], expected: list[str] | None) -> None:
    assert health.server_args(argv) == expected


def fake_process(proc: Path, pid: int, argv: list[str], env: dict[str, str]) -> None:
    (proc / str(pid)).mkdir(parents=True)
    (proc / str(pid) / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    (proc / str(pid) / "environ").write_bytes(
        b"\0".join(f"{k}={v}".encode() for k, v in env.items()) + b"\0"
    )


def test_find_server_reads_the_servers_arguments_and_environment(tmp_path: Path) -> None:
    fake_process(tmp_path, 1, ["/sbin/docker-init", "--", "docker-entrypoint"], {})
    fake_process(tmp_path, 7, ["/opt/colonies/bin/python", "/opt/colonies/bin/colonies",
                               "server", "start", "--port", "6000"],
                 {"COLONIES_SERVER_PORT": "5000", "COLONIES_TLSCERT": "/tls/c.pem"})  # fmt: skip
    fake_process(tmp_path, 9, ["/opt/colonies/bin/python", "/usr/local/bin/colonies-healthcheck"],
                 {"COLONIES_SERVER_PORT": "1"})  # fmt: skip
    (tmp_path / "self").mkdir()
    args, env = health.find_server(tmp_path)
    assert args == ["--port", "6000"]
    assert env == {"COLONIES_SERVER_PORT": "5000", "COLONIES_TLSCERT": "/tls/c.pem"}
    with pytest.raises(LookupError):
        health.find_server(tmp_path / "self")


@pytest.fixture
def cert(tmp_path: Path) -> tuple[str, str]:
    if not shutil.which("openssl"):
        pytest.skip("needs openssl")
    crt, key = tmp_path / "server.crt", tmp_path / "server.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(key), "-out", str(crt)],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(crt), str(key)


def test_resolve_follows_flags_then_variables_then_defaults(cert: tuple[str, str]) -> None:
    crt, _ = cert
    resolve = health.resolve
    assert resolve([], {}) == health.Target("127.0.0.1:50070", None)
    assert resolve(["--host", "0.0.0.0"], {"COLONIES_SERVER_PORT": "6001"}).address == (
        "127.0.0.1:6001"
    )
    assert resolve(["--port", "6002"], {"COLONIES_SERVER_PORT": "6001"}).address.endswith(":6002")
    assert resolve(["--host", "10.1.2.3"], {}).address == "10.1.2.3:50070"
    assert resolve(["--host", "::1"], {}).address == "[::1]:50070"
    assert resolve([], {"COLONIES_TLSCERT": crt}).tls_cert == crt
    assert resolve(["--tls-cert", crt], {}).tls_cert == crt
    with pytest.raises(LookupError):
        resolve(["--port", "many"], {})


def test_certificate_name(cert: tuple[str, str]) -> None:
    assert health.certificate_name(cert[0]) == "localhost"
    assert health.certificate_name("/nonexistent") is None


def test_check_asks_the_servers_health_service(tmp_path: Path, cert: tuple[str, str]) -> None:
    crt, key = cert
    with ServerProcess(str(tmp_path / "plain")) as plain:
        assert health.check(health.Target(f"127.0.0.1:{plain.port}", None)) is None
        port = plain.port
    assert "not answering" in str(health.check(health.Target(f"127.0.0.1:{port}", None), 2))
    with ServerProcess(str(tmp_path / "tls"), args=["--tls-cert", crt, "--tls-key", key]) as tls:
        assert health.check(health.Target(f"127.0.0.1:{tls.port}", crt)) is None
        assert health.check(health.Target(f"127.0.0.1:{tls.port}", None), 2) is not None
