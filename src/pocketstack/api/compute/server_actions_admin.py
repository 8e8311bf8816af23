"""Lock and unlock (with Nova's owner/admin lock rules), and the admin actions os-resetState,
resetNetwork and injectNetworkInfo."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.action_registry import action, body_object, text
from pocketstack.api.compute.microversions import since
from pocketstack.api.http import Ctx, empty
from pocketstack.compute_states import Action, VmState
from pocketstack.services import server_admin
from pocketstack.validation import invalid

LOCKED_REASON = since("2.73", "servers-actions",
                      "lock: optional locked_reason (1-255 characters), kept until unlock")
RESET_STATES = {"active": VmState.ACTIVE, "error": VmState.ERROR}


def _locked_reason(ctx: Ctx, value: Any) -> str | None:
    """From 2.73 the body may give a reason (1 to 255 characters); before, the value is
    not read (any value locks)."""
    if ctx.version < LOCKED_REASON or value is None:
        return None
    body = body_object("lock", value, {"locked_reason"}, nullable=True)
    if "locked_reason" not in body:
        return None
    reason = text("locked_reason", body["locked_reason"])
    if not reason:
        raise invalid("locked_reason", reason, "'' is too short")
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
