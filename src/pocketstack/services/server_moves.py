"""Server actions that move or park a server: resize (confirm, revert), cold and live migrate,
evacuate, shelve (offload, unshelve), and the deferred delete's restore and forceDelete. Each use case
records the instance action and the intent in one transaction; the agent of the host that
must act is woken at commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import Action, VmState
from pocketstack.db import pending
from pocketstack.db.models import FlavorRow, HostRow, ServerRow
from pocketstack.db.wakes import wake_after_commit
from pocketstack.services import instance_actions, networks, quotas, scheduler
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.flavors import get_flavor
from pocketstack.services.policy import authorize
from pocketstack.services.server_create import flavor_snapshot, generate_password
from pocketstack.services.server_images import Snapshot, snapshot_image
from pocketstack.services.server_lifecycle import (
    check_state,
    check_unlocked,
    fault_record,
    record,
    request_action,
    request_delete,
    run,
)
from pocketstack.services.servers import AddressedServer, load
from pocketstack.settings import Settings

UNSHELVE_EVENT = "conductor_unshelve_instance"
MIGRATE_EVENT = "conductor_migrate_server"
LIVE_MIGRATE_EVENT = "conductor_live_migrate_instance"
EVACUATE_EVENT = "conductor_rebuild_server"


async def _flavor(s: AsyncSession, caller: Caller, flavor_id: str) -> FlavorRow:
    try:
        flavor = await get_flavor(s, flavor_id, project_id=caller.project_id,
                                  is_admin=caller.is_admin)
    except errors.NotFound:
        raise errors.BadRequest("Unable to locate requested flavor.") from None
    if flavor.disabled:
        raise errors.BadRequest("Unable to locate requested flavor.")
    return flavor


async def resize(cloud: Cloud, caller: Caller, server_id: str, flavor_id: str,
                 disk_config: str | None = None, *,
                 with_addresses: bool = False) -> AddressedServer[ServerRow]:
    """Resize on the server's host; quota is checked on what the new flavor adds. The server's
    addresses come with it when asked for (the legacy API answers with the server)."""
    authorize(caller, "compute:servers:resize")
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        wake_after_commit(s, await _resize(s, cloud.settings, caller, row, flavor_id,
                                           disk_config))
        found = await networks.server_addresses(s, [row.id]) if with_addresses else {}
    return AddressedServer(row, found.get(row.id, []))


async def _resize(s: AsyncSession, settings: Settings, caller: Caller, row: ServerRow,
                  flavor_id: str, disk_config: str | None) -> str | None:
    check_unlocked(row, caller)
    check_state(row, Action.RESIZE, (VmState.ACTIVE, VmState.STOPPED))
    await quotas.lock_project(s, row.project_id)
    flavor = await _flavor(s, caller, flavor_id)
    old = row.flavor or {}
    if flavor.id == row.flavor_id:
        raise errors.BadRequest("When resizing, instances must change flavor!")
    if flavor.disk and flavor.disk < int(old.get("disk", 0)):
        raise errors.BadRequest("Unable to resize disk down.")
    extra_cores = max(flavor.vcpus - int(old.get("vcpus", 0)), 0)
    extra_ram = max(flavor.ram - int(old.get("ram", 0)), 0)
    if extra_cores or extra_ram:
        await quotas.check_server_quota(s, settings, row.project_id, instances=0,
                                        cores=extra_cores, ram=extra_ram)
    if disk_config is not None:
        row.disk_config = disk_config
    return await _move(s, caller, row, Action.RESIZE, flavor_snapshot(flavor), row.host)


async def migrate(cloud: Cloud, caller: Caller, server_id: str, host: str | None = None) -> None:
    """Cold-migrate to another host the scheduler picks (400 when there is none); a named
    `host` (2.56, admins) must exist and not be the server's own, and is checked for room."""
    settings = cloud.settings

    async def work(s: AsyncSession, row: ServerRow) -> str | None:
        check_unlocked(row, caller)
        check_state(row, Action.MIGRATE, (VmState.ACTIVE, VmState.STOPPED))
        if host is not None:
            if host == row.host:
                raise errors.BadRequest("Cannot migrate to the host where the server exists.")
            await _check_host_exists(s, host)
        others = [h for h in await scheduler.host_states(s, settings) if h.name != row.host
                  and (host is None or h.name == host)]
        try:
            (placement,) = scheduler.pick_hosts(others, scheduler.flavor_demand(row.flavor or {}),
                                                1)
        except scheduler.NoValidHost as exc:
            raise errors.BadRequest(exc.message) from None
        return await _move(s, caller, row, Action.MIGRATE, dict(row.flavor or {}), placement.host)

    policy = "compute:os-migrate-server:migrate" + (":host" if host else "")
    await run(cloud, caller, server_id, policy, work)


class PreCheckFailed(Exception):
    """A live migration's destination check failed (Nova's conductor raises these); `code`
    is the fault code Nova records."""

    def __init__(self, message: str, code: int = 400) -> None:
        super().__init__(message)
        self.message, self.code = message, code


async def live_migrate(cloud: Cloud, caller: Caller, server_id: str, host: str | None, *,
                       checks_after: bool = False) -> None:
    """Move a running (or paused) server to another host, picked by the scheduler unless
    named; the guest keeps running as far as its user can tell.

    An unknown `host` is refused at once (400). The destination checks (not the server's
    host, up, with room) are Nova's conductor's: the instance action is recorded first and
    a failure ends it in error with the server as it was; before 2.34 the request then
    answers 400 with the failure, from 2.34 (`checks_after`) it has answered 202 already."""
    settings = cloud.settings
    policy = "compute:os-migrate-server:migrate_live" + (":host" if host else "")
    authorize(caller, policy)
    failure: PreCheckFailed | None = None
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        check_unlocked(row, caller)
        check_state(row, Action.LIVE_MIGRATE, (VmState.ACTIVE, VmState.PAUSED))
        if host is not None:
            await _check_host_exists(s, host)
        try:
            dest = await _live_destination(s, settings, row, host)
        except PreCheckFailed as exc:
            failure = exc
            await record(s, caller, row, Action.LIVE_MIGRATE)
            row.fault = fault_record(exc.code, exc.message)
            await instance_actions.finish_event(s, row.id, Action.LIVE_MIGRATE,
                                                LIVE_MIGRATE_EVENT,
                                                result=instance_actions.ERROR, host=None)
        else:
            await request_action(s, row, Action.LIVE_MIGRATE, pending=pending.LiveMigration(
                source_host=row.host, dest_host=dest))
            await record(s, caller, row, Action.LIVE_MIGRATE)
            await instance_actions.finish_event(s, row.id, Action.LIVE_MIGRATE,
                                                LIVE_MIGRATE_EVENT,
                                                result=instance_actions.SUCCESS, host=None)
            wake_after_commit(s, row.host)
    if failure is not None and not checks_after:
        raise errors.BadRequest(failure.message)


async def _live_destination(s: AsyncSession, settings: Settings, row: ServerRow,
                            host: str | None) -> str:
    """Nova's LiveMigrationTask checks: the destination host (named or picked)."""
    if host is not None:
        if host == row.host:
            raise PreCheckFailed(f"Unable to migrate instance ({row.id}) to current host "
                                 f"({host}).")
        if not await scheduler.host_is_up(s, settings, host):
            raise PreCheckFailed(f"Compute service of {host} is unavailable at this time.", 503)
    states = [h for h in await scheduler.host_states(s, settings) if h.name != row.host
              and (host is None or h.name == host)]
    try:
        (placement,) = scheduler.pick_hosts(states, scheduler.flavor_demand(row.flavor or {}), 1)
    except scheduler.NoValidHost as exc:
        raise PreCheckFailed(exc.message, 500) from None
    return placement.host


async def _check_host_exists(s: AsyncSession, host: str) -> None:
    if await s.scalar(select(HostRow.id).where(HostRow.name == host)) is None:
        raise errors.BadRequest(f"Compute host {host} could not be found.")


@dataclass(frozen=True, slots=True)
class Evacuation:
    """An evacuation's arguments: the destination (None: the scheduler picks; `force` skips
    nothing here: a named host is checked for room either way), the guest's new admin
    password (None: one is generated if `new_password`, else the guest keeps its own: Nova's
    shared storage before 2.14), and whether the server is to end stopped (2.95)."""

    host: str | None = None
    force: bool = False
    admin_password: str | None = None
    new_password: bool = True
    stopped: bool = False


async def evacuate(cloud: Cloud, caller: Caller, server_id: str,
                   req: Evacuation) -> str | None:
    """Rebuild the server on another host because its own is down (Nova's evacuate): the
    destination's agent spawns it again from its image, where it ends in its state before
    (stopped stays stopped, error becomes active) or stopped (`req.stopped`, except from
    error). With no host for it the server goes to ERROR, as Nova's conductor leaves it.
    Returns the guest's new admin password (None: unchanged)."""
    settings = cloud.settings
    password = req.admin_password
    if password is None and req.new_password:
        password = generate_password()
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-evacuate", row.project_id)
        if req.host is not None \
                and await s.scalar(select(HostRow.id).where(HostRow.name == req.host)) is None:
            raise errors.NotFound(f"Compute host {req.host} not found.")
        if row.host == req.host:
            raise errors.BadRequest("The target host can't be the same one.")
        check_state(row, Action.EVACUATE, (VmState.ACTIVE, VmState.STOPPED, VmState.ERROR))
        source = row.host
        if source is not None and await scheduler.host_is_up(s, settings, source):
            raise errors.BadRequest(f"Compute service of {source} is still in use.")
        stopped = row.vm_state == VmState.STOPPED or (req.stopped
                                                       and row.vm_state != VmState.ERROR)
        await request_action(s, row, Action.EVACUATE,
                             pending=pending.Evacuate(source, None, stopped))
        await record(s, caller, row, Action.EVACUATE)
        states = [h for h in await scheduler.host_states(s, settings)
                  if h.name != source and (req.host is None or h.name == req.host)]
        try:
            (placement,) = scheduler.pick_hosts(states, scheduler.flavor_demand(row.flavor or {}),
                                                1)
        except scheduler.NoValidHost as exc:
            row.vm_state, row.task_state, row.pending = VmState.ERROR, None, None
            row.fault = fault_record(500, exc.message)
            await instance_actions.finish_event(s, row.id, Action.EVACUATE, EVACUATE_EVENT,
                                                result=instance_actions.ERROR, host=None)
            return password
        row.pending = pending.Evacuate(source, placement.host, stopped)
        row.host = row.node = placement.host
        row.availability_zone = placement.availability_zone
        if password is not None:
            row.admin_password = password
        await instance_actions.finish_event(s, row.id, Action.EVACUATE, EVACUATE_EVENT,
                                            result=instance_actions.SUCCESS, host=None)
        await s.flush()
        wake_after_commit(s, row.host)
    return password


async def _move(s: AsyncSession, caller: Caller, row: ServerRow, action: Action,
                flavor: dict[str, Any], dest: str | None) -> str | None:
    """Resize and migrate both pass through Nova's conductor (its migrate_server event)."""
    move = pending.Move(action, source_host=row.host, dest_host=dest,
                        stopped=row.vm_state == VmState.STOPPED)
    old = dict(row.flavor or {})
    await request_action(s, row, action, pending=move)
    row.old_flavor, row.new_flavor = old, flavor
    await record(s, caller, row, action)
    await instance_actions.finish_event(s, row.id, action, MIGRATE_EVENT,
                                        result=instance_actions.SUCCESS, host=None)
    await s.flush()
    return row.host


async def _simple(s: AsyncSession, caller: Caller, row: ServerRow, action: Action,
                  work: pending.Pending) -> str | None:
    check_unlocked(row, caller)
    await request_action(s, row, action, pending=work)
    await record(s, caller, row, action)
    return row.host


def _finishing(row: ServerRow, action: Action) -> pending.Move:
    """The move being confirmed or reverted, under its new action."""
    move = row.pending
    if isinstance(move, pending.Move):
        return pending.Move(action, move.source_host, move.dest_host, move.stopped)
    return pending.Move(action, source_host=None, dest_host=None, stopped=False)


async def confirm_resize(cloud: Cloud, caller: Caller, server_id: str) -> None:
    await run(cloud, caller, server_id, "compute:servers:confirm_resize",
              lambda s, row: _simple(s, caller, row, Action.CONFIRM_RESIZE,
                                     _finishing(row, Action.CONFIRM_RESIZE)))


async def revert_resize(cloud: Cloud, caller: Caller, server_id: str) -> None:
    await run(cloud, caller, server_id, "compute:servers:revert_resize",
              lambda s, row: _simple(s, caller, row, Action.REVERT_RESIZE,
                                     _finishing(row, Action.REVERT_RESIZE)))


async def shelve(cloud: Cloud, caller: Caller, server_id: str) -> None:
    """Shelve: the agent snapshots the guest into "<name>-shelved" (deleted again when the
    server is unshelved), powers it off, and offloads it after shelved_offload_time_s."""
    offload_after_s = cloud.settings.shelved_offload_time_s

    async def work(s: AsyncSession, row: ServerRow) -> str | None:
        check_unlocked(row, caller)
        check_state(row, Action.SHELVE, (VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED,
                                          VmState.SUSPENDED))
        image = await snapshot_image(s, row, Snapshot(f"{row.name}-shelved"))
        return await _simple(s, caller, row, Action.SHELVE,
                             pending.Shelve(image.id, offload_after_s))

    await run(cloud, caller, server_id, "compute:os-shelve:shelve", work)


async def shelve_offload(cloud: Cloud, caller: Caller, server_id: str) -> None:
    await run(cloud, caller, server_id, "compute:os-shelve:shelve_offload",
              lambda s, row: _simple(s, caller, row, Action.SHELVE_OFFLOAD, pending.ShelveOffload(
                  pending.shelved_image_of(row.pending), pending.due_of(row.pending))))


@dataclass(frozen=True, slots=True)
class UnshelveTarget:
    """Where an offloaded server is to be unshelved: `zone_given` with `zone` re-pins it (None
    unpins it; 2.77, 2.91); `host` names the host (2.91, admins)."""

    zone_given: bool = False
    zone: str | None = None
    host: str | None = None


async def unshelve(cloud: Cloud, caller: Caller, server_id: str,
                   target: UnshelveTarget = UnshelveTarget()) -> None:
    """A shelved server wakes on its host; an offloaded one is scheduled again first, in its
    pinned zone (with no room anywhere it stays offloaded, with a fault, as Nova's conductor
    leaves it)."""
    settings = cloud.settings
    await run(cloud, caller, server_id, "compute:os-shelve:unshelve",
              lambda s, row: _unshelve(s, settings, caller, row, target))


async def _unshelve(s: AsyncSession, settings: Settings, caller: Caller, row: ServerRow,
                    target: UnshelveTarget) -> str | None:
    check_unlocked(row, caller)
    check_state(row, Action.UNSHELVE, (VmState.SHELVED, VmState.SHELVED_OFFLOADED))
    work = pending.Unshelve(pending.shelved_image_of(row.pending))
    if target.zone_given or target.host:
        if row.vm_state != VmState.SHELVED_OFFLOADED:
            raise errors.Conflict(
                "Specifying an availability zone or a host when unshelving server "
                f'"{row.id}" with status "{row.vm_state}" is not supported. The server status '
                "must be SHELVED_OFFLOADED.")
    if target.zone_given and target.zone \
            and not await scheduler.zone_exists(s, target.zone):
        raise errors.BadRequest("The requested availability zone is not available")
    zone = target.zone if target.zone_given else row.pinned_availability_zone
    if target.host:
        authorize(caller, "compute:os-shelve:unshelve_to_host", row.project_id)
        found = await s.scalar(select(HostRow).where(HostRow.name == target.host))
        if found is None:
            raise errors.BadRequest(f"Compute host {target.host} could not be found.")
        if zone is not None and found.availability_zone != zone:
            raise errors.Conflict(f'Host "{target.host}" is not in the availability zone '
                                  f'"{zone}".')
    if row.vm_state != VmState.SHELVED_OFFLOADED:
        return await _simple(s, caller, row, Action.UNSHELVE, work)
    # As Nova's request spec, the zone is kept even when no host is found.
    row.pinned_availability_zone = zone
    await record(s, caller, row, Action.UNSHELVE)
    try:
        (placement,) = await scheduler.schedule(s, settings, row.flavor or {}, 1, zone=zone,
                                                forced_host=target.host)
    except scheduler.NoValidHost as exc:
        row.fault = fault_record(500, exc.message)
        await instance_actions.finish_event(s, row.id, Action.UNSHELVE, UNSHELVE_EVENT,
                                            result=instance_actions.ERROR, host=None)
        return None
    await request_action(s, row, Action.UNSHELVE, pending=work)
    row.host = row.node = placement.host
    row.availability_zone = placement.availability_zone
    await instance_actions.finish_event(s, row.id, Action.UNSHELVE, UNSHELVE_EVENT,
                                        result=instance_actions.SUCCESS, host=None)
    await s.flush()
    return row.host


async def restore(cloud: Cloud, caller: Caller, server_id: str) -> None:
    """Undo a soft delete: the server's agent powers it on again and it is active."""
    await run(cloud, caller, server_id, "compute:os-deferred-delete:restore",
              lambda s, row: _simple(s, caller, row, Action.RESTORE, pending.Restore()))


async def force_delete(cloud: Cloud, caller: Caller, server_id: str) -> None:
    """Delete now, whatever the deferred delete setting (Nova's forceDelete)."""
    settings = cloud.settings
    await run(cloud, caller, server_id, "compute:os-deferred-delete:force",
              lambda s, row: request_delete(s, settings, caller, row.id, force=True))
