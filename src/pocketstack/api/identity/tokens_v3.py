"""/v3/auth: Keystone v3 token issue, validation and revocation, and what a token may reach
(its catalog, the projects and domains its user may scope to)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import oauth1_v3, views
from pocketstack.api.identity.common import list_links
from pocketstack.services import identity_tokens as tokens
from pocketstack.services.identity_tokens import RevokeEvent
from pocketstack.timeutil import iso_micro_z, parse_iso


def _with_catalog(ctx: Ctx) -> bool:
    return "nocatalog" not in ctx.query


async def create_token(ctx: Ctx) -> Response:
    body = await ctx.json_object("auth")
    token, details = await tokens.create_token_v3(
        ctx.cloud, body, ctx.request.headers.get("x-auth-token"), with_catalog=_with_catalog(ctx),
        signed=oauth1_v3.signed_request(ctx))
    return json_response(views.token_v3(details), 201, headers={"X-Subject-Token": token})


def _subject(ctx: Ctx) -> str:
    """The X-Subject-Token header; 400 without one."""
    subject = ctx.request.headers.get("x-subject-token")
    if not subject:
        raise errors.BadRequest("Expecting to find X-Subject-Token in the request headers. The server could not comply with the request since it is either malformed or otherwise incorrect.")
    return subject


async def validate_token(ctx: Ctx) -> Response:
    subject = _subject(ctx)
    details = await tokens.validate_token_v3(ctx.cloud, ctx.caller, subject,
                                             with_catalog=_with_catalog(ctx))
    return json_response(views.token_v3(details), 200, headers={"X-Subject-Token": subject})


async def check_token(ctx: Ctx) -> Response:
    subject = _subject(ctx)
    await tokens.check_token_v3(ctx.cloud, ctx.caller, subject)
    return Response(b"", status_code=200, headers={"X-Subject-Token": subject})


async def revoke_token(ctx: Ctx) -> Response:
    await tokens.revoke_token_v3(ctx.cloud, ctx.caller, _subject(ctx))
    return empty(204)


async def show_catalog(ctx: Ctx) -> Response:
    entries = await tokens.show_catalog(ctx.cloud, ctx.caller)
    return json_response({"catalog": entries, "links": list_links(ctx, "auth/catalog")})


async def list_auth_projects(ctx: Ctx) -> Response:
    rows = await tokens.auth_projects(ctx.cloud, ctx.caller)
    return json_response({"projects": [views.project_view(ctx, row) for row in rows],
                          "links": list_links(ctx, "auth/projects")})


async def list_auth_domains(ctx: Ctx) -> Response:
    rows = await tokens.auth_domains(ctx.cloud, ctx.caller)
    return json_response({"domains": [views.domain_view(ctx, row) for row in rows],
                          "links": list_links(ctx, "auth/domains")})


async def list_revoke_events(ctx: Ctx) -> Response:
    since = None
    if "since" in ctx.query:
        since = parse_iso(ctx.query["since"])
        if since is None:
            raise errors.BadRequest(f"invalidate date format {ctx.query['since']}")
    events = await tokens.revoke_events(ctx.cloud, ctx.caller, since)
    return json_response({"events": [_event_view(e) for e in events],
                          "links": {"self": ctx.url("identity/v3", "OS-REVOKE", "events"),
                                    "next": None, "previous": None}})


def _event_view(event: RevokeEvent) -> dict[str, Any]:
    when = iso_micro_z(event.issued_before)
    view: dict[str, Any] = {"issued_before": when, "revoked_at": when}
    for name in ("user_id", "project_id", "audit_id"):
        value = getattr(event, name)
        if value is not None:
            view[name] = value
    return view
