"""GET /servers/{server_id}/diagnostics (admin): the hypervisor's counters for the guest as
the agent last read them, in libvirt's flat form (Nova before microversion 2.48)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import server_guest


async def show_diagnostics(ctx: Ctx) -> Response:
    found = await server_guest.diagnostics(ctx.cloud, ctx.caller, ctx.params["server_id"])
    return json_response(found)


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/diagnostics", show_diagnostics),
]
