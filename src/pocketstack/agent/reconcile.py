"""Reconciling one server: load it, ask the driver what is there, plan the next step, perform
it, and plan again until there is nothing to do. Each step is idempotent and writes back with
a compare-and-swap, so a crash at any line converges when the agent runs again."""

from __future__ import annotations

import logging
import time
import traceback

from pocketstack import step_timings
from pocketstack.agent import steps_moves, steps_power, store
from pocketstack.agent.host import Host, StepFunction
from pocketstack.agent.plan import Step, plan
from pocketstack.agent.store import ServerState
from pocketstack.compute_states import Action, PowerState, TaskState, VmState, instance_name
from pocketstack.db.models import ServerRow
from pocketstack.services import attachment_records, instance_actions, networks
from pocketstack.services.server_lifecycle import fault_record
from pocketstack.timeutil import utcnow

log = logging.getLogger("pocketstack.agent")

BUILD_EVENT = "compute__do_build_and_run_instance"
DELETE_EVENT = "compute_terminate_instance"
MAX_STEPS = 10


async def reconcile_server(host: Host, server_id: str) -> None:
    for _ in range(MAX_STEPS):
        row = await store.load_server(host.db, server_id, host.name)
        if row is None:
            return
        state = ServerState.of(row)
        power = await host.driver.power_state(instance_name(row.id))
        step = plan(state.vm_state, state.task_state, power, state.power_state)
        if step is Step.NOTHING:
            return
        log.debug("server %s: %s/%s power %s -> %s", row.id, state.vm_state, state.task_state,
                  power, step)
        started = time.perf_counter()
        await STEPS[step](host, row, power)
        step_timings.record(step.name.lower(), time.perf_counter() - started)
    log.warning("server %s did not settle after %d steps", server_id, MAX_STEPS)


async def spawn(host: Host, row: ServerRow, power: PowerState | None) -> None:
    state = ServerState.of(row)
    if state.task_state != TaskState.SPAWNING:
        async with host.db.session(wake=False) as s:
            if not await store.compare_and_set(s, row.id, host.name, state,
                                               task_state=TaskState.SPAWNING.value):
                return
            await instance_actions.start_event(s, row.id, Action.CREATE, BUILD_EVENT, host=host.name)
    try:
        await host.driver.spawn(await store.instance_spec(host.db, row, host.data_dir))
    except Exception as exc:  # noqa: BLE001 - any failure of a build is the server's fault
        await spawn_failed(host, row, exc)


async def spawn_failed(host: Host, row: ServerRow, exc: Exception) -> None:
    """A build that failed: the server goes to ERROR with a fault (if still spawning)."""
    log.warning("server %s: spawn failed: %s", row.id, exc)
    message = str(exc) or type(exc).__name__
    details = "".join(traceback.format_exception(exc))
    spawning = ServerState(row.id, VmState.BUILDING, TaskState.SPAWNING, PowerState(row.power_state))
    async with host.db.session(wake=False) as s:
        if await store.compare_and_set(s, row.id, host.name, spawning,
                                       vm_state=VmState.ERROR.value, task_state=None,
                                       power_state=PowerState.NOSTATE.value,
                                       fault=fault_record(500, message, details)):
            await instance_actions.finish_event(s, row.id, Action.CREATE, BUILD_EVENT,
                                                result=instance_actions.ERROR,
                                                host=host.name, traceback=details)


async def mark_active(host: Host, row: ServerRow, power: PowerState | None) -> None:
    # A guest found running whose boot an agent that died began: ACTIVE once it is up.
    booted = getattr(host.driver, "wait_booted", None)
    if booted is not None:
        await booted(instance_name(row.id))
    console = await host.driver.console_log(instance_name(row.id))
    posted = await host.driver.guest_password(instance_name(row.id))
    async with host.db.session(wake=False) as s:
        if await store.compare_and_set(s, row.id, host.name, ServerState.of(row),
                                       vm_state=VmState.ACTIVE.value, task_state=None,
                                       power_state=PowerState.RUNNING.value, launched_at=utcnow(),
                                       console_log=console, fault=None,
                                       encrypted_password=posted,
                                       consoles=steps_power.read_consoles(
                                           host, instance_name(row.id)),
                                       diagnostics=await steps_power.read_diagnostics(
                                           host, instance_name(row.id))):
            await instance_actions.finish_event(s, row.id, Action.CREATE, BUILD_EVENT,
                                                result=instance_actions.SUCCESS, host=host.name)


async def destroy(host: Host, row: ServerRow, power: PowerState | None) -> None:
    if row.task_state == TaskState.DELETING:
        async with host.db.session(wake=False) as s:
            await instance_actions.start_event(s, row.id, Action.DELETE, DELETE_EVENT, host=host.name)
    await host.driver.destroy(instance_name(row.id))


async def finish_delete(host: Host, row: ServerRow, power: PowerState | None) -> None:
    now = utcnow()
    async with host.db.session(wake=False) as s:
        if await store.compare_and_set(s, row.id, host.name, ServerState.of(row),
                                       vm_state=VmState.DELETED.value, task_state=None,
                                       power_state=PowerState.NOSTATE.value, deleted=True,
                                       deleted_at=now, terminated_at=now):
            await networks.release_server_ports(s, row.id)
            await attachment_records.release_server(s, row.id, host.data_dir)
            await instance_actions.finish_event(s, row.id, Action.DELETE, DELETE_EVENT,
                                                result=instance_actions.SUCCESS, host=host.name)


async def restore(host: Host, row: ServerRow, power: PowerState | None) -> None:
    await host.driver.spawn(await store.instance_spec(host.db, row, host.data_dir))
    await record_power(host, row, await host.driver.power_state(instance_name(row.id)))


async def mark_stopped(host: Host, row: ServerRow, power: PowerState | None) -> None:
    console = await host.driver.console_log(instance_name(row.id))
    async with host.db.session(wake=False) as s:
        await store.compare_and_set(s, row.id, host.name, ServerState.of(row),
                                    vm_state=VmState.STOPPED.value,
                                    power_state=(power or PowerState.NOSTATE).value,
                                    console_log=console)


async def record_power(host: Host, row: ServerRow, power: PowerState | None) -> None:
    values: dict[str, object] = {"power_state": (power or PowerState.NOSTATE).value}
    if power is not None:
        values["console_log"] = await host.driver.console_log(instance_name(row.id))
        values["diagnostics"] = await steps_power.read_diagnostics(host, instance_name(row.id))
    async with host.db.session(wake=False) as s:
        await store.compare_and_set(s, row.id, host.name, ServerState.of(row), **values)


STEPS: dict[Step, StepFunction] = {
    Step.SPAWN: spawn,
    Step.MARK_ACTIVE: mark_active,
    Step.DESTROY: destroy,
    Step.FINISH_DELETE: finish_delete,
    Step.RESTORE: restore,
    Step.MARK_STOPPED: mark_stopped,
    Step.RECORD_POWER: record_power,
    **steps_moves.STEPS,
    **steps_power.STEPS,
}
