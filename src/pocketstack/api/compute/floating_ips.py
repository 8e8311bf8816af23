"""Compute os-floating-ips and os-floating-ip-pools (Nova's proxy to the network service,
served up to microversion 2.35 and by the legacy /v2 API): list, show, allocate from a pool,
release."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.microversions import serves
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import network_proxies
from pocketstack.services.network_proxies import NovaFloatingIp

# Nova's MAX_PROXY_API_SUPPORT_VERSION.
PROXY = serves("2.0", "2.35", area="floating IPs (proxy)",
               summary="/os-floating-ips and /os-floating-ip-pools")


def view(item: NovaFloatingIp) -> dict[str, Any]:
    row = item.floating_ip
    return {"id": row.id, "ip": row.floating_ip_address, "pool": item.pool,
            "fixed_ip": row.fixed_ip_address, "instance_id": item.instance_id}


async def list_floating_ips(ctx: Ctx) -> Response:
    found = await network_proxies.list_floating_ips(ctx.cloud, ctx.caller)
    return json_response({"floating_ips": [view(item) for item in found]})


async def show_floating_ip(ctx: Ctx) -> Response:
    item = await network_proxies.show_floating_ip(ctx.cloud, ctx.caller,
                                                  ctx.params["floating_ip_id"])
    return json_response({"floating_ip": view(item)})


async def create_floating_ip(ctx: Ctx) -> Response:
    raw = await ctx.body()
    body = await ctx.json() if raw.strip() else {}
    if not isinstance(body, dict) or set(body) - {"pool"}:
        raise errors.BadRequest("Invalid input: only 'pool' may be given.")
    pool = body.get("pool")
    if pool is not None and not isinstance(pool, str):
        raise errors.BadRequest(f"Invalid input for field/attribute pool. Value: {pool}. "
                                f"{pool!r} is not of type 'string', 'null'")
    item = await network_proxies.create_floating_ip(ctx.cloud, ctx.caller, pool)
    return json_response({"floating_ip": view(item)})


async def delete_floating_ip(ctx: Ctx) -> Response:
    await network_proxies.delete_floating_ip(ctx.cloud, ctx.caller, ctx.params["floating_ip_id"])
    return empty(202)


async def list_pools(ctx: Ctx) -> Response:
    names = await network_proxies.list_floating_ip_pools(ctx.cloud, ctx.caller)
    return json_response({"floating_ip_pools": [{"name": name} for name in names]})


ROUTES: list[Route] = [
    Route("GET", "/os-floating-ips", list_floating_ips, versions=PROXY),
    Route("POST", "/os-floating-ips", create_floating_ip, versions=PROXY),
    Route("GET", "/os-floating-ips/{floating_ip_id}", show_floating_ip, versions=PROXY),
    Route("DELETE", "/os-floating-ips/{floating_ip_id}", delete_floating_ip, versions=PROXY),
    Route("GET", "/os-floating-ip-pools", list_pools, versions=PROXY),
]
