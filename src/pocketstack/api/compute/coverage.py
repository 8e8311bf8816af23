"""Compute os-coverage (legacy /v2, admin; /v2.1 answers 410 as Nova): `POST os-coverage/action`
with `start`, `stop` (the data's directory as `path`), `report` (`file`, optional `xml`; the
report's `path`) or `reset`. 501 unless the deployment enables it (services/coverage_api.py)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.agents import legacy_only
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import coverage_api as service

ACTIONS = ("start", "stop", "report", "reset")


async def coverage_action(ctx: Ctx) -> Response:
    legacy_only(ctx)
    service.available(ctx.cloud, ctx.caller)
    body: Any = await ctx.json()
    if not isinstance(body, dict) or len(body) != 1:
        raise errors.BadRequest("Invalid request body")
    (action, args), = body.items()
    if action not in ACTIONS:
        raise errors.BadRequest(f"Coverage doesn't have {action} action")
    args = args if isinstance(args, dict) else {}
    if action == "start":
        service.start(ctx.cloud, ctx.caller)
        return empty(200)
    if action == "stop":
        return json_response({"path": service.stop(ctx.cloud, ctx.caller)})
    if action == "report":
        return json_response({"path": service.report(ctx.cloud, ctx.caller, args.get("file"),
                                                     xml=bool(args.get("xml")))})
    service.reset(ctx.cloud, ctx.caller)
    return empty(200)


ROUTES: list[Route] = [Route("POST", "/os-coverage/action", coverage_action)]
