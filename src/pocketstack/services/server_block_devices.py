"""A server create's block device mappings with a volume destination (boot from volume and
volumes attached at boot): checked, their new volumes made through the volume service before
the servers are recorded (from an image, a snapshot, or blank), then attached to each new
server inside the create's write transaction. A create that fails after its volumes were made
deletes them again."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import ServerRow, VolumeRow
from pocketstack.services import attachment_records, volume_store, volumes
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.volumes import VolumeFields

SOURCES = ("image", "volume", "snapshot", "blank")


@dataclass(frozen=True, slots=True)
class BlockDevice:
    """One block_device_mapping_v2 item whose destination is a volume."""

    source_type: str
    uuid: str | None = None
    volume_size: int | None = None
    boot_index: int | None = None
    delete_on_termination: bool = False
    device_name: str | None = None
    tag: str | None = None
    volume_type: str | None = None


@dataclass(frozen=True, slots=True)
class Prepared:
    """A volume ready to attach to one new server (`made`: this create made it)."""

    volume_id: str
    device: BlockDevice
    made: bool


def invalid_bdm(reason: str) -> errors.BadRequest:
    return errors.BadRequest(f"Block Device Mapping is Invalid: {reason}")


def boots_from_volume(devices: tuple[BlockDevice, ...]) -> bool:
    return any(d.boot_index == 0 for d in devices)


async def prepare(cloud: Cloud, caller: Caller, devices: tuple[BlockDevice, ...],
                  count: int) -> list[list[Prepared]]:
    """For each of `count` servers, its volumes: an existing one (source volume, one server
    only) or a new one made here. On a failure, the volumes made so far are deleted."""
    if count > 1 and any(d.source_type == "volume" for d in devices):
        raise errors.BadRequest("Cannot attach one or more volumes to multiple instances")
    prepared: list[list[Prepared]] = []
    try:
        for _ in range(count):
            prepared.append([await _one(cloud, caller, device) for device in devices])
    except BaseException:
        await discard(cloud, caller, [p for each in prepared for p in each])
        raise
    return prepared


async def _one(cloud: Cloud, caller: Caller, device: BlockDevice) -> Prepared:
    if device.source_type == "volume":
        if not device.uuid:
            raise invalid_bdm("Missing volume id.")
        async with cloud.db.reader() as s:
            try:
                volume = await volumes.get_volume(s, caller, device.uuid)
            except errors.NotFound:
                raise invalid_bdm(f"failed to get volume {device.uuid}.") from None
            if device.boot_index == 0 and not volume.bootable:
                raise errors.BadRequest(f"Block Device {volume.id} is not bootable.")
            attachment_records.check_reservable(volume)
        return Prepared(volume.id, device, made=False)
    if device.source_type in ("image", "blank") and not device.volume_size:
        what = "Images" if device.source_type == "image" else "Blank volumes"
        raise invalid_bdm(f"{what} with destination_type 'volume' need to have a non-zero "
                          "size specified")
    if device.source_type in ("image", "snapshot") and not device.uuid:
        raise invalid_bdm(f"Missing {device.source_type} id.")
    fields = VolumeFields(
        size=device.volume_size, name="", volume_type=device.volume_type,
        snapshot_id=device.uuid if device.source_type == "snapshot" else None,
        image_ref=device.uuid if device.source_type == "image" else None)
    try:
        made = await volumes.create_volume(cloud, caller, fields, in_request=True)
    except errors.NotFound as exc:
        raise invalid_bdm(exc.message) from None
    return Prepared(made.row.id, device, made=True)


async def attach(s: AsyncSession, server: ServerRow, prepared: list[Prepared]) -> None:
    """Attach the server's volumes (the server row may not be inserted yet)."""
    for item in prepared:
        volume = await s.get(VolumeRow, item.volume_id)
        if volume is None or volume.deleted:
            raise invalid_bdm(f"failed to get volume {item.volume_id}.")
        attachment_records.check_reservable(volume, multiattach_ok=not item.made)
        device = item.device
        await attachment_records.attach(
            s, volume, server, device=device.device_name, tag=device.tag,
            delete_on_termination=device.delete_on_termination,
            boot_index=0 if device.boot_index == 0 else None)


async def discard(cloud: Cloud, caller: Caller, prepared: list[Prepared]) -> None:
    """Delete the volumes a failed create made."""
    made = [p.volume_id for p in prepared if p.made]
    if not made:
        return
    locations: list[str] = []
    async with cloud.db.session() as s:
        for volume_id in made:
            row = await s.get(VolumeRow, volume_id)
            if row is not None and not row.deleted:
                row.deleted, row.status = True, "deleted"
                locations.append(row.location)
    for location in locations:
        await asyncio.to_thread(volume_store.remove, cloud.settings.data_dir, location)
