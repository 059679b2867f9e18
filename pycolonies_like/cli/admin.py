"""`colonies colony|executor|user|function`: managing who and what is in a colony."""

from __future__ import annotations

import click

from pycolonies_like.cli.common import CliError
from pycolonies_like.cli.context import (
    Settings,
    assignment,
    emit,
    fields,
    pass_settings,
    table,
    when,
)
from pycolonies_like.cli.ids import short, wide_option
from pycolonies_like.cli.plugins import PluginGroup
from pycolonies_like.core.errors import InvalidArgument, PermissionDenied
from pycolonies_like.core.flow import parse_duration
from pycolonies_like.core.models import Colony, Executor, ExecutorState
from pycolonies_like.crypto import id_of

# ----------------------------------------------------------------- colony --


@click.group()
def colony() -> None:
    """Colonies (the server owner's key adds and removes them)."""


@colony.command("add")
@click.option("--name", required=True)
@click.option(
    "--colonyid", help="Id of the colony owner's key (default: COLONIES_COLONY_PRVKEY's)."
)
@pass_settings
def colony_add(s: Settings, name: str, colonyid: str | None) -> None:
    """Add a colony (server owner)."""
    colonyid = colonyid or id_of(s.key("colony_prvkey"))
    added = s.client().add_colony({"colonyid": colonyid, "name": name}, s.key("server_prvkey"))
    emit(s, added, lambda: click.echo(f"Colony {added.name} added (owner id {added.colonyid})"))


@colony.command("remove")
@click.option("--name", required=True)
@pass_settings
def colony_remove(s: Settings, name: str) -> None:
    """Remove a colony and everything in it (server owner)."""
    s.client().del_colony(name, s.key("server_prvkey"))
    emit(s, {"removed": name}, lambda: click.echo(f"Colony {name} removed"))


@colony.command("ls")
@pass_settings
def colony_ls(s: Settings) -> None:
    """List colonies (server owner)."""
    colonies = s.client().list_colonies(s.key("server_prvkey"))
    emit(s, colonies, lambda: table(
        "Colonies", ("name", "colonyid", "assignment"),
        [(c.name, c.colonyid, assignment(c)) for c in colonies],
    ))  # fmt: skip


@colony.command("get")
@click.option("--name", help="Default: COLONIES_COLONY_NAME.")
@pass_settings
def colony_get(s: Settings, name: str | None) -> None:
    """Show a colony."""
    c = s.client().get_colony(name or s.colony(), s.key())
    emit(s, c, lambda: fields("Colony", [("name", c.name), ("colonyid", c.colonyid),
                                         ("assignment", assignment(c)),
                                         ("retention", retention(c))]))  # fmt: skip


def retention(c: Colony) -> str:
    return f"{c.retention} s" if c.retention else "for ever"


@colony.command("retention")
@click.argument("period")
@pass_settings
def colony_retention(s: Settings, period: str) -> None:
    """Keep finished processes and workflows PERIOD after they end, e.g. 3600, 12h,
    30d; 0 keeps them for ever (colony owner)."""
    try:
        seconds = parse_duration(period)
    except InvalidArgument as err:
        raise CliError(str(err)) from None
    c = s.client().set_retention(s.colony(), seconds, s.key("colony_prvkey"))
    kept = f"for {c.retention} s" if c.retention else "for ever"
    emit(s, c, lambda: click.echo(f"Colony {c.name} keeps finished work {kept}"))


class _WeightGroup(click.Group):
    """`colony weight NAME WEIGHT` stays `colony weight set NAME WEIGHT`."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["set", *args]
        return super().resolve_command(ctx, args)


@colony.group("weight", cls=_WeightGroup)
def colony_weight() -> None:
    """Fair-share weights of users and executors: `weight NAME WEIGHT` (or
    `weight set NAME WEIGHT`), `weight ls`, `weight rm NAME`."""


@colony_weight.command("set")
@click.argument("name")
@click.argument("weight", type=int)
@pass_settings
def colony_weight_set(s: Settings, name: str, weight: int) -> None:
    """Give user or executor NAME WEIGHT times the share of the colony's claims
    of a submitter of weight 1 (1..1000, default 1; colony owner)."""
    s.client().set_fair_weight(s.colony(), name, weight, s.key("colony_prvkey"))
    emit(s, {"name": name, "weight": weight},
         lambda: click.echo(f"{name} has weight {weight} in colony {s.colony()}"))  # fmt: skip


@colony_weight.command("ls")
@pass_settings
def colony_weight_ls(s: Settings) -> None:
    """The users and executors whose weight is not the default 1 (members)."""
    weights = s.client().get_fair_weights(s.colony(), s.key())
    emit(s, weights, lambda: table(
        f"Fair-share weights in colony {s.colony()} (others: 1)", ("name", "kind", "weight"),
        [(w.name, w.kind, str(w.weight)) for w in weights],
    ))  # fmt: skip


@colony_weight.command("rm")
@click.argument("name")
@pass_settings
def colony_weight_rm(s: Settings, name: str) -> None:
    """Put NAME's weight back to the default 1 (colony owner)."""
    s.client().remove_fair_weight(s.colony(), name, s.key("colony_prvkey"))
    emit(s, {"name": name, "weight": 1},
         lambda: click.echo(f"{name} has the default weight 1 in colony {s.colony()}"))  # fmt: skip


def _pause(s: Settings, executortype: str, paused: bool) -> None:
    client, key = s.client(), s.key("colony_prvkey")
    if paused:
        c = client.pause(s.colony(), key, executortype)
    else:
        c = client.resume(s.colony(), key, executortype)
    what = f"executor type {executortype}" if executortype else f"colony {c.name}"
    verb = "paused" if paused else "resumed"
    emit(s, c, lambda: click.echo(f"Assignment {verb} for {what} ({assignment(c)})"))


@colony.command("pause")
@click.option("--type", "executortype", default="", help="Only this executor type.")
@pass_settings
def colony_pause(s: Settings, executortype: str) -> None:
    """Stop assigning processes (colony owner); running ones go on."""
    _pause(s, executortype, True)


@colony.command("resume")
@click.option("--type", "executortype", default="", help="Only this executor type.")
@pass_settings
def colony_resume(s: Settings, executortype: str) -> None:
    """Assign processes again (colony owner)."""
    _pause(s, executortype, False)


@colony.command("stats")
@click.option("--name", help="Default: COLONIES_COLONY_NAME.")
@pass_settings
def colony_stats(s: Settings, name: str | None) -> None:
    """Counts of executors, processes and workflows by state."""
    stats = s.client().stats(name or s.colony(), s.key())
    emit(s, stats, lambda: fields("Statistics", list(stats.to_dict().items())))


# --------------------------------------------------------------- executor --


@click.group(cls=PluginGroup)  # `executor start|types` come from the executors package
def executor() -> None:
    """Executors (the colony owner's key registers and approves them)."""


def _show_executors(s: Settings, executors: list[Executor], colony: Colony | None) -> None:
    emit(s, executors, lambda: table(
        "Executors", ("name", "type", "state", "id", "last heard from", "assignment"),
        [(e.executorname, e.executortype,
          ExecutorState(e.state).name.lower() + (", silent" if e.silent else ""),
          short(s, e.executorid), when(e.lastheardfromtime),
          assignment(colony, e.executortype) if colony else "-") for e in executors],
    ))  # fmt: skip


@executor.command("add")
@click.option("--name", required=True)
@click.option("--type", "executortype", required=True)
@click.option("--executorid", required=True, help="Id of the executor's key.")
@click.option("--approve", is_flag=True, help="Approve it right away.")
@pass_settings
def executor_add(s: Settings, name: str, executortype: str, executorid: str, approve: bool) -> None:
    """Register an executor (colony owner)."""
    client, key = s.client(), s.key("colony_prvkey")
    added = client.add_executor(
        {"executorid": executorid, "executortype": executortype, "executorname": name,
         "colonyname": s.colony()}, key,
    )  # fmt: skip
    if approve:
        added = client.approve_executor(s.colony(), name, key)
    emit(
        s,
        added,
        lambda: click.echo(f"Executor {name} added" + (" and approved" if approve else "")),
    )


def _set_state(s: Settings, name: str, approve: bool) -> None:
    client, key = s.client(), s.key("colony_prvkey")
    if approve:
        e = client.approve_executor(s.colony(), name, key)
    else:
        e = client.reject_executor(s.colony(), name, key)
    emit(s, e, lambda: click.echo(f"Executor {name} {'approved' if approve else 'rejected'}"))


@executor.command("approve")
@click.option("--name", required=True)
@pass_settings
def executor_approve(s: Settings, name: str) -> None:
    """Approve an executor: it may now be assigned work."""
    _set_state(s, name, True)


@executor.command("reject")
@click.option("--name", required=True)
@pass_settings
def executor_reject(s: Settings, name: str) -> None:
    """Reject an executor: its running work goes back to the queue."""
    _set_state(s, name, False)


@executor.command("remove")
@click.option("--name", required=True)
@pass_settings
def executor_remove(s: Settings, name: str) -> None:
    """Remove an executor: its running work goes back to the queue."""
    s.client().remove_executor(s.colony(), name, s.key("colony_prvkey"))
    emit(s, {"removed": name}, lambda: click.echo(f"Executor {name} removed"))


@executor.command("ls")
@wide_option
@pass_settings
def executor_ls(s: Settings) -> None:
    """List the executors of the colony."""
    client = s.client()
    executors = client.list_executors(s.colony(), s.key())
    try:
        colony: Colony | None = client.get_colony(s.colony(), s.key())
    except PermissionDenied:  # a pending executor may list, but not read the colony
        colony = None
    _show_executors(s, executors, colony)


@executor.command("get")
@click.option("--name", required=True)
@pass_settings
def executor_get(s: Settings, name: str) -> None:
    """Show an executor."""
    e = s.client().get_executor(s.colony(), name, s.key())
    emit(s, e, lambda: fields("Executor", list(e.to_dict().items())))


# ------------------------------------------------------------------- user --


@click.group()
def user() -> None:
    """Users: members who submit work (the colony owner's key manages them)."""


@user.command("add")
@click.option("--name", required=True)
@click.option("--userid", required=True, help="Id of the user's key.")
@click.option("--email", default="")
@click.option("--phone", default="")
@pass_settings
def user_add(s: Settings, name: str, userid: str, email: str, phone: str) -> None:
    """Add a user (colony owner)."""
    added = s.client().add_user(
        {"colonyname": s.colony(), "userid": userid, "name": name, "email": email, "phone": phone},
        s.key("colony_prvkey"),
    )
    emit(s, added, lambda: click.echo(f"User {name} added"))


@user.command("ls")
@wide_option
@pass_settings
def user_ls(s: Settings) -> None:
    """List the users of the colony."""
    users = s.client().get_users(s.colony(), s.key())
    rows = [(u.name, short(s, u.userid), u.email, u.phone) for u in users]
    emit(s, users, lambda: table("Users", ("name", "userid", "email", "phone"), rows))


@user.command("remove")
@click.option("--name", required=True)
@pass_settings
def user_remove(s: Settings, name: str) -> None:
    """Remove a user (colony owner)."""
    s.client().remove_user(s.colony(), name, s.key("colony_prvkey"))
    emit(s, {"removed": name}, lambda: click.echo(f"User {name} removed"))
