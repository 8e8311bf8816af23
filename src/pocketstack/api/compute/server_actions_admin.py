"""Lock and unlock (with Nova's owner/admin lock rules), and the admin actions os-resetState,
resetNetwork and injectNetworkInfo."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.action_registry import action
from pocketstack.api.http import Ctx, empty
from pocketstack.compute_states import Action, VmState
from pocketstack.services import server_admin

RESET_STATES = {"active": VmState.ACTIVE, "error": VmState.ERROR}


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
    await server_admin.lock(ctx.cloud, ctx.caller, server_id, reason=reason)
    return empty(202)


@action("unlock")
async def unlock(ctx: Ctx, server_id: str, value: Any) -> Response:
    await server_admin.unlock(ctx.cloud, ctx.caller, server_id)
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
    await server_admin.reset_state(ctx.cloud, ctx.caller, server_id, state)
    return empty(202)


@action("resetNetwork")
async def reset_network(ctx: Ctx, server_id: str, value: Any) -> Response:
    await server_admin.network_action(ctx.cloud, ctx.caller, server_id, Action.RESET_NETWORK)
    return empty(202)


@action("injectNetworkInfo")
async def inject_network_info(ctx: Ctx, server_id: str, value: Any) -> Response:
    await server_admin.network_action(ctx.cloud, ctx.caller, server_id,
                                      Action.INJECT_NETWORK_INFO)
    return empty(202)
