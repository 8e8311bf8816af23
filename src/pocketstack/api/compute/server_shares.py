"""/servers/{id}/shares[/{share_id}] (2.97): the Shared File Systems shares mounted in a
server. pocketstack has no such service, so no server has a share; each route answers as
Nova's controller does then (services/server_shares.py)."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute import query_checks
from pocketstack.api.compute.attach_interfaces import uuid_field
from pocketstack.api.compute.microversions import serves
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import server_shares
from pocketstack.validation import invalid

SHARES = serves("2.97", area="server shares",
                summary="/servers/{id}/shares: none (no share service); attach: 409, "
                        "no virtio-fs host")
_SHARE_TAG = re.compile(r"^[a-zA-Z0-9-]*$")


def _share(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise errors.BadRequest(f"{body!r} is not of type 'object'")
    extra = sorted(set(body) - {"share"})
    if extra:
        listed = ", ".join(repr(k) for k in extra)
        raise errors.BadRequest(f"Additional properties are not allowed ({listed} "
                                f"{'was' if len(extra) == 1 else 'were'} unexpected)")
    if "share" not in body:
        raise errors.BadRequest("'share' is a required property")
    share = body["share"]
    if not isinstance(share, dict):
        raise invalid("share", share, f"{share!r} is not of type 'object'")
    extra = sorted(set(share) - {"share_id", "tag"})
    if extra:
        listed = ", ".join(repr(k) for k in extra)
        raise invalid("share", share, f"Additional properties are not allowed ({listed} "
                                      f"{'was' if len(extra) == 1 else 'were'} unexpected)")
    if "share_id" not in share:
        raise invalid("share", share, "'share_id' is a required property")
    uuid_field("share_id", share["share_id"])
    if "tag" in share:
        tag = share["tag"]
        if not isinstance(tag, str):
            raise invalid("tag", tag, f"{tag!r} is not of type 'string'")
        if not _SHARE_TAG.match(tag):
            raise invalid("tag", tag, f"{tag!r} does not match '^[a-zA-Z0-9-]*$'")
        if not tag:
            raise invalid("tag", tag, f"{tag!r} is too short")
        if len(tag) > 255:
            raise invalid("tag", tag, f"{tag!r} is too long")
    return share


async def list_shares(ctx: Ctx) -> Response:
    query_checks.strict(ctx, ())
    await server_shares.list_shares(ctx.cloud, ctx.caller, ctx.params["server_id"])
    return json_response({"shares": []})


async def show_share(ctx: Ctx) -> Response:
    query_checks.strict(ctx, ())
    await server_shares.show_share(ctx.cloud, ctx.caller, ctx.params["server_id"],
                                   ctx.params["share_id"])


async def attach_share(ctx: Ctx) -> Response:
    share = _share(await ctx.json())
    await server_shares.attach_share(ctx.cloud, ctx.caller, ctx.params["server_id"],
                                     str(share["share_id"]))


async def detach_share(ctx: Ctx) -> Response:
    await server_shares.detach_share(ctx.cloud, ctx.caller, ctx.params["server_id"],
                                     ctx.params["share_id"])


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/shares", list_shares, versions=SHARES),
    Route("POST", "/servers/{server_id}/shares", attach_share, versions=SHARES),
    Route("GET", "/servers/{server_id}/shares/{share_id}", show_share, versions=SHARES),
    Route("DELETE", "/servers/{server_id}/shares/{share_id}", detach_share, versions=SHARES),
]
