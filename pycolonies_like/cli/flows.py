"""`colonies workflow|cron|generator`: graphs of functions, on demand or on schedule."""

from __future__ import annotations

import sys
from typing import Any

import click

from pycolonies_like.cli.common import CliError
from pycolonies_like.cli.context import Settings, emit, fields, info, pass_settings, table, when
from pycolonies_like.cli.ids import short, takes_id, wide_option
from pycolonies_like.cli.work import load_json
from pycolonies_like.core.models import EventKind, ProcessState, Workflow
from pycolonies_like.specfile import workflow_from_data


def workflow_from_file(s: Settings, path: str) -> Workflow:
    wf = workflow_from_data(load_json(path), "stdin" if path == "-" else path)
    if not wf.colonyname:
        wf.colonyname = s.colony()
    for spec in wf.functionspecs:
        if not spec.conditions.colonyname:
            spec.conditions.colonyname = wf.colonyname
    return wf


# --------------------------------------------------------------- workflow --


@click.group()
def workflow() -> None:
    """Workflows: graphs of function specs with dependencies."""


@workflow.command("submit")
@click.option("--spec", "path", required=True, help="Workflow JSON file (or - for stdin).")
@click.option("--follow", "do_follow", is_flag=True, help="Show progress until it ends.")
@pass_settings
def workflow_submit(s: Settings, path: str, do_follow: bool) -> None:
    """Submit a workflow."""
    wf = workflow_from_file(s, path)
    client, key = s.client(), s.key()
    if not do_follow:
        graph = client.submit_workflow(wf, key)
        emit(s, graph, lambda: click.echo(graph.processgraphid))
        return
    sys.exit(_follow(s, wf))


def _follow(s: Settings, wf: Workflow) -> int:
    """Submits, then shows a progress bar fed by the event stream."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    client, key = s.client(), s.key()
    events: Any = client.events(wf.colonyname, key)
    next(events)  # SUBSCRIBED: from now on nothing is missed
    graph = client.submit_workflow(wf, key)
    info(f"Workflow {graph.processgraphid} submitted ({len(graph.processids)} processes)")
    console = Console(stderr=True)
    names: dict[str, str] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=False) as progress:  # fmt: skip
        bar = progress.add_task("running", total=len(graph.processids))
        try:
            for event in events:
                if event.processgraphid != graph.processgraphid:
                    continue
                p = event.process
                if p is not None:
                    names[p.processid] = p.spec.nodename
                if event.kind == EventKind.SUCCEEDED and p is not None:
                    progress.advance(bar)
                    progress.console.print(f"  done    {p.spec.nodename}")
                elif event.kind in (EventKind.FAILED, EventKind.CANCELLED) and p is not None:
                    progress.advance(bar)
                    why = "; ".join(p.errors)
                    progress.console.print(f"  {event.kind.name.lower():7} {p.spec.nodename}"
                                           + (f": {why}" if why else ""))  # fmt: skip
                elif event.kind == EventKind.RETRIED and p is not None:
                    progress.console.print(f"  retry   {p.spec.nodename}: {event.message}")
                elif event.kind in (EventKind.GRAPH_SUCCEEDED, EventKind.GRAPH_FAILED,
                                    EventKind.GRAPH_CANCELLED):  # fmt: skip
                    final = event.processgraph
                    assert final is not None
                    progress.update(bar, description=final.state.name.lower())
                    break
        finally:
            events.close()
    info(f"Workflow {graph.processgraphid} {final.state.name.lower()}")
    if s.as_json:
        processes = client.get_processes_for_workflow(
            final.processgraphid, final.colonyname, key, 10**6
        )
        emit(s, {"workflow": final, "processes": processes}, lambda: None)
    return 0 if final.state == ProcessState.SUCCESSFUL else 1


@workflow.command("get")
@takes_id("workflow", "workflowid", "-w", "--workflowid")
@wide_option
@pass_settings
def workflow_get(s: Settings, workflowid: str) -> None:
    """Show a workflow and its processes."""
    client, key = s.client(), s.key()
    graph = client.get_processgraph(workflowid, key)
    processes = client.get_processes_for_workflow(workflowid, graph.colonyname, key, 10**6)

    def render() -> None:
        fields(
            "Workflow",
            [
                ("id", graph.processgraphid),
                ("state", graph.state.name.lower()),
                ("submitted", when(graph.submissiontime)),
                ("started", when(graph.starttime)),
                ("ended", when(graph.endtime)),
            ],
        )
        table("Processes", ("node", "function", "state", "depends on", "id", "errors"),
              [(p.spec.nodename, p.spec.funcname, p.state.name.lower(),
                ", ".join(p.spec.conditions.dependencies) or "-", short(s, p.processid),
                "; ".join(p.errors) or "-")
               for p in processes])  # fmt: skip

    emit(s, {"workflow": graph, "processes": processes}, render)


@workflow.command("ps")
@click.option("--state", type=click.Choice(["waiting", "running", "successful", "failed",
                                            "cancelled", "all"]), default="all")  # fmt: skip
@click.option("--count", type=int, default=20, show_default=True)
@wide_option
@pass_settings
def workflow_ps(s: Settings, state: str, count: int) -> None:
    """List workflows."""
    value = None if state == "all" else int(ProcessState[state.upper()])
    graphs = s.client().get_processgraphs(s.colony(), count, s.key(), state=value)
    emit(s, graphs, lambda: table(
        "Workflows", ("id", "state", "processes", "submitted", "ended"),
        [(short(s, g.processgraphid), g.state.name.lower(), len(g.processids),
          when(g.submissiontime), when(g.endtime)) for g in graphs],
    ))  # fmt: skip


@workflow.command("cancel")
@takes_id("workflow", "workflowid", "-w", "--workflowid")
@pass_settings
def workflow_cancel(s: Settings, workflowid: str) -> None:
    """Cancel a workflow: its waiting and running processes are cancelled."""
    g = s.client().cancel_processgraph(workflowid, s.key())
    emit(s, g, lambda: click.echo(f"Workflow {workflowid} cancelled"))


@workflow.command("rerun")
@takes_id("workflow", "workflowid", "-w", "--workflowid")
@click.option("--from-failed", "from_failed", is_flag=True, required=True,
              help="Run the failed and never-run processes again; those that succeeded keep "
                   "their outputs (required: the only rerun there is).")  # fmt: skip
@pass_settings
def workflow_rerun(s: Settings, workflowid: str, from_failed: bool) -> None:
    """Run a failed or cancelled workflow again from its failures."""
    client, key = s.client(), s.key()
    g = client.rerun_workflow(workflowid, key, from_failed=from_failed)

    def render() -> None:
        processes = client.get_processes_for_workflow(workflowid, g.colonyname, key, 10**6)
        again = [
            p.spec.nodename or p.processid for p in processes if p.state == ProcessState.WAITING
        ]
        click.echo(f"Workflow {workflowid} runs again; waiting: {', '.join(again) or '-'}")

    emit(s, g, render)


@workflow.command("remove")
@takes_id("workflow", "workflowid", "-w", "--workflowid")
@pass_settings
def workflow_remove(s: Settings, workflowid: str) -> None:
    """Remove a workflow and its processes (none may be running)."""
    s.client().remove_processgraph(workflowid, s.key())
    emit(s, {"removed": workflowid}, lambda: click.echo(f"Workflow {workflowid} removed"))


# ------------------------------------------------------------------- cron --


@click.group()
def cron() -> None:
    """Workflows started on a schedule."""


@cron.command("add")
@click.option("--name", required=True)
@click.option("--cron", "expression", help="Six fields, seconds first: '0 */5 * * * *'.")
@click.option("--interval", type=int, help="Or every N seconds.")
@click.option("--random", "random_", is_flag=True, help="With --interval: a random moment in it.")
@click.option("--waitprevious", is_flag=True, help="Do not start while the previous run goes on.")
@click.option("--spec", "path", required=True, help="Workflow JSON file.")
@pass_settings
def cron_add(s: Settings, name: str, expression: str | None, interval: int | None,
             random_: bool, waitprevious: bool, path: str) -> None:  # fmt: skip
    """Add a cron."""
    if bool(expression) == bool(interval):
        raise CliError("give exactly one of --cron and --interval")
    wf = workflow_from_file(s, path)
    c = s.client().add_cron(name, expression or "", waitprevious, wf, s.colony(), s.key(),
                            interval=interval or -1, random=random_)  # fmt: skip
    emit(s, c, lambda: click.echo(c.cronid))


@cron.command("ls")
@click.option("--count", type=int, default=100)
@wide_option
@pass_settings
def cron_ls(s: Settings, count: int) -> None:
    """List crons."""
    crons = s.client().get_crons(s.colony(), count, s.key())
    emit(s, crons, lambda: table(
        "Crons", ("id", "name", "schedule", "next run", "last run"),
        [(short(s, c.cronid), c.name, c.cronexpression or f"every {c.interval} s", when(c.nextrun),
          when(c.lastrun)) for c in crons],
    ))  # fmt: skip


@cron.command("get")
@takes_id("cron", "cronid", "--cronid")
@pass_settings
def cron_get(s: Settings, cronid: str) -> None:
    """Show a cron."""
    c = s.client().get_cron(cronid, s.key())
    emit(s, c, lambda: fields("Cron", [
        ("id", c.cronid), ("name", c.name), ("expression", c.cronexpression or "-"),
        ("interval", c.interval), ("next run", when(c.nextrun)), ("last run", when(c.lastrun)),
        ("wait for previous", c.waitforprevprocessgraph),
        ("previous workflow", c.prevprocessgraphid or "-"),
    ]))  # fmt: skip


@cron.command("run")
@takes_id("cron", "cronid", "--cronid")
@pass_settings
def cron_run(s: Settings, cronid: str) -> None:
    """Start a run now."""
    c = s.client().run_cron(cronid, s.key())
    emit(s, c, lambda: click.echo(f"Cron {c.name} started workflow {c.prevprocessgraphid}"))


@cron.command("remove")
@takes_id("cron", "cronid", "--cronid")
@pass_settings
def cron_remove(s: Settings, cronid: str) -> None:
    """Remove a cron."""
    s.client().del_cron(cronid, s.key())
    emit(s, {"removed": cronid}, lambda: click.echo(f"Cron {cronid} removed"))


# -------------------------------------------------------------- generator --


@click.group()
def generator() -> None:
    """Workflows started when enough arguments were packed."""


@generator.command("add")
@click.option("--name", required=True)
@click.option("--spec", "path", required=True, help="Workflow JSON file.")
@click.option("--trigger", type=int, required=True, help="Start when this many args are packed.")
@click.option("--timeout", type=int, default=0, help="Or after this many seconds (0 = never).")
@pass_settings
def generator_add(s: Settings, name: str, path: str, trigger: int, timeout: int) -> None:
    """Add a generator."""
    g = s.client().add_generator(
        {"name": name, "colonyname": s.colony(), "workflowspec": workflow_from_file(s, path),
         "trigger": trigger, "timeout": timeout}, s.key(),
    )  # fmt: skip
    emit(s, g, lambda: click.echo(g.generatorid))


@generator.command("ls")
@click.option("--count", type=int, default=100)
@wide_option
@pass_settings
def generator_ls(s: Settings, count: int) -> None:
    """List generators."""
    gs = s.client().get_generators(s.colony(), s.key(), count)
    emit(s, gs, lambda: table(
        "Generators", ("id", "name", "trigger", "timeout", "packed", "last run"),
        [(short(s, g.generatorid), g.name, g.trigger, g.timeout, g.queuesize, when(g.lastrun))
         for g in gs],
    ))  # fmt: skip


@generator.command("get")
@takes_id("generator", "generatorid", "--generatorid")
@pass_settings
def generator_get(s: Settings, generatorid: str) -> None:
    """Show a generator."""
    g = s.client().get_generator(generatorid, s.key())
    emit(s, g, lambda: fields("Generator", [
        ("id", g.generatorid), ("name", g.name), ("trigger", g.trigger), ("timeout", g.timeout),
        ("packed", g.queuesize), ("last run", when(g.lastrun)),
    ]))  # fmt: skip


@generator.command("pack")
@takes_id("generator", "generatorid", "--generatorid")
@click.option("--arg", "arg", required=True)
@pass_settings
def generator_pack(s: Settings, generatorid: str, arg: str) -> None:
    """Add an argument to a generator."""
    s.client().pack_generator(generatorid, arg, s.key())
    emit(s, {"packed": arg}, lambda: click.echo("packed"))


@generator.command("remove")
@takes_id("generator", "generatorid", "--generatorid")
@pass_settings
def generator_remove(s: Settings, generatorid: str) -> None:
    """Remove a generator."""
    s.client().remove_generator(generatorid, s.key())
    emit(s, {"removed": generatorid}, lambda: click.echo(f"Generator {generatorid} removed"))
