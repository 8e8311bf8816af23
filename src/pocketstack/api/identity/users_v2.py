"""/v2.0/users and /v2.0/OS-KSADM/roles (OS-KSADM, admin only): users of the default domain."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views_v2
from pocketstack.api.identity.common import Name255, changes_of, parse
from pocketstack.services import identity


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: Name255
    password: StrictStr | None = Field(default=None, max_length=4096)
    tenantId: StrictStr | None = None  # noqa: N815 - the API's field name
    email: StrictStr | None = None
    enabled: StrictBool = True


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: Name255 | None = None
    password: StrictStr | None = Field(default=None, max_length=4096)
    tenantId: StrictStr | None = None  # noqa: N815 - the API's field name
    email: StrictStr | None = None
    enabled: StrictBool | None = None


async def list_users(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    name = ctx.query.get("name")
    async with ctx.cloud.db.reader() as s:
        if name is not None:
            row = await identity.find_user_by_name(s, name, identity.DEFAULT_DOMAIN_ID)
            if row is None:
                raise errors.NotFound(f"Could not find user: {name}.")
            return json_response({"user": views_v2.user_view(row)})
        rows = await identity.list_users(s, domain_id=identity.DEFAULT_DOMAIN_ID)
    return json_response({"users": [views_v2.user_view(r) for r in rows], "users_links": []})


async def create_user(ctx: Ctx) -> Response:
    """Create a user; with tenantId it becomes the default tenant and the user a member of it."""
    ctx.authorize("identity:admin")
    body = parse(UserCreate, await ctx.json_object("user"))
    password_hash = await ctx.cloud.passwords.hash(body.password) if body.password else None
    async with ctx.cloud.db.session() as s:
        if body.tenantId:
            await identity.get_project(s, body.tenantId)
        row = await identity.create_user(s, body.name, password_hash, email=body.email,
                                         enabled=body.enabled, default_project_id=body.tenantId)
        member = await identity.find_role_by_name(s, "member")
        if body.tenantId and member is not None:
            await identity.assign_role(s, row.id, member.id, project_id=body.tenantId)
    return json_response({"user": views_v2.user_view(row)})


async def show_user(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.reader() as s:
        row = await identity.get_user(s, ctx.params["user_id"])
    return json_response({"user": views_v2.user_view(row)})


async def update_user(ctx: Ctx) -> Response:
    """PUT /v2.0/users/{id}, and the OS-KSADM password and enabled calls with the same body."""
    ctx.authorize("identity:admin")
    body = parse(UserUpdate, await ctx.json_object("user"))
    changes, _ = changes_of(body, not_null=("name", "enabled", "password"))
    if "tenantId" in changes:
        changes["default_project_id"] = changes.pop("tenantId")
    if "password" in changes:
        changes["password_hash"] = await ctx.cloud.passwords.hash(changes.pop("password"))
    async with ctx.cloud.db.session() as s:
        row = await identity.update_user(s, ctx.cloud.tokens, ctx.params["user_id"], changes, {})
    return json_response({"user": views_v2.user_view(row)})


async def delete_user(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.session() as s:
        await identity.delete_user(s, ctx.cloud.tokens, ctx.params["user_id"])
    return empty(204)


async def list_roles(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.reader() as s:
        rows = await identity.list_roles(s)
    return json_response({"roles": [views_v2.role_view(r) for r in rows], "roles_links": []})
