"""Compute: version documents. GET /compute lists v2.0 and v2.1; /compute/v2 and
/compute/v2.1 (with or without a project id) describe one version. No token is needed."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.compute import microversions
from pocketstack.api.compute.microversions import MIN_VERSION, fmt
from pocketstack.api.compute.views_links import compute_root
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services.compute_roots import require_project_root

V2_UPDATED = "2011-01-21T11:33:21Z"
V21_UPDATED = "2013-07-23T11:33:21Z"


def version_entry(ctx: Ctx, legacy: bool) -> dict[str, Any]:
    """One version as the version list shows it."""
    if legacy:
        return {"id": "v2.0", "links": [{"href": f"{compute_root(ctx)}/v2/", "rel": "self"}],
                "status": "SUPPORTED", "version": "", "min_version": "", "updated": V2_UPDATED}
    return {"id": "v2.1", "links": [{"href": f"{compute_root(ctx)}/v2.1/", "rel": "self"}],
            # Read when asked, as the header parsing reads it, so that a raised maximum shows.
            "status": "CURRENT", "version": fmt(microversions.MAX_VERSION),
            "min_version": fmt(MIN_VERSION), "updated": V21_UPDATED}


def version_document(ctx: Ctx, legacy: bool) -> dict[str, Any]:
    """One version in detail: its entry plus the docs link and the media type."""
    entry = version_entry(ctx, legacy)
    entry["links"].append({"href": "http://docs.openstack.org/", "rel": "describedby",
                           "type": "text/html"})
    media = "application/vnd.openstack.compute+json;version=" + ("2" if legacy else "2.1")
    entry["media-types"] = [{"base": "application/json", "type": media}]
    return entry


async def list_versions(ctx: Ctx) -> Response:
    return json_response({"versions": [version_entry(ctx, True), version_entry(ctx, False)]})


async def show_version(ctx: Ctx) -> Response:
    project_id = ctx.params.get("project_id")
    if project_id is not None:
        # Under /v2.1/{project_id} any unknown one-segment path lands here: only a real
        # project's root is a version document.
        await require_project_root(ctx.cloud, project_id)
    return json_response({"version": version_document(ctx, bool(ctx.options.get("legacy")))})


VERSION_ROUTES: list[Route] = [
    Route("GET", "/", list_versions, auth=False),
    Route("GET", "/v2", show_version, auth=False, options={"legacy": True}),
]
# "" under each API root: /compute/v2.1, /compute/v2.1/{project_id}, /compute/v2/{project_id}.
ROUTES: list[Route] = [Route("GET", "", show_version, auth=False)]
