"""Network API v2.0: networks (list, show, create, update, delete)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, empty
from pocketstack.api.network import views
from pocketstack.api.network.query import (
    Filter,
    boolean,
    integer,
    list_response,
    parse_list,
    show_response,
)
from pocketstack.api.network.requests import NetworkCreate, NetworkUpdate, parse_body
from pocketstack.api.routing import Route
from pocketstack.db.models import NetworkRow
from pocketstack.services import networks
from pocketstack.services.networks import NetworkSpec

FILTERS = {
    "id": Filter("id"),
    "name": Filter("name"),
    "status": Filter("status"),
    "description": Filter("description"),
    "shared": Filter("shared", boolean),
    "router:external": Filter("external", boolean),
    "admin_state_up": Filter("admin_state_up", boolean),
    "mtu": Filter("mtu", integer),
    "project_id": Filter("project_id"),
    "tenant_id": Filter("project_id"),
}


def authorize_flags(ctx: Ctx, shared: bool | None, external: bool | None) -> None:
    if shared:
        ctx.authorize("network:create_shared")
    if external:
        ctx.authorize("network:create_external")


async def list_networks(ctx: Ctx) -> Response:
    query = parse_list(ctx, FILTERS)
    async with ctx.cloud.db.reader() as s:
        rows = await networks.list_networks(s, project_id=ctx.project_id, is_admin=ctx.is_admin,
                                            filters=query.filters, page=query.page)
        subnets = await networks.subnet_ids(s, [row.id for row in rows])
    return list_response(ctx, "networks", [views.network(row, subnets[row.id]) for row in rows], query)


async def _rendered(ctx: Ctx, row: NetworkRow, status: int = 200) -> Response:
    async with ctx.cloud.db.reader() as s:
        subnets = await networks.subnet_ids(s, [row.id])
    return show_response(ctx, "network", views.network(row, subnets[row.id]), status)


async def show_network(ctx: Ctx) -> Response:
    async with ctx.cloud.db.reader() as s:
        row = await networks.get_network(s, ctx.params["network_id"], project_id=ctx.project_id,
                                         is_admin=ctx.is_admin)
    return await _rendered(ctx, row)


async def create_network(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "network", NetworkCreate)
    project_id = req.owner or ctx.project_id
    ctx.authorize("network:modify", project_id)
    authorize_flags(ctx, req.shared, req.external)
    spec = NetworkSpec(name=req.name, admin_state_up=req.admin_state_up, shared=req.shared,
                       external=req.external, mtu=req.mtu, description=req.description)
    async with ctx.cloud.db.session() as s:
        row = await networks.create_network(s, project_id, spec)
    return show_response(ctx, "network", views.network(row, []), 201)


async def update_network(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "network", NetworkUpdate)
    authorize_flags(ctx, req.shared is not None, req.external is not None)
    async with ctx.cloud.db.session() as s:
        row = await networks.get_network(s, ctx.params["network_id"], project_id=ctx.project_id,
                                         is_admin=ctx.is_admin)
        ctx.authorize("network:modify", row.project_id)
        row = await networks.update_network(s, row, req.changes())
    return await _rendered(ctx, row)


async def delete_network(ctx: Ctx) -> Response:
    async with ctx.cloud.db.session() as s:
        row = await networks.get_network(s, ctx.params["network_id"], project_id=ctx.project_id,
                                         is_admin=ctx.is_admin)
        ctx.authorize("network:modify", row.project_id)
        await networks.delete_network(s, row)
    return empty()


ROUTES: list[Route] = [
    Route("GET", "/v2.0/networks", list_networks),
    Route("POST", "/v2.0/networks", create_network),
    Route("GET", "/v2.0/networks/{network_id}", show_network),
    Route("PUT", "/v2.0/networks/{network_id}", update_network),
    Route("DELETE", "/v2.0/networks/{network_id}", delete_network),
]
