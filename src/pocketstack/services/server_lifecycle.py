"""A server's lifecycle as its use cases share it: intent recorded with one conditional UPDATE
(`request_action`), the lock, faults, the instance action each request records, display
changes, and delete (deferred when reclaim_instance_interval_s > 0).

The agent on the server's host does the work; a commit that leaves a server with a host and a
task in progress wakes it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import (
    ANY_TASK,
    TRANSITIONS,
    Action,
    PowerState,
    TaskState,
    VmState,
    state_conflict,
)
from pocketstack.db.models import ImageRow, ServerRow
from pocketstack.db.pending import Pending, SoftDelete, shelved_image_of
from pocketstack.db.wakes import wake_after_commit
from pocketstack.services import attachment_records, instance_actions, networks, scheduler
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.servers import AddressedServer, Wants, get_server, load, load_related
from pocketstack.settings import Settings
from pocketstack.timeutil import iso_z, utcnow

# Work on a loaded server in the use case's transaction; returns the host whose agent must act.
ServerWork = Callable[[AsyncSession, ServerRow], Awaitable[str | None]]


def fault_record(code: int, message: str, details: str = "") -> dict[str, Any]:
    """A server's fault as Nova shows it."""
    return {"code": code, "message": message, "details": details, "created": iso_z(utcnow())}


def check_state(row: ServerRow, action: str, allowed: frozenset[VmState] | tuple[VmState, ...],
                *, task_ok_while_building: bool = False) -> None:
    """Nova's check_instance_state: 409 unless the server is in one of the `allowed` vm_states
    with no task in progress (a building server's task is allowed with
    `task_ok_while_building`). Nova checks this before the arguments (409 before 400)."""
    if row.vm_state not in allowed:
        raise errors.Conflict(state_conflict(action, row.id, "vm_state", row.vm_state))
    if row.task_state is not None and not (task_ok_while_building
                                           and row.vm_state == VmState.BUILDING):
        raise errors.Conflict(state_conflict(action, row.id, "task_state", row.task_state))


def check_unlocked(row: ServerRow, caller: Caller) -> None:
    if row.locked and not caller.is_admin:
        raise errors.Conflict(f"Instance {row.id} is locked")


async def record(s: AsyncSession, caller: Caller, row: ServerRow, action: str) -> None:
    """The instance action os-instance-actions lists (its events come from the agent)."""
    await instance_actions.record_action(s, server_id=row.id, action=action,
                                         request_id=caller.request_id,
                                         project_id=caller.project_id, user_id=caller.user_id)


async def run(cloud: Cloud, caller: Caller, server_id: str, policy: str,
              server_work: ServerWork) -> ServerRow:
    """Authorize (403 before 404), then load the caller's server and do `server_work` in one
    transaction; the agent of the host it names is woken at commit."""
    authorize(caller, policy)
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        wake_after_commit(s, await server_work(s, row))
    return row


async def request_action(s: AsyncSession, row: ServerRow, action: Action, *,
                         pending: Pending | None = None) -> None:
    """Record intent: set the action's task_state if the row's states allow it, in one
    conditional UPDATE (Nova's expected_task_state). 409 when they do not."""
    transition = TRANSITIONS[action]
    conditions = [ServerRow.id == row.id, ServerRow.deleted.is_(False),
                  ServerRow.vm_state.in_([v.value for v in transition.allowed])]
    if transition.from_tasks != ANY_TASK:
        tasks = [t.value for t in transition.from_tasks if t is not None]
        idle = [ServerRow.task_state.is_(None)] if None in transition.from_tasks else []
        conditions.append(or_(ServerRow.task_state.in_(tasks), *idle))
    result = await s.execute(
        update(ServerRow).where(*conditions)
        .values(task_state=transition.task.value, pending=pending, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    await s.refresh(row)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        attribute = "vm_state" if row.vm_state not in transition.allowed else "task_state"
        state = row.vm_state if attribute == "vm_state" else row.task_state
        raise errors.Conflict(f"Cannot '{action}' instance {row.id} while it is in "
                              f"{attribute} {state}")


# --- display changes -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServerUpdate:
    """PUT /servers/{id}: the display fields to change (None: unchanged). `description` and
    `pinned_availability_zone` may be set to None: `set_description`, `set_pinned_zone` say
    whether they change."""

    name: str | None = None
    access_ipv4: str | None = None
    access_ipv6: str | None = None
    disk_config: str | None = None
    hostname: str | None = None
    set_description: bool = False
    description: str | None = None
    set_pinned_zone: bool = False
    pinned_availability_zone: str | None = None


async def update_server(cloud: Cloud, caller: Caller, server_id: str, changes: ServerUpdate,
                        wants: Wants | None = None) -> AddressedServer[ServerRow]:
    """Set display fields; the server with its addresses (and what else `wants` asks for),
    as PUT answers."""
    authorize(caller, "compute:servers:update")
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        if changes.set_pinned_zone:
            _pin(row, changes.pinned_availability_zone)
        for column in ("name", "access_ipv4", "access_ipv6", "disk_config", "hostname"):
            value = getattr(changes, column)
            if value is not None:
                setattr(row, column, value)
        if changes.set_description:
            row.description = changes.description
        row.updated_at = utcnow()
        await s.flush()
        found = await networks.server_addresses(s, [row.id])
        related = await load_related(s, cloud.settings, [row], wants)
    return AddressedServer(row, found[row.id], related)


def _pin(row: ServerRow, zone: str | None) -> None:
    """Nova's rules: None unpins; a pinned server keeps its zone until unpinned; an unpinned
    one may be pinned to the zone it is in."""
    if zone is None:
        row.pinned_availability_zone = None
    elif row.pinned_availability_zone is not None:
        if zone != row.pinned_availability_zone:
            raise errors.Conflict("Cannot change pinned availability zone directly. Unpin "
                                  "first by setting pinned_availability_zone to null.")
    elif zone != row.availability_zone:
        raise errors.Conflict(f"Server can only be pinned to its current availability zone "
                              f"'{row.availability_zone}', but '{zone}' was requested.")
    else:
        row.pinned_availability_zone = zone


# --- delete --------------------------------------------------------------------------------------


async def delete_server(cloud: Cloud, caller: Caller, server_id: str) -> None:
    """DELETE /servers/{id}: record the intent; the server's agent destroys the guest."""
    authorize(caller, "compute:servers:delete")
    async with cloud.db.session() as s:
        wake_after_commit(s, await request_delete(s, cloud.settings, caller, server_id))


async def request_delete(s: AsyncSession, settings: Settings, caller: Caller,
                         server_id: str, *, force: bool = False) -> str | None:
    """Record the intent to delete; returns the host whose agent must act (None when the
    server had no host or its host is down: then it is deleted here, as Nova's local delete).
    With reclaim_instance_interval_s > 0 a launched server is soft-deleted unless `force`."""
    row = await get_server(s, server_id, project_id=caller.project_id, is_admin=caller.is_admin)
    check_unlocked(row, caller)
    if not force and settings.reclaim_instance_interval_s > 0 and row.launched_at is not None \
            and row.host is not None and await scheduler.host_is_up(s, settings, row.host):
        return await _soft_delete(s, settings, caller, row)
    if row.task_state == TaskState.DELETING and row.host is not None \
            and await scheduler.host_is_up(s, settings, row.host):
        return row.host
    await record(s, caller, row, Action.DELETE)
    await _forget_shelved_image(s, row)
    if row.host is None or not await scheduler.host_is_up(s, settings, row.host):
        await mark_deleted(s, row)
        await attachment_records.release_server(s, row.id, settings.data_dir)
        return None
    await request_action(s, row, Action.DELETE)
    return row.host


async def _forget_shelved_image(s: AsyncSession, row: ServerRow) -> None:
    """A shelved server's "<name>-shelved" snapshot is deleted with it, as Nova does (the
    record only: its data file is left in the image store)."""
    image_id = shelved_image_of(row.pending)
    if not image_id or row.vm_state not in (VmState.SHELVED, VmState.SHELVED_OFFLOADED):
        return
    image = await s.get(ImageRow, image_id)
    if image is not None and not image.deleted:
        now = utcnow()
        image.status, image.deleted, image.deleted_at, image.updated_at = "deleted", True, now, now


async def _soft_delete(s: AsyncSession, settings: Settings, caller: Caller,
                       row: ServerRow) -> str | None:
    """Nova's deferred delete: SOFT_DELETED until the agent reclaims it (or it is restored)."""
    if row.vm_state == VmState.SOFT_DELETED and row.task_state is None:
        return None
    await record(s, caller, row, Action.DELETE)
    await request_action(s, row, Action.SOFT_DELETE,
                         pending=SoftDelete(settings.reclaim_instance_interval_s))
    return row.host


async def mark_deleted(s: AsyncSession, row: ServerRow) -> None:
    """Release the server's ports and soft-delete its row (it stays for changes-since)."""
    await networks.release_server_ports(s, row.id)
    now = utcnow()
    row.vm_state, row.task_state, row.power_state = VmState.DELETED, None, PowerState.NOSTATE
    row.deleted, row.deleted_at, row.terminated_at, row.updated_at = True, now, now, now
    await s.flush()
