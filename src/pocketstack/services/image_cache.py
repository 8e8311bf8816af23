"""Glance's cache API (2.14, admin only): which images are cached and queued for caching.

An image's data already sits on this host's disk, so queueing an active image caches it at
once (its size and the moment recorded); the cache holds records, not another copy.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from pocketstack import errors
from pocketstack.db.models import ImageCacheRow, ImageRow
from pocketstack.services import images
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.timeutil import utcnow

TARGETS = ("", "cache", "queue")


def _require_admin(caller: Caller, action: str) -> None:
    if not caller.is_admin:
        raise images.not_authorized(action)


async def cache_state(cloud: Cloud, caller: Caller) -> tuple[list[ImageCacheRow], list[str]]:
    """The cached images and the ids of those queued."""
    _require_admin(caller, "cache_list")
    async with cloud.db.reader() as s:
        rows = list(await s.scalars(select(ImageCacheRow).order_by(ImageCacheRow.last_modified)))
    return ([r for r in rows if r.state == "cached"],
            [r.image_id for r in rows if r.state == "queued"])


async def queue_image(cloud: Cloud, caller: Caller, image_id: str) -> None:
    async with cloud.db.session() as s:
        image = await s.get(ImageRow, image_id) if len(image_id) <= 36 else None
        if image is None or image.deleted:
            raise errors.NotFound(f"Image {image_id} not found.")
        _require_admin(caller, "cache_image")
        if image.status != "active":
            raise errors.BadRequest("Only images with status active can be targeted for "
                                    "queueing")
        now = utcnow()
        row = await s.get(ImageCacheRow, image_id)
        if row is None:
            s.add(ImageCacheRow(image_id=image_id, state="cached", size=image.size or 0, hits=0,
                                last_accessed=now, last_modified=now))


async def delete_entry(cloud: Cloud, caller: Caller, image_id: str) -> None:
    _require_admin(caller, "cache_delete")
    async with cloud.db.session() as s:
        row = await s.get(ImageCacheRow, image_id) if len(image_id) <= 36 else None
        if row is None:
            raise errors.NotFound(f"Image {image_id} not found.")
        await s.delete(row)


async def clear(cloud: Cloud, caller: Caller, target: str) -> None:
    _require_admin(caller, "cache_delete")
    if target not in TARGETS:
        raise errors.BadRequest("If provided 'x-image-cache-clear-target' must be 'cache', "
                                "'queue' or empty string.")
    async with cloud.db.session() as s:
        stmt = delete(ImageCacheRow)
        if target == "cache":
            stmt = stmt.where(ImageCacheRow.state == "cached")
        elif target == "queue":
            stmt = stmt.where(ImageCacheRow.state == "queued")
        await s.execute(stmt)
