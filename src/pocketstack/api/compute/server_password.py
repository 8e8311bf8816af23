"""os-server-password: the password the guest posted, encrypted with the server's key pair
(`nova get-password` decrypts it); DELETE clears it."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import server_guest


async def show_password(ctx: Ctx) -> Response:
    password = await server_guest.show_password(ctx.cloud, ctx.caller, ctx.params["server_id"])
    return json_response({"password": password})


async def clear_password(ctx: Ctx) -> Response:
    await server_guest.clear_password(ctx.cloud, ctx.caller, ctx.params["server_id"])
    return empty(204)


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/os-server-password", show_password),
    Route("DELETE", "/servers/{server_id}/os-server-password", clear_password),
]
