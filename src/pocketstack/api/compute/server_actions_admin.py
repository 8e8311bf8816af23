"""Lock and unlock (with Nova's owner/admin lock rules), and the admin actions os-resetState,
resetNetwork and injectNetworkInfo."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.action_registry import action, caller, load, record
from pocketstack.api.http import Ctx, empty
from pocketstack.compute_states import Action, VmState
from pocketstack.db.wakes import wake_after_commit
from pocketstack.services import instance_actions, servers
from pocketstack.timeutil import utcnow

RESET_STATES = {"active": VmState.ACTIVE, "error": VmState.ERROR}
NETWORK_EVENTS = {Action.RESET_NETWORK: "compute_reset_network",
                  Action.INJECT_NETWORK_INFO: "compute_inject_network_info"}


def _locked_reason(ctx: Ctx, value: Any) -> str | None:
    """At 2.73 and later the body may give a reason; before, the value is ignored (null)."""
    if ctx.version < (2, 73) or value is None:
        return None
    if not isinstance(value, dict):
        raise errors.BadRequest(f"Invalid input for field/attribute lock. Value: {value!r}. "
                                f"{value!r} is not of type 'object', 'null'")
    extra = sorted(set(value) - {"locked_reason"})
    if extra:
        raise errors.BadRequest("Invalid input for field/attribute lock. Additional properties "
                                f"are not allowed ({', '.join(repr(k) for k in extra)} was unexpected)")
    reason = value.get("locked_reason")
    if reason is not None and (not isinstance(reason, str) or not 1 <= len(reason) <= 255):
        raise errors.BadRequest("Invalid input for field/attribute locked_reason. Value: "
                                f"{reason!r}. It must be a string of 1 to 255 characters")
    return reason


@action("lock")
async def lock(ctx: Ctx, server_id: str, value: Any) -> Response:
    reason = _locked_reason(ctx, value)
    async with ctx.cloud.db.session() as s:
        row = await load(s, ctx, server_id)
        ctx.authorize("compute:os-lock-server:lock", row.project_id)
        row.locked = True
        row.locked_by = "owner" if row.project_id == ctx.project_id else "admin"
        row.locked_reason = reason
        row.updated_at = utcnow()
        await record(s, ctx, row, Action.LOCK.value)
    return empty(202)


@action("unlock")
async def unlock(ctx: Ctx, server_id: str, value: Any) -> Response:
    async with ctx.cloud.db.session() as s:
        row = await load(s, ctx, server_id)
        ctx.authorize("compute:os-lock-server:unlock", row.project_id)
        expected = "owner" if row.project_id == ctx.project_id else "admin"
        if row.locked_by and row.locked_by != expected:
            ctx.authorize("compute:os-lock-server:unlock:unlock_override")
        row.locked, row.locked_by, row.locked_reason = False, None, None
        row.updated_at = utcnow()
        await record(s, ctx, row, Action.UNLOCK.value)
    return empty(202)


def _reset_state(value: Any) -> VmState:
    state = value.get("state") if isinstance(value, dict) else None
    if not isinstance(value, dict) or "state" not in value:
        raise errors.BadRequest("Invalid input for field/attribute os-resetState. Value: "
                                f"{value!r}. 'state' is a required property")
    if state not in RESET_STATES:
        raise errors.BadRequest(f"Invalid input for field/attribute state. Value: {state}. "
                                f"{state!r} is not one of ['active', 'error']")
    return RESET_STATES[state]


@action("os-resetState")
async def reset_state(ctx: Ctx, server_id: str, value: Any) -> Response:
    state = _reset_state(value)
    async with ctx.cloud.db.session() as s:
        row = await load(s, ctx, server_id)
        ctx.authorize("compute:os-admin-actions:reset_state", row.project_id)
        row.vm_state, row.task_state, row.pending = state.value, None, None
        row.updated_at = utcnow()
        await record(s, ctx, row, Action.RESET_STATE.value)
        wake_after_commit(s, row.host)
    return empty(202)


async def _network_action(ctx: Ctx, server_id: str, act: Action, policy: str) -> Response:
    """Networking here is configured by the API, not on the host: the action is recorded with
    its compute event, finished at once."""
    async with ctx.cloud.db.session() as s:
        row = await load(s, ctx, server_id)
        ctx.authorize(policy, row.project_id)
        servers.check_unlocked(row, caller(ctx))
        await record(s, ctx, row, act.value)
        await instance_actions.start_event(s, row.id, act.value, NETWORK_EVENTS[act], host=row.host)
        await instance_actions.finish_event(s, row.id, act.value, NETWORK_EVENTS[act],
                                            result=instance_actions.SUCCESS, host=row.host)
    return empty(202)


@action("resetNetwork")
async def reset_network(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _network_action(ctx, server_id, Action.RESET_NETWORK,
                                 "compute:os-admin-actions:reset_network")


@action("injectNetworkInfo")
async def inject_network_info(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _network_action(ctx, server_id, Action.INJECT_NETWORK_INFO,
                                 "compute:os-admin-actions:inject_network_info")
