"""POST /servers/{server_id}/action: the body's one key names the action, whose handler is
looked up in ACTIONS. The modules imported below register their handlers with
`@action("name")` (api/compute/action_registry.py); a new one is added to this list."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute import (  # noqa: F401 - each registers its actions
    remote_consoles,
    server_actions_admin,
    server_actions_guest,
    server_actions_images,
    server_actions_networking,
    server_actions_power,
    server_actions_rebuild,
)
from pocketstack.api.compute.action_registry import ACTIONS, handler_at
from pocketstack.api.http import Ctx
from pocketstack.api.routing import Route

__all__ = ["ACTIONS", "ROUTES", "server_action"]

async def server_action(ctx: Ctx) -> Response:
    body = await ctx.json()
    if not isinstance(body, dict) or len(body) != 1:
        raise errors.BadRequest("Malformed request body")
    name, value = next(iter(body.items()))
    handler = handler_at(name, ctx.version)
    if handler is None:
        raise errors.BadRequest(f"There is no such action: {name}")
    return await handler(ctx, ctx.params["server_id"], value)


ROUTES: list[Route] = [
    Route("POST", "/servers/{server_id}/action", server_action),
]
