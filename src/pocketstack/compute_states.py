"""The server lifecycle: vm/task/power states, the action -> transition table, and the public
status the API derives from them (Nova's vm_states, task_states, power_state and status map).

An action is allowed when the server's vm_state is in its `allowed` set and its task_state is in
`from_tasks` (None there means "no action in progress"); recording it sets `task` with one
conditional UPDATE (services.server_lifecycle.request_action). The agent finishes the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class VmState(StrEnum):
    BUILDING = "building"
    ACTIVE = "active"
    PAUSED = "paused"
    SUSPENDED = "suspended"
    STOPPED = "stopped"
    RESCUED = "rescued"
    RESIZED = "resized"
    SOFT_DELETED = "soft-delete"
    DELETED = "deleted"
    ERROR = "error"
    SHELVED = "shelved"
    SHELVED_OFFLOADED = "shelved_offloaded"


class TaskState(StrEnum):
    """None in the row means "no action in progress"."""

    SCHEDULING = "scheduling"
    BLOCK_DEVICE_MAPPING = "block_device_mapping"
    NETWORKING = "networking"
    SPAWNING = "spawning"
    IMAGE_SNAPSHOT = "image_snapshot"
    IMAGE_BACKUP = "image_backup"
    UPDATING_PASSWORD = "updating_password"
    RESIZE_PREP = "resize_prep"
    RESIZE_MIGRATING = "resize_migrating"
    RESIZE_MIGRATED = "resize_migrated"
    RESIZE_FINISH = "resize_finish"
    RESIZE_REVERTING = "resize_reverting"
    RESIZE_CONFIRMING = "resize_confirming"
    REBOOTING = "rebooting"
    REBOOT_PENDING = "reboot_pending"
    REBOOT_STARTED = "reboot_started"
    REBOOTING_HARD = "rebooting_hard"
    REBOOT_PENDING_HARD = "reboot_pending_hard"
    REBOOT_STARTED_HARD = "reboot_started_hard"
    PAUSING = "pausing"
    UNPAUSING = "unpausing"
    SUSPENDING = "suspending"
    RESUMING = "resuming"
    POWERING_OFF = "powering-off"
    POWERING_ON = "powering-on"
    RESCUING = "rescuing"
    UNRESCUING = "unrescuing"
    REBUILDING = "rebuilding"
    MIGRATING = "migrating"
    DELETING = "deleting"
    SHELVING = "shelving"
    UNSHELVING = "unshelving"
    REBUILD_SPAWNING = "rebuild_spawning"
    SHELVING_OFFLOADING = "shelving_offloading"
    SOFT_DELETING = "soft-deleting"
    RESTORING = "restoring"


class PowerState(IntEnum):
    """What the hypervisor reports (Nova's power_state numbers, shown as OS-EXT-STS:power_state)."""

    NOSTATE = 0
    RUNNING = 1
    PAUSED = 3
    SHUTDOWN = 4
    CRASHED = 6
    SUSPENDED = 7


class Action(StrEnum):
    """Requests that change a server's lifecycle; names as os-instance-actions shows them."""

    CREATE = "create"
    DELETE = "delete"
    REBOOT = "reboot"
    STOP = "stop"
    START = "start"
    PAUSE = "pause"
    UNPAUSE = "unpause"
    SUSPEND = "suspend"
    RESUME = "resume"
    RESCUE = "rescue"
    UNRESCUE = "unrescue"
    CHANGE_PASSWORD = "changePassword"
    LOCK = "lock"
    UNLOCK = "unlock"
    RESET_STATE = "resetState"
    RESET_NETWORK = "resetNetwork"
    INJECT_NETWORK_INFO = "injectNetworkInfo"
    REBUILD = "rebuild"
    RESIZE = "resize"
    CONFIRM_RESIZE = "confirmResize"
    REVERT_RESIZE = "revertResize"
    MIGRATE = "migrate"
    LIVE_MIGRATE = "live-migration"
    CREATE_IMAGE = "createImage"
    CREATE_BACKUP = "createBackup"
    SHELVE = "shelve"
    SHELVE_OFFLOAD = "shelveOffload"
    UNSHELVE = "unshelve"
    RESTORE = "restore"
    EVACUATE = "evacuate"
    TRIGGER_CRASH_DUMP = "trigger_crash_dump"
    # A delete while reclaim_instance_interval_s > 0 (recorded as a "delete" action).
    SOFT_DELETE = "softDelete"


ANY_TASK: frozenset[TaskState | None] = frozenset([None, *TaskState])
IDLE: frozenset[TaskState | None] = frozenset([None])


@dataclass(frozen=True, slots=True)
class Transition:
    allowed: frozenset[VmState]
    task: TaskState
    from_tasks: frozenset[TaskState | None] = IDLE


# Nova's task_states.ALLOW_REBOOT: a hard reboot may interrupt these.
ALLOW_REBOOT: frozenset[TaskState | None] = frozenset({
    None, TaskState.REBOOTING, TaskState.REBOOT_PENDING, TaskState.REBOOT_STARTED,
    TaskState.RESUMING, TaskState.REBOOTING_HARD, TaskState.UNPAUSING, TaskState.PAUSING,
    TaskState.SUSPENDING,
})
# Nova's vm_states.ALLOW_SOFT_REBOOT and ALLOW_HARD_REBOOT.
ALLOW_SOFT_REBOOT = frozenset({VmState.ACTIVE})
ALLOW_HARD_REBOOT = frozenset({VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED,
                               VmState.SUSPENDED, VmState.ERROR})
# Nova's vm_states.ALLOW_TRIGGER_CRASH_DUMP (the action sets no task).
ALLOW_TRIGGER_CRASH_DUMP = frozenset({VmState.ACTIVE, VmState.PAUSED, VmState.RESCUED,
                                      VmState.RESIZED, VmState.ERROR})

# Power and guest actions, as Nova's check_instance_state on each compute API method. A reboot
# is recorded as hard (ALLOW_HARD_REBOOT covers both); SOFT_REBOOT is checked first for a soft one.
POWER_TRANSITIONS: dict[Action, Transition] = {
    Action.REBOOT: Transition(ALLOW_HARD_REBOOT, TaskState.REBOOTING_HARD, ALLOW_REBOOT),
    **{action: Transition(frozenset(allowed), task) for action, allowed, task in (
        (Action.STOP, (VmState.ACTIVE, VmState.RESCUED, VmState.ERROR), TaskState.POWERING_OFF),
        (Action.START, (VmState.STOPPED,), TaskState.POWERING_ON),
        (Action.PAUSE, (VmState.ACTIVE,), TaskState.PAUSING),
        (Action.UNPAUSE, (VmState.PAUSED,), TaskState.UNPAUSING),
        (Action.SUSPEND, (VmState.ACTIVE,), TaskState.SUSPENDING),
        (Action.RESUME, (VmState.SUSPENDED,), TaskState.RESUMING),
        (Action.RESCUE, (VmState.ACTIVE, VmState.STOPPED, VmState.ERROR), TaskState.RESCUING),
        (Action.UNRESCUE, (VmState.RESCUED,), TaskState.UNRESCUING),
        (Action.CHANGE_PASSWORD, (VmState.ACTIVE,), TaskState.UPDATING_PASSWORD),
    )},
}
SOFT_REBOOT = Transition(ALLOW_SOFT_REBOOT, TaskState.REBOOTING)


def conflict_message(action: str, transition: Transition, server_id: str, vm_state: str,
                     task_state: str | None) -> str | None:
    """Nova's 409 text when `transition` is not allowed from these states; None when it is."""
    if vm_state not in transition.allowed:
        return state_conflict(action, server_id, "vm_state", vm_state)
    if task_state not in transition.from_tasks:
        return state_conflict(action, server_id, "task_state", task_state)
    return None


def state_conflict(action: str, server_id: str, kind: str, state: str | None) -> str:
    """Nova's 409 text for an action refused in this vm_state or task_state (`kind`)."""
    return f"Cannot '{action}' instance {server_id} while it is in {kind} {state}"


# Where Nova lets a server be snapshotted, backed up or shelved.
_IMAGE_STATES = (VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED)

# Nova allows delete in every state and during any other task: the agent's compare-and-swap on
# the task it started from makes an in-flight step give way to the delete.
TRANSITIONS: dict[Action, Transition] = {
    Action.DELETE: Transition(frozenset(VmState) - {VmState.DELETED}, TaskState.DELETING, ANY_TASK),
    **{action: Transition(frozenset(allowed), task) for action, allowed, task in (
        (Action.REBUILD, (VmState.ACTIVE, VmState.STOPPED, VmState.ERROR), TaskState.REBUILDING),
        # Rebuilt on another host while its own is down (the agent's rebuild steps there).
        (Action.EVACUATE, (VmState.ACTIVE, VmState.STOPPED, VmState.ERROR), TaskState.REBUILDING),
        (Action.RESIZE, (VmState.ACTIVE, VmState.STOPPED), TaskState.RESIZE_PREP),
        (Action.MIGRATE, (VmState.ACTIVE, VmState.STOPPED), TaskState.RESIZE_PREP),
        (Action.LIVE_MIGRATE, (VmState.ACTIVE, VmState.PAUSED), TaskState.MIGRATING),
        (Action.CONFIRM_RESIZE, (VmState.RESIZED,), TaskState.RESIZE_CONFIRMING),
        (Action.REVERT_RESIZE, (VmState.RESIZED,), TaskState.RESIZE_REVERTING),
        (Action.CREATE_IMAGE, _IMAGE_STATES, TaskState.IMAGE_SNAPSHOT),
        (Action.CREATE_BACKUP, _IMAGE_STATES, TaskState.IMAGE_BACKUP),
        (Action.SHELVE, _IMAGE_STATES, TaskState.SHELVING),
        (Action.SHELVE_OFFLOAD, (VmState.SHELVED,), TaskState.SHELVING_OFFLOADING),
        (Action.UNSHELVE, (VmState.SHELVED, VmState.SHELVED_OFFLOADED), TaskState.UNSHELVING),
        (Action.RESTORE, (VmState.SOFT_DELETED,), TaskState.RESTORING),
    )},
    Action.SOFT_DELETE: Transition(frozenset(VmState) - {VmState.DELETED, VmState.SOFT_DELETED},
                                   TaskState.SOFT_DELETING, ANY_TASK),
    **POWER_TRANSITIONS,
}

# --- public status (Nova's _STATE_MAP) -------------------------------------------------------

_REBOOT = {**{t: "REBOOT" for t in (TaskState.REBOOTING, TaskState.REBOOT_PENDING,
                                     TaskState.REBOOT_STARTED)},
           **{t: "HARD_REBOOT" for t in (TaskState.REBOOTING_HARD, TaskState.REBOOT_PENDING_HARD,
                                          TaskState.REBOOT_STARTED_HARD)}}
_RESIZE = {t: "RESIZE" for t in (TaskState.RESIZE_PREP, TaskState.RESIZE_MIGRATING,
                                 TaskState.RESIZE_MIGRATED, TaskState.RESIZE_FINISH)}
_REBUILD = {TaskState.REBUILDING: "REBUILD", TaskState.REBUILD_SPAWNING: "REBUILD"}

STATUS_MAP: dict[VmState, tuple[str, dict[TaskState, str]]] = {
    VmState.ACTIVE: ("ACTIVE", {**_REBOOT, **_RESIZE, **_REBUILD,
                                TaskState.UPDATING_PASSWORD: "PASSWORD",
                                TaskState.MIGRATING: "MIGRATING",
                                TaskState.RESIZE_REVERTING: "REVERT_RESIZE"}),
    VmState.BUILDING: ("BUILD", {}),
    VmState.STOPPED: ("SHUTOFF", {**_RESIZE, **_REBUILD}),
    VmState.RESIZED: ("VERIFY_RESIZE", {TaskState.RESIZE_REVERTING: "REVERT_RESIZE"}),
    VmState.PAUSED: ("PAUSED", {TaskState.MIGRATING: "MIGRATING"}),
    VmState.SUSPENDED: ("SUSPENDED", {}),
    VmState.RESCUED: ("RESCUE", {}),
    VmState.ERROR: ("ERROR", dict(_REBUILD)),
    VmState.DELETED: ("DELETED", {}),
    VmState.SOFT_DELETED: ("SOFT_DELETED", {}),
    VmState.SHELVED: ("SHELVED", {}),
    VmState.SHELVED_OFFLOADED: ("SHELVED_OFFLOADED", {}),
}

# Statuses whose servers show "progress" (Nova's _progress_statuses).
PROGRESS_STATUSES = frozenset({"ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING"})
# Statuses whose servers show their "fault" (Nova's _fault_statuses).
FAULT_STATUSES = frozenset({"ERROR", "DELETED"})


# STATUS_MAP by the texts rows hold.
_STATUS_BY_TEXT: dict[str, tuple[str, dict[str, str]]] = {
    vm.value: (default, {task.value: status for task, status in by_task.items()})
    for vm, (default, by_task) in STATUS_MAP.items()}


def public_status(vm_state: str, task_state: str | None) -> str:
    entry = _STATUS_BY_TEXT.get(vm_state)
    if entry is None:
        return "UNKNOWN"
    default, by_task = entry
    return by_task.get(task_state, default) if task_state is not None else default


@dataclass(frozen=True, slots=True)
class StatusMatch:
    """Rows with this vm_state whose task_state is one of `tasks`, or (when `default`) is
    None or any task without a status of its own."""

    vm_state: VmState
    tasks: frozenset[TaskState]
    default: bool
    excluded: frozenset[TaskState]


def status_matches(status: str) -> list[StatusMatch]:
    """The (vm_state, task_state) combinations a public status filter selects; [] if none."""
    wanted = status.upper()
    found = []
    for vm_state, (default, by_task) in STATUS_MAP.items():
        tasks = frozenset(t for t, name in by_task.items() if name == wanted)
        if tasks or default == wanted:
            found.append(StatusMatch(vm_state, tasks, default == wanted, frozenset(by_task)))
    return found


def instance_name(server_id: str) -> str:
    """The guest's name on its hypervisor (OS-EXT-SRV-ATTR:instance_name)."""
    return f"instance-{server_id}"
