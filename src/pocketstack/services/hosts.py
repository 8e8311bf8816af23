"""Compute hosts as os-services and os-hypervisors show them: state (up/down from the agent's
heartbeat), status (enabled/disabled by an admin), capacity and what their servers use."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import HostRow, ServerRow
from pocketstack.services import scheduler
from pocketstack.settings import Settings
from pocketstack.timeutil import utcnow

COMPUTE_BINARY = "nova-compute"


@dataclass(frozen=True, slots=True)
class HostView:
    row: HostRow
    up: bool
    vcpus_used: int
    memory_mb_used: int
    local_gb_used: int
    running_vms: int

    @property
    def state(self) -> str:
        return "up" if self.up else "down"

    @property
    def status(self) -> str:
        return "enabled" if self.row.enabled else "disabled"


async def list_hosts(s: AsyncSession, settings: Settings, *,
                     name: str | None = None) -> list[HostView]:
    """Every registered host (or the one named), by id, with its usage."""
    query = select(HostRow).order_by(HostRow.id)
    if name is not None:
        query = query.where(HostRow.name == name)
    rows = list(await s.scalars(query))
    used = await scheduler.host_usage(s, [r.name for r in rows])
    counts = dict((await s.execute(
        select(ServerRow.host, func.count()).where(
            ServerRow.deleted.is_(False), ServerRow.host.in_([r.name for r in rows]))
        .group_by(ServerRow.host))).tuples().all())
    now = utcnow()
    return [HostView(r, scheduler.is_up(r, now, settings.service_down_time_s),
                     used[r.name].vcpus, used[r.name].ram_mb, used[r.name].disk_gb,
                     int(counts.get(r.name, 0))) for r in rows]


async def get_host_by_id(s: AsyncSession, settings: Settings, host_id: str) -> HostView:
    if not host_id.isdigit():
        raise errors.NotFound(f"Hypervisor {host_id} could not be found.")
    for view in await list_hosts(s, settings):
        if view.row.id == int(host_id):
            return view
    raise errors.NotFound(f"Hypervisor {host_id} could not be found.")


async def set_enabled(s: AsyncSession, host: str, binary: str, enabled: bool,
                      reason: str | None = None) -> HostRow:
    """Enable or disable a host's compute service; a disabled host takes no new servers."""
    row = await s.scalar(select(HostRow).where(HostRow.name == host))
    if row is None or binary != COMPUTE_BINARY:
        raise errors.NotFound("Unknown service")
    row.enabled = enabled
    row.disabled_reason = None if enabled else reason
    await s.flush()
    return row
