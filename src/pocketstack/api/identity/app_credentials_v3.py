"""/v3/users/{user_id}/application_credentials: a user creates its own from a project-scoped
token (never from a token an application credential issued, unless that one is
unrestricted); the user or an admin lists, reads and deletes them. The secret is shown once."""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity.common import Name255, admin_or_self, list_links, parse
from pocketstack.db.models import ApplicationCredentialRow, RoleRow
from pocketstack.services import application_credentials as app_creds
from pocketstack.timeutil import iso_plain, parse_iso

METHOD = "application_credential"


class AppCredentialCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name255
    description: StrictStr | None = None
    secret: StrictStr | None = Field(default=None, min_length=1, max_length=4096)
    expires_at: StrictStr | None = None
    roles: list[dict[str, StrictStr]] | None = None
    unrestricted: StrictBool = False
    access_rules: list[dict[str, Any]] | None = None


def view(ctx: Ctx, row: ApplicationCredentialRow, roles: list[RoleRow]) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "project_id": row.project_id,
        "user_id": row.user_id,
        "expires_at": iso_plain(row.expires_at),
        "unrestricted": row.unrestricted,
        "roles": [{"id": r.id, "name": r.name, "domain_id": r.domain_id} for r in roles],
        "access_rules": [],
        "links": {"self": ctx.url("identity/v3", "users", row.user_id, "application_credentials",
                                  row.id)},
    }


async def create(ctx: Ctx) -> Response:
    user_id = ctx.params["user_id"]
    if ctx.user.user_id != user_id:
        raise errors.Forbidden("You are not authorized to perform the requested action: "
                               "identity:create_application_credential.")
    if METHOD in ctx.user.methods and not ctx.user.is_admin:
        raise errors.Forbidden("Using method 'application_credential' is not allowed for "
                               "managing additional application credentials.")
    if ctx.user.project_id is None:
        raise errors.Forbidden("An application credential needs a project-scoped token.")
    body = parse(AppCredentialCreate, await ctx.json_object("application_credential"))
    if body.access_rules:
        raise errors.BadRequest("Access rules are not supported.")
    expires_at = parse_iso(body.expires_at) if body.expires_at else None
    if body.expires_at and expires_at is None:
        raise errors.BadRequest(f"Invalid input for field 'expires_at': {body.expires_at!r} is "
                                "not a date-time.")
    secret = body.secret or secrets.token_urlsafe(64)
    secret_hash = await ctx.cloud.passwords.hash(secret)
    async with ctx.cloud.db.session() as s:
        row, roles = await app_creds.create(
            s, user_id, ctx.user.project_id, body.name, secret_hash, description=body.description,
            roles=body.roles, expires_at=expires_at, unrestricted=body.unrestricted)
    return json_response({"application_credential": {**view(ctx, row, roles), "secret": secret}}, 201)


async def list_all(ctx: Ctx) -> Response:
    user_id = ctx.params["user_id"]
    admin_or_self(ctx, user_id)
    async with ctx.cloud.db.reader() as s:
        rows = await app_creds.list_for_user(s, user_id, ctx.query.get("name"))
        views = [view(ctx, r, await app_creds.roles_of(s, r)) for r in rows]
    return json_response({"application_credentials": views,
                          "links": list_links(ctx, f"users/{user_id}/application_credentials")})


async def show(ctx: Ctx) -> Response:
    user_id = ctx.params["user_id"]
    admin_or_self(ctx, user_id)
    async with ctx.cloud.db.reader() as s:
        row = await app_creds.get(s, user_id, ctx.params["credential_id"])
        roles = await app_creds.roles_of(s, row)
    return json_response({"application_credential": view(ctx, row, roles)})


async def delete(ctx: Ctx) -> Response:
    user_id = ctx.params["user_id"]
    admin_or_self(ctx, user_id)
    async with ctx.cloud.db.session() as s:
        await app_creds.delete(s, ctx.cloud.tokens, user_id, ctx.params["credential_id"])
    return empty(204)
