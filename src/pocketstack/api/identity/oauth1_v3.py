"""/v3/OS-OAUTH1/consumers: OAuth1 consumers (admins only); the secret is shown once."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, StrictStr
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.identity.common import list_links, parse
from pocketstack.services import oauth1
from pocketstack.services.records import OAuthConsumerRow

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
