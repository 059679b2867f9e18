"""`colonies dashboard`: a one-time login link to the server's web dashboard."""

from __future__ import annotations

import os
import webbrowser

import click

from pycolonies_like.cli.common import CliError
from pycolonies_like.cli.context import Settings, pass_settings
from pycolonies_like.core.rules import env_int
from pycolonies_like.signing import LOGIN_PATH, login_query


@click.command()
@click.option(
    "--url",
    help="The server's HTTP address (default: http(s)://HOST:COLONIES_SERVER_HTTP_PORT, 50080).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the link in a browser.")
@pass_settings
def dashboard(s: Settings, url: str | None, open_browser: bool) -> None:
    """Print a login link to the web dashboard, signed with your key.

    The link works once, within the server's signature window (5 minutes);
    the dashboard then acts as you, with what your key may see and do.
    """
    if url is None:
        port = env_int(os.environ, "COLONIES_SERVER_HTTP_PORT", 50080)
        url = f"{'https' if s.tls else 'http'}://{s.host}:{port}"
    if not url.startswith(("http://", "https://")):
        raise CliError(f"--url must start with http:// or https://, got {url!r}")
    link = f"{url.rstrip('/')}{LOGIN_PATH}?{login_query(s.key())}"
    click.echo(link)
    if open_browser:
        webbrowser.open(link)
