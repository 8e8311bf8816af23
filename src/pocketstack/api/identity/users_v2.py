"""/v2.0/users and /v2.0/OS-KSADM/roles (OS-KSADM, admin only): users of the default domain."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views_v2
from pocketstack.api.identity.common import Name255, changes_of, parse
from pocketstack.services import identity
from pocketstack.services import identity_roles as roles
from pocketstack.services import identity_users as users
from pocketstack.services import identity_v2 as v2


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
    name = ctx.query.get("name")
    if name is not None:
        row = await v2.find_user(ctx.cloud, ctx.caller, name)
        return json_response({"user": views_v2.user_view(row)})
    rows = await users.list_users(ctx.cloud, ctx.caller, domain_id=identity.DEFAULT_DOMAIN_ID)
    return json_response({"users": [views_v2.user_view(r) for r in rows], "users_links": []})


async def create_user(ctx: Ctx) -> Response:
    """Create a user; with tenantId it becomes the default tenant and the user a member of it."""
    body = parse(UserCreate, await ctx.json_object("user"))
    row = await v2.create_user(ctx.cloud, ctx.caller, name=body.name, password=body.password,
                               tenant_id=body.tenantId, email=body.email, enabled=body.enabled)
    return json_response({"user": views_v2.user_view(row)})


async def show_user(ctx: Ctx) -> Response:
    row = await v2.show_user(ctx.cloud, ctx.caller, ctx.params["user_id"])
    return json_response({"user": views_v2.user_view(row)})


async def update_user(ctx: Ctx) -> Response:
    """PUT /v2.0/users/{id}, and the OS-KSADM password and enabled calls with the same body."""
    body = parse(UserUpdate, await ctx.json_object("user"))
    changes, _ = changes_of(body, not_null=("name", "enabled", "password"))
    if "tenantId" in changes:
        changes["default_project_id"] = changes.pop("tenantId")
    row = await users.update_user(ctx.cloud, ctx.caller, ctx.params["user_id"], changes, {})
    return json_response({"user": views_v2.user_view(row)})


async def delete_user(ctx: Ctx) -> Response:
    await users.delete_user(ctx.cloud, ctx.caller, ctx.params["user_id"])
    return empty(204)


async def list_roles(ctx: Ctx) -> Response:
    rows = await roles.list_roles(ctx.cloud, ctx.caller)
    return json_response({"roles": [views_v2.role_view(r) for r in rows], "roles_links": []})
