"""Cinder's attachments API (3.27+): reserve a volume for an instance (or for no instance),
give it a connector, complete it (3.44), delete it; each change goes through
`services.attachment_records`, so that os-volume_attachments and the volume views agree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import ServerRow, VolumeAttachmentRow, VolumeRow
from pocketstack.services import attachment_records, volume_store
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.volumes import get_volume

MODES = ("rw", "ro")


@dataclass(frozen=True, slots=True)
class AttachmentView:
    row: VolumeAttachmentRow
    # What a connector needs to reach the volume ({} until a connector is given).
    connection_info: dict[str, Any]


def not_found(attachment_id: str) -> errors.NotFound:
    return errors.NotFound(f"Volume attachment could not be found with filter: "
                           f"attachment_id = {attachment_id}.")


def _connection(cloud: Cloud, row: VolumeAttachmentRow, volume: VolumeRow | None
                ) -> dict[str, Any]:
    if row.connector is None or volume is None:
        return {}
    path = volume_store.path_of(cloud.settings.data_dir, volume.location)
    return {"driver_volume_type": "local", "attachment_id": row.id,
            "data": {"device_path": str(path), "volume_id": volume.id,
                     "access_mode": row.mode}}


async def _get(s: AsyncSession, caller: Caller, attachment_id: str) -> VolumeAttachmentRow:
    row = await s.get(VolumeAttachmentRow, attachment_id)
    if row is None or (row.project_id != caller.project_id and not caller.is_admin):
        raise not_found(attachment_id)
    return row


async def list_attachments(cloud: Cloud, caller: Caller, filters: dict[str, str], *,
                           all_tenants: bool, limit: int, marker: str | None,
                           offset: int) -> list[AttachmentView]:
    async with cloud.db.reader() as s:
        statement = select(VolumeAttachmentRow)
        if not (all_tenants and caller.is_admin):
            statement = statement.where(VolumeAttachmentRow.project_id == caller.project_id)
        rows = list((await s.scalars(statement)).all())
        for key, column in (("volume_id", "volume_id"), ("instance_id", "server_id"),
                            ("instance_uuid", "server_id"), ("status", "status"),
                            ("attach_status", "status")):
            if key in filters:
                rows = [r for r in rows if getattr(r, column) == filters[key]]
        rows.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        if marker is not None:
            ids = [r.id for r in rows]
            if marker not in ids:
                raise errors.NotFound(f"Marker {marker} could not be found.")
            rows = rows[ids.index(marker) + 1:]
        rows = rows[offset:offset + limit]
        volumes = {v.id: v for v in await s.scalars(select(VolumeRow).where(
            VolumeRow.id.in_(sorted({r.volume_id for r in rows}))))}
        return [AttachmentView(r, _connection(cloud, r, volumes.get(r.volume_id)))
                for r in rows]


async def show_attachment(cloud: Cloud, caller: Caller, attachment_id: str) -> AttachmentView:
    async with cloud.db.reader() as s:
        row = await _get(s, caller, attachment_id)
        return AttachmentView(row, _connection(cloud, row, await s.get(VolumeRow, row.volume_id)))


async def create_attachment(cloud: Cloud, caller: Caller, volume_id: str,
                            instance_id: str | None, connector: dict[str, Any] | None,
                            mode: str) -> AttachmentView:
    if mode not in MODES:
        raise errors.BadRequest(f"Invalid input received: Invalid attachment mode '{mode}' for "
                                f"volume {volume_id}.")
    async with cloud.db.session() as s:
        volume = await get_volume(s, caller, volume_id)
        if instance_id is not None:
            server = await s.get(ServerRow, instance_id)
            if server is not None and await attachment_records.find(s, instance_id, volume_id):
                raise errors.BadRequest(f"Invalid volume: volume {volume_id} is already "
                                        f"attached to instance {instance_id}")
        attachment_records.check_reservable(volume)
        row = await attachment_records.reserve(s, volume, instance_id, volume.project_id,
                                               connector=connector, mode=mode)
        return AttachmentView(row, _connection(cloud, row, volume))


async def update_attachment(cloud: Cloud, caller: Caller, attachment_id: str,
                            connector: dict[str, Any]) -> AttachmentView:
    async with cloud.db.session() as s:
        row = await _get(s, caller, attachment_id)
        volume = await s.get(VolumeRow, row.volume_id)
        if volume is None:
            raise not_found(attachment_id)
        if row.status == "attached":
            raise errors.BadRequest(f"Invalid volume: attachment {attachment_id} is already "
                                    "attached.")
        await attachment_records.connect(s, row, volume, connector)
        return AttachmentView(row, _connection(cloud, row, volume))


async def complete_attachment(cloud: Cloud, caller: Caller, attachment_id: str) -> None:
    async with cloud.db.session() as s:
        row = await _get(s, caller, attachment_id)
        volume = await s.get(VolumeRow, row.volume_id)
        if volume is None:
            raise not_found(attachment_id)
        await attachment_records.complete(s, row, volume)


async def delete_attachment(cloud: Cloud, caller: Caller,
                            attachment_id: str) -> list[AttachmentView]:
    """Remove the attachment; the volume's remaining attachments are answered."""
    async with cloud.db.session() as s:
        row = await _get(s, caller, attachment_id)
        if row.boot_index == 0 and row.server_id is not None:
            server = await s.get(ServerRow, row.server_id)
            if server is not None and not server.deleted:
                raise errors.BadRequest("Invalid volume: the volume is the root disk of "
                                        f"server {row.server_id}.")
        volume = await attachment_records.detach(s, row)
        rest = (await attachment_records.of_volumes(s, {row.volume_id}))[row.volume_id]
        return [AttachmentView(r, _connection(cloud, r, volume)) for r in rest]
