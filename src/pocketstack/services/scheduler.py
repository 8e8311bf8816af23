"""Choosing a host for new servers: enabled, up hosts in the requested zone with room for the
flavor (capacity times the allocation ratios), honouring server-group policies and the
same_host / different_host hints; most free RAM first (Nova's filter scheduler with its RAM
weigher, spreading).

`pick_hosts` is pure; `schedule` reads hosts and their usage in the caller's transaction. On
PostgreSQL the hosts' rows are locked (SELECT ... FOR UPDATE) first, so two API processes
placing servers at once see each other's placements and never over-commit a host.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db.models import HostRow, ServerRow
from pocketstack.settings import Settings
from pocketstack.timeutil import utcnow

NO_VALID_HOST = "No valid host was found. There are not enough hosts available."

AFFINITY = "affinity"
ANTI_AFFINITY = "anti-affinity"
SOFT_AFFINITY = "soft-affinity"
SOFT_ANTI_AFFINITY = "soft-anti-affinity"


class NoValidHost(Exception):
    def __init__(self, message: str = NO_VALID_HOST) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Demand:
    vcpus: int
    ram_mb: int
    disk_gb: int


@dataclass(frozen=True, slots=True)
class HostState:
    name: str
    availability_zone: str
    free_vcpus: float
    free_ram_mb: float
    free_disk_gb: float

    def fits(self, demand: Demand) -> bool:
        return (demand.vcpus <= self.free_vcpus and demand.ram_mb <= self.free_ram_mb
                and demand.disk_gb <= self.free_disk_gb)

    def consume(self, demand: Demand) -> HostState:
        return replace(self, free_vcpus=self.free_vcpus - demand.vcpus,
                       free_ram_mb=self.free_ram_mb - demand.ram_mb,
                       free_disk_gb=self.free_disk_gb - demand.disk_gb)


@dataclass(frozen=True, slots=True)
class Placement:
    host: str
    availability_zone: str


@dataclass(slots=True)
class Constraints:
    """Where the servers may go besides capacity. `group_hosts` counts the group's members
    per host (this request's placements are added as they are made)."""

    zone: str | None = None
    forced_host: str | None = None
    group_policy: str | None = None
    group_hosts: dict[str, int] = field(default_factory=dict)
    # anti-affinity's rule: at most this many members per host.
    group_max_per_host: int = 1
    same_host: frozenset[str] | None = None
    different_host: frozenset[str] = frozenset()

    def allows(self, host: str) -> bool:
        if self.forced_host is not None and host != self.forced_host:
            return False
        if self.same_host is not None and host not in self.same_host:
            return False
        if host in self.different_host:
            return False
        if (self.group_policy == ANTI_AFFINITY
                and self.group_hosts.get(host, 0) >= self.group_max_per_host):
            return False
        return not (self.group_policy == AFFINITY and self.group_hosts
                    and host not in self.group_hosts)

    def weight(self, host: HostState) -> tuple[float, ...]:
        members = self.group_hosts.get(host.name, 0)
        group = {SOFT_AFFINITY: members, SOFT_ANTI_AFFINITY: -members}.get(self.group_policy or "", 0)
        return (group, host.free_ram_mb, host.free_vcpus)


def flavor_demand(flavor: dict[str, Any]) -> Demand:
    """What one server of this flavor takes from its host (root + ephemeral + swap disk)."""
    swap_gb = -(-int(flavor.get("swap") or 0) // 1024)
    disk_gb = int(flavor.get("disk") or 0) + int(flavor.get("ephemeral") or 0) + swap_gb
    return Demand(int(flavor.get("vcpus") or 0), int(flavor.get("ram") or 0), disk_gb)


def is_up(host: HostRow | Row[Any], now: datetime, down_time_s: float) -> bool:
    """Not forced down nor shut down (os-hosts), and heard from within `down_time_s` (a
    HostRow, or a row of its columns)."""
    return (not host.forced_down and not host.powered_off
            and host.heartbeat_at >= now - timedelta(seconds=down_time_s))


def pick_hosts(hosts: list[HostState], demand: Demand, count: int, *,
               zone: str | None = None, forced_host: str | None = None,
               constraints: Constraints | None = None) -> list[Placement]:
    """One placement per server; raises NoValidHost when any of them does not fit."""
    rules = constraints or Constraints()
    rules.zone = zone if zone is not None else rules.zone
    rules.forced_host = forced_host if forced_host is not None else rules.forced_host
    candidates = {h.name: h for h in hosts
                  if rules.zone is None or h.availability_zone == rules.zone}
    placements = []
    for _ in range(count):
        fitting = [h for h in candidates.values() if h.fits(demand) and rules.allows(h.name)]
        if not fitting:
            raise NoValidHost()
        best = max(fitting, key=lambda h: (*rules.weight(h), h.name))
        candidates[best.name] = best.consume(demand)
        rules.group_hosts[best.name] = rules.group_hosts.get(best.name, 0) + 1
        placements.append(Placement(best.name, best.availability_zone))
    return placements


_ENABLED_HOSTS = (select(*HostRow.__table__.c).where(HostRow.__table__.c.enabled.is_(True),
                                                     HostRow.__table__.c.maintenance.is_(False))
                  .order_by(HostRow.__table__.c.id))


async def host_states(s: AsyncSession, settings: Settings) -> list[HostState]:
    """Enabled, up hosts with what their servers leave free. On PostgreSQL every host row is
    locked until the caller's transaction ends, so placements are decided one at a time."""
    now = utcnow()
    query = _ENABLED_HOSTS
    if s.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    # Core rows (read by column name like a HostRow): cheaper than loading entities.
    hosts = [h for h in await s.execute(query) if is_up(h, now, settings.service_down_time_s)]
    used = await host_usage(s, [h.name for h in hosts])
    return [HostState(h.name, h.availability_zone,
                      h.vcpus * settings.cpu_allocation_ratio - used[h.name].vcpus,
                      h.memory_mb * settings.ram_allocation_ratio - used[h.name].ram_mb,
                      h.disk_gb * settings.disk_allocation_ratio - used[h.name].disk_gb)
            for h in hosts]


def usage_columns(flavor: dict[str, Any]) -> dict[str, int]:
    """ServerRow's vcpus, memory_mb and disk_gb for a server of this flavor."""
    demand = flavor_demand(flavor)
    return {"vcpus": demand.vcpus, "memory_mb": demand.ram_mb, "disk_gb": demand.disk_gb}


# On table columns, not ORM attributes: Session.execute then skips the ORM layer.
_servers = ServerRow.__table__.c


def _from_flavor(key: str) -> ColumnElement[int]:
    value: ColumnElement[int] = _servers.flavor[key].as_integer()
    return value


# Each live server's demand: its integer columns, or its flavor snapshot where they are NULL.
VCPUS_USED = func.coalesce(_servers.vcpus, _from_flavor("vcpus"), 0)
RAM_USED = func.coalesce(_servers.memory_mb, _from_flavor("ram"), 0)
DISK_USED = func.coalesce(
    _servers.disk_gb,
    func.coalesce(_from_flavor("disk"), 0) + func.coalesce(_from_flavor("ephemeral"), 0)
    + (func.coalesce(_from_flavor("swap"), 0) + 1023) // 1024)


_ON_HOSTS = (_servers.deleted.is_(False), _servers.host.in_(bindparam("names", expanding=True)))
# Servers with usage columns, summed from the ix_servers_host_usage index alone; then the
# (older) rows without them, from their flavor snapshots.
_HOST_USAGE = union_all(
    select(_servers.host, func.sum(_servers.vcpus), func.sum(_servers.memory_mb),
           func.sum(_servers.disk_gb))
    .where(*_ON_HOSTS, _servers.vcpus.is_not(None)).group_by(_servers.host),
    select(_servers.host, func.sum(VCPUS_USED), func.sum(RAM_USED), func.sum(DISK_USED))
    .where(*_ON_HOSTS, _servers.vcpus.is_(None)).group_by(_servers.host))


async def host_usage(s: AsyncSession, names: list[str]) -> dict[str, Demand]:
    """What the live servers placed on each named host take from it, summed in SQL."""
    used: dict[str, Demand] = {name: Demand(0, 0, 0) for name in names}
    if not names:
        return used
    for host, vcpus, ram_mb, disk_gb in await s.execute(_HOST_USAGE, {"names": names}):
        before = used[host]
        used[host] = Demand(before.vcpus + int(vcpus or 0), before.ram_mb + int(ram_mb or 0),
                            before.disk_gb + int(disk_gb or 0))
    return used


async def server_hosts(s: AsyncSession, server_ids: list[str]) -> dict[str, int]:
    """How many of the given live servers each host holds."""
    counts: dict[str, int] = {}
    if not server_ids:
        return counts
    for host in await s.scalars(select(ServerRow.host).where(
            ServerRow.id.in_(server_ids), ServerRow.deleted.is_(False),
            ServerRow.host.is_not(None))):
        if host is not None:
            counts[host] = counts.get(host, 0) + 1
    return counts


async def schedule(s: AsyncSession, settings: Settings, flavor: dict[str, Any], count: int, *,
                   zone: str | None = None, forced_host: str | None = None,
                   constraints: Constraints | None = None) -> list[Placement]:
    return pick_hosts(await host_states(s, settings), flavor_demand(flavor), count,
                      zone=zone, forced_host=forced_host, constraints=constraints)


async def zone_exists(s: AsyncSession, zone: str) -> bool:
    found = await s.scalar(select(HostRow.id).where(HostRow.availability_zone == zone).limit(1))
    return found is not None


async def host_exists(s: AsyncSession, name: str) -> bool:
    found = await s.scalar(select(HostRow.id).where(HostRow.name == name).limit(1))
    return found is not None


async def host_is_up(s: AsyncSession, settings: Settings, name: str) -> bool:
    host = await s.scalar(select(HostRow).where(HostRow.name == name))
    return host is not None and is_up(host, utcnow(), settings.service_down_time_s)
