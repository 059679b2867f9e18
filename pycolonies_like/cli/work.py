"""`colonies function|process|log|attribute`: submitting and watching work."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from pycolonies_like.cli.common import CliError
from pycolonies_like.cli.context import (
    Settings,
    assignment,
    emit,
    fields,
    info,
    pass_settings,
    table,
    when,
)
from pycolonies_like.cli.ids import short, takes_id, wide_option
from pycolonies_like.client import Colonies
from pycolonies_like.core.errors import ColoniesError, PermissionDenied
from pycolonies_like.core.models import AttemptRecord, Conditions, FuncSpec, Process, ProcessState
from pycolonies_like.core.requirements import describe, requirement_of, why_waiting
from pycolonies_like.specfile import func_spec_from_data


def load_json(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text()
    except OSError as err:
        raise CliError(f"cannot read {path}: {err.strerror}") from None
    try:
        return json.loads(text)
    except ValueError as err:
        raise CliError(f"{path} is not valid JSON: {err}") from None


def spec_from_file(s: Settings, path: str) -> FuncSpec:
    spec = func_spec_from_data(load_json(path), "stdin" if path == "-" else path)
    if not spec.conditions.colonyname:
        spec.conditions.colonyname = s.colony()
    return spec


def follow(client: Colonies, process: Process, key: str) -> int:
    """Prints the log as it grows; returns the exit status for the process' end."""
    info(f"Following process {process.processid}")
    for entry in client.follow_logs(process.processid, key):
        sys.stdout.write(entry.message if entry.message.endswith("\n") else entry.message + "\n")
        sys.stdout.flush()
    return report(client.get_process(process.processid, key))


def echo_lines(values: Iterable[Any]) -> None:
    for value in values:
        text = str(value)
        click.echo(text, nl=not text.endswith("\n"))


def report(p: Process) -> int:
    if p.state == ProcessState.SUCCESSFUL:
        info(f"Process {p.processid} finished successfully" + (f": {p.output}" if p.output else ""))
        return 0
    errors = "; ".join(p.errors)
    info(f"Process {p.processid} {p.state.name.lower()}" + (f": {errors}" if errors else ""))
    return 1


def submit_and_maybe_follow(
    s: Settings, spec: FuncSpec, do_follow: bool, wait: bool, cancel_on_interrupt: bool = False
) -> None:
    client, key = s.client(), s.key()
    process = client.submit_func_spec(spec, key)
    if not (do_follow or wait):
        emit(s, process, lambda: click.echo(process.processid))
        return
    info(f"Process {process.processid} submitted")
    hint = threading.Timer(HINT_AFTER_S, warn_if_nobody_serves, (s, spec, process))
    hint.daemon = True
    try:
        hint.start()
        if do_follow:
            code = follow(client, process, key)
        else:
            final = client.wait(process, 24 * 3600, key)
            code = report(final)
            emit(s, final, lambda: echo_lines(final.output))
    except KeyboardInterrupt:
        hint.cancel()
        interrupted(client, process, key, cancel_on_interrupt)
        sys.exit(130)
    finally:
        hint.cancel()
    sys.exit(code)


INTERRUPT_HELP = (
    "With --follow or --wait: on Ctrl+C cancel the process without asking (at a terminal "
    "you are asked; otherwise it goes on)."
)
HINT_AFTER_S = 2.0  # an executor started just before (`... &`) has registered by then


def warn_if_nobody_serves(s: Settings, spec: FuncSpec, process: Process) -> None:
    """Says so when the process still waits and no executor of its type is registered:
    it would wait unseen."""
    wanted = spec.conditions.executortype
    try:
        if s.client().get_process(process.processid, s.key()).state != ProcessState.WAITING:
            return
        executors = s.client().list_executors(spec.conditions.colonyname, s.key())
    except ColoniesError:
        return  # a hint only: the process is submitted whatever this says
    types = sorted({e.executortype for e in executors})
    if wanted in types:
        return
    known = f" (registered types: {', '.join(types)})" if types else " (none is registered)"
    info(
        f"Still waiting: no executor of type {wanted!r} is registered in colony "
        f"{spec.conditions.colonyname!r}{known}; the process waits until one registers"
    )


def interrupted(client: Colonies, process: Process, key: str, cancel: bool) -> None:
    """On Ctrl+C: cancel the process if told to (`--cancel-on-interrupt`), or
    ask whether to when a person is at a terminal; otherwise it goes on without
    us, and we say where it is and how to cancel it."""
    try:
        state = client.get_process(process.processid, key).state
    except ColoniesError:
        return
    if state not in (ProcessState.WAITING, ProcessState.RUNNING):
        return
    where = "still queued" if state == ProcessState.WAITING else "still running"
    if not cancel and sys.stdin.isatty() and sys.stderr.isatty():
        try:
            cancel = click.confirm(
                f"\nProcess {process.processid[:16]} is {where}. Cancel it?",
                default=False, err=True,
            )  # fmt: skip
        except (KeyboardInterrupt, click.Abort):  # a second Ctrl+C: leave it be
            cancel = False
    if cancel:
        try:
            client.cancel(process.processid, key)
        except ColoniesError as err:  # it ended meanwhile, or may not be ours to cancel
            info(f"\nProcess {process.processid} was not cancelled: {err}")
            return
        info(f"\nProcess {process.processid} cancelled")
        return
    info(
        f"\nProcess {process.processid} is {where}; cancel it with: "
        f"colonies process cancel {process.processid[:16]}"
    )


# --------------------------------------------------------------- function --


@click.group()
def function() -> None:
    """Register functions; submit and run them."""


@function.command("add")
@click.option("--name", "funcname", required=True, help="Function name.")
@click.option("--description", default="")
@pass_settings
def function_add(s: Settings, funcname: str, description: str) -> None:
    """Register a function of the executor whose key is COLONIES_PRVKEY."""
    client, key = s.client(), s.key()
    from pycolonies_like.crypto import id_of

    mine = [e for e in client.list_executors(s.colony(), key) if e.executorid == id_of(key)]
    if not mine:
        raise CliError("COLONIES_PRVKEY is not the key of an executor of this colony")
    f = client.add_function(s.colony(), mine[0].executorname, funcname, key, description)
    emit(s, f, lambda: click.echo(f"Function {funcname} registered for {f.executorname}"))


@function.command("ls")
@click.option("--executor", "executorname", default="", help="Only this executor's functions.")
@pass_settings
def function_ls(s: Settings, executorname: str) -> None:
    """List registered functions, with their run statistics."""
    fs = s.client().get_functions_by_executor(s.colony(), executorname, s.key())
    emit(s, fs, lambda: table(
        "Functions", ("function", "executor", "type", "calls", "avg wait s", "avg exec s"),
        [(f.funcname, f.executorname, f.executortype, f.counter, f"{f.avgwaittime:.3f}",
          f"{f.avgexectime:.3f}") for f in fs],
    ))  # fmt: skip


@function.command("submit")
@click.option("--spec", "path", required=True, help="A function spec (JSON file, or - for stdin).")
@click.option("--follow", "do_follow", is_flag=True, help="Print the log live until it ends.")
@click.option("--wait", is_flag=True, help="Wait for the end and print the output.")
@click.option("--cancel-on-interrupt", is_flag=True, help=INTERRUPT_HELP)
@pass_settings
def function_submit(
    s: Settings, path: str, do_follow: bool, wait: bool, cancel_on_interrupt: bool
) -> None:
    """Submit a function spec."""
    submit_and_maybe_follow(s, spec_from_file(s, path), do_follow, wait, cancel_on_interrupt)


def _parse_arg(text: str) -> Any:
    """JSON when it parses (numbers, lists...), a plain string otherwise."""
    try:
        return json.loads(text)
    except ValueError:
        return text


@function.command("exec")
@click.option("--func", "funcname", required=True)
@click.option("--targettype", required=True, help="Executor type to run it.")
@click.option("--targetname", multiple=True, help="Only these executors (repeatable).")
@click.option(
    "--args", "args", multiple=True, help="Positional argument (repeatable; JSON or text)."
)
@click.option(
    "--kwargs", "kwargs", multiple=True, help="key=value (repeatable; value JSON or text)."
)
@click.option("--env", "env", multiple=True, help="KEY=value environment entry (repeatable).")
@click.option("--priority", type=int, default=0)
@click.option("--maxwaittime", type=int, default=-1)
@click.option("--maxexectime", type=int, default=-1)
@click.option("--maxretries", type=int, default=0)
@click.option("--label", default="")
@click.option("--follow", "do_follow", is_flag=True, help="Print the log live until it ends.")
@click.option("--wait", is_flag=True, help="Wait for the end and print the output.")
@click.option("--cancel-on-interrupt", is_flag=True, help=INTERRUPT_HELP)
@pass_settings
def function_exec(
    s: Settings, funcname: str, targettype: str, targetname: tuple[str, ...],
    args: tuple[str, ...], kwargs: tuple[str, ...], env: tuple[str, ...], priority: int,
    maxwaittime: int, maxexectime: int, maxretries: int, label: str, do_follow: bool, wait: bool,
    cancel_on_interrupt: bool,
) -> None:  # fmt: skip
    """Run a function by name on an executor type."""

    def pairs(items: tuple[str, ...], what: str) -> dict[str, str]:
        out = {}
        for item in items:
            if "=" not in item:
                raise CliError(f"{what} must be key=value, got {item!r}")
            k, v = item.split("=", 1)
            out[k] = v
        return out

    spec = FuncSpec(
        funcname=funcname,
        args=[_parse_arg(a) for a in args],
        kwargs={k: _parse_arg(v) for k, v in pairs(kwargs, "--kwargs").items()},
        env=pairs(env, "--env"),
        priority=priority, maxwaittime=maxwaittime, maxexectime=maxexectime,
        maxretries=maxretries, label=label,
        conditions=Conditions(colonyname=s.colony(), executortype=targettype,
                              executornames=list(targetname)),
    )  # fmt: skip
    submit_and_maybe_follow(s, spec, do_follow, wait, cancel_on_interrupt)


# ---------------------------------------------------------------- process --


@click.group()
def process() -> None:
    """List, inspect, cancel and remove processes."""


def _list(s: Settings, states: list[ProcessState], count: int) -> None:
    client, key = s.client(), s.key()
    found = [p for state in states for p in client.list_processes(s.colony(), count, state, key)]
    emit(s, found, lambda: table(
        "Processes", ("id", "function", "type", "state", "submitted", "executor", "graph"),
        [(short(s, p.processid), p.spec.funcname, p.spec.conditions.executortype,
          p.state.name.lower(), when(p.submissiontime), p.assignedexecutorname or "-",
          (short(s, p.processgraphid) or "-")) for p in found],
    ))  # fmt: skip


def _ps(name: str, state: ProcessState, doc: str) -> click.Command:
    @click.option("--count", type=int, default=20, show_default=True)
    @wide_option
    @pass_settings
    def command(s: Settings, /, count: int, **kw: bool) -> None:
        _list(s, list(ProcessState) if kw.get("all_states") else [state], count)

    command.__doc__ = doc
    if state == ProcessState.RUNNING:
        command = click.option("--all", "all_states", is_flag=True, help="Every state.")(command)
    return process.command(name)(command)


_ps("ps", ProcessState.RUNNING, "List running processes (--all: every state).")
_ps("psw", ProcessState.WAITING, "List waiting processes.")
_ps("pss", ProcessState.SUCCESSFUL, "List successful processes.")
_ps("psf", ProcessState.FAILED, "List failed processes.")
_ps("psc", ProcessState.CANCELLED, "List cancelled processes.")


@process.command("get")
@takes_id("process", "processid", "-p", "--processid")
@pass_settings
def process_get(s: Settings, processid: str) -> None:
    """Show a process (and, while it waits, why)."""
    client = s.client()
    p = client.get_process(processid, s.key())
    needs = ", ".join(describe(requirement_of(p.spec.conditions))) or "-"

    reason = ""
    if p.state == ProcessState.WAITING:
        try:
            reason = why_waiting(p, client.list_executors(p.colonyname, s.key()))
        except PermissionDenied:
            pass  # the caller may read the process but not the colony's executors
    paused = "-"
    if p.state == ProcessState.WAITING:
        paused = assignment(
            client.get_colony(p.colonyname, s.key()), p.spec.conditions.executortype
        )
    shown = {**p.to_dict(), "waiting": reason} if reason else p
    emit(s, shown, lambda: fields("Process", [
        ("processid", p.processid), ("state", p.state.name.lower()), ("assignment", paused),
        *([("waiting", reason)] if reason else []),
        ("function", p.spec.funcname), ("args", json.dumps(p.spec.args)),
        ("kwargs", json.dumps(p.spec.kwargs)), ("executortype", p.spec.conditions.executortype),
        ("needs", needs),
        ("initiator", p.initiatorname), ("executor", p.assignedexecutorname or "-"),
        ("submitted", when(p.submissiontime)), ("started", when(p.starttime)),
        ("ended", when(p.endtime)), ("attempt", p.attempt), ("retries", p.retries),
        ("input", json.dumps(p.input)), ("output", json.dumps(p.output)),
        ("errors", "; ".join(p.errors) or "-"), ("workflow", p.processgraphid or "-"),
        *([("not before", when(p.notbefore))] if p.notbefore else []),
        *([("ratelimit", _rate_limited(p))] if p.spec.ratelimit else []),
        *[(f"attempt {h.attempt}", _attempt_line(h)) for h in p.history],
    ]))  # fmt: skip


def _rate_limited(p: Process) -> str:
    """The rate limit a process takes from, and whether it waits for its tokens."""
    units = max(p.spec.ratelimitunits, 1)
    taken = f"{p.spec.ratelimit} ({units} token{'s' if units > 1 else ''} a start)"
    if p.state == ProcessState.WAITING and p.notbefore:
        return f"{taken}: waits for its rate limit until {when(p.notbefore)}"
    return taken


def _attempt_line(h: AttemptRecord) -> str:
    """A past attempt, on one line: how it ended, who ran it, when, why."""
    who = f" on {h.executorname}" if h.executorname else ""
    why = f": {'; '.join(h.errors)}" if h.errors else ""
    return f"{h.outcome}{who}, {when(h.starttime)} - {when(h.endtime)}{why}"


@process.command("rerun")
@takes_id("process", "processid", "-p", "--processid")
@pass_settings
def process_rerun(s: Settings, processid: str) -> None:
    """Run a failed or cancelled process again, as a new attempt."""
    p = s.client().rerun(processid, s.key())
    emit(s, p, lambda: click.echo(f"Process {processid} waits again (attempt {p.attempt + 1})"))


@process.command("cancel")
@takes_id("process", "processid", "-p", "--processid")
@pass_settings
def process_cancel(s: Settings, processid: str) -> None:
    """Cancel a waiting or running process (its executor is told to stop)."""
    p = s.client().cancel(processid, s.key())
    emit(s, p, lambda: click.echo(f"Process {processid} cancelled"))


@process.command("remove")
@takes_id("process", "processid", "-p", "--processid")
@pass_settings
def process_remove(s: Settings, processid: str) -> None:
    """Remove a process that is not running."""
    s.client().remove_process(processid, s.key())
    emit(s, {"removed": processid}, lambda: click.echo(f"Process {processid} removed"))


@process.command("removeall")
@click.option("--state", type=click.Choice(["waiting", "successful", "failed", "cancelled", "all"]),
              default="all", show_default=True)  # fmt: skip
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_settings
def process_removeall(s: Settings, state: str, yes: bool) -> None:
    """Remove every process of the colony in a state, but running ones (colony owner)."""
    value = -1 if state == "all" else int(ProcessState[state.upper()])
    which = "" if state == "all" else f" {state}"
    question = f"Remove every{which} process of colony {s.colony()!r} (running ones are kept)?"
    if not yes and not click.confirm(question, default=False, err=True):
        raise CliError("nothing removed")
    removed = s.client().remove_all_processes(s.colony(), s.key("colony_prvkey"), value)
    emit(s, {"removed": removed}, lambda: click.echo(f"{removed} processes removed"))


# -------------------------------------------------------------------- log --


@click.group()
def log() -> None:
    """Process logs."""


@log.command("get")
@takes_id("process", "processid", "-p", "--processid", required=False)
@click.option("-e", "--executorname", help="What this executor logged, over all its processes.")
@click.option("--count", type=int, default=100, show_default=True)
@click.option("--since", type=int, default=0, help="Only entries after this time (Unix ns).")
@click.option("--latest", is_flag=True, help="The newest entries instead of the oldest.")
@pass_settings
def log_get(
    s: Settings, processid: str | None, executorname: str | None, count: int, since: int,
    latest: bool,
) -> None:  # fmt: skip
    """Print the log of a process, or of an executor."""
    if bool(processid) == bool(executorname):
        raise CliError("give either --processid or --executorname")
    if executorname:
        entries = s.client().get_executor_log(
            s.colony(), executorname, count, since, s.key(), latest
        )
    else:
        entries = s.client().get_process_log(s.colonyname, processid, count, since, s.key(), latest)
    emit(s, entries, lambda: echo_lines(e.message for e in entries))


@log.command("follow")
@takes_id("process", "processid", "-p", "--processid")
@pass_settings
def log_follow(s: Settings, processid: str) -> None:
    """Print the log of a process as it grows, until the process ends."""
    client, key = s.client(), s.key()
    sys.exit(follow(client, client.get_process(processid, key), key))


# -------------------------------------------------------------- attribute --


@click.group()
def attribute() -> None:
    """Process attributes (the assigned executor adds them)."""


@attribute.command("add")
@takes_id("process", "processid", "-p", "--processid")
@click.option("--key", "name", required=True)
@click.option("--value", required=True)
@pass_settings
def attribute_add(s: Settings, processid: str, name: str, value: str) -> None:
    """Add an attribute to a running process."""
    a = s.client().add_attribute(processid, name, value, s.key())
    emit(s, a, lambda: click.echo(a.attributeid))


@attribute.command("get")
@click.option("--attributeid", required=True)
@pass_settings
def attribute_get(s: Settings, attributeid: str) -> None:
    """Show an attribute."""
    a = s.client().get_attribute(attributeid, s.key())
    emit(s, a, lambda: fields("Attribute", [("key", a.key), ("value", a.value),
                                            ("process", a.targetid)]))  # fmt: skip
