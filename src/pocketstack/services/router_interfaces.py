"""Router interfaces (add_router_interface, remove_router_interface): a port of the router on
an internal subnet, made at the subnet's gateway address or taken over from an unused port."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import (
    FixedIpRow,
    FloatingIpRow,
    NetworkRow,
    PortRow,
    RouterRow,
    SubnetRow,
)
from pocketstack.services import ipam, l3_paths, networks, ports, routers, subnets
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.l3_paths import ROUTER_INTERFACE
from pocketstack.services.networks import PortSpec
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class InterfaceInfo:
    """What add/remove_router_interface answer: the router, its port and the port's subnets."""

    router_id: str
    project_id: str
    port_id: str
    network_id: str
    subnet_ids: list[str]


def _bad(message: str) -> errors.BadRequest:
    return errors.BadRequest(f"Bad router request: {message}.")


async def _router(s: AsyncSession, caller: Caller, router_id: str) -> RouterRow:
    row = await routers.get_router(s, caller, router_id)
    authorize(caller, "network:modify", row.project_id)
    return row


async def _subnets_of(s: AsyncSession, port_id: str) -> list[SubnetRow]:
    ids = select(FixedIpRow.subnet_id).where(FixedIpRow.port_id == port_id)
    return list(await s.scalars(select(SubnetRow).where(SubnetRow.id.in_(ids))
                                .order_by(SubnetRow.created_at, SubnetRow.id)))


async def _by_subnet(s: AsyncSession, caller: Caller, row: RouterRow, subnet_id: str) -> PortRow:
    subnet = await subnets.get_subnet(s, subnet_id, project_id=caller.project_id,
                                      is_admin=caller.is_admin)
    if not subnet.gateway_ip:
        raise _bad("Subnet for router interface must have a gateway IP")
    network = await s.get(NetworkRow, subnet.network_id)
    if not caller.is_admin and subnet.project_id != caller.project_id and network is not None \
            and network.shared:
        raise _bad(f"Cannot add interface to router because subnet {subnet.id} is not owned by "
                   "project making the request")
    return await attach_subnet(s, row, subnet)


async def attach_subnet(s: AsyncSession, row: RouterRow, subnet: SubnetRow) -> PortRow:
    """A new interface port of the router at the subnet's gateway address (checked first)."""
    if not subnet.gateway_ip:
        raise _bad("Subnet for router interface must have a gateway IP")
    await l3_paths.check_overlap(s, row.id, [subnet])
    port = await networks.create_port(s, row.project_id, PortSpec(
        network_id=subnet.network_id, device_id=row.id, device_owner=ROUTER_INTERFACE,
        status="ACTIVE", fixed_ips=[], security_groups=[]))
    await ipam.claim_address(s, port.id, subnet.id, subnet.gateway_ip)
    await s.flush()
    return port


async def _by_port(s: AsyncSession, caller: Caller, row: RouterRow, port_id: str) -> PortRow:
    port = await ports.get_port(s, port_id, project_id=caller.project_id, is_admin=caller.is_admin)
    if port.device_id:
        raise errors.Conflict(f"Unable to complete operation on port {port.id} for network "
                              f"{port.network_id}. Port already has an attached device "
                              f"{port.device_id}.", kind="PortInUse")
    attached = await _subnets_of(s, port.id)
    if not attached:
        raise _bad("Router port must have at least one fixed IP")
    if len([subnet for subnet in attached if subnet.ip_version == 4]) > 1:
        raise _bad("Cannot have multiple IPv4 subnets on router port")
    await l3_paths.check_overlap(s, row.id, attached)
    port.device_id, port.device_owner, port.status = row.id, ROUTER_INTERFACE, "ACTIVE"
    port.security_groups = []
    port.updated_at = utcnow()
    port.revision_number += 1
    return port


async def add_router_interface(cloud: Cloud, caller: Caller, router_id: str, *,
                               subnet_id: str | None, port_id: str | None) -> InterfaceInfo:
    """Join a subnet (a new port at its gateway address) or an unused port to the router."""
    async with cloud.db.session() as s:
        row = await _router(s, caller, router_id)
        if port_id is not None:
            port = await _by_port(s, caller, row, port_id)
        else:
            port = await _by_subnet(s, caller, row, subnet_id or "")
        row.updated_at, row.revision_number = utcnow(), row.revision_number + 1
        await s.flush()
        return InterfaceInfo(row.id, port.project_id, port.id, port.network_id,
                             [subnet.id for subnet in await _subnets_of(s, port.id)])


async def _check_not_in_use(s: AsyncSession, row: RouterRow, subnet: SubnetRow) -> None:
    """409 while a floating IP through the router or an extra route needs the subnet."""
    cidr = ipaddress.ip_network(subnet.cidr)
    on_subnet = select(FixedIpRow.port_id).where(FixedIpRow.subnet_id == subnet.id)
    for address in await s.scalars(select(FloatingIpRow.fixed_ip_address).where(
            FloatingIpRow.router_id == row.id, FloatingIpRow.port_id.in_(on_subnet))):
        if address is not None and ipaddress.ip_address(address) in cidr:
            raise errors.Conflict(f"Router interface for subnet {subnet.id} on router {row.id} "
                                  "cannot be deleted, as it is required by one or more floating "
                                  "IPs.", kind="RouterInterfaceInUseByFloatingIP")
    for route in row.routes:
        nexthop = ipaddress.ip_address(route["nexthop"])
        if nexthop.version == cidr.version and nexthop in cidr:
            raise errors.Conflict(f"Router interface for subnet {subnet.id} on router {row.id} "
                                  "cannot be deleted, as it is required by one or more routes.",
                                  kind="RouterInterfaceInUseByRoute")


async def _interface_by_port(s: AsyncSession, row: RouterRow, port_id: str,
                             subnet_id: str | None) -> tuple[PortRow, list[SubnetRow]]:
    port = await s.scalar(select(PortRow).where(PortRow.id == port_id, PortRow.device_id == row.id,
                                                PortRow.device_owner == ROUTER_INTERFACE))
    if port is None:
        raise errors.NotFound(f"Router {row.id} does not have an interface with id {port_id}",
                              kind="RouterInterfaceNotFound")
    attached = await _subnets_of(s, port.id)
    if subnet_id is not None and subnet_id not in {subnet.id for subnet in attached}:
        raise errors.BadRequest(f"Subnet on port {port.id} does not match the requested subnet "
                                f"{subnet_id}.", kind="SubnetMismatchForPort")
    return port, attached


async def _interface_by_subnet(s: AsyncSession, caller: Caller, row: RouterRow,
                               subnet_id: str) -> tuple[PortRow, list[SubnetRow]]:
    subnet = await subnets.get_subnet(s, subnet_id, project_id=caller.project_id,
                                      is_admin=caller.is_admin)
    port = await s.scalar(select(PortRow).where(
        PortRow.device_id == row.id, PortRow.device_owner == ROUTER_INTERFACE,
        PortRow.id.in_(select(FixedIpRow.port_id).where(FixedIpRow.subnet_id == subnet.id))))
    if port is None:
        raise errors.NotFound(f"Router {row.id} has no interface on subnet {subnet.id}",
                              kind="RouterInterfaceNotFoundForSubnet")
    return port, [subnet]


async def remove_router_interface(cloud: Cloud, caller: Caller, router_id: str, *,
                                  subnet_id: str | None, port_id: str | None) -> InterfaceInfo:
    """Delete the router's port on a subnet (or the given one, whose subnet must match)."""
    async with cloud.db.session() as s:
        row = await _router(s, caller, router_id)
        if port_id is not None:
            port, attached = await _interface_by_port(s, row, port_id, subnet_id)
        else:
            port, attached = await _interface_by_subnet(s, caller, row, subnet_id or "")
        for subnet in attached:
            await _check_not_in_use(s, row, subnet)
        info = InterfaceInfo(row.id, port.project_id, port.id, port.network_id,
                             [subnet.id for subnet in attached])
        await s.execute(delete(FixedIpRow).where(FixedIpRow.port_id == port.id))
        await s.execute(delete(PortRow).where(PortRow.id == port.id))
        row.updated_at, row.revision_number = utcnow(), row.revision_number + 1
        await s.flush()
        return info
