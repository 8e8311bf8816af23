"""Power actions: reboot (SOFT/HARD), os-start, os-stop, pause, unpause, suspend, resume, and
trigger_crash_dump (2.17). Each records intent and answers 202; the agent on the server's host
does the work."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.action_registry import action
from pocketstack.api.compute.microversions import serves
from pocketstack.api.http import Ctx, empty
from pocketstack.compute_states import Action
from pocketstack.services import server_actions

CRASH_DUMP = serves("2.17", area="servers-actions",
                    summary="action trigger_crash_dump (null body): 202, Nova's state checks")
REBOOT_TYPES = ("HARD", "Hard", "hard", "SOFT", "Soft", "soft")


def _reboot_type(value: Any) -> str:
    if not isinstance(value, dict):
        raise errors.BadRequest(f"Invalid input for field/attribute reboot. Value: {value!r}. "
                                f"{value!r} is not of type 'object'")
    if "type" not in value:
        raise errors.BadRequest("Invalid input for field/attribute reboot. Value: "
                                f"{value!r}. 'type' is a required property")
    extra = sorted(set(value) - {"type"})
    if extra:
        raise errors.BadRequest("Invalid input for field/attribute reboot. Additional properties "
                                f"are not allowed ({', '.join(repr(k) for k in extra)} "
                                f"{'was' if len(extra) == 1 else 'were'} unexpected)")
    kind = value["type"]
    if kind not in REBOOT_TYPES:
        raise errors.BadRequest(f"Invalid input for field/attribute type. Value: {kind}. "
                                f"{kind!r} is not one of {list(REBOOT_TYPES)}")
    return str(kind).upper()


@action("reboot")
async def reboot(ctx: Ctx, server_id: str, value: Any) -> Response:
    hard = _reboot_type(value) == "HARD"
    await server_actions.reboot(ctx.cloud, ctx.caller, server_id, hard=hard)
    return empty(202)


async def _simple(ctx: Ctx, server_id: str, act: Action) -> Response:
    await server_actions.request(ctx.cloud, ctx.caller, server_id, act)
    return empty(202)


@action("os-start")
async def start(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _simple(ctx, server_id, Action.START)


@action("os-stop")
async def stop(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _simple(ctx, server_id, Action.STOP)


@action("pause")
async def pause(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _simple(ctx, server_id, Action.PAUSE)


@action("unpause")
async def unpause(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _simple(ctx, server_id, Action.UNPAUSE)


@action("suspend")
async def suspend(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _simple(ctx, server_id, Action.SUSPEND)


@action("resume")
async def resume(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _simple(ctx, server_id, Action.RESUME)


@action("trigger_crash_dump", CRASH_DUMP)
async def trigger_crash_dump(ctx: Ctx, server_id: str, value: Any) -> Response:
    if value is not None:
        raise errors.BadRequest("Invalid input for field/attribute trigger_crash_dump. "
                                f"Value: {value}. {value!r} is not of type 'null'")
    await server_actions.trigger_crash_dump(ctx.cloud, ctx.caller, server_id)
    return empty(202)
