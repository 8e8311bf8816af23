"""Compute os-networks (up to microversion 2.35): a read-only view of the Neutron networks the
caller can see, in nova-network's field names (admins see the extra system fields). Creating,
deleting and associating nova-networks answer 410 Gone, as in today's Nova."""

from __future__ import annotations

import ipaddress
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.agents import GONE
from pocketstack.api.compute.microversions import serves, since
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import network_proxies
from pocketstack.services.network_proxies import NovaNetwork
from pocketstack.services.records import SubnetRow
from pocketstack.timeutil import iso_plain

# Nova's MAX_PROXY_API_SUPPORT_VERSION: listing and showing are gone from 2.36 (the legacy /v2
# API keeps them); the nova-network writes answer 410 at every version, as in Nova.
PROXY = serves("2.0", "2.35", area="networks (proxy)", summary="GET /os-networks[/{id}]")
# The other nova-network proxies and their changes; pocketstack does not serve these APIs yet
# (os-fixed-ips, os-virtual-interfaces), so a request for them is answered 404 at any version.
since("2.4", "fixed IPs (proxy)", "os-fixed-ips would show `reserved`: pocketstack serves no "
      "os-fixed-ips yet")
since("2.12", "virtual interfaces", "os-virtual-interfaces would show `net_id`: pocketstack "
      "serves no os-virtual-interfaces yet")
since("2.44", "virtual interfaces", "GET /servers/{id}/os-virtual-interfaces gone (404); "
      "pocketstack never served it")
since("2.36", "proxy APIs", "os-fixed-ips, os-fping, os-volumes, os-snapshots...: never "
      "served (404)")

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
    row, subnets = item.network, item.subnets
    v4 = next((s for s in subnets if s.ip_version == 4), None)
    v6 = next((s for s in subnets if s.ip_version == 6), None)
    body: dict[str, Any] = {"id": row.id, **_v4(v4), **_v6(v6), "label": row.name}
    if is_admin:
        pools = (v4.allocation_pools or []) if v4 else []
        body.update({name: None for name in ADMIN_NONE})
        body.update({
            "created_at": iso_plain(row.created_at), "updated_at": iso_plain(row.updated_at),
            "deleted_at": None, "deleted": False, "project_id": row.project_id, "mtu": row.mtu,
            "enable_dhcp": bool(v4.enable_dhcp) if v4 else False,
            "dhcp_start": pools[0].get("start") if pools else None,
            "multi_host": False, "injected": False, "share_address": False})
    return body


async def list_networks(ctx: Ctx) -> Response:
    found = await network_proxies.list_networks(ctx.cloud, ctx.caller)
    return json_response({"networks": [view(item, ctx.is_admin) for item in found]})


async def show_network(ctx: Ctx) -> Response:
    item = await network_proxies.show_network(ctx.cloud, ctx.caller, ctx.params["network_id"])
    return json_response({"network": view(item, ctx.is_admin)})


async def gone(ctx: Ctx) -> Response:
    raise errors.ApiError(GONE, code=410)


ROUTES: list[Route] = [
    Route("GET", "/os-networks", list_networks, versions=PROXY),
    Route("POST", "/os-networks", gone),
    Route("POST", "/os-networks/add", gone),
    Route("GET", "/os-networks/{network_id}", show_network, versions=PROXY),
    Route("DELETE", "/os-networks/{network_id}", gone),
    Route("POST", "/os-networks/{network_id}/action", gone),
]
