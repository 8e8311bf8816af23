"""The agent's next step for one server: a pure function of desired and observed state.

`plan(vm_state, task_state, observed power, recorded power)` has no I/O, so a table test can
cover every case (tests/unit/test_plan.py). The agent performs the step idempotently through the
driver and plans again, until the answer is NOTHING.
"""

from __future__ import annotations

from enum import StrEnum

from pocketstack.compute_states import PowerState, TaskState, VmState


class Step(StrEnum):
    NOTHING = "nothing"
    # Build: create the guest (again, if it never came up), then record it as active.
    SPAWN = "spawn"
    MARK_ACTIVE = "mark_active"
    # Delete: remove the guest, then release the ports and soft-delete the row.
    DESTROY = "destroy"
    FINISH_DELETE = "finish_delete"
    # Drift while no task runs: an active server whose guest vanished (the host restarted,
    # or the in-memory fake driver with it) is started again, as Nova does with
    # resume_guests_state_on_host_boot; a guest that shut itself down makes the server stopped
    # (Nova's power-state sync); any other difference is recorded.
    RESTORE = "restore"
    MARK_STOPPED = "mark_stopped"
    RECORD_POWER = "record_power"


BUILD_TASKS: frozenset[TaskState | None] = frozenset({
    None, TaskState.SCHEDULING, TaskState.BLOCK_DEVICE_MAPPING, TaskState.NETWORKING,
    TaskState.SPAWNING,
})


def plan(vm: VmState, task: TaskState | None, power: PowerState | None,
         recorded: PowerState) -> Step:
    """`power` is what the driver reports (None: no guest); `recorded` is the row's power_state."""
    if task == TaskState.DELETING:
        return Step.DESTROY if power is not None else Step.FINISH_DELETE
    if vm == VmState.BUILDING:
        return _plan_build(task, power)
    if task is not None:
        # An action this agent does not carry out: leave the server to whoever does.
        return Step.NOTHING
    return _plan_idle(vm, power, recorded)


def _plan_build(task: TaskState | None, power: PowerState | None) -> Step:
    if task not in BUILD_TASKS:
        return Step.NOTHING
    if power is None:
        return Step.SPAWN
    if power == PowerState.RUNNING:
        return Step.MARK_ACTIVE
    # A guest left half-built (paused, shut down, crashed) by a crash: start over.
    return Step.DESTROY


def _plan_idle(vm: VmState, power: PowerState | None, recorded: PowerState) -> Step:
    if vm == VmState.ACTIVE:
        if power is None:
            return Step.RESTORE
        if power in (PowerState.SHUTDOWN, PowerState.CRASHED):
            return Step.MARK_STOPPED
    observed = PowerState.NOSTATE if power is None else power
    return Step.RECORD_POWER if observed != recorded else Step.NOTHING
