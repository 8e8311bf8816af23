"""The registry behind POST /servers/{id}/action: one `@action("name")` line per action, and
the checks that turn an action's body into the arguments of its use case.

    @action("pause")
    async def pause(ctx: Ctx, server_id: str, value: Any) -> Response:
        await server_actions.request(ctx.cloud, ctx.caller, server_id, Action.PAUSE)
        return empty(202)

A handler gets the body's value under its key (e.g. {"type": "HARD"} for "reboot", None for
{"pause": null}); it validates that value itself and answers 400 for a bad one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx
from pocketstack.validation import invalid

ActionHandler = Callable[[Ctx, str, Any], Awaitable[Response]]
ACTIONS: dict[str, ActionHandler] = {}


def action(name: str) -> Callable[[ActionHandler], ActionHandler]:
    """Register the handler of the action body key `name`."""
    def register(handler: ActionHandler) -> ActionHandler:
        if name in ACTIONS:
            raise ValueError(f"server action {name!r} is registered twice")
        ACTIONS[name] = handler
        return handler
    return register


def body_object(name: str, value: Any, allowed: set[str], required: tuple[str, ...] = (),
                *, nullable: bool = False) -> dict[str, Any]:
    """The action's value as an object with only `allowed` keys and every `required` one."""
    if value is None and nullable:
        return {}
    if not isinstance(value, dict):
        raise invalid(name, value, f"{value!r} is not of type 'object'")
    extra = sorted(set(value) - allowed)
    if extra:
        raise errors.BadRequest(f"Invalid input for field/attribute {name}. Additional properties "
                                f"are not allowed ({', '.join(repr(k) for k in extra)} "
                                f"{'was' if len(extra) == 1 else 'were'} unexpected)")
    for key in required:
        if key not in value:
            raise invalid(name, value, f"'{key}' is a required property")
    return value


def text(field: str, value: Any, *, max_length: int = 255, min_length: int = 0) -> str:
    if not isinstance(value, str):
        raise invalid(field, value, f"{value!r} is not of type 'string'")
    if len(value) > max_length:
        raise invalid(field, value, f"{value!r} is too long")
    if len(value.strip()) < min_length:
        raise invalid(field, value, f"{value!r} is too short")
    return value
