"""Compute server addresses: all of a server's addresses by network, or one network's."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.servers_views import addresses
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import servers


async def _addresses(ctx: Ctx) -> dict[str, list[dict[str, object]]]:
    found = await servers.server_addresses(ctx.cloud, ctx.caller, ctx.params["server_id"])
    return addresses(found, extended=False)


async def list_ips(ctx: Ctx) -> Response:
    return json_response({"addresses": await _addresses(ctx)})


async def show_ips_by_network(ctx: Ctx) -> Response:
    by_network = await _addresses(ctx)
    label = ctx.params["network_label"]
    if label not in by_network:
        raise errors.NotFound("Instance is not a member of specified network")
    return json_response({label: by_network[label]})


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/ips", list_ips),
    Route("GET", "/servers/{server_id}/ips/{network_label}", show_ips_by_network),
]
