"""/v3/roles: Keystone roles (admin only). Grants of roles live in assignments_v3."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, StrictStr
from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import Name255, changes_of, extra_of, list_links, parse
from pocketstack.services import identity_roles as roles


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
    body = parse(RoleCreate, await ctx.json_object("role"))
    row = await roles.create_role(ctx.cloud, ctx.caller, name=body.name,
                                  description=body.description, domain_id=body.domain_id,
                                  extra=extra_of(body))
    return json_response({"role": views.role_view(ctx, row)}, 201)


async def list_roles(ctx: Ctx) -> Response:
    rows = await roles.list_roles(ctx.cloud, ctx.caller, name=ctx.query.get("name"),
                                  domain_id=ctx.query.get("domain_id"))
    return json_response({"roles": [views.role_view(ctx, r) for r in rows],
                          "links": list_links(ctx, "roles")})


async def show_role(ctx: Ctx) -> Response:
    row = await roles.show_role(ctx.cloud, ctx.caller, ctx.params["role_id"])
    return json_response({"role": views.role_view(ctx, row)})


async def update_role(ctx: Ctx) -> Response:
    body = parse(RoleUpdate, await ctx.json_object("role"))
    changes, extra = changes_of(body, not_null=("name",))
    row = await roles.update_role(ctx.cloud, ctx.caller, ctx.params["role_id"], changes, extra)
    return json_response({"role": views.role_view(ctx, row)})


async def delete_role(ctx: Ctx) -> Response:
    await roles.delete_role(ctx.cloud, ctx.caller, ctx.params["role_id"])
    return empty(204)
