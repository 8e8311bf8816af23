"""Network API v2.0: floating IPs (list, show, create, update to associate or disassociate,
delete). Addresses come from the external network's subnet; nothing is routed."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from starlette.responses import Response

from pocketstack.api.http import Ctx, empty
from pocketstack.api.network.query import Filter, list_response, parse_list, show_response
from pocketstack.api.network.requests import Body, parse_body
from pocketstack.api.routing import Route
from pocketstack.services import floating_ips
from pocketstack.services.floating_ips import FloatingIpRequest
from pocketstack.services.records import FloatingIpRow
from pocketstack.timeutil import iso_z

FILTERS = {
    "id": Filter("id"),
    "floating_ip_address": Filter("floating_ip_address"),
    "floating_network_id": Filter("floating_network_id"),
    "port_id": Filter("port_id"),
    "router_id": Filter("router_id"),
    "fixed_ip_address": Filter("fixed_ip_address"),
    "status": Filter("status"),
    "description": Filter("description"),
    "project_id": Filter("project_id"),
    "tenant_id": Filter("project_id"),
}


class FloatingIpCreate(Body):
    floating_network_id: str
    floating_ip_address: str | None = None
    port_id: str | None = None
    fixed_ip_address: str | None = None
    subnet_id: str | None = None
    description: str = Field(default="", max_length=255)
    project_id: str | None = None
    tenant_id: str | None = None


class FloatingIpUpdate(Body):
    nullable = frozenset({"port_id", "fixed_ip_address"})
    port_id: str | None = None
    fixed_ip_address: str | None = None
    description: str | None = Field(default=None, max_length=255)


def view(row: FloatingIpRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "floating_ip_address": row.floating_ip_address,
        "floating_network_id": row.floating_network_id,
        "router_id": row.router_id,
        "port_id": row.port_id,
        "fixed_ip_address": row.fixed_ip_address,
        "status": row.status,
        "project_id": row.project_id,
        "tenant_id": row.project_id,
        "description": row.description,
        "tags": [],
        "port_forwardings": [],
        "revision_number": row.revision_number,
        "created_at": iso_z(row.created_at),
        "updated_at": iso_z(row.updated_at),
    }


async def list_floating_ips(ctx: Ctx) -> Response:
    query = parse_list(ctx, FILTERS)
    rows = await floating_ips.list_floating_ips(ctx.cloud, ctx.caller, filters=query.filters,
                                                page=query.page)
    return list_response(ctx, "floatingips", [view(r) for r in rows], query)


async def show_floating_ip(ctx: Ctx) -> Response:
    row = await floating_ips.show_floating_ip(ctx.cloud, ctx.caller, ctx.params["floatingip_id"])
    return show_response(ctx, "floatingip", view(row))


async def create_floating_ip(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "floatingip", FloatingIpCreate)
    row = await floating_ips.create_floating_ip(ctx.cloud, ctx.caller, FloatingIpRequest(
        req.floating_network_id, owner=req.owner, address=req.floating_ip_address,
        port_id=req.port_id, fixed_ip=req.fixed_ip_address, description=req.description))
    return show_response(ctx, "floatingip", view(row), 201)


async def update_floating_ip(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "floatingip", FloatingIpUpdate)
    row = await floating_ips.update_floating_ip(ctx.cloud, ctx.caller, ctx.params["floatingip_id"],
                                                req.changes())
    return show_response(ctx, "floatingip", view(row))


async def delete_floating_ip(ctx: Ctx) -> Response:
    await floating_ips.delete_floating_ip(ctx.cloud, ctx.caller, ctx.params["floatingip_id"])
    return empty()


ROUTES: list[Route] = [
    Route("GET", "/v2.0/floatingips", list_floating_ips),
    Route("POST", "/v2.0/floatingips", create_floating_ip),
    Route("GET", "/v2.0/floatingips/{floatingip_id}", show_floating_ip),
    Route("PUT", "/v2.0/floatingips/{floatingip_id}", update_floating_ip),
    Route("DELETE", "/v2.0/floatingips/{floatingip_id}", delete_floating_ip),
]
