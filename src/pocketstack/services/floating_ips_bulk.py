"""os-floating-ips-bulk (admin): ranges of floating addresses in a pool, as nova-network's
floating_ips rows, kept on the network records: a pool is an external network (made when
the bulk create names a new one), a range gets a subnet of that network unless one already
holds it, so the network API allocates from it; allocated addresses are its floating IPs."""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import (
    BulkFloatingIpRow,
    FloatingIpRow,
    NetworkRow,
    PortRow,
    ServerRow,
    SubnetRow,
)
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow

# nova-network's default_floating_pool and public_interface.
DEFAULT_POOL = "nova"
DEFAULT_INTERFACE = "eth0"
# The most addresses one bulk create makes (a /16).
MAX_RANGE = 65536
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class BulkFloatingIp:
    address: str
    pool: str | None
    interface: str
    project_id: str | None
    instance_uuid: str | None
    fixed_ip: str | None


def parse_range(ip_range: str) -> IpNetwork:
    """One address (as a /32 or /128) or a CIDR of at least four addresses, as nova-network
    read `ip_range`."""
    try:
        address = ipaddress.ip_address(ip_range)
        return ipaddress.ip_network(address)
    except ValueError:
        pass
    try:
        network = ipaddress.ip_network(ip_range, strict=False)
    except ValueError:
        raise errors.BadRequest(f"Invalid input received: invalid IPNetwork {ip_range}") from None
    if network.num_addresses < 4:
        raise errors.BadRequest(f"/{network.prefixlen} should be specified as single address(es) "
                                "not in cidr format")
    if network.num_addresses > MAX_RANGE + 2:
        raise errors.BadRequest(f"Invalid input received: {ip_range} holds more than {MAX_RANGE} "
                                "addresses")
    return network


def hosts(network: IpNetwork) -> list[str]:
    if network.num_addresses == 1:
        return [str(network.network_address)]
    return [str(a) for a in network.hosts()]


async def _pool_network(s: AsyncSession, caller: Caller, pool: str) -> tuple[NetworkRow, bool]:
    network = await s.scalar(select(NetworkRow).where(NetworkRow.external.is_(True),
                                                      NetworkRow.name == pool)
                             .order_by(NetworkRow.created_at, NetworkRow.id).limit(1))
    if network is not None:
        return network, False
    now = utcnow()
    network = NetworkRow(id=str(uuid.uuid4()), name=pool, project_id=caller.project_id,
                         status="ACTIVE", admin_state_up=True, shared=False, external=True,
                         mtu=1500, description="", revision_number=1, created_at=now,
                         updated_at=now)
    s.add(network)
    await s.flush()
    return network, True


async def _range_subnet(s: AsyncSession, network: NetworkRow, cidr: IpNetwork,
                        addresses: list[str]) -> tuple[str, bool]:
    """The subnet of the pool that holds the range, or a new one made for it."""
    for subnet in await s.scalars(select(SubnetRow).where(SubnetRow.network_id == network.id)):
        existing = ipaddress.ip_network(subnet.cidr)
        if existing.version == cidr.version and cidr.subnet_of(existing):  # type: ignore[arg-type]
            return subnet.id, False
        if existing.overlaps(cidr):
            raise errors.BadRequest(f"Invalid input received: {cidr} overlaps {existing} of "
                                    f"pool {network.name}")
    now = utcnow()
    subnet = SubnetRow(id=str(uuid.uuid4()), network_id=network.id, project_id=network.project_id,
                       name=f"floating-{cidr}", cidr=str(cidr), ip_version=cidr.version,
                       gateway_ip=None, enable_dhcp=False,
                       allocation_pools=[{"start": addresses[0], "end": addresses[-1]}],
                       dns_nameservers=[], host_routes=[], description="os-floating-ips-bulk",
                       revision_number=1, created_at=now, updated_at=now)
    s.add(subnet)
    await s.flush()
    return subnet.id, True


async def create_range(cloud: Cloud, caller: Caller, ip_range: str, pool: str,
                       interface: str) -> None:
    """Add every address of the range to the pool, or none (400 when one already exists)."""
    authorize(caller, "compute:os-floating-ips-bulk")
    cidr = parse_range(ip_range)
    addresses = hosts(cidr)
    async with cloud.db.session() as s:
        taken = await s.scalar(select(BulkFloatingIpRow.address).where(
            BulkFloatingIpRow.address.in_(addresses)).limit(1))
        if taken is not None:
            raise errors.BadRequest(f"Floating ip {taken} already exists.")
        network, made_network = await _pool_network(s, caller, pool)
        subnet_id, made_subnet = await _range_subnet(s, network, cidr, addresses)
        now = utcnow()
        s.add_all(BulkFloatingIpRow(address=address, network_id=network.id, subnet_id=subnet_id,
                                    interface=interface, made_subnet=made_subnet,
                                    made_network=made_network, created_at=now)
                  for address in addresses)
        try:
            await s.flush()
        except IntegrityError:
            # Another bulk create took one of the addresses since the check above.
            raise errors.BadRequest(f"Floating ip in {ip_range} already exists.") from None


async def list_floating_ips(cloud: Cloud, caller: Caller,
                            host: str | None = None) -> list[BulkFloatingIp]:
    """Every floating address (the bulk ones, free or not, and every allocated one), by
    address; with `host`, those pointing at a server on that host."""
    authorize(caller, "compute:os-floating-ips-bulk")
    async with cloud.db.reader() as s:
        pools = dict((await s.execute(select(NetworkRow.id, NetworkRow.name)
                                      .where(NetworkRow.external.is_(True)))).all())
        allocated = list(await s.scalars(select(FloatingIpRow)))
        devices = dict((await s.execute(select(PortRow.id, PortRow.device_id).where(
            PortRow.id.in_({r.port_id for r in allocated if r.port_id})))).all())
        hosts_of = dict((await s.execute(select(ServerRow.id, ServerRow.host).where(
            ServerRow.id.in_(set(devices.values()))))).all())
        found: dict[str, tuple[BulkFloatingIp, str | None]] = {row.address: (BulkFloatingIp(row.address, pools.get(row.network_id),
                                              row.interface, None, None, None), None)
                 for row in await s.scalars(select(BulkFloatingIpRow))}
    for fip in allocated:
        instance = devices.get(fip.port_id or "")
        instance = instance if instance in hosts_of else None
        bulk = found.get(fip.floating_ip_address)
        found[fip.floating_ip_address] = (BulkFloatingIp(
            fip.floating_ip_address, pools.get(fip.floating_network_id),
            bulk[0].interface if bulk else DEFAULT_INTERFACE, fip.project_id, instance,
            fip.fixed_ip_address), hosts_of.get(instance or ""))
    shown = [item for item, on in found.values() if host is None or on == host]
    return sorted(shown, key=lambda f: ipaddress.ip_address(f.address))


async def delete_range(cloud: Cloud, caller: Caller, ip_range: str) -> None:
    """Remove every floating address of the range (allocated ones too, as nova-network did),
    then the subnets and pools the bulk creates made that are left empty."""
    authorize(caller, "compute:os-floating-ips-bulk")
    cidr = parse_range(ip_range)
    async with cloud.db.session() as s:
        rows = [r for r in await s.scalars(select(BulkFloatingIpRow))
                if ipaddress.ip_address(r.address) in cidr]
        fips = [r.id for r in await s.scalars(select(FloatingIpRow))
                if ipaddress.ip_address(r.floating_ip_address) in cidr]
        if fips:
            await s.execute(delete(FloatingIpRow).where(FloatingIpRow.id.in_(fips)))
        if rows:
            await s.execute(delete(BulkFloatingIpRow).where(
                BulkFloatingIpRow.address.in_([r.address for r in rows])))
        await _drop_empty(s, {r.subnet_id for r in rows if r.made_subnet},
                          {r.network_id for r in rows if r.made_network})
        await s.flush()


async def _drop_empty(s: AsyncSession, subnet_ids: set[str], network_ids: set[str]) -> None:
    for subnet_id in subnet_ids:
        left = await s.scalar(select(func.count()).select_from(BulkFloatingIpRow)
                              .where(BulkFloatingIpRow.subnet_id == subnet_id))
        if not left:
            await s.execute(delete(SubnetRow).where(SubnetRow.id == subnet_id))
    for network_id in network_ids:
        subnets = await s.scalar(select(func.count()).select_from(SubnetRow)
                                 .where(SubnetRow.network_id == network_id))
        fips = await s.scalar(select(func.count()).select_from(FloatingIpRow)
                              .where(FloatingIpRow.floating_network_id == network_id))
        ports = await s.scalar(select(func.count()).select_from(PortRow)
                               .where(PortRow.network_id == network_id))
        if not subnets and not fips and not ports:
            await s.execute(delete(NetworkRow).where(NetworkRow.id == network_id))
