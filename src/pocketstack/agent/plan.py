"""The agent's next step for one server: a pure function of desired and observed state.

`plan(vm_state, task_state, observed power, recorded power)` has no I/O, so a table test can
cover every case (tests/unit/test_plan.py). The agent performs the step idempotently through the
driver and plans again, until the answer is NOTHING.
"""

from __future__ import annotations

from enum import StrEnum

from pocketstack.compute_states import (
    ALLOW_HARD_REBOOT,
    ALLOW_SOFT_REBOOT,
    POWER_TRANSITIONS,
    PowerState,
    TaskState,
    VmState,
)


class Step(StrEnum):
    NOTHING = "nothing"
    # Build: create the guest (again, if it never came up), then record it as active.
    SPAWN = "spawn"
    MARK_ACTIVE = "mark_active"
    # Delete: remove the guest, then release the ports and soft-delete the row.
    DESTROY = "destroy"
    FINISH_DELETE = "finish_delete"
    # Drift while no task runs: an active server whose guest vanished (the host restarted
    # and lost it) is started again, as Nova does with
    # resume_guests_state_on_host_boot; a guest that shut itself down makes the server stopped
    # (Nova's power-state sync); any other difference is recorded.
    RESTORE = "restore"
    MARK_STOPPED = "mark_stopped"
    RECORD_POWER = "record_power"
    # Rebuild, resize, migrate, shelve, snapshot, soft delete (agent/steps_moves.py): tear the
    # guest down and record the move, spawn it again where and as the row now says, finish.
    REBUILD_TEARDOWN = "rebuild_teardown"
    RESIZE_MIGRATE = "resize_migrate"
    CONFIRM_RESIZE = "confirm_resize"
    REVERT_TEARDOWN = "revert_teardown"
    RESPAWN = "respawn"
    WAKE_GUEST = "wake_guest"
    FINISH_MOVE = "finish_move"
    SNAPSHOT = "snapshot"
    SHELVE = "shelve"
    SHELVE_OFFLOAD = "shelve_offload"
    SOFT_DELETE = "soft_delete"
    LIVE_MIGRATE = "live_migrate"
    # Power and guest actions (agent/steps_power.py): one idempotent driver call each, then
    # the new vm_state with the observed power (a reboot is done at least once).
    REBOOT = "reboot"
    POWER_OFF = "power_off"
    POWER_ON = "power_on"
    PAUSE = "pause"
    UNPAUSE = "unpause"
    SUSPEND = "suspend"
    RESUME = "resume"
    RESCUE = "rescue"
    UNRESCUE = "unrescue"
    SET_PASSWORD = "set_password"


BUILD_TASKS: frozenset[TaskState | None] = frozenset({
    None, TaskState.SCHEDULING, TaskState.BLOCK_DEVICE_MAPPING, TaskState.NETWORKING,
    TaskState.SPAWNING,
})


def plan(vm: VmState, task: TaskState | None, power: PowerState | None,
         recorded: PowerState) -> Step:
    """`power` is what the driver reports (None: no guest); `recorded` is the row's power_state."""
    if task == TaskState.DELETING:
        return Step.DESTROY if power is not None else Step.FINISH_DELETE
    moved = _plan_move(vm, task, power)
    if moved is not None:
        return moved
    if task in POWER_STEPS:
        allowed, step = POWER_STEPS[task]
        return step if vm in allowed else Step.NOTHING
    if vm == VmState.BUILDING:
        return _plan_build(task, power)
    if task is not None:
        # An action this agent does not carry out: leave the server to whoever does.
        return Step.NOTHING
    return _plan_idle(vm, power, recorded)


# One step whatever the guest's state: each of these steps is idempotent on its own.
_ONE_STEP: dict[TaskState, Step] = {
    TaskState.REBUILDING: Step.REBUILD_TEARDOWN,
    TaskState.RESIZE_PREP: Step.RESIZE_MIGRATE,
    TaskState.RESIZE_CONFIRMING: Step.CONFIRM_RESIZE,
    TaskState.IMAGE_SNAPSHOT: Step.SNAPSHOT,
    TaskState.IMAGE_BACKUP: Step.SNAPSHOT,
    TaskState.SHELVING: Step.SHELVE,
    TaskState.SHELVING_OFFLOADING: Step.SHELVE_OFFLOAD,
    TaskState.SOFT_DELETING: Step.SOFT_DELETE,
    TaskState.MIGRATING: Step.LIVE_MIGRATE,
}
# Spawned afresh (a guest left in another state is destroyed first) / woken if it is there.
RESPAWN_TASKS = frozenset({TaskState.REBUILD_SPAWNING, TaskState.RESIZE_MIGRATED})
WAKE_TASKS = frozenset({TaskState.UNSHELVING, TaskState.RESTORING})


# The task each power action records (and the tasks a reboot passes through), the vm_states it
# may run from (as the API checked them), and its step.
_SOFT = (TaskState.REBOOTING, TaskState.REBOOT_PENDING, TaskState.REBOOT_STARTED)
_HARD = (TaskState.REBOOTING_HARD, TaskState.REBOOT_PENDING_HARD, TaskState.REBOOT_STARTED_HARD)
_BY_TASK = {TaskState.POWERING_OFF: Step.POWER_OFF, TaskState.POWERING_ON: Step.POWER_ON,
            TaskState.PAUSING: Step.PAUSE, TaskState.UNPAUSING: Step.UNPAUSE,
            TaskState.SUSPENDING: Step.SUSPEND, TaskState.RESUMING: Step.RESUME,
            TaskState.RESCUING: Step.RESCUE, TaskState.UNRESCUING: Step.UNRESCUE,
            TaskState.UPDATING_PASSWORD: Step.SET_PASSWORD}
POWER_STEPS: dict[TaskState, tuple[frozenset[VmState], Step]] = {
    **{t.task: (t.allowed, _BY_TASK[t.task]) for t in POWER_TRANSITIONS.values()
       if t.task in _BY_TASK},
    **{task: (ALLOW_SOFT_REBOOT, Step.REBOOT) for task in _SOFT},
    **{task: (ALLOW_HARD_REBOOT, Step.REBOOT) for task in _HARD},
}


def _plan_move(vm: VmState, task: TaskState | None, power: PowerState | None) -> Step | None:
    if task is None or vm == VmState.BUILDING:
        return None
    if task == TaskState.RESIZE_REVERTING:
        # Reverting: vm_state resized until the guest is torn down, then active until respawned.
        if vm == VmState.RESIZED:
            return Step.REVERT_TEARDOWN
        return _respawn(power)
    if task in _ONE_STEP:
        return _ONE_STEP[task]
    if task in RESPAWN_TASKS:
        return _respawn(power)
    if task in WAKE_TASKS:
        if power is None:
            return Step.RESPAWN
        return Step.FINISH_MOVE if power == PowerState.RUNNING else Step.WAKE_GUEST
    return None


def _respawn(power: PowerState | None) -> Step:
    if power is None:
        return Step.RESPAWN
    return Step.FINISH_MOVE if power == PowerState.RUNNING else Step.DESTROY


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
