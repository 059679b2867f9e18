#!/opt/colonies/bin/python
"""The image's health check: is the server in this container serving?

It asks the server's own gRPC health service, at the address the server was
configured with. Rather than assume the default port and no TLS, it reads the
server's command line and environment from /proc and resolves them exactly as
`colonies server start` does (its flags, then COLONIES_* variables, then the
defaults), so `--port`, `--tls-cert`, COLONIES_SERVER_PORT and COLONIES_TLSCERT
are all honoured. Exit 0: serving; 1: not.
"""

from __future__ import annotations

import os
import ssl
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

WILDCARDS = {"", "0.0.0.0", "::", "[::]"}
SYSTEM_CAS = "/etc/ssl/certs/ca-certificates.crt"


@dataclass(frozen=True)
class Target:
    address: str  # host:port to dial
    tls_cert: str | None  # the server's certificate (chain), when it serves TLS


def server_args(argv: Sequence[str]) -> list[str] | None:
    """The arguments after `server start` when argv runs the colonies server."""
    for i, arg in enumerate(argv):
        if Path(arg).name == "colonies" or arg == "pycolonies_like.cli.main":
            rest = list(argv[i + 1 :])
            for j in range(len(rest) - 1):  # global options may come first
                if rest[j : j + 2] == ["server", "start"]:
                    return rest[j + 2 :]
            return None
    return None


def find_server(proc: Path = Path("/proc")) -> tuple[list[str], dict[str, str]]:
    """The server's arguments and environment, from the first process running it."""
    pids = sorted(int(p.name) for p in proc.iterdir() if p.name.isdigit())
    for pid in pids:
        try:
            argv = (proc / str(pid) / "cmdline").read_bytes().split(b"\0")
            environ = (proc / str(pid) / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        args = server_args([a.decode(errors="replace") for a in argv if a])
        if args is not None:
            env = dict(e.decode(errors="replace").partition("=")[::2] for e in environ if e)
            return args, env
    raise LookupError("no `colonies server start` process in this container")


def resolve(args: Sequence[str], env: Mapping[str, str]) -> Target:
    """Where the server listens, from its flags and environment, as the server reads them."""
    import click

    from pycolonies_like.cli.main import cli
    from server.config import ServerSettings

    # Found by name, as the command line finds it: the command may live in any module.
    ctx = click.Context(cli)
    server = cli.get_command(ctx, "server")
    start = server.get_command(ctx, "start") if isinstance(server, click.Group) else None
    if start is None:
        raise LookupError("this `colonies` has no `server start` command")
    try:
        flags = start.make_context("start", list(args)).params
    except click.ClickException as err:
        raise LookupError(f"cannot read the server's flags: {err.format_message()}") from None
    settings = ServerSettings.from_env(
        env, host=flags.get("host"), port=flags.get("port"), tls_cert=flags.get("tls_cert")
    )
    host = "127.0.0.1" if settings.host in WILDCARDS else settings.host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return Target(f"{host}:{settings.port}", settings.tls_cert)


def certificate_name(path: str) -> str | None:
    """A DNS name the certificate is valid for (to check it against), if any."""
    try:
        decoded = ssl._ssl._test_decode_cert(path)  # type: ignore[attr-defined]
    except (AttributeError, OSError, ssl.SSLError):
        return None
    for kind, value in decoded.get("subjectAltName", ()):
        if kind == "DNS" and "*" not in value:
            return str(value)
    for rdn in decoded.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


def check(target: Target, timeout: float = 4.0) -> str | None:
    """None when the server reports SERVING, else why not."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    if target.tls_cert:
        # Trust the server's own certificate (self-signed ones included) and the
        # CAs a client here would trust.
        roots = Path(target.tls_cert).read_bytes()
        cas = os.environ.get("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", SYSTEM_CAS)
        if os.path.exists(cas):
            roots += b"\n" + Path(cas).read_bytes()
        options = []
        name = certificate_name(target.tls_cert)
        if name:
            options.append(("grpc.ssl_target_name_override", name))
        channel = grpc.secure_channel(
            target.address, grpc.ssl_channel_credentials(root_certificates=roots), options
        )
    else:
        channel = grpc.insecure_channel(target.address)
    try:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="colonies.v1.Colonies"), timeout=timeout
        )
    except grpc.RpcError as err:
        return f"{target.address} is not answering: {err.code().name}"
    finally:
        channel.close()
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        return f"{target.address} reports {status}"
    return None


def main() -> int:
    try:
        target = resolve(*find_server())
    except LookupError as err:
        print(f"unhealthy: {err}", file=sys.stderr)
        return 1
    problem = check(target)
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    print(f"serving on {target.address}{' (TLS)' if target.tls_cert else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
