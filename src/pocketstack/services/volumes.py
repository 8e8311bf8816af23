"""Block storage volumes: records, listing with Cinder's filters, sorts and pages, create
(empty, from an image, a snapshot or another volume), update and delete with their checks.

An empty volume's file is made inside the transaction that records it (one truncate), so a
failure leaves neither a record nor a file; a volume with a source is committed `creating`
and its data copied by the volume worker (services.volume_work). Actions (extend, bootable,
status) are in `services.volume_actions`.
"""

from __future__ import annotations

import ast
import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import (
    ImageRow,
    VolumeAttachmentRow,
    VolumeGroupRow,
    VolumeRow,
    VolumeSnapshotRow,
)
from pocketstack.services import (
    attachment_records,
    image_store,
    images,
    volume_messages,
    volume_quotas,
    volume_services,
    volume_store,
    volume_types,
    volume_work,
)
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow

GIB = 1024**3
# Cinder's delete: statuses a volume may be deleted from (cinder/volume/api.py delete).
DELETABLE = ("available", "error", "error_restoring", "error_extending", "error_managing")
# os-reset_status accepts these (cinder/api/contrib/admin_actions.py valid_status).
STATUSES = ("creating", "available", "deleting", "error", "error_deleting", "error_managing",
            "managing", "attaching", "in-use", "detaching", "maintenance", "reserved",
            "error_restoring", "error_extending", "extending", "downloading", "uploading",
            "retyping", "backing-up", "restoring-backup")


@dataclass(frozen=True, slots=True)
class Volume:
    """A volume record and the name of its type, as the views show it."""

    row: VolumeRow
    type_name: str
    # Its attachments (services.attachment_records), oldest first.
    attachments: tuple[VolumeAttachmentRow, ...] = ()


@dataclass(frozen=True, slots=True)
class VolumeFields:
    size: int | None
    name: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    volume_type: str | None = None
    availability_zone: str | None = None
    snapshot_id: str | None = None
    source_volid: str | None = None
    image_ref: str | None = None
    multiattach: bool = False
    group_id: str | None = None


@dataclass(frozen=True, slots=True)
class VolumeQuery:
    filters: dict[str, str]
    sort: list[tuple[str, str]]
    limit: int | None = None
    marker: str | None = None
    offset: int = 0
    all_tenants: bool = False


def not_found(volume_id: str) -> errors.NotFound:
    return errors.NotFound(f"Volume {volume_id} could not be found.")


def invalid_volume(reason: str) -> errors.BadRequest:
    return errors.BadRequest(f"Invalid volume: {reason}")


def invalid_input(reason: str) -> errors.BadRequest:
    return errors.BadRequest(f"Invalid input received: {reason}")


async def get_volume(s: AsyncSession, caller: Caller, volume_id: str) -> VolumeRow:
    """The caller's live volume (any project's for an admin); else NotFound."""
    row = await s.get(VolumeRow, volume_id)
    if row is None or row.deleted or (row.project_id != caller.project_id
                                      and not caller.is_admin):
        raise not_found(volume_id)
    return row


async def present(s: AsyncSession, rows: list[VolumeRow]) -> list[Volume]:
    names = await volume_types.type_names(s, {row.volume_type_id for row in rows})
    attached = await attachment_records.of_volumes(s, {row.id for row in rows
                                                       if row.attach_status != "detached"})
    return [Volume(row, names.get(row.volume_type_id, row.volume_type_id),
                   tuple(attached.get(row.id, ()))) for row in rows]


# --- listing -------------------------------------------------------------------------------

SORT_KEYS = {"id": "id", "name": "name", "display_name": "name", "status": "status",
             "size": "size", "created_at": "created_at", "updated_at": "updated_at",
             "availability_zone": "availability_zone", "bootable": "bootable"}


def metadata_filter(text: str) -> dict[str, str]:
    """A `metadata` query value: JSON, or a Python literal as cinderclient sends it (Cinder
    reads it with ast.literal_eval)."""
    try:
        value = json.loads(text)
    except ValueError:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            value = None
    if not isinstance(value, dict):
        raise invalid_input(f"Invalid metadata filter: {text}")
    return {str(k): str(v) for k, v in value.items()}


def _truthy(text: str) -> bool:
    return text.strip().lower() in ("1", "t", "true", "on", "y", "yes")


def _matches(row: VolumeRow, filters: dict[str, str]) -> bool:
    for key, wanted in filters.items():
        if key == "metadata":
            metadata = metadata_filter(wanted)
            if any(row.metadata_.get(k) != v for k, v in metadata.items()):
                return False
        elif key == "bootable":
            if row.bootable != _truthy(wanted):
                return False
        elif key.endswith("~"):
            value = getattr(row, SORT_KEYS.get(key[:-1], key[:-1]), None)
            if value is None or wanted.lower() not in str(value).lower():
                return False
        elif key == "size":
            if str(row.size) != wanted:
                return False
        elif key == "project_id":
            if row.project_id != wanted:
                return False
        elif str(getattr(row, SORT_KEYS.get(key, key), "")) != wanted:
            return False
    return True


def sort_rows(rows: list[Any], sort: list[tuple[str, str]],
              attributes: dict[str, str]) -> list[Any]:
    """Rows in the order `sort` asks ((key, direction) pairs, keys named by `attributes`),
    then newest first as Cinder's default; missing values sort last ascending."""
    keys = [*sort, ("created_at", "desc"), ("id", "desc")]
    for key, direction in reversed(keys):
        attribute = attributes.get(key, key)
        present_rows = [r for r in rows if getattr(r, attribute) is not None]
        absent = [r for r in rows if getattr(r, attribute) is None]
        present_rows.sort(key=lambda r: getattr(r, attribute), reverse=direction == "desc")
        rows = present_rows + absent if direction == "asc" else absent + present_rows
    return rows


def page(rows: list[Any], marker: str | None, offset: int, limit: int | None) -> list[Any]:
    """Rows after `marker` (an id among them; else 404 as Cinder's MarkerNotFound), then
    `offset` and `limit`."""
    if marker is not None:
        ids = [row.id for row in rows]
        if marker not in ids:
            raise errors.NotFound(f"Marker {marker} could not be found.")
        rows = rows[ids.index(marker) + 1:]
    rows = rows[offset:]
    return rows if limit is None else rows[:limit]


async def list_volumes(cloud: Cloud, caller: Caller, query: VolumeQuery) -> tuple[list[Volume], int]:
    """A page of the caller's volumes (every project's with all_tenants, admin only), and how
    many match before paging."""
    filters = dict(query.filters)
    if query.all_tenants or "project_id" in filters:
        if not caller.is_admin:
            filters.pop("project_id", None)
    async with cloud.db.reader() as s:
        statement = select(VolumeRow).where(VolumeRow.deleted.is_(False))
        if not (caller.is_admin and (query.all_tenants or "project_id" in filters)):
            statement = statement.where(VolumeRow.project_id == caller.project_id)
        rows = [row for row in (await s.scalars(statement)).all() if _matches(row, filters)]
        rows = sort_rows(rows, query.sort, SORT_KEYS)
        return await present(s, page(rows, query.marker, query.offset, query.limit)), len(rows)


async def show_volume(cloud: Cloud, caller: Caller, volume_id: str) -> Volume:
    async with cloud.db.reader() as s:
        return (await present(s, [await get_volume(s, caller, volume_id)]))[0]


# --- create --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Source:
    """Where a new volume's data comes from, and what it inherits."""

    size: int
    path: str | None = None
    bootable: bool = False
    image_metadata: dict[str, Any] = field(default_factory=dict)
    volume_type_id: str | None = None


async def _source(s: AsyncSession, cloud: Cloud, caller: Caller, fields: VolumeFields) -> _Source:
    if fields.snapshot_id is not None:
        snapshot = await s.get(VolumeSnapshotRow, fields.snapshot_id)
        if snapshot is None or snapshot.deleted or (snapshot.project_id != caller.project_id
                                                    and not caller.is_admin):
            raise errors.NotFound(f"Snapshot {fields.snapshot_id} could not be found.")
        if snapshot.status != "available":
            raise errors.BadRequest("Invalid snapshot: Originating snapshot status must be one "
                                    "of 'available' values")
        parent = await s.get(VolumeRow, snapshot.volume_id)
        return _Source(snapshot.size, snapshot.location, bool(parent and parent.bootable),
                       dict(parent.image_metadata) if parent else {},
                       parent.volume_type_id if parent else None)
    if fields.source_volid is not None:
        volume = await get_volume(s, caller, fields.source_volid)
        if volume.status not in ("available", "in-use"):
            raise invalid_volume("Volume status must be available or in-use.")
        return _Source(volume.size, volume.location, volume.bootable,
                       dict(volume.image_metadata), volume.volume_type_id)
    if fields.image_ref is not None:
        return await _image_source(s, caller, fields)
    return _Source(0)


async def _image_source(s: AsyncSession, caller: Caller, fields: VolumeFields) -> _Source:
    image_id = fields.image_ref or ""
    try:
        image: ImageRow = await images.get_visible_image(s, image_id, project_id=caller.project_id,
                                                         is_admin=caller.is_admin)
    except errors.NotFound:
        raise errors.BadRequest(f"Invalid image identifier or unable to access requested "
                                f"image. Image {image_id} could not be found.") from None
    if image.status != "active" or image.location is None:
        raise errors.BadRequest(f"Image {image_id} is not active.")
    size_gb = -(-(image.size or 0) // GIB)
    if fields.size is not None and size_gb > fields.size:
        raise invalid_input(f"Size of specified image {size_gb}GB is larger than volume size "
                            f"{fields.size}GB.")
    if fields.size is not None and image.min_disk > fields.size:
        raise invalid_input(f"Volume size {fields.size}GB cannot be smaller than the image "
                            f"minDisk size {image.min_disk}GB.")
    metadata = {"image_id": image.id, "image_name": image.name or "",
                "checksum": image.checksum or "", "container_format": image.container_format or "",
                "disk_format": image.disk_format or "", "min_disk": str(image.min_disk),
                "min_ram": str(image.min_ram), "size": str(image.size or 0),
                **{k: str(v) for k, v in image.properties.items()}}
    return _Source(max(size_gb, 1), image.location, True, metadata)


def _check_size(fields: VolumeFields, source: _Source) -> int:
    size = fields.size if fields.size is not None else source.size
    if size is None or size <= 0:
        raise invalid_input(f"Volume size '{fields.size}' must be an integer and greater than 0")
    if fields.snapshot_id is not None and size < source.size:
        raise invalid_input(f"Volume size '{size}'GB cannot be smaller than the snapshot size "
                            f"{source.size}GB. They must be >= original snapshot size.")
    if fields.source_volid is not None and size < source.size:
        raise invalid_input(f"Volume size '{size}'GB cannot be smaller than original volume "
                            f"size {source.size}GB. They must be >= original volume size.")
    return size


class Unwritable(errors.BadRequest):
    """The new volume's data could not be written (the transaction rolls back)."""


async def create_volume(cloud: Cloud, caller: Caller, fields: VolumeFields, *,
                        in_request: bool = False) -> Volume:
    """Record the volume. An empty one's file is made in the same transaction (committed
    `available`); one with a source is committed `creating` with the copy for the volume
    worker to do (services.volume_work), unless `in_request` (a server's block device made
    with the server): then the data is copied before the commit as for an empty one. When an
    image's data cannot be copied in the request, a user message says so (as Cinder records
    one for a create from an image that failed)."""
    try:
        return await _create_volume(cloud, caller, fields, in_request=in_request)
    except Unwritable:
        if fields.image_ref is not None:
            await volume_messages.record_now(
                cloud, caller, project_id=caller.project_id,
                resource_type=volume_messages.VOLUME, resource_uuid=None,
                action=volume_messages.COPY_IMAGE_TO_VOLUME,
                detail=volume_messages.UNKNOWN_ERROR)
        raise


async def _create_volume(cloud: Cloud, caller: Caller, fields: VolumeFields, *,
                         in_request: bool) -> Volume:
    project_id = caller.project_id
    data_dir = cloud.settings.data_dir
    async with cloud.db.session() as s:
        source = await _source(s, cloud, caller, fields)
        size = _check_size(fields, source)
        type_row = await volume_types.find_type(
            s, fields.volume_type if fields.volume_type is not None else source.volume_type_id)
        if not caller.is_admin and not volume_types.usable(type_row, caller):
            raise errors.NotFound(f"Volume type with name {fields.volume_type} could not be "
                                  "found.")
        if fields.availability_zone not in (None, "nova"):
            raise invalid_input(f"Availability zone '{fields.availability_zone}' is invalid.")
        if fields.group_id is not None:
            await _check_group(s, caller, fields.group_id, type_row.id)
        await volume_quotas.reserve(s, project_id, volumes=1, gigabytes=size,
                                    volume_type_id=type_row.id)
        volume_id = str(uuid.uuid4())
        location = volume_store.volume_location(volume_id)
        row = VolumeRow(
            id=volume_id, project_id=project_id, user_id=caller.user_id, name=fields.name,
            description=fields.description, size=size, status="available",
            attach_status="detached", availability_zone="nova", bootable=source.bootable,
            multiattach=fields.multiattach
            or type_row.extra_specs.get("multiattach") == "<is> True",
            volume_type_id=type_row.id,
            snapshot_id=fields.snapshot_id, source_volid=fields.source_volid,
            image_id=source.image_metadata.get("image_id"), metadata_=dict(fields.metadata),
            image_metadata=source.image_metadata, location=location, created_at=utcnow(),
            updated_at=None, group_id=fields.group_id)
        if not volume_services.backend_accepts(dict(type_row.extra_specs)):
            # No back-end satisfies the type: the volume is recorded in error, and a user
            # message says why, as Cinder's scheduler leaves it.
            row.status = "error"
            s.add(row)
            volume_messages.record(
                s, project_id=project_id, request_id=caller.request_id,
                resource_type=volume_messages.VOLUME, resource_uuid=volume_id,
                action=volume_messages.SCHEDULE_ALLOCATE_VOLUME,
                detail=volume_messages.NO_BACKEND_AVAILABLE)
            await s.flush()
            return Volume(row, type_row.name)
        from_image = fields.image_ref is not None
        if source.path is not None and not in_request:
            row.status = "creating"
            s.add(row)
            volume_work.record(s, kind=volume_work.CREATE, project_id=project_id,
                               request_id=caller.request_id, source=source.path, size=size,
                               volume_id=volume_id, target=location,
                               source_store="image" if from_image else "volume")
            await s.flush()
            return Volume(row, type_row.name)
        s.add(row)
        await s.flush()
        await _write_data(data_dir, location, size, source, from_image=from_image)
        return Volume(row, type_row.name)


async def _check_group(s: AsyncSession, caller: Caller, group_id: str, type_id: str) -> None:
    """A volume made in a group: the caller's group, available, of the volume's type."""
    group = await s.get(VolumeGroupRow, group_id)
    if group is None or group.deleted or group.project_id != caller.project_id:
        raise errors.NotFound(f"Group {group_id} could not be found.")
    if group.status not in ("available", "creating"):
        raise errors.BadRequest(f"Invalid group: Group {group_id} status must be available, "
                                f"but current status is: {group.status}.")
    if type_id not in group.volume_type_ids:
        raise invalid_input(f"Invalid volume_type provided: {type_id} (requested type must "
                            f"be supported by this group).")


async def _write_data(data_dir: Any, location: str, size: int, source: _Source, *,
                      from_image: bool) -> None:
    """Make the new volume's file; a refusal of the file system is a 400 (the transaction
    rolls back, and the partial file is removed)."""
    try:
        if source.path is None:
            await asyncio.to_thread(volume_store.create_blank, data_dir, location, size)
            return
        origin = (image_store.path_of(data_dir, source.path) if from_image
                  else volume_store.path_of(data_dir, source.path))
        await asyncio.to_thread(volume_store.copy_sparse, origin, data_dir, location, size)
    except (volume_store.StoreError, OSError) as exc:
        await asyncio.to_thread(volume_store.remove, data_dir, location)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise Unwritable(unstorable(size, reason).message) from None


def unstorable(size: int, reason: str) -> errors.BadRequest:
    return invalid_input(f"The storage back-end cannot hold a volume of {size}GB: {reason}.")


# --- update and delete ---------------------------------------------------------------------


async def update_volume(cloud: Cloud, caller: Caller, volume_id: str,
                        changes: dict[str, Any]) -> Volume:
    """Change name, description or metadata (replaced whole)."""
    async with cloud.db.session() as s:
        row = await get_volume(s, caller, volume_id)
        if "name" in changes:
            row.name = changes["name"]
        if "description" in changes:
            row.description = changes["description"]
        if "metadata" in changes:
            row.metadata_ = dict(changes["metadata"])
        row.updated_at = utcnow()
        await s.flush()
        return (await present(s, [row]))[0]


async def delete_volume(cloud: Cloud, caller: Caller, volume_id: str, *, cascade: bool = False,
                        force: bool = False) -> None:
    """Delete a volume in a deletable state without snapshots (with `cascade`, its snapshots
    go too; `force`, admin only, skips the status check); else 400 as Cinder words it."""
    if force:
        authorize(caller, "volume_extension:volume_admin_actions:force_delete")
    async with cloud.db.session() as s:
        row = await get_volume(s, caller, volume_id)
        snapshots = list((await s.scalars(select(VolumeSnapshotRow).where(
            VolumeSnapshotRow.volume_id == row.id, VolumeSnapshotRow.deleted.is_(False)))).all())
        status_ok = force or (row.status in DELETABLE and row.attach_status != "attached")
        # A volume in a group goes with its group (delete-volumes) or after leaving it.
        if not status_ok or row.group_id is not None or (snapshots and not cascade):
            status = "" if force else "status must be " + " or ".join(DELETABLE) + " and "
            raise invalid_volume(f"Volume {status}must not be migrating, attached, belong to a "
                                 "group, have snapshots, awaiting a transfer, or be "
                                 "disassociated from snapshots after volume transfer.")
        if cascade and not force and any(snap.status not in ("available", "error", "deleting")
                                         for snap in snapshots):
            raise errors.BadRequest("Invalid volume: Snapshots of the volume are not in a "
                                    "deletable state.")
        locations = [row.location, *(snap.location for snap in snapshots)]
        for snapshot in snapshots:
            snapshot.deleted = True
            snapshot.status = "deleted"
        row.deleted = True
        row.status = "deleted"
    for location in locations:
        await asyncio.to_thread(volume_store.remove, cloud.settings.data_dir, location)
