"""`colonies blueprint` and `colonies location`: declarative desired state,
and the places of a colony. Definitions and locations are the colony owner's
(COLONIES_COLONY_PRVKEY); blueprints are the members' (COLONIES_PRVKEY)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import yaml

from pycolonies_like.cli.common import CliError
from pycolonies_like.cli.context import Settings, emit, fields, pass_settings, table, when
from pycolonies_like.core.models import Blueprint, Location


def load_document(path: str) -> dict[str, Any]:
    """A YAML or JSON file (or - for standard input) holding one object."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text()
    except OSError as err:
        raise CliError(f"cannot read {path}: {err.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise CliError(f"{path} is not valid YAML or JSON: {err}".splitlines()[0]) from None
    if not isinstance(data, dict):
        raise CliError(f"{path} must hold an object (with kind, metadata and spec)")
    return data


def _with_colony(s: Settings, data: dict[str, Any]) -> dict[str, Any]:
    metadata = data.setdefault("metadata", {})
    if not isinstance(metadata, dict):
        raise CliError("metadata must be an object")
    metadata.setdefault("colonyname", s.colony())
    return data


def _show_blueprint(b: Blueprint) -> None:
    fields(f"Blueprint {b.metadata.name}", [
        ("kind", b.kind), ("blueprintid", b.blueprintid),
        ("location", b.metadata.locationname or "-"), ("generation", b.metadata.generation),
        ("updated", when(b.metadata.updated)),
        ("last reconciliation", b.metadata.lastreconciliationprocess or "-"),
        ("spec", json.dumps(b.spec)), ("status", json.dumps(b.status)),
    ])  # fmt: skip


@click.group()
def blueprint() -> None:
    """Blueprints: desired state that executors reconcile."""


@blueprint.group("definition")
def definition() -> None:
    """Kinds of blueprints (the colony owner's)."""


@definition.command("add")
@click.option("--file", "path", required=True, help="A definition (YAML or JSON; - for stdin).")
@pass_settings
def definition_add(s: Settings, path: str) -> None:
    """Define a kind of blueprints."""
    data = _with_colony(s, load_document(path))
    d = s.client().add_blueprint_definition(data, s.key("colony_prvkey"))
    emit(s, d, lambda: click.echo(f"kind {d.defines} defined ({d.metadata.name})", err=True))


@definition.command("ls")
@pass_settings
def definition_ls(s: Settings) -> None:
    found = s.client().get_blueprint_definitions(s.colony(), s.key())
    rows = [(d.metadata.name, d.defines, d.spec.handler.executortype or "-",
             d.spec.handler.functionname or "-") for d in found]  # fmt: skip
    emit(s, found, lambda: table("Blueprint definitions",
                                 ("name", "kind", "executor type", "function"), rows))  # fmt: skip


@definition.command("get")
@click.argument("name")
@pass_settings
def definition_get(s: Settings, name: str) -> None:
    d = s.client().get_blueprint_definition(s.colony(), name, s.key())
    emit(s, d, lambda: fields(f"Blueprint definition {name}", [
        ("kind", d.defines), ("executor type", d.spec.handler.executortype or "-"),
        ("function", d.spec.handler.functionname or "-"),
        ("reconcile interval", d.spec.handler.reconcileinterval or "default"),
        ("schema", json.dumps(d.spec.schema)),
    ]))  # fmt: skip


@definition.command("remove")
@click.argument("name")
@pass_settings
def definition_remove(s: Settings, name: str) -> None:
    s.client().remove_blueprint_definition(s.colony(), name, s.key("colony_prvkey"))
    click.echo(f"definition {name} removed", err=True)


@blueprint.command("add")
@click.option("--file", "path", required=True, help="A blueprint (YAML or JSON; - for stdin).")
@pass_settings
def blueprint_add(s: Settings, path: str) -> None:
    """Add a blueprint; its handler is asked to reconcile it."""
    b = s.client().add_blueprint(_with_colony(s, load_document(path)), s.key())
    emit(s, b, lambda: click.echo(b.blueprintid))


@blueprint.command("update")
@click.option("--file", "path", required=True, help="The blueprint (YAML or JSON; - for stdin).")
@click.option("--force", is_flag=True, help="A new generation even if the spec is the same.")
@pass_settings
def blueprint_update(s: Settings, path: str, force: bool) -> None:
    """Replace a blueprint's spec; a change is reconciled."""
    b = s.client().update_blueprint(_with_colony(s, load_document(path)), s.key(), force)
    emit(s, b, lambda: click.echo(f"generation {b.metadata.generation}", err=True))


@blueprint.command("ls")
@click.option("--kind", default="", help="Only this kind.")
@click.option("--location", default="", help="Only at this location.")
@pass_settings
def blueprint_ls(s: Settings, kind: str, location: str) -> None:
    found = s.client().get_blueprints(s.colony(), s.key(), kind or None, location or None)
    rows = [(b.metadata.name, b.kind, b.metadata.locationname or "-", b.metadata.generation,
             json.dumps(b.status) if b.status else "-") for b in found]  # fmt: skip
    emit(s, found, lambda: table("Blueprints", ("name", "kind", "location", "generation",
                                               "status"), rows))  # fmt: skip


@blueprint.command("get")
@click.argument("name")
@pass_settings
def blueprint_get(s: Settings, name: str) -> None:
    b = s.client().get_blueprint(s.colony(), name, s.key())
    emit(s, b, lambda: _show_blueprint(b))


@blueprint.command("remove")
@click.argument("name")
@pass_settings
def blueprint_remove(s: Settings, name: str) -> None:
    """Remove a blueprint; its handler is asked to clean up."""
    s.client().remove_blueprint(s.colony(), name, s.key())
    click.echo(f"blueprint {name} removed", err=True)


@blueprint.command("reconcile")
@click.argument("name")
@click.option("--force", is_flag=True, help="Ask the reconciler to act even if nothing changed.")
@pass_settings
def blueprint_reconcile(s: Settings, name: str, force: bool) -> None:
    """Submit a reconciliation of a blueprint now; prints the process id."""
    p = s.client().reconcile_blueprint(s.colony(), name, s.key(), force)
    emit(s, p, lambda: click.echo(p.processid))


@blueprint.command("history")
@click.argument("name")
@click.option("--limit", type=int, default=20, show_default=True)
@pass_settings
def blueprint_history(s: Settings, name: str, limit: int) -> None:
    """The changes of a blueprint, newest first."""
    client, key = s.client(), s.key()
    b = client.get_blueprint(s.colony(), name, key)
    found = client.get_blueprint_history(b.blueprintid, key, limit)
    rows = [(h.generation, h.changetype, when(h.timestamp), h.changedby[:12],
             json.dumps(h.spec)) for h in found]  # fmt: skip
    emit(s, found, lambda: table(f"History of {name}", ("generation", "change", "when", "by",
                                                       "spec"), rows))  # fmt: skip


# ------------------------------------------------------------- locations --


@click.group()
def location() -> None:
    """Locations of a colony (the colony owner's)."""


@location.command("add")
@click.option("--name", required=True)
@click.option("--description", default="")
@click.option("--long", "longitude", type=float, default=0.0)
@click.option("--lat", "latitude", type=float, default=0.0)
@pass_settings
def location_add(s: Settings, name: str, description: str, longitude: float,
                 latitude: float) -> None:  # fmt: skip
    loc = Location(name, s.colony(), description=description, long=longitude, lat=latitude)
    added = s.client().add_location(loc, s.key("colony_prvkey"))
    emit(s, added, lambda: click.echo(added.locationid))


@location.command("ls")
@pass_settings
def location_ls(s: Settings) -> None:
    found = s.client().get_locations(s.colony(), s.key())
    rows = [(x.name, x.description, x.long, x.lat) for x in found]
    emit(s, found, lambda: table("Locations", ("name", "description", "long", "lat"), rows))


@location.command("get")
@click.argument("name")
@pass_settings
def location_get(s: Settings, name: str) -> None:
    x = s.client().get_location(s.colony(), name, s.key())
    emit(s, x, lambda: fields(f"Location {name}", [
        ("locationid", x.locationid), ("description", x.description), ("long", x.long),
        ("lat", x.lat),
    ]))  # fmt: skip


@location.command("remove")
@click.argument("name")
@pass_settings
def location_remove(s: Settings, name: str) -> None:
    s.client().remove_location(s.colony(), name, s.key("colony_prvkey"))
    click.echo(f"location {name} removed", err=True)


__all__ = ["blueprint", "location"]
