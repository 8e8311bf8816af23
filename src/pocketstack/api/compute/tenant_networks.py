"""Compute os-tenant-networks: the project's networks (and the shared ones) as {id, cidr, label},
served up to microversion 2.35; creating and deleting them is served by the legacy /v2 API as
in 2013, and answered 410 Gone under /v2.1, as today's Nova."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.compute.agents import legacy_only
from pocketstack.api.compute.microversions import LEGACY_V2, serves
from pocketstack.api.compute.networks_schema import network_spec
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import nova_networks
from pocketstack.services.nova_networks import TenantNetwork

PROXY = serves("2.0", "2.35", area="tenant networks (proxy)",
               summary="GET /os-tenant-networks[/{id}]")


def view(ctx: Ctx, item: TenantNetwork) -> dict[str, Any]:
    # Today's Nova renders Neutron's networks, which have no cidr: str(None). The legacy API
    # shows the network's own range, as 2013's nova-network did.
    cidr = item.cidr if ctx.version == LEGACY_V2 else "None"
    return {"id": item.id, "cidr": cidr, "label": item.label}


async def list_tenant_networks(ctx: Ctx) -> Response:
    found = await nova_networks.list_tenant_networks(ctx.cloud, ctx.caller)
    return json_response({"networks": [view(ctx, item) for item in found]})


async def show_tenant_network(ctx: Ctx) -> Response:
    item = await nova_networks.show_tenant_network(ctx.cloud, ctx.caller, ctx.params["network_id"])
    return json_response({"network": view(ctx, item)})


async def create_tenant_network(ctx: Ctx) -> Response:
    legacy_only(ctx)
    spec = network_spec(await ctx.json_object("network"), tenant=True)
    network_id = await nova_networks.create_tenant_network(ctx.cloud, ctx.caller, spec)
    item = await nova_networks.show_tenant_network(ctx.cloud, ctx.caller, network_id)
    return json_response({"network": view(ctx, item)})


async def delete_tenant_network(ctx: Ctx) -> Response:
    legacy_only(ctx)
    await nova_networks.delete_tenant_network(ctx.cloud, ctx.caller, ctx.params["network_id"])
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/os-tenant-networks", list_tenant_networks, versions=PROXY),
    Route("POST", "/os-tenant-networks", create_tenant_network),
    Route("GET", "/os-tenant-networks/{network_id}", show_tenant_network, versions=PROXY),
    Route("DELETE", "/os-tenant-networks/{network_id}", delete_tenant_network),
]
