"""Cinder's older volume actions on a volume's attachments (POST /volumes/{id}/action):
os-reserve, os-unreserve, os-begin_detaching, os-roll_detaching, os-attach, os-detach,
os-initialize_connection, os-terminate_connection, os-force_detach (admin) and
os-update_readonly_flag. They change the same attachment records as the attachments API
and os-volume_attachments (`services.attachment_records`); the transitional statuses
(attaching, detaching) are the volume's own, as in Cinder."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import ServerRow, VolumeAttachmentRow, VolumeRow
from pocketstack.services import attachment_records, volume_store
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.volumes import get_volume, invalid_volume
from pocketstack.timeutil import utcnow


def _set(volume: VolumeRow, status: str) -> None:
    volume.status, volume.updated_at = status, utcnow()


async def reserve(cloud: Cloud, caller: Caller, volume_id: str) -> None:
    async with cloud.db.session() as s:
        volume = await get_volume(s, caller, volume_id)
        expected = ("available", "in-use") if volume.multiattach else ("available",)
        if volume.status not in expected:
            wanted = " or ".join(expected)
            raise invalid_volume(f"Volume status must be {wanted} to reserve, but the status "
                                 f"is {volume.status}.")
        _set(volume, "attaching")


async def unreserve(cloud: Cloud, caller: Caller, volume_id: str) -> None:
    """attaching goes back to in-use when the volume has attachments, else available; any
    other status is left as it is."""
    async with cloud.db.session() as s:
        volume = await get_volume(s, caller, volume_id)
        if volume.status == "attaching":
            rows = (await attachment_records.of_volumes(s, {volume.id}))[volume.id]
            _set(volume, "in-use" if any(r.status == "attached" for r in rows)
                 else "available")


async def begin_detaching(cloud: Cloud, caller: Caller, volume_id: str) -> None:
    async with cloud.db.session() as s:
        volume = await get_volume(s, caller, volume_id)
        if volume.status != "in-use" or volume.attach_status != "attached":
            raise invalid_volume("Unable to detach volume. Volume status must be 'in-use' and "
                                 "attach_status must be 'attached' to detach.")
        _set(volume, "detaching")


async def roll_detaching(cloud: Cloud, caller: Caller, volume_id: str) -> None:
    async with cloud.db.session() as s:
        volume = await get_volume(s, caller, volume_id)
        if volume.status == "detaching":
            _set(volume, "in-use")


def _readonly(volume: VolumeRow) -> bool:
    return str(volume.metadata_.get("readonly", "False")) == "True"


async def attach(cloud: Cloud, caller: Caller, volume_id: str, *, instance_uuid: str | None,
                 mountpoint: str, mode: str) -> None:
    """Record the attachment as attached (to the instance, or to a host)."""
    error = "Error attaching volume - InvalidVolume: "
    async with cloud.db.session() as s:
        volume = await get_volume(s, caller, volume_id)
        if volume.status == "maintenance":
            raise invalid_volume("The volume cannot be attached in maintenance mode.")
        if mode not in ("rw", "ro"):
            raise errors.BadRequest(f"Error attaching volume - InvalidVolumeAttachMode: Invalid "
                                    f"attaching mode '{mode}' for volume {volume.id}.")
        if _readonly(volume) and mode != "ro":
            raise errors.BadRequest(f"Error attaching volume - InvalidVolumeAttachMode: Invalid "
                                    f"attaching mode '{mode}' for volume {volume.id}.")
        rows = (await attachment_records.of_volumes(s, {volume.id}))[volume.id]
        live = [r for r in rows if r.status == "attached"]
        if instance_uuid is not None and any(r.server_id == instance_uuid for r in live):
            raise errors.BadRequest(f"{error}volume {volume.id} is already attached to "
                                    f"instance {instance_uuid}")
        if live and not volume.multiattach:
            raise errors.BadRequest(f"{error}Volume {volume.id} is already attached and is "
                                    "not multiattach.")
        if volume.status not in ("available", "attaching", "reserved", "in-use"):
            raise errors.BadRequest(f"{error}Volume {volume.id} status must be available or "
                                    f"attaching, but the current status is {volume.status}.")
        server = await s.get(ServerRow, instance_uuid) if instance_uuid else None
        used = [r.device for r in await attachment_records.of_server(s, server.id)] \
            if server is not None else []
        if server is not None and mountpoint in used:
            raise errors.BadRequest(f"{error}The device {mountpoint} is in use on instance "
                                    f"{server.id}.")
        # No connector is recorded: as in Cinder, such an attachment carries no connection
        # and os-detach may remove it.
        row = await attachment_records.reserve(s, volume, instance_uuid, volume.project_id,
                                               connector=None, mode=mode)
        row.device = mountpoint
        await attachment_records.complete(s, row, volume)


async def _nova_owned(s: AsyncSession, row: VolumeAttachmentRow) -> bool:
    """Cinder's attachment_deletion_allowed: an attachment connected to a live server is the
    Compute API's to remove."""
    if row.server_id is None or not row.connector:
        return False
    server = await s.get(ServerRow, row.server_id)
    return server is not None and not server.deleted


async def detach(cloud: Cloud, caller: Caller, volume_id: str, attachment_id: str | None, *,
                 force: bool = False) -> None:
    """Remove the attachment (the only one when none is named); os-force_detach (admin)
    also removes one in any state."""
    if force:
        authorize(caller, "volume_extension:volume_admin_actions:force_detach")
    error = f"Error {'force ' if force else ''}detaching volume - "
    async with cloud.db.session() as s:
        volume = await get_volume(s, caller, volume_id)
        if volume.status == "maintenance" and not force:
            raise invalid_volume("The volume cannot be detached in maintenance mode.")
        rows = (await attachment_records.of_volumes(s, {volume.id}))[volume.id]
        if attachment_id is None:
            if len(rows) > 1:
                raise errors.BadRequest(f"{error}InvalidVolume: Invalid volume: Detach volume "
                                        "failed: More than one attachment, but no "
                                        "attachment_id provided.")
            if not rows:
                _set(volume, "available")
                volume.attach_status = "detached"
                return
            row = rows[0]
        else:
            found = [r for r in rows if r.id == attachment_id]
            if not found:
                raise errors.BadRequest(f"{error}VolumeAttachmentNotFound: Volume attachment "
                                        "could not be found with filter: attachment_id = "
                                        f"{attachment_id}.")
            row = found[0]
        if not force and await _nova_owned(s, row):
            raise errors.Conflict(f"Detach volume from instance {row.server_id} using the "
                                  "Compute API")
        await attachment_records.detach(s, row)


def connection_info(cloud: Cloud, volume: VolumeRow, connector: dict[str, Any]
                    ) -> dict[str, Any]:
    path = volume_store.path_of(cloud.settings.data_dir, volume.location)
    return {"driver_volume_type": "local",
            "data": {"device_path": str(path), "volume_id": volume.id,
                     "access_mode": "ro" if _readonly(volume) else "rw"},
            "enforce_multipath": bool(connector.get("enforce_multipath", False))}


async def initialize_connection(cloud: Cloud, caller: Caller, volume_id: str,
                                connector: dict[str, Any]) -> dict[str, Any]:
    """The connection a host needs to reach the volume; an attachment being made (attaching)
    takes the connector."""
    async with cloud.db.session() as s:
        volume = await get_volume(s, caller, volume_id)
        if volume.status == "maintenance":
            raise invalid_volume("The volume connection cannot be initialized in maintenance "
                                 "mode.")
        rows = (await attachment_records.of_volumes(s, {volume.id}))[volume.id]
        for row in rows:
            if row.status in ("reserved", "attaching") and row.connector is None:
                await attachment_records.connect(s, row, volume, connector)
                break
        return connection_info(cloud, volume, connector)


async def terminate_connection(cloud: Cloud, caller: Caller, volume_id: str,
                               connector: dict[str, Any]) -> None:
    """The host lets go of the volume: an attaching volume is unreserved."""
    async with cloud.db.session() as s:
        volume = await get_volume(s, caller, volume_id)
        rows = (await attachment_records.of_volumes(s, {volume.id}))[volume.id]
        if len(rows) == 1 and await _nova_owned(s, rows[0]):
            raise errors.Conflict(f"Detach volume from instance {rows[0].server_id} using the "
                                  "Compute API")
    await unreserve(cloud, caller, volume_id)


async def update_readonly_flag(cloud: Cloud, caller: Caller, volume_id: str,
                               flag: bool) -> None:
    async with cloud.db.session() as s:
        volume = await get_volume(s, caller, volume_id)
        if volume.status != "available":
            raise invalid_volume(f"Volume {volume.id} status must be available to update "
                                 f"readonly flag, but current status is: {volume.status}.")
        volume.metadata_ = {**volume.metadata_, "readonly": str(flag)}
        volume.updated_at = utcnow()
