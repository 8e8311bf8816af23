"""Compute servers: list, list detailed, show, create, update, delete.

Create and delete record intent and answer at once (202 / 204); the agent on the server's host
builds or destroys the guest and writes back what it observed. The reads are served from the
process's read cache while the database is unchanged (`api/read_cache.py`). What each
microversion changes is declared where it applies: the query rules and PUT's fields in
`servers_read_schemas`, POST's body in `servers_create_schemas`, the view fields in
`servers_views` (rebuild's body and answer in `server_actions_rebuild`).
"""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.cached_reads import cached
from pocketstack.api.compute import servers_create_schemas as create_schemas
from pocketstack.api.compute import servers_read_schemas as reads
from pocketstack.api.compute import servers_views as views
from pocketstack.api.compute.microversions import since
from pocketstack.api.compute.views_links import next_link, resource_links
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.read_cache import LISTING_BODY_BYTES
from pocketstack.api.routing import Route
from pocketstack.services import server_create, server_lifecycle, servers

since("2.18", "urls", "/v2.1 answers with and without {project_id} in paths, at every version")


async def list_servers(ctx: Ctx) -> Response:
    return await _list(ctx, "servers")


async def list_servers_detailed(ctx: Ctx) -> Response:
    return await _list(ctx, "servers/detail")


async def _list(ctx: Ctx, path: str) -> Response:
    detailed = path != "servers"
    query = reads.list_query(ctx, views.wants(ctx) if detailed else None)
    page = await servers.list_servers(ctx.cloud, ctx.caller, query, with_addresses=detailed)
    rows = page.servers
    roots = views.Roots.of(ctx, page.related)
    if detailed:
        items = [views.detail(ctx, r, page.addresses[r.id], roots) for r in rows]
    else:
        items = [views.summary(ctx, r, roots) for r in rows]
    body: dict[str, object] = {"servers": items}
    if rows and len(rows) == query.limit:
        body["servers_links"] = next_link(ctx, path, rows[-1].id)
    return json_response(body)


async def show_server(ctx: Ctx) -> Response:
    reads.check_show_query(ctx)
    shown = await servers.show_server(ctx.cloud, ctx.caller, ctx.params["server_id"],
                                      views.wants(ctx, show=True))
    roots = views.Roots.of(ctx, shown.related)
    return json_response({"server": views.detail(ctx, shown.server, shown.addresses, roots)})


async def create_server(ctx: Ctx) -> Response:
    request, reservation_only = create_schemas.create_request(ctx, await ctx.json_object("server"),
                                                       await ctx.json_object())
    result = await server_create.create_servers(ctx.cloud, ctx.caller, request)
    if reservation_only:
        return json_response({"reservation_id": result.reservation_id}, 202)
    location = resource_links(ctx, "servers", result.servers[0].id)[0]["href"]
    return json_response(views.created(ctx, result), 202, headers={"Location": location})


async def update_server(ctx: Ctx) -> Response:
    changes = reads.update_changes(ctx, await ctx.json_object("server"))
    updated = await server_lifecycle.update_server(ctx.cloud, ctx.caller, ctx.params["server_id"],
                                                   changes, views.wants(ctx, update=True))
    roots = views.Roots.of(ctx, updated.related)
    if ctx.version >= views.FULL_UPDATE:
        return json_response({"server": views.detail(ctx, updated.server, updated.addresses,
                                                     roots)})
    return json_response({"server": views.basic(ctx, updated.server, updated.addresses,
                                                roots=roots)})


async def delete_server(ctx: Ctx) -> Response:
    await server_lifecycle.delete_server(ctx.cloud, ctx.caller, ctx.params["server_id"])
    return empty(204)


# Server listings rendered at once in a process (api/cached_reads.py: the rest wait their turn).
LISTINGS_AT_ONCE = 2

ROUTES: list[Route] = [
    Route("GET", "/servers", cached(list_servers, max_body=LISTING_BODY_BYTES,
                                    at_once=LISTINGS_AT_ONCE)),
    Route("GET", "/servers/detail", cached(list_servers_detailed, max_body=LISTING_BODY_BYTES,
                                           at_once=LISTINGS_AT_ONCE)),
    Route("POST", "/servers", create_server),
    Route("GET", "/servers/{server_id}", cached(show_server)),
    Route("PUT", "/servers/{server_id}", update_server),
    Route("DELETE", "/servers/{server_id}", delete_server),
]
