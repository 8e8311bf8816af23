"""/v3/users/{user_id}/credentials/OS-EC2 (a user's EC2 keys) and /v3/ec2tokens."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import list_links
from pocketstack.services import ec2
from pocketstack.services import identity_tokens as tokens
from pocketstack.services.ec2 import Ec2Credential


def view(ctx: Ctx, cred: Ec2Credential) -> dict[str, Any]:
    return {"user_id": cred.user_id, "tenant_id": cred.tenant_id, "access": cred.access,
            "secret": cred.secret, "trust_id": cred.trust_id,
            "links": {"self": ctx.url("identity/v3", "users", cred.user_id, "credentials",
                                      "OS-EC2", cred.access)}}


async def create(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    tenant_id = body.get("tenant_id") or body.get("project_id")
    if not isinstance(tenant_id, str) or not tenant_id:
        raise errors.BadRequest("Invalid input for field 'tenant_id': a string is required.")
    cred = await ec2.create(ctx.cloud, ctx.caller, ctx.params["user_id"], tenant_id)
    return json_response({"credential": view(ctx, cred)}, 201)


async def list_all(ctx: Ctx) -> Response:
    user_id = ctx.params["user_id"]
    found = await ec2.list_all(ctx.cloud, ctx.caller, user_id)
    return json_response({"credentials": [view(ctx, c) for c in found],
                          "links": list_links(ctx, f"users/{user_id}/credentials/OS-EC2")})


async def show(ctx: Ctx) -> Response:
    cred = await ec2.show(ctx.cloud, ctx.caller, ctx.params["user_id"], ctx.params["access"])
    return json_response({"credential": view(ctx, cred)})


async def delete(ctx: Ctx) -> Response:
    await ec2.delete(ctx.cloud, ctx.caller, ctx.params["user_id"], ctx.params["access"])
    return empty(204)


async def create_token(ctx: Ctx) -> Response:
    token, details = await tokens.create_ec2_token(ctx.cloud, await ctx.json_object())
    return json_response(views.token_v3(details), 200, headers={"X-Subject-Token": token})
