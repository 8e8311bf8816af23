"""Rebuild, resize, migrate, snapshots, shelve and deferred delete: which vm_states each action
starts from (Nova's check_instance_state, written out here), the step plan() gives for each of
their tasks, and that applying each step's effect converges."""

from __future__ import annotations

import itertools

import pytest

from pocketstack.agent.plan import Step, plan
from pocketstack.compute_states import (
    TRANSITIONS,
    Action,
    PowerState,
    TaskState,
    VmState,
    conflict_message,
)

V, T = VmState, TaskState
RUN, OFF, PAUSED = PowerState.RUNNING, PowerState.SHUTDOWN, PowerState.PAUSED
IMAGE_STATES = {V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED}
# action -> (vm_states Nova allows, task the API records)
NOVA: dict[Action, tuple[set[VmState], TaskState]] = {
    Action.REBUILD: ({V.ACTIVE, V.STOPPED, V.ERROR}, T.REBUILDING),
    Action.RESIZE: ({V.ACTIVE, V.STOPPED}, T.RESIZE_PREP),
    Action.MIGRATE: ({V.ACTIVE, V.STOPPED}, T.RESIZE_PREP),
    Action.LIVE_MIGRATE: ({V.ACTIVE, V.PAUSED}, T.MIGRATING),
    Action.CONFIRM_RESIZE: ({V.RESIZED}, T.RESIZE_CONFIRMING),
    Action.REVERT_RESIZE: ({V.RESIZED}, T.RESIZE_REVERTING),
    Action.CREATE_IMAGE: (IMAGE_STATES, T.IMAGE_SNAPSHOT),
    Action.CREATE_BACKUP: (IMAGE_STATES, T.IMAGE_BACKUP),
    Action.SHELVE: (IMAGE_STATES, T.SHELVING),
    Action.SHELVE_OFFLOAD: ({V.SHELVED}, T.SHELVING_OFFLOADING),
    Action.UNSHELVE: ({V.SHELVED, V.SHELVED_OFFLOADED}, T.UNSHELVING),
    Action.RESTORE: ({V.SOFT_DELETED}, T.RESTORING),
}
PAIRS = list(itertools.product(NOVA, VmState))


@pytest.mark.parametrize(("action", "vm"), PAIRS, ids=[f"{a}-{v}" for a, v in PAIRS])
def test_vm_state_pair(action: Action, vm: VmState) -> None:
    allowed, task = NOVA[action]
    transition = TRANSITIONS[action]
    assert transition.task == task
    message = conflict_message(action.value, transition, "id-1", vm.value, None)
    if vm in allowed:
        assert message is None
    else:
        assert message == f"Cannot '{action}' instance id-1 while it is in vm_state {vm}"


@pytest.mark.parametrize("action", list(NOVA))
def test_needs_no_task_in_progress(action: Action) -> None:
    allowed, _ = NOVA[action]
    vm = sorted(allowed)[0]
    for task in TaskState:
        assert conflict_message(action.value, TRANSITIONS[action], "x", vm.value, task) is not None


def test_soft_delete_any_state_but_deleted() -> None:
    transition = TRANSITIONS[Action.SOFT_DELETE]
    assert transition.task == T.SOFT_DELETING
    assert V.ACTIVE in transition.allowed and V.ERROR in transition.allowed
    assert V.SOFT_DELETED not in transition.allowed and V.DELETED not in transition.allowed


# (vm_state, task_state, observed power) -> step
TABLE = [
    (V.ACTIVE, T.REBUILDING, RUN, Step.REBUILD_TEARDOWN),
    (V.ERROR, T.REBUILDING, None, Step.REBUILD_TEARDOWN),
    (V.ACTIVE, T.REBUILD_SPAWNING, None, Step.RESPAWN),
    (V.ACTIVE, T.REBUILD_SPAWNING, RUN, Step.FINISH_MOVE),
    (V.ACTIVE, T.REBUILD_SPAWNING, OFF, Step.DESTROY),
    (V.ACTIVE, T.RESIZE_PREP, RUN, Step.RESIZE_MIGRATE),
    (V.STOPPED, T.RESIZE_PREP, OFF, Step.RESIZE_MIGRATE),
    (V.ACTIVE, T.RESIZE_MIGRATED, None, Step.RESPAWN),
    (V.ACTIVE, T.RESIZE_MIGRATED, RUN, Step.FINISH_MOVE),
    (V.ACTIVE, T.RESIZE_MIGRATED, PAUSED, Step.DESTROY),
    (V.RESIZED, T.RESIZE_CONFIRMING, RUN, Step.CONFIRM_RESIZE),
    (V.RESIZED, T.RESIZE_REVERTING, RUN, Step.REVERT_TEARDOWN),
    (V.ACTIVE, T.RESIZE_REVERTING, None, Step.RESPAWN),
    (V.ACTIVE, T.RESIZE_REVERTING, RUN, Step.FINISH_MOVE),
    (V.ACTIVE, T.IMAGE_SNAPSHOT, RUN, Step.SNAPSHOT),
    (V.PAUSED, T.IMAGE_BACKUP, PAUSED, Step.SNAPSHOT),
    (V.ACTIVE, T.SHELVING, RUN, Step.SHELVE),
    (V.SHELVED, T.SHELVING_OFFLOADING, OFF, Step.SHELVE_OFFLOAD),
    (V.SHELVED, T.UNSHELVING, OFF, Step.WAKE_GUEST),
    (V.SHELVED, T.UNSHELVING, RUN, Step.FINISH_MOVE),
    (V.SHELVED_OFFLOADED, T.UNSHELVING, None, Step.RESPAWN),
    (V.ACTIVE, T.SOFT_DELETING, RUN, Step.SOFT_DELETE),
    (V.ACTIVE, T.MIGRATING, RUN, Step.LIVE_MIGRATE),
    (V.PAUSED, T.MIGRATING, None, Step.LIVE_MIGRATE),
    (V.SOFT_DELETED, T.RESTORING, OFF, Step.WAKE_GUEST),
    (V.SOFT_DELETED, T.RESTORING, None, Step.RESPAWN),
    (V.SOFT_DELETED, T.RESTORING, RUN, Step.FINISH_MOVE),
    # idle parked servers: nothing to do beyond recording power
    (V.SHELVED, None, OFF, Step.NOTHING),
    (V.SHELVED_OFFLOADED, None, None, Step.NOTHING),
    (V.SOFT_DELETED, None, OFF, Step.NOTHING),
    (V.RESIZED, None, RUN, Step.NOTHING),
    # a build is never taken for one of these
    (V.BUILDING, T.IMAGE_SNAPSHOT, None, Step.NOTHING),
]


@pytest.mark.parametrize(("vm", "task", "power", "expected"), TABLE)
def test_plan_table(vm: VmState, task: TaskState | None, power: PowerState | None,
                    expected: Step) -> None:
    recorded = PowerState.NOSTATE if power is None else power
    assert plan(vm, task, power, recorded) is expected


Effect = tuple[VmState, TaskState | None, PowerState | None]
EFFECTS = {
    Step.REBUILD_TEARDOWN: lambda vm, task, power: (vm, T.REBUILD_SPAWNING, None),
    Step.RESIZE_MIGRATE: lambda vm, task, power: (vm, T.RESIZE_MIGRATED, None),
    Step.RESPAWN: lambda vm, task, power: (vm, task, RUN),
    Step.DESTROY: lambda vm, task, power: (vm, task, None),
    Step.WAKE_GUEST: lambda vm, task, power: (vm, task, RUN),
    Step.FINISH_MOVE: lambda vm, task, power: (
        V.RESIZED if task == T.RESIZE_MIGRATED else V.ACTIVE, None, power),
    Step.CONFIRM_RESIZE: lambda vm, task, power: (V.ACTIVE, None, power),
    Step.REVERT_TEARDOWN: lambda vm, task, power: (V.ACTIVE, task, None),
    Step.SNAPSHOT: lambda vm, task, power: (vm, None, power),
    Step.SHELVE: lambda vm, task, power: (V.SHELVED, T.SHELVING_OFFLOADING, OFF),
    Step.SHELVE_OFFLOAD: lambda vm, task, power: (V.SHELVED_OFFLOADED, None, None),
    Step.SOFT_DELETE: lambda vm, task, power: (V.SOFT_DELETED, None, OFF),
    Step.RECORD_POWER: lambda vm, task, power: (vm, task, power),
    Step.LIVE_MIGRATE: lambda vm, task, power: (vm, None, power),
}


@pytest.mark.parametrize("action", list(NOVA))
def test_each_action_converges(action: Action) -> None:
    allowed, task = NOVA[action]
    for vm, power in itertools.product(sorted(allowed), [None, RUN, OFF, PAUSED]):
        state: Effect = (vm, task, power)
        for _ in range(8):
            recorded = PowerState.NOSTATE if state[2] is None else state[2]
            step = plan(*state, recorded)
            if step is Step.NOTHING or state[1] is None:
                break
            state = EFFECTS[step](*state)  # type: ignore[no-untyped-call]
        assert state[1] is None, (action, vm, power, state)
