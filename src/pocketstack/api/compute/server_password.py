"""os-server-password: the password the guest posted, encrypted with the server's key pair
(`nova get-password` decrypts it); DELETE clears it."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import servers
from pocketstack.timeutil import utcnow


async def show_password(ctx: Ctx) -> Response:
    async with ctx.cloud.db.reader() as s:
        row = await servers.get_server(s, ctx.params["server_id"], project_id=ctx.project_id,
                                       is_admin=ctx.is_admin)
        ctx.authorize("compute:os-server-password:show", row.project_id)
    return json_response({"password": row.encrypted_password or ""})


async def clear_password(ctx: Ctx) -> Response:
    async with ctx.cloud.db.session() as s:
        row = await servers.get_server(s, ctx.params["server_id"], project_id=ctx.project_id,
                                       is_admin=ctx.is_admin)
        ctx.authorize("compute:os-server-password:clear", row.project_id)
        row.encrypted_password = ""
        row.updated_at = utcnow()
    return empty(204)


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/os-server-password", show_password),
    Route("DELETE", "/servers/{server_id}/os-server-password", clear_password),
]
