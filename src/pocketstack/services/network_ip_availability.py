"""Network IP availability (Neutron's network-ip-availability, admin only): per network with
subnets, and per subnet, how many addresses its allocation pools hold and how many are used."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import FixedIpRow, NetworkRow, SubnetRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize


@dataclass(frozen=True, slots=True)
class SubnetAvailability:
    subnet: SubnetRow
    total_ips: int
    used_ips: int


@dataclass(frozen=True, slots=True)
class NetworkAvailability:
    network: NetworkRow
    subnets: list[SubnetAvailability]

    @property
    def total_ips(self) -> int:
        return sum(item.total_ips for item in self.subnets)

    @property
    def used_ips(self) -> int:
        return sum(item.used_ips for item in self.subnets)


def pool_size(subnet: SubnetRow) -> int:
    """Addresses in the subnet's allocation pools (the whole CIDR when it has none)."""
    if not subnet.allocation_pools:
        return ipaddress.ip_network(subnet.cidr).num_addresses
    return sum(int(ipaddress.ip_address(pool["end"])) - int(ipaddress.ip_address(pool["start"])) + 1
               for pool in subnet.allocation_pools)


async def _availabilities(s: AsyncSession, filters: dict[str, list[Any]]) -> list[NetworkAvailability]:
    query = select(SubnetRow, NetworkRow).join(NetworkRow, NetworkRow.id == SubnetRow.network_id)
    columns = {"network_id": NetworkRow.id, "network_name": NetworkRow.name,
               "project_id": NetworkRow.project_id, "ip_version": SubnetRow.ip_version}
    for key, values in filters.items():
        query = query.where(columns[key].in_(values))
    rows = (await s.execute(query.order_by(NetworkRow.id, SubnetRow.created_at, SubnetRow.id))).all()
    used = dict((await s.execute(select(FixedIpRow.subnet_id, func.count())
                                 .where(FixedIpRow.subnet_id.in_([r[0].id for r in rows]))
                                 .group_by(FixedIpRow.subnet_id))).tuples().all())
    found: dict[str, NetworkAvailability] = {}
    for subnet, network in rows:
        entry = found.setdefault(network.id, NetworkAvailability(network, []))
        entry.subnets.append(SubnetAvailability(subnet, pool_size(subnet), int(used.get(subnet.id, 0))))
    return list(found.values())


async def list_availabilities(cloud: Cloud, caller: Caller, *,
                              filters: dict[str, list[Any]]) -> list[NetworkAvailability]:
    """Filters by network_id, network_name, project_id or ip_version (several values: any)."""
    authorize(caller, "network:ip_availability")
    async with cloud.db.reader() as s:
        return await _availabilities(s, filters)


async def show_availability(cloud: Cloud, caller: Caller, network_id: str) -> NetworkAvailability:
    authorize(caller, "network:ip_availability")
    async with cloud.db.reader() as s:
        found = await _availabilities(s, {"network_id": [network_id]})
    if not found:
        raise errors.NotFound(f"Network {network_id} could not be found.", kind="NetworkNotFound")
    return found[0]
