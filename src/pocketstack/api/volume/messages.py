"""Block Storage API v3: user messages (3.3+: list, show, delete; 3.5 sorts and pages)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.api.volume import common
from pocketstack.api.volume import microversions as mv
from pocketstack.services import volume_messages
from pocketstack.timeutil import iso_plain

MESSAGES = mv.Change(mv.parse("3.3"), "the messages API")
FILTERS = ("event_id", "resource_type", "resource_uuid", "message_level", "request_id")


def view(ctx: Ctx, row: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id, "event_id": row.event_id, "user_message": row.user_message,
        "message_level": row.message_level, "created_at": iso_plain(row.created_at),
        "guaranteed_until": iso_plain(row.expires_at), "request_id": row.request_id,
        "links": common.links(ctx, "messages", row.id)}
    if row.resource_type:
        body["resource_type"] = row.resource_type
    if row.resource_uuid:
        body["resource_uuid"] = row.resource_uuid
    return body


async def list_messages(ctx: Ctx) -> Response:
    limit, marker, offset = common.paging(ctx)
    found = await volume_messages.list_messages(
        ctx.cloud, ctx.caller, common.filters(ctx, FILTERS),
        sort=common.sort_keys(ctx, set(volume_messages.SORT_KEYS)), limit=limit,
        marker=marker, offset=offset)
    return json_response({"messages": [view(ctx, row) for row in found]})


async def show_message(ctx: Ctx) -> Response:
    row = await volume_messages.show_message(ctx.cloud, ctx.caller, ctx.params["message_id"])
    return json_response({"message": view(ctx, row)})


async def delete_message(ctx: Ctx) -> Response:
    await volume_messages.delete_message(ctx.cloud, ctx.caller, ctx.params["message_id"])
    return empty(204)


_SINCE = (MESSAGES.since, mv.MAX_VERSION)
ROUTES: list[Route] = [
    Route("GET", "/messages", list_messages, versions=_SINCE),
    Route("GET", "/messages/{message_id}", show_message, versions=_SINCE),
    Route("DELETE", "/messages/{message_id}", delete_message, versions=_SINCE),
]
