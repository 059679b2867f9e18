"""ColonyFS messages: file metadata and snapshots (the bytes are in S3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.models import File
from server.transport import colonyos_json as cj
from server.transport.http_gateway.wire import Message, handles, text

if TYPE_CHECKING:
    from server.transport.http_gateway.gateway import Gateway


def _flag(msg: Message, key: str) -> bool:
    value = msg.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidArgument(f"{key} must be true or false")
    return value


@handles("addfilemsg")
async def _add_file(gw: Gateway, caller: str, msg: Message) -> Any:
    data = msg.get("file")
    if not isinstance(data, dict):
        raise InvalidArgument("file must be a JSON object")
    # The server numbers and stamps revisions: what the client sent is ignored.
    given = {k: v for k, v in data.items() if k not in ("fileid", "sequencenr", "added")}
    file = cj.from_json(File, {**given, "fileid": "", "added": 0}, path="file")
    return cj.to_json(await gw.services.files.add_file(caller, file))


@handles("getfilemsg")
async def _get_file(gw: Gateway, caller: str, msg: Message) -> Any:
    found = await gw.services.files.get_file(
        caller, text(msg, "colonyname"), text(msg, "fileid"), text(msg, "label"),
        text(msg, "name"), _flag(msg, "latest"),
    )  # fmt: skip
    return [cj.to_json(f) for f in found]


@handles("getfilesmsg")
async def _get_files(gw: Gateway, caller: str, msg: Message) -> Any:
    found = await gw.services.files.get_files(caller, text(msg, "colonyname"), text(msg, "label"))
    return [cj.to_json(f) for f in found]


@handles("getfilelabelsmsg")
async def _get_file_labels(gw: Gateway, caller: str, msg: Message) -> Any:
    found = await gw.services.files.get_file_labels(
        caller, text(msg, "colonyname"), text(msg, "name"), _flag(msg, "exact")
    )
    return [cj.to_json(label) for label in found]


@handles("removefilemsg")
async def _remove_file(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.files.remove_file(
        caller, text(msg, "colonyname"), text(msg, "fileid"), text(msg, "label"),
        text(msg, "name"),
    )  # fmt: skip
    return {}


@handles("createsnapshotmsg")
async def _create_snapshot(gw: Gateway, caller: str, msg: Message) -> Any:
    taken = await gw.services.files.create_snapshot(
        caller, text(msg, "colonyname"), text(msg, "label"), text(msg, "name")
    )
    return cj.to_json(taken)


@handles("getsnapshotmsg")
async def _get_snapshot(gw: Gateway, caller: str, msg: Message) -> Any:
    found = await gw.services.files.get_snapshot(
        caller, text(msg, "colonyname"), text(msg, "snapshotid"), text(msg, "name")
    )
    return cj.to_json(found)


@handles("getsnapshotsmsg")
async def _get_snapshots(gw: Gateway, caller: str, msg: Message) -> Any:
    return [cj.to_json(s) for s in
            await gw.services.files.list_snapshots(caller, text(msg, "colonyname"))]  # fmt: skip


@handles("removesnapshotmsg")
async def _remove_snapshot(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.files.remove_snapshot(
        caller, text(msg, "colonyname"), text(msg, "snapshotid"), text(msg, "name")
    )
    return {}


# ColonyOS' name for it is singular.
@handles("removeallsnapshotmsg", "removeallsnapshotsmsg")
async def _remove_all_snapshots(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.files.remove_all_snapshots(caller, text(msg, "colonyname"))
    return {}
