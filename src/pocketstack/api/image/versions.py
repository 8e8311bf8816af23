"""Image API: the versions document (Glance answers 300 Multiple Choices at its root) and the
discovery of interoperable import methods."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route

# Image API minor versions served: 2.7 adds os_hidden and the os_hash_* attributes.
CURRENT = (2, 7)


def versions_body(ctx: Ctx) -> dict[str, Any]:
    href = ctx.url("image", "v2") + "/"
    return {"versions": [
        {"id": f"v2.{minor}", "status": "CURRENT" if minor == CURRENT[1] else "SUPPORTED",
         "links": [{"rel": "self", "href": href}]}
        for minor in range(CURRENT[1], -1, -1)
    ]}


async def list_versions_root(ctx: Ctx) -> Response:
    return json_response(versions_body(ctx), 300)


async def list_versions(ctx: Ctx) -> Response:
    return json_response(versions_body(ctx))


async def show_import_info(ctx: Ctx) -> Response:
    """Image data is uploaded with PUT .../file; no interoperable import method is offered."""
    return json_response({"import-methods": {
        "description": "Import methods available.", "type": "array", "value": []}})


ROUTES: list[Route] = [
    Route("GET", "/", list_versions_root, auth=False),
    Route("GET", "/versions", list_versions, auth=False),
    Route("GET", "/v2/info/import", show_import_info),
]
