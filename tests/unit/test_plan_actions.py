"""Power actions: for every (vm_state, action) and (task_state, action) pair, whether the API
lets it start (Nova's check_instance_state on each compute API method, written out here) and
the step plan() gives the agent for the task it records, including the forbidden pairs."""

from __future__ import annotations

import itertools

import pytest

from pocketstack.agent.plan import Step, plan
from pocketstack.compute_states import (
    SOFT_REBOOT,
    TRANSITIONS,
    Action,
    PowerState,
    TaskState,
    Transition,
    VmState,
    conflict_message,
)

V = VmState
# name -> (transition, vm_states Nova allows, task the API records, agent step)
NOVA: dict[str, tuple[Transition, set[VmState], TaskState, Step]] = {
    "reboot-soft": (SOFT_REBOOT, {V.ACTIVE}, TaskState.REBOOTING, Step.REBOOT),
    "reboot-hard": (TRANSITIONS[Action.REBOOT],
                    {V.ACTIVE, V.STOPPED, V.PAUSED, V.SUSPENDED, V.ERROR},
                    TaskState.REBOOTING_HARD, Step.REBOOT),
    "stop": (TRANSITIONS[Action.STOP], {V.ACTIVE, V.RESCUED, V.ERROR}, TaskState.POWERING_OFF,
             Step.POWER_OFF),
    "start": (TRANSITIONS[Action.START], {V.STOPPED}, TaskState.POWERING_ON, Step.POWER_ON),
    "pause": (TRANSITIONS[Action.PAUSE], {V.ACTIVE}, TaskState.PAUSING, Step.PAUSE),
    "unpause": (TRANSITIONS[Action.UNPAUSE], {V.PAUSED}, TaskState.UNPAUSING, Step.UNPAUSE),
    "suspend": (TRANSITIONS[Action.SUSPEND], {V.ACTIVE}, TaskState.SUSPENDING, Step.SUSPEND),
    "resume": (TRANSITIONS[Action.RESUME], {V.SUSPENDED}, TaskState.RESUMING, Step.RESUME),
    "rescue": (TRANSITIONS[Action.RESCUE], {V.ACTIVE, V.STOPPED, V.ERROR}, TaskState.RESCUING,
               Step.RESCUE),
    "unrescue": (TRANSITIONS[Action.UNRESCUE], {V.RESCUED}, TaskState.UNRESCUING, Step.UNRESCUE),
    "changePassword": (TRANSITIONS[Action.CHANGE_PASSWORD], {V.ACTIVE},
                       TaskState.UPDATING_PASSWORD, Step.SET_PASSWORD),
}
# Nova's task_states.ALLOW_REBOOT (a hard reboot may interrupt these); the rest need no task.
ALLOW_REBOOT = {None, TaskState.REBOOTING, TaskState.REBOOT_PENDING, TaskState.REBOOT_STARTED,
                TaskState.RESUMING, TaskState.REBOOTING_HARD, TaskState.UNPAUSING,
                TaskState.PAUSING, TaskState.SUSPENDING}
PAIRS = list(itertools.product(NOVA, VmState))


@pytest.mark.parametrize(("name", "vm"), PAIRS, ids=[f"{n}-{v}" for n, v in PAIRS])
def test_vm_state_pair(name: str, vm: VmState) -> None:
    transition, allowed, task, step = NOVA[name]
    message = conflict_message(name.split("-")[0], transition, "id-1", vm.value, None)
    if vm in allowed:
        assert message is None
        assert transition.task == task
    else:
        assert message == f"Cannot '{name.split('-')[0]}' instance id-1 while it is in vm_state {vm}"
    # The agent carries the task out from the states the API allows, and leaves it otherwise.
    for power in (None, PowerState.RUNNING, PowerState.SHUTDOWN, PowerState.PAUSED):
        assert plan(vm, task, power, PowerState.RUNNING) is (step if vm in allowed else Step.NOTHING)


TASK_PAIRS = list(itertools.product(NOVA, [None, *TaskState]))


@pytest.mark.parametrize(("name", "task"), TASK_PAIRS, ids=[f"{n}-{t}" for n, t in TASK_PAIRS])
def test_task_state_pair(name: str, task: TaskState | None) -> None:
    transition, allowed, _, _ = NOVA[name]
    vm = sorted(allowed)[0]
    message = conflict_message(name.split("-")[0], transition, "id-1", vm.value, task)
    ok = task in ALLOW_REBOOT if name == "reboot-hard" else task is None
    assert (message is None) is ok
    if not ok:
        assert message == f"Cannot '{name.split('-')[0]}' instance id-1 while it is in task_state {task}"


@pytest.mark.parametrize("task", [TaskState.REBOOT_STARTED, TaskState.REBOOT_PENDING,
                                  TaskState.REBOOT_STARTED_HARD, TaskState.REBOOT_PENDING_HARD])
def test_a_reboot_interrupted_midway_is_done_again(task: TaskState) -> None:
    assert plan(V.ACTIVE, task, PowerState.RUNNING, PowerState.RUNNING) is Step.REBOOT
    hard = task in (TaskState.REBOOT_STARTED_HARD, TaskState.REBOOT_PENDING_HARD)
    assert plan(V.STOPPED, task, None, PowerState.SHUTDOWN) is (Step.REBOOT if hard else Step.NOTHING)


def test_every_power_task_has_its_transition() -> None:
    recorded = {t.task for t in TRANSITIONS.values()} | {SOFT_REBOOT.task}
    for _, _, task, _ in NOVA.values():
        assert task in recorded
