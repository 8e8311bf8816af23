"""nova-network's network management over the network records (os-networks create, delete,
associate and add; os-networks-associate; os-tenant-networks): a nova network is a network
with one subnet per IP version, and its project association is the network's owner ("" for
none, shown as null), so the network API shows the same network."""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import (
    FixedIpRow,
    NetworkRow,
    NovaNetworkRow,
    PortRow,
    SubnetRow,
)
from pocketstack.services import subnets as subnet_rules
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow

NOT_FOUND = "Network not found"
UNASSOCIATED = ""
# Keeps the association as it is (associate's default for host and project).
KEEP = object()
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class NovaNetworkSpec:
    """A network to create the nova-network way: `fields` holds nova-network's own settings
    (bridge, vlan, multi_host, ...), kept as given."""

    label: str
    cidr: str | None = None
    cidr_v6: str | None = None
    gateway: str | None = None
    gateway_v6: str | None = None
    dns: tuple[str, ...] = ()
    project_id: str | None = None
    enable_dhcp: bool = True
    allowed_start: str | None = None
    allowed_end: str | None = None
    mtu: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)


def parse_network(text: str, what: str = "cidr") -> IpNetwork:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise errors.BadRequest(f"Invalid input for field/attribute {what}. Value: {text}. "
                                f"'{text}' is not a valid CIDR.") from None


async def _network(s: AsyncSession, network_id: str) -> NetworkRow:
    row = await s.get(NetworkRow, network_id)
    if row is None:
        raise errors.NotFound(NOT_FOUND)
    return row


async def _nova_row(s: AsyncSession, network_id: str) -> NovaNetworkRow:
    row = await s.get(NovaNetworkRow, network_id)
    if row is None:
        row = NovaNetworkRow(network_id=network_id, host=None, fields={})
        s.add(row)
    return row


async def nova_rows(s: AsyncSession, network_ids: list[str]) -> dict[str, NovaNetworkRow]:
    rows = await s.scalars(select(NovaNetworkRow).where(NovaNetworkRow.network_id.in_(network_ids)))
    return {row.network_id: row for row in rows}


async def _check_cidr_free(s: AsyncSession, network: IpNetwork) -> None:
    """nova-network's fixed address space is one: a new network may not overlap another's."""
    query = (select(SubnetRow.cidr).join(NetworkRow, NetworkRow.id == SubnetRow.network_id)
             .where(NetworkRow.external.is_(False), SubnetRow.ip_version == network.version))
    for other in await s.scalars(query):
        if ipaddress.ip_network(other).overlaps(network):
            raise errors.Conflict(f"Requested cidr ({network}) conflicts with existing cidr "
                                  f"({other})")


def _pools(network: IpNetwork, gateway: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
           spec: NovaNetworkSpec) -> list[dict[str, str]]:
    if network.version == 6 or (spec.allowed_start is None and spec.allowed_end is None):
        return subnet_rules.default_pools(network, gateway)
    first, last = subnet_rules.host_range(network)
    start = subnet_rules.parse_address(spec.allowed_start or str(first), "allowed_start")
    end = subnet_rules.parse_address(spec.allowed_end or str(last), "allowed_end")
    if start not in network or end not in network or int(start) > int(end):
        raise errors.BadRequest(f"Invalid input: allowed_start {start} and allowed_end {end} "
                                f"must lie in {network}, in that order.")
    # The gateway is never handed out, as nova-network kept it out of its fixed IPs.
    pools = []
    if gateway is None or not int(start) <= int(gateway) <= int(end):
        return [{"start": str(start), "end": str(end)}]
    if int(gateway) > int(start):
        pools.append({"start": str(start), "end": str(gateway - 1)})
    if int(gateway) < int(end):
        pools.append({"start": str(gateway + 1), "end": str(end)})
    return pools


def _subnet(network_id: str, project_id: str, cidr: IpNetwork, gateway: str | None,
            spec: NovaNetworkSpec) -> SubnetRow:
    if cidr.version == 4 and cidr.num_addresses < 4:
        raise errors.BadRequest("Requested network does not contain enough (2+) usable hosts")
    first = subnet_rules.host_range(cidr)[0]
    gateway_ip = subnet_rules.parse_address(gateway, "gateway") if gateway else first
    if gateway_ip not in cidr:
        raise errors.BadRequest(f"Invalid input: gateway {gateway_ip} is not in {cidr}.")
    now = utcnow()
    return SubnetRow(id=str(uuid.uuid4()), network_id=network_id, project_id=project_id,
                     name="", cidr=str(cidr), ip_version=cidr.version, gateway_ip=str(gateway_ip),
                     enable_dhcp=spec.enable_dhcp, allocation_pools=_pools(cidr, gateway_ip, spec),
                     dns_nameservers=list(spec.dns) if cidr.version == 4 else [],
                     host_routes=[], description="", revision_number=1,
                     created_at=now, updated_at=now)


async def _create(s: AsyncSession, spec: NovaNetworkSpec, project_id: str) -> NetworkRow:
    now = utcnow()
    network = NetworkRow(id=str(uuid.uuid4()), name=spec.label, project_id=project_id,
                         status="ACTIVE", admin_state_up=True, shared=False, external=False,
                         mtu=spec.mtu or 1500, description="", revision_number=1,
                         created_at=now, updated_at=now)
    subnets = []
    for cidr, gateway in ((spec.cidr, spec.gateway), (spec.cidr_v6, spec.gateway_v6)):
        if cidr:
            parsed = parse_network(cidr, "cidr" if cidr == spec.cidr else "cidr_v6")
            await _check_cidr_free(s, parsed)
            subnets.append(_subnet(network.id, project_id, parsed, gateway, spec))
    s.add(network)
    await s.flush()
    s.add_all(subnets)
    if spec.fields:
        s.add(NovaNetworkRow(network_id=network.id, host=None, fields=dict(spec.fields)))
    await s.flush()
    return network


async def create_network(cloud: Cloud, caller: Caller, spec: NovaNetworkSpec) -> str:
    """os-networks create (admin): a network of `spec.project_id`, or of no project. Returns
    its id; 409 when its CIDR overlaps another network's."""
    authorize(caller, "compute:os-networks:manage")
    async with cloud.db.session() as s:
        return (await _create(s, spec, spec.project_id or UNASSOCIATED)).id


async def create_tenant_network(cloud: Cloud, caller: Caller, spec: NovaNetworkSpec) -> str:
    """os-tenant-networks create: a network of the caller's project."""
    authorize(caller, "compute:os-tenant-networks")
    async with cloud.db.session() as s:
        return (await _create(s, spec, caller.project_id)).id


async def _in_use(s: AsyncSession, network_id: str) -> bool:
    return await s.scalar(select(PortRow.id).where(
        PortRow.network_id == network_id, PortRow.device_owner.like("compute:%")).limit(1)) is not None


async def _delete(s: AsyncSession, row: NetworkRow) -> None:
    port_ids = select(PortRow.id).where(PortRow.network_id == row.id)
    await s.execute(delete(FixedIpRow).where(FixedIpRow.port_id.in_(port_ids)))
    await s.execute(delete(PortRow).where(PortRow.network_id == row.id))
    await s.execute(delete(SubnetRow).where(SubnetRow.network_id == row.id))
    await s.execute(delete(NovaNetworkRow).where(NovaNetworkRow.network_id == row.id))
    await s.delete(row)
    await s.flush()


async def delete_network(cloud: Cloud, caller: Caller, network_id: str) -> None:
    """os-networks delete (admin): 409 while the network is associated with a project or
    servers have addresses on it, as nova-network refused."""
    authorize(caller, "compute:os-networks:manage")
    async with cloud.db.session() as s:
        row = await _network(s, network_id)
        if row.project_id != UNASSOCIATED or await _in_use(s, row.id):
            raise errors.Conflict(f"Network {network_id} is still in use.")
        await _delete(s, row)


async def associate(cloud: Cloud, caller: Caller, network_id: str, *, host: Any = KEEP,
                    project: Any = KEEP) -> None:
    """Set or clear (None) the network's host and project associations."""
    authorize(caller, "compute:os-networks-associate")
    async with cloud.db.session() as s:
        row = await _network(s, network_id)
        if host is not KEEP:
            (await _nova_row(s, row.id)).host = host
        if project is not KEEP:
            row.project_id = project or UNASSOCIATED
            row.updated_at = utcnow()
            row.revision_number += 1
        await s.flush()


async def add_network_to_project(cloud: Cloud, caller: Caller, network_id: str | None) -> None:
    """os-networks add: associate the network (default: any network with no project) with the
    caller's project; 400 when there is none, as nova-network's VLAN manager answered."""
    authorize(caller, "compute:os-networks:manage")
    async with cloud.db.session() as s:
        if network_id is None:
            row = await s.scalar(select(NetworkRow).where(
                NetworkRow.project_id == UNASSOCIATED, NetworkRow.external.is_(False))
                .order_by(NetworkRow.created_at, NetworkRow.id).limit(1).with_for_update())
            if row is None:
                raise errors.BadRequest("No more available networks.")
        else:
            row = await s.get(NetworkRow, network_id)
            if row is None:
                raise errors.BadRequest(f"Network could not be found for uuid {network_id}")
        row.project_id = caller.project_id
        row.updated_at = utcnow()
        row.revision_number += 1
        await s.flush()


# --- os-tenant-networks -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TenantNetwork:
    id: str
    label: str
    cidr: str | None


def _tenant_visible(caller: Caller) -> Any:
    return or_(NetworkRow.project_id == caller.project_id, NetworkRow.shared.is_(True))


async def _first_cidrs(s: AsyncSession, network_ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for network_id, cidr in await s.execute(
            select(SubnetRow.network_id, SubnetRow.cidr).where(SubnetRow.network_id.in_(network_ids))
            .order_by(SubnetRow.ip_version, SubnetRow.created_at, SubnetRow.id)):
        found.setdefault(network_id, cidr)
    return found


async def list_tenant_networks(cloud: Cloud, caller: Caller) -> list[TenantNetwork]:
    """The project's networks and the shared ones, as Nova's network API listed them."""
    authorize(caller, "compute:os-tenant-networks")
    async with cloud.db.reader() as s:
        rows = list(await s.scalars(select(NetworkRow).where(_tenant_visible(caller))
                                    .order_by(NetworkRow.created_at, NetworkRow.id)))
        cidrs = await _first_cidrs(s, [r.id for r in rows])
    return [TenantNetwork(r.id, r.name, cidrs.get(r.id)) for r in rows]


async def show_tenant_network(cloud: Cloud, caller: Caller, network_id: str) -> TenantNetwork:
    authorize(caller, "compute:os-tenant-networks")
    async with cloud.db.reader() as s:
        row = await s.scalar(select(NetworkRow).where(NetworkRow.id == network_id,
                                                      _tenant_visible(caller)))
        if row is None:
            raise errors.NotFound(NOT_FOUND)
        return TenantNetwork(row.id, row.name, (await _first_cidrs(s, [row.id])).get(row.id))


async def delete_tenant_network(cloud: Cloud, caller: Caller, network_id: str) -> None:
    """Delete one of the project's networks; 409 while servers have addresses on it."""
    authorize(caller, "compute:os-tenant-networks")
    async with cloud.db.session() as s:
        row = await s.scalar(select(NetworkRow).where(NetworkRow.id == network_id,
                                                      NetworkRow.project_id == caller.project_id))
        if row is None:
            raise errors.NotFound(NOT_FOUND)
        if await _in_use(s, row.id):
            raise errors.Conflict(f"Network {network_id} is still in use.")
        await _delete(s, row)
