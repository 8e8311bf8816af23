"""Compute os-fping (legacy /v2, as the 2013 API had it; /v2.1 answers 410 as Nova, which
removed it): whether the project's servers are alive, from the agent's view of each guest
(services/fping.py), never by sending a packet. `?all_tenants` (admin) covers every
project; `include=id,...` keeps only those servers, otherwise `exclude=id,...` drops some."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.compute.agents import legacy_only
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import fping as service


def _ids(text: str | None) -> set[str]:
    return {part for part in (text or "").split(",") if part}


async def list_fping(ctx: Ctx) -> Response:
    legacy_only(ctx)
    include = _ids(ctx.query.get("include")) or None
    found = await service.list_alive(ctx.cloud, ctx.caller, all_tenants="all_tenants" in ctx.query,
                                     include=include,
                                     exclude=set() if include else _ids(ctx.query.get("exclude")))
    return json_response({"servers": [{"alive": a.alive, "id": a.id, "project_id": a.project_id}
                                      for a in found]})


async def show_fping(ctx: Ctx) -> Response:
    legacy_only(ctx)
    a = await service.show_alive(ctx.cloud, ctx.caller, ctx.params["server_id"])
    return json_response({"server": {"alive": a.alive, "id": a.id, "project_id": a.project_id}})


ROUTES: list[Route] = [
    Route("GET", "/os-fping", list_fping),
    Route("GET", "/os-fping/{server_id}", show_fping),
]
