"""A server's networking changed through Nova's actions: security groups by name on all its
ports, fixed IPs added on a network or removed by address, floating IPs (un)associated.
Records only: nothing reaches the guest.

Each use case authorizes first (403 before 404), then loads the caller's server; the fixed IP
actions also refuse a locked server and are recorded as instance actions, as Nova's are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import FixedIpRow, PortRow, SecurityGroupRow, ServerRow, SubnetRow
from pocketstack.services import floating_ips, ipam
from pocketstack.services import security_groups as groups_service
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.server_lifecycle import check_unlocked, record
from pocketstack.services.servers import load
from pocketstack.timeutil import utcnow

Change = Callable[[AsyncSession, ServerRow], Awaitable[None]]


async def _change(cloud: Cloud, caller: Caller, server_id: str, policy: str, change: Change, *,
                  recorded_as: str | None = None) -> None:
    authorize(caller, policy)
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        if recorded_as is not None:
            check_unlocked(row, caller)
        await change(s, row)
        if recorded_as is not None:
            await record(s, caller, row, recorded_as)


async def add_server_security_group(cloud: Cloud, caller: Caller, server_id: str,
                                    name: str) -> None:
    await _change(cloud, caller, server_id, "compute:os-security-groups:add",
                  lambda s, row: add_security_group(s, row, name))


async def remove_server_security_group(cloud: Cloud, caller: Caller, server_id: str,
                                       name: str) -> None:
    await _change(cloud, caller, server_id, "compute:os-security-groups:remove",
                  lambda s, row: remove_security_group(s, row, name))


async def add_server_fixed_ip(cloud: Cloud, caller: Caller, server_id: str,
                              network_id: str) -> None:
    await _change(cloud, caller, server_id, "compute:os-multinic:add",
                  lambda s, row: add_fixed_ip(s, row, network_id), recorded_as="addFixedIp")


async def remove_server_fixed_ip(cloud: Cloud, caller: Caller, server_id: str,
                                 address: str) -> None:
    await _change(cloud, caller, server_id, "compute:os-multinic:remove",
                  lambda s, row: remove_fixed_ip(s, row, address), recorded_as="removeFixedIp")


async def add_server_floating_ip(cloud: Cloud, caller: Caller, server_id: str, address: str,
                                 fixed_address: str | None) -> None:
    await _change(cloud, caller, server_id, "compute:os-floating-ips:add",
                  lambda s, row: add_floating_ip(s, row, address, fixed_address,
                                                 is_admin=caller.is_admin))


async def remove_server_floating_ip(cloud: Cloud, caller: Caller, server_id: str,
                                    address: str) -> None:
    await _change(cloud, caller, server_id, "compute:os-floating-ips:remove",
                  lambda s, row: remove_floating_ip(s, row, address, is_admin=caller.is_admin))


async def _ports(s: AsyncSession, server_id: str) -> list[PortRow]:
    return list(await s.scalars(select(PortRow).where(PortRow.device_id == server_id)
                                .order_by(PortRow.created_at, PortRow.id)))


async def _group(s: AsyncSession, project_id: str, name: str) -> SecurityGroupRow:
    if name == groups_service.DEFAULT_NAME:
        return await groups_service.ensure_default_group(s, project_id)
    group = await s.scalar(select(SecurityGroupRow).where(
        SecurityGroupRow.project_id == project_id,
        or_(SecurityGroupRow.name == name, SecurityGroupRow.id == name)).limit(1))
    if group is None:
        raise errors.NotFound(f"Security group {name} is not found for project {project_id}")
    return group


async def add_security_group(s: AsyncSession, row: ServerRow, name: str) -> None:
    """Add the group to every port (adding it again changes nothing, as with Neutron)."""
    group = await _group(s, row.project_id, name)
    for port in await _ports(s, row.id):
        if group.id not in (port.security_groups or []):
            port.security_groups = [*(port.security_groups or []), group.id]
            _touch(port)
    if group.name not in _names(row):
        row.security_groups = [*row.security_groups, {"name": group.name}]
    row.updated_at = utcnow()
    await s.flush()


async def remove_security_group(s: AsyncSession, row: ServerRow, name: str) -> None:
    group = await _group(s, row.project_id, name)
    ports = await _ports(s, row.id)
    if not any(group.id in (p.security_groups or []) for p in ports) and group.name not in _names(row):
        raise errors.NotFound(f"Security group {name} not associated with the instance {row.id}")
    for port in ports:
        port.security_groups = [g for g in (port.security_groups or []) if g != group.id]
        _touch(port)
    row.security_groups = [g for g in row.security_groups if g.get("name") != group.name]
    row.updated_at = utcnow()
    await s.flush()


def _names(row: ServerRow) -> set[str]:
    return {str(g.get("name")) for g in row.security_groups or []}


def _touch(port: PortRow) -> None:
    port.updated_at = utcnow()
    port.revision_number += 1


async def add_fixed_ip(s: AsyncSession, row: ServerRow, network_id: str) -> None:
    """One more address for the server's port on that network (Nova's multinic)."""
    port = next((p for p in await _ports(s, row.id) if p.network_id == network_id), None)
    if port is None:
        raise errors.NotFound(f"Network could not be found for instance {row.id}.")
    subnets = list(await s.scalars(select(SubnetRow).where(SubnetRow.network_id == network_id)
                                   .order_by(SubnetRow.created_at, SubnetRow.id)))
    if await ipam.allocate_any(s, port.id, subnets) is None:
        raise errors.BadRequest(f"No more IP addresses available on network {network_id}.")
    _touch(port)
    await s.flush()


async def remove_fixed_ip(s: AsyncSession, row: ServerRow, address: str) -> None:
    ports = {p.id: p for p in await _ports(s, row.id)}
    fixed = await s.scalar(select(FixedIpRow).where(FixedIpRow.port_id.in_(list(ports)),
                                                    FixedIpRow.ip_address == address))
    if fixed is None:
        raise errors.BadRequest(f"Instance {row.id} doesn't have fixed IP '{address}'.")
    await floating_ips.release_fixed(s, fixed.port_id, address)
    await s.execute(delete(FixedIpRow).where(FixedIpRow.id == fixed.id))
    _touch(ports[fixed.port_id])
    await s.flush()


async def add_floating_ip(s: AsyncSession, row: ServerRow, address: str,
                          fixed_address: str | None, *, is_admin: bool) -> None:
    floating = await floating_ips.by_address(s, address, project_id=row.project_id,
                                             is_admin=is_admin)
    if floating is None:
        raise errors.NotFound("floating IP not found")
    ports = await _ports(s, row.id)
    if not ports:
        raise errors.BadRequest("No fixed IPs associated to instance")
    port = ports[0]
    if fixed_address is not None:
        holder = await s.scalar(select(FixedIpRow.port_id).where(
            FixedIpRow.port_id.in_([p.id for p in ports]), FixedIpRow.ip_address == fixed_address))
        if holder is None:
            raise errors.BadRequest("Specified fixed address not assigned to instance")
        port = next(p for p in ports if p.id == holder)
    try:
        await floating_ips.associate(s, floating, port.id, fixed_address,
                                     project_id=row.project_id, is_admin=is_admin)
    except errors.Conflict as exc:
        # Nova turns the network service's conflict into FloatingIpAssociateFailed: a 400.
        raise errors.BadRequest(exc.message) from None
    except errors.NotFound as exc:
        if exc.kind != "ExternalGatewayForFloatingIPNotFound":
            raise
        # No router joins the port's subnet to the floating network: any other error of the
        # network service is Nova's catch-all 400.
        raise errors.BadRequest(f"Unable to associate floating IP {address} to fixed IP "
                                f"{fixed_address or await _first_ipv4(s, port.id)} for instance "
                                f"{row.id}. Error: {exc.message}") from None


async def _first_ipv4(s: AsyncSession, port_id: str) -> str:
    addresses = await s.scalars(select(FixedIpRow.ip_address).where(FixedIpRow.port_id == port_id)
                                .order_by(FixedIpRow.id))
    return next((a for a in addresses if ":" not in a), "")


async def remove_floating_ip(s: AsyncSession, row: ServerRow, address: str, *,
                             is_admin: bool) -> None:
    floating = await floating_ips.by_address(s, address, project_id=row.project_id,
                                             is_admin=is_admin)
    if floating is None:
        raise errors.NotFound("floating IP not found")
    port_ids = {p.id for p in await _ports(s, row.id)}
    if floating.port_id not in port_ids:
        raise errors.Conflict(f"Floating IP {address} is not associated with instance {row.id}.")
    await floating_ips.associate(s, floating, None, None, project_id=row.project_id,
                                 is_admin=is_admin)
