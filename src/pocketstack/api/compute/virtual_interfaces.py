"""Compute os-virtual-interfaces: a server's ports with their MAC addresses (the ones its
addresses show as OS-EXT-IPS-MAC:mac_addr), as 2013's Nova listed its virtual interfaces.
Served by the legacy /v2 API and under /v2.1 up to microversion 2.43 (`net_id` from 2.12),
as the API reference documents it; 404 from 2.44, where Nova deprecated it."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.compute import query_checks
from pocketstack.api.compute.microversions import serves, since
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import network_proxies
from pocketstack.services.network_proxies import VirtualInterface

SERVED = serves("2.0", "2.43", area="virtual interfaces",
                summary="GET /servers/{id}/os-virtual-interfaces")
NET_ID = since("2.12", "virtual interfaces", "os-virtual-interfaces shows each one's `net_id`")
# Nova's max_limit for its offset-paged lists.
MAX_LIMIT = 1000


def view(item: VirtualInterface, version: tuple[int, int]) -> dict[str, Any]:
    body = {"id": item.id, "mac_address": item.mac_address}
    if version >= NET_ID:
        body["net_id"] = item.net_id
    return body


async def list_virtual_interfaces(ctx: Ctx) -> Response:
    limit = query_checks.non_negatives(ctx, "limit")
    offset = query_checks.non_negatives(ctx, "offset") or 0
    found = await network_proxies.list_virtual_interfaces(
        ctx.cloud, ctx.caller, ctx.params["server_id"],
        limit=MAX_LIMIT if limit is None else min(limit, MAX_LIMIT), offset=offset)
    return json_response({"virtual_interfaces": [view(item, ctx.version) for item in found]})


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/os-virtual-interfaces", list_virtual_interfaces,
          versions=SERVED),
]
