"""The server root: a small index of the services and where they live."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route


async def show_index(ctx: Ctx) -> Response:
    base = ctx.cloud.settings.base_url
    return json_response({
        "name": "pocketstack",
        "services": {
            "identity": f"{base}/identity",
            "compute": f"{base}/compute",
            "image": f"{base}/image",
            "network": f"{base}/network",
        },
    })


ROUTES = [Route("GET", "/", show_index, auth=False)]
