"""/v3/services, /v3/endpoints, /v3/regions: the fixed service catalog, read-only."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.identity import views
from pocketstack.api.identity.common import list_links
from pocketstack.services import catalog


def _one(items: list[dict[str, Any]], item_id: str, kind: str) -> dict[str, Any]:
    for item in items:
        if item["id"] == item_id:
            return item
    raise errors.NotFound(f"Could not find {kind}: {item_id}.")


async def list_services(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    found = catalog.services(ctx.state.settings, service_type=ctx.query.get("type"),
                             name=ctx.query.get("name"))
    return json_response({"services": [views.service_view(ctx, x) for x in found],
                          "links": list_links(ctx, "services")})


async def show_service(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    service = _one(catalog.services(ctx.state.settings), ctx.params["service_id"], "service")
    return json_response({"service": views.service_view(ctx, service)})


async def list_endpoints(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    q = ctx.query
    found = catalog.endpoints(ctx.state.settings, service_id=q.get("service_id"),
                              interface=q.get("interface"), region_id=q.get("region_id"))
    return json_response({"endpoints": [views.endpoint_view(ctx, x) for x in found],
                          "links": list_links(ctx, "endpoints")})


async def show_endpoint(ctx: Ctx) -> Response:
    ctx.authorize("identity:admin")
    endpoint = _one(catalog.endpoints(ctx.state.settings), ctx.params["endpoint_id"], "endpoint")
    return json_response({"endpoint": views.endpoint_view(ctx, endpoint)})


async def list_regions(ctx: Ctx) -> Response:
    regions = catalog.regions(ctx.state.settings)
    return json_response({"regions": [views.region_view(ctx, x) for x in regions],
                          "links": list_links(ctx, "regions")})


async def show_region(ctx: Ctx) -> Response:
    region = _one(catalog.regions(ctx.state.settings), ctx.params["region_id"], "region")
    return json_response({"region": views.region_view(ctx, region)})
