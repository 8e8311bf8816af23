"""Availability zones: the zones of the registered compute hosts and each host's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db.models import HostRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.settings import Settings
from pocketstack.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class HostState:
    name: str
    enabled: bool
    alive: bool
    heartbeat_at: datetime | None


@dataclass(frozen=True, slots=True)
class Zone:
    name: str
    hosts: tuple[HostState, ...]

    @property
    def available(self) -> bool:
        """As Nova counts it: a zone with at least one enabled compute service."""
        return any(host.enabled for host in self.hosts)


async def list_zones(s: AsyncSession, settings: Settings) -> list[Zone]:
    """Every zone with hosts, sorted by name; the configured default zone is always listed."""
    now = utcnow()
    down_after = timedelta(seconds=settings.service_down_time_s)
    zones: dict[str, list[HostState]] = {settings.availability_zone: []}
    for host in await s.scalars(select(HostRow).order_by(HostRow.name)):
        alive = not host.forced_down and host.heartbeat_at >= now - down_after
        zones.setdefault(host.availability_zone, []).append(
            HostState(host.name, host.enabled, alive, host.heartbeat_at))
    return [Zone(name, tuple(hosts)) for name, hosts in sorted(zones.items())]


async def list_availability_zones(cloud: Cloud, caller: Caller, *, detail: bool) -> list[Zone]:
    """The zones (anyone), or the zones with their hosts' states (`detail`, admin only)."""
    authorize(caller, "compute:os-availability-zone:detail" if detail
              else "compute:os-availability-zone:list")
    async with cloud.db.reader() as s:
        return await list_zones(s, cloud.settings)
