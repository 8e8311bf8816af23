"""Long volume work, done by the volume worker (agent/volume_worker.py) instead of the request.

A create from an image, a snapshot or another volume, a backup, a restore and an upload to an
image copy a whole data file. The request records the work (`VolumeWorkRow`: what to copy
where) in the transaction that leaves its volume, backup or image in a transitional state
(`creating`, `backing-up`, `restoring-backup`, `uploading`, an image `saving`), and answers at
once. The worker copies to a temporary file renamed into place, then one transaction commits
the final states (`available`, or `error` with a user message) and deletes the work. A worker
that dies mid-way leaves the work recorded: the next one copies again from the start, so every
record converges. Empty volumes and extends are one file truncate, done in the request.
"""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db.engine import Database
from pocketstack.db.models import (
    ImageRow,
    VolumeAttachmentRow,
    VolumeBackupRow,
    VolumeRow,
    VolumeWorkRow,
)
from pocketstack.db.wakes import wake_volume_worker
from pocketstack.services import (
    image_store,
    images,
    volume_image_data,
    volume_messages,
    volume_store,
)
from pocketstack.timeutil import utcnow

CREATE, BACKUP, RESTORE, UPLOAD = "create", "backup", "restore", "upload"
# Statuses only work in progress (or an attach the process did not finish) leaves.
SETTLED_BY_ATTACHMENTS = ("attaching", "detaching")


def record(s: AsyncSession, *, kind: str, project_id: str, request_id: str, source: str,
           size: int, volume_id: str | None = None, backup_id: str | None = None,
           image_id: str | None = None, target: str | None = None,
           source_store: str = "volume", previous_status: str | None = None,
           disk_format: str | None = None) -> None:
    """Record work in the caller's transaction; its commit wakes the volume workers."""
    s.add(VolumeWorkRow(
        id=str(uuid.uuid4()), kind=kind, project_id=project_id, request_id=request_id,
        volume_id=volume_id, backup_id=backup_id, image_id=image_id, source=source,
        source_store=source_store, target=target, size=size, previous_status=previous_status,
        disk_format=disk_format, claimed_by=None, created_at=utcnow()))
    wake_volume_worker(s)


@dataclass(frozen=True, slots=True)
class Work:
    id: str
    kind: str
    source: Path
    target: str | None
    size: int
    image_id: str | None
    disk_format: str | None


async def pending(db: Database, host: str) -> list[str]:
    """The work nobody else took (the rows this host took before a restart included)."""
    async with db.reader() as s:
        return list((await s.scalars(select(VolumeWorkRow.id).where(or_(
            VolumeWorkRow.claimed_by.is_(None), VolumeWorkRow.claimed_by == host)).order_by(
                VolumeWorkRow.created_at))).all())


async def perform(db: Database, data_dir: Path, work_id: str, host: str, *,
                  pause_s: float = 0.0) -> None:
    """Take the work, copy its data, commit the final states and forget the work."""
    async with db.session(wake=False) as s:
        taken = await s.execute(update(VolumeWorkRow).where(
            VolumeWorkRow.id == work_id, or_(VolumeWorkRow.claimed_by.is_(None),
                                             VolumeWorkRow.claimed_by == host)).values(
            claimed_by=host))
        row = await s.get(VolumeWorkRow, work_id) if taken.rowcount else None  # type: ignore[attr-defined]
        if row is None:
            return
        store = image_store.path_of if row.source_store == "image" else volume_store.path_of
        work = Work(row.id, row.kind, store(data_dir, row.source), row.target, row.size,
                    row.image_id, row.disk_format)
    failure: str | None = None
    stored: image_store.StoredData | None = None
    try:
        if work.kind == UPLOAD:
            assert work.image_id is not None
            stored = await asyncio.to_thread(volume_image_data.write_image, data_dir, work.source, work.image_id,
                                             work.disk_format or "raw", pause_s=pause_s)
        else:
            assert work.target is not None
            await asyncio.to_thread(volume_store.copy_sparse, work.source, data_dir,
                                    work.target, work.size, pause_s=pause_s)
    except (OSError, subprocess.SubprocessError, volume_store.StoreError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        failure = reason or type(exc).__name__
    async with db.session(wake=False) as s:
        row = await s.get(VolumeWorkRow, work_id)
        if row is None:
            return
        leftover = await _finish(s, row, failure, stored)
        await s.delete(row)
    if leftover is not None:
        await asyncio.to_thread(volume_store.remove, data_dir, leftover)


async def _finish(s: AsyncSession, work: VolumeWorkRow, failure: str | None,
                  stored: image_store.StoredData | None) -> str | None:
    """The final states of the work's records; a copy nobody owns any more (its volume
    deleted meanwhile) is named for removal."""
    now = utcnow()
    volume = await s.get(VolumeRow, work.volume_id) if work.volume_id else None
    if work.kind == CREATE:
        if volume is None or volume.deleted:
            return work.target
        if volume.status == "creating":
            volume.status = "available" if failure is None else "error"
            volume.updated_at = now
        if failure is not None:
            action = (volume_messages.COPY_IMAGE_TO_VOLUME if work.source_store == "image"
                      else volume_messages.SCHEDULE_ALLOCATE_VOLUME)
            _message(s, work, volume_messages.VOLUME, work.volume_id, action,
                     volume_messages.UNKNOWN_ERROR)
        return None
    if work.kind == BACKUP:
        backup = await s.get(VolumeBackupRow, work.backup_id)
        if volume is not None and volume.status == "backing-up":
            volume.status = work.previous_status or "available"
            volume.updated_at = now
        if backup is None or backup.deleted:
            return work.target
        backup.updated_at = now
        if failure is None:
            backup.status, backup.object_count = "available", 1
        else:
            backup.status, backup.fail_reason = "error", failure
            _message(s, work, volume_messages.VOLUME_BACKUP, backup.id,
                     volume_messages.BACKUP_CREATE, volume_messages.BACKUP_CREATE_DRIVER_ERROR)
        return None if failure is None else work.target
    if work.kind == RESTORE:
        backup = await s.get(VolumeBackupRow, work.backup_id)
        if backup is not None and backup.status == "restoring":
            backup.status, backup.updated_at = "available", now
        if volume is not None and volume.status == "restoring-backup":
            volume.status = "available" if failure is None else "error_restoring"
            volume.updated_at = now
        if failure is not None:
            _message(s, work, volume_messages.VOLUME_BACKUP, work.backup_id,
                     volume_messages.BACKUP_RESTORE, volume_messages.BACKUP_RESTORE_ERROR)
        return work.target if volume is None or volume.deleted else None
    # UPLOAD
    if volume is not None and volume.status == "uploading":
        volume.status = work.previous_status or "available"
        volume.updated_at = now
    if stored is not None and work.image_id is not None:
        await images.finish_upload(s, work.image_id, location=stored.location, size=stored.size,
                                   md5=stored.md5, sha512=stored.sha512)
        return None
    image = await s.get(ImageRow, work.image_id) if work.image_id else None
    if image is not None and not image.deleted:
        image.deleted, image.status, image.deleted_at = True, "deleted", now
    _message(s, work, volume_messages.VOLUME, work.volume_id,
             volume_messages.COPY_VOLUME_TO_IMAGE, volume_messages.FAILED_TO_UPLOAD_VOLUME)
    return None


def _message(s: AsyncSession, work: VolumeWorkRow, resource_type: str, resource_uuid: str | None,
             action: tuple[str, str], detail: tuple[str, str]) -> None:
    volume_messages.record(s, project_id=work.project_id, request_id=work.request_id,
                           resource_type=resource_type, resource_uuid=resource_uuid,
                           action=action, detail=detail)


async def settle_attachments(db: Database, before: datetime) -> int:
    """Volumes left `attaching` or `detaching` by a process that ended before `before`:
    `in-use` when an attachment record says attached, else `available`. How many changed."""
    async with db.session(wake=False) as s:
        rows = list((await s.scalars(select(VolumeRow).where(
            VolumeRow.deleted.is_(False), VolumeRow.status.in_(SETTLED_BY_ATTACHMENTS)))).all())
        changed = 0
        for volume in rows:
            if volume.updated_at is not None and volume.updated_at >= before:
                continue
            attached = await s.scalar(select(VolumeAttachmentRow.id).where(
                VolumeAttachmentRow.volume_id == volume.id,
                VolumeAttachmentRow.status == "attached").limit(1))
            volume.status, volume.attach_status = (("in-use", "attached") if attached
                                                   else ("available", "detached"))
            volume.updated_at = utcnow()
            changed += 1
        return changed
