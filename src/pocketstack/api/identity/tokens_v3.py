"""POST/GET/HEAD/DELETE /v3/auth/tokens: Keystone v3 token issue and validation."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.identity import views
from pocketstack.services import auth as auth_service


async def create_token(ctx: Ctx) -> Response:
    body = await ctx.json_object("auth")
    nocatalog = "nocatalog" in ctx.query
    token, auth = await auth_service.authenticate_v3(ctx.state, body, ctx.request.headers.get("x-auth-token"))
    payload = await views.token_v3(ctx.state, auth, catalog_included=not nocatalog)
    return json_response(payload, 201, headers={"X-Subject-Token": token})


async def _subject(ctx: Ctx) -> Any:
    ctx.user  # the caller must be authenticated  # noqa: B018
    subject = ctx.request.headers.get("x-subject-token")
    if not subject:
        raise errors.BadRequest("X-Subject-Token header is required.")
    auth = await ctx.state.tokens.validate(subject, fresh=True)
    if auth is None:
        raise errors.NotFound(f"Could not find token: {subject}.")
    if auth.user_id != ctx.user.user_id and not ctx.is_admin:
        raise errors.Forbidden("You are not authorized to perform the requested action: identity:validate_token.")
    return subject, auth


async def validate_token(ctx: Ctx) -> Response:
    subject, auth = await _subject(ctx)
    nocatalog = "nocatalog" in ctx.query
    payload = await views.token_v3(ctx.state, auth, catalog_included=not nocatalog)
    return json_response(payload, 200, headers={"X-Subject-Token": subject})


async def check_token(ctx: Ctx) -> Response:
    subject, _ = await _subject(ctx)
    return Response(b"", status_code=200, headers={"X-Subject-Token": subject})


async def revoke_token(ctx: Ctx) -> Response:
    _, auth = await _subject(ctx)
    async with ctx.state.db.session() as s:
        await ctx.state.tokens.revoke(s, audit_id=auth.audit_ids[0])
    return Response(b"", status_code=204)
