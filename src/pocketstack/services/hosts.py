"""Compute hosts as os-services, os-hosts and os-hypervisors show them: state (up/down from the
agent's heartbeat), status (enabled/disabled by an admin), capacity and what their servers use;
the os-services and os-hosts use cases."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import HostRow, ServerRow
from pocketstack.services import scheduler, usage
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
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


# --- os-services (admin) --------------------------------------------------------------------


async def list_services(cloud: Cloud, caller: Caller, *, host: str | None,
                        binary: str | None) -> list[HostView]:
    """The nova-compute service of every host (or of the one named)."""
    authorize(caller, "compute:os-services")
    async with cloud.db.reader() as s:
        views = await list_hosts(s, cloud.settings, name=host)
    return views if binary is None or binary == COMPUTE_BINARY else []


async def set_service_enabled(cloud: Cloud, caller: Caller, *, host: str, binary: str,
                              enabled: bool, reason: str | None = None) -> HostRow:
    authorize(caller, "compute:os-services")
    async with cloud.db.session() as s:
        return await set_enabled(s, host, binary, enabled, reason)


# --- os-hosts (admin) -----------------------------------------------------------------------

HOSTS_RULE = "compute:os-hosts"


@dataclass(frozen=True, slots=True)
class HostResources:
    """One host with its usage, and what each project's servers on it take."""

    view: HostView
    projects: list[usage.ProjectUse]


async def _named(s: AsyncSession, settings: Settings, name: str) -> HostView:
    found = await list_hosts(s, settings, name=name)
    if not found:
        raise errors.NotFound(f"Compute host {name} could not be found.")
    return found[0]


async def list_compute_hosts(cloud: Cloud, caller: Caller) -> list[HostView]:
    authorize(caller, HOSTS_RULE)
    async with cloud.db.reader() as s:
        return await list_hosts(s, cloud.settings)


async def host_resources(cloud: Cloud, caller: Caller, name: str) -> HostResources:
    authorize(caller, HOSTS_RULE)
    async with cloud.db.reader() as s:
        view = await _named(s, cloud.settings, name)
        return HostResources(view, await usage.host_projects(s, view.row.name))


async def update_host(cloud: Cloud, caller: Caller, name: str, *, enabled: bool | None,
                      maintenance: bool | None) -> HostRow:
    """Enable or disable the host's compute service; maintenance mode only on a fake host
    (which records nothing of it), as Nova's fake driver answers."""
    authorize(caller, HOSTS_RULE)
    transaction = cloud.db.reader if enabled is None else cloud.db.session
    async with transaction() as s:
        view = await _named(s, cloud.settings, name)
        if maintenance is not None and view.row.driver != "fake":
            raise errors.NotImplementedYet("Virt driver does not implement host maintenance mode.")
        if enabled is not None:
            await set_enabled(s, view.row.name, COMPUTE_BINARY, enabled)
    return view.row


async def power_action(cloud: Cloud, caller: Caller, name: str) -> HostRow:
    """A power action (startup, shutdown, reboot) on a fake host, which only answers it."""
    authorize(caller, HOSTS_RULE)
    async with cloud.db.reader() as s:
        view = await _named(s, cloud.settings, name)
    if view.row.driver != "fake":
        raise errors.NotImplementedYet("Virt driver does not implement host power management.")
    return view.row
