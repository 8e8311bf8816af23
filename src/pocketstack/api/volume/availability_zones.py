"""Block Storage API v3: availability zones (one, `nova`, as Cinder's default
storage_availability_zone)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route


async def list_availability_zones(ctx: Ctx) -> Response:
    return json_response({"availabilityZoneInfo": [
        {"zoneName": "nova", "zoneState": {"available": True}}]})


ROUTES: list[Route] = [Route("GET", "/os-availability-zone", list_availability_zones)]
