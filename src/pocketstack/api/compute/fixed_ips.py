"""Compute os-fixed-ips (admin): show a fixed address with the server and host holding it, and
reserve or unreserve it. Served by the legacy /v2 API as in 2013; Nova removed the API, so
/v2.1 answers 410 Gone at every version."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.agents import legacy_only
from pocketstack.api.compute.microversions import since
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import nova_fixed_ips

since("2.4", "fixed IPs (proxy)", "os-fixed-ips would show `reserved`: Nova removed os-fixed-ips "
      "(410 at every version; the legacy /v2 API serves it as 2013's Nova did, without it)")


async def show_fixed_ip(ctx: Ctx) -> Response:
    legacy_only(ctx)
    info = await nova_fixed_ips.show_fixed_ip(ctx.cloud, ctx.caller, ctx.params["fixed_ip"])
    return json_response({"fixed_ip": {"address": info.address, "cidr": info.cidr,
                                       "hostname": info.hostname, "host": info.host}})


async def fixed_ip_action(ctx: Ctx) -> Response:
    """reserve / unreserve (the value is ignored, as Nova ignored it)."""
    legacy_only(ctx)
    body = await ctx.json_object()
    if "reserve" in body:
        reserved = True
    elif "unreserve" in body:
        reserved = False
    else:
        raise errors.BadRequest("No valid action specified")
    await nova_fixed_ips.set_reserved(ctx.cloud, ctx.caller, ctx.params["fixed_ip"], reserved)
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/os-fixed-ips/{fixed_ip}", show_fixed_ip),
    Route("POST", "/os-fixed-ips/{fixed_ip}/action", fixed_ip_action),
]
