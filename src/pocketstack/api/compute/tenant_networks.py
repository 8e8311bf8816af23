"""Compute os-tenant-networks (up to microversion 2.35): the networks the caller's token sees
in the network service, as Nova renders them over Neutron (`cidr` is always the string
"None"). Creating and deleting answer 410 Gone at every version, as in today's Nova."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.compute.microversions import serves
from pocketstack.api.compute.networks import gone
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import network_proxies
from pocketstack.services.records import NetworkRow

PROXY = serves("2.0", "2.35", area="tenant networks (proxy)",
               summary="GET /os-tenant-networks[/{id}]")


def view(row: NetworkRow) -> dict[str, Any]:
    # Nova's network_dict: the Neutron network's id and name, and str(None) for the cidr.
    return {"id": row.id, "cidr": "None", "label": row.name}


async def list_tenant_networks(ctx: Ctx) -> Response:
    rows = await network_proxies.list_tenant_networks(ctx.cloud, ctx.caller)
    return json_response({"networks": [view(row) for row in rows]})


async def show_tenant_network(ctx: Ctx) -> Response:
    row = await network_proxies.show_tenant_network(ctx.cloud, ctx.caller,
                                                    ctx.params["network_id"])
    return json_response({"network": view(row)})


ROUTES: list[Route] = [
    Route("GET", "/os-tenant-networks", list_tenant_networks, versions=PROXY),
    Route("POST", "/os-tenant-networks", gone),
    Route("GET", "/os-tenant-networks/{network_id}", show_tenant_network, versions=PROXY),
    Route("DELETE", "/os-tenant-networks/{network_id}", gone),
]
