"""Compute server tags (microversion 2.26 and later): GET, PUT and DELETE on /servers/{id}/tags
and /servers/{id}/tags/{tag}. Below 2.26 these URLs answer 404 as Nova's do."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.microversions import serves
from pocketstack.api.compute.views_links import api_root
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import server_tags

TAGS = serves("2.26", area="server tags",
              summary="GET/PUT/DELETE /servers/{id}/tags[/{tag}]; `tags` in server views")


def _server_id(ctx: Ctx) -> str:
    return ctx.params["server_id"]


async def list_tags(ctx: Ctx) -> Response:
    tags = await server_tags.list_server_tags(ctx.cloud, ctx.caller, _server_id(ctx))
    return json_response({"tags": tags})


async def check_tag(ctx: Ctx) -> Response:
    tags = await server_tags.list_server_tags(ctx.cloud, ctx.caller, _server_id(ctx))
    tag = ctx.params["tag"]
    if tag not in tags:
        raise errors.NotFound(f"Tag {tag} could not be found.")
    return empty(204)


async def replace_tags(ctx: Ctx) -> Response:
    server_id = _server_id(ctx)
    body = await ctx.json_object()
    tags = body.get("tags")
    if not isinstance(tags, list) or set(body) != {"tags"}:
        raise errors.BadRequest("Invalid input for field/attribute tags. 'tags' is a required "
                                "property of type array")
    found = await server_tags.replace_server_tags(ctx.cloud, ctx.caller, server_id, tags)
    return json_response({"tags": found})


async def add_tag(ctx: Ctx) -> Response:
    server_id, tag = _server_id(ctx), ctx.params["tag"]
    if not await server_tags.add_server_tag(ctx.cloud, ctx.caller, server_id, tag):
        return empty(204)
    return empty(201, headers={"Location": f"{api_root(ctx)}/servers/{server_id}/tags/{tag}"})


async def delete_tag(ctx: Ctx) -> Response:
    await server_tags.delete_server_tag(ctx.cloud, ctx.caller, _server_id(ctx),
                                        ctx.params["tag"])
    return empty(204)


async def delete_tags(ctx: Ctx) -> Response:
    await server_tags.delete_server_tags(ctx.cloud, ctx.caller, _server_id(ctx))
    return empty(204)


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/tags", list_tags, versions=TAGS),
    Route("PUT", "/servers/{server_id}/tags", replace_tags, versions=TAGS),
    Route("DELETE", "/servers/{server_id}/tags", delete_tags, versions=TAGS),
    Route("GET", "/servers/{server_id}/tags/{tag}", check_tag, versions=TAGS),
    Route("PUT", "/servers/{server_id}/tags/{tag}", add_tag, versions=TAGS),
    Route("DELETE", "/servers/{server_id}/tags/{tag}", delete_tag, versions=TAGS),
]
