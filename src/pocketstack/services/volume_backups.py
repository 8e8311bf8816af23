"""Block storage backups: a copy of a volume's (or a snapshot's) data file under the data
directory, restored into a new or an existing volume; list, show, update, delete, the admin
actions and the export of a backup's record.

Creating and restoring are done as Cinder's states show them: the request records the
backup `creating` (the volume `backing-up`), or marks the backup `restoring` and the volume
`restoring-backup`, together with the copy to do (services.volume_work), and answers; the
volume worker copies the data and sets the final states, `available` (and the volume's
status back), or `error` with its reason (the volume `error_restoring`) and a user message.
So a failed or interrupted copy never leaves a half-made record that looks whole.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import VolumeBackupRow, VolumeRow, VolumeSnapshotRow
from pocketstack.services import volume_quotas, volume_store, volume_types, volume_work
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.volumes import get_volume, invalid_volume, page, sort_rows
from pocketstack.timeutil import utcnow

# os-reset_status accepts these for a backup (cinder/api/contrib/admin_actions.py).
RESET_STATUSES = ("available", "error")
DELETABLE = ("available", "error")
BACKUP_SERVICE = "cinder.backup.drivers.posix.PosixBackupDriver"
SORT_KEYS = {"id": "id", "name": "name", "display_name": "name", "status": "status",
             "size": "size", "created_at": "created_at", "updated_at": "updated_at",
             "volume_id": "volume_id"}


@dataclass(frozen=True, slots=True)
class Backup:
    """A backup record and whether an incremental backup follows it."""

    row: VolumeBackupRow
    has_dependent_backups: bool


@dataclass(frozen=True, slots=True)
class BackupFields:
    volume_id: str
    name: str | None = None
    description: str | None = None
    container: str | None = None
    incremental: bool = False
    force: bool = False
    snapshot_id: str | None = None
    availability_zone: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Restored:
    backup_id: str
    volume_id: str
    volume_name: str | None


def backup_location(backup_id: str) -> str:
    return f"volumes/backups/{backup_id}"


def exported_location(backup_id: str) -> str:
    """Where an exported backup's data stays (a hard link) after the backup is deleted, so
    that its record can be imported again."""
    return f"volumes/backups/exported/{backup_id}"


def _link(data_dir: Any, source: str, target: str) -> bool:
    """Hard-link `source` to `target` (under the data directory) unless `target` exists;
    whether `target` exists afterwards."""
    source_path = volume_store.path_of(data_dir, source)
    target_path = volume_store.path_of(data_dir, target)
    if target_path.exists():
        return True
    if not source_path.exists():
        return False
    target_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.link(source_path, target_path)
    return True


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _adopt(data_dir: Any, data_id: str, backup_id: str) -> bool:
    """Give the backup `backup_id` the data of the exported backup `data_id` (the same file,
    hard-linked: from the export's link, or from that backup while it still exists)."""
    return any(_link(data_dir, source, backup_location(backup_id))
               for source in (exported_location(data_id), backup_location(data_id)))


def not_found(backup_id: str) -> errors.NotFound:
    return errors.NotFound(f"Backup {backup_id} could not be found.")


def invalid_backup(reason: str) -> errors.BadRequest:
    return errors.BadRequest(f"Invalid backup: {reason}")


async def get_backup(s: AsyncSession, caller: Caller, backup_id: str) -> VolumeBackupRow:
    row = await s.get(VolumeBackupRow, backup_id)
    if row is None or row.deleted or (row.project_id != caller.project_id
                                      and not caller.is_admin):
        raise not_found(backup_id)
    return row


async def _dependents(s: AsyncSession, ids: list[str]) -> set[str]:
    """Which of these backups an incremental backup follows."""
    if not ids:
        return set()
    found = (await s.scalars(select(VolumeBackupRow.parent_id).where(
        VolumeBackupRow.parent_id.in_(ids), VolumeBackupRow.deleted.is_(False)))).all()
    return {parent for parent in found if parent is not None}


async def _present(s: AsyncSession, rows: list[VolumeBackupRow]) -> list[Backup]:
    parents = await _dependents(s, [row.id for row in rows])
    return [Backup(row, row.id in parents) for row in rows]


# --- create --------------------------------------------------------------------------------


async def create_backup(cloud: Cloud, caller: Caller, fields: BackupFields) -> Backup:
    """Record the backup `creating` (the volume `backing-up`) with the copy for the volume
    worker to do, and answer it."""
    async with cloud.db.session() as s:
        try:
            volume = await get_volume(s, caller, fields.volume_id)
        except errors.NotFound as exc:
            raise errors.NotFound(exc.message) from None
        source = volume.location
        if fields.snapshot_id is not None:
            snapshot = await s.get(VolumeSnapshotRow, fields.snapshot_id)
            if snapshot is None or snapshot.deleted or snapshot.volume_id != volume.id:
                raise errors.NotFound(f"Snapshot {fields.snapshot_id} could not be found.")
            if snapshot.status != "available":
                raise errors.BadRequest("Invalid snapshot: Snapshot to be backed up must be "
                                        "available, but the current status is "
                                        f"\"{snapshot.status}\".")
            source = snapshot.location
        elif volume.status == "in-use" and not fields.force:
            raise invalid_volume("Backing up an in-use volume must use the force flag.")
        elif volume.status not in ("available", "in-use"):
            raise invalid_volume(f"Volume to be backed up must be available or in-use, but "
                                 f"the current status is \"{volume.status}\".")
        parent_id = None
        if fields.incremental:
            parent = (await s.scalars(select(VolumeBackupRow).where(
                VolumeBackupRow.volume_id == volume.id, VolumeBackupRow.deleted.is_(False),
                VolumeBackupRow.status == "available").order_by(
                    VolumeBackupRow.data_timestamp.desc()))).first()
            if parent is None:
                raise invalid_backup("No backups available to do an incremental backup.")
            parent_id = parent.id
        if fields.availability_zone not in (None, volume.availability_zone):
            raise errors.BadRequest(f"Invalid input received: Availability zone "
                                    f"'{fields.availability_zone}' is invalid.")
        await volume_quotas.reserve(s, volume.project_id, backups=1,
                                    backup_gigabytes=volume.size)
        previous_status = volume.status
        now = utcnow()
        backup_id = str(uuid.uuid4())
        row = VolumeBackupRow(
            id=backup_id, project_id=volume.project_id, user_id=caller.user_id,
            volume_id=volume.id, snapshot_id=fields.snapshot_id, parent_id=parent_id,
            name=fields.name, description=fields.description,
            container=fields.container or "volumebackups",
            availability_zone=volume.availability_zone, size=volume.size, status="creating",
            is_incremental=parent_id is not None, object_count=0,
            metadata_=dict(fields.metadata), location=backup_location(backup_id),
            volume_state={"metadata": dict(volume.metadata_),
                          "image_metadata": dict(volume.image_metadata),
                          "bootable": volume.bootable},
            data_timestamp=now, created_at=now, updated_at=now)
        s.add(row)
        if fields.snapshot_id is None:
            volume.status = "backing-up"
        volume_work.record(s, kind=volume_work.BACKUP, project_id=row.project_id,
                           request_id=caller.request_id, source=source, size=volume.size,
                           volume_id=volume.id, backup_id=backup_id, target=row.location,
                           previous_status=previous_status)
        await s.flush()
        return Backup(row, False)


# --- read ----------------------------------------------------------------------------------


async def list_backups(cloud: Cloud, caller: Caller, filters: dict[str, str], *,
                       all_tenants: bool, sort: list[tuple[str, str]], limit: int | None,
                       marker: str | None, offset: int) -> tuple[list[Backup], int]:
    async with cloud.db.reader() as s:
        statement = select(VolumeBackupRow).where(VolumeBackupRow.deleted.is_(False))
        if not (all_tenants and caller.is_admin):
            statement = statement.where(VolumeBackupRow.project_id == caller.project_id)
        rows = [row for row in (await s.scalars(statement)).all() if _matches(row, filters)]
        rows = sort_rows(rows, sort, SORT_KEYS)
        return await _present(s, page(rows, marker, offset, limit)), len(rows)


def _matches(row: VolumeBackupRow, filters: dict[str, str]) -> bool:
    for key, wanted in filters.items():
        attribute = SORT_KEYS.get(key.rstrip("~"), key.rstrip("~"))
        value = getattr(row, attribute, None)
        if key.endswith("~"):
            if value is None or wanted.lower() not in str(value).lower():
                return False
        elif key == "project_id":
            if row.project_id != wanted:
                return False
        elif str(value) != wanted:
            return False
    return True


async def show_backup(cloud: Cloud, caller: Caller, backup_id: str) -> Backup:
    async with cloud.db.reader() as s:
        return (await _present(s, [await get_backup(s, caller, backup_id)]))[0]


async def update_backup(cloud: Cloud, caller: Caller, backup_id: str,
                        changes: dict[str, Any]) -> Backup:
    """Name, description, metadata (3.43; replaced whole)."""
    async with cloud.db.session() as s:
        row = await get_backup(s, caller, backup_id)
        if "name" in changes:
            row.name = changes["name"]
        if "description" in changes:
            row.description = changes["description"]
        if "metadata" in changes:
            row.metadata_ = dict(changes["metadata"])
        row.updated_at = utcnow()
        await s.flush()
        return (await _present(s, [row]))[0]


# --- delete and admin actions --------------------------------------------------------------


async def delete_backup(cloud: Cloud, caller: Caller, backup_id: str, *,
                        force: bool = False) -> None:
    """Delete an available or failed backup that no incremental one follows (`force`,
    admin: in any state but while restoring); its data file goes too."""
    if force:
        authorize(caller, "volume_extension:backup_admin_actions:force_delete")
    async with cloud.db.session() as s:
        row = await get_backup(s, caller, backup_id)
        if force and row.status == "restoring":
            raise invalid_backup("Backup status must be available or error or creating or "
                                 "deleting, but current status is \"restoring\".")
        if not force and row.status not in DELETABLE:
            raise invalid_backup("Backup status must be available or error")
        if await _dependents(s, [row.id]):
            raise invalid_backup("Incremental backups exist for this backup.")
        row.deleted = True
        row.status = "deleted"
        row.updated_at = utcnow()
        location = row.location
    await asyncio.to_thread(volume_store.remove, cloud.settings.data_dir, location)


async def reset_status(cloud: Cloud, caller: Caller, backup_id: str, status: str) -> None:
    authorize(caller, "volume_extension:backup_admin_actions:reset_status")
    if status.lower() not in RESET_STATUSES:
        raise errors.BadRequest(f"Must specify a valid status: {status} is not one.")
    async with cloud.db.session() as s:
        row = await get_backup(s, caller, backup_id)
        row.status = status.lower()
        row.updated_at = utcnow()


# --- restore -------------------------------------------------------------------------------


async def restore_backup(cloud: Cloud, caller: Caller, backup_id: str, *,
                         volume_id: str | None, name: str | None) -> Restored:
    """Write the backup's data into the volume named (available, at least the backup's
    size) or into a new volume of the backup's size (within quota)."""
    async with cloud.db.session() as s:
        backup = await get_backup(s, caller, backup_id)
        if backup.status != "available":
            raise invalid_backup("Backup status must be available")
        if volume_id is None:
            volume = await _new_volume(s, caller, backup, name)
        else:
            volume = await get_volume(s, caller, volume_id)
            if volume.status != "available":
                raise invalid_volume("Volume to be restored to must be available")
            if volume.size < backup.size:
                raise errors.BadRequest(f"Invalid volume: volume size {volume.size} is too "
                                        f"small to restore backup of size {backup.size}.")
            if volume.project_id != backup.project_id and not caller.is_admin:
                raise not_found(backup_id)
            volume.status = "restoring-backup"
            volume.updated_at = utcnow()
        backup.status = "restoring"
        backup.updated_at = utcnow()
        state = backup.volume_state or {}
        volume.metadata_ = {**volume.metadata_, **state.get("metadata", {})}
        if state.get("image_metadata"):
            volume.image_metadata = dict(state["image_metadata"])
        if state.get("bootable"):
            volume.bootable = True
        restored = Restored(backup.id, volume.id, volume.name)
        volume_work.record(s, kind=volume_work.RESTORE, project_id=volume.project_id,
                           request_id=caller.request_id, source=backup.location,
                           size=volume.size, volume_id=volume.id, backup_id=backup.id,
                           target=volume.location)
    return restored


async def _new_volume(s: AsyncSession, caller: Caller, backup: VolumeBackupRow,
                      name: str | None) -> VolumeRow:
    """The volume a restore without a volume makes: the backup's size, the default type."""
    type_row = await volume_types.find_type(s, None)
    await volume_quotas.reserve(s, backup.project_id, volumes=1, gigabytes=backup.size,
                                volume_type_id=type_row.id)
    volume_id = str(uuid.uuid4())
    row = VolumeRow(
        id=volume_id, project_id=backup.project_id, user_id=caller.user_id,
        name=name or f"restore_backup_{backup.id}",
        description="auto-created_from_restore_from_backup", size=backup.size,
        status="restoring-backup", attach_status="detached",
        availability_zone=backup.availability_zone or "nova", bootable=False,
        multiattach=False, volume_type_id=type_row.id, metadata_={}, image_metadata={},
        location=volume_store.volume_location(volume_id), created_at=utcnow(),
        updated_at=None)
    s.add(row)
    return row


# --- export and import of records ---------------------------------------------------------


async def export_record(cloud: Cloud, caller: Caller, backup_id: str) -> tuple[str, str]:
    """(backup_service, backup_url): the backup's record, base64 JSON as Cinder's."""
    authorize(caller, "backup:backup-export")
    async with cloud.db.reader() as s:
        row = await get_backup(s, caller, backup_id)
        if row.status != "available":
            raise invalid_backup("Backup status must be available and not restoring.")
        record = {"id": row.id, "volume_id": row.volume_id, "size": row.size,
                  "display_name": row.name, "display_description": row.description,
                  "container": row.container, "availability_zone": row.availability_zone,
                  "snapshot_id": row.snapshot_id, "parent_id": row.parent_id,
                  "metadata": dict(row.metadata_), "project_id": row.project_id,
                  "user_id": row.user_id, "data_id": row.id,
                  "volume_state": dict(row.volume_state or {})}
    await asyncio.to_thread(_link, cloud.settings.data_dir, backup_location(backup_id),
                            exported_location(backup_id))
    url = base64.b64encode(json.dumps(record).encode()).decode()
    return BACKUP_SERVICE, url


async def import_record(cloud: Cloud, caller: Caller, backup_service: str,
                        backup_url: str) -> Backup:
    """Make a backup record from an exported one whose data is still here (admin): the
    record of a backup that was deleted since, or of one made by another project."""
    authorize(caller, "backup:backup-import")
    if backup_service != BACKUP_SERVICE:
        raise errors.BadRequest(f"Service {backup_service} could not be found.")
    try:
        record = json.loads(base64.b64decode(backup_url, validate=True))
        backup_id, size = str(record["id"]), int(record["size"])
    except (ValueError, KeyError, TypeError):
        raise errors.BadRequest("Invalid input received: Can't parse backup record.") from None
    async with cloud.db.session() as s:
        existing = await s.get(VolumeBackupRow, backup_id)
        if existing is not None and not existing.deleted:
            raise invalid_backup("Backup already exists in database.")
        now = utcnow()
        metadata = record.get("metadata")
        row = existing or VolumeBackupRow(id=backup_id)
        row.project_id, row.user_id = caller.project_id, caller.user_id
        row.volume_id = str(record.get("volume_id") or "")
        row.snapshot_id, row.parent_id = None, None
        row.name, row.description = record.get("display_name"), record.get(
            "display_description")
        row.container, row.availability_zone = record.get("container"), record.get(
            "availability_zone")
        row.size, row.is_incremental, row.object_count = size, False, 1
        row.metadata_ = dict(metadata) if isinstance(metadata, dict) else {}
        state = record.get("volume_state")
        row.volume_state = dict(state) if isinstance(state, dict) else {}
        row.location, row.data_timestamp, row.created_at, row.updated_at = (
            backup_location(backup_id), now, now, now)
        row.deleted = False
        data_id = str(record.get("data_id") or backup_id)
        present = _UUID.match(data_id) is not None and await asyncio.to_thread(
            _adopt, cloud.settings.data_dir, data_id, backup_id)
        row.status = "available" if present else "error"
        row.fail_reason = None if present else "The backup's data is not in the backup store."
        if existing is None:
            s.add(row)
        await s.flush()
        return Backup(row, False)
