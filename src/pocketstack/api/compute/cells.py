"""Compute os-cells (legacy /v2, admin; /v2.1 answers 410 as Nova): this deployment as one
cell without neighbours, in the 2013 shapes: `os-cells` and `os-cells/detail` list the
neighbour cells (none), `os-cells/info` this cell, `os-cells/capacities` and
`os-cells/{name}/capacities` its free RAM and disk from the hosts' capacity and usage."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.compute.agents import legacy_only
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import cells as service


async def list_cells(ctx: Ctx) -> Response:
    legacy_only(ctx)
    return json_response({"cells": await service.neighbours(ctx.cloud, ctx.caller)})


async def show_info(ctx: Ctx) -> Response:
    legacy_only(ctx)
    info = await service.cell_info(ctx.cloud, ctx.caller)
    return json_response({"cell": {"name": info.name, "type": "self", "rpc_host": None,
                                   "rpc_port": 0, "username": None,
                                   "capabilities": info.capabilities}})


async def show_capacities(ctx: Ctx) -> Response:
    legacy_only(ctx)
    found = await service.capacities(ctx.cloud, ctx.caller, ctx.params.get("cell_name"))
    return json_response({"cell": {"capacities": found}})


async def show_cell(ctx: Ctx) -> Response:
    legacy_only(ctx)
    return json_response({"cell": await service.neighbour(ctx.cloud, ctx.caller,
                                                          ctx.params["cell_name"])})


ROUTES: list[Route] = [
    Route("GET", "/os-cells", list_cells),
    Route("GET", "/os-cells/detail", list_cells),
    Route("GET", "/os-cells/info", show_info),
    Route("GET", "/os-cells/capacities", show_capacities),
    Route("GET", "/os-cells/{cell_name}", show_cell),
    Route("GET", "/os-cells/{cell_name}/capacities", show_capacities),
]
