"""Volume attachments as both sides see them: Cinder's attachment records (a volume's
`attachments`, the attachments API) and Nova's block device mappings (os-volume_attachments,
a server's `volumes_attached`) are one row, `VolumeAttachmentRow`, changed only here and always
together with the volume's status and the server's `volumes_attached`.

A volume attached to a server is `in-use` / `attached` at once (the attach is recorded in the
transaction that checks it; the agent hot-plugs the file into a running guest on its next
pass). Detaching the last attachment returns the volume to `available` / `detached`."""

from __future__ import annotations

import asyncio
import string
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import ServerRow, VolumeAttachmentRow, VolumeRow
from pocketstack.services import volume_store
from pocketstack.timeutil import utcnow

ROOT_DEVICE = "/dev/vda"
# Cinder's _attachment_reserve: the statuses a volume may be reserved from.
RESERVABLE = ("available", "downloading")
HOST_NAME = "pocketstack"


@dataclass(frozen=True, slots=True)
class Attachment:
    """An attachment as the views show it."""

    row: VolumeAttachmentRow


def volume_not_found(volume_id: str) -> errors.NotFound:
    return errors.NotFound(f"Volume {volume_id} could not be found.")


def check_reservable(volume: VolumeRow, *, multiattach_ok: bool = True) -> None:
    """Cinder's reserve check: available, or in-use when the volume is multiattach."""
    if volume.status in RESERVABLE:
        return
    if volume.multiattach and multiattach_ok and volume.status in ("in-use", "reserved"):
        return
    raise errors.BadRequest(f"Invalid volume: Volume {volume.id} status must be available or "
                            f"downloading to reserve, but the current status is "
                            f"{volume.status}.")


async def of_server(s: AsyncSession, server_id: str) -> list[VolumeAttachmentRow]:
    """The server's attachments, root first, then in attach order."""
    rows = list((await s.scalars(select(VolumeAttachmentRow).where(
        VolumeAttachmentRow.server_id == server_id))).all())
    rows.sort(key=lambda r: (r.boot_index is None, r.boot_index or 0, r.created_at, r.id))
    return rows


async def of_volumes(s: AsyncSession, volume_ids: set[str]) -> dict[str, list[VolumeAttachmentRow]]:
    found: dict[str, list[VolumeAttachmentRow]] = {volume_id: [] for volume_id in volume_ids}
    if not volume_ids:
        return found
    for row in await s.scalars(select(VolumeAttachmentRow).where(
            VolumeAttachmentRow.volume_id.in_(sorted(volume_ids)))):
        found[row.volume_id].append(row)
    for rows in found.values():
        rows.sort(key=lambda r: (r.created_at, r.id))
    return found


async def find(s: AsyncSession, server_id: str, volume_id: str) -> VolumeAttachmentRow | None:
    return await s.scalar(select(VolumeAttachmentRow).where(
        VolumeAttachmentRow.server_id == server_id, VolumeAttachmentRow.volume_id == volume_id))


def next_device(used: list[str | None], wanted: str | None) -> str:
    """The device a new disk gets: the one asked for when free, else the next /dev/vdX
    after the root disk (Nova's libvirt driver names disks itself)."""
    taken = {d for d in used if d} | {ROOT_DEVICE}
    if wanted and wanted not in taken:
        return wanted
    for letter in string.ascii_lowercase[1:]:
        device = f"/dev/vd{letter}"
        if device not in taken:
            return device
    raise errors.Forbidden("The maximum allowed number of disk devices (26) to attach to a "
                           "single instance has been exceeded.")


def _sync_server(server: ServerRow, rows: list[VolumeAttachmentRow]) -> None:
    server.volumes_attached = [{"id": r.volume_id, "delete_on_termination": r.delete_on_termination}
                               for r in rows if r.status == "attached"]
    server.updated_at = utcnow()


async def _volume_status(s: AsyncSession, volume: VolumeRow) -> None:
    """The volume's status from its attachments (Cinder's attachment state machine)."""
    rows = (await of_volumes(s, {volume.id}))[volume.id]
    statuses = {r.status for r in rows}
    if "attached" in statuses:
        volume.status, volume.attach_status = "in-use", "attached"
    elif "attaching" in statuses:
        volume.status, volume.attach_status = "attaching", "attaching"
    elif "reserved" in statuses:
        volume.status, volume.attach_status = "reserved", "reserved"
    else:
        volume.status, volume.attach_status = "available", "detached"
    volume.updated_at = utcnow()


async def attach(s: AsyncSession, volume: VolumeRow, server: ServerRow, *, device: str | None,
                 tag: str | None = None, delete_on_termination: bool = False,
                 boot_index: int | None = None) -> VolumeAttachmentRow:
    """Attach the volume to the server (both rows changed in the caller's transaction)."""
    rows = await of_server(s, server.id)
    if any(r.volume_id == volume.id for r in rows):
        raise errors.BadRequest(f"Invalid volume: volume {volume.id} is already attached to "
                                f"instance {server.id}")
    now = utcnow()
    if boot_index == 0:
        device = device or ROOT_DEVICE
    else:
        device = next_device([r.device for r in rows], device)
    row = VolumeAttachmentRow(
        id=str(uuid.uuid4()), volume_id=volume.id, server_id=server.id,
        project_id=server.project_id, bdm_id=str(uuid.uuid4()), device=device, tag=tag,
        delete_on_termination=delete_on_termination, boot_index=boot_index, status="attached",
        mode="rw", connector=None, attached_at=now, created_at=now, updated_at=None)
    s.add(row)
    await s.flush()
    await _volume_status(s, volume)
    _sync_server(server, [*rows, row])
    return row


async def reserve(s: AsyncSession, volume: VolumeRow, server_id: str | None, project_id: str, *,
                  connector: dict[str, object] | None, mode: str) -> VolumeAttachmentRow:
    """Cinder's attachment create: reserved, or attaching with a connector."""
    now = utcnow()
    device = str(connector.get("mountpoint")) if connector and connector.get("mountpoint") \
        else None
    row = VolumeAttachmentRow(
        id=str(uuid.uuid4()), volume_id=volume.id, server_id=server_id, project_id=project_id,
        bdm_id=str(uuid.uuid4()), device=device, tag=None, delete_on_termination=False,
        boot_index=None, status="attaching" if connector else "reserved", mode=mode,
        connector=connector, attached_at=None, created_at=now, updated_at=None)
    s.add(row)
    await s.flush()
    await _volume_status(s, volume)
    return row


async def connect(s: AsyncSession, row: VolumeAttachmentRow, volume: VolumeRow,
                  connector: dict[str, object]) -> None:
    row.connector = connector
    if connector.get("mountpoint"):
        row.device = str(connector["mountpoint"])
    row.status = "attaching"
    row.updated_at = utcnow()
    await s.flush()
    await _volume_status(s, volume)


async def complete(s: AsyncSession, row: VolumeAttachmentRow, volume: VolumeRow) -> None:
    """os-complete: the attachment is attached (the server's view shows it if it has one)."""
    now = utcnow()
    row.status, row.attached_at, row.updated_at = "attached", now, now
    await s.flush()
    await _volume_status(s, volume)
    if row.server_id is not None:
        server = await s.get(ServerRow, row.server_id)
        if server is not None and not server.deleted:
            _sync_server(server, await of_server(s, server.id))


async def update_flag(s: AsyncSession, row: VolumeAttachmentRow, server: ServerRow,
                      delete_on_termination: bool) -> None:
    row.delete_on_termination = delete_on_termination
    row.updated_at = utcnow()
    await s.flush()
    _sync_server(server, await of_server(s, server.id))


async def detach(s: AsyncSession, row: VolumeAttachmentRow) -> VolumeRow | None:
    """Remove the attachment; the volume is available again when it was its last one."""
    volume = await s.get(VolumeRow, row.volume_id)
    server = await s.get(ServerRow, row.server_id) if row.server_id else None
    await s.delete(row)
    await s.flush()
    if volume is not None:
        await _volume_status(s, volume)
    if server is not None:
        _sync_server(server, await of_server(s, server.id))
    return volume


async def release_server(s: AsyncSession, server_id: str, data_dir: Path) -> None:
    """A deleted server's volumes: detached, and deleted when their mapping says so."""
    doomed: list[str] = []
    for row in await of_server(s, server_id):
        flag = row.delete_on_termination
        volume = await detach(s, row)
        if flag and volume is not None and not volume.deleted and volume.status == "available":
            volume.deleted, volume.status = True, "deleted"
            doomed.append(volume.location)
    await s.flush()
    for location in doomed:
        await asyncio.to_thread(volume_store.remove, data_dir, location)
