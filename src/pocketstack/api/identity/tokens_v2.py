"""/v2.0/tokens and GET /v2.0/tenants: the 2013 Identity API of the seed on today's tokens."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views_v2
from pocketstack.services import identity_tokens as tokens
from pocketstack.services import identity_v2 as v2


async def create_token(ctx: Ctx) -> Response:
    body = await ctx.json_object("auth")
    return json_response(views_v2.access(await tokens.create_token_v2(ctx.cloud, body)), 200)


async def validate_token(ctx: Ctx) -> Response:
    access = await tokens.validate_token_v2(ctx.cloud, ctx.caller, ctx.params["token_id"],
                                            ctx.query.get("belongsTo"))
    return json_response(views_v2.access(access))


async def revoke_token(ctx: Ctx) -> Response:
    await tokens.revoke_token_v2(ctx.cloud, ctx.caller, ctx.params["token_id"])
    return empty(204)


async def list_tenants(ctx: Ctx) -> Response:
    """The tenants the token may use; an admin sees every tenant, or one by ?name=."""
    name = ctx.query.get("name")
    if name is not None:
        row = await v2.find_tenant(ctx.cloud, ctx.caller, name)
        return json_response({"tenant": views_v2.tenant_view(row)})
    rows = await v2.list_tenants(ctx.cloud, ctx.caller)
    return json_response({"tenants": [views_v2.tenant_view(r) for r in rows], "tenants_links": []})
