"""The 2013 os-consoles extension (Nova's XVP consoles) under /v2: list, create, show and
delete the consoles of a server (services/xvp_consoles.py). Nova removed it, so /v2.1 answers
410 Gone."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.compute.agents import legacy_only
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import xvp_consoles


async def list_consoles(ctx: Ctx) -> Response:
    legacy_only(ctx)
    rows = await xvp_consoles.list_consoles(ctx.cloud, ctx.caller, ctx.params["server_id"])
    return json_response({"consoles": [{"console": {"console_type": row.console_type,
                                                    "id": row.id}} for row in rows]})


async def create_console(ctx: Ctx) -> Response:
    legacy_only(ctx)
    await xvp_consoles.create_console(ctx.cloud, ctx.caller, ctx.params["server_id"])
    return empty(200)


async def show_console(ctx: Ctx) -> Response:
    legacy_only(ctx)
    row, instance = await xvp_consoles.show_console(ctx.cloud, ctx.caller,
                                                    ctx.params["server_id"],
                                                    ctx.params["console_id"])
    return json_response({"console": {"console_type": row.console_type, "host": row.host,
                                      "id": row.id, "instance_name": instance,
                                      "password": row.password, "port": row.port}})


async def delete_console(ctx: Ctx) -> Response:
    legacy_only(ctx)
    await xvp_consoles.delete_console(ctx.cloud, ctx.caller, ctx.params["server_id"],
                                      ctx.params["console_id"])
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/consoles", list_consoles),
    Route("POST", "/servers/{server_id}/consoles", create_console),
    Route("GET", "/servers/{server_id}/consoles/{console_id}", show_console),
    Route("DELETE", "/servers/{server_id}/consoles/{console_id}", delete_console),
]
