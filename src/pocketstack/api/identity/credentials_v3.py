"""/v3/credentials (admins, or the credential's own user) and /v3/policies (admin only):
documents Keystone stores for other services."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr
from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity.common import admin_or_self, changes_of, extra_of, list_links, parse
from pocketstack.db.models import CredentialRow, PolicyBlobRow
from pocketstack.services import credentials

Text = Field(min_length=1, max_length=65_536)


class CredentialCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    user_id: StrictStr = Field(min_length=1, max_length=64)
    type: StrictStr = Field(min_length=1, max_length=255)
    blob: StrictStr = Text
    project_id: StrictStr | None = None


class CredentialUpdate(BaseModel):
    model_config = ConfigDict(extra="allow")
    user_id: StrictStr | None = Field(default=None, min_length=1, max_length=64)
    type: StrictStr | None = Field(default=None, min_length=1, max_length=255)
    blob: StrictStr | None = Field(default=None, min_length=1, max_length=65_536)
    project_id: StrictStr | None = None


class PolicyCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: StrictStr = Field(min_length=1, max_length=255)
    blob: StrictStr = Text


class PolicyUpdate(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: StrictStr | None = Field(default=None, min_length=1, max_length=255)
    blob: StrictStr | None = Field(default=None, min_length=1, max_length=65_536)


def credential_view(ctx: Ctx, row: CredentialRow) -> dict[str, Any]:
    view = {
        "id": row.id,
        "user_id": row.user_id,
        "project_id": row.project_id,
        "type": row.type,
        "blob": credentials.decrypt(ctx.cloud.tokens.fernet, row),
        "links": {"self": ctx.url("identity/v3", "credentials", row.id)},
    }
    return {**{k: v for k, v in (row.extra or {}).items() if k not in view}, **view}


def policy_view(ctx: Ctx, row: PolicyBlobRow) -> dict[str, Any]:
    view = {"id": row.id, "type": row.type, "blob": row.blob,
            "links": {"self": ctx.url("identity/v3", "policies", row.id)}}
    return {**{k: v for k, v in (row.extra or {}).items() if k not in view}, **view}


# --- credentials ---------------------------------------------------------------------------


async def create_credential(ctx: Ctx) -> Response:
    body = parse(CredentialCreate, await ctx.json_object("credential"))
    admin_or_self(ctx, body.user_id)
    async with ctx.cloud.db.session() as s:
        row = await credentials.create_credential(
            s, ctx.cloud.tokens.fernet, body.user_id, body.type, body.blob,
            project_id=body.project_id, extra=extra_of(body))
    return json_response({"credential": credential_view(ctx, row)}, 201)


async def list_credentials(ctx: Ctx) -> Response:
    user_id = ctx.query.get("user_id")
    if not ctx.user.is_admin:
        user_id = ctx.user.user_id
    async with ctx.cloud.db.reader() as s:
        rows = await credentials.list_credentials(s, user_id=user_id, type_=ctx.query.get("type"))
    return json_response({"credentials": [credential_view(ctx, r) for r in rows],
                          "links": list_links(ctx, "credentials")})


async def show_credential(ctx: Ctx) -> Response:
    async with ctx.cloud.db.reader() as s:
        row = await credentials.get_credential(s, ctx.params["credential_id"])
        if row.user_id != ctx.user.user_id:
            ctx.authorize("identity:admin")
    return json_response({"credential": credential_view(ctx, row)})


async def update_credential(ctx: Ctx) -> Response:
    body = parse(CredentialUpdate, await ctx.json_object("credential"))
    changes, extra = changes_of(body, not_null=("user_id", "type", "blob"))
    async with ctx.cloud.db.session() as s:
        row = await credentials.get_credential(s, ctx.params["credential_id"])
        if row.user_id != ctx.user.user_id or changes.get("user_id", row.user_id) != row.user_id:
            ctx.authorize("identity:admin")
        row = await credentials.update_credential(s, ctx.cloud.tokens.fernet, row.id, changes, extra)
    return json_response({"credential": credential_view(ctx, row)})


async def delete_credential(ctx: Ctx) -> Response:
    async with ctx.cloud.db.session() as s:
        row = await credentials.get_credential(s, ctx.params["credential_id"])
        if row.user_id != ctx.user.user_id:
            ctx.authorize("identity:admin")
        await credentials.delete_credential(s, row.id)
    return empty(204)


# --- policies ------------------------------------------------------------------------------


async def create_policy(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    body = parse(PolicyCreate, await ctx.json_object("policy"))
    async with ctx.cloud.db.session() as s:
        row = await credentials.create_policy(s, body.type, body.blob, extra_of(body))
    return json_response({"policy": policy_view(ctx, row)}, 201)


async def list_policies(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.reader() as s:
        rows = await credentials.list_policies(s, type_=ctx.query.get("type"))
    return json_response({"policies": [policy_view(ctx, r) for r in rows],
                          "links": list_links(ctx, "policies")})


async def show_policy(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.reader() as s:
        row = await credentials.get_policy(s, ctx.params["policy_id"])
    return json_response({"policy": policy_view(ctx, row)})


async def update_policy(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    body = parse(PolicyUpdate, await ctx.json_object("policy"))
    changes, extra = changes_of(body, not_null=("type", "blob"))
    async with ctx.cloud.db.session() as s:
        row = await credentials.update_policy(s, ctx.params["policy_id"], changes, extra)
    return json_response({"policy": policy_view(ctx, row)})


async def delete_policy(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    async with ctx.cloud.db.session() as s:
        await credentials.delete_policy(s, ctx.params["policy_id"])
    return empty(204)
