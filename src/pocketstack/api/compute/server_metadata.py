"""Compute server metadata: the whole set (GET, POST merges, PUT replaces) and single items
(GET, PUT, DELETE) in the `{"meta": {key: value}}` form."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.servers import caller
from pocketstack.api.compute.servers_schemas import metadata as valid_metadata
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import servers


async def list_metadata(ctx: Ctx) -> Response:
    ctx.authorize("compute:server-metadata:index")
    async with ctx.cloud.db.reader() as s:
        row = await servers.get_server(s, ctx.params["server_id"], project_id=ctx.project_id,
                                       is_admin=ctx.is_admin)
    return json_response({"metadata": dict(row.metadata_)})


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
    ctx.authorize("compute:server-metadata:update")
    async with ctx.cloud.db.session() as s:
        row = await servers.get_server(s, ctx.params["server_id"], project_id=ctx.project_id,
                                       is_admin=ctx.is_admin)
        merged = await servers.set_metadata(s, ctx.cloud.settings, caller(ctx), row, items,
                                            replace=replace)
    return json_response({"metadata": merged})


async def show_metadata_item(ctx: Ctx) -> Response:
    ctx.authorize("compute:server-metadata:index")
    async with ctx.cloud.db.reader() as s:
        row = await servers.get_server(s, ctx.params["server_id"], project_id=ctx.project_id,
                                       is_admin=ctx.is_admin)
    key = ctx.params["key"]
    return json_response({"meta": {key: servers.metadata_item(row, key)}})


async def set_metadata_item(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    item = valid_metadata(body.get("meta"), "meta")
    key = ctx.params["key"]
    if key not in item:
        raise errors.BadRequest("Request body and URI mismatch")
    if len(item) > 1:
        raise errors.BadRequest("Request body contains too many items")
    ctx.authorize("compute:server-metadata:update")
    async with ctx.cloud.db.session() as s:
        row = await servers.get_server(s, ctx.params["server_id"], project_id=ctx.project_id,
                                       is_admin=ctx.is_admin)
        await servers.set_metadata(s, ctx.cloud.settings, caller(ctx), row, item, replace=False)
    return json_response({"meta": item})


async def delete_metadata_item(ctx: Ctx) -> Response:
    ctx.authorize("compute:server-metadata:update")
    async with ctx.cloud.db.session() as s:
        row = await servers.get_server(s, ctx.params["server_id"], project_id=ctx.project_id,
                                       is_admin=ctx.is_admin)
        await servers.delete_metadata_item(s, caller(ctx), row, ctx.params["key"])
    return empty(204)


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/metadata", list_metadata),
    Route("POST", "/servers/{server_id}/metadata", update_metadata),
    Route("PUT", "/servers/{server_id}/metadata", replace_metadata),
    Route("GET", "/servers/{server_id}/metadata/{key}", show_metadata_item),
    Route("PUT", "/servers/{server_id}/metadata/{key}", set_metadata_item),
    Route("DELETE", "/servers/{server_id}/metadata/{key}", delete_metadata_item),
]
