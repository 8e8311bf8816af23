"""/v3/users: Keystone users (passwords stored only as argon2id hashes)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.db.models import UserRow
from pocketstack.services import identity


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1, max_length=255)
    domain_id: str = identity.DEFAULT_DOMAIN_ID
    password: str | None = None
    email: str | None = None
    enabled: bool = True
    default_project_id: str | None = None
    description: str | None = None


def user_view(ctx: Ctx, row: UserRow) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "domain_id": row.domain_id,
        "enabled": row.enabled,
        "password_expires_at": None,
        "options": {},
        "links": {"self": ctx.url("identity/v3/users", row.id)},
    }
    if row.email is not None:
        view["email"] = row.email
    if row.default_project_id is not None:
        view["default_project_id"] = row.default_project_id
    if row.description is not None:
        view["description"] = row.description
    return view


async def create_user(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    body = ctx.parse(UserCreate, await ctx.json_object("user"))
    password_hash = await ctx.state.passwords.hash(body.password) if body.password else None
    async with ctx.state.db.session() as s:
        row = await identity.create_user(s, body.name, password_hash, body.domain_id, email=body.email,
                                         enabled=body.enabled, default_project_id=body.default_project_id,
                                         description=body.description)
    return json_response({"user": user_view(ctx, row)}, 201)
