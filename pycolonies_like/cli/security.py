"""`colonies security`: key pairs and ids."""

from __future__ import annotations

import os

import click

from pycolonies_like.cli.common import CliError, print_json
from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.crypto import generate_private_key, id_of


def write_secret(path: str, text: str) -> None:
    """Writes a key file readable by its owner only (0600), never wider."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode())
    finally:
        os.close(fd)


@click.group()
def security() -> None:
    """Key pairs and identities."""


@security.command()
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Write the private key to this file (0600)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (as `colonies --json` does).")
@click.pass_context
def generate(ctx: click.Context, out: str | None, as_json: bool) -> None:
    """Generate a new secp256k1 key pair; prints the id and the private key."""
    as_json = as_json or bool(getattr(ctx.obj, "as_json", False))
    prvkey = generate_private_key()
    identity = id_of(prvkey)
    if out:
        write_secret(out, prvkey + "\n")
    if as_json:
        print_json({"id": identity, "prvkey": None if out else prvkey, "file": out})
    elif out:
        click.echo(f"Id:          {identity}\nPrivate key: written to {out} (mode 0600)")
    else:
        click.echo(f"Id:          {identity}\nPrivate key: {prvkey}")


@security.command("id")
@click.option(
    "--prvkey", envvar="COLONIES_PRVKEY", required=True, help="Private key (or COLONIES_PRVKEY)."
)
def identity(prvkey: str) -> None:
    """Print the id of a private key."""
    try:
        click.echo(id_of(prvkey.strip()))
    except InvalidArgument as err:
        raise CliError(str(err)) from None
