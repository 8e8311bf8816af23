"""Network API v2.0: auto-allocated-topology (show, which makes the topology on first call,
with ?fields=dry-run to check only; delete)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import auto_allocation


async def show_auto_allocated_topology(ctx: Ctx) -> Response:
    fields = [f for f in ctx.query.getlist("fields") if f]
    found = await auto_allocation.get_topology(ctx.cloud, ctx.caller, ctx.params["project_id"],
                                               fields=fields)
    return json_response({"auto_allocated_topology": {
        "id": found.id, "project_id": found.project_id, "tenant_id": found.project_id}})


async def delete_auto_allocated_topology(ctx: Ctx) -> Response:
    await auto_allocation.delete_topology(ctx.cloud, ctx.caller, ctx.params["project_id"])
    return empty()


ROUTES: list[Route] = [
    Route("GET", "/v2.0/auto-allocated-topology/{project_id}", show_auto_allocated_topology),
    Route("DELETE", "/v2.0/auto-allocated-topology/{project_id}", delete_auto_allocated_topology),
]
