"""Network API v2.0: ports (list, show, create with address allocation, update, delete)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.network import views
from pocketstack.api.network.query import Filter, boolean, list_response, parse_list, show_response
from pocketstack.api.network.requests import (
    FixedIpRequest,
    PortCreate,
    PortUpdate,
    body_object,
    if_match,
    parse_body,
    parse_create,
)
from pocketstack.api.routing import Route
from pocketstack.services import ipam, port_security, ports
from pocketstack.services.networks import PortSpec
from pocketstack.services.ports import PortRequest
from pocketstack.services.tags import check_tags
from pocketstack.validation import invalid_operation

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


async def list_ports(ctx: Ctx) -> Response:
    query = parse_list(ctx, FILTERS)
    found = await ports.list_ports(ctx.cloud, ctx.caller, filters=query.filters,
                                   fixed_ips=ctx.query.getlist("fixed_ips"), page=query.page)
    return list_response(ctx, "ports", [views.port(item, ctx.caller.is_admin) for item in found], query)


async def show_port(ctx: Ctx) -> Response:
    found = await ports.show_port(ctx.cloud, ctx.caller, ctx.params["port_id"])
    return show_response(ctx, "port", views.port(found, ctx.caller.is_admin))


def fixed_ip_requests(requested: list[FixedIpRequest] | None) -> list[ipam.FixedIp] | None:
    if requested is None:
        return None
    if any(ip.subnet_id is None and ip.ip_address is None for ip in requested):
        raise invalid_operation("IP allocation requires subnet_id or ip_address.")
    return [ipam.FixedIp(subnet_id=ip.subnet_id, ip_address=ip.ip_address) for ip in requested]


def port_spec(req: PortCreate) -> PortSpec:
    fixed_ips = fixed_ip_requests(req.fixed_ips)
    return PortSpec(network_id=req.network_id, name=req.name, device_id=req.device_id,
                    device_owner=req.device_owner, status="ACTIVE" if req.device_id else "DOWN",
                    admin_state_up=req.admin_state_up, description=req.description,
                    mac_address=None if req.mac_address is None else req.mac_address.lower(),
                    fixed_ips=fixed_ips, security_groups=req.security_groups,
                    port_security_enabled=req.port_security_enabled,
                    allowed_address_pairs=port_security.check_address_pairs(req.allowed_address_pairs),
                    binding_host_id=req.binding_host_id)


async def create_port(ctx: Ctx) -> Response:
    """One port, or several (bulk: {"ports": [...]}, all or none)."""
    req = parse_create(await body_object(ctx), "port", PortCreate)
    if isinstance(req, list):
        made = await ports.create_ports(ctx.cloud, ctx.caller, [
            PortRequest(port_spec(r), r.owner, check_tags(r.tags)) for r in req])
        return json_response({"ports": [views.port(found, ctx.caller.is_admin) for found in made]}, 201)
    found = await ports.create_port(ctx.cloud, ctx.caller, port_spec(req), owner=req.owner,
                                    tags=check_tags(req.tags))
    return show_response(ctx, "port", views.port(found, ctx.caller.is_admin), 201)


async def update_port(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "port", PortUpdate)
    changes = req.changes()
    if "allowed_address_pairs" in changes:
        changes["allowed_address_pairs"] = port_security.check_address_pairs(
            changes["allowed_address_pairs"])
    if "fixed_ips" in changes:
        changes["fixed_ips"] = fixed_ip_requests(req.fixed_ips)
    found = await ports.update_port(ctx.cloud, ctx.caller, ctx.params["port_id"], changes,
                                    revision=if_match(ctx))
    return show_response(ctx, "port", views.port(found, ctx.caller.is_admin))


async def delete_port(ctx: Ctx) -> Response:
    await ports.delete_port(ctx.cloud, ctx.caller, ctx.params["port_id"], revision=if_match(ctx))
    return empty()


ROUTES: list[Route] = [
    Route("GET", "/v2.0/ports", list_ports),
    Route("POST", "/v2.0/ports", create_port),
    Route("GET", "/v2.0/ports/{port_id}", show_port),
    Route("PUT", "/v2.0/ports/{port_id}", update_port),
    Route("DELETE", "/v2.0/ports/{port_id}", delete_port),
]
