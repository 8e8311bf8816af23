"""Image API v2: tasks (/v2/tasks, and an image's tasks at /v2/images/{id}/tasks), in Glance's
shapes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.image.images import glance_not_found
from pocketstack.api.routing import Route
from pocketstack.services import image_tasks
from pocketstack.services.image_tasks import TaskQuery
from pocketstack.services.records import ImageTaskRow
from pocketstack.timeutil import iso_z

SORT_KEYS = ("created_at", "updated_at", "status", "type", "id", "owner", "expires_at")


def task_view(task: ImageTaskRow) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": task.id, "input": task.input, "type": task.type, "status": task.status,
        "owner": task.owner, "message": task.message, "result": task.result,
        "created_at": iso_z(task.created_at), "updated_at": iso_z(task.updated_at),
        "self": f"/v2/tasks/{task.id}", "schema": "/v2/schemas/task",
    }
    for key in ("image_id", "request_id", "user_id"):
        if getattr(task, key):
            body[key] = getattr(task, key)
    if task.expires_at:
        body["expires_at"] = iso_z(task.expires_at)
    return body


def task_stub(task: ImageTaskRow) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": task.id, "type": task.type, "status": task.status, "owner": task.owner,
        "created_at": iso_z(task.created_at), "updated_at": iso_z(task.updated_at),
        "self": f"/v2/tasks/{task.id}", "schema": "/v2/schemas/task",
    }
    if task.expires_at:
        body["expires_at"] = iso_z(task.expires_at)
    return body


def image_task_view(task: ImageTaskRow) -> dict[str, Any]:
    """A task as GET /v2/images/{id}/tasks lists it (the database record's fields)."""
    return {"id": task.id, "type": task.type, "status": task.status, "owner": task.owner,
            "expires_at": iso_z(task.expires_at), "created_at": iso_z(task.created_at),
            "updated_at": iso_z(task.updated_at), "deleted_at": None, "deleted": False,
            "image_id": task.image_id, "request_id": task.request_id, "user_id": task.user_id,
            "input": task.input, "result": task.result, "message": task.message}


def _query(ctx: Ctx) -> TaskQuery:
    params = ctx.query
    q = TaskQuery()
    if "limit" in params:
        try:
            q.limit = int(params["limit"])
        except ValueError:
            raise errors.BadRequest("limit param must be an integer") from None
        if q.limit < 0:
            raise errors.BadRequest("limit param must be positive")
    q.marker = params.get("marker")
    q.sort_dir = params.get("sort_dir", "desc")
    if q.sort_dir not in ("asc", "desc"):
        raise errors.BadRequest(f"Invalid sort direction: {q.sort_dir}")
    q.sort_key = params.get("sort_key", "created_at")
    if q.sort_key not in SORT_KEYS:
        raise errors.BadRequest(f"Invalid sort key: {q.sort_key}.")
    q.status = params.get("status")
    if q.status is not None and q.status not in image_tasks.STATUSES:
        raise errors.BadRequest(f"Invalid status value: {q.status}")
    q.type = params.get("type")
    if q.type is not None and q.type not in image_tasks.TYPES:
        raise errors.BadRequest(f"Invalid type value: {q.type}")
    return q


async def list_tasks(ctx: Ctx) -> Response:
    q = _query(ctx)
    rows = await image_tasks.list_tasks(ctx.cloud, ctx.caller, q)
    kept = [(k, v) for k, v in ctx.query.multi_items() if k != "marker"]
    body: dict[str, Any] = {"tasks": [task_stub(t) for t in rows],
                            "first": "/v2/tasks" + (f"?{urlencode(kept)}" if kept else ""),
                            "schema": "/v2/schemas/tasks"}
    if rows and len(rows) == q.limit:
        body["next"] = "/v2/tasks?" + urlencode([*kept, ("marker", rows[-1].id)])
    return json_response(body)


async def create_task(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    for key in ("type", "input"):
        if key not in body:
            raise errors.BadRequest(f"Task '{key}' is required")
    for key in body:
        if key not in ("type", "input"):
            raise errors.Forbidden(f"Attribute '{key}' is read-only.")
    if not isinstance(body["input"], dict):
        raise errors.BadRequest("Provided object does not match schema 'task': "
                                f"{body['input']!r} is not of type 'object'")
    task = await image_tasks.create_task(ctx.cloud, ctx.caller, str(body["type"]), body["input"],
                                         ctx.request_id)
    return json_response(task_view(task), 201, headers={"Location": f"/v2/tasks/{task.id}"})


async def show_task(ctx: Ctx) -> Response:
    return json_response(task_view(await image_tasks.show_task(ctx.cloud, ctx.caller,
                                                               ctx.params["task_id"])))


async def delete_task(ctx: Ctx) -> Response:
    raise errors.MethodNotAllowed("This operation is currently not permitted on Glance Tasks. "
                                  "They are auto deleted after reaching the time based on their "
                                  "expires_at property.", headers={"Allow": "GET"})


async def list_image_tasks(ctx: Ctx) -> Response:
    """Glance 2.12+: the import tasks of an image."""
    image_id = ctx.params["image_id"]
    with glance_not_found(image_id):
        rows = await image_tasks.image_tasks(ctx.cloud, ctx.caller, image_id)
    return json_response({"tasks": [image_task_view(t) for t in rows]})


ROUTES: list[Route] = [
    Route("GET", "/v2/tasks", list_tasks),
    Route("POST", "/v2/tasks", create_task),
    Route("GET", "/v2/tasks/{task_id}", show_task),
    Route("DELETE", "/v2/tasks/{task_id}", delete_task),
    Route("GET", "/v2/images/{image_id}/tasks", list_image_tasks),
]
