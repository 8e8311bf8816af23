"""The agent's steps for power and guest actions: reboot, stop, start, pause, unpause, suspend,
resume, rescue, unrescue and the admin password.

Each opens its os-instance-actions event, makes one idempotent driver call (a reboot is done
at least once: a crash after it reboots again), and writes back the new vm_state with the
observed power and console with a compare-and-swap on the states it planned from. A failure
puts the task back (the server stays as it was) and closes the event as an error; a failed
reboot that leaves the guest down makes the server ERROR, as Nova does.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pocketstack.agent import store
from pocketstack.agent.host import Host, StepFunction
from pocketstack.agent.plan import Step
from pocketstack.agent.store import ServerState
from pocketstack.compute_states import Action, PowerState, TaskState, VmState, instance_name
from pocketstack.db.models import ServerRow
from pocketstack.db.pending import NewPassword, Rescue
from pocketstack.drivers.base import DriverError, GuestNotFound, ImageFiles
from pocketstack.services import instance_actions
from pocketstack.services.server_lifecycle import fault_record

log = logging.getLogger("pocketstack.agent")

GuestCall = Callable[[Host, ServerRow], Awaitable[None]]
# Nova's clean shutdown timeout (CONF.shutdown_timeout) for a stop.
SHUTDOWN_TIMEOUT_S = 60.0
HARD_REBOOT_TASKS = frozenset({TaskState.REBOOTING_HARD, TaskState.REBOOT_PENDING_HARD,
                               TaskState.REBOOT_STARTED_HARD})


@dataclass(frozen=True, slots=True)
class GuestOp:
    action: Action
    # The os-instance-actions event (Nova's compute manager method).
    event: str
    # The vm_state the server is in when the call succeeded.
    done: VmState
    call: GuestCall


def _name(row: ServerRow) -> str:
    return instance_name(row.id)


async def read_diagnostics(host: Host, name: str) -> dict[str, int] | None:
    """The guest's counters (None without a guest), kept on the row for the diagnostics API."""
    try:
        return await host.driver.diagnostics(name)
    except DriverError:
        return None


def read_consoles(host: Host, name: str) -> dict[str, Any] | None:
    """The guest's remote consoles from a driver that has its own (qemu: VNC and serial
    sockets), as kept on the row; None for a driver without (the fake's console page)."""
    consoles = getattr(host.driver, "consoles", None)
    if consoles is None:
        return None
    return {protocol: endpoint.as_dict() for protocol, endpoint in consoles(name).items()}


def _new_password(row: ServerRow) -> str:
    return row.pending.password if isinstance(row.pending, NewPassword) else ""


async def _spawn_again(host: Host, row: ServerRow) -> None:
    """A guest that is gone (its host lost it) is created again, as libvirt's hard reboot
    recreates a domain from its definition."""
    await host.driver.spawn(await store.instance_spec(host.db, row, host.data_dir))


async def _reboot(host: Host, row: ServerRow) -> None:
    name = _name(row)
    if await host.driver.power_state(name) is None:
        await _spawn_again(host, row)
        return
    hard = row.task_state in HARD_REBOOT_TASKS
    try:
        await host.driver.reboot(name, hard=hard)
    except GuestNotFound:
        raise
    except DriverError:
        if hard:
            raise
        # A soft reboot the guest does not honour becomes a hard one (libvirt's fallback).
        await host.driver.reboot(name, hard=True)


async def _power_off(host: Host, row: ServerRow) -> None:
    try:
        await host.driver.power_off(_name(row), timeout_s=SHUTDOWN_TIMEOUT_S)
    except GuestNotFound:
        return


async def _power_on(host: Host, row: ServerRow) -> None:
    if await host.driver.power_state(_name(row)) is None:
        await _spawn_again(host, row)
        return
    await host.driver.power_on(_name(row))


async def _rescue(host: Host, row: ServerRow) -> None:
    rescue = row.pending if isinstance(row.pending, Rescue) else Rescue("", None)
    image = ImageFiles(rescue.image_id) if rescue.image_id else None
    await host.driver.rescue(_name(row), image=image, password=rescue.password)


async def _set_password(host: Host, row: ServerRow) -> None:
    await host.driver.set_admin_password(_name(row), _new_password(row))


def _call(method: str) -> GuestCall:
    async def call(host: Host, row: ServerRow) -> None:
        await getattr(host.driver, method)(_name(row))
    return call


OPS: dict[Step, GuestOp] = {
    Step.REBOOT: GuestOp(Action.REBOOT, "compute_reboot_instance", VmState.ACTIVE, _reboot),
    Step.POWER_OFF: GuestOp(Action.STOP, "compute_stop_instance", VmState.STOPPED, _power_off),
    Step.POWER_ON: GuestOp(Action.START, "compute_start_instance", VmState.ACTIVE, _power_on),
    Step.PAUSE: GuestOp(Action.PAUSE, "compute_pause_instance", VmState.PAUSED, _call("pause")),
    Step.UNPAUSE: GuestOp(Action.UNPAUSE, "compute_unpause_instance", VmState.ACTIVE,
                          _call("unpause")),
    Step.SUSPEND: GuestOp(Action.SUSPEND, "compute_suspend_instance", VmState.SUSPENDED,
                          _call("suspend")),
    Step.RESUME: GuestOp(Action.RESUME, "compute_resume_instance", VmState.ACTIVE,
                         _call("resume")),
    Step.RESCUE: GuestOp(Action.RESCUE, "compute_rescue_instance", VmState.RESCUED, _rescue),
    Step.UNRESCUE: GuestOp(Action.UNRESCUE, "compute_unrescue_instance", VmState.ACTIVE,
                           _call("unrescue")),
    Step.SET_PASSWORD: GuestOp(Action.CHANGE_PASSWORD, "compute_set_admin_password",
                               VmState.ACTIVE, _set_password),
}
# A reboot shows Nova's reboot_started(_hard) while the guest reboots.
_STARTED = {TaskState.REBOOTING: TaskState.REBOOT_STARTED,
            TaskState.REBOOT_PENDING: TaskState.REBOOT_STARTED,
            TaskState.REBOOTING_HARD: TaskState.REBOOT_STARTED_HARD,
            TaskState.REBOOT_PENDING_HARD: TaskState.REBOOT_STARTED_HARD}


async def _begin(host: Host, row: ServerRow, op: GuestOp) -> ServerState | None:
    """Open the event (and move a reboot to its started task); the states to finish from, or
    None when the row changed under us."""
    state = ServerState.of(row)
    async with host.db.session(wake=False) as s:
        started = _STARTED.get(state.task_state) if state.task_state else None
        if started is not None:
            if not await store.compare_and_set(s, row.id, host.name, state,
                                               task_state=started.value):
                return None
            state = ServerState(row.id, state.vm_state, started, state.power_state)
            row.task_state = started.value
        await instance_actions.start_event(s, row.id, op.action, op.event, host=host.name)
    return state


async def perform(host: Host, row: ServerRow, op: GuestOp) -> None:
    state = await _begin(host, row, op)
    if state is None:
        return
    try:
        await op.call(host, row)
    except Exception as exc:  # noqa: BLE001 - a failed guest call is the action's error
        await _fail(host, row, state, op, exc)
        return
    name = _name(row)
    power = await host.driver.power_state(name)
    values: dict[str, Any] = {
        "vm_state": op.done.value, "task_state": None, "pending": None,
        "power_state": (power or PowerState.NOSTATE).value,
        "console_log": await host.driver.console_log(name),
        "diagnostics": await read_diagnostics(host, name)}
    if op.action == Action.CHANGE_PASSWORD:
        values["admin_password"] = _new_password(row)
    async with host.db.session(wake=False) as s:
        if await store.compare_and_set(s, row.id, host.name, state, **values):
            await instance_actions.finish_event(s, row.id, op.action, op.event,
                                                result=instance_actions.SUCCESS, host=host.name)


async def _fail(host: Host, row: ServerRow, state: ServerState, op: GuestOp,
                exc: Exception) -> None:
    log.warning("server %s: %s failed: %s", row.id, op.action, exc)
    details = traceback.format_exc()
    name = _name(row)
    power = await host.driver.power_state(name)
    values: dict[str, Any] = {"task_state": None, "pending": None,
                              "power_state": (power or PowerState.NOSTATE).value}
    if op.action == Action.REBOOT and power != PowerState.RUNNING:
        values.update(vm_state=VmState.ERROR.value,
                      fault=fault_record(500, str(exc) or type(exc).__name__, details))
    async with host.db.session(wake=False) as s:
        if await store.compare_and_set(s, row.id, host.name, state, **values):
            await instance_actions.finish_event(s, row.id, op.action, op.event,
                                                result=instance_actions.ERROR, host=host.name,
                                                traceback=details)


def _step(op: GuestOp) -> StepFunction:
    async def step(host: Host, row: ServerRow, power: PowerState | None) -> None:
        await perform(host, row, op)
    step.__name__ = op.event
    return step


STEPS: dict[Step, StepFunction] = {step: _step(op) for step, op in OPS.items()}
