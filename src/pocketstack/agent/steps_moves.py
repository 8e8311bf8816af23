"""The agent's steps for rebuild, resize, migrate, snapshots and backups, shelve and soft delete.

Each step reads what to do from the row (`pending` carries the request's arguments, as the
kinds of db/pending.py), acts on the guest idempotently and writes back with a compare-and-swap
on the states it planned from.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from pocketstack.agent import store
from pocketstack.agent.host import Host, StepFunction
from pocketstack.agent.plan import Step
from pocketstack.agent.store import ServerState
from pocketstack.compute_states import Action, PowerState, TaskState, VmState, instance_name
from pocketstack.db import pending
from pocketstack.db.models import ImageRow, ServerRow
from pocketstack.drivers.base import DriverError
from pocketstack.services import image_store, images, instance_actions
from pocketstack.services.server_lifecycle import fault_record
from pocketstack.timeutil import utcnow

log = logging.getLogger("pocketstack.agent")

# The os-instance-actions event each task finishes (Nova's compute manager method names).
EVENTS: dict[TaskState, str] = {
    TaskState.REBUILDING: "compute_rebuild_instance",
    TaskState.REBUILD_SPAWNING: "compute_rebuild_instance",
    TaskState.RESIZE_PREP: "compute_resize_instance",
    TaskState.RESIZE_MIGRATED: "compute_finish_resize",
    TaskState.RESIZE_CONFIRMING: "compute_confirm_resize",
    TaskState.RESIZE_REVERTING: "compute_finish_revert_resize",
    TaskState.IMAGE_SNAPSHOT: "compute_snapshot_instance",
    TaskState.IMAGE_BACKUP: "compute_backup_instance",
    TaskState.SHELVING: "compute_shelve_instance",
    TaskState.SHELVING_OFFLOADING: "compute_shelve_offload_instance",
    TaskState.UNSHELVING: "compute_unshelve_instance",
    TaskState.RESTORING: "compute_restore_instance",
    TaskState.SOFT_DELETING: "compute_soft_delete_instance",
    TaskState.MIGRATING: "compute_live_migration",
}
# Moves after which a server that was stopped is stopped again.
STOPPED_AGAIN = frozenset({TaskState.REBUILD_SPAWNING, TaskState.RESIZE_MIGRATED,
                           TaskState.RESIZE_REVERTING})
# The vm_state a finished move leaves the server in.
FINISHED: dict[TaskState, VmState] = {
    TaskState.REBUILD_SPAWNING: VmState.ACTIVE,
    TaskState.RESIZE_MIGRATED: VmState.RESIZED,
    TaskState.RESIZE_REVERTING: VmState.ACTIVE,
    TaskState.UNSHELVING: VmState.ACTIVE,
    TaskState.RESTORING: VmState.ACTIVE,
}


async def _event(host: Host, row: ServerRow, task: TaskState, *, ok: bool = True,
                 details: str | None = None) -> None:
    """Finish the event of `task` under the action the request recorded (if it recorded one)."""
    action = pending.action_of(row.pending)
    if action is None or task not in EVENTS:
        return
    async with host.db.session(wake=False) as s:
        await instance_actions.finish_event(
            s, row.id, Action.DELETE if action == Action.SOFT_DELETE else action, EVENTS[task],
            result=instance_actions.SUCCESS if ok else instance_actions.ERROR,
            host=host.name, traceback=details)


async def _set(host: Host, row: ServerRow, /, **values: Any) -> bool:
    async with host.db.session(wake=False) as s:
        return await store.compare_and_set(s, row.id, host.name, ServerState.of(row), **values)


def _flavor_id(flavor: dict[str, Any] | None, fallback: str) -> str:
    return str((flavor or {}).get("id", fallback))


async def _power_off(host: Host, name: str, power: PowerState | None) -> None:
    if power is not None and power != PowerState.SHUTDOWN:
        await host.driver.power_off(name, timeout_s=0)


# --- rebuild, resize, migrate, revert ------------------------------------------------------------


async def rebuild_teardown(host: Host, row: ServerRow, power: PowerState | None) -> None:
    await host.driver.destroy(instance_name(row.id))
    await _set(host, row, task_state=TaskState.REBUILD_SPAWNING.value,
               power_state=PowerState.NOSTATE.value)


async def _resize_in_place(host: Host, row: ServerRow, power: PowerState | None,
                           flavor: dict[str, Any] | None) -> PowerState | None:
    """Relaunch the guest here with `flavor` on its own disk, when the driver can (qemu) and
    the guest is here; the guest's power state after it, or None (not done: the caller
    destroys the guest and the server is spawned afresh)."""
    resize = getattr(host.driver, "resize", None)
    if resize is None or power is None:
        return None
    spec = await store.instance_spec(host.db, row, host.data_dir)
    flavor = flavor or {}
    spec = replace(spec, vcpus=int(flavor.get("vcpus", spec.vcpus)),
                   ram_mb=int(flavor.get("ram", spec.ram_mb)),
                   disk_gb=int(flavor.get("disk", spec.disk_gb)))
    await resize(instance_name(row.id), spec)
    return await host.driver.power_state(instance_name(row.id))


async def resize_migrate(host: Host, row: ServerRow, power: PowerState | None) -> None:
    """Hand the server to its destination with its new flavor: on this host a driver that
    resizes in place relaunches the guest on the same disk; otherwise the guest goes here and
    is spawned afresh there."""
    dest = pending.destination_of(row.pending) or host.name
    flavor = row.new_flavor or row.flavor
    after = None
    if dest == host.name:
        try:
            after = await _resize_in_place(host, row, power, flavor)
        except DriverError as exc:
            await _failed(host, row, "resize", exc)
            return
    if after is None:
        await host.driver.destroy(instance_name(row.id))
    if await _set(host, row, task_state=TaskState.RESIZE_MIGRATED.value, host=dest, node=dest,
                  flavor=flavor, flavor_id=_flavor_id(flavor, row.flavor_id),
                  power_state=(PowerState.NOSTATE if after is None else after).value):
        await _event(host, row, TaskState.RESIZE_PREP)


async def confirm_resize(host: Host, row: ServerRow, power: PowerState | None) -> None:
    vm = VmState.ACTIVE if power == PowerState.RUNNING else VmState.STOPPED
    if await _set(host, row, vm_state=vm.value, task_state=None, old_flavor=None,
                  new_flavor=None, pending=None):
        await _event(host, row, TaskState.RESIZE_CONFIRMING)


async def revert_teardown(host: Host, row: ServerRow, power: PowerState | None) -> None:
    """Give the server back its old flavor and source host: on this host a driver that
    resizes in place relaunches the guest with it on the same disk; otherwise the resized
    guest goes and the server is spawned afresh at its source."""
    source = pending.source_of(row.pending) or host.name
    flavor = row.old_flavor or row.flavor
    after = None
    if source == host.name:
        try:
            after = await _resize_in_place(host, row, power, flavor)
        except DriverError as exc:
            await _failed(host, row, "revert", exc)
            return
    if after is None:
        await host.driver.destroy(instance_name(row.id))
    await _set(host, row, vm_state=VmState.ACTIVE.value, host=source, node=source, flavor=flavor,
               flavor_id=_flavor_id(flavor, row.flavor_id), old_flavor=None, new_flavor=None,
               power_state=(PowerState.NOSTATE if after is None else after).value)


async def respawn(host: Host, row: ServerRow, power: PowerState | None) -> None:
    """Spawn the guest as the row now describes it; a failure is the server's ERROR."""
    try:
        await host.driver.spawn(await store.instance_spec(host.db, row, host.data_dir))
    except DriverError as exc:
        await _failed(host, row, "spawn", exc)


async def _failed(host: Host, row: ServerRow, what: str, exc: DriverError) -> None:
    """A move's guest that could not be made: the server's ERROR, with a fault."""
    log.warning("server %s: %s for %s failed: %s", row.id, what, row.task_state, exc)
    details = "".join(traceback.format_exception(exc))
    task = TaskState(row.task_state) if row.task_state else None
    if await _set(host, row, vm_state=VmState.ERROR.value, task_state=None,
                  power_state=PowerState.NOSTATE.value,
                  fault=fault_record(500, str(exc) or type(exc).__name__, details)):
        if task is not None:
            await _event(host, row, task, ok=False, details=details)


async def wake_guest(host: Host, row: ServerRow, power: PowerState | None) -> None:
    await host.driver.power_on(instance_name(row.id))


async def finish_move(host: Host, row: ServerRow, power: PowerState | None) -> None:
    """Record the finished move; a server that was stopped is powered off again (Nova)."""
    task = TaskState(row.task_state) if row.task_state else None
    if task is None or task not in FINISHED:
        return
    vm, power_state = FINISHED[task], PowerState.RUNNING
    if pending.was_stopped(row.pending) and task in STOPPED_AGAIN:
        await host.driver.power_off(instance_name(row.id), timeout_s=0)
        power_state = PowerState.SHUTDOWN
        vm = VmState.RESIZED if task == TaskState.RESIZE_MIGRATED else VmState.STOPPED
    values: dict[str, Any] = {"vm_state": vm.value, "task_state": None,
                              "power_state": power_state.value, "fault": None,
                              "console_log": await host.driver.console_log(instance_name(row.id))}
    if task != TaskState.RESIZE_MIGRATED:
        values["pending"] = None
    if task in (TaskState.REBUILD_SPAWNING, TaskState.UNSHELVING):
        values["launched_at"] = utcnow()
    if await _set(host, row, **values):
        await _event(host, row, task)
        shelved_image = pending.shelved_image_of(row.pending)
        if task == TaskState.UNSHELVING and shelved_image:
            await _drop_images(host, [shelved_image])


async def live_migrate(host: Host, row: ServerRow, power: PowerState | None) -> None:
    """The source hands the server over (its guest goes); the destination starts the guest
    (paused again if the server was paused) and ends the migration."""
    dest = pending.destination_of(row.pending) or host.name
    name = instance_name(row.id)
    if dest != host.name:
        await host.driver.destroy(name)
        await _set(host, row, host=dest, node=dest)
        return
    if power is None:
        await respawn(host, row, power)
        power = await host.driver.power_state(name)
        if power is None:
            return
    if row.vm_state == VmState.PAUSED and power == PowerState.RUNNING:
        await host.driver.pause(name)
        power = PowerState.PAUSED
    if await _set(host, row, task_state=None, power_state=power.value, pending=None,
                  console_log=await host.driver.console_log(name)):
        await _event(host, row, TaskState.MIGRATING)


# --- snapshots and backups -----------------------------------------------------------------------


async def snapshot(host: Host, row: ServerRow, power: PowerState | None) -> None:
    """Copy the guest's disk into the image the request created; rotate backups."""
    task = TaskState(row.task_state) if row.task_state else TaskState.IMAGE_SNAPSHOT
    work = row.pending if isinstance(row.pending, pending.Snapshot) else None
    image_id = work.image_id if work is not None else ""
    try:
        data = await host.driver.snapshot(instance_name(row.id))
    except DriverError as exc:
        log.warning("server %s: snapshot failed: %s", row.id, exc)
        await _drop_images(host, [image_id])
        if await _set(host, row, task_state=None, pending=None):
            await _event(host, row, task, ok=False, details=traceback.format_exc())
        return
    if await _save_image(host, image_id, data) and task == TaskState.IMAGE_BACKUP \
            and work is not None:
        await _rotate(host, row.id, work.backup_type or "", work.rotation or 0)
    if await _set(host, row, task_state=None, pending=None):
        await _event(host, row, task)


async def _save_image(host: Host, image_id: str, data: bytes) -> bool:
    async with host.db.session(wake=False) as s:
        image = await s.get(ImageRow, image_id)
        if image is None or image.deleted or image.status not in ("queued", "saving"):
            return False
        image.status = "saving"
        images.touch(image)
    stored = await asyncio.to_thread(image_store.save_bytes, host.data_dir, image_id, data)
    async with host.db.session(wake=False) as s:
        done = await images.finish_upload(s, image_id, location=stored.location,
                                          size=stored.size, md5=stored.md5, sha512=stored.sha512)
    if done is None:
        await asyncio.to_thread(image_store.remove, host.data_dir, stored.location)
    return done is not None


async def _rotate(host: Host, server_id: str, backup_type: str, rotation: int) -> None:
    """Keep the newest `rotation` backups of this type for the server; delete the others."""
    async with host.db.reader() as s:
        rows = await s.scalars(select(ImageRow).where(ImageRow.deleted.is_(False))
                               .order_by(ImageRow.created_at.desc(), ImageRow.id.desc()))
        backups = [r.id for r in rows if (r.properties or {}).get("image_type") == "backup"
                   and r.properties.get("instance_uuid") == server_id
                   and r.properties.get("backup_type") == backup_type]
    await _drop_images(host, backups[max(rotation, 0):])


async def _drop_images(host: Host, image_ids: list[str]) -> None:
    locations = []
    async with host.db.session(wake=False) as s:
        for image_id in image_ids:
            image = await s.get(ImageRow, image_id)
            if image is None or image.deleted:
                continue
            now = utcnow()
            image.status, image.deleted, image.deleted_at, image.updated_at = "deleted", True, now, now
            locations.append(image.location)
    for location in locations:
        await asyncio.to_thread(image_store.remove, host.data_dir, location)


async def _shelved_snapshot(host: Host, row: ServerRow) -> None:
    image_id = row.pending.image_id if isinstance(row.pending, pending.Shelve) else ""
    async with host.db.reader() as s:
        image = await s.get(ImageRow, image_id) if image_id else None
    if image is None or image.deleted or image.status not in ("queued", "saving"):
        return
    try:
        data = await host.driver.snapshot(instance_name(row.id))
    except DriverError as exc:
        log.warning("server %s: shelve snapshot failed: %s", row.id, exc)
        await _drop_images(host, [image_id])
        return
    await _save_image(host, image_id, data)


# --- shelve, offload, soft delete ----------------------------------------------------------------


def _due(after_s: float, task: TaskState) -> pending.Due | None:
    """A task the agent starts by itself once `after_s` seconds have passed (never if < 0)."""
    return None if after_s < 0 else pending.Due.after(task, after_s)


def _reclaim(after_s: float) -> pending.Kept | None:
    due = _due(after_s, TaskState.DELETING)
    return None if due is None else pending.Kept(due=due)


def _kept(row: ServerRow, due: pending.Due | None = None) -> pending.Kept | None:
    """What the shelved server keeps: its snapshot and `due` (None when neither)."""
    shelved_image = pending.shelved_image_of(row.pending)
    return pending.Kept(shelved_image, due) if shelved_image or due else None


async def shelve(host: Host, row: ServerRow, power: PowerState | None) -> None:
    """Power off, snapshot into the "<name>-shelved" image, then shelved (offloaded at once
    when offload_after_s is 0)."""
    await _power_off(host, instance_name(row.id), power)
    await _shelved_snapshot(host, row)
    shelving = row.pending
    after = float(shelving.offload_after_s if isinstance(shelving, pending.Shelve) else 0)
    observed = await host.driver.power_state(instance_name(row.id))
    values: dict[str, Any] = {"vm_state": VmState.SHELVED.value,
                              "power_state": (observed or PowerState.NOSTATE).value}
    if after == 0:
        values["task_state"] = TaskState.SHELVING_OFFLOADING.value
    else:
        values.update(task_state=None,
                      pending=_kept(row, _due(after, TaskState.SHELVING_OFFLOADING)))
    if await _set(host, row, **values):
        await _event(host, row, TaskState.SHELVING)


async def shelve_offload(host: Host, row: ServerRow, power: PowerState | None) -> None:
    """Free the host: the guest goes, the server keeps no host until it is unshelved."""
    await host.driver.destroy(instance_name(row.id))
    if await _set(host, row, vm_state=VmState.SHELVED_OFFLOADED.value, task_state=None,
                  power_state=PowerState.NOSTATE.value, host=None, node=None,
                  pending=_kept(row)):
        await _event(host, row, TaskState.SHELVING_OFFLOADING)


async def soft_delete(host: Host, row: ServerRow, power: PowerState | None) -> None:
    await _power_off(host, instance_name(row.id), power)
    deleting = row.pending
    after = float(deleting.reclaim_after_s if isinstance(deleting, pending.SoftDelete) else 0)
    observed = await host.driver.power_state(instance_name(row.id))
    if await _set(host, row, vm_state=VmState.SOFT_DELETED.value, task_state=None,
                  power_state=(observed or PowerState.NOSTATE).value,
                  pending=_reclaim(after)):
        await _event(host, row, TaskState.SOFT_DELETING)


STEPS: dict[Step, StepFunction] = {
    Step.REBUILD_TEARDOWN: rebuild_teardown,
    Step.RESIZE_MIGRATE: resize_migrate,
    Step.CONFIRM_RESIZE: confirm_resize,
    Step.REVERT_TEARDOWN: revert_teardown,
    Step.RESPAWN: respawn,
    Step.WAKE_GUEST: wake_guest,
    Step.FINISH_MOVE: finish_move,
    Step.SNAPSHOT: snapshot,
    Step.SHELVE: shelve,
    Step.SHELVE_OFFLOAD: shelve_offload,
    Step.SOFT_DELETE: soft_delete,
    Step.LIVE_MIGRATE: live_migrate,
}
