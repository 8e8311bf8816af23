"""Block storage snapshots: a copy of the volume's data file taken in the transaction that
records the snapshot (committed `available`), list, show, update, delete and metadata."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import VolumeSnapshotRow
from pocketstack.services import volume_quotas, volume_store
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.volumes import (
    get_volume,
    invalid_volume,
    metadata_filter,
    page,
    sort_rows,
)
from pocketstack.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class SnapshotFields:
    volume_id: str
    name: str | None
    description: str | None
    force: bool
    metadata: dict[str, str]


def not_found(snapshot_id: str) -> errors.NotFound:
    return errors.NotFound(f"Snapshot {snapshot_id} could not be found.")


async def get_snapshot(s: AsyncSession, caller: Caller, snapshot_id: str) -> VolumeSnapshotRow:
    row = await s.get(VolumeSnapshotRow, snapshot_id)
    if row is None or row.deleted or (row.project_id != caller.project_id
                                      and not caller.is_admin):
        raise not_found(snapshot_id)
    return row


async def create_snapshot(cloud: Cloud, caller: Caller, fields: SnapshotFields) -> VolumeSnapshotRow:
    async with cloud.db.session() as s:
        try:
            volume = await get_volume(s, caller, fields.volume_id)
        except errors.NotFound as exc:
            raise errors.NotFound(exc.message) from None
        allowed = ("available", "in-use") if fields.force else ("available",)
        if volume.status not in allowed:
            raise invalid_volume(f"Volume {volume.id} status must be available, but current "
                                 f"status is: {volume.status}.")
        await volume_quotas.reserve(s, volume.project_id, snapshots=1, gigabytes=volume.size,
                                    volume_type_id=volume.volume_type_id)
        snapshot_id = str(uuid.uuid4())
        row = VolumeSnapshotRow(
            id=snapshot_id, project_id=volume.project_id, user_id=caller.user_id,
            volume_id=volume.id, name=fields.name, description=fields.description,
            size=volume.size, status="available", metadata_=dict(fields.metadata),
            location=volume_store.snapshot_location(snapshot_id), created_at=utcnow())
        s.add(row)
        await s.flush()
        data_dir = cloud.settings.data_dir
        try:
            await asyncio.to_thread(volume_store.copy_sparse,
                                    volume_store.path_of(data_dir, volume.location), data_dir,
                                    row.location, volume.size)
        except volume_store.StoreError as exc:
            await asyncio.to_thread(volume_store.remove, data_dir, row.location)
            raise errors.BadRequest(f"Invalid snapshot: the storage back-end cannot copy the "
                                    f"volume: {exc}.") from None
        return row


SORT_KEYS = {"id": "id", "name": "name", "display_name": "name", "status": "status",
             "size": "size", "created_at": "created_at", "updated_at": "updated_at",
             "volume_id": "volume_id"}


async def list_snapshots(cloud: Cloud, caller: Caller, filters: dict[str, str], *,
                         all_tenants: bool, limit: int | None, marker: str | None,
                         offset: int, sort: list[tuple[str, str]] | None = None,
                         ) -> tuple[list[VolumeSnapshotRow], int]:
    """A page of the caller's snapshots (every project's with all_tenants, admin only), and
    how many match before paging."""
    async with cloud.db.reader() as s:
        statement = select(VolumeSnapshotRow).where(VolumeSnapshotRow.deleted.is_(False))
        if not (all_tenants and caller.is_admin):
            statement = statement.where(VolumeSnapshotRow.project_id == caller.project_id)
        rows = (await s.scalars(statement.order_by(VolumeSnapshotRow.created_at.desc(),
                                                   VolumeSnapshotRow.id.desc()))).all()
    found = sort_rows([row for row in rows if _matches(row, filters)], sort or [], SORT_KEYS)
    result: list[VolumeSnapshotRow] = page(found, marker, offset, limit)
    return result, len(found)


def _matches(row: VolumeSnapshotRow, filters: dict[str, str]) -> bool:
    for key, wanted in filters.items():
        if key == "metadata":
            if any(row.metadata_.get(k) != v for k, v in metadata_filter(wanted).items()):
                return False
        elif key.endswith("~"):
            value = getattr(row, key[:-1], None)
            if value is None or wanted.lower() not in str(value).lower():
                return False
        elif str(getattr(row, key, "")) != wanted:
            return False
    return True


async def show_snapshot(cloud: Cloud, caller: Caller, snapshot_id: str) -> VolumeSnapshotRow:
    async with cloud.db.reader() as s:
        return await get_snapshot(s, caller, snapshot_id)


async def update_snapshot(cloud: Cloud, caller: Caller, snapshot_id: str,
                          changes: dict[str, Any]) -> VolumeSnapshotRow:
    async with cloud.db.session() as s:
        row = await get_snapshot(s, caller, snapshot_id)
        if "name" in changes:
            row.name = changes["name"]
        if "description" in changes:
            row.description = changes["description"]
        row.updated_at = utcnow()
        return row


STATUSES = ("error", "available", "creating", "deleting", "updating", "error_deleting",
            "unmanaging", "backing-up", "restoring")


async def reset_status(cloud: Cloud, caller: Caller, snapshot_id: str, status: str) -> None:
    """Set the snapshot's status, unchecked (admin), as Cinder's os-reset_status does."""
    authorize(caller, "volume_extension:snapshot_admin_actions:reset_status")
    if status.lower() not in STATUSES:
        raise errors.BadRequest(f"Invalid input for field/attribute status. Value: {status}. "
                                f"'{status}' is not one of {list(STATUSES)}")
    async with cloud.db.session() as s:
        row = await get_snapshot(s, caller, snapshot_id)
        row.status = status.lower()
        row.updated_at = utcnow()


# os-update_snapshot_status: the moves a snapshot being made (or deleted) may take.
STATUS_MOVES = {"creating": ("creating", "available", "error"),
                "deleting": ("deleting", "error_deleting")}


async def update_snapshot_status(cloud: Cloud, caller: Caller, snapshot_id: str,
                                 status: str, progress: str | None = None) -> None:
    """os-update_snapshot_status, as Cinder allows it: from creating or deleting only."""
    async with cloud.db.session() as s:
        row = await get_snapshot(s, caller, snapshot_id)
        if row.status not in STATUS_MOVES:
            raise errors.BadRequest(f"Snapshot status {row.status} not allowed for "
                                    "update_snapshot_status")
        if status not in STATUS_MOVES[row.status]:
            raise errors.BadRequest(f"Provided snapshot status {status} not allowed for "
                                    f"snapshot with status {row.status}.")
        row.status = status
        if progress:
            row.progress = progress
        row.updated_at = utcnow()


async def delete_snapshot(cloud: Cloud, caller: Caller, snapshot_id: str, *,
                          force: bool = False) -> None:
    """Delete an available or error snapshot (`force`, admin only: whatever its status)."""
    if force:
        authorize(caller, "volume_extension:snapshot_admin_actions:force_delete")
    async with cloud.db.session() as s:
        row = await get_snapshot(s, caller, snapshot_id)
        if not force and row.status not in ("available", "error"):
            raise errors.BadRequest("Invalid snapshot: Volume Snapshot status must be available "
                                    "or error and must not be part of a group.")
        row.deleted = True
        row.status = "deleted"
        location = row.location
    await asyncio.to_thread(volume_store.remove, cloud.settings.data_dir, location)


async def set_metadata(cloud: Cloud, caller: Caller, snapshot_id: str,
                       metadata: dict[str, str] | None, *, replace: bool = False,
                       remove: str | None = None) -> dict[str, str]:
    """Merge (or replace, or remove one key of) the snapshot's metadata; the whole result."""
    async with cloud.db.session() as s:
        row = await get_snapshot(s, caller, snapshot_id)
        if remove is not None:
            if remove not in row.metadata_:
                raise errors.NotFound(f"Snapshot {snapshot_id} has no metadata with key "
                                      f"{remove}.")
            row.metadata_ = {k: v for k, v in row.metadata_.items() if k != remove}
        elif metadata is not None:
            row.metadata_ = dict(metadata) if replace else {**row.metadata_, **metadata}
        row.updated_at = utcnow()
        return dict(row.metadata_)
