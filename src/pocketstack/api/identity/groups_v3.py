"""/v3/groups: Keystone groups and their members (admins manage them; a user may list its
own groups). Role grants to groups are in assignments_v3."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, StrictStr
from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import (
    Name64,
    changes_of,
    extra_of,
    list_links,
    parse,
)
from pocketstack.services import groups


class GroupCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: Name64
    domain_id: StrictStr | None = None
    description: StrictStr | None = None


class GroupUpdate(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: Name64 | None = None
    domain_id: StrictStr | None = None
    description: StrictStr | None = None


async def create_group(ctx: Ctx) -> Response:
    body = parse(GroupCreate, await ctx.json_object("group"))
    row = await groups.create_group(ctx.cloud, ctx.caller, name=body.name, domain_id=body.domain_id,
                                    description=body.description or "", extra=extra_of(body))
    return json_response({"group": views.group_view(ctx, row)}, 201)


async def list_groups(ctx: Ctx) -> Response:
    rows = await groups.list_groups(ctx.cloud, ctx.caller, name=ctx.query.get("name"),
                                    domain_id=ctx.query.get("domain_id"))
    return json_response({"groups": [views.group_view(ctx, r) for r in rows],
                          "links": list_links(ctx, "groups")})


async def show_group(ctx: Ctx) -> Response:
    row = await groups.show_group(ctx.cloud, ctx.caller, ctx.params["group_id"])
    return json_response({"group": views.group_view(ctx, row)})


async def update_group(ctx: Ctx) -> Response:
    body = parse(GroupUpdate, await ctx.json_object("group"))
    changes, extra = changes_of(body, not_null=("name",))
    row = await groups.update_group(ctx.cloud, ctx.caller, ctx.params["group_id"], changes, extra)
    return json_response({"group": views.group_view(ctx, row)})


async def delete_group(ctx: Ctx) -> Response:
    await groups.delete_group(ctx.cloud, ctx.caller, ctx.params["group_id"])
    return empty(204)


async def add_member(ctx: Ctx) -> Response:
    await groups.add_member(ctx.cloud, ctx.caller, ctx.params["group_id"], ctx.params["user_id"])
    return empty(204)


async def check_member(ctx: Ctx) -> Response:
    await groups.check_member(ctx.cloud, ctx.caller, ctx.params["group_id"], ctx.params["user_id"])
    return empty(204)


async def remove_member(ctx: Ctx) -> Response:
    await groups.remove_member(ctx.cloud, ctx.caller, ctx.params["group_id"], ctx.params["user_id"])
    return empty(204)


async def list_members(ctx: Ctx) -> Response:
    group_id = ctx.params["group_id"]
    rows = await groups.list_members(ctx.cloud, ctx.caller, group_id)
    return json_response({"users": [views.user_view(ctx, r) for r in rows],
                          "links": list_links(ctx, f"groups/{group_id}/users")})


async def list_user_groups(ctx: Ctx) -> Response:
    user_id = ctx.params["user_id"]
    rows = await groups.groups_of_user(ctx.cloud, ctx.caller, user_id)
    return json_response({"groups": [views.group_view(ctx, r) for r in rows],
                          "links": list_links(ctx, f"users/{user_id}/groups")})
