"""Compute hosts as os-services, os-hosts and os-hypervisors show them: state (up/down from the
agent's heartbeat), status (enabled/disabled by an admin), capacity and what their servers use;
the os-services and os-hosts use cases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import Action
from pocketstack.db.models import AggregateHostRow, HostRow, ServerRow
from pocketstack.db.pending import destination_of, source_of
from pocketstack.services import scheduler, server_actions, usage
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

SERVICES_RULE = "compute:os-services"


async def _view(s: AsyncSession, settings: Settings, row: HostRow) -> HostView:
    return (await list_hosts(s, settings, name=row.name))[0]


async def list_services(cloud: Cloud, caller: Caller, *, host: str | None,
                        binary: str | None) -> list[HostView]:
    """The nova-compute service of every host (or of the one named)."""
    authorize(caller, SERVICES_RULE)
    async with cloud.db.reader() as s:
        views = await list_hosts(s, cloud.settings, name=host)
    return views if binary is None or binary == COMPUTE_BINARY else []


def _compute_only(binary: str) -> None:
    if binary != COMPUTE_BINARY:
        raise errors.BadRequest(f"Updating a {binary} service is not supported. Only "
                                "nova-compute services can be updated.")


async def _by_host(s: AsyncSession, host: str, binary: str) -> HostRow:
    """The service of `host` and `binary` as the pre-2.53 updates name it."""
    _compute_only(binary)
    row = await s.scalar(select(HostRow).where(HostRow.name == host))
    if row is None:
        raise errors.NotFound(f"Host '{host}' is not mapped to any cell")
    return row


async def set_service_enabled(cloud: Cloud, caller: Caller, *, host: str, binary: str,
                              enabled: bool, reason: str | None = None) -> HostRow:
    """Enable or disable the service named by host and binary (a disabled host takes no new
    servers); enabling clears the reason."""
    authorize(caller, SERVICES_RULE)
    async with cloud.db.session() as s:
        row = await _by_host(s, host, binary)
        row.enabled = enabled
        row.disabled_reason = None if enabled else reason
        return row


async def set_service_forced_down(cloud: Cloud, caller: Caller, *, host: str, binary: str,
                                  forced_down: bool) -> HostRow:
    """Force the service down (the host counts as down whatever its heartbeat) or lift it."""
    authorize(caller, SERVICES_RULE)
    async with cloud.db.session() as s:
        row = await _by_host(s, host, binary)
        row.forced_down = forced_down
        return row


@dataclass(frozen=True, slots=True)
class ServiceUpdate:
    """A 2.53 update of one service: its status ("enabled" or "disabled", the latter with an
    optional reason) and/or forced_down; None leaves it as it is."""

    status: str | None = None
    disabled_reason: str | None = None
    forced_down: bool | None = None


async def update_service(cloud: Cloud, caller: Caller, service_uuid: str,
                         change: ServiceUpdate) -> HostView:
    """Apply `change` to the service of that uuid; the service as it is afterwards. A reason
    goes only with disabling, and an update has to change the status or forced_down."""
    authorize(caller, SERVICES_RULE)
    async with cloud.db.session() as s:
        row = await s.scalar(select(HostRow).where(HostRow.uuid == service_uuid))
        if row is None:
            raise errors.NotFound(f"Service {service_uuid} could not be found.")
        if change.status == "enabled" and change.disabled_reason:
            raise errors.BadRequest("Specifying 'disabled_reason' with status 'enabled' is "
                                    "invalid.")
        if change.status is None and change.forced_down is None:
            raise errors.BadRequest("No updates were requested. Fields 'status' or "
                                    "'forced_down' should be specified.")
        if change.status is not None:
            row.enabled = change.status == "enabled"
            row.disabled_reason = None if row.enabled else change.disabled_reason
        if change.forced_down is not None:
            row.forced_down = change.forced_down
        await s.flush()
        return await _view(s, cloud.settings, row)


async def delete_service(cloud: Cloud, caller: Caller, service_id: str, *,
                         by_uuid: bool) -> None:
    """Remove a host's compute service (by its uuid, or by its integer id before 2.53): it
    leaves its aggregates and its hypervisor goes with it. Refused while servers are on the
    host or moving from or to it. A host whose agent starts again registers anew."""
    authorize(caller, SERVICES_RULE)
    async with cloud.db.session() as s:
        where = HostRow.uuid == service_id if by_uuid else HostRow.id == int(service_id)
        row = await s.scalar(select(HostRow).where(where))
        if row is None:
            raise errors.NotFound(f"Service {service_id} not found.")
        hosted = await s.scalar(select(func.count()).select_from(ServerRow).where(
            ServerRow.host == row.name, ServerRow.deleted.is_(False)))
        if hosted:
            raise errors.Conflict("Unable to delete compute service that is hosting "
                                  "instances. Migrate or delete the instances first.")
        moving = await s.scalars(select(ServerRow.pending).where(
            ServerRow.deleted.is_(False), ServerRow.pending.is_not(None)))
        if any(row.name in (source_of(p), destination_of(p)) for p in moving):
            raise errors.Conflict("Unable to delete compute service that has in-progress "
                                  "migrations. Complete the migrations or delete the "
                                  "instances first.")
        await s.execute(delete(AggregateHostRow).where(AggregateHostRow.host == row.name))
        await s.delete(row)


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
    """Enable or disable the host's compute service, and put it in or out of maintenance
    mode: a host in maintenance gets no new server from the scheduler (its servers stay)."""
    authorize(caller, HOSTS_RULE)
    transaction = cloud.db.reader if enabled is None and maintenance is None else cloud.db.session
    async with transaction() as s:
        view = await _named(s, cloud.settings, name)
        if enabled is not None:
            await set_enabled(s, view.row.name, COMPUTE_BINARY, enabled)
        if maintenance is not None:
            view.row.maintenance = maintenance
    return view.row


async def _servers_on(cloud: Cloud, name: str, vm_state: str) -> list[str]:
    async with cloud.db.reader() as s:
        return list(await s.scalars(select(ServerRow.id).where(
            ServerRow.host == name, ServerRow.deleted.is_(False), ServerRow.vm_state == vm_state)
            .order_by(ServerRow.created_at, ServerRow.id)))


async def _each(ids: list[str], act: Callable[[str], Awaitable[object]]) -> list[str]:
    """Ask each server for the action; those whose state refuses it (409) are skipped."""
    done = []
    for server_id in ids:
        try:
            await act(server_id)
        except errors.Conflict:
            continue
        done.append(server_id)
    return done


async def power_action(cloud: Cloud, caller: Caller, name: str, action: str) -> HostRow:
    """Act on the host's agent: `shutdown` stops every running guest on it and shows its
    service down (the scheduler skips it) until `startup`, which starts again the guests the
    shutdown stopped; `reboot` hard-reboots every running guest. Each guest's action is a
    server action of its own (instance actions record it), carried out by the agent."""
    authorize(caller, HOSTS_RULE)
    async with cloud.db.reader() as s:
        row = (await _named(s, cloud.settings, name)).row
    if action == "shutdown":
        stopped = await _each(await _servers_on(cloud, row.name, "active"), lambda i: server_actions.request(
            cloud, caller, i, Action.STOP))
        async with cloud.db.session() as s:
            host = await _by_host(s, row.name, COMPUTE_BINARY)
            host.powered_off = True
            host.stopped_by_host = sorted({*host.stopped_by_host, *stopped})
    elif action == "startup":
        async with cloud.db.session() as s:
            host = await _by_host(s, row.name, COMPUTE_BINARY)
            host.powered_off = False
            to_start, host.stopped_by_host = list(host.stopped_by_host), []
        stopped_now = set(await _servers_on(cloud, row.name, "stopped"))
        await _each([i for i in to_start if i in stopped_now],
                    lambda i: server_actions.request(cloud, caller, i, Action.START))
    else:
        await _each(await _servers_on(cloud, row.name, "active"),
                    lambda i: server_actions.reboot(cloud, caller, i, hard=True))
    return row
