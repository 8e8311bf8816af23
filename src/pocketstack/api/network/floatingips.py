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
from pocketstack.db.models import FloatingIpRow
from pocketstack.services import floating_ips, quotas
from pocketstack.timeutil import iso_z

FILTERS = {
    "id": Filter("id"),
    "floating_ip_address": Filter("floating_ip_address"),
    "floating_network_id": Filter("floating_network_id"),
    "port_id": Filter("port_id"),
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
        "router_id": None,
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
    async with ctx.cloud.db.reader() as s:
        rows = await floating_ips.list_floating_ips(s, project_id=ctx.project_id,
                                                    is_admin=ctx.is_admin, filters=query.filters,
                                                    page=query.page)
    return list_response(ctx, "floatingips", [view(r) for r in rows], query)


async def show_floating_ip(ctx: Ctx) -> Response:
    ctx.authorize("network:floatingips:get")
    async with ctx.cloud.db.reader() as s:
        row = await floating_ips.get_floating_ip(s, ctx.params["floatingip_id"],
                                                 project_id=ctx.project_id, is_admin=ctx.is_admin)
    return show_response(ctx, "floatingip", view(row))


async def create_floating_ip(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "floatingip", FloatingIpCreate)
    project_id = req.owner or ctx.project_id
    ctx.authorize("network:floatingips:create")
    if project_id != ctx.project_id:
        ctx.authorize("network:modify", project_id)
    async with ctx.cloud.db.session() as s:
        limits = await quotas.limits_for(s, ctx.cloud.settings, project_id)
        row = await floating_ips.create_floating_ip(
            s, project_id, req.floating_network_id, address=req.floating_ip_address,
            port_id=req.port_id, fixed_ip=req.fixed_ip_address, description=req.description,
            is_admin=ctx.is_admin, limit=limits["floating_ips"])
    return show_response(ctx, "floatingip", view(row), 201)


async def update_floating_ip(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "floatingip", FloatingIpUpdate)
    ctx.authorize("network:floatingips:update")
    async with ctx.cloud.db.session() as s:
        row = await floating_ips.get_floating_ip(s, ctx.params["floatingip_id"],
                                                 project_id=ctx.project_id, is_admin=ctx.is_admin)
        row = await floating_ips.update_floating_ip(s, row, req.changes(),
                                                    project_id=ctx.project_id,
                                                    is_admin=ctx.is_admin)
    return show_response(ctx, "floatingip", view(row))


async def delete_floating_ip(ctx: Ctx) -> Response:
    ctx.authorize("network:floatingips:delete")
    async with ctx.cloud.db.session() as s:
        row = await floating_ips.get_floating_ip(s, ctx.params["floatingip_id"],
                                                 project_id=ctx.project_id, is_admin=ctx.is_admin)
        await floating_ips.delete_floating_ip(s, row)
    return empty()


ROUTES: list[Route] = [
    Route("GET", "/v2.0/floatingips", list_floating_ips),
    Route("POST", "/v2.0/floatingips", create_floating_ip),
    Route("GET", "/v2.0/floatingips/{floatingip_id}", show_floating_ip),
    Route("PUT", "/v2.0/floatingips/{floatingip_id}", update_floating_ip),
    Route("DELETE", "/v2.0/floatingips/{floatingip_id}", delete_floating_ip),
]
