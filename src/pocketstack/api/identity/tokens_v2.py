"""/v2.0/tokens and GET /v2.0/tenants: the 2013 Identity API of the seed on today's tokens."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views_v2
from pocketstack.services import auth as auth_service
from pocketstack.services import identity
from pocketstack.services.tokens import Auth


async def create_token(ctx: Ctx) -> Response:
    body = await ctx.json_object("auth")
    token, auth = await auth_service.authenticate_v2(ctx.cloud, body)
    return json_response(await views_v2.access(ctx, token, auth), 200)


async def _subject(ctx: Ctx) -> tuple[str, Auth]:
    ctx.authorize("identity:admin")
    token = ctx.params["token_id"]
    auth = await ctx.cloud.tokens.validate(token, fresh=True)
    if auth is None:
        raise errors.NotFound(f"Could not find token: {token}.")
    return token, auth


async def validate_token(ctx: Ctx) -> Response:
    token, auth = await _subject(ctx)
    belongs_to = ctx.query.get("belongsTo")
    if belongs_to is not None and belongs_to != auth.project_id:
        raise errors.Unauthorized("Token does not belong to specified tenant.")
    return json_response(await views_v2.access(ctx, token, auth))


async def revoke_token(ctx: Ctx) -> Response:
    _, auth = await _subject(ctx)
    async with ctx.cloud.db.session() as s:
        await ctx.cloud.tokens.revoke(s, audit_id=auth.audit_ids[0])
    return empty(204)


async def list_tenants(ctx: Ctx) -> Response:
    """The tenants the token may use; an admin sees every tenant, or one by ?name=."""
    name = ctx.query.get("name")
    async with ctx.cloud.db.reader() as s:
        if name is not None:
            ctx.authorize("identity:admin")
            row = await identity.find_project_by_name(s, name, identity.DEFAULT_DOMAIN_ID)
            return json_response({"tenant": views_v2.tenant_view(row)})
        if ctx.is_admin:
            rows = await identity.list_projects(s, domain_id=identity.DEFAULT_DOMAIN_ID)
        else:
            rows = [p for p in await identity.projects_of_user(s, ctx.user.user_id)
                    if p.enabled and p.domain_id == identity.DEFAULT_DOMAIN_ID]
    return json_response({"tenants": [views_v2.tenant_view(r) for r in rows], "tenants_links": []})
