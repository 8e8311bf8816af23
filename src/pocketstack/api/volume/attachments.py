"""Block Storage API v3: attachments (3.27+): create (3.54 mode), list, detail, show, update
with a connector, delete, and the 3.44 os-complete action."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.api.volume import common
from pocketstack.api.volume import microversions as mv
from pocketstack.services import cinder_attachments
from pocketstack.services.cinder_attachments import AttachmentView
from pocketstack.timeutil import iso_plain

FILTERS = ("volume_id", "instance_id", "instance_uuid", "status", "attach_status")
SERVED = (mv.NEW_ATTACH.since, mv.MAX_VERSION)
COMPLETE_SERVED = (mv.NEW_ATTACH_COMPLETION.since, mv.MAX_VERSION)


def summary(view: AttachmentView) -> dict[str, Any]:
    row = view.row
    return {"id": row.id, "status": row.status, "instance": row.server_id,
            "volume_id": row.volume_id}


def detail(view: AttachmentView) -> dict[str, Any]:
    row = view.row
    return {**summary(view), "attached_at": iso_plain(row.attached_at) or "",
            "detached_at": "", "attach_mode": row.mode,
            "connection_info": view.connection_info}


def _connector(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise errors.BadRequest(f"Invalid input for field/attribute connector. Value: "
                                f"{value!r}. {value!r} is not of type 'object', 'null'")
    return value


async def _list(ctx: Ctx, *, detailed: bool) -> Response:
    limit, marker, offset = common.paging(ctx)
    found = await cinder_attachments.list_attachments(
        ctx.cloud, ctx.caller, common.filters(ctx, FILTERS),
        all_tenants=common.truthy(ctx.query.get("all_tenants")), limit=limit, marker=marker,
        offset=offset)
    render = detail if detailed else summary
    return json_response({"attachments": [render(view) for view in found]})


async def list_attachments(ctx: Ctx) -> Response:
    return await _list(ctx, detailed=False)


async def list_attachments_detail(ctx: Ctx) -> Response:
    return await _list(ctx, detailed=True)


async def show_attachment(ctx: Ctx) -> Response:
    view = await cinder_attachments.show_attachment(ctx.cloud, ctx.caller,
                                                    ctx.params["attachment_id"])
    return json_response({"attachment": detail(view)})


async def create_attachment(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "attachment")
    volume_id = body.get("volume_uuid")
    if not isinstance(volume_id, str):
        raise errors.BadRequest("Invalid input for field/attribute volume_uuid. Value: "
                                f"{volume_id!r}. 'volume_uuid' is a required property")
    instance_id = body.get("instance_uuid")
    if instance_id is not None and not isinstance(instance_id, str):
        raise errors.BadRequest("Invalid input for field/attribute instance_uuid. Value: "
                                f"{instance_id!r}. {instance_id!r} is not of type 'string', "
                                "'null'")
    mode = "rw"
    if mv.at(ctx.version, mv.ATTACHMENT_CREATE_MODE_ARG) and "mode" in body:
        mode = str(body["mode"])
    view = await cinder_attachments.create_attachment(
        ctx.cloud, ctx.caller, volume_id, instance_id, _connector(body.get("connector")), mode)
    return json_response({"attachment": detail(view)})


async def update_attachment(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "attachment")
    connector = _connector(body.get("connector"))
    if connector is None:
        raise errors.BadRequest("Invalid input for field/attribute connector. Value: None. "
                                "'connector' is a required property")
    view = await cinder_attachments.update_attachment(ctx.cloud, ctx.caller,
                                                      ctx.params["attachment_id"], connector)
    return json_response({"attachment": detail(view)})


async def delete_attachment(ctx: Ctx) -> Response:
    rest = await cinder_attachments.delete_attachment(ctx.cloud, ctx.caller,
                                                      ctx.params["attachment_id"])
    return json_response({"attachments": [detail(view) for view in rest]})


async def attachment_action(ctx: Ctx) -> Response:
    body = await ctx.json()
    if not isinstance(body, dict) or list(body) != ["os-complete"]:
        raise errors.BadRequest("There is no such action: "
                                f"{next(iter(body), None) if isinstance(body, dict) else body}")
    await cinder_attachments.complete_attachment(ctx.cloud, ctx.caller,
                                                 ctx.params["attachment_id"])
    return empty(204)


ROUTES: list[Route] = [
    Route("GET", "/attachments", list_attachments, versions=SERVED),
    Route("POST", "/attachments", create_attachment, versions=SERVED),
    Route("GET", "/attachments/detail", list_attachments_detail, versions=SERVED),
    Route("GET", "/attachments/{attachment_id}", show_attachment, versions=SERVED),
    Route("PUT", "/attachments/{attachment_id}", update_attachment, versions=SERVED),
    Route("DELETE", "/attachments/{attachment_id}", delete_attachment, versions=SERVED),
    Route("POST", "/attachments/{attachment_id}/action", attachment_action,
          versions=COMPLETE_SERVED),
]
