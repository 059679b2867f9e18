"""gRPC handlers of the subsystems beside the process queue: channels, locations, rate limits,
blueprints and ColonyFS (files, snapshots). Mixed into `GrpcApi` (grpc_api.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from pycolonies_like import convert
from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.models import (
    Blueprint,
    BlueprintDefinition,
    File,
    Location,
    RateLimit,
)
from pycolonies_like.core.rules import decode_json
from pycolonies_like.proto import colonies_pb2 as pb
from server.service.blueprints import BlueprintService
from server.service.channels import ChannelService
from server.service.files import FileService
from server.service.locations import LocationService
from server.service.ratelimits import RateLimitService


class SubsystemHandlers:
    channels: ChannelService
    locations: LocationService
    ratelimits: RateLimitService
    blueprints: BlueprintService
    files: FileService

    # ---------------------------------------------------------- channels --

    async def ChannelAppend(self, caller: str, req: pb.ChannelAppendRequest) -> pb.ChannelEntry:
        entry = await self.channels.append(
            caller, req.processid, req.name, req.sequence, req.payload, req.type, req.inreplyto
        )
        return convert.channel_entry_to_pb(entry)

    async def ChannelRead(self, caller: str, req: pb.ChannelReadRequest) -> pb.ChannelEntries:
        entries = await self.channels.read(caller, req.processid, req.name, req.after, req.limit)
        return pb.ChannelEntries(entries=[convert.channel_entry_to_pb(e) for e in entries])

    async def SubscribeChannel(
        self, caller: str, req: pb.SubscribeChannelRequest
    ) -> AsyncIterator[pb.ChannelEntries]:
        batches = self.channels.subscribe(caller, req.processid, req.name, req.after, req.timeout)
        async for entries in batches:
            yield pb.ChannelEntries(entries=[convert.channel_entry_to_pb(e) for e in entries])

    # ----------------------------------------------- the server's objects --

    async def UploadObject(
        self, caller: str, first: pb.ObjectChunk, rest: AsyncIterator[pb.ObjectChunk]
    ) -> pb.ObjectInfo:
        if first.data:
            raise InvalidArgument("the first message of an upload carries no data")

        async def chunks() -> AsyncIterator[bytes]:
            async for chunk in rest:
                yield chunk.data

        sha = first.sha256
        await self.files.upload_object(caller, first.colonyname, first.size, sha, chunks())
        return pb.ObjectInfo(size=first.size, sha256=sha)

    async def DownloadObject(
        self, caller: str, req: pb.ObjectRequest
    ) -> AsyncIterator[pb.ObjectChunk]:
        size, chunks = await self.files.download_object(caller, req.colonyname, req.sha256)
        yield pb.ObjectChunk(colonyname=req.colonyname, size=size, sha256=req.sha256)
        async for data in chunks:
            yield pb.ObjectChunk(data=data)

    # --------------------------------------------------------- locations --

    async def AddLocation(self, caller: str, req: pb.Location) -> pb.Location:
        location = convert.from_pb(Location, req)
        return convert.to_pb(await self.locations.add_location(caller, location))

    async def GetLocation(self, caller: str, req: pb.LocationRequest) -> pb.Location:
        return convert.to_pb(await self.locations.get_location(caller, req.colonyname, req.name))

    async def ListLocations(self, caller: str, req: pb.ColonyNameRequest) -> pb.ListLocationsReply:
        found = await self.locations.list_locations(caller, req.colonyname)
        return pb.ListLocationsReply(locations=[convert.to_pb(loc) for loc in found])

    async def RemoveLocation(self, caller: str, req: pb.LocationRequest) -> pb.Empty:
        await self.locations.remove_location(caller, req.colonyname, req.name)
        return pb.Empty()

    # ------------------------------------------------------- rate limits --

    async def AddRateLimit(self, caller: str, req: pb.RateLimit) -> pb.RateLimit:
        limit = convert.from_pb(RateLimit, req)
        return convert.to_pb(await self.ratelimits.add(caller, limit))

    async def GetRateLimit(self, caller: str, req: pb.RateLimitRequest) -> pb.RateLimit:
        return convert.to_pb(await self.ratelimits.get(caller, req.colonyname, req.name))

    async def ListRateLimits(
        self, caller: str, req: pb.ColonyNameRequest
    ) -> pb.ListRateLimitsReply:
        found = await self.ratelimits.list(caller, req.colonyname)
        return pb.ListRateLimitsReply(ratelimits=[convert.to_pb(r) for r in found])

    async def RemoveRateLimit(self, caller: str, req: pb.RateLimitRequest) -> pb.Empty:
        await self.ratelimits.remove(caller, req.colonyname, req.name)
        return pb.Empty()

    # -------------------------------------------------------- blueprints --

    async def AddBlueprintDefinition(
        self, caller: str, req: pb.BlueprintDefinition
    ) -> pb.BlueprintDefinition:
        d = convert.from_pb(BlueprintDefinition, req)
        return convert.to_pb(await self.blueprints.add_definition(caller, d))

    async def GetBlueprintDefinition(
        self, caller: str, req: pb.BlueprintNameRequest
    ) -> pb.BlueprintDefinition:
        d = await self.blueprints.get_definition(caller, req.colonyname, req.name)
        return convert.to_pb(d)

    async def ListBlueprintDefinitions(
        self, caller: str, req: pb.ColonyNameRequest
    ) -> pb.ListBlueprintDefinitionsReply:
        found = await self.blueprints.list_definitions(caller, req.colonyname)
        return pb.ListBlueprintDefinitionsReply(definitions=[convert.to_pb(d) for d in found])

    async def RemoveBlueprintDefinition(
        self, caller: str, req: pb.BlueprintNameRequest
    ) -> pb.Empty:
        await self.blueprints.remove_definition(caller, req.colonyname, req.name)
        return pb.Empty()

    async def AddBlueprint(self, caller: str, req: pb.Blueprint) -> pb.Blueprint:
        b = convert.from_pb(Blueprint, req)
        return convert.to_pb(await self.blueprints.add_blueprint(caller, b))

    async def GetBlueprint(self, caller: str, req: pb.BlueprintNameRequest) -> pb.Blueprint:
        return convert.to_pb(await self.blueprints.get_blueprint(caller, req.colonyname, req.name))

    async def ListBlueprints(
        self, caller: str, req: pb.ListBlueprintsRequest
    ) -> pb.ListBlueprintsReply:
        found = await self.blueprints.list_blueprints(
            caller, req.colonyname, req.kind, req.locationname
        )
        return pb.ListBlueprintsReply(blueprints=[convert.to_pb(b) for b in found])

    async def UpdateBlueprint(self, caller: str, req: pb.UpdateBlueprintRequest) -> pb.Blueprint:
        b = convert.from_pb(Blueprint, req.blueprint)
        return convert.to_pb(
            await self.blueprints.update_blueprint(caller, b, req.force_generation)
        )

    async def UpdateBlueprintStatus(
        self, caller: str, req: pb.UpdateBlueprintStatusRequest
    ) -> pb.Blueprint:
        status = decode_json("status", req.status_json, {}, dict) if req.status_json else {}
        b = await self.blueprints.update_status(caller, req.colonyname, req.name, status)
        return convert.to_pb(b)

    async def RemoveBlueprint(self, caller: str, req: pb.BlueprintNameRequest) -> pb.Empty:
        await self.blueprints.remove_blueprint(caller, req.colonyname, req.name)
        return pb.Empty()

    async def ReconcileBlueprint(
        self, caller: str, req: pb.ReconcileBlueprintRequest
    ) -> pb.Process:
        process = await self.blueprints.reconcile(caller, req.colonyname, req.name, req.force)
        return convert.process_to_pb(process)

    async def GetBlueprintHistory(
        self, caller: str, req: pb.BlueprintHistoryRequest
    ) -> pb.BlueprintHistoryReply:
        found = await self.blueprints.history(caller, req.blueprintid, req.limit)
        return pb.BlueprintHistoryReply(history=[convert.to_pb(h) for h in found])

    # ---------------------------------------------------------- ColonyFS --

    async def AddFile(self, caller: str, req: pb.AddFileRequest) -> pb.File:
        added = await self.files.add_file(caller, convert.from_pb(File, req.file))
        return convert.to_pb(added)  # type: ignore[no-any-return]

    async def GetFile(self, caller: str, req: pb.GetFileRequest) -> pb.ListFilesReply:
        found = await self.files.get_file(
            caller, req.colonyname, req.fileid, req.label, req.name, req.latest
        )
        return pb.ListFilesReply(files=[convert.to_pb(f) for f in found])

    async def GetFiles(self, caller: str, req: pb.GetFilesRequest) -> pb.GetFilesReply:
        found = await self.files.get_files(caller, req.colonyname, req.label)
        return pb.GetFilesReply(files=[convert.to_pb(f) for f in found])

    async def GetFileLabels(
        self, caller: str, req: pb.GetFileLabelsRequest
    ) -> pb.GetFileLabelsReply:
        found = await self.files.get_file_labels(caller, req.colonyname, req.name, req.exact)
        return pb.GetFileLabelsReply(labels=[convert.to_pb(label) for label in found])

    async def RemoveFile(self, caller: str, req: pb.RemoveFileRequest) -> pb.RemovedReply:
        removed = await self.files.remove_file(
            caller, req.colonyname, req.fileid, req.label, req.name
        )
        return pb.RemovedReply(removed=removed)

    async def CreateSnapshot(self, caller: str, req: pb.CreateSnapshotRequest) -> pb.Snapshot:
        taken = await self.files.create_snapshot(caller, req.colonyname, req.label, req.name)
        return convert.to_pb(taken)  # type: ignore[no-any-return]

    async def GetSnapshot(self, caller: str, req: pb.SnapshotRequest) -> pb.Snapshot:
        found = await self.files.get_snapshot(caller, req.colonyname, req.snapshotid, req.name)
        return convert.to_pb(found)  # type: ignore[no-any-return]

    async def ListSnapshots(self, caller: str, req: pb.ColonyNameRequest) -> pb.ListSnapshotsReply:
        found = await self.files.list_snapshots(caller, req.colonyname)
        return pb.ListSnapshotsReply(snapshots=[convert.to_pb(s) for s in found])

    async def RemoveSnapshot(self, caller: str, req: pb.SnapshotRequest) -> pb.Empty:
        await self.files.remove_snapshot(caller, req.colonyname, req.snapshotid, req.name)
        return pb.Empty()

    async def RemoveAllSnapshots(self, caller: str, req: pb.ColonyNameRequest) -> pb.RemovedReply:
        return pb.RemovedReply(
            removed=await self.files.remove_all_snapshots(caller, req.colonyname)
        )
