"""Image API: the versions document (Glance answers 300 Multiple Choices at its root) and the
supported minor versions."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route

# Image API minor versions served: 2.7 adds os_hidden and the os_hash_* attributes, 2.8 to
# 2.11 multiple stores and copy-image, 2.12 an image's tasks, 2.13 the stores' detail, 2.14 the
# cache API, 2.15 quota usage, 2.16 the location API's deprecations.
CURRENT = (2, 16)


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


ROUTES: list[Route] = [
    Route("GET", "/", list_versions_root, auth=False),
    Route("GET", "/versions", list_versions, auth=False),
]
