"""Compute: os-availability-zone, the zones (anyone) and their hosts and services (admin)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import availability_zones as zone_service
from pocketstack.timeutil import iso_plain


def zone_view(zone: zone_service.Zone, detail: bool) -> dict[str, Any]:
    hosts: dict[str, Any] | None = None
    if detail:
        hosts = {host.name: {"nova-compute": {
            "available": host.alive, "active": host.enabled,
            "updated_at": iso_plain(host.heartbeat_at)}} for host in zone.hosts} or None
    return {"zoneName": zone.name, "zoneState": {"available": zone.available}, "hosts": hosts}


async def _list(ctx: Ctx, detail: bool) -> Response:
    zones = await zone_service.list_availability_zones(ctx.cloud, ctx.caller, detail=detail)
    return json_response({"availabilityZoneInfo": [zone_view(zone, detail) for zone in zones]})


async def list_availability_zones(ctx: Ctx) -> Response:
    return await _list(ctx, detail=False)


async def list_availability_zones_detail(ctx: Ctx) -> Response:
    return await _list(ctx, detail=True)


ROUTES: list[Route] = [
    Route("GET", "/os-availability-zone", list_availability_zones),
    Route("GET", "/os-availability-zone/detail", list_availability_zones_detail),
]
