"""Network API v2.0: tags of networks, subnets, ports, security groups and routers
(standard-attr-tag):
GET/PUT/DELETE /{collection}/{id}/tags and GET/PUT/DELETE /{collection}/{id}/tags/{tag}."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.network.requests import body_object
from pocketstack.api.routing import Route
from pocketstack.services import resource_tags, tags
from pocketstack.validation import invalid_operation


def _target(ctx: Ctx) -> tuple[str, str]:
    return ctx.options["collection"], ctx.params[ctx.options["id_param"]]


async def list_tags(ctx: Ctx) -> Response:
    found = await resource_tags.list_tags(ctx.cloud, ctx.caller, *_target(ctx))
    return json_response({"tags": found})


async def check_tag(ctx: Ctx) -> Response:
    await resource_tags.check_tag(ctx.cloud, ctx.caller, *_target(ctx), ctx.params["tag"])
    return empty()


async def _tags_body(ctx: Ctx) -> list[str]:
    body = await body_object(ctx)
    if "tags" not in body:
        raise invalid_operation("Invalid tags body.")
    return tags.check_tags(body["tags"])


async def replace_tags(ctx: Ctx) -> Response:
    found = await resource_tags.replace_tags(ctx.cloud, ctx.caller, *_target(ctx),
                                             await _tags_body(ctx))
    return json_response({"tags": found})


async def create_tags(ctx: Ctx) -> Response:
    new = await _tags_body(ctx)
    await resource_tags.add_tags(ctx.cloud, ctx.caller, *_target(ctx), new)
    return json_response({"tags": new}, 201)


async def add_tag(ctx: Ctx) -> Response:
    await resource_tags.add_tag(ctx.cloud, ctx.caller, *_target(ctx), ctx.params["tag"])
    return empty(201)


async def remove_tag(ctx: Ctx) -> Response:
    await resource_tags.remove_tag(ctx.cloud, ctx.caller, *_target(ctx), ctx.params["tag"])
    return empty()


async def clear_tags(ctx: Ctx) -> Response:
    await resource_tags.clear_tags(ctx.cloud, ctx.caller, *_target(ctx))
    return empty()


def routes(collection: str, id_param: str) -> list[Route]:
    """The tag routes of one collection whose member path is /{collection}/{<id_param>}."""
    base = f"/v2.0/{collection}/{{{id_param}}}/tags"
    fixed = {"collection": collection, "id_param": id_param}
    return [
        Route("GET", base, list_tags, options=fixed),
        Route("PUT", base, replace_tags, options=fixed),
        Route("POST", base, create_tags, options=fixed),
        Route("DELETE", base, clear_tags, options=fixed),
        Route("GET", base + "/{tag}", check_tag, options=fixed),
        Route("PUT", base + "/{tag}", add_tag, options=fixed),
        Route("DELETE", base + "/{tag}", remove_tag, options=fixed),
    ]


ROUTES: list[Route] = [
    *routes("networks", "network_id"),
    *routes("subnets", "subnet_id"),
    *routes("ports", "port_id"),
    *routes("security-groups", "security_group_id"),
    *routes("routers", "router_id"),
]
