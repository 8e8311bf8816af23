"""plan(): the agent's next step for every (vm_state, task_state, power) case."""

from __future__ import annotations

import itertools

import pytest

from pocketstack.agent.plan import BUILD_TASKS, POWER_STEPS, Step, plan
from pocketstack.compute_states import PowerState, TaskState, VmState

B, A, S, E, P = VmState.BUILDING, VmState.ACTIVE, VmState.STOPPED, VmState.ERROR, VmState.PAUSED
RUN, OFF, PAUSED, CRASHED, NOSTATE = (PowerState.RUNNING, PowerState.SHUTDOWN, PowerState.PAUSED,
                                      PowerState.CRASHED, PowerState.NOSTATE)
SCHED, SPAWNING, DELETING = TaskState.SCHEDULING, TaskState.SPAWNING, TaskState.DELETING

# (vm_state, task_state, observed power (None: no guest), recorded power) -> step
TABLE = [
    # build
    (B, SCHED, None, NOSTATE, Step.SPAWN),
    (B, SPAWNING, None, NOSTATE, Step.SPAWN),
    (B, None, None, NOSTATE, Step.SPAWN),
    (B, SCHED, RUN, NOSTATE, Step.MARK_ACTIVE),
    (B, SPAWNING, RUN, NOSTATE, Step.MARK_ACTIVE),
    (B, SPAWNING, OFF, NOSTATE, Step.DESTROY),
    (B, SPAWNING, PAUSED, NOSTATE, Step.DESTROY),
    (B, SPAWNING, CRASHED, NOSTATE, Step.DESTROY),
    (B, TaskState.REBOOTING, None, NOSTATE, Step.NOTHING),
    # delete, from any state
    (B, DELETING, None, NOSTATE, Step.FINISH_DELETE),
    (B, DELETING, RUN, NOSTATE, Step.DESTROY),
    (A, DELETING, RUN, RUN, Step.DESTROY),
    (A, DELETING, None, RUN, Step.FINISH_DELETE),
    (S, DELETING, OFF, OFF, Step.DESTROY),
    (E, DELETING, None, NOSTATE, Step.FINISH_DELETE),
    (P, DELETING, PAUSED, PAUSED, Step.DESTROY),
    # steady states
    (A, None, RUN, RUN, Step.NOTHING),
    (S, None, OFF, OFF, Step.NOTHING),
    (E, None, None, NOSTATE, Step.NOTHING),
    (P, None, PAUSED, PAUSED, Step.NOTHING),
    # drift while idle
    (A, None, None, RUN, Step.RESTORE),
    (A, None, OFF, RUN, Step.MARK_STOPPED),
    (A, None, CRASHED, RUN, Step.MARK_STOPPED),
    (A, None, PAUSED, RUN, Step.RECORD_POWER),
    (A, None, RUN, NOSTATE, Step.RECORD_POWER),
    (S, None, None, OFF, Step.RECORD_POWER),
    (S, None, RUN, OFF, Step.RECORD_POWER),
    (E, None, RUN, NOSTATE, Step.RECORD_POWER),
    (E, None, None, RUN, Step.RECORD_POWER),
    # another actor's task in progress: not ours to touch
    (A, TaskState.NETWORKING, RUN, RUN, Step.NOTHING),
    (P, TaskState.BLOCK_DEVICE_MAPPING, PAUSED, PAUSED, Step.NOTHING),
    # power actions (every pair: tests/unit/test_plan_actions.py)
    (A, TaskState.REBOOTING, RUN, RUN, Step.REBOOT),
    (A, TaskState.POWERING_OFF, RUN, RUN, Step.POWER_OFF),
    (S, TaskState.POWERING_ON, None, OFF, Step.POWER_ON),
]


@pytest.mark.parametrize(("vm", "task", "power", "recorded", "expected"), TABLE)
def test_plan_table(vm: VmState, task: TaskState | None, power: PowerState | None,
                    recorded: PowerState, expected: Step) -> None:
    assert plan(vm, task, power, recorded) is expected


POWERS: list[PowerState | None] = [None, *PowerState]
TASKS: list[TaskState | None] = [None, *TaskState]


def test_every_combination_has_a_step_with_the_lifecycle_rules() -> None:
    for vm, task, power, recorded in itertools.product(VmState, TASKS, POWERS, PowerState):
        step = plan(vm, task, power, recorded)
        if task == DELETING:
            assert step is (Step.FINISH_DELETE if power is None else Step.DESTROY)
        elif vm == B:
            if task not in BUILD_TASKS:
                assert step is Step.NOTHING
            elif power is None:
                assert step is Step.SPAWN
            else:
                assert step is (Step.MARK_ACTIVE if power == RUN else Step.DESTROY)
        elif task in POWER_STEPS:
            allowed, expected = POWER_STEPS[task]
            assert step is (expected if vm in allowed else Step.NOTHING)
        elif task is not None:
            assert step not in {Step.SPAWN, Step.MARK_ACTIVE, Step.RESTORE, Step.MARK_STOPPED,
                                Step.RECORD_POWER}
        else:
            observed = NOSTATE if power is None else power
            assert step in {Step.NOTHING, Step.RECORD_POWER, Step.RESTORE, Step.MARK_STOPPED}
            if vm != A:
                assert step is (Step.NOTHING if observed == recorded else Step.RECORD_POWER)


def test_steps_converge() -> None:
    """Applying each step's effect and planning again reaches NOTHING within a few steps."""
    effects = {
        Step.SPAWN: lambda vm, task, power: (vm, SPAWNING, RUN),
        Step.MARK_ACTIVE: lambda vm, task, power: (A, None, RUN),
        Step.DESTROY: lambda vm, task, power: (vm, task, None),
        Step.FINISH_DELETE: None,
        Step.RESTORE: lambda vm, task, power: (vm, task, RUN),
        Step.MARK_STOPPED: lambda vm, task, power: (S, None, power),
        Step.RECORD_POWER: lambda vm, task, power: (vm, task, power),
    }
    for vm, task, power in itertools.product([B, A, S, E], [None, SCHED, SPAWNING, DELETING], POWERS):
        recorded = NOSTATE
        for _ in range(6):
            step = plan(vm, task, power, recorded)
            if step is Step.NOTHING or step is Step.FINISH_DELETE:
                break
            vm, task, power = effects[step](vm, task, power)  # type: ignore[misc]
            recorded = NOSTATE if power is None else power
        else:
            pytest.fail(f"no convergence from {vm}, {task}, {power}")
