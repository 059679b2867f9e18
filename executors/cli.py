"""`colonies executor types|start`: the ready-made executors (plugins).

The commands join the `colonies executor` group through the
`pycolonies_like.commands` entry points (see setup.cfg).
"""

from __future__ import annotations

import logging

import click

from pycolonies_like.cli.common import CliError
from pycolonies_like.cli.context import Settings, emit, pass_settings, table


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
@click.option("-v", "--verbose", is_flag=True)
@pass_settings
def executor_start(
    s: Settings, name: str, executor_name: str | None, concurrency: int | None, grace: float,
    args: tuple[str, ...], systemd: bool, metrics_port: int | None, metrics_host: str,
    verbose: bool,
) -> None:  # fmt: skip
    """Run a ready-made executor (see `colonies executor types`) until Ctrl+C."""
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
    settings = ExecutorSettings.from_env(
        host=s.host, port=s.port, tls=s.tls, colonyname=s.colonyname or None,
        name=executor_name, concurrency=concurrency, grace_s=grace, systemd=systemd,
        metrics_port=metrics_port, metrics_host=metrics_host,
    )  # fmt: skip
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
