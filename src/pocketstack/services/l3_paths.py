"""How routers join networks (records only): the subnets a router joins and the overlap check
on them, which router, if any, carries a floating IP from an internal subnet to an external
network (Neutron's rule: an interface on the subnet and the gateway on the external network),
and the checks on an external network's router:external and is_default."""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pocketstack import errors
from pocketstack.db.models import FixedIpRow, NetworkRow, PortRow, SubnetRow

ROUTER_INTERFACE = "network:router_interface"
ROUTER_GATEWAY = "network:router_gateway"
ROUTER_OWNERS = (ROUTER_INTERFACE, ROUTER_GATEWAY)


def unreachable(external_network_id: str, subnet_id: str, port_id: str) -> errors.NotFound:
    return errors.NotFound(f"External network {external_network_id} is not reachable from subnet "
                           f"{subnet_id}.  Therefore, cannot associate Port {port_id} with a "
                           "Floating IP.", kind="ExternalGatewayForFloatingIPNotFound")


async def router_for_floating_ip(s: AsyncSession, port: PortRow, subnet_id: str,
                                 gateway_ip: str | None, external_network_id: str) -> str:
    """The router joining the port's subnet to the external network: the one whose interface
    holds the subnet's gateway address, else the first found; 404 when there is none."""
    interface, gateway = aliased(PortRow), aliased(PortRow)
    query = (select(interface.device_id, FixedIpRow.ip_address)
             .join(FixedIpRow, FixedIpRow.port_id == interface.id)
             .join(gateway, gateway.device_id == interface.device_id)
             .where(interface.network_id == port.network_id,
                    interface.device_owner == ROUTER_INTERFACE,
                    FixedIpRow.subnet_id == subnet_id,
                    gateway.network_id == external_network_id,
                    gateway.device_owner == ROUTER_GATEWAY)
             .order_by(interface.created_at, interface.id).distinct())
    found = list(await s.execute(query))
    for router_id, address in found:
        if address == gateway_ip:
            return str(router_id)
    if found:
        return str(found[0][0])
    raise unreachable(external_network_id, subnet_id, port.id)


async def attached_subnets(s: AsyncSession, router_id: str) -> list[SubnetRow]:
    """Every subnet of the router's interfaces, and every subnet of its gateway's network."""
    ports = list(await s.scalars(select(PortRow).where(PortRow.device_id == router_id,
                                                       PortRow.device_owner.in_(ROUTER_OWNERS))))
    interface_ids = [p.id for p in ports if p.device_owner == ROUTER_INTERFACE]
    gateway_networks = [p.network_id for p in ports if p.device_owner == ROUTER_GATEWAY]
    by_interface = select(FixedIpRow.subnet_id).where(FixedIpRow.port_id.in_(interface_ids))
    return list(await s.scalars(select(SubnetRow).where(
        SubnetRow.id.in_(by_interface) | SubnetRow.network_id.in_(gateway_networks))
        .order_by(SubnetRow.created_at, SubnetRow.id)))


async def check_overlap(s: AsyncSession, router_id: str, new: list[SubnetRow]) -> None:
    """400 when a subnet about to join the router is already on it or overlaps one that is."""
    current = await attached_subnets(s, router_id)
    known = {subnet.id for subnet in current}
    for subnet in new:
        if subnet.id in known:
            raise errors.BadRequest(f"Bad router request: Router already has a port on subnet "
                                    f"{subnet.id}.")
        for other in current:
            if ipaddress.ip_network(other.cidr).overlaps(ipaddress.ip_network(subnet.cidr)):
                raise errors.BadRequest(
                    f"Bad router request: Cidr {subnet.cidr} of subnet {subnet.id} overlaps with "
                    f"cidr {other.cidr} of subnet {other.id}.")


async def check_external_change(s: AsyncSession, row: NetworkRow, changes: dict[str, Any]) -> None:
    """router:external stays while routers have their gateway on the network; one external
    network at most is the default (is_default, admins only)."""
    if changes.get("external") is False and row.external:
        gateway = await s.scalar(select(PortRow.id).where(
            PortRow.network_id == row.id, PortRow.device_owner == ROUTER_GATEWAY).limit(1))
        if gateway is not None:
            raise errors.Conflict(f"External network {row.id} cannot be updated to be made "
                                  "non-external, since it has existing gateway ports.",
                                  kind="ExternalNetworkInUse")
        changes.setdefault("is_default", False)
    if changes.get("is_default"):
        if not changes.get("external", row.external):
            changes["is_default"] = False  # only an external network can be the default
        else:
            await check_default(s, row.id)


async def check_default(s: AsyncSession, network_id: str) -> None:
    """409 when another network already is the default external one."""
    other = await s.scalar(select(NetworkRow.id).where(NetworkRow.is_default.is_(True),
                                                       NetworkRow.id != network_id).limit(1))
    if other is not None:
        raise errors.Conflict(f"A default external network already exists: {other}.",
                              kind="DefaultExternalNetworkExists")
