"""/v2.0/tenants (OS-KSADM, admin only): tenants and the roles of users on them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, StrictBool, StrictStr
from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views_v2
from pocketstack.api.identity.common import Name64, changes_of, parse
from pocketstack.services import identity


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
    ctx.authorize("identity:admin")
    body = parse(TenantCreate, await ctx.json_object("tenant"))
    async with ctx.cloud.db.session() as s:
        row = await identity.create_project(s, body.name, identity.DEFAULT_DOMAIN_ID,
                                            description=body.description or "", enabled=body.enabled)
    return json_response({"tenant": views_v2.tenant_view(row)})


async def show_tenant(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.reader() as s:
        row = await identity.get_project(s, ctx.params["tenant_id"])
    return json_response({"tenant": views_v2.tenant_view(row)})


async def update_tenant(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    body = parse(TenantUpdate, await ctx.json_object("tenant"))
    changes, _ = changes_of(body, not_null=("name", "enabled"))
    if "description" in changes:
        changes["description"] = changes["description"] or ""
    async with ctx.cloud.db.session() as s:
        row = await identity.update_project(s, ctx.cloud.tokens, ctx.params["tenant_id"], changes, {})
    return json_response({"tenant": views_v2.tenant_view(row)})


async def delete_tenant(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.session() as s:
        await identity.delete_project(s, ctx.cloud.tokens, ctx.params["tenant_id"])
    return empty(204)


async def list_user_roles(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.reader() as s:
        await identity.get_project(s, ctx.params["tenant_id"])
        await identity.get_user(s, ctx.params["user_id"])
        rows = await identity.roles_on_project(s, ctx.params["user_id"], ctx.params["tenant_id"])
    return json_response({"roles": [views_v2.role_view(r) for r in rows]})


async def add_user_role(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    tenant_id, user_id = ctx.params["tenant_id"], ctx.params["user_id"]
    async with ctx.cloud.db.session() as s:
        await identity.get_project(s, tenant_id)
        await identity.get_user(s, user_id)
        role = await identity.get_role(s, ctx.params["role_id"])
        await identity.assign_role(s, user_id, role.id, project_id=tenant_id)
    return json_response({"role": views_v2.role_view(role)})


async def remove_user_role(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    tenant_id, user_id = ctx.params["tenant_id"], ctx.params["user_id"]
    async with ctx.cloud.db.session() as s:
        await identity.get_project(s, tenant_id)
        await identity.get_user(s, user_id)
        role = await identity.get_role(s, ctx.params["role_id"])
        await identity.unassign_role(s, ctx.cloud.tokens, user_id, role.id, project_id=tenant_id)
    return empty(204)
