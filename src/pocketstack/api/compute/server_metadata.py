"""Compute server metadata: the whole set (GET, POST merges, PUT replaces) and single items
(GET, PUT, DELETE) in the `{"meta": {key: value}}` form."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.servers_schemas import metadata as valid_metadata
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import server_metadata


async def list_metadata(ctx: Ctx) -> Response:
    items = await server_metadata.list_metadata(ctx.cloud, ctx.caller, ctx.params["server_id"])
    return json_response({"metadata": items})


async def update_metadata(ctx: Ctx) -> Response:
    return await _set(ctx, replace=False)


async def replace_metadata(ctx: Ctx) -> Response:
    return await _set(ctx, replace=True)


async def _set(ctx: Ctx, *, replace: bool) -> Response:
    body = await ctx.json_object()
    if "metadata" not in body:
        raise errors.BadRequest("Invalid input for field/attribute metadata. "
                                "'metadata' is a required property")
    items = valid_metadata(body["metadata"])
    merged = await server_metadata.update_metadata(ctx.cloud, ctx.caller,
                                                   ctx.params["server_id"], items,
                                                   replace=replace)
    return json_response({"metadata": merged})


async def show_metadata_item(ctx: Ctx) -> Response:
    key = ctx.params["key"]
    value = await server_metadata.show_metadata_item(ctx.cloud, ctx.caller,
                                                     ctx.params["server_id"], key)
    return json_response({"meta": {key: value}})


async def set_metadata_item(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    item = valid_metadata(body.get("meta"), "meta")
    key = ctx.params["key"]
    if key not in item:
        raise errors.BadRequest("Request body and URI mismatch")
    if len(item) > 1:
        raise errors.BadRequest("Request body contains too many items")
    await server_metadata.update_metadata(ctx.cloud, ctx.caller, ctx.params["server_id"], item,
                                          replace=False)
    return json_response({"meta": item})


async def delete_metadata_item(ctx: Ctx) -> Response:
    await server_metadata.delete_metadata(ctx.cloud, ctx.caller, ctx.params["server_id"],
                                          ctx.params["key"])
    return empty(204)


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/metadata", list_metadata),
    Route("POST", "/servers/{server_id}/metadata", update_metadata),
    Route("PUT", "/servers/{server_id}/metadata", replace_metadata),
    Route("GET", "/servers/{server_id}/metadata/{key}", show_metadata_item),
    Route("PUT", "/servers/{server_id}/metadata/{key}", set_metadata_item),
    Route("DELETE", "/servers/{server_id}/metadata/{key}", delete_metadata_item),
]
