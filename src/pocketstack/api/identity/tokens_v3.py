"""/v3/auth: Keystone v3 token issue, validation and revocation, and what a token may reach
(its catalog, the projects and domains its user may scope to)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import list_links
from pocketstack.services import auth as auth_service
from pocketstack.services import catalog_store, identity
from pocketstack.services.tokens import Auth


async def create_token(ctx: Ctx) -> Response:
    body = await ctx.json_object("auth")
    token, auth = await auth_service.authenticate_v3(ctx.cloud, body, ctx.request.headers.get("x-auth-token"))
    payload = await views.token_v3(ctx.cloud, auth, catalog_included="nocatalog" not in ctx.query)
    return json_response(payload, 201, headers={"X-Subject-Token": token})


async def _subject(ctx: Ctx) -> tuple[str, Auth]:
    """The X-Subject-Token and its claims: 404 when it is invalid, expired or revoked."""
    caller = ctx.user
    subject = ctx.request.headers.get("x-subject-token")
    if not subject:
        raise errors.BadRequest("Expecting to find X-Subject-Token in the request headers. The server could not comply with the request since it is either malformed or otherwise incorrect.")
    auth = await ctx.cloud.tokens.validate(subject, fresh=True)
    if auth is None:
        raise errors.NotFound(f"Could not find token: {subject}.")
    if auth.user_id != caller.user_id and not caller.is_admin:
        raise errors.Forbidden("You are not authorized to perform the requested action: identity:validate_token.")
    return subject, auth


async def validate_token(ctx: Ctx) -> Response:
    subject, auth = await _subject(ctx)
    payload = await views.token_v3(ctx.cloud, auth, catalog_included="nocatalog" not in ctx.query)
    return json_response(payload, 200, headers={"X-Subject-Token": subject})


async def check_token(ctx: Ctx) -> Response:
    subject, _ = await _subject(ctx)
    return Response(b"", status_code=200, headers={"X-Subject-Token": subject})


async def revoke_token(ctx: Ctx) -> Response:
    _, auth = await _subject(ctx)
    async with ctx.cloud.db.session() as s:
        await ctx.cloud.tokens.revoke(s, audit_id=auth.audit_ids[0])
    return empty(204)


async def show_catalog(ctx: Ctx) -> Response:
    if not ctx.user.scoped:
        raise errors.Forbidden("A project-scoped token is required to produce a service catalog.")
    async with ctx.cloud.db.reader() as s:
        entries = await catalog_store.v3_catalog(s, ctx.cloud.settings)
    return json_response({"catalog": entries, "links": list_links(ctx, "auth/catalog")})


async def list_auth_projects(ctx: Ctx) -> Response:
    async with ctx.cloud.db.reader() as s:
        rows = await identity.projects_of_user(s, ctx.user.user_id)
    projects = [views.project_view(ctx, row) for row in rows if row.enabled]
    return json_response({"projects": projects, "links": list_links(ctx, "auth/projects")})


async def list_auth_domains(ctx: Ctx) -> Response:
    async with ctx.cloud.db.reader() as s:
        rows = await identity.domains_of_user(s, ctx.user.user_id)
    domains = [views.domain_view(ctx, row) for row in rows if row.enabled]
    return json_response({"domains": domains, "links": list_links(ctx, "auth/domains")})
