"""Network API v2.0: ports (list, show, create with address allocation, update, delete)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty
from pocketstack.api.network import views
from pocketstack.api.network.query import Filter, boolean, list_response, parse_list, show_response
from pocketstack.api.network.requests import PortCreate, PortUpdate, parse_body
from pocketstack.api.routing import Route
from pocketstack.db.models import PortRow
from pocketstack.services import ipam, networks, ports
from pocketstack.services.networks import PortSpec

FILTERS = {
    "id": Filter("id"),
    "name": Filter("name"),
    "description": Filter("description"),
    "status": Filter("status"),
    "network_id": Filter("network_id"),
    "device_id": Filter("device_id"),
    "device_owner": Filter("device_owner"),
    "mac_address": Filter("mac_address"),
    "admin_state_up": Filter("admin_state_up", boolean),
    "project_id": Filter("project_id"),
    "tenant_id": Filter("project_id"),
}


def fixed_ip_filters(ctx: Ctx) -> dict[str, list[str]]:
    """`fixed_ips=ip_address=10.0.0.5` and `fixed_ips=subnet_id=...` query values."""
    found: dict[str, list[str]] = {}
    for value in ctx.query.getlist("fixed_ips"):
        key, _, wanted = value.partition("=")
        if key not in ("ip_address", "subnet_id") or not wanted:
            raise errors.BadRequest(f"Invalid input for operation: '{value}' is not a valid fixed_ips filter.")
        found.setdefault(key, []).append(wanted)
    return found


async def list_ports(ctx: Ctx) -> Response:
    query = parse_list(ctx, FILTERS)
    async with ctx.cloud.db.reader() as s:
        rows = await ports.list_ports(s, project_id=ctx.project_id, is_admin=ctx.is_admin,
                                      filters=query.filters, fixed_ips=fixed_ip_filters(ctx),
                                      page=query.page)
        addresses = await ports.fixed_ips_of(s, [row.id for row in rows])
    return list_response(ctx, "ports", [views.port(row, addresses[row.id]) for row in rows], query)


async def _rendered(ctx: Ctx, row: PortRow, status: int = 200) -> Response:
    async with ctx.cloud.db.reader() as s:
        addresses = await ports.fixed_ips_of(s, [row.id])
    return show_response(ctx, "port", views.port(row, addresses[row.id]), status)


async def show_port(ctx: Ctx) -> Response:
    async with ctx.cloud.db.reader() as s:
        row = await ports.get_port(s, ctx.params["port_id"], project_id=ctx.project_id,
                                   is_admin=ctx.is_admin)
    return await _rendered(ctx, row)


def port_spec(req: PortCreate, groups: list[str] | None) -> PortSpec:
    fixed_ips = None
    if req.fixed_ips is not None:
        fixed_ips = [ipam.FixedIp(subnet_id=ip.subnet_id, ip_address=ip.ip_address) for ip in req.fixed_ips]
    return PortSpec(network_id=req.network_id, name=req.name, device_id=req.device_id,
                    device_owner=req.device_owner, status="ACTIVE" if req.device_id else "DOWN",
                    admin_state_up=req.admin_state_up, description=req.description,
                    mac_address=None if req.mac_address is None else req.mac_address.lower(),
                    fixed_ips=fixed_ips, security_groups=groups)


async def create_port(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "port", PortCreate)
    project_id = req.owner or ctx.project_id
    ctx.authorize("network:modify", project_id)
    async with ctx.cloud.db.session() as s:
        await networks.get_network(s, req.network_id, project_id=ctx.project_id, is_admin=ctx.is_admin)
        groups = None
        if req.security_groups is not None:
            groups = await ports.check_security_groups(s, req.security_groups, project_id, ctx.is_admin)
        row = await networks.create_port(s, project_id, port_spec(req, groups))
    return await _rendered(ctx, row, 201)


async def update_port(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "port", PortUpdate)
    changes = req.changes()
    async with ctx.cloud.db.session() as s:
        row = await ports.get_port(s, ctx.params["port_id"], project_id=ctx.project_id,
                                   is_admin=ctx.is_admin)
        ctx.authorize("network:modify", row.project_id)
        if "security_groups" in changes:
            changes["security_groups"] = await ports.check_security_groups(
                s, changes["security_groups"], row.project_id, ctx.is_admin)
        row = await ports.update_port(s, row, changes)
    return await _rendered(ctx, row)


async def delete_port(ctx: Ctx) -> Response:
    async with ctx.cloud.db.session() as s:
        row = await ports.get_port(s, ctx.params["port_id"], project_id=ctx.project_id,
                                   is_admin=ctx.is_admin)
        ctx.authorize("network:modify", row.project_id)
        await ports.delete_port(s, row)
    return empty()


ROUTES: list[Route] = [
    Route("GET", "/v2.0/ports", list_ports),
    Route("POST", "/v2.0/ports", create_port),
    Route("GET", "/v2.0/ports/{port_id}", show_port),
    Route("PUT", "/v2.0/ports/{port_id}", update_port),
    Route("DELETE", "/v2.0/ports/{port_id}", delete_port),
]
