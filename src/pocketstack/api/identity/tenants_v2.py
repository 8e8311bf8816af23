"""/v2.0/tenants (OS-KSADM, admin only): tenants and the roles of users on them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, StrictBool, StrictStr
from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views_v2
from pocketstack.api.identity.common import Name64, changes_of, parse
from pocketstack.services import identity_grants as grants
from pocketstack.services import identity_v2 as v2


class TenantCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: Name64
    description: StrictStr | None = None
    enabled: StrictBool = True


class TenantUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: Name64 | None = None
    description: StrictStr | None = None
    enabled: StrictBool | None = None


async def create_tenant(ctx: Ctx) -> Response:
    body = parse(TenantCreate, await ctx.json_object("tenant"))
    row = await v2.create_tenant(ctx.cloud, ctx.caller, name=body.name,
                                 description=body.description or "", enabled=body.enabled)
    return json_response({"tenant": views_v2.tenant_view(row)})


async def show_tenant(ctx: Ctx) -> Response:
    row = await v2.show_tenant(ctx.cloud, ctx.caller, ctx.params["tenant_id"])
    return json_response({"tenant": views_v2.tenant_view(row)})


async def update_tenant(ctx: Ctx) -> Response:
    body = parse(TenantUpdate, await ctx.json_object("tenant"))
    changes, _ = changes_of(body, not_null=("name", "enabled"))
    if "description" in changes:
        changes["description"] = changes["description"] or ""
    row = await v2.update_tenant(ctx.cloud, ctx.caller, ctx.params["tenant_id"], changes)
    return json_response({"tenant": views_v2.tenant_view(row)})


async def delete_tenant(ctx: Ctx) -> Response:
    await v2.delete_tenant(ctx.cloud, ctx.caller, ctx.params["tenant_id"])
    return empty(204)


async def list_user_roles(ctx: Ctx) -> Response:
    rows = await grants.tenant_user_roles(ctx.cloud, ctx.caller, ctx.params["tenant_id"],
                                          ctx.params["user_id"])
    return json_response({"roles": [views_v2.role_view(r) for r in rows]})


async def add_user_role(ctx: Ctx) -> Response:
    p = ctx.params
    role = await grants.add_tenant_user_role(ctx.cloud, ctx.caller, p["tenant_id"], p["user_id"],
                                             p["role_id"])
    return json_response({"role": views_v2.role_view(role)})


async def remove_user_role(ctx: Ctx) -> Response:
    p = ctx.params
    await grants.remove_tenant_user_role(ctx.cloud, ctx.caller, p["tenant_id"], p["user_id"],
                                         p["role_id"])
    return empty(204)
