"""Block Storage API: the versions document at /volume/ (300, as Cinder's root answers) and at
/volume/v3/ (200), naming 3.0 up to the newest version served."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.api.volume.microversions import MAX_VERSION, MIN_VERSION, fmt


def versions_body(ctx: Ctx) -> dict[str, Any]:
    return {"versions": [{
        "id": "v3.0",
        "links": [{"href": "https://docs.openstack.org/", "rel": "describedby",
                   "type": "text/html"},
                  {"href": ctx.url("volume", "v3") + "/", "rel": "self"}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.volume+json;version=3"}],
        "min_version": fmt(MIN_VERSION),
        "status": "CURRENT",
        "updated": "2022-08-31T00:00:00Z",
        "version": fmt(MAX_VERSION),
    }]}


async def list_versions_root(ctx: Ctx) -> Response:
    return json_response(versions_body(ctx), 300)


async def list_versions(ctx: Ctx) -> Response:
    return json_response(versions_body(ctx))


ROUTES: list[Route] = [
    Route("GET", "/", list_versions_root, auth=False, options={"versioned": False}),
    Route("GET", "/v3", list_versions, auth=False, options={"versioned": False}),
]
