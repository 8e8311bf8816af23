"""Interoperable image import (Glance's stage and import calls), image stores and tasks.

glance-direct: PUT /stage writes the data to the staging area (queued -> uploading), then
POST /import (uploading -> importing, a task, `os_glance_*` progress properties) moves it into
each target store and the image becomes active. copy-image copies an active image's data into
more stores. web-download fetches a URI and is offered only when configured, as Glance offers
it only when enabled. Every store is a file store under the data directory
(`image_store.store_location`); the first configured one is the default.

The import runs to completion within the request that asked for it (the data is local), with
the image's states and the task committed at each step as Glance records them.
"""

from __future__ import annotations

import asyncio
import contextlib
import urllib.parse
import urllib.request
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import ImageRow, ImageTaskRow
from pocketstack.services import catalog, image_store, images
from pocketstack.services import limits as unified_limits
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.settings import Settings
from pocketstack.timeutil import utcnow

METHODS = ("glance-direct", "web-download", "copy-image")
TASK_TTL = timedelta(hours=48)
MIB = 1 << 20


@dataclass(frozen=True, slots=True)
class Store:
    id: str
    default: bool
    data_dir: Path


def stores(settings: Settings) -> list[Store]:
    ids = list(dict.fromkeys(settings.image_stores)) or ["file"]
    return [Store(sid, i == 0, settings.data_dir / Path(image_store.store_location(
        "x", sid, ids[0])).parent) for i, sid in enumerate(ids)]


def default_store(settings: Settings) -> str:
    return stores(settings)[0].id


def image_stores(image: ImageRow, settings: Settings) -> list[str]:
    """The stores holding the image's data (an image uploaded with PUT /file: the default)."""
    held = list(image.stores or [])
    if not held and image.location:
        held = [default_store(settings)]
    return held


def list_stores(cloud: Cloud, caller: Caller, *, detail: bool = False) -> list[Store]:
    if detail and not caller.is_admin:
        raise images.not_authorized("stores_info_detail")
    return stores(cloud.settings)


# --- quotas -----------------------------------------------------------------------------------


def _over(owner: str, what: str, limit: int, used: int, delta: int) -> errors.ApiError:
    # oslo.limit's ProjectOverLimit, which Glance answers with 413.
    return errors.ApiError(f"Project {owner} is over a limit for [Resource {what} is over limit "
                           f"of {limit} due to current usage {used} and delta {delta}]", code=413)


async def _usage(s: AsyncSession, owner: str) -> dict[str, int]:
    live = (ImageRow.owner == owner, ImageRow.deleted.is_(False))
    total = await s.scalar(select(func.count()).select_from(ImageRow).where(*live)) or 0
    size = await s.scalar(select(func.coalesce(func.sum(ImageRow.size), 0)).where(
        *live, ImageRow.status.in_(("active", "deactivated")))) or 0
    staged_rows = (await s.execute(select(ImageRow.size).where(
        *live, ImageRow.status.in_(("uploading", "importing"))))).all()
    return {"image_count_total": int(total), "image_size_total": int(size) // MIB,
            "image_stage_total": sum(r[0] or 0 for r in staged_rows) // MIB,
            "image_count_uploading": len(staged_rows)}


IMAGE_SERVICE_ID = next(sid for kind, _n, _p, sid in catalog.SERVICES if kind == "image")
RESOURCES = ("image_size_total", "image_stage_total", "image_count_total",
             "image_count_uploading")


async def limits_of(s: AsyncSession, settings: Settings, owner: str) -> dict[str, int]:
    """The owner's image quotas, as Glance's unified-limits driver reads them: the limits
    registered for the image service (project limits over registered defaults) where Identity
    has them, else the configured ones."""
    unified = await unified_limits.project_limits(s, IMAGE_SERVICE_ID, settings.region, owner)
    return {name: int(unified.get(name, getattr(settings, name))) for name in RESOURCES}


async def enforce(s: AsyncSession, settings: Settings, owner: str, resource: str,
                  delta: int = 0) -> None:
    """413 when the owner's usage of `resource`, plus `delta`, passes its limit."""
    limit = (await limits_of(s, settings, owner))[resource]
    if limit < 0:
        return
    used = (await _usage(s, owner))[resource]
    if used + delta > limit:
        raise _over(owner, resource, limit, used, delta)


async def usage(cloud: Cloud, caller: Caller) -> dict[str, dict[str, int]]:
    """GET /v2/info/usage: the caller's project's use of each image quota."""
    async with cloud.db.reader() as s:
        used = await _usage(s, caller.project_id)
        limits = await limits_of(s, cloud.settings, caller.project_id)
    return {name: {"limit": limits[name], "usage": value} for name, value in used.items()}


# --- staging ----------------------------------------------------------------------------------


async def stage_image(cloud: Cloud, caller: Caller, image_id: str,
                      chunks: AsyncIterator[bytes]) -> None:
    """queued -> uploading, then the data into the staging area; a failure puts it back."""
    if "glance-direct" not in cloud.settings.image_import_methods:
        raise errors.NotFound("'glance-direct' method is not available at this site.")
    settings = cloud.settings
    async with cloud.db.session() as s:
        image = await images.get_visible_image(s, image_id, project_id=caller.project_id,
                                               is_admin=caller.is_admin)
        images.require_owner(image, caller.project_id, caller.is_admin, "modify_image")
        await enforce(s, settings, image.owner or caller.project_id, "image_stage_total")
        if image.status != "queued":
            raise errors.Conflict(
                f"Image status transition from {image.status} to uploading is not allowed")
        await enforce(s, settings, image.owner or caller.project_id, "image_count_uploading", 1)
        image.status = "uploading"
        images.touch(image)
    location = image_store.staging_location(image_id)
    try:
        stored = await image_store.save_stream(settings.data_dir, image_id, chunks,
                                               settings.image_size_cap, location)
    except BaseException:
        async with cloud.db.session() as s:
            row = await s.get(ImageRow, image_id)
            if row is not None and row.status == "uploading":
                row.status = "queued"
                images.touch(row)
        raise
    async with cloud.db.session() as s:
        row = await s.get(ImageRow, image_id)
        if row is None or row.deleted or row.status != "uploading":
            image_store.remove(settings.data_dir, location)
            raise errors.Conflict(f"Image {image_id} could not be found after upload. The image "
                                  f"may have been deleted during the upload.")
        row.size = stored.size
        images.touch(row)


# --- import -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportRequest:
    method: str
    uri: str | None
    stores: list[str] | None
    all_stores: bool
    all_stores_must_succeed: bool
    body: dict[str, Any]
    store_header: str | None = None


def _target_stores(settings: Settings, req: ImportRequest) -> list[str]:
    known = [store.id for store in stores(settings)]
    if req.all_stores:
        if req.stores is not None or req.store_header is not None:
            raise errors.BadRequest("All_stores parameter can't be used with x-image-meta-store "
                                    "header or stores parameter")
        return known
    if req.stores is not None:
        if req.store_header is not None:
            raise errors.BadRequest("Stores parameter and x-image-meta-store header can't be "
                                    "both specified")
        wanted = list(req.stores)
    else:
        wanted = [req.store_header or known[0]]
    for store in wanted:
        if store not in known:
            raise errors.Conflict(f"Unknown scheme '{store}' found in URI")
    return wanted


def _filtered_uri(uri: str | None) -> str:
    """Glance's web-download filtering with its defaults: http or https, ports 80 and 443."""
    parsed = urllib.parse.urlparse(uri or "")
    try:
        port = parsed.port
    except ValueError:
        port = -1
    if parsed.scheme not in ("http", "https") or not parsed.hostname or port not in (
            None, 80, 443):
        raise errors.BadRequest(f"URI for web-download does not pass filtering: {uri}")
    return str(uri)


async def import_image(cloud: Cloud, caller: Caller, image_id: str, req: ImportRequest,
                       request_id: str) -> str:
    """Check the request as Glance does, lock the image with a new task, run the import and
    record its outcome; returns the image id."""
    settings = cloud.settings
    if req.method not in settings.image_import_methods:
        raise errors.BadRequest(f"Unknown import method name '{req.method}'.")
    async with cloud.db.session() as s:
        image = await images.get_visible_image(s, image_id, project_id=caller.project_id,
                                               is_admin=caller.is_admin)
        await enforce(s, settings, image.owner or caller.project_id, "image_size_total")
        _check_state(image, req.method)
        if req.method == "copy-image":
            if not caller.is_admin:
                raise images.not_authorized("copy_image")
        else:
            images.require_owner(image, caller.project_id, caller.is_admin, "modify_image")
        if (image.properties or {}).get("os_glance_import_task"):
            raise errors.Conflict("Image has active task")
        targets = _target_stores(settings, req)
        held = image_stores(image, settings)
        if req.method == "copy-image":
            if req.all_stores:
                targets = [t for t in targets if t not in held]
                if not targets:
                    # Every store holds it already: nothing to copy, and no copy under way.
                    props = dict(image.properties or {})
                    props.update({"os_glance_importing_to_stores": "",
                                  "os_glance_failed_import": ""})
                    image.properties = props
                    return image_id
            else:
                for store in targets:
                    if store in held:
                        raise errors.BadRequest(f"Image is already present at store '{store}'")
        uri = _filtered_uri(req.uri) if req.method == "web-download" else None
        task = _new_task(image, caller, request_id, {
            "image_id": image_id, "import_req": req.body, "backend": targets})
        s.add(task)
        props = dict(image.properties or {})
        props.update({"os_glance_import_task": task.id,
                      "os_glance_importing_to_stores": ",".join(targets),
                      "os_glance_failed_import": ""})
        image.properties = props
        if req.method in ("glance-direct", "web-download"):
            image.status = "importing"
        images.touch(image)
        task_id = task.id
    await _run_import(cloud, image_id, task_id, req, targets, uri)
    return image_id


def _check_state(image: ImageRow, method: str) -> None:
    if image.status == "active" and method != "copy-image":
        raise errors.Conflict("Image with status active cannot be target for import")
    if image.status != "active" and method == "copy-image":
        raise errors.Conflict("Only images with status active can be targeted for copying")
    if image.status != "queued" and method == "web-download":
        raise errors.Conflict(f"Image needs to be in 'queued' state to use '{method}' method")
    if image.status != "uploading" and method == "glance-direct":
        raise errors.Conflict("Image needs to be staged before 'glance-direct' method can be "
                              "used")
    if not image.container_format:
        raise errors.Conflict("'container_format' needs to be set before import")
    if not image.disk_format:
        raise errors.Conflict("'disk_format' needs to be set before import")


def _new_task(image: ImageRow, caller: Caller, request_id: str,
              task_input: dict[str, Any]) -> ImageTaskRow:
    now = utcnow()
    return ImageTaskRow(id=str(uuid.uuid4()), type="api_image_import", status="processing",
                        owner=caller.project_id, image_id=image.id, user_id=caller.user_id,
                        request_id=request_id, input=task_input, result=None, message="",
                        expires_at=None, created_at=now, updated_at=now)


async def _run_import(cloud: Cloud, image_id: str, task_id: str, req: ImportRequest,
                      targets: list[str], uri: str | None) -> None:
    settings = cloud.settings
    data_dir = settings.data_dir
    default = default_store(settings)
    copied: dict[str, image_store.StoredData] = {}
    failed: list[str] = []
    message = ""
    async with cloud.db.reader() as s:
        image = await s.get(ImageRow, image_id)
        source = image.location if image is not None and req.method == "copy-image" else None
    if req.method == "glance-direct":
        source = image_store.staging_location(image_id)
    elif req.method == "web-download":
        source = image_store.staging_location(image_id)
        try:
            await asyncio.to_thread(download, str(uri), data_dir / source,
                                    settings.image_size_cap)
        except (OSError, ValueError, errors.ApiError) as exc:
            failed, message = list(targets), f"Failed to download {uri}: {exc}"
    for store in targets if not failed else []:
        target = image_store.store_location(image_id, store, default)
        try:
            copied[store] = await asyncio.to_thread(
                image_store.copy_file, data_dir, str(source), target)
        except OSError as exc:
            failed.append(store)
            message = f"Failed to copy image data to store {store}: {exc}"
    if source is not None and req.method != "copy-image":
        await asyncio.to_thread(image_store.remove, data_dir, source)
    await _finish_import(cloud, image_id, task_id, req, copied, failed, message)


async def _finish_import(cloud: Cloud, image_id: str, task_id: str, req: ImportRequest,
                         copied: dict[str, image_store.StoredData], failed: list[str],
                         message: str) -> None:
    settings = cloud.settings
    default = default_store(settings)
    success = bool(copied) and (not failed or not req.all_stores_must_succeed)
    orphans: list[str] = []
    async with cloud.db.session() as s:
        image = await s.get(ImageRow, image_id)
        task = await s.get(ImageTaskRow, task_id)
        now = utcnow()
        if image is None or image.deleted:
            orphans = [data.location for data in copied.values()]
            success = False
            message = message or f"Image {image_id} was deleted during the import."
        else:
            props = dict(image.properties or {})
            props.pop("os_glance_import_task", None)
            props["os_glance_importing_to_stores"] = ""
            props["os_glance_failed_import"] = ",".join(failed)
            if success:
                held = image_stores(image, settings) if req.method == "copy-image" else []
                for store in copied:
                    if store not in held:
                        held.append(store)
                image.stores = held
                first = next(iter(copied.values()))
                if req.method != "copy-image":
                    image.status = "active"
                    image.size = first.size
                    image.checksum = first.md5
                    image.os_hash_algo = "sha512"
                    image.os_hash_value = first.sha512
                    image.location = copied.get(default, first).location
            else:
                orphans = [data.location for data in copied.values()]
                if req.method == "glance-direct":
                    image.status = "queued"
                    image.size = None
                elif req.method == "web-download":
                    image.status = "queued"
            image.properties = props
            image.updated_at = now
        if task is not None:
            task.status = "success" if success else "failure"
            task.message = "" if success else message
            task.result = {"image_id": image_id} if success else None
            task.expires_at = now + TASK_TTL
            task.updated_at = now
    for location in orphans:
        image_store.remove(settings.data_dir, location)


def download(uri: str, target: Path, cap: int) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(uri, timeout=10) as resp, open(target, "wb") as out:  # noqa: S310 - filtered to http(s)
        size = 0
        while chunk := resp.read(image_store.WRITE_BATCH):
            size += len(chunk)
            if size > cap:
                raise errors.PayloadTooLarge("Image exceeds the storage quota.")
            out.write(chunk)


# --- stores -----------------------------------------------------------------------------------


async def delete_from_store(cloud: Cloud, caller: Caller, store: str, image_id: str) -> None:
    """DELETE /v2/stores/{store}/{image}: drop one store's copy of an active image."""
    settings = cloud.settings
    if store not in [s.id for s in stores(settings)]:
        raise errors.Conflict(f"The selected store {store} is not available on this node.")
    async with cloud.db.session() as s:
        image = await images.get_visible_image(s, image_id, project_id=caller.project_id,
                                               is_admin=caller.is_admin)
        if not caller.is_admin:
            raise images.not_authorized("delete_image_location")
        if image.status != "active":
            raise errors.Conflict("It's not allowed to remove image data from store if image "
                                  "status is not 'active'")
        held = image_stores(image, settings)
        if store not in held:
            raise errors.NotFound(f"Image {image_id} is not stored in store {store}.")
        if len(held) == 1:
            raise errors.Forbidden("Cannot delete image data from the only store containing "
                                   "image data.")
        held.remove(store)
        image.stores = held
        location = image_store.store_location(image_id, store, default_store(settings))
        if image.location == location:
            image.location = image_store.store_location(image_id, held[0],
                                                        default_store(settings))
        images.touch(image)
    with contextlib.suppress(OSError):
        await asyncio.to_thread(image_store.remove, settings.data_dir, location)


