"""Power and guest actions on a server: reboot (soft or hard), start, stop, pause, unpause,
suspend, resume, rescue, unrescue, changePassword and trigger_crash_dump.

Each is one use case with the steps they all share: load the caller's server (404), authorize
on its project (403), refuse a locked one (409, admins excepted) or one that never launched,
record the intent with one conditional UPDATE and the instance action, in one transaction.
The agent on the server's host does the work.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import (
    ALLOW_TRIGGER_CRASH_DUMP,
    SOFT_REBOOT,
    TRANSITIONS,
    Action,
    TaskState,
    Transition,
    conflict_message,
)
from pocketstack.db.models import ServerRow
from pocketstack.db.pending import NewPassword, Pending, Reboot, Rescue
from pocketstack.db.wakes import wake_after_commit
from pocketstack.services import instance_actions
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.images import get_visible_image
from pocketstack.services.policy import authorize
from pocketstack.services.server_create import generate_password
from pocketstack.services.server_lifecycle import (
    check_state,
    check_unlocked,
    record,
    request_action,
)
from pocketstack.services.servers import load

POLICIES: dict[Action, str] = {
    Action.REBOOT: "compute:servers:reboot",
    Action.START: "compute:servers:start",
    Action.STOP: "compute:servers:stop",
    Action.PAUSE: "compute:os-pause-server:pause",
    Action.UNPAUSE: "compute:os-pause-server:unpause",
    Action.SUSPEND: "compute:os-suspend-server:suspend",
    Action.RESUME: "compute:os-suspend-server:resume",
    Action.RESCUE: "compute:os-rescue",
    Action.UNRESCUE: "compute:os-unrescue",
    Action.CHANGE_PASSWORD: "compute:os-admin-password",
}


def check_transition(row: ServerRow, name: str, transition: Transition) -> None:
    """409 with Nova's message when `transition` is not allowed from the row's states."""
    message = conflict_message(name, transition, row.id, row.vm_state, row.task_state)
    if message is not None:
        raise errors.Conflict(message)


def check_launched(row: ServerRow, name: str, transition: Transition) -> None:
    """Nova's must_have_launched: a server that never ran (an ERROR from scheduling) is in no
    state for the action, once its vm_state and task_state would allow it."""
    if row.launched_at is None and conflict_message(name, transition, row.id, row.vm_state,
                                                    row.task_state) is None:
        raise errors.Conflict(f"Instance {row.id} is in an invalid state for '{name}'")


async def request(cloud: Cloud, caller: Caller, server_id: str, action: Action, *,
                  pending: Pending | None = None) -> ServerRow:
    """Ask for `action` (one of POLICIES) with its `pending` arguments."""
    async with cloud.db.session() as s:
        return await _request(s, caller, server_id, action, pending=pending)


async def _request(s: AsyncSession, caller: Caller, server_id: str, action: Action, *,
                   pending: Pending | None = None, soft_reboot: bool = False) -> ServerRow:
    """The shared steps; a soft reboot is checked against SOFT_REBOOT first and shows the
    rebooting task (TRANSITIONS has the hard one)."""
    row = await load(s, caller, server_id)
    authorize(caller, POLICIES[action], row.project_id)
    check_unlocked(row, caller)
    if soft_reboot:
        check_transition(row, action.value, SOFT_REBOOT)
    check_launched(row, action.value, TRANSITIONS[action])
    await request_action(s, row, action, pending=pending)
    if soft_reboot:
        row.task_state = TaskState.REBOOTING.value
        await s.flush()
    await record(s, caller, row, action.value)
    wake_after_commit(s, row.host)
    return row


async def reboot(cloud: Cloud, caller: Caller, server_id: str, *, hard: bool) -> None:
    async with cloud.db.session() as s:
        await _request(s, caller, server_id, Action.REBOOT,
                       pending=Reboot("HARD" if hard else "SOFT"), soft_reboot=not hard)


async def rescue(cloud: Cloud, caller: Caller, server_id: str, *, password: str,
                 image_id: str | None) -> str:
    """Rescue the server from its own image or `image_id` (400 when the caller may not see
    that image); returns the rescue password (generated when `password` is empty)."""
    password = password or generate_password()
    async with cloud.db.session() as s:
        if image_id is not None:
            try:
                image = await get_visible_image(s, image_id, project_id=caller.project_id,
                                                is_admin=caller.is_admin)
            except errors.NotFound:
                raise errors.BadRequest(f"Image {image_id} could not be found.") from None
            image_id = image.id
        await _request(s, caller, server_id, Action.RESCUE, pending=Rescue(password, image_id))
    return password


async def change_password(cloud: Cloud, caller: Caller, server_id: str, password: str) -> None:
    await request(cloud, caller, server_id, Action.CHANGE_PASSWORD,
                  pending=NewPassword(password))


CRASH_DUMP_EVENT = "compute_trigger_crash_dump"


async def trigger_crash_dump(cloud: Cloud, caller: Caller, server_id: str) -> None:
    """Nova's trigger_crash_dump: an NMI to the guest, which sets no task and changes no
    state (what the guest does with it is its own configuration). Checked as Nova checks it
    (lock, a host, the vm_state with no task, launched); the instance action is recorded with
    its compute event, finished at once: the fake guest has no kernel to dump."""
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:servers:trigger_crash_dump", row.project_id)
        check_unlocked(row, caller)
        if not row.host:
            raise errors.Conflict(f"Instance {row.id} is not ready")
        name = Action.TRIGGER_CRASH_DUMP.value
        check_state(row, name, ALLOW_TRIGGER_CRASH_DUMP)
        if row.launched_at is None:
            raise errors.Conflict(f"Instance {row.id} is in an invalid state for '{name}'")
        await record(s, caller, row, name)
        await instance_actions.finish_event(s, row.id, name, CRASH_DUMP_EVENT,
                                            result=instance_actions.SUCCESS, host=row.host)
