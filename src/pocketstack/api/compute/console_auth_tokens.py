"""GET /os-console-auth-tokens/{token} (admins): the connection behind a remote console's
token. Until 2.30 Nova served it for RDP consoles only, gone with Hyper-V: 400 for every
token; from 2.31 every console type's token; from 2.99 a spice-direct token shows its TLS port
and unknown query parameters answer 400."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute import query_checks
from pocketstack.api.compute.microversions import since
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import console_tokens

AREA = "console auth tokens"
ALL_CONSOLES = since("2.31", AREA, "connection info for every console type's token (before: "
                                   "RDP only, which is gone: 400)")
TLS_PORT = since("2.99", AREA, "spice-direct tokens show tls_port; unknown query parameters "
                               "answer 400")


async def show_token(ctx: Ctx) -> Response:
    if ctx.version >= TLS_PORT:
        query_checks.strict(ctx, ())
    if ctx.version < ALL_CONSOLES:
        raise errors.BadRequest("The server could not comply with the request since it is "
                                "either malformed or otherwise incorrect.")
    found = await console_tokens.show_console_token(ctx.cloud, ctx.caller, ctx.params["token"])
    console: dict[str, Any] = {"instance_uuid": found.instance_uuid, "host": found.host,
                               "port": found.port,
                               "internal_access_path": found.internal_access_path}
    if ctx.version >= TLS_PORT and found.console_type == "spice-direct":
        console["tls_port"] = found.tls_port
    return json_response({"console": console})


ROUTES: list[Route] = [
    Route("GET", "/os-console-auth-tokens/{token}", show_token),
]
