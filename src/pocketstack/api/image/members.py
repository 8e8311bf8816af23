"""Image API v2: image members (/v2/images/{id}/members[/{member_id}]) of shared images."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.image.images import glance_not_found
from pocketstack.api.routing import Route
from pocketstack.services import image_members
from pocketstack.services.records import ImageMemberRow
from pocketstack.timeutil import iso_z


def member_view(row: ImageMemberRow) -> dict[str, Any]:
    return {"image_id": row.image_id, "member_id": row.member_id, "status": row.status,
            "created_at": iso_z(row.created_at), "updated_at": iso_z(row.updated_at),
            "schema": "/v2/schemas/member"}


def _string_field(body: dict[str, Any], name: str, missing: str) -> str:
    value = body.get(name)
    if value is None:
        raise errors.BadRequest(missing)
    if not isinstance(value, str) or not value or len(value) > 255:
        raise errors.BadRequest(f"Provided object does not match schema 'member': {value!r} is "
                                f"not a valid {name}")
    return value


async def create_member(ctx: Ctx) -> Response:
    image_id = ctx.params["image_id"]
    member_id = _string_field(await ctx.json_object(), "member",
                              "Member to be added not specified")
    with glance_not_found(image_id):
        row = await image_members.create_image_member(ctx.cloud, ctx.caller, image_id, member_id)
    return json_response(member_view(row))


async def list_members(ctx: Ctx) -> Response:
    image_id = ctx.params["image_id"]
    with glance_not_found(image_id):
        rows = await image_members.list_image_members(ctx.cloud, ctx.caller, image_id)
    return json_response({"members": [member_view(r) for r in rows],
                          "schema": "/v2/schemas/members"})


async def show_member(ctx: Ctx) -> Response:
    image_id, member_id = ctx.params["image_id"], ctx.params["member_id"]
    with glance_not_found(image_id):
        row = await image_members.show_image_member(ctx.cloud, ctx.caller, image_id, member_id)
    return json_response(member_view(row))


async def update_member(ctx: Ctx) -> Response:
    image_id, member_id = ctx.params["image_id"], ctx.params["member_id"]
    status = _string_field(await ctx.json_object(), "status", "Status not specified")
    if status not in image_members.MEMBER_STATUSES:
        raise errors.BadRequest(f"Provided object does not match schema 'member': {status!r} is "
                                f"not one of {list(image_members.MEMBER_STATUSES)!r}")
    with glance_not_found(image_id):
        row = await image_members.update_image_member(ctx.cloud, ctx.caller, image_id,
                                                      member_id, status)
    return json_response(member_view(row))


async def delete_member(ctx: Ctx) -> Response:
    image_id, member_id = ctx.params["image_id"], ctx.params["member_id"]
    with glance_not_found(image_id):
        await image_members.delete_image_member(ctx.cloud, ctx.caller, image_id, member_id)
    return empty(204)


ROUTES: list[Route] = [
    Route("POST", "/v2/images/{image_id}/members", create_member),
    Route("GET", "/v2/images/{image_id}/members", list_members),
    Route("GET", "/v2/images/{image_id}/members/{member_id}", show_member),
    Route("PUT", "/v2/images/{image_id}/members/{member_id}", update_member),
    Route("DELETE", "/v2/images/{image_id}/members/{member_id}", delete_member),
]
