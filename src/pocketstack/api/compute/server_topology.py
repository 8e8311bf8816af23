"""GET /servers/{server_id}/topology (2.78 and later): the guest's NUMA nodes, with the host
node and CPU pinning of each for admins, and the page size."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.compute.microversions import serves
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import server_guest
from pocketstack.services.server_guest import NumaNode

TOPOLOGY = serves("2.78", area="servers topology",
                  summary="GET /servers/{id}/topology: {nodes: [], pagesize_kb: null} (no NUMA)")


def _node(node: NumaNode, show_host_info: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"vcpu_set": node.vcpu_set, "siblings": node.siblings,
                            "memory_mb": node.memory_mb}
    if show_host_info:
        body.update(host_node=node.host_node, cpu_pinning=node.cpu_pinning)
    return body


async def show_topology(ctx: Ctx) -> Response:
    found = await server_guest.topology(ctx.cloud, ctx.caller, ctx.params["server_id"])
    return json_response({"nodes": [_node(n, found.show_host_info) for n in found.nodes],
                          "pagesize_kb": found.pagesize_kb})


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/topology", show_topology, versions=TOPOLOGY),
]
