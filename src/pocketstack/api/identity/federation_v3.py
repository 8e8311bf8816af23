"""/v3/OS-FEDERATION: identity providers, their protocols, mappings and service providers,
as records Keystone validates (admins only)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity.common import list_links
from pocketstack.services import federation
from pocketstack.services.federation import IDP, MAPPING, PROTOCOL, SP

BASE = "OS-FEDERATION"
COLLECTIONS = {IDP: "identity_providers", MAPPING: "mappings", SP: "service_providers"}


def _view(ctx: Ctx, kind: str, record: dict[str, Any], idp_id: str | None = None) -> dict[str, Any]:
    body = dict(record)
    if kind == PROTOCOL:
        idp_url = ctx.url("identity/v3", BASE, "identity_providers", idp_id or "")
        body["links"] = {"self": f"{idp_url}/protocols/{record['id']}", "identity_provider": idp_url}
        return body
    url = ctx.url("identity/v3", BASE, COLLECTIONS[kind], record["id"])
    body["links"] = {"self": url, **({"protocols": f"{url}/protocols"} if kind == IDP else {})}
    return body


def _kind(ctx: Ctx) -> str:
    return str(ctx.options["kind"])


def _idp(ctx: Ctx) -> str | None:
    """The identity provider a protocol's URL names."""
    return ctx.params.get("idp_id") if _kind(ctx) == PROTOCOL else None


def _record_id(ctx: Ctx) -> str:
    if _kind(ctx) == PROTOCOL:
        return f"{ctx.params['idp_id']}/{ctx.params['protocol_id']}"
    return ctx.params.get("record_id") or ctx.params["idp_id"]


async def _body(ctx: Ctx) -> dict[str, Any]:
    body = await ctx.json_object()
    inner = body.get(_kind(ctx))
    if set(body) != {_kind(ctx)} or not isinstance(inner, dict):
        raise errors.BadRequest(f"Invalid input for field '{_kind(ctx)}': an object is required.")
    return inner


async def create(ctx: Ctx) -> Response:
    kind = _kind(ctx)
    record = await federation.create(ctx.cloud, ctx.caller, kind, _record_id(ctx), await _body(ctx))
    return json_response({kind: _view(ctx, kind, record, _idp(ctx))}, 201)


async def list_records(ctx: Ctx) -> Response:
    kind = _kind(ctx)
    filters = {k: ctx.query[k] for k in ("id", "enabled") if k in ctx.query}
    found = await federation.list_records(ctx.cloud, ctx.caller, kind, _idp(ctx), filters)
    key = "protocols" if kind == PROTOCOL else COLLECTIONS[kind]
    path = (f"{BASE}/identity_providers/{ctx.params['idp_id']}/protocols" if kind == PROTOCOL
            else f"{BASE}/{key}")
    return json_response({key: [_view(ctx, kind, r, _idp(ctx)) for r in found],
                          "links": list_links(ctx, path)})


async def show(ctx: Ctx) -> Response:
    kind = _kind(ctx)
    record = await federation.show(ctx.cloud, ctx.caller, kind, _record_id(ctx))
    return json_response({kind: _view(ctx, kind, record, _idp(ctx))})


async def update(ctx: Ctx) -> Response:
    kind = _kind(ctx)
    record = await federation.update(ctx.cloud, ctx.caller, kind, _record_id(ctx), await _body(ctx))
    return json_response({kind: _view(ctx, kind, record, _idp(ctx))})


async def delete(ctx: Ctx) -> Response:
    await federation.delete(ctx.cloud, ctx.caller, _kind(ctx), _record_id(ctx))
    return empty(204)
