"""Network API v2.0: network IP availabilities (list with filters, show; admin only)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from pocketstack.api.http import Ctx
from pocketstack.api.network.query import Filter, integer, parse_list, select_fields
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


# An IPv6 subnet holds more than 2**64 addresses: these bodies are rendered by the standard
# library's JSON encoder, which writes integers of any size (as Neutron does).
async def list_network_ip_availabilities(ctx: Ctx) -> Response:
    query = parse_list(ctx, FILTERS)
    found = await network_ip_availability.list_availabilities(
        ctx.cloud, ctx.caller, filters={k: v for k, v in query.filters.items() if k in FILTERS})
    items = [select_fields(view(item), query.fields) for item in found]
    return JSONResponse({"network_ip_availabilities": items})


async def show_network_ip_availability(ctx: Ctx) -> Response:
    found = await network_ip_availability.show_availability(ctx.cloud, ctx.caller,
                                                            ctx.params["network_id"])
    fields = [f for f in ctx.query.getlist("fields") if f]
    return JSONResponse({"network_ip_availability": select_fields(view(found), fields)})


ROUTES: list[Route] = [
    Route("GET", "/v2.0/network-ip-availabilities", list_network_ip_availabilities),
    Route("GET", "/v2.0/network-ip-availabilities/{network_id}", show_network_ip_availability),
]
