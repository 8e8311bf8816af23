"""Images: records, who may see them, listing with filters and pages, and state changes.

The Image API (Glance v2) and the compute API's images both read these ImageRow records.
These functions work in a session their caller opened; the use cases that open transactions
are in `services.image_catalog` and `services.image_data`. Image data on disk lives in
`services.image_store`.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, false, or_, select, true
from sqlalchemy import delete as sa_delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from pocketstack import errors
from pocketstack.db.models import ImageCacheRow, ImageMemberRow, ImageRow
from pocketstack.timeutil import utcnow

VISIBILITIES = ("public", "community", "shared", "private")
STATUSES = ("queued", "saving", "active", "killed", "deleted", "pending_delete",
            "deactivated", "uploading", "importing")
SORT_KEYS = ("name", "status", "container_format", "disk_format", "size", "id",
             "created_at", "updated_at", "visibility", "owner", "min_disk", "min_ram")


def new_image_id() -> str:
    return str(uuid.uuid4())


def not_found(image_id: str) -> errors.NotFound:
    return errors.NotFound(f"Image {image_id} could not be found.")


# --- visibility ------------------------------------------------------------------------------


def _any_member(project_id: str) -> ColumnElement[bool]:
    return exists().where(ImageMemberRow.image_id == ImageRow.id,
                          ImageMemberRow.member_id == project_id)


def visible_clause(project_id: str | None, is_admin: bool) -> ColumnElement[bool]:
    """Public and community images are seen by all, private ones by their owner, shared ones
    by their owner and the member projects; admin sees everything."""
    if is_admin:
        return true()
    if project_id is None:
        return ImageRow.visibility.in_(("public", "community"))
    return or_(ImageRow.visibility.in_(("public", "community")),
               ImageRow.owner == project_id,
               and_(ImageRow.visibility == "shared", _any_member(project_id)))


def is_visible(image: ImageRow, project_id: str | None, is_admin: bool,
               member_ids: Sequence[str] = ()) -> bool:
    if is_admin or image.visibility in ("public", "community"):
        return True
    if project_id is not None and image.owner == project_id:
        return True
    return image.visibility == "shared" and project_id in member_ids


_images, _members = ImageRow.__table__.c, ImageMemberRow.__table__.c
_IMAGE_ROW = select(*ImageRow.__table__.c).where(_images.id == bindparam("image_id"),
                                                 _images.deleted.is_(False))
_IS_MEMBER = select(_members.image_id).where(_members.image_id == bindparam("image_id"),
                                              _members.member_id == bindparam("project_id"))


async def get_visible_image(s: AsyncSession, image_id: str, *, project_id: str,
                            is_admin: bool) -> ImageRow:
    """The image if it exists, is not deleted, and the caller may see it; else NotFound."""
    row = await s.get(ImageRow, image_id) if _looks_like_id(image_id) else None
    image: ImageRow = await _if_visible(s, None if row is None or row.deleted else row,
                                        image_id, project_id, is_admin)
    return image


async def get_visible_image_row(s: AsyncSession, image_id: str, *, project_id: str,
                                is_admin: bool) -> Any:
    """get_visible_image's image as a read-only row (columns by name), without loading an
    entity: what a server create needs."""
    row = (await s.execute(_IMAGE_ROW, {"image_id": image_id})).first() \
        if _looks_like_id(image_id) else None
    return await _if_visible(s, row, image_id, project_id, is_admin)


async def _if_visible(s: AsyncSession, row: Any, image_id: str, project_id: str,
                      is_admin: bool) -> Any:
    """The live image `row` if the caller may see it (a shared image: as a member); else
    NotFound."""
    if row is not None and (is_visible(row, project_id, is_admin) or (
            row.visibility == "shared" and await s.scalar(
                _IS_MEMBER, {"image_id": image_id, "project_id": project_id}) is not None)):
        return row
    raise not_found(image_id)


def _looks_like_id(image_id: str) -> bool:
    return 0 < len(image_id) <= 36


def may_modify(image: ImageRow, project_id: str | None, is_admin: bool) -> bool:
    return is_admin or (project_id is not None and image.owner == project_id)


# --- creation ---------------------------------------------------------------------------------


async def create_image_record(s: AsyncSession, *, name: str | None, owner: str | None,
                              properties: dict[str, Any], visibility: str = "private",
                              status: str = "queued", container_format: str | None = None,
                              disk_format: str | None = None, min_disk: int = 0,
                              min_ram: int = 0) -> ImageRow:
    """Add a new image record (no data yet); the caller's session commits it."""
    return await add_image(s, ImageFields(
        name=name, owner=owner, properties=dict(properties), visibility=visibility,
        status=status, container_format=container_format, disk_format=disk_format,
        min_disk=min_disk, min_ram=min_ram))


@dataclass(frozen=True, slots=True)
class ImageFields:
    """Everything a new image may be given at creation."""

    name: str | None
    owner: str | None
    properties: dict[str, Any] = field(default_factory=dict)
    visibility: str = "shared"
    status: str = "queued"
    container_format: str | None = None
    disk_format: str | None = None
    min_disk: int = 0
    min_ram: int = 0
    protected: bool = False
    os_hidden: bool = False
    tags: list[str] = field(default_factory=list)
    image_id: str | None = None


async def add_image(s: AsyncSession, fields: ImageFields) -> ImageRow:
    image_id = fields.image_id or new_image_id()
    if fields.image_id is not None and await s.get(ImageRow, image_id) is not None:
        raise errors.Conflict(f"Image with identifier {image_id} already exists!")
    now = utcnow()
    row = ImageRow(
        id=image_id, name=fields.name, status=fields.status, visibility=fields.visibility,
        owner=fields.owner, container_format=fields.container_format,
        disk_format=fields.disk_format, size=None, virtual_size=None, checksum=None,
        os_hash_algo=None, os_hash_value=None, min_disk=fields.min_disk,
        min_ram=fields.min_ram, protected=fields.protected, os_hidden=fields.os_hidden,
        properties=dict(fields.properties), tags=_unique(fields.tags), location=None,
        created_at=now, updated_at=now, deleted=False, deleted_at=None)
    s.add(row)
    await s.flush()
    return row


def _unique(tags: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(tags))


# --- listing ----------------------------------------------------------------------------------


@dataclass(slots=True)
class ImageQuery:
    """Filters and a page of an image listing (both APIs map their parameters onto this);
    `project_id` and `is_admin` say whose listing it is (the use case sets them from the caller)."""

    project_id: str | None = None
    is_admin: bool = False
    equals: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    visibility: str | None = None
    member_status: str = "accepted"
    changes_since: datetime | None = None
    min_disk: int | None = None
    min_ram: int | None = None
    # (column, operator, value) with operator one of eq, neq, gt, gte, lt, lte.
    ranges: list[tuple[str, str, Any]] = field(default_factory=list)
    include_deleted: bool = False
    os_hidden: bool | None = False
    sort: list[tuple[str, str]] = field(default_factory=lambda: [("created_at", "desc")])
    limit: int | None = None
    marker: str | None = None


async def list_images(s: AsyncSession, q: ImageQuery) -> list[ImageRow]:
    stmt = select(ImageRow).where(_filters(q))
    if q.marker is not None:
        stmt = await _after_marker(s, stmt, q)
    order = []
    for key, direction in q.sort:
        column = getattr(ImageRow, key)
        # NULLs first ascending and last descending, on every database (markers rely on it).
        order.append(column.desc().nulls_last() if direction == "desc" else column.asc().nulls_first())
    last_direction = q.sort[-1][1] if q.sort else "desc"
    if all(key != "id" for key, _ in q.sort):
        order.append(ImageRow.id.desc() if last_direction == "desc" else ImageRow.id.asc())
    stmt = stmt.order_by(*order)
    if not q.properties and not q.tags:
        return list(await s.scalars(stmt if q.limit is None else stmt.limit(q.limit)))
    # Property and tag filters read JSON columns, so they are applied here, before the limit.
    rows = [row for row in await s.scalars(stmt)
            if _match_properties(row, q.properties) and _has_tags(row, q.tags)]
    return rows if q.limit is None else rows[:q.limit]


def _filters(q: ImageQuery) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if not q.include_deleted:
        clauses.append(ImageRow.deleted == false())
    if q.changes_since is not None:
        clauses.append(ImageRow.updated_at >= q.changes_since)
    for key, value in q.equals.items():
        column = getattr(ImageRow, key)
        clauses.append(column.in_(value) if isinstance(value, list | tuple) else column == value)
    if q.min_disk is not None:
        clauses.append(ImageRow.min_disk >= q.min_disk)
    if q.min_ram is not None:
        clauses.append(ImageRow.min_ram >= q.min_ram)
    if q.os_hidden is not None:
        clauses.append(ImageRow.os_hidden == q.os_hidden)
    for key, op, value in q.ranges:
        clauses.append(_compare(getattr(ImageRow, key), op, value))
    clauses.append(_visibility_filter(q))
    return and_(*clauses)


_OPERATORS = {"eq": operator.eq, "neq": operator.ne, "gt": operator.gt, "gte": operator.ge,
              "lt": operator.lt, "lte": operator.le}


def _compare(column: ColumnElement[Any], op: str, value: Any) -> ColumnElement[bool]:
    clause: ColumnElement[bool] = _OPERATORS[op](column, value)
    return clause


def _visibility_filter(q: ImageQuery) -> ColumnElement[bool]:
    """Glance's listing: without a visibility filter, a user sees public images, their own,
    and shared images they are an (accepted, by default) member of; community images only
    when asked for."""
    project = q.project_id
    if q.visibility == "all":
        return visible_clause(project, q.is_admin)
    if q.visibility is not None:
        base = ImageRow.visibility == q.visibility
        if q.is_admin or q.visibility in ("public", "community"):
            return base
        if q.visibility == "shared":
            return and_(base, or_(ImageRow.owner == project, _member_with_status(project, q)))
        return and_(base, ImageRow.owner == project)
    if q.is_admin:
        return ImageRow.visibility != "community"
    if project is None:
        return ImageRow.visibility == "public"
    return or_(ImageRow.visibility == "public", ImageRow.owner == project,
               and_(ImageRow.visibility == "shared", _member_with_status(project, q)))


def _member_with_status(project_id: str | None, q: ImageQuery) -> ColumnElement[bool]:
    if project_id is None:
        return false()
    if q.member_status == "all":
        return _any_member(project_id)
    return exists().where(ImageMemberRow.image_id == ImageRow.id,
                          ImageMemberRow.member_id == project_id,
                          ImageMemberRow.status == q.member_status)


async def _after_marker(s: AsyncSession, stmt: Select[ImageRow],
                        q: ImageQuery) -> Select[ImageRow]:
    marker = await s.get(ImageRow, q.marker) if q.marker else None
    if marker is None or not is_visible(marker, q.project_id, q.is_admin, await _member_ids(s, marker)):
        raise errors.BadRequest(f"Marker {q.marker} could not be found.")
    keys = [key for key, _ in q.sort]
    directions = [direction for _, direction in q.sort]
    if "id" not in keys:
        keys.append("id")
        directions.append(directions[-1] if directions else "desc")
    ors: list[ColumnElement[bool]] = []
    for i, key in enumerate(keys):
        equal_before = [_eq(getattr(ImageRow, k), getattr(marker, k)) for k in keys[:i]]
        ors.append(and_(*equal_before, _beyond(getattr(ImageRow, key), getattr(marker, key),
                                               directions[i])))
    return stmt.where(or_(*ors))


def _eq(column: ColumnElement[Any], value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _beyond(column: ColumnElement[Any], value: Any, direction: str) -> ColumnElement[bool]:
    """Rows strictly after `value` in the sort order (NULLs sort first ascending)."""
    if value is None:
        return column.is_not(None) if direction == "asc" else false()
    after: ColumnElement[bool] = column > value if direction == "asc" else column < value
    return after if direction == "asc" else or_(after, column.is_(None))


async def _member_ids(s: AsyncSession, image: ImageRow) -> list[str]:
    rows = await s.scalars(select(ImageMemberRow.member_id).where(
        ImageMemberRow.image_id == image.id))
    return list(rows)


def _match_properties(row: ImageRow, wanted: dict[str, str]) -> bool:
    props = row.properties or {}
    return all(key in props and str(props[key]) == value for key, value in wanted.items())


def _has_tags(row: ImageRow, wanted: list[str]) -> bool:
    return all(tag in (row.tags or []) for tag in wanted)


# --- changes ----------------------------------------------------------------------------------


def not_authorized(action: str) -> errors.Forbidden:
    return errors.Forbidden(f"You are not authorized to complete {action} action.")


def require_owner(image: ImageRow, project_id: str | None, is_admin: bool, action: str) -> None:
    if not may_modify(image, project_id, is_admin):
        raise not_authorized(action)


def touch(image: ImageRow) -> None:
    image.updated_at = utcnow()


async def begin_upload(s: AsyncSession, image_id: str, *, project_id: str,
                       is_admin: bool) -> ImageRow:
    """queued -> saving, so that only one upload at a time writes an image's data."""
    image = await get_visible_image(s, image_id, project_id=project_id, is_admin=is_admin)
    require_owner(image, project_id, is_admin, "upload_image")
    if image.status != "queued":
        raise errors.Conflict(
            f"Image status transition from {image.status} to saving is not allowed")
    image.status = "saving"
    touch(image)
    return image


async def finish_upload(s: AsyncSession, image_id: str, *, location: str, size: int, md5: str,
                        sha512: str) -> ImageRow | None:
    """saving -> active with the data's size and hashes; None when the image went away."""
    image = await s.get(ImageRow, image_id)
    if image is None or image.deleted or image.status != "saving":
        return None
    image.status = "active"
    image.location = location
    image.size = size
    image.checksum = md5
    image.os_hash_algo = "sha512"
    image.os_hash_value = sha512
    touch(image)
    return image


async def abort_upload(s: AsyncSession, image_id: str) -> None:
    """A failed upload puts the image back to queued so that it may be tried again."""
    image = await s.get(ImageRow, image_id)
    if image is not None and not image.deleted and image.status == "saving":
        image.status = "queued"
        touch(image)


async def delete_image(s: AsyncSession, image_id: str, *, project_id: str,
                       is_admin: bool) -> str | None:
    """Mark the image deleted; returns its data location for the caller to remove after commit."""
    image = await get_visible_image(s, image_id, project_id=project_id, is_admin=is_admin)
    require_owner(image, project_id, is_admin, "delete_image")
    if image.protected:
        raise errors.Forbidden(f"Image {image_id} is protected and cannot be deleted.")
    location = image.location
    await s.execute(sa_delete(ImageCacheRow).where(ImageCacheRow.image_id == image_id))
    now = utcnow()
    image.status = "deleted"
    image.deleted = True
    image.deleted_at = now
    image.updated_at = now
    image.location = None
    return location
