"""/v3/roles: Keystone roles (admin only). Grants of roles live in assignments_v3."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, StrictStr
from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import Name255, changes_of, extra_of, list_links, parse
from pocketstack.services import identity


class RoleCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: Name255
    description: StrictStr | None = None
    domain_id: StrictStr | None = None


class RoleUpdate(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: Name255 | None = None
    description: StrictStr | None = None


async def create_role(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    body = parse(RoleCreate, await ctx.json_object("role"))
    async with ctx.cloud.db.session() as s:
        row = await identity.create_role(s, body.name, description=body.description,
                                         domain_id=body.domain_id, extra=extra_of(body))
    return json_response({"role": views.role_view(ctx, row)}, 201)


async def list_roles(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.reader() as s:
        rows = await identity.list_roles(s, name=ctx.query.get("name"),
                                         domain_id=ctx.query.get("domain_id"))
    return json_response({"roles": [views.role_view(ctx, r) for r in rows],
                          "links": list_links(ctx, "roles")})


async def show_role(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.reader() as s:
        row = await identity.get_role(s, ctx.params["role_id"])
    return json_response({"role": views.role_view(ctx, row)})


async def update_role(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    body = parse(RoleUpdate, await ctx.json_object("role"))
    changes, extra = changes_of(body, not_null=("name",))
    async with ctx.cloud.db.session() as s:
        row = await identity.update_role(s, ctx.cloud.tokens, ctx.params["role_id"], changes, extra)
    return json_response({"role": views.role_view(ctx, row)})


async def delete_role(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.session() as s:
        await identity.delete_role(s, ctx.cloud.tokens, ctx.params["role_id"])
    return empty(204)
