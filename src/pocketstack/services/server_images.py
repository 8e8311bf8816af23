"""Server actions that involve images: rebuild from an image, snapshot (createImage) and
backup (createBackup, with rotation done by the agent). Each records the instance action and
the intent in the caller's transaction; the agent on the server's host does the work."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import Action, VmState
from pocketstack.db.models import ImageRow, ServerRow
from pocketstack.services import images, instance_actions, quotas, servers
from pocketstack.services.servers import Caller
from pocketstack.settings import Settings
from pocketstack.timeutil import utcnow

# Base image properties a snapshot does not inherit (Nova's non-inheritable image properties).
NOT_INHERITED = frozenset({"image_type", "instance_uuid", "backup_type", "base_image_ref",
                           "owner_id", "user_id", "image_location", "image_state", "cache_in_nova",
                           "bittorrent", "img_signature", "img_signature_hash_method",
                           "img_signature_key_type", "img_signature_certificate_uuid"})


@dataclass(frozen=True, slots=True)
class Rebuild:
    image_id: str
    name: str | None = None
    metadata: dict[str, str] | None = None
    admin_password: str | None = None
    access_ipv4: str | None = None
    access_ipv6: str | None = None
    disk_config: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    name: str
    metadata: dict[str, str] = field(default_factory=dict)
    # createBackup only: the kind of backup and how many of that kind to keep.
    backup_type: str | None = None
    rotation: int | None = None


async def record(s: AsyncSession, caller: Caller, row: ServerRow, action: str) -> None:
    await instance_actions.record_action(s, server_id=row.id, action=action,
                                         request_id=caller.request_id,
                                         project_id=caller.project_id, user_id=caller.user_id)


async def rebuild(s: AsyncSession, settings: Settings, caller: Caller, row: ServerRow,
                  req: Rebuild) -> str:
    """Check and record a rebuild; the server shows its new image, name and metadata at once.
    Returns the admin password the rebuilt guest gets."""
    servers.check_unlocked(row, caller)
    image = await _rebuild_image(s, caller, row, req.image_id)
    if req.metadata is not None:
        limits = await quotas.limits_for(s, settings, row.project_id)
        servers.check_metadata_limit(len(req.metadata), limits["metadata_items"])
    # Nova leaves a server that was stopped stopped after its rebuild (and resize).
    stopped = row.vm_state == VmState.STOPPED
    await servers.request_action(s, row, Action.REBUILD,
                                 pending={"action": Action.REBUILD.value, "stopped": stopped})
    password = req.admin_password or servers.generate_password()
    row.image_id, row.admin_password = image.id, password
    if req.name is not None:
        row.name = req.name
    if req.metadata is not None:
        row.metadata_ = dict(req.metadata)
    for column, value in (("access_ipv4", req.access_ipv4), ("access_ipv6", req.access_ipv6),
                          ("disk_config", req.disk_config)):
        if value is not None:
            setattr(row, column, value)
    row.progress, row.updated_at = 0, utcnow()
    await record(s, caller, row, Action.REBUILD)
    await s.flush()
    return password


async def _rebuild_image(s: AsyncSession, caller: Caller, row: ServerRow, image_id: str) -> ImageRow:
    try:
        image = await images.get_visible_image(s, image_id, project_id=caller.project_id,
                                               is_admin=caller.is_admin)
    except errors.NotFound:
        raise errors.BadRequest("Cannot find requested image") from None
    if image.status != "active":
        raise errors.BadRequest(f"Image {image.id} is not active.")
    flavor = row.flavor or {}
    if image.min_ram > int(flavor.get("ram", 0)):
        raise errors.BadRequest("Flavor's memory is too small for requested image.")
    disk = int(flavor.get("disk", 0))
    if disk and (image.min_disk > disk or (image.size or 0) > disk * 1024**3):
        raise errors.BadRequest("Flavor's disk is too small for requested image.")
    return image


async def create_snapshot(s: AsyncSession, settings: Settings, caller: Caller, row: ServerRow,
                          req: Snapshot) -> ImageRow:
    """A new private image (queued; the agent fills it) carrying the server's image properties
    and `req.metadata`; the server's task is image_snapshot or image_backup."""
    backup = req.backup_type is not None
    action = Action.CREATE_BACKUP if backup else Action.CREATE_IMAGE
    servers.check_unlocked(row, caller)
    limits = await quotas.limits_for(s, settings, row.project_id)
    if 0 <= limits["metadata_items"] < len(req.metadata):
        raise errors.OverLimit("Quota exceeded for metadata_items: the image metadata has too "
                               "many items.", code=403)
    image = await snapshot_image(s, row, req)
    pending: dict[str, Any] = {"action": action.value, "image_id": image.id}
    if backup:
        pending.update(backup_type=req.backup_type, rotation=req.rotation)
    await servers.request_action(s, row, action, pending=pending)
    await record(s, caller, row, action)
    return image


async def snapshot_image(s: AsyncSession, row: ServerRow, req: Snapshot) -> ImageRow:
    """The queued image a snapshot of the server will fill."""
    properties = await _snapshot_properties(s, row, req)
    base = await s.get(ImageRow, row.image_id) if row.image_id else None
    image = await images.create_image_record(
        s, name=req.name, owner=row.project_id, properties=properties,
        container_format=base.container_format if base else "bare",
        disk_format=base.disk_format if base else "raw",
        min_ram=base.min_ram if base else 0,
        min_disk=max(base.min_disk if base else 0, int((row.flavor or {}).get("disk", 0))))
    return image


async def _snapshot_properties(s: AsyncSession, row: ServerRow, req: Snapshot) -> dict[str, Any]:
    base = await s.get(ImageRow, row.image_id) if row.image_id else None
    properties = {k: v for k, v in ((base.properties or {}) if base else {}).items()
                  if k not in NOT_INHERITED}
    properties.update({"instance_uuid": row.id, "user_id": row.user_id,
                       "owner_id": row.project_id, "base_image_ref": row.image_id or "",
                       "image_type": "snapshot"})
    if req.backup_type is not None:
        properties.update(image_type="backup", backup_type=req.backup_type)
    properties.update(req.metadata)
    return properties

