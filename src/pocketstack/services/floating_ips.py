"""Floating IPs (records only): addresses of an external network's subnet, allocated to a
project and associated with one fixed address of one of its ports (Neutron's floatingips),
and the network API's use cases on them."""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import FixedIpRow, FloatingIpRow, NetworkRow, PortRow, SubnetRow
from pocketstack.db.wakes import wake_forwards
from pocketstack.services import ipam, l3_paths, network_quotas
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.listing import Page, apply_filters, paginate
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow


def not_found(floating_ip_id: str) -> errors.NotFound:
    return errors.NotFound(f"Floating IP {floating_ip_id} could not be found.", kind="FloatingIPNotFound")


def _visible(project_id: str, is_admin: bool) -> list[ColumnElement[bool]]:
    return [] if is_admin else [FloatingIpRow.project_id == project_id]


async def get_floating_ip(s: AsyncSession, floating_ip_id: str, *, project_id: str,
                          is_admin: bool) -> FloatingIpRow:
    row = await s.scalar(select(FloatingIpRow).where(FloatingIpRow.id == floating_ip_id,
                                                     *_visible(project_id, is_admin)))
    if row is None:
        raise not_found(floating_ip_id)
    return row


async def by_address(s: AsyncSession, address: str, *, project_id: str,
                     is_admin: bool) -> FloatingIpRow | None:
    return await s.scalar(select(FloatingIpRow).where(FloatingIpRow.floating_ip_address == address,
                                                      *_visible(project_id, is_admin)))


async def find_floating_ips(s: AsyncSession, *, project_id: str, is_admin: bool,
                            filters: dict[str, list[Any]], page: Page) -> list[FloatingIpRow]:
    query = apply_filters(select(FloatingIpRow).where(*_visible(project_id, is_admin)),
                          FloatingIpRow, filters)
    return await paginate(s, query, FloatingIpRow, page)


async def allocate(s: AsyncSession, project_id: str, network_id: str, *,
                   address: str | None = None, port_id: str | None = None,
                   fixed_ip: str | None = None, description: str = "",
                   is_admin: bool = False, limit: int = -1) -> FloatingIpRow:
    """Allocate an address of the external network to the project (409 past `limit`)."""
    held = await s.scalar(select(func.count()).select_from(FloatingIpRow)
                          .where(FloatingIpRow.project_id == project_id))
    if 0 <= limit <= int(held or 0):
        raise errors.Conflict("Quota exceeded for resources: ['floatingip'].", kind="OverQuota")
    network = await s.get(NetworkRow, network_id)
    if network is None:
        raise errors.NotFound(f"Network {network_id} could not be found.", kind="NetworkNotFound")
    if not network.external:
        raise errors.BadRequest(f"Bad floatingip request: Network {network_id} is not a valid "
                                "external network.")
    now = utcnow()
    row = FloatingIpRow(id=str(uuid.uuid4()), floating_network_id=network_id,
                        floating_ip_address=await _free_address(s, network_id, address),
                        port_id=None, fixed_ip_address=None, project_id=project_id,
                        status="DOWN", description=description, revision_number=1,
                        created_at=now, updated_at=now)
    s.add(row)
    if port_id is not None:
        await associate(s, row, port_id, fixed_ip, project_id=project_id, is_admin=is_admin)
    await s.flush()
    return row


async def _free_address(s: AsyncSession, network_id: str, wanted: str | None) -> str:
    subnets = list(await s.scalars(select(SubnetRow).where(SubnetRow.network_id == network_id,
                                                           SubnetRow.ip_version == 4)
                                   .order_by(SubnetRow.created_at, SubnetRow.id)))
    taken = set(await s.scalars(select(FloatingIpRow.floating_ip_address).where(
        FloatingIpRow.floating_network_id == network_id)))
    if wanted is not None:
        subnet = ipam.subnet_for_address(wanted, subnets)
        if subnet is None:
            raise errors.BadRequest(f"IP address {wanted} is not a valid IP for any of the "
                                    "subnets on the specified network.")
        canonical = str(ipaddress.ip_address(wanted))
        # A router's gateway port holds its address as a fixed IP.
        if canonical in taken or canonical in await ipam.used_addresses(s, subnet.id):
            raise errors.Conflict(f"IP address {canonical} already allocated in subnet "
                                  f"{subnet.id}", kind="IpAddressAlreadyAllocated")
        return canonical
    for subnet in subnets:
        used = taken | await ipam.used_addresses(s, subnet.id) | {subnet.gateway_ip or ""}
        for candidate in ipam.pool_addresses(subnet):
            if str(candidate) not in used:
                return str(candidate)
    raise errors.Conflict(f"No more IP addresses available on network {network_id}.",
                          kind="IpAddressGenerationFailure")


async def associate(s: AsyncSession, row: FloatingIpRow, port_id: str | None,
                    fixed_ip: str | None, *, project_id: str, is_admin: bool) -> FloatingIpRow:
    """Point the floating IP at a port's fixed address (its first IPv4 one by default), or
    at nothing when `port_id` is None."""
    if port_id is None:
        row.port_id, row.fixed_ip_address, row.status = None, None, "DOWN"
        row.router_id = None
    else:
        port = await s.scalar(select(PortRow).where(
            PortRow.id == port_id, *([] if is_admin else [PortRow.project_id == project_id])))
        if port is None:
            raise errors.NotFound(f"Port {port_id} could not be found.", kind="PortNotFound")
        if port.device_owner.startswith("network:"):
            raise errors.BadRequest(f"Bad floatingip request: Port {port.id} is unable to be "
                                    "assigned a floating IP.")
        address = await _port_address(s, port, fixed_ip, row)
        row.router_id = await _router_for(s, port, address, row.floating_network_id)
        row.port_id, row.fixed_ip_address, row.status = port.id, address, "ACTIVE"
    row.updated_at = utcnow()
    row.revision_number += 1
    await s.flush()
    return row


async def _router_for(s: AsyncSession, port: PortRow, address: str, network_id: str) -> str:
    """The router carrying the port's address to the floating network (404 when none does)."""
    subnet = await s.scalar(select(SubnetRow).join(FixedIpRow, FixedIpRow.subnet_id == SubnetRow.id)
                            .where(FixedIpRow.port_id == port.id, FixedIpRow.ip_address == address))
    if subnet is None:
        raise l3_paths.unreachable(network_id, "", port.id)
    return await l3_paths.router_for_floating_ip(s, port, subnet.id, subnet.gateway_ip, network_id)


async def _port_address(s: AsyncSession, port: PortRow, fixed_ip: str | None,
                        row: FloatingIpRow) -> str:
    addresses = [a for a in await s.scalars(select(FixedIpRow.ip_address).where(
        FixedIpRow.port_id == port.id).order_by(FixedIpRow.id))
        if ipaddress.ip_address(a).version == 4]
    if fixed_ip is not None and fixed_ip not in addresses:
        raise errors.BadRequest(f"Bad floatingip request: Port {port.id} does not have fixed ip "
                                f"{fixed_ip}.")
    if not addresses:
        raise errors.BadRequest(f"Bad floatingip request: Port {port.id} does not have any IPv4 "
                                "address.")
    chosen = fixed_ip or addresses[0]
    holder = await s.scalar(select(FloatingIpRow.id).where(
        FloatingIpRow.port_id == port.id, FloatingIpRow.fixed_ip_address == chosen,
        FloatingIpRow.id != row.id))
    if holder is not None:
        raise errors.Conflict(f"Cannot associate floating IP {row.floating_ip_address} "
                              f"({row.id}) with port {port.id} using fixed IP {chosen}, as that "
                              f"fixed IP already has a floating IP on external network "
                              f"{row.floating_network_id}.", kind="FloatingIPPortAlreadyAssociated")
    return chosen


async def release_fixed(s: AsyncSession, port_id: str, address: str) -> None:
    """Disassociate the floating IP bound to one fixed address that goes away."""
    wake_forwards(s)
    await s.execute(update(FloatingIpRow).where(FloatingIpRow.port_id == port_id,
                                                FloatingIpRow.fixed_ip_address == address)
                    .values(port_id=None, fixed_ip_address=None, router_id=None, status="DOWN")
                    .execution_options(synchronize_session=False))


# --- the network API's use cases ------------------------------------------------------------


async def list_floating_ips(cloud: Cloud, caller: Caller, *, filters: dict[str, list[Any]],
                            page: Page) -> list[FloatingIpRow]:
    async with cloud.db.reader() as s:
        return await find_floating_ips(s, project_id=caller.project_id, is_admin=caller.is_admin,
                                       filters=filters, page=page)


async def show_floating_ip(cloud: Cloud, caller: Caller, floating_ip_id: str) -> FloatingIpRow:
    authorize(caller, "network:floatingips:get")
    async with cloud.db.reader() as s:
        return await get_floating_ip(s, floating_ip_id, project_id=caller.project_id,
                                     is_admin=caller.is_admin)


@dataclass(frozen=True, slots=True)
class FloatingIpRequest:
    """A floating IP the network API is asked for: on `network_id`, for `owner` (default: the
    caller's project), at `address` if given, associated with `port_id` if given."""

    network_id: str
    owner: str | None = None
    address: str | None = None
    port_id: str | None = None
    fixed_ip: str | None = None
    description: str = ""


async def create_floating_ip(cloud: Cloud, caller: Caller,
                             request: FloatingIpRequest) -> FloatingIpRow:
    project_id = request.owner or caller.project_id
    authorize(caller, "network:floatingips:create")
    if project_id != caller.project_id:
        authorize(caller, "network:modify", project_id)
    async with cloud.db.session() as s:
        # The network API's own quota (GET /v2.0/quotas: floatingip), as Neutron enforces it.
        limits = await network_quotas.limits_for(s, project_id)
        return await allocate(s, project_id, request.network_id, address=request.address,
                              port_id=request.port_id, fixed_ip=request.fixed_ip,
                              description=request.description, is_admin=caller.is_admin,
                              limit=limits["floatingip"])


async def update_floating_ip(cloud: Cloud, caller: Caller, floating_ip_id: str,
                             changes: dict[str, Any]) -> FloatingIpRow:
    """Change the description, or (with port_id and fixed_ip_address) the association."""
    authorize(caller, "network:floatingips:update")
    async with cloud.db.session() as s:
        row = await get_floating_ip(s, floating_ip_id, project_id=caller.project_id,
                                    is_admin=caller.is_admin)
        if "description" in changes:
            row.description = changes["description"]
        if "port_id" in changes:
            await associate(s, row, changes["port_id"], changes.get("fixed_ip_address"),
                            project_id=caller.project_id, is_admin=caller.is_admin)
        row.updated_at = utcnow()
        await s.flush()
        return row


async def delete_floating_ip(cloud: Cloud, caller: Caller, floating_ip_id: str) -> None:
    authorize(caller, "network:floatingips:delete")
    async with cloud.db.session() as s:
        row = await get_floating_ip(s, floating_ip_id, project_id=caller.project_id,
                                    is_admin=caller.is_admin)
        await s.delete(row)
        await s.flush()
