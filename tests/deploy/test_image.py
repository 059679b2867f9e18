"""The container image, checked in containers (`make image-test`).

The README's deployment commands run as written, with names and host ports of
their own (so that nothing collides with what else runs on the machine), and
what they promise is checked. Needs a Docker daemon and the built image, so the
tests are skipped unless COLONIES_IMAGE_TEST is set, as docker/image-test.sh
does; that script also removes whatever a failed test leaves behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pycolonies_like import Colonies
from server.testing import free_port

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
IMAGE = os.environ.get("COLONIES_IMAGE", "pycolonies-like")
PREFIX = os.environ.get("COLONIES_TEST_PREFIX", f"pcl-test-{os.getpid()}")
POSTGRES_IMAGE = os.environ.get("POSTGRES_IMAGE", "postgres:16")
PYTHON_IMAGE = os.environ.get("PYTHON_IMAGE", "python:3.11-slim")
STOP_LIMIT_S = 2.0

pytestmark = pytest.mark.skipif(
    not os.environ.get("COLONIES_IMAGE_TEST"),
    reason="needs a container engine and the image: make image-test",
)


def docker(*args: str, check: bool = True, timeout: float = 120) -> str:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check:
        assert result.returncode == 0, f"docker {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


def inspect(container: str, template: str) -> str:
    return docker("inspect", "-f", template, container)


def compose_command() -> str:
    v2 = subprocess.run(["docker", "compose", "version"], capture_output=True)
    return "docker compose" if v2.returncode == 0 else "docker-compose"


# ------------------------------------------------------------ README blocks --


def readme_block(name: str) -> str:
    found = re.search(rf"<!-- image-test: {name} -->\n```sh\n(.*?)```", README, re.S)
    assert found, f"README.md has no `image-test: {name}` block"
    return found.group(1)


@dataclass
class Script:
    """A README block with our own container/volume names and host ports."""

    text: str
    names: dict[str, str] = field(default_factory=dict)  # README's -> ours
    ports: dict[int, int] = field(default_factory=dict)  # README's host port -> ours

    @classmethod
    def of(cls, block: str) -> Script:
        script = cls(block)

        def rename(match: re.Match[str]) -> str:
            ours = script.names.setdefault(match.group(2), f"{PREFIX}-{match.group(2)}")
            return match.group(1) + ours

        def port(match: re.Match[str]) -> str:
            ours = script.ports.setdefault(int(match.group(1)), free_port())
            return f"127.0.0.1:{ours}:"

        text = re.sub(r"(--name )([\w.-]+)", rename, block)
        text = re.sub(r"(-v )([\w.-]+)(?=:/)", rename, text)  # named volumes, not bind mounts
        text = re.sub(r"127\.0\.0\.1:(\d+):", port, text)
        text = re.sub(r"(?<![\w/-])pycolonies-like(?![\w-])", IMAGE, text)
        script.text = text.replace("docker compose ", compose_command() + " ")
        return script

    def run(self, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> str:
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", self.text], cwd=cwd, capture_output=True,
            text=True, timeout=timeout, env={**os.environ, **(env or {})},
        )  # fmt: skip
        assert result.returncode == 0, f"{self.text}\n{result.stdout}\n{result.stderr}"
        return result.stdout + result.stderr


class Made:
    """Containers and volumes a test made, removed afterwards whatever happens."""

    def __init__(self) -> None:
        self.containers: list[str] = []
        self.volumes: list[str] = []
        self.networks: list[str] = []

    def add(self, script: Script) -> Script:
        for theirs, ours in script.names.items():
            (self.volumes if theirs.endswith("-data") else self.containers).append(ours)
        return script

    def remove(self) -> None:
        if self.containers:
            docker("rm", "-f", *self.containers, check=False)
        if self.networks:
            docker("network", "rm", *self.networks, check=False)
        if self.volumes:
            docker("volume", "rm", "-f", *self.volumes, check=False)


@pytest.fixture
def made() -> Iterator[Made]:
    made = Made()
    yield made
    made.remove()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("deploy")


def server_key(workdir: Path) -> str:
    text = (workdir / "server-key.txt").read_text()
    found = re.search(r"^Private key:\s*(\S+)", text, re.M)
    assert found, text
    return found.group(1)


def server_id(workdir: Path) -> str:
    found = re.search(r"^Id:\s*(\S+)", (workdir / "server-key.txt").read_text(), re.M)
    assert found
    return found.group(1)


def wait_healthy(container: str, timeout: float = 90) -> str:
    """Waits for the image's own health check to pass; returns its last output."""
    deadline = time.monotonic() + timeout
    while True:
        state = json.loads(inspect(container, "{{json .State}}"))
        health = state.get("Health") or {}
        if health.get("Status") == "healthy":
            return str(health["Log"][-1]["Output"])
        assert state["Running"], f"{container} stopped: {logs(container)}"
        assert health.get("Status") != "unhealthy", health
        assert time.monotonic() < deadline, f"{container} not healthy: {health}"
        time.sleep(0.5)


def logs(container: str) -> str:
    result = subprocess.run(["docker", "logs", container], capture_output=True, text=True)
    return result.stdout + result.stderr


def published(container: str, port: str) -> list[str]:
    return docker("port", container, port).splitlines()


# --------------------------------------------------------------------- tests --


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_image_is_built_as_promised() -> None:
    config = json.loads(docker("image", "inspect", "-f", "{{json .Config}}", IMAGE))
    assert config["User"] == "10001:10001"
    assert set(config["ExposedPorts"]) == {"50070/tcp"}
    assert "COLONIES_SERVER_HTTP_PORT=0" in config["Env"]
    assert config["Healthcheck"]["Test"] == ["CMD", "colonies-healthcheck"]
    assert config["Healthcheck"]["StartPeriod"] > 0
    assert not config.get("Volumes"), "a VOLUME leaves an anonymous volume per container"
    listing = docker(
        "run", "--rm", "--entrypoint", "sh", IMAGE, "-c",
        "grep colonies /etc/passwd /etc/group; ls /opt/colonies/bin; ls -A /etc/colonies/*; "
        "ls -d /wheels /var/lib/colonies/.bashrc 2>&1 || true",
    )  # fmt: skip
    assert "/etc/passwd:colonies:x:10001:10001::/nonexistent:/usr/sbin/nologin" in listing
    assert "/etc/group:colonies:x:10001:" in listing
    assert "pip" not in listing.split(), "the venv carries no pip"
    assert "No such file" in listing and ".bashrc" in listing  # no wheels, no dotfiles
    assert not re.search(r"\.prvkey|\.id\b", listing), "no key is baked into the image"
    installed = json.loads(docker(
        "run", "--rm", "--entrypoint", "python", IMAGE, "-c",
        "import importlib.metadata as m, json; "
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))",
    ))  # fmt: skip
    pins = dict(
        line.split("==") for line in (ROOT / "deploy" / "constraints.txt").read_text().split()
        if "==" in line
    )  # fmt: skip
    pins = {normalized(k): v for k, v in pins.items()}
    for name, version in installed.items():
        if normalized(name) != "pycolonies-like":
            assert pins.get(normalized(name)) == version, f"{name} {version} is not pinned"


def test_the_image_is_small() -> None:
    size = int(docker("image", "inspect", "-f", "{{.Size}}", IMAGE))
    base = int(docker("image", "inspect", "-f", "{{.Size}}", PYTHON_IMAGE))
    standin = docker(
        "image", "inspect", "-f", '{{index .Config.Labels "org.pycolonies-like.stand-in"}}',
        PYTHON_IMAGE,
    )  # fmt: skip
    print(
        f"image {size / 1e6:.0f} MB = base {base / 1e6:.0f} MB + ours {(size - base) / 1e6:.0f} MB"
    )
    assert size - base < 100e6
    if not standin:
        assert size < 250e6


def test_a_server_on_sqlite_runs_unprivileged_on_a_read_only_root(
    workdir: Path, made: Made
) -> None:
    script = made.add(Script.of(readme_block("sqlite")))
    script.run(workdir)
    name = script.names["colonies"]
    assert "serving on 127.0.0.1:50070" in wait_healthy(name)
    assert docker("exec", name, "id", "-u") == "10001"
    assert docker("exec", name, "id", "-g") == "10001"
    status = docker("exec", name, "cat", "/proc/1/status")
    for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert re.search(rf"^{cap}:\s+0+$", status, re.M), status
    assert "NoNewPrivs:\t1" in status
    assert inspect(name, "{{.HostConfig.ReadonlyRootfs}}") == "true"
    denied = subprocess.run(["docker", "exec", name, "touch", "/opt/colonies/x"],
                            capture_output=True, text=True)  # fmt: skip
    assert denied.returncode != 0 and "Read-only file system" in denied.stderr
    assert "colonies.db" in docker("exec", name, "ls", "/var/lib/colonies")
    port = script.ports[50070]
    assert published(name, "50070/tcp") == [f"127.0.0.1:{port}"]
    # Only the gRPC port: the ColonyOS HTTP API was not asked for.
    refused = docker("exec", name, "python", "-c",
                     "import socket; s = socket.socket(); print(s.connect_ex(('127.0.0.1', 50080)))")  # fmt: skip
    assert refused != "0"
    with Colonies("127.0.0.1", port) as client:
        assert client.server_info(server_key(workdir)).store == "sqlite"
    started = time.monotonic()
    docker("stop", name)
    assert time.monotonic() - started < STOP_LIMIT_S
    assert inspect(name, "{{.State.ExitCode}}") == "0"


def test_the_health_check_follows_the_port_and_tls(workdir: Path, made: Made) -> None:
    if not (workdir / "server-key.txt").exists():
        Script(readme_block("sqlite").splitlines()[0]).run(workdir)
    script = made.add(Script.of(readme_block("tls")))
    script.run(workdir, env={"SERVER_ID": server_id(workdir)})
    name = script.names["colonies-tls"]
    assert "serving on 127.0.0.1:50443 (TLS)" in wait_healthy(name)
    alive = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "colonies"), "--host", "localhost", "--port",
         str(script.ports[50443]), "--tls", "server", "alive"],
        capture_output=True, text=True, timeout=30,
        env={**os.environ, "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": str(workdir / "tls" / "server.crt")},
    )  # fmt: skip
    assert alive.returncode == 0 and "alive" in alive.stdout, alive.stderr


def test_the_colonyos_http_api_only_when_asked(workdir: Path, made: Made) -> None:
    if not (workdir / "server-key.txt").exists():
        Script(readme_block("sqlite").splitlines()[0]).run(workdir)
    script = made.add(Script.of(readme_block("http")))
    script.run(workdir, env={"SERVER_ID": server_id(workdir)})
    url = f"http://127.0.0.1:{script.ports[50080]}/health"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:
                assert reply.status == 200
                break
        except OSError:
            assert time.monotonic() < deadline, logs(script.names["colonies-http"])
            time.sleep(0.5)
    assert published(script.names["colonies-http"], "50080/tcp") == [
        f"127.0.0.1:{script.ports[50080]}"
    ]


# ------------------------------------------------------------------ Compose --


@dataclass
class Stack:
    dir: Path
    project: str
    env: dict[str, str]
    compose: list[str]

    def __call__(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(
            [*self.compose, "-f", "deploy/docker-compose.yml", *args], cwd=self.dir,
            capture_output=True, text=True, timeout=timeout, env={**os.environ, **self.env},
        )  # fmt: skip
        assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
        return result.stdout

    def containers(self) -> dict[str, str]:
        """service -> container name, of the stack's services (stopped ones too, not runs)."""
        ids = docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={self.project}",
                     "--filter", "label=com.docker.compose.oneoff=False")  # fmt: skip
        found = {}
        template = '{{index .Config.Labels "com.docker.compose.service"}} {{.Name}}'
        for line in docker("inspect", "-f", template, *ids.split()).splitlines():
            service, name = line.split()
            found[service] = name.lstrip("/")
        return found


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    (tmp_path / "deploy").mkdir()
    shutil.copy(ROOT / "deploy" / "docker-compose.yml", tmp_path / "deploy")
    project = f"{PREFIX}-compose"
    env = {"COMPOSE_PROJECT_NAME": project, "COLONIES_PUBLISH": f"127.0.0.1:{free_port()}",
           "POSTGRES_IMAGE": POSTGRES_IMAGE, "COLONIES_IMAGE": IMAGE}  # fmt: skip
    stack = Stack(tmp_path, project, env, compose_command().split())
    yield stack
    subprocess.run([*stack.compose, "-f", "deploy/docker-compose.yml", "down", "-v",
                    "--remove-orphans"], cwd=tmp_path, env={**os.environ, **env},
                   capture_output=True, timeout=300)  # fmt: skip


def test_the_compose_stack_completes_a_submitted_process(stack: Stack) -> None:
    block = readme_block("compose")
    first, rest = block.split("\n", 1)
    assert first == "make image"  # built already, by make image-test
    submit = rest[rest.index("docker compose -f deploy/docker-compose.yml run") :]
    output = Script.of(rest).run(stack.dir, env=stack.env)
    assert "Hello from executor" in output and "finished successfully" in output, output

    containers = stack.containers()
    assert set(containers) == {"postgres", "keys", "server", "setup", "executor"}
    for service, name in containers.items():
        host = json.loads(inspect(name, "{{json .HostConfig}}"))
        one_shot = service in ("keys", "setup")
        assert host["RestartPolicy"]["Name"] == ("no" if one_shot else "unless-stopped"), service
        for mount in json.loads(inspect(name, "{{json .Mounts}}")):
            if mount["Type"] == "volume":  # named by the stack, never anonymous
                assert mount["Name"].startswith(f"{stack.project}_"), mount
            else:
                assert mount["Destination"] == "/run/secrets/postgres_password", mount
        if service != "postgres":
            assert host["ReadonlyRootfs"] and host["CapDrop"] == ["ALL"], service
    port = stack.env["COLONIES_PUBLISH"].rsplit(":", 1)[1]
    assert published(containers["server"], "50070/tcp") == [f"127.0.0.1:{port}"]
    assert not docker("port", containers["postgres"])
    status = json.loads(stack("run", "--rm", "cli", "--json", "server", "status"))
    assert status["store"] == "postgresql"
    # The executor holds its own key and nothing else.
    assert docker("exec", containers["executor"], "ls", "-A", "/etc/colonies/keys") == ""
    assert docker("exec", containers["executor"], "ls", "-A", "/etc/colonies/executor") == (
        "executor.prvkey"
    )
    ids = docker("exec", containers["server"], "cat", "/etc/colonies/ids/server.id")

    started = time.monotonic()
    docker("stop", containers["server"])
    stopped_in = time.monotonic() - started
    print(f"server stopped in {stopped_in:.2f} s with an executor connected")
    assert stopped_in < STOP_LIMIT_S
    assert inspect(containers["server"], "{{.State.ExitCode}}") == "0"
    assert inspect(containers["executor"], "{{.State.Running}}") == "true"  # waits to reconnect

    # Up again: the keys and the colony are kept, and work is done again.
    stack("up", "-d")
    assert docker("exec", containers["server"], "cat", "/etc/colonies/ids/server.id") == ids
    output = Script.of(submit).run(stack.dir, env=stack.env)
    assert "finished successfully" in output, output
