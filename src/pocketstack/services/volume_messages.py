"""Block storage user messages (Cinder's messages API, 3.3+): what an asynchronous request
that failed tells its project. Recorded by the use cases whose work fails after they answered,
listed, shown and deleted by the project's members; they expire after `MESSAGE_TTL`."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import VolumeMessageRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.timeutil import utcnow

# Cinder's message_ttl default: 2592000 seconds (30 days).
MESSAGE_TTL = timedelta(seconds=2592000)

# Resources, actions and details as Cinder's cinder/message/message_field.py numbers them.
VOLUME = "VOLUME"
VOLUME_SNAPSHOT = "VOLUME_SNAPSHOT"
VOLUME_BACKUP = "VOLUME_BACKUP"

SCHEDULE_ALLOCATE_VOLUME = ("001", "schedule allocate volume")
COPY_VOLUME_TO_IMAGE = ("003", "copy volume to image")
COPY_IMAGE_TO_VOLUME = ("005", "copy image to volume")
EXTEND_VOLUME = ("007", "extend volume")
BACKUP_CREATE = ("013", "create backup")
BACKUP_RESTORE = ("015", "restore backup")

UNKNOWN_ERROR = ("001", "An unknown error occurred.")
NO_BACKEND_AVAILABLE = ("003", "Could not find any available weighted backend.")
FAILED_TO_UPLOAD_VOLUME = ("004", "Failed to upload volume to image at backend.")
NOT_ENOUGH_SPACE_FOR_IMAGE = ("007", "Image used for creating volume exceeds available space.")
DRIVER_FAILED_EXTEND = ("010", "Volume Driver failed to extend volume.")
BACKUP_CREATE_DRIVER_ERROR = ("020", "Backup driver failed to create backup.")
BACKUP_RESTORE_ERROR = ("026", "Backup driver failed to restore backup.")

SORT_KEYS = {"id": "id", "event_id": "event_id", "resource_type": "resource_type",
             "resource_uuid": "resource_uuid", "message_level": "message_level",
             "created_at": "created_at", "request_id": "request_id"}


def record(s: AsyncSession, *, project_id: str, request_id: str, resource_type: str,
           resource_uuid: str | None, action: tuple[str, str],
           detail: tuple[str, str]) -> VolumeMessageRow:
    """Add a user message to the session (committed with it): its event id and text as
    Cinder composes them (`VOLUME_<resource>_<action>_<detail>`, `<action>: <detail>`)."""
    now = utcnow()
    row = VolumeMessageRow(
        id=str(uuid.uuid4()), project_id=project_id, request_id=request_id,
        resource_type=resource_type, resource_uuid=resource_uuid,
        event_id=f"VOLUME_{resource_type}_{action[0]}_{detail[0]}", message_level="ERROR",
        user_message=f"{action[1]}: {detail[1]}", created_at=now, expires_at=now + MESSAGE_TTL)
    s.add(row)
    return row


async def record_now(cloud: Cloud, caller: Caller, *, project_id: str, resource_type: str,
                     resource_uuid: str | None, action: tuple[str, str],
                     detail: tuple[str, str]) -> None:
    """Record a message in a transaction of its own (the failed work's rolled back)."""
    async with cloud.db.session() as s:
        record(s, project_id=project_id, request_id=caller.request_id,
               resource_type=resource_type, resource_uuid=resource_uuid, action=action,
               detail=detail)


def not_found(message_id: str) -> errors.NotFound:
    return errors.NotFound(f"Message {message_id} could not be found.")


async def _get(s: AsyncSession, caller: Caller, message_id: str) -> VolumeMessageRow:
    row = await s.get(VolumeMessageRow, message_id)
    if row is None or row.deleted or row.expires_at < utcnow() or (
            row.project_id != caller.project_id and not caller.is_admin):
        raise not_found(message_id)
    return row


async def list_messages(cloud: Cloud, caller: Caller, filters: dict[str, str], *,
                        sort: list[tuple[str, str]], limit: int | None, marker: str | None,
                        offset: int) -> list[VolumeMessageRow]:
    """The caller's project's live messages, newest first (filtered, sorted, paged)."""
    async with cloud.db.reader() as s:
        rows = list((await s.scalars(select(VolumeMessageRow).where(
            VolumeMessageRow.deleted.is_(False),
            VolumeMessageRow.project_id == caller.project_id))).all())
    now = utcnow()
    rows = [row for row in rows if row.expires_at >= now
            and all(str(getattr(row, key, "")) == value for key, value in filters.items())]
    for key, direction in reversed([*sort, ("created_at", "desc"), ("id", "desc")]):
        rows.sort(key=lambda row: str(getattr(row, SORT_KEYS.get(key, key)) or ""),
                  reverse=direction == "desc")
    if marker is not None:
        ids = [row.id for row in rows]
        if marker not in ids:
            raise errors.NotFound(f"Marker {marker} could not be found.")
        rows = rows[ids.index(marker) + 1:]
    rows = rows[offset:]
    return rows if limit is None else rows[:limit]


async def show_message(cloud: Cloud, caller: Caller, message_id: str) -> VolumeMessageRow:
    async with cloud.db.reader() as s:
        return await _get(s, caller, message_id)


async def delete_message(cloud: Cloud, caller: Caller, message_id: str) -> None:
    async with cloud.db.session() as s:
        row = await _get(s, caller, message_id)
        row.deleted = True
