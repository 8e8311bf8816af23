"""Network API v2.0: availability zones (list, with name, resource and state filters)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import network_zones


async def list_availability_zones(ctx: Ctx) -> Response:
    wanted = {key: ctx.query.getlist(key) for key in ("name", "resource", "state")}
    zones = [{"name": zone.name, "resource": zone.resource, "state": zone.state}
             for zone in network_zones.list_zones(ctx.caller)]
    found = [zone for zone in zones if all(not values or zone[key] in values
                                           for key, values in wanted.items())]
    return json_response({"availability_zones": found})


ROUTES: list[Route] = [Route("GET", "/v2.0/availability_zones", list_availability_zones)]
