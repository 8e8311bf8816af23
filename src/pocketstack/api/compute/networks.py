"""Compute os-networks: the networks the caller can see, in nova-network's field names (admins
see the extra system fields), served up to microversion 2.35. The legacy /v2 API also creates,
deletes, associates (os-networks-associate) and adds networks as 2013's nova-network did;
/v2.1 answers those 410 Gone, as today's Nova."""

from __future__ import annotations

import ipaddress
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.agents import legacy_only
from pocketstack.api.compute.microversions import serves, since
from pocketstack.api.compute.networks_schema import network_spec
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import network_proxies, nova_networks
from pocketstack.services.network_proxies import NovaNetwork
from pocketstack.services.records import SubnetRow
from pocketstack.timeutil import iso_plain

# Nova's MAX_PROXY_API_SUPPORT_VERSION: listing and showing are gone from 2.36 (the legacy /v2
# API keeps them); the nova-network writes answer 410 at every version of /v2.1, as in Nova.
PROXY = serves("2.0", "2.35", area="networks (proxy)", summary="GET /os-networks[/{id}]")
since("2.36", "proxy APIs", "os-fping and the other proxies: never served (404)")

ADMIN_NONE = ("injected", "bridge", "vlan", "vpn_public_address", "vpn_public_port",
              "vpn_private_address", "host", "bridge_interface", "multi_host", "priority",
              "rxtx_base", "dhcp_server", "share_address")


def _v4(subnet: SubnetRow | None) -> dict[str, Any]:
    if subnet is None:
        return {"cidr": None, "netmask": None, "gateway": None, "broadcast": None,
                "dns1": None, "dns2": None}
    network = ipaddress.ip_network(subnet.cidr, strict=False)
    dns = [*(subnet.dns_nameservers or []), None, None]
    return {"cidr": str(network), "netmask": str(network.netmask), "gateway": subnet.gateway_ip,
            "broadcast": str(network.broadcast_address), "dns1": dns[0], "dns2": dns[1]}


def _v6(subnet: SubnetRow | None) -> dict[str, Any]:
    if subnet is None:
        return {"cidr_v6": None, "gateway_v6": None, "netmask_v6": None}
    network = ipaddress.ip_network(subnet.cidr, strict=False)
    return {"cidr_v6": str(network), "gateway_v6": subnet.gateway_ip,
            "netmask_v6": str(network.prefixlen)}


def view(item: NovaNetwork, is_admin: bool) -> dict[str, Any]:
    """nova-network's fields; what os-networks create was given of its own (bridge, vlan, ...)
    shows as given, the rest as a network of the network API would."""
    row, subnets = item.network, item.subnets
    v4 = next((s for s in subnets if s.ip_version == 4), None)
    v6 = next((s for s in subnets if s.ip_version == 6), None)
    body: dict[str, Any] = {"id": row.id, **_v4(v4), **_v6(v6), "label": row.name}
    if is_admin:
        pools = (v4.allocation_pools or []) if v4 else []
        body.update({name: None for name in ADMIN_NONE})
        body.update({
            "created_at": iso_plain(row.created_at), "updated_at": iso_plain(row.updated_at),
            "deleted_at": None, "deleted": False, "project_id": row.project_id or None,
            "mtu": row.mtu, "enable_dhcp": bool(v4.enable_dhcp) if v4 else False,
            "dhcp_start": pools[0].get("start") if pools else None,
            "multi_host": False, "injected": False, "share_address": False})
        body.update({k: v for k, v in item.fields.items() if k in ADMIN_NONE})
        body["host"] = item.host
    return body


async def list_networks(ctx: Ctx) -> Response:
    found = await network_proxies.list_networks(ctx.cloud, ctx.caller)
    return json_response({"networks": [view(item, ctx.is_admin) for item in found]})


async def show_network(ctx: Ctx) -> Response:
    item = await network_proxies.show_network(ctx.cloud, ctx.caller, ctx.params["network_id"])
    return json_response({"network": view(item, ctx.is_admin)})


async def create_network(ctx: Ctx) -> Response:
    legacy_only(ctx)
    spec = network_spec(await ctx.json_object("network"), tenant=False)
    network_id = await nova_networks.create_network(ctx.cloud, ctx.caller, spec)
    item = await network_proxies.show_network(ctx.cloud, ctx.caller, network_id)
    return json_response({"network": view(item, ctx.is_admin)})


async def delete_network(ctx: Ctx) -> Response:
    legacy_only(ctx)
    await nova_networks.delete_network(ctx.cloud, ctx.caller, ctx.params["network_id"])
    return empty(202)


async def add_network(ctx: Ctx) -> Response:
    """Associate a network (`id`; null: any free one) with the caller's project."""
    legacy_only(ctx)
    body = await ctx.json_object()
    if set(body) != {"id"} or not isinstance(body["id"], str | None):
        raise errors.BadRequest("Invalid input for field/attribute id: a body {\"id\": "
                                "<network id or null>} is required.")
    await nova_networks.add_network_to_project(ctx.cloud, ctx.caller, body["id"])
    return empty(202)


# Each action's changes to the network's associations (os-networks and os-networks-associate).
ACTIONS: dict[str, dict[str, Any]] = {
    "disassociate": {"host": None, "project": None},
    "disassociate_host": {"host": None},
    "disassociate_project": {"project": None},
}


async def network_action(ctx: Ctx) -> Response:
    legacy_only(ctx)
    body = await ctx.json_object()
    if len(body) != 1 or next(iter(body)) not in {*ACTIONS, "associate_host"}:
        raise errors.BadRequest("There is no such action: " + ", ".join(sorted(body)))
    ((name, value),) = body.items()
    changes = ACTIONS.get(name)
    if changes is None:
        if not isinstance(value, str) or not value.strip() or len(value) > 255:
            raise errors.BadRequest(f"Invalid input for field/attribute associate_host. "
                                    f"Value: {value}. A host name is required.")
        changes = {"host": value}
    await nova_networks.associate(ctx.cloud, ctx.caller, ctx.params["network_id"], **changes)
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/os-networks", list_networks, versions=PROXY),
    Route("POST", "/os-networks", create_network),
    Route("POST", "/os-networks/add", add_network),
    Route("GET", "/os-networks/{network_id}", show_network, versions=PROXY),
    Route("DELETE", "/os-networks/{network_id}", delete_network),
    Route("POST", "/os-networks/{network_id}/action", network_action),
]
