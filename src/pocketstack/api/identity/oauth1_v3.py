"""/v3/OS-OAUTH1: consumers (admins only; the secret is shown once), request tokens, their
authorization, access tokens, and a user's access tokens and their roles."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, StrictStr
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import list_links, parse
from pocketstack.services import oauth1
from pocketstack.services.records import OAuthConsumerRow, OAuthTokenRow
from pocketstack.timeutil import iso_micro_z

RESERVED = {"id", "links", "secret"}


class ConsumerBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    description: StrictStr | None = None


def view(ctx: Ctx, row: OAuthConsumerRow, secret: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {**(row.extra or {}), "id": row.id, "description": row.description,
                            "links": {"self": ctx.url("identity/v3", "OS-OAUTH1", "consumers",
                                                      row.id)}}
    if secret is not None:
        body["secret"] = secret
    return body


def _extra(body: ConsumerBody) -> dict[str, Any]:
    return {k: v for k, v in (body.model_extra or {}).items() if k not in RESERVED}


async def create_consumer(ctx: Ctx) -> Response:
    raw = await ctx.json_object("consumer")
    if "secret" in raw or "id" in raw:
        raise errors.BadRequest("Invalid input for field 'consumer': id and secret are made by "
                                "the server.")
    body = parse(ConsumerBody, raw)
    made = await oauth1.create_consumer(ctx.cloud, ctx.caller, body.description, _extra(body))
    return json_response({"consumer": view(ctx, made.row, made.secret)}, 201)


async def list_consumers(ctx: Ctx) -> Response:
    rows = await oauth1.list_consumers(ctx.cloud, ctx.caller)
    return json_response({"consumers": [view(ctx, r) for r in rows],
                          "links": list_links(ctx, "OS-OAUTH1/consumers")})


async def show_consumer(ctx: Ctx) -> Response:
    row = await oauth1.show_consumer(ctx.cloud, ctx.caller, ctx.params["consumer_id"])
    return json_response({"consumer": view(ctx, row)})


async def update_consumer(ctx: Ctx) -> Response:
    raw = await ctx.json_object("consumer")
    if "secret" in raw:
        raise errors.BadRequest("Invalid input for field 'secret': a consumer's secret cannot "
                                "be changed.")
    if raw.get("id", ctx.params["consumer_id"]) != ctx.params["consumer_id"]:
        raise errors.BadRequest("Invalid input for field 'id': it cannot be changed.")
    body = parse(ConsumerBody, raw)
    row = await oauth1.update_consumer(ctx.cloud, ctx.caller, ctx.params["consumer_id"],
                                       body.description, _extra(body))
    return json_response({"consumer": view(ctx, row)})


async def delete_consumer(ctx: Ctx) -> Response:
    await oauth1.delete_consumer(ctx.cloud, ctx.caller, ctx.params["consumer_id"])
    return empty(204)


# --- the delegation flow ----------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"


def signed_request(ctx: Ctx) -> oauth1.SignedRequest:
    """The request as an OAuth1 client signed it: its URL with the public endpoint's scheme."""
    url = urlsplit(str(ctx.request.url))
    scheme = urlsplit(ctx.cloud.settings.base_url).scheme or url.scheme
    return oauth1.SignedRequest(
        method=ctx.request.method, url=urlunsplit((scheme, url.netloc, url.path, "", "")),
        authorization=ctx.request.headers.get("authorization"), query=dict(ctx.query))


def _form(issued: oauth1.IssuedToken) -> Response:
    return Response(issued.form(), status_code=201, media_type=FORM)


async def create_request_token(ctx: Ctx) -> Response:
    issued = await oauth1.create_request_token(
        ctx.cloud, signed_request(ctx), ctx.request.headers.get("requested-project-id"))
    return _form(issued)


async def create_access_token(ctx: Ctx) -> Response:
    return _form(await oauth1.create_access_token(ctx.cloud, signed_request(ctx)))


def _roles(raw: Any) -> list[dict[str, str]]:
    """The body of an authorization: {"roles": [{"id": ...} or {"name": ...}, ...]}."""
    roles = raw.get("roles") if isinstance(raw, dict) else None
    if not isinstance(roles, list) or not roles:
        raise errors.BadRequest("Invalid input for field 'roles': a non-empty list of role "
                                "references is required.")
    found: list[dict[str, str]] = []
    for ref in roles:
        if (not isinstance(ref, dict) or len(ref) != 1
                or not isinstance(ref.get("id", ref.get("name")), str)):
            raise errors.BadRequest("Invalid input for field 'roles': each role is {\"id\": "
                                    "...} or {\"name\": ...}.")
        found.append({str(k): str(v) for k, v in ref.items()})
    return found


async def authorize_request_token(ctx: Ctx) -> Response:
    roles = _roles(await ctx.json())
    verifier = await oauth1.authorize_request_token(ctx.cloud, ctx.caller,
                                                    ctx.params["request_token_id"], roles)
    return json_response({"token": {"oauth_verifier": verifier}})


# --- /v3/users/{user_id}/OS-OAUTH1/access_tokens ----------------------------------------------


def access_token_view(ctx: Ctx, row: OAuthTokenRow) -> dict[str, Any]:
    base = ctx.url("identity/v3", "users", row.authorizing_user_id or "", "OS-OAUTH1",
                   "access_tokens", row.id)
    return {"id": row.id, "consumer_id": row.consumer_id, "project_id": row.project_id,
            "authorizing_user_id": row.authorizing_user_id,
            "expires_at": iso_micro_z(row.expires_at),
            "links": {"self": base, "roles": base + "/roles"}}


async def list_access_tokens(ctx: Ctx) -> Response:
    user_id = ctx.params["user_id"]
    rows = await oauth1.list_access_tokens(ctx.cloud, ctx.caller, user_id)
    return json_response({"access_tokens": [access_token_view(ctx, r) for r in rows],
                          "links": list_links(ctx, f"users/{user_id}/OS-OAUTH1/access_tokens")})


async def show_access_token(ctx: Ctx) -> Response:
    row = await oauth1.show_access_token(ctx.cloud, ctx.caller, ctx.params["user_id"],
                                         ctx.params["access_token_id"])
    return json_response({"access_token": access_token_view(ctx, row)})


async def delete_access_token(ctx: Ctx) -> Response:
    await oauth1.delete_access_token(ctx.cloud, ctx.caller, ctx.params["user_id"],
                                     ctx.params["access_token_id"])
    return empty(204)


async def list_access_token_roles(ctx: Ctx) -> Response:
    user_id, token_id = ctx.params["user_id"], ctx.params["access_token_id"]
    roles = await oauth1.access_token_roles(ctx.cloud, ctx.caller, user_id, token_id)
    return json_response({"roles": [views.role_view(ctx, r) for r in roles],
                          "links": list_links(
                              ctx, f"users/{user_id}/OS-OAUTH1/access_tokens/{token_id}/roles")})


async def show_access_token_role(ctx: Ctx) -> Response:
    role = await oauth1.access_token_role(ctx.cloud, ctx.caller, ctx.params["user_id"],
                                          ctx.params["access_token_id"], ctx.params["role_id"])
    return json_response({"role": views.role_view(ctx, role)})
