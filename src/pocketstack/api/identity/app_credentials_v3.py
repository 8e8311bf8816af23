"""/v3/users/{user_id}/application_credentials: a user creates its own from a project-scoped
token (never from a token an application credential issued, unless its bearer is an admin);
the user or an admin lists, reads and deletes them. The secret is shown once."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity.common import Name255, list_links, parse
from pocketstack.services import application_credentials as app_creds
from pocketstack.services.application_credentials import AppCredential
from pocketstack.timeutil import iso_plain, parse_iso


class AppCredentialCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name255
    description: StrictStr | None = None
    secret: StrictStr | None = Field(default=None, min_length=1, max_length=4096)
    expires_at: StrictStr | None = None
    roles: list[dict[str, StrictStr]] | None = None
    unrestricted: StrictBool = False
    access_rules: list[dict[str, Any]] | None = None


def view(ctx: Ctx, credential: AppCredential) -> dict[str, Any]:
    row = credential.row
    body: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "project_id": row.project_id,
        "user_id": row.user_id,
        "expires_at": iso_plain(row.expires_at),
        "unrestricted": row.unrestricted,
        "roles": [{"id": r.id, "name": r.name, "domain_id": r.domain_id} for r in credential.roles],
        "access_rules": [],
        "links": {"self": ctx.url("identity/v3", "users", row.user_id, "application_credentials",
                                  row.id)},
    }
    if credential.secret is not None:
        body["secret"] = credential.secret
    return body


async def create(ctx: Ctx) -> Response:
    body = parse(AppCredentialCreate, await ctx.json_object("application_credential"))
    if body.access_rules:
        raise errors.BadRequest("Access rules are not supported.")
    expires_at = parse_iso(body.expires_at) if body.expires_at else None
    if body.expires_at and expires_at is None:
        raise errors.BadRequest(f"Invalid input for field 'expires_at': {body.expires_at!r} is "
                                "not a date-time.")
    credential = await app_creds.create_credential(
        ctx.cloud, ctx.caller, ctx.params["user_id"], name=body.name,
        description=body.description, secret=body.secret, expires_at=expires_at,
        roles=body.roles, unrestricted=body.unrestricted)
    return json_response({"application_credential": view(ctx, credential)}, 201)


async def list_all(ctx: Ctx) -> Response:
    user_id = ctx.params["user_id"]
    found = await app_creds.list_credentials(ctx.cloud, ctx.caller, user_id, ctx.query.get("name"))
    return json_response({"application_credentials": [view(ctx, c) for c in found],
                          "links": list_links(ctx, f"users/{user_id}/application_credentials")})


async def show(ctx: Ctx) -> Response:
    credential = await app_creds.show_credential(ctx.cloud, ctx.caller, ctx.params["user_id"],
                                                 ctx.params["credential_id"])
    return json_response({"application_credential": view(ctx, credential)})


async def delete(ctx: Ctx) -> Response:
    await app_creds.delete_credential(ctx.cloud, ctx.caller, ctx.params["user_id"],
                                      ctx.params["credential_id"])
    return empty(204)
