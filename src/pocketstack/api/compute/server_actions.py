"""POST /servers/{server_id}/action: the body's one key names the action, whose handler is
looked up in ACTIONS. Every module of this package named `server_actions_*` is imported here
and registers its handlers with `@action("name")` (api/compute/action_registry.py)."""

from __future__ import annotations

import importlib
import pkgutil

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api import compute
from pocketstack.api.compute.action_registry import ACTIONS
from pocketstack.api.http import Ctx
from pocketstack.api.routing import Route

__all__ = ["ACTIONS", "ROUTES", "server_action"]

for _module in sorted(m.name for m in pkgutil.iter_modules(compute.__path__)):
    if _module.startswith("server_actions_"):
        importlib.import_module(f"{compute.__name__}.{_module}")


async def server_action(ctx: Ctx) -> Response:
    body = await ctx.json()
    if not isinstance(body, dict) or len(body) != 1:
        raise errors.BadRequest("Malformed request body")
    name, value = next(iter(body.items()))
    handler = ACTIONS.get(name)
    if handler is None:
        raise errors.BadRequest(f"There is no such action: {name}")
    return await handler(ctx, ctx.params["server_id"], value)


ROUTES: list[Route] = [
    Route("POST", "/servers/{server_id}/action", server_action),
]
