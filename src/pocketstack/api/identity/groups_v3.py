"""/v3/groups: Keystone groups and their members (admins manage them; a user may list its
own groups). Role grants to groups are in assignments_v3."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, StrictStr
from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import (
    Name64,
    admin_or_self,
    caller_domain,
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
    ctx.authorize("identity:admin")
    body = parse(GroupCreate, await ctx.json_object("group"))
    async with ctx.cloud.db.session() as s:
        row = await groups.create_group(s, body.name, body.domain_id or await caller_domain(s, ctx),
                                        description=body.description or "", extra=extra_of(body))
    return json_response({"group": views.group_view(ctx, row)}, 201)


async def list_groups(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.reader() as s:
        rows = await groups.list_groups(s, name=ctx.query.get("name"),
                                        domain_id=ctx.query.get("domain_id"))
    return json_response({"groups": [views.group_view(ctx, r) for r in rows],
                          "links": list_links(ctx, "groups")})


async def show_group(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.reader() as s:
        row = await groups.get_group(s, ctx.params["group_id"])
    return json_response({"group": views.group_view(ctx, row)})


async def update_group(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    body = parse(GroupUpdate, await ctx.json_object("group"))
    changes, extra = changes_of(body, not_null=("name",))
    async with ctx.cloud.db.session() as s:
        row = await groups.update_group(s, ctx.params["group_id"], changes, extra)
    return json_response({"group": views.group_view(ctx, row)})


async def delete_group(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.session() as s:
        await groups.delete_group(s, ctx.cloud.tokens, ctx.params["group_id"])
    return empty(204)


async def add_member(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.session() as s:
        await groups.add_member(s, ctx.params["group_id"], ctx.params["user_id"])
    return empty(204)


async def check_member(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.reader() as s:
        await groups.check_member(s, ctx.params["group_id"], ctx.params["user_id"])
    return empty(204)


async def remove_member(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.session() as s:
        await groups.remove_member(s, ctx.cloud.tokens, ctx.params["group_id"], ctx.params["user_id"])
    return empty(204)


async def list_members(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    group_id = ctx.params["group_id"]
    async with ctx.cloud.db.reader() as s:
        rows = await groups.users_in_group(s, group_id)
    return json_response({"users": [views.user_view(ctx, r) for r in rows],
                          "links": list_links(ctx, f"groups/{group_id}/users")})


async def list_user_groups(ctx: Ctx) -> Response:
    user_id = ctx.params["user_id"]
    admin_or_self(ctx, user_id)
    async with ctx.cloud.db.reader() as s:
        rows = await groups.groups_of_user(s, user_id)
    return json_response({"groups": [views.group_view(ctx, r) for r in rows],
                          "links": list_links(ctx, f"users/{user_id}/groups")})
