"""Compute servers: list, list detailed, show, create, update, delete.

Create and delete record intent and answer at once (202 / 204); the agent on the server's host
builds or destroys the guest and writes back what it observed. The reads are served from the
process's read cache while the database is unchanged (`api/read_cache.py`).
"""

from __future__ import annotations

import dataclasses

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.cached_reads import cached
from pocketstack.api.compute import servers_schemas as schemas
from pocketstack.api.compute import servers_views as views
from pocketstack.api.compute.views_links import next_link, resource_links
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.read_cache import LISTING_BODY_BYTES
from pocketstack.api.routing import Route
from pocketstack.db.wakes import wake_after_commit
from pocketstack.services import networks, servers
from pocketstack.services.servers import Caller


def caller(ctx: Ctx) -> Caller:
    return Caller(ctx.project_id, ctx.user.user_id, ctx.is_admin, ctx.request_id)


async def list_servers(ctx: Ctx) -> Response:
    return await _list(ctx, "servers")


async def list_servers_detailed(ctx: Ctx) -> Response:
    return await _list(ctx, "servers/detail")


async def _list(ctx: Ctx, path: str) -> Response:
    ctx.authorize("compute:servers:index")
    query = schemas.list_query(ctx)
    async with ctx.cloud.db.reader() as s:
        rows = await servers.list_servers(s, query.filters, limit=query.limit, marker=query.marker)
        found = await networks.server_addresses(s, [r.id for r in rows]) if path != "servers" else {}
    roots = views.Roots.of(ctx)
    if path == "servers":
        items = [views.summary(ctx, r, roots) for r in rows]
    else:
        items = [views.detail(ctx, r, found[r.id], roots) for r in rows]
    body: dict[str, object] = {"servers": items}
    if rows and len(rows) == query.limit:
        body["servers_links"] = next_link(ctx, path, rows[-1].id)
    return json_response(body)


async def show_server(ctx: Ctx) -> Response:
    ctx.authorize("compute:servers:show")
    async with ctx.cloud.db.reader() as s:
        row = await servers.get_server_view(s, ctx.params["server_id"], project_id=ctx.project_id,
                                            is_admin=ctx.is_admin)
        found = await networks.server_addresses(s, [row.id])
    return json_response({"server": views.detail(ctx, row, found[row.id])})


async def create_server(ctx: Ctx) -> Response:
    request, reservation_only = schemas.create_request(ctx, await ctx.json_object("server"))
    hints = (await ctx.json_object()).get("os:scheduler_hints") or {}
    if not isinstance(hints, dict):
        raise errors.BadRequest("Invalid input for field/attribute os:scheduler_hints.")
    request = dataclasses.replace(request, scheduler_hints=hints)
    ctx.authorize("compute:servers:create")
    if request.forced_host:
        ctx.authorize("compute:servers:create:forced_host")
    result = await servers.create_servers(ctx.cloud.db, ctx.cloud.settings, caller(ctx), request)
    if reservation_only:
        return json_response({"reservation_id": result.reservation_id}, 202)
    location = resource_links(ctx, "servers", result.servers[0].id)[0]["href"]
    return json_response(views.created(ctx, result), 202, headers={"Location": location})


async def update_server(ctx: Ctx) -> Response:
    changes = schemas.update_changes(ctx, await ctx.json_object("server"))
    ctx.authorize("compute:servers:update")
    async with ctx.cloud.db.session() as s:
        row = await servers.get_server(s, ctx.params["server_id"], project_id=ctx.project_id,
                                       is_admin=ctx.is_admin)
        row = await servers.update_server(s, row, changes)
        found = await networks.server_addresses(s, [row.id])
    return json_response({"server": views.basic(ctx, row, found[row.id])})


async def delete_server(ctx: Ctx) -> Response:
    ctx.authorize("compute:servers:delete")
    async with ctx.cloud.db.session() as s:
        host = await servers.request_delete(s, ctx.cloud.settings, caller(ctx),
                                            ctx.params["server_id"])
        wake_after_commit(s, host)
    return empty(204)


ROUTES: list[Route] = [
    Route("GET", "/servers", cached(list_servers, max_body=LISTING_BODY_BYTES)),
    Route("GET", "/servers/detail", cached(list_servers_detailed, max_body=LISTING_BODY_BYTES)),
    Route("POST", "/servers", create_server),
    Route("GET", "/servers/{server_id}", cached(show_server)),
    Route("PUT", "/servers/{server_id}", update_server),
    Route("DELETE", "/servers/{server_id}", delete_server),
]
