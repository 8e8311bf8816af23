"""Choosing a host for new servers: enabled, up hosts in the requested zone with room for the
flavor, most free RAM first (Nova's filter scheduler with its RAM weigher, spreading).

`pick_hosts` is pure; `schedule` reads hosts and their usage in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db.models import HostRow, ServerRow
from pocketstack.settings import Settings
from pocketstack.timeutil import utcnow

# Nova's initial allocation ratios: vCPUs are overcommitted, RAM and disk are not.
CPU_ALLOCATION_RATIO = 4.0
RAM_ALLOCATION_RATIO = 1.0
DISK_ALLOCATION_RATIO = 1.0

NO_VALID_HOST = "No valid host was found. There are not enough hosts available."


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


def flavor_demand(flavor: dict[str, Any]) -> Demand:
    """What one server of this flavor takes from its host (root + ephemeral + swap disk)."""
    swap_gb = -(-int(flavor.get("swap") or 0) // 1024)
    disk_gb = int(flavor.get("disk") or 0) + int(flavor.get("ephemeral") or 0) + swap_gb
    return Demand(int(flavor.get("vcpus") or 0), int(flavor.get("ram") or 0), disk_gb)


def is_up(host: HostRow, now: datetime, down_time_s: float) -> bool:
    return not host.forced_down and host.heartbeat_at >= now - timedelta(seconds=down_time_s)


def pick_hosts(hosts: list[HostState], demand: Demand, count: int, *,
               zone: str | None = None, forced_host: str | None = None) -> list[Placement]:
    """One placement per server; raises NoValidHost when any of them does not fit."""
    candidates = {h.name: h for h in hosts
                  if (zone is None or h.availability_zone == zone)
                  and (forced_host is None or h.name == forced_host)}
    placements = []
    for _ in range(count):
        fitting = [h for h in candidates.values() if h.fits(demand)]
        if not fitting:
            raise NoValidHost()
        best = max(fitting, key=lambda h: (h.free_ram_mb, h.free_vcpus, h.name))
        candidates[best.name] = best.consume(demand)
        placements.append(Placement(best.name, best.availability_zone))
    return placements


async def host_states(s: AsyncSession, settings: Settings) -> list[HostState]:
    """Enabled, up hosts with what their servers leave free."""
    now = utcnow()
    hosts = [h for h in await s.scalars(select(HostRow).where(HostRow.enabled.is_(True)))
             if is_up(h, now, settings.service_down_time_s)]
    used: dict[str, Demand] = {h.name: Demand(0, 0, 0) for h in hosts}
    rows = await s.execute(select(ServerRow.host, ServerRow.flavor).where(
        ServerRow.deleted.is_(False), ServerRow.host.in_(list(used))))
    for host, flavor in rows:
        take, have = flavor_demand(flavor or {}), used[host]
        used[host] = Demand(have.vcpus + take.vcpus, have.ram_mb + take.ram_mb,
                            have.disk_gb + take.disk_gb)
    return [HostState(h.name, h.availability_zone,
                      h.vcpus * CPU_ALLOCATION_RATIO - used[h.name].vcpus,
                      h.memory_mb * RAM_ALLOCATION_RATIO - used[h.name].ram_mb,
                      h.disk_gb * DISK_ALLOCATION_RATIO - used[h.name].disk_gb) for h in hosts]


async def schedule(s: AsyncSession, settings: Settings, flavor: dict[str, Any], count: int, *,
                   zone: str | None = None, forced_host: str | None = None) -> list[Placement]:
    return pick_hosts(await host_states(s, settings), flavor_demand(flavor), count,
                      zone=zone, forced_host=forced_host)


async def zone_exists(s: AsyncSession, zone: str) -> bool:
    found = await s.scalar(select(HostRow.id).where(HostRow.availability_zone == zone).limit(1))
    return found is not None


async def host_is_up(s: AsyncSession, settings: Settings, name: str) -> bool:
    host = await s.scalar(select(HostRow).where(HostRow.name == name))
    return host is not None and is_up(host, utcnow(), settings.service_down_time_s)
