"""/v3/credentials (admins, or the credential's own user) and /v3/policies (admin only):
documents Keystone stores for other services."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr
from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity.common import changes_of, extra_of, list_links, parse
from pocketstack.services import credentials
from pocketstack.services.credentials import Credential
from pocketstack.services.records import PolicyBlobRow

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


def credential_view(ctx: Ctx, credential: Credential) -> dict[str, Any]:
    row = credential.row
    view = {
        "id": row.id,
        "user_id": row.user_id,
        "project_id": row.project_id,
        "type": row.type,
        "blob": credential.blob,
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
    credential = await credentials.create_credential(
        ctx.cloud, ctx.caller, user_id=body.user_id, type_=body.type, blob=body.blob,
        project_id=body.project_id, extra=extra_of(body))
    return json_response({"credential": credential_view(ctx, credential)}, 201)


async def list_credentials(ctx: Ctx) -> Response:
    found = await credentials.list_credentials(ctx.cloud, ctx.caller,
                                               user_id=ctx.query.get("user_id"),
                                               type_=ctx.query.get("type"))
    return json_response({"credentials": [credential_view(ctx, c) for c in found],
                          "links": list_links(ctx, "credentials")})


async def show_credential(ctx: Ctx) -> Response:
    credential = await credentials.show_credential(ctx.cloud, ctx.caller,
                                                   ctx.params["credential_id"])
    return json_response({"credential": credential_view(ctx, credential)})


async def update_credential(ctx: Ctx) -> Response:
    body = parse(CredentialUpdate, await ctx.json_object("credential"))
    changes, extra = changes_of(body, not_null=("user_id", "type", "blob"))
    credential = await credentials.update_credential(ctx.cloud, ctx.caller,
                                                     ctx.params["credential_id"], changes, extra)
    return json_response({"credential": credential_view(ctx, credential)})


async def delete_credential(ctx: Ctx) -> Response:
    await credentials.delete_credential(ctx.cloud, ctx.caller, ctx.params["credential_id"])
    return empty(204)


# --- policies ------------------------------------------------------------------------------


async def create_policy(ctx: Ctx) -> Response:
    body = parse(PolicyCreate, await ctx.json_object("policy"))
    row = await credentials.create_policy(ctx.cloud, ctx.caller, type_=body.type, blob=body.blob,
                                          extra=extra_of(body))
    return json_response({"policy": policy_view(ctx, row)}, 201)


async def list_policies(ctx: Ctx) -> Response:
    rows = await credentials.list_policies(ctx.cloud, ctx.caller, type_=ctx.query.get("type"))
    return json_response({"policies": [policy_view(ctx, r) for r in rows],
                          "links": list_links(ctx, "policies")})


async def show_policy(ctx: Ctx) -> Response:
    row = await credentials.show_policy(ctx.cloud, ctx.caller, ctx.params["policy_id"])
    return json_response({"policy": policy_view(ctx, row)})


async def update_policy(ctx: Ctx) -> Response:
    body = parse(PolicyUpdate, await ctx.json_object("policy"))
    changes, extra = changes_of(body, not_null=("type", "blob"))
    row = await credentials.update_policy(ctx.cloud, ctx.caller, ctx.params["policy_id"],
                                          changes, extra)
    return json_response({"policy": policy_view(ctx, row)})


async def delete_policy(ctx: Ctx) -> Response:
    await credentials.delete_policy(ctx.cloud, ctx.caller, ctx.params["policy_id"])
    return empty(204)
