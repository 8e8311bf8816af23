"""Network API v2.0: network IP availabilities (list with filters, show; admin only)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.http import Ctx
from pocketstack.api.network.query import (
    Filter,
    integer,
    list_response,
    parse_list,
    show_response,
)
from pocketstack.api.routing import Route
from pocketstack.services import network_ip_availability
from pocketstack.services.network_ip_availability import NetworkAvailability

FILTERS = {
    "network_id": Filter("network_id"),
    "network_name": Filter("network_name"),
    "project_id": Filter("project_id"),
    "tenant_id": Filter("project_id"),
    "ip_version": Filter("ip_version", integer),
}


def view(found: NetworkAvailability) -> dict[str, Any]:
    row = found.network
    return {
        "network_id": row.id,
        "network_name": row.name,
        "project_id": row.project_id,
        "tenant_id": row.project_id,
        "total_ips": found.total_ips,
        "used_ips": found.used_ips,
        "subnet_ip_availability": [
            {"subnet_id": item.subnet.id, "subnet_name": item.subnet.name,
             "cidr": item.subnet.cidr, "ip_version": item.subnet.ip_version,
             "total_ips": item.total_ips, "used_ips": item.used_ips}
            for item in found.subnets],
    }


async def list_network_ip_availabilities(ctx: Ctx) -> Response:
    query = parse_list(ctx, FILTERS)
    found = await network_ip_availability.list_availabilities(
        ctx.cloud, ctx.caller, filters={k: v for k, v in query.filters.items() if k in FILTERS})
    return list_response(ctx, "network_ip_availabilities", [view(item) for item in found],
                         query)


async def show_network_ip_availability(ctx: Ctx) -> Response:
    found = await network_ip_availability.show_availability(ctx.cloud, ctx.caller,
                                                            ctx.params["network_id"])
    return show_response(ctx, "network_ip_availability", view(found))


ROUTES: list[Route] = [
    Route("GET", "/v2.0/network-ip-availabilities", list_network_ip_availabilities),
    Route("GET", "/v2.0/network-ip-availabilities/{network_id}", show_network_ip_availability),
]
