"""`colonies executor types|start`: the ready-made executors (plugins).

The commands join the `colonies executor` group through the
`pycolonies_like.commands` entry points (see setup.cfg).
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from pycolonies_like.cli.common import CliError
from pycolonies_like.cli.context import Settings, emit, pass_settings, table
from pycolonies_like.core.errors import InvalidArgument


@click.command("types")
@pass_settings
def executor_types(s: Settings) -> None:
    """List the executors that `colonies executor start` can run."""
    from executors.plugins import discover

    plugins = discover()
    emit(
        s,
        {name: {"executortype": p.executortype, "description": p.description}
         for name, p in plugins.items()},
        lambda: table("Executor types", ("name", "executortype", "description"),
                      [(n, p.executortype, p.description) for n, p in plugins.items()]),
    )  # fmt: skip


@click.command("start")
@click.argument("name")
@click.option("--executor-name", help="Name to register (default: TYPE-HOST-random).")
@click.option("--concurrency", type=int, help="Processes at a time (default: number of CPUs).")
@click.option(
    "--grace",
    type=float,
    default=30.0,
    show_default=True,
    help="Seconds running work may finish after SIGINT/SIGTERM before it is handed back.",
)
@click.option(
    "--arg", "args", multiple=True, help="key=value option for the executor (repeatable)."
)
@click.option("--systemd", is_flag=True, help="Speak the sd_notify protocol (READY, WATCHDOG).")
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    help="Serve Prometheus metrics on this port (0: any free port; default: none).",
)
@click.option(
    "--metrics-host", default="127.0.0.1", show_default=True, help="Address of the metrics port."
)
@click.option("--location", help="Where it runs (processes may ask for a location).")
@click.option("--fs-dir", help="Where processes' ColonyFS mounts go (or COLONIES_EXECUTOR_FSDIR).")
@click.option("--cpu", help="CPUs to offer, e.g. 4 or 3500m (default: detected).")
@click.option("--mem", help="Memory to offer, e.g. 16Gi (default: detected).")
@click.option("--storage", help="Storage to offer, e.g. 500Gi (default: none).")
@click.option("--gpus", "gpu_count", type=click.IntRange(min=0), help="GPUs (default: nvidia-smi).")
@click.option("--gpu-name", help="GPU model name (default: nvidia-smi).")
@click.option("--gpu-mem", help="Memory per GPU, e.g. 40Gi (default: nvidia-smi).")
@click.option(
    "--capabilities", "capabilities_file", type=click.Path(dir_okay=False),
    help="ColonyOS capabilities JSON ({hardware: [...], software: [...]}); no detection.",
)  # fmt: skip
@click.option("-v", "--verbose", is_flag=True)
@pass_settings
def executor_start(
    s: Settings, name: str, executor_name: str | None, concurrency: int | None, grace: float,
    args: tuple[str, ...], systemd: bool, metrics_port: int | None, metrics_host: str,
    location: str | None, fs_dir: str | None, cpu: str | None, mem: str | None, storage: str | None,
    gpu_count: int | None, gpu_name: str | None, gpu_mem: str | None,
    capabilities_file: str | None, verbose: bool,
) -> None:  # fmt: skip
    """Run a ready-made executor (see `colonies executor types`) until Ctrl+C."""
    from executors import machine
    from executors.plugins import discover
    from executors.runtime import ExecutorRuntime, ExecutorSettings

    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")  # fmt: skip
    plugins = discover()
    plugin = plugins.get(name)
    if plugin is None:
        raise CliError(f"unknown executor {name!r}; available: {', '.join(plugins) or 'none'}")
    options = {}
    for item in args:
        key, sep, value = item.partition("=")
        if not sep:
            raise CliError(f"--arg must be key=value, got {item!r}")
        options[key] = value
    try:
        settings = ExecutorSettings.from_env(
            host=s.host, port=s.port, tls=s.tls, colonyname=s.colonyname or None,
            name=executor_name, concurrency=concurrency, grace_s=grace, systemd=systemd,
            metrics_port=metrics_port, metrics_host=metrics_host, locationname=location,
            fs_dir=fs_dir,
        )  # fmt: skip
        given = machine.Overrides(cpu=cpu, mem=mem, storage=storage, gpu_count=gpu_count,
                                  gpu_name=gpu_name, gpu_mem=gpu_mem)  # fmt: skip
        if capabilities_file:
            try:
                text = Path(capabilities_file).read_text()
            except OSError as err:
                raise CliError(f"cannot read {capabilities_file}: {err.strerror}") from None
            given.capabilities = machine.parse_capabilities(text, capabilities_file)
        settings.machine = settings.machine.merged(given)
        machine.capabilities(settings.machine)  # every quantity is checked before anything runs
    except InvalidArgument as err:
        raise CliError(str(err)) from None
    if not settings.colonyname:
        raise CliError("no colony: set COLONIES_COLONY_NAME or pass --colony")
    from executors.confine import confine

    confine()  # the keys are in `settings` now: out of the environment, out of /proc
    runtime = ExecutorRuntime(plugin.executortype, settings)
    try:
        plugin.setup(runtime, options)
    except (ValueError, OSError, ImportError) as err:
        raise CliError(str(err)) from None
    code = runtime.run()
    if code:
        raise SystemExit(code)
