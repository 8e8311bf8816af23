"""Nova's proxies to the network service: os-networks, os-floating-ips and os-floating-ip-pools
(present up to microversion 2.35) and os-virtual-interfaces, with Nova's policy, lookups and
error messages over the network records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import FloatingIpRow, NetworkRow, NovaNetworkRow, PortRow, SubnetRow
from pocketstack.services import floating_ips, networks, nova_networks, quotas, servers
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.listing import Page
from pocketstack.services.policy import authorize

# --- os-networks --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NovaNetwork:
    """A network with its subnets, from which nova-network's fields are drawn, and what
    os-networks keeps beside it (the associated host, nova-network's own fields)."""

    network: NetworkRow
    subnets: list[SubnetRow]
    host: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)


async def _subnets(s: AsyncSession, network_ids: list[str]) -> dict[str, list[SubnetRow]]:
    found: dict[str, list[SubnetRow]] = {network_id: [] for network_id in network_ids}
    rows = await s.scalars(select(SubnetRow).where(SubnetRow.network_id.in_(network_ids))
                           .order_by(SubnetRow.created_at, SubnetRow.id))
    for subnet in rows:
        found[subnet.network_id].append(subnet)
    return found


def _nova_visible(caller: Caller) -> list[ColumnElement[bool]]:
    """What the network API shows the caller, and the networks of no project, which
    nova-network showed every project beside its own ("allow_none")."""
    conditions = networks.visible_networks(caller.project_id, caller.is_admin)
    if not conditions:
        return []
    return [or_(*conditions, NetworkRow.project_id == nova_networks.UNASSOCIATED)]


async def list_networks(cloud: Cloud, caller: Caller) -> list[NovaNetwork]:
    """The networks the caller can see (admins: every network)."""
    authorize(caller, "compute:os-networks:list")
    async with cloud.db.reader() as s:
        rows = list(await s.scalars(select(NetworkRow).where(*_nova_visible(caller))
                                    .order_by(NetworkRow.created_at, NetworkRow.id)))
        subnets = await _subnets(s, [r.id for r in rows])
        extra = await nova_networks.nova_rows(s, [r.id for r in rows])
    return [_nova_network(r, subnets[r.id], extra.get(r.id)) for r in rows]


def _nova_network(row: NetworkRow, subnets: list[SubnetRow],
                  extra: NovaNetworkRow | None) -> NovaNetwork:
    if extra is None:
        return NovaNetwork(row, subnets)
    return NovaNetwork(row, subnets, extra.host, dict(extra.fields or {}))


async def show_network(cloud: Cloud, caller: Caller, network_id: str) -> NovaNetwork:
    authorize(caller, "compute:os-networks:show")
    async with cloud.db.reader() as s:
        row = await s.scalar(select(NetworkRow).where(NetworkRow.id == network_id,
                                                      *_nova_visible(caller)))
        if row is None:
            raise errors.NotFound(nova_networks.NOT_FOUND)
        extra = (await nova_networks.nova_rows(s, [row.id])).get(row.id)
        return _nova_network(row, (await _subnets(s, [row.id]))[row.id], extra)


# --- os-floating-ips and os-floating-ip-pools ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class NovaFloatingIp:
    """A floating IP with the name of its pool (its network) and the server it points at."""

    floating_ip: FloatingIpRow
    pool: str | None
    instance_id: str | None


async def _nova_floating_ips(s: AsyncSession, rows: list[FloatingIpRow]) -> list[NovaFloatingIp]:
    pools = {n.id: n.name or n.id for n in await s.scalars(select(NetworkRow).where(
        NetworkRow.id.in_({r.floating_network_id for r in rows})))}
    devices = {p.id: p.device_id or None for p in await s.scalars(select(PortRow).where(
        PortRow.id.in_({r.port_id for r in rows if r.port_id})))}
    return [NovaFloatingIp(r, pools.get(r.floating_network_id),
                           devices.get(r.port_id) if r.port_id else None) for r in rows]


async def _own_floating_ip(s: AsyncSession, caller: Caller, floating_ip_id: str) -> FloatingIpRow:
    """One of the caller's project's floating IPs (Nova looks in that project only, even for
    an admin)."""
    try:
        return await floating_ips.get_floating_ip(s, floating_ip_id, project_id=caller.project_id,
                                                  is_admin=False)
    except errors.NotFound:
        raise errors.NotFound(f"Floating IP not found for ID {floating_ip_id}") from None


async def list_floating_ips(cloud: Cloud, caller: Caller) -> list[NovaFloatingIp]:
    authorize(caller, "compute:os-floating-ips:list")
    async with cloud.db.reader() as s:
        rows = await floating_ips.find_floating_ips(s, project_id=caller.project_id,
                                                    is_admin=False, filters={}, page=Page())
        return await _nova_floating_ips(s, rows)


async def show_floating_ip(cloud: Cloud, caller: Caller, floating_ip_id: str) -> NovaFloatingIp:
    authorize(caller, "compute:os-floating-ips:show")
    async with cloud.db.reader() as s:
        (item,) = await _nova_floating_ips(s, [await _own_floating_ip(s, caller, floating_ip_id)])
        return item


async def show_floating_ip_by_address(cloud: Cloud, caller: Caller, address: str) -> NovaFloatingIp:
    """One of the caller's project's floating IPs by its address (the Deltacloud API's address
    ids are the addresses themselves)."""
    authorize(caller, "compute:os-floating-ips:show")
    async with cloud.db.reader() as s:
        (item,) = await _nova_floating_ips(s, [await _by_address(s, caller, address)])
        return item


async def _by_address(s: AsyncSession, caller: Caller, address: str) -> FloatingIpRow:
    row = await floating_ips.by_address(s, address, project_id=caller.project_id, is_admin=False)
    if row is None:
        raise errors.NotFound(f"Floating IP not found for address {address}")
    return row


async def disassociate_floating_ip(cloud: Cloud, caller: Caller, address: str) -> NovaFloatingIp:
    """Point the caller's floating IP `address` at nothing (409 when it points at nothing)."""
    authorize(caller, "compute:os-floating-ips:remove")
    async with cloud.db.session() as s:
        row = await _by_address(s, caller, address)
        if row.port_id is None:
            raise errors.Conflict(f"Floating IP {address} is not associated with an instance.")
        await floating_ips.associate(s, row, None, None, project_id=caller.project_id,
                                     is_admin=False)
        (item,) = await _nova_floating_ips(s, [row])
        return item


async def delete_floating_ip_by_address(cloud: Cloud, caller: Caller, address: str) -> None:
    authorize(caller, "compute:os-floating-ips:delete")
    async with cloud.db.session() as s:
        await s.delete(await _by_address(s, caller, address))
        await s.flush()


async def _pool(s: AsyncSession, name: str | None) -> NetworkRow:
    query = select(NetworkRow).where(NetworkRow.external.is_(True))
    if name is not None:
        # Nova looks the pool up in the network service by name or by id.
        query = query.where(or_(NetworkRow.name == name, NetworkRow.id == name))
    network = await s.scalar(query.order_by(NetworkRow.created_at, NetworkRow.id).limit(1))
    if network is None:
        raise errors.NotFound("Floating IP pool not found.")
    return network


async def create_floating_ip(cloud: Cloud, caller: Caller, pool: str | None) -> NovaFloatingIp:
    """Allocate an address of the pool (default: the first external network) to the caller's
    project: 403 over quota, 404 when the pool has none left."""
    authorize(caller, "compute:os-floating-ips:create")
    in_pool = f" in pool {pool}" if pool else ""
    async with cloud.db.session() as s:
        network = await _pool(s, pool)
        limits = await quotas.limits_for(s, cloud.settings, caller.project_id)
        try:
            row = await floating_ips.allocate(s, caller.project_id, network.id,
                                              limit=limits["floating_ips"])
        except errors.Conflict as exc:
            if exc.kind == "OverQuota":
                raise errors.Forbidden(f"IP allocation over quota{in_pool}.") from None
            raise errors.NotFound(f"No more floating IPs{in_pool or ' available'}.") from None
        (item,) = await _nova_floating_ips(s, [row])
        return item


async def delete_floating_ip(cloud: Cloud, caller: Caller, floating_ip_id: str) -> None:
    authorize(caller, "compute:os-floating-ips:delete")
    async with cloud.db.session() as s:
        await s.delete(await _own_floating_ip(s, caller, floating_ip_id))
        await s.flush()


async def list_floating_ip_pools(cloud: Cloud, caller: Caller) -> list[str]:
    """The names of the external networks, by name."""
    authorize(caller, "compute:os-floating-ip-pools:list")
    async with cloud.db.reader() as s:
        return list(await s.scalars(select(NetworkRow.name).where(NetworkRow.external.is_(True))
                                    .order_by(NetworkRow.name)))


# --- os-virtual-interfaces ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VirtualInterface:
    """A server's port as nova-network's virtual interface: its id, MAC and network."""

    id: str
    mac_address: str
    net_id: str


async def list_virtual_interfaces(cloud: Cloud, caller: Caller, server_id: str, *,
                                  limit: int, offset: int) -> list[VirtualInterface]:
    """The server's ports in the order they were made (404 for another project's server)."""
    authorize(caller, "compute:os-virtual-interfaces")
    async with cloud.db.reader() as s:
        row = await servers.get_server(s, server_id, project_id=caller.project_id,
                                       is_admin=caller.is_admin)
        ports = await s.scalars(select(PortRow).where(PortRow.device_id == row.id)
                                .order_by(PortRow.created_at, PortRow.id)
                                .offset(offset).limit(limit))
        return [VirtualInterface(p.id, p.mac_address, p.network_id) for p in ports]
