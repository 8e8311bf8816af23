"""Server actions that involve images: rebuild from an image, snapshot (createImage) and
backup (createBackup, with rotation done by the agent). Each records the instance action and
the intent in one transaction; the agent on the server's host does the work."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import Action, VmState
from pocketstack.db import pending
from pocketstack.db.models import ImageRow, ServerRow
from pocketstack.db.wakes import wake_after_commit
from pocketstack.services import images, networks, quotas
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.keypairs import get_keypair
from pocketstack.services.policy import authorize
from pocketstack.services.server_create import generate_password
from pocketstack.services.server_lifecycle import check_unlocked, record, request_action
from pocketstack.services.server_metadata import check_metadata_limit
from pocketstack.services.servers import AddressedServer, Wants, load, load_related
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
    # The later versions' fields, each changed only when given (`Rebuild.given`); None
    # clears the description, key, user data and certificates.
    given: frozenset[str] = frozenset()
    description: str | None = None
    key_name: str | None = None
    user_data: str | None = None
    trusted_certs: tuple[str, ...] | None = None
    hostname: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    name: str
    metadata: dict[str, str] = field(default_factory=dict)
    # createBackup only: the kind of backup and how many of that kind to keep.
    backup_type: str | None = None
    rotation: int | None = None


async def rebuild(cloud: Cloud, caller: Caller, server_id: str, req: Rebuild,
                  wants: Wants | None = None) -> AddressedServer[ServerRow]:
    """Check and record a rebuild; the server shows its new image, name and metadata at once
    (with what else `wants` asks for), and its `admin_password` is the one the rebuilt guest
    gets."""
    authorize(caller, "compute:servers:rebuild")
    if "trusted_certs" in req.given:
        authorize(caller, "compute:servers:rebuild:trusted_certs")
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        await _rebuild(s, cloud.settings, caller, row, req)
        found = await networks.server_addresses(s, [row.id])
        related = await load_related(s, cloud.settings, [row], wants)
        wake_after_commit(s, row.host)
    return AddressedServer(row, found[row.id], related)


async def _rebuild(s: AsyncSession, settings: Settings, caller: Caller, row: ServerRow,
                   req: Rebuild) -> None:
    check_unlocked(row, caller)
    key = None
    if req.key_name is not None:
        try:
            key = await get_keypair(s, caller.user_id, req.key_name)
        except errors.NotFound:
            raise errors.BadRequest("Invalid key_name provided.") from None
    image = await _rebuild_image(s, caller, row, req.image_id)
    if req.metadata is not None:
        limits = await quotas.limits_for(s, settings, row.project_id)
        check_metadata_limit(len(req.metadata), limits["metadata_items"])
    # Nova leaves a server that was stopped stopped after its rebuild (and resize).
    await request_action(s, row, Action.REBUILD,
                         pending=pending.Rebuild(stopped=row.vm_state == VmState.STOPPED))
    password = req.admin_password or generate_password()
    row.image_id, row.admin_password = image.id, password
    if req.name is not None:
        row.name = req.name
    if req.metadata is not None:
        row.metadata_ = dict(req.metadata)
    for column, value in (("access_ipv4", req.access_ipv4), ("access_ipv6", req.access_ipv6),
                          ("disk_config", req.disk_config)):
        if value is not None:
            setattr(row, column, value)
    _set_later_fields(row, req, key.public_key if key is not None else None)
    row.progress, row.updated_at = 0, utcnow()
    await record(s, caller, row, Action.REBUILD)
    await s.flush()


def _set_later_fields(row: ServerRow, req: Rebuild, key_data: str | None) -> None:
    given = req.given
    if "description" in given:
        row.description = req.description
    if "key_name" in given:
        # Another member of the project may rebuild with a key of their own, as in Nova.
        row.key_name, row.key_data = req.key_name, key_data
    if "user_data" in given:
        row.user_data = req.user_data
    if "trusted_certs" in given:
        row.trusted_image_certificates = (None if req.trusted_certs is None
                                          else list(req.trusted_certs))
    if "hostname" in given and req.hostname is not None:
        row.hostname = req.hostname


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


async def create_snapshot(cloud: Cloud, caller: Caller, server_id: str,
                          req: Snapshot) -> ImageRow:
    """A new private image (queued; the agent fills it) carrying the server's image properties
    and `req.metadata`; the server's task is image_snapshot or image_backup (a backup when
    `req.backup_type` is given)."""
    backup = req.backup_type is not None
    authorize(caller, "compute:os-create-backup" if backup else "compute:servers:create_image")
    action = Action.CREATE_BACKUP if backup else Action.CREATE_IMAGE
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        check_unlocked(row, caller)
        limits = await quotas.limits_for(s, cloud.settings, row.project_id)
        if 0 <= limits["metadata_items"] < len(req.metadata):
            raise errors.OverLimit("Quota exceeded for metadata_items: the image metadata has "
                                   "too many items.", code=403)
        image = await snapshot_image(s, row, req)
        await request_action(s, row, action, pending=pending.Snapshot(
            action, image.id, req.backup_type, req.rotation))
        await record(s, caller, row, action)
        wake_after_commit(s, row.host)
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

