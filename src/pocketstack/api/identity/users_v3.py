"""/v3/users: Keystone users (passwords stored only as argon2id hashes). Admins manage users;
a user may read itself, list its projects and change its own password."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import (
    Name255,
    changes_of,
    extra_of,
    flag,
    list_links,
    parse,
)
from pocketstack.services import auth as auth_service
from pocketstack.services import identity_users as users

Password = StrictStr


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: Name255
    domain_id: StrictStr | None = None
    password: Password | None = Field(default=None, max_length=4096)
    email: StrictStr | None = None
    enabled: StrictBool = True
    default_project_id: StrictStr | None = None
    description: StrictStr | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: Name255 | None = None
    domain_id: StrictStr | None = None
    password: Password | None = Field(default=None, max_length=4096)
    email: StrictStr | None = None
    enabled: StrictBool | None = None
    default_project_id: StrictStr | None = None
    description: StrictStr | None = None
    options: dict[str, Any] | None = None


class PasswordChange(BaseModel):
    password: Password = Field(min_length=1, max_length=4096)
    original_password: Password


async def create_user(ctx: Ctx) -> Response:
    body = parse(UserCreate, await ctx.json_object("user"))
    row = await users.create_user(
        ctx.cloud, ctx.caller, name=body.name, domain_id=body.domain_id, password=body.password,
        email=body.email, enabled=body.enabled, default_project_id=body.default_project_id,
        description=body.description, extra=extra_of(body))
    return json_response({"user": views.user_view(ctx, row)}, 201)


async def list_users(ctx: Ctx) -> Response:
    q = ctx.query
    rows = await users.list_users(ctx.cloud, ctx.caller, name=q.get("name"),
                                  domain_id=q.get("domain_id"), enabled=flag(ctx, "enabled"))
    return json_response({"users": [views.user_view(ctx, r) for r in rows],
                          "links": list_links(ctx, "users")})


async def show_user(ctx: Ctx) -> Response:
    row = await users.show_user(ctx.cloud, ctx.caller, ctx.params["user_id"])
    return json_response({"user": views.user_view(ctx, row)})


async def update_user(ctx: Ctx) -> Response:
    body = parse(UserUpdate, await ctx.json_object("user"))
    changes, extra = changes_of(body, not_null=("name", "enabled"))
    changes.pop("options", None)
    if "password" in changes:
        changes["password"] = changes["password"] or None
    row = await users.update_user(ctx.cloud, ctx.caller, ctx.params["user_id"], changes, extra)
    return json_response({"user": views.user_view(ctx, row)})


async def delete_user(ctx: Ctx) -> Response:
    await users.delete_user(ctx.cloud, ctx.caller, ctx.params["user_id"])
    return empty(204)


async def change_password(ctx: Ctx) -> Response:
    """POST /v3/users/{id}/password: no token needed, the original password authenticates."""
    body = parse(PasswordChange, await ctx.json_object("user"))
    await auth_service.change_password(ctx.cloud, ctx.params["user_id"], body.original_password,
                                       body.password)
    return empty(204)


async def list_user_projects(ctx: Ctx) -> Response:
    user_id = ctx.params["user_id"]
    rows = await users.list_user_projects(ctx.cloud, ctx.caller, user_id)
    return json_response({"projects": [views.project_view(ctx, r) for r in rows],
                          "links": list_links(ctx, f"users/{user_id}/projects")})
