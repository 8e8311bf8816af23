"""Glance tasks: the import tasks of the interoperable import (made by `image_import`), and the
legacy `import` task of POST /v2/tasks, which creates an image from a URI.

A legacy import fetches its URI after the task is answered (pending -> processing -> success
or failure), as Glance runs it in its task pool; with no outside network most fail, as
Glance's do when the URI cannot be reached.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from pocketstack import errors
from pocketstack.db.models import ImageRow, ImageTaskRow
from pocketstack.services import image_import, image_store, images
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.images import ImageFields
from pocketstack.timeutil import utcnow

TYPES = ("import", "api_image_import", "location_import")
STATUSES = ("pending", "processing", "success", "failure")
# The legacy import tasks running in this process (kept so that none is collected midway).
_RUNNING: set[asyncio.Task[None]] = set()


@dataclass(slots=True)
class TaskQuery:
    limit: int = 25
    marker: str | None = None
    sort_key: str = "created_at"
    sort_dir: str = "desc"
    status: str | None = None
    type: str | None = None


def _visible(task: ImageTaskRow, caller: Caller) -> bool:
    return caller.is_admin or task.owner == caller.scoped_project_id


async def list_tasks(cloud: Cloud, caller: Caller, q: TaskQuery) -> list[ImageTaskRow]:
    stmt = select(ImageTaskRow)
    if not caller.is_admin:
        stmt = stmt.where(ImageTaskRow.owner == caller.project_id)
    if q.status is not None:
        stmt = stmt.where(ImageTaskRow.status == q.status)
    if q.type is not None:
        stmt = stmt.where(ImageTaskRow.type == q.type)
    column = getattr(ImageTaskRow, q.sort_key)
    stmt = stmt.order_by(column.desc() if q.sort_dir == "desc" else column.asc(),
                         ImageTaskRow.id.desc())
    async with cloud.db.reader() as s:
        rows = list(await s.scalars(stmt))
    if q.marker is not None:
        ids = [row.id for row in rows]
        if q.marker not in ids:
            raise errors.NotFound(f"Task with identifier {q.marker} not found")
        rows = rows[ids.index(q.marker) + 1:]
    return rows[:q.limit]


async def show_task(cloud: Cloud, caller: Caller, task_id: str) -> ImageTaskRow:
    async with cloud.db.reader() as s:
        task = await s.get(ImageTaskRow, task_id)
    if task is None or not _visible(task, caller):
        raise errors.NotFound(f"Task with the given ID {task_id} not found")
    return task


async def image_tasks(cloud: Cloud, caller: Caller, image_id: str) -> list[ImageTaskRow]:
    """The tasks that worked on an image the caller may see (Glance 2.12)."""
    async with cloud.db.reader() as s:
        await images.get_visible_image(s, image_id, project_id=caller.project_id,
                                       is_admin=caller.is_admin)
        return list(await s.scalars(select(ImageTaskRow).where(
            ImageTaskRow.image_id == image_id).order_by(ImageTaskRow.created_at)))


async def create_task(cloud: Cloud, caller: Caller, task_type: str, task_input: dict[str, Any],
                      request_id: str) -> ImageTaskRow:
    """A legacy `import` task (admin, as Glance's tasks_api_access): answered pending, run
    after."""
    if not caller.is_admin:
        raise images.not_authorized("add_task")
    if task_type != "import":
        raise errors.BadRequest(f"Task type {task_type} is not supported by this API.")
    for key in ("import_from", "import_from_format", "image_properties"):
        if key not in task_input:
            raise errors.BadRequest(f"Input does not contain '{key}' field")
    if not isinstance(task_input["image_properties"], dict):
        raise errors.BadRequest("Input 'image_properties' must be an object")
    uri = str(task_input["import_from"])
    if not uri.startswith(("http://", "https://")):
        raise errors.BadRequest("The given uri is not valid. Please specify a valid uri from "
                                "the following list of supported uri ['http', 'https']")
    now = utcnow()
    task = ImageTaskRow(id=str(uuid.uuid4()), type="import", status="pending",
                        owner=caller.project_id, image_id=None, user_id=caller.user_id,
                        request_id=request_id, input=dict(task_input), result=None, message="",
                        expires_at=None, created_at=now, updated_at=now)
    async with cloud.db.session() as s:
        s.add(task)
    job = asyncio.get_running_loop().create_task(_run_legacy_import(cloud, caller, task.id))
    _RUNNING.add(job)
    job.add_done_callback(_RUNNING.discard)
    return task


async def _set_status(cloud: Cloud, task_id: str, status: str, *, message: str = "",
                      result: dict[str, Any] | None = None) -> None:
    async with cloud.db.session() as s:
        task = await s.get(ImageTaskRow, task_id)
        if task is None:
            return
        now = utcnow()
        task.status, task.message, task.result, task.updated_at = status, message, result, now
        if status in ("success", "failure"):
            task.expires_at = now + image_import.TASK_TTL


async def _run_legacy_import(cloud: Cloud, caller: Caller, task_id: str) -> None:
    settings = cloud.settings
    await _set_status(cloud, task_id, "processing")
    async with cloud.db.reader() as s:
        task = await s.get(ImageTaskRow, task_id)
        task_input = dict(task.input) if task is not None else {}
    staging = image_store.staging_location(task_id)
    try:
        await asyncio.to_thread(image_import.download, str(task_input.get("import_from")),
                                settings.data_dir / staging, settings.image_size_cap)
    except Exception as exc:  # noqa: BLE001 - any fetch failure is the task's failure
        await asyncio.to_thread(image_store.remove, settings.data_dir, staging)
        await _set_status(cloud, task_id, "failure", message=f"{type(exc).__name__}: {exc}")
        return
    props = dict(task_input.get("image_properties") or {})
    core = {k: props.pop(k) for k in ("name", "visibility", "container_format", "disk_format",
                                       "min_disk", "min_ram", "protected", "tags") if k in props}
    async with cloud.db.session() as s:
        image = await images.add_image(s, ImageFields(
            name=core.get("name"), owner=caller.project_id,
            properties={k: str(v) for k, v in props.items()},
            visibility=str(core.get("visibility", "shared")),
            container_format=core.get("container_format"), disk_format=core.get("disk_format"),
            min_disk=int(core.get("min_disk", 0)), min_ram=int(core.get("min_ram", 0)),
            protected=bool(core.get("protected", False)), tags=list(core.get("tags", []))))
        image_id = image.id
        task = await s.get(ImageTaskRow, task_id)
        if task is not None:
            task.image_id = image_id
    target = image_store.location_for(image_id)
    stored = await asyncio.to_thread(image_store.copy_file, settings.data_dir, staging, target,
                                     move=True)
    async with cloud.db.session() as s:
        row = await s.get(ImageRow, image_id)
        if row is not None:
            row.status, row.location, row.size = "active", stored.location, stored.size
            row.checksum, row.os_hash_algo, row.os_hash_value = stored.md5, "sha512", stored.sha512
            row.stores = [image_import.default_store(settings)]
            images.touch(row)
    await _set_status(cloud, task_id, "success", result={"image_id": image_id})
