"""Power actions: reboot (SOFT/HARD), os-start, os-stop, pause, unpause, suspend, resume.
Each records intent and answers 202; the agent on the server's host does the work."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.action_registry import action, check_transition, request
from pocketstack.api.http import Ctx, empty
from pocketstack.compute_states import SOFT_REBOOT, Action, TaskState
from pocketstack.db.models import ServerRow

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


def _soft_allowed(row: ServerRow) -> None:
    check_transition(row, "reboot", SOFT_REBOOT)


@action("reboot")
async def reboot(ctx: Ctx, server_id: str, value: Any) -> Response:
    kind = _reboot_type(value)
    if kind == "SOFT":
        await request(ctx, server_id, Action.REBOOT, policy="compute:servers:reboot",
                      pending={"type": kind}, task=TaskState.REBOOTING, check=_soft_allowed)
    else:
        await request(ctx, server_id, Action.REBOOT, policy="compute:servers:reboot",
                      pending={"type": kind})
    return empty(202)


async def _simple(ctx: Ctx, server_id: str, act: Action, policy: str) -> Response:
    await request(ctx, server_id, act, policy=policy)
    return empty(202)


@action("os-start")
async def start(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _simple(ctx, server_id, Action.START, "compute:servers:start")


@action("os-stop")
async def stop(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _simple(ctx, server_id, Action.STOP, "compute:servers:stop")


@action("pause")
async def pause(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _simple(ctx, server_id, Action.PAUSE, "compute:os-pause-server:pause")


@action("unpause")
async def unpause(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _simple(ctx, server_id, Action.UNPAUSE, "compute:os-pause-server:unpause")


@action("suspend")
async def suspend(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _simple(ctx, server_id, Action.SUSPEND, "compute:os-suspend-server:suspend")


@action("resume")
async def resume(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _simple(ctx, server_id, Action.RESUME, "compute:os-suspend-server:resume")
