"""Compute server tags (microversion 2.26 and later): GET, PUT and DELETE on /servers/{id}/tags
and /servers/{id}/tags/{tag}. Below 2.26 these URLs answer 404 as Nova's do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.views_links import api_root
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import server_tags, servers

TAGS_VERSION = (2, 26)


def _require_version(ctx: Ctx) -> None:
    if ctx.version < TAGS_VERSION:
        raise errors.NotFound("The resource could not be found.")


async def _with_server(ctx: Ctx, policy: str, work: Callable[..., Awaitable[Any]]) -> Any:
    _require_version(ctx)
    ctx.authorize(policy)
    async with ctx.cloud.db.session() as s:
        row = await servers.get_server(s, ctx.params["server_id"], project_id=ctx.project_id,
                                       is_admin=ctx.is_admin)
        return await work(s, row)


async def list_tags(ctx: Ctx) -> Response:
    tags = await _with_server(ctx, "compute:os-server-tags:index",
                              lambda s, row: _value(list(row.tags or [])))
    return json_response({"tags": tags})


async def check_tag(ctx: Ctx) -> Response:
    tags = await _with_server(ctx, "compute:os-server-tags:index",
                              lambda s, row: _value(list(row.tags or [])))
    tag = ctx.params["tag"]
    if tag not in tags:
        raise errors.NotFound(f"Tag {tag} could not be found.")
    return empty(204)


async def replace_tags(ctx: Ctx) -> Response:
    _require_version(ctx)
    body = await ctx.json_object()
    tags = body.get("tags")
    if not isinstance(tags, list) or set(body) != {"tags"}:
        raise errors.BadRequest("Invalid input for field/attribute tags. 'tags' is a required "
                                "property of type array")
    found = await _with_server(ctx, "compute:os-server-tags:update",
                               lambda s, row: server_tags.replace_tags(s, row, tags))
    return json_response({"tags": found})


async def add_tag(ctx: Ctx) -> Response:
    tag = ctx.params["tag"]
    created = await _with_server(ctx, "compute:os-server-tags:update",
                                 lambda s, row: server_tags.add_tag(s, row, tag))
    if not created:
        return empty(204)
    location = f"{api_root(ctx)}/servers/{ctx.params['server_id']}/tags/{tag}"
    return empty(201, headers={"Location": location})


async def delete_tag(ctx: Ctx) -> Response:
    tag = ctx.params["tag"]
    await _with_server(ctx, "compute:os-server-tags:delete",
                       lambda s, row: server_tags.delete_tag(s, row, tag))
    return empty(204)


async def delete_tags(ctx: Ctx) -> Response:
    await _with_server(ctx, "compute:os-server-tags:delete",
                       lambda s, row: server_tags.delete_all(s, row))
    return empty(204)


async def _value(tags: list[str]) -> list[str]:
    return tags


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/tags", list_tags),
    Route("PUT", "/servers/{server_id}/tags", replace_tags),
    Route("DELETE", "/servers/{server_id}/tags", delete_tags),
    Route("GET", "/servers/{server_id}/tags/{tag}", check_tag),
    Route("PUT", "/servers/{server_id}/tags/{tag}", add_tag),
    Route("DELETE", "/servers/{server_id}/tags/{tag}", delete_tag),
]
