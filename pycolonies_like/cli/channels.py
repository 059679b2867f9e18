"""`colonies channel`: talking to a running process over one of its channels."""

from __future__ import annotations

import json
import sys

import click

from pycolonies_like.cli.common import CliError
from pycolonies_like.cli.context import Settings, emit, pass_settings
from pycolonies_like.core.models import ChannelEntry, ChannelEntryType
from pycolonies_like.crypto import id_of


@click.group()
def channel() -> None:
    """Channels of processes: live messages between a submitter and its executor."""


def _text(entry: ChannelEntry) -> str:
    return entry.payload.decode("utf-8", errors="replace")


@channel.command("send")
@click.option("-p", "--processid", required=True)
@click.option("--name", required=True, help="The channel.")
@click.option("--seq", "sequence", type=int, help="Your number for it (default: your next one).")
@click.option("--reply-to", "in_reply_to", type=int, default=0, help="The sequence it answers.")
@click.option("--type", "payload_type", type=click.Choice(ChannelEntryType.ALL),
              default=ChannelEntryType.DATA, show_default=True)  # fmt: skip
@click.argument("message", required=False)
@pass_settings
def channel_send(
    s: Settings, processid: str, name: str, sequence: int | None, in_reply_to: int,
    payload_type: str, message: str | None,
) -> None:  # fmt: skip
    """Append MESSAGE (or standard input) to a channel of a process."""
    client, key = s.client(), s.key()
    payload = sys.stdin.buffer.read() if message is None else message.encode("utf-8")
    if sequence is None:
        me = id_of(key)
        mine = [e.sequence for e in client.channel_read(processid, name, 0, 0, key)
                if e.senderid == me]  # fmt: skip
        sequence = max(mine, default=0) + 1
    entry = client.channel_append(
        processid, name, sequence, payload, key, in_reply_to=in_reply_to,
        payload_type=payload_type,
    )  # fmt: skip
    emit(s, entry, lambda: click.echo(f"sent #{entry.sequence} (entry {entry.index})", err=True))


@channel.command("read")
@click.option("-p", "--processid", required=True)
@click.option("--name", required=True, help="The channel.")
@click.option("--after", type=int, default=0, help="Skip this many entries.")
@click.option("--limit", type=int, default=0, help="At most this many (0: all).")
@pass_settings
def channel_read(s: Settings, processid: str, name: str, after: int, limit: int) -> None:
    """Print the entries of a channel, one a line."""
    entries = s.client().channel_read(processid, name, after, limit, s.key())
    emit(s, entries, lambda: click.echo("".join(_text(e) + "\n" for e in entries), nl=False))


@channel.command("follow")
@click.option("-p", "--processid", required=True)
@click.option("--name", required=True, help="The channel.")
@click.option("--after", type=int, default=0, help="Skip this many entries.")
@click.option("--timeout", type=float, default=0.0, help="Stop after this many seconds.")
@click.option("--until-end", is_flag=True, help="Stop after an entry of type end.")
@pass_settings
def channel_follow(
    s: Settings, processid: str, name: str, after: int, timeout: float, until_end: bool
) -> None:
    """Print each entry of a channel as it arrives, until the process ends
    (JSON lines with --json). An entry of type error ends it with status 1."""
    client, key = s.client(), s.key()
    for entry in client.follow_channel(processid, name, key, after_seq=after, timeout=timeout):
        if s.as_json:
            click.echo(json.dumps(entry.to_dict()))
        else:
            click.echo(_text(entry))
        if entry.type == ChannelEntryType.ERROR:
            raise CliError(f"the channel reported an error: {entry.error or _text(entry)}")
        if until_end and entry.type == ChannelEntryType.END:
            return
