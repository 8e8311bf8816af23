"""Lock and unlock (with Nova's owner/admin lock rules), and the admin actions os-resetState,
resetNetwork and injectNetworkInfo. Each loads the caller's server (404), then authorizes on
its project (403), and records the instance action."""

from __future__ import annotations

from pocketstack.compute_states import Action, VmState
from pocketstack.db.wakes import wake_after_commit
from pocketstack.services import instance_actions
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.server_lifecycle import check_unlocked, record
from pocketstack.services.servers import load
from pocketstack.timeutil import utcnow

NETWORK_ACTIONS = {
    Action.RESET_NETWORK: ("compute:os-admin-actions:reset_network", "compute_reset_network"),
    Action.INJECT_NETWORK_INFO: ("compute:os-admin-actions:inject_network_info",
                                 "compute_inject_network_info"),
}


async def lock(cloud: Cloud, caller: Caller, server_id: str, *, reason: str | None) -> None:
    """Locked by its "owner" when the caller's project owns the server, else by an "admin"
    (an owner's lock of a locked server changes nothing). A reason, when given, replaces the
    one recorded (2.73)."""
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-lock-server:lock", row.project_id)
        is_owner = row.project_id == caller.project_id
        if row.locked and is_owner:
            return
        row.locked = True
        row.locked_by = "owner" if is_owner else "admin"
        if reason:
            row.locked_reason = reason
        row.updated_at = utcnow()
        await record(s, caller, row, Action.LOCK.value)


async def unlock(cloud: Cloud, caller: Caller, server_id: str) -> None:
    """Undoing the other kind of lock (an owner's by an admin, or the reverse) takes the
    unlock_override rule."""
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-lock-server:unlock", row.project_id)
        expected = "owner" if row.project_id == caller.project_id else "admin"
        if row.locked_by and row.locked_by != expected:
            authorize(caller, "compute:os-lock-server:unlock:unlock_override")
        row.locked, row.locked_by, row.locked_reason = False, None, None
        row.updated_at = utcnow()
        await record(s, caller, row, Action.UNLOCK.value)


async def reset_state(cloud: Cloud, caller: Caller, server_id: str, state: VmState) -> None:
    """Set the vm_state and forget any task in progress (its agent is woken to look again)."""
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:os-admin-actions:reset_state", row.project_id)
        row.vm_state, row.task_state, row.pending = state.value, None, None
        row.updated_at = utcnow()
        await record(s, caller, row, Action.RESET_STATE.value)
        wake_after_commit(s, row.host)


async def network_action(cloud: Cloud, caller: Caller, server_id: str, action: Action) -> None:
    """resetNetwork or injectNetworkInfo: the action and its compute event are recorded, and
    the server's agent rebuilds the guest's config drive with its network information (the
    event finishes when it has)."""
    policy, event = NETWORK_ACTIONS[action]
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        authorize(caller, policy, row.project_id)
        check_unlocked(row, caller)
        await record(s, caller, row, action.value)
        await instance_actions.start_event(s, row.id, action.value, event, host=row.host)
        row.network_refresh = action.value
        wake_after_commit(s, row.host)
