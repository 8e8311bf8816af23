"""GET /servers/{server_id}/diagnostics (admin): the hypervisor's counters for the guest as
the agent last read them, in libvirt's flat form (Nova before microversion 2.48)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import servers


async def show_diagnostics(ctx: Ctx) -> Response:
    async with ctx.cloud.db.reader() as s:
        row = await servers.get_server(s, ctx.params["server_id"], project_id=ctx.project_id,
                                       is_admin=ctx.is_admin)
        ctx.authorize("compute:os-server-diagnostics", row.project_id)
    if not row.host:
        raise errors.Conflict(f"Instance {row.id} is not ready")
    return json_response(dict(row.diagnostics or {}))


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/diagnostics", show_diagnostics),
]
