"""Usage arithmetic: os-simple-tenant-usage and its use cases (server hours and vcpu/ram/disk
hours in a period, from launched_at and terminated_at or deleted_at, and the flavor each server
booted with) and the per-project resources os-hosts shows for one host."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import ServerRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.scheduler import flavor_demand
from pocketstack.timeutil import utcnow


@dataclass(slots=True)
class ServerUsage:
    row: ServerRow
    hours: float
    ended_at: datetime | None
    uptime: int

    @property
    def flavor(self) -> dict[str, Any]:
        return dict(self.row.flavor or {})

    @property
    def local_gb(self) -> int:
        return int(self.flavor.get("disk") or 0) + int(self.flavor.get("ephemeral") or 0)

    @property
    def state(self) -> str:
        return "terminated" if self.ended_at is not None else self.row.vm_state


# Nova's [api] max_limit: the most servers one answer counts.
MAX_LIMIT = 1000


@dataclass(slots=True)
class TenantUsage:
    tenant_id: str
    servers: list[ServerUsage] = field(default_factory=list)
    total_hours: float = 0.0
    total_vcpus_usage: float = 0.0
    total_memory_mb_usage: float = 0.0
    total_local_gb_usage: float = 0.0

    def add(self, usage: ServerUsage) -> None:
        self.servers.append(usage)
        self.total_hours += usage.hours
        self.total_vcpus_usage += int(usage.flavor.get("vcpus") or 0) * usage.hours
        self.total_memory_mb_usage += int(usage.flavor.get("ram") or 0) * usage.hours
        self.total_local_gb_usage += usage.local_gb * usage.hours


def _ended(row: ServerRow) -> datetime | None:
    return row.terminated_at or row.deleted_at


def hours_in(row: ServerRow, start: datetime, stop: datetime) -> float:
    """The hours of [start, stop] during which the server existed after its launch."""
    launched, ended = row.launched_at, _ended(row)
    if launched is None or launched > stop or (ended is not None and ended < start):
        return 0.0
    seconds = (min(stop, ended) if ended is not None else stop) - max(launched, start)
    return max(seconds.total_seconds(), 0.0) / 3600.0


@dataclass(slots=True)
class UsagePage:
    """The projects' usage over one page of servers, and the page's servers in order (by
    project, then id: the order `marker` pages through)."""

    tenants: list[TenantUsage]
    servers: list[ServerUsage]


async def tenant_usages(s: AsyncSession, start: datetime, stop: datetime,
                        project_id: str | None = None, limit: int = MAX_LIMIT,
                        marker: str | None = None) -> UsagePage:
    """Per project (or for the one given), the servers launched before `stop` and not ended
    before `start`, deleted ones included: at most `limit` of them, after the server `marker`
    (any server, deleted too; 400 when there is none)."""
    query = select(ServerRow).where(
        ServerRow.launched_at.is_not(None), ServerRow.launched_at < stop,
        or_(ServerRow.terminated_at.is_(None), ServerRow.terminated_at > start),
        or_(ServerRow.deleted_at.is_(None), ServerRow.deleted_at > start))
    if project_id is not None:
        query = query.where(ServerRow.project_id == project_id)
    if marker is not None:
        after = (await s.execute(select(ServerRow.project_id, ServerRow.id)
                                 .where(ServerRow.id == marker))).first()
        if after is None:
            raise errors.BadRequest(f"Marker {marker} could not be found.")
        query = query.where(tuple_(ServerRow.project_id, ServerRow.id) > tuple_(*after))
    now = utcnow()
    found: dict[str, TenantUsage] = {}
    servers: list[ServerUsage] = []
    rows = await s.scalars(query.order_by(ServerRow.project_id, ServerRow.id).limit(limit))
    for row in rows:
        assert row.launched_at is not None
        ended = _ended(row)
        uptime = int(((ended or now) - row.launched_at).total_seconds())
        usage = ServerUsage(row, hours_in(row, start, stop), ended, uptime)
        found.setdefault(row.project_id, TenantUsage(row.project_id)).add(usage)
        servers.append(usage)
    return UsagePage(list(found.values()), servers)


async def list_tenant_usages(cloud: Cloud, caller: Caller, start: datetime, stop: datetime,
                             limit: int = MAX_LIMIT, marker: str | None = None) -> UsagePage:
    """Every project's usage in [start, stop] (admin), over a page of servers."""
    authorize(caller, "compute:os-simple-tenant-usage:list")
    async with cloud.db.reader() as s:
        return await tenant_usages(s, start, stop, limit=limit, marker=marker)


async def show_tenant_usage(cloud: Cloud, caller: Caller, project_id: str, start: datetime,
                            stop: datetime, limit: int = MAX_LIMIT,
                            marker: str | None = None) -> UsagePage:
    """One project's usage in [start, stop] (its members and admins), over a page of its
    servers; no tenant when it had no server then."""
    authorize(caller, "compute:os-simple-tenant-usage:show", project_id)
    async with cloud.db.reader() as s:
        return await tenant_usages(s, start, stop, project_id, limit, marker)


@dataclass(frozen=True, slots=True)
class ProjectUse:
    project_id: str
    vcpus: int
    memory_mb: int
    disk_gb: int


async def host_projects(s: AsyncSession, host: str) -> list[ProjectUse]:
    """What each project's live servers on the host take (vcpus, ram, root + ephemeral disk)."""
    totals: dict[str, list[int]] = {}
    rows = await s.scalars(select(ServerRow).where(ServerRow.host == host, ServerRow.deleted.is_(False))
                           .order_by(ServerRow.project_id))
    for row in rows:
        demand = flavor_demand(row.flavor or {})
        flavor = row.flavor or {}
        disk = int(flavor.get("disk") or 0) + int(flavor.get("ephemeral") or 0)
        sums = totals.setdefault(row.project_id, [0, 0, 0])
        sums[0] += demand.vcpus
        sums[1] += demand.ram_mb
        sums[2] += disk
    return [ProjectUse(project, *sums) for project, sums in totals.items()]
