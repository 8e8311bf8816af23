"""Network API v2.0: routers (list, show, create, update, delete), their interfaces
(add_router_interface, remove_router_interface) and extra routes (add_extraroutes,
remove_extraroutes), as Neutron's router, ext-gw-mode, extraroute and extraroute-atomic."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.network.query import Filter, boolean, list_response, parse_list, show_response
from pocketstack.api.network.requests import Body, optional_name, parse_body
from pocketstack.api.routing import Route
from pocketstack.services import ipam, router_interfaces, routers
from pocketstack.services.router_interfaces import InterfaceInfo
from pocketstack.services.routers import Gateway, RouterChanges, RouterDetail, RouterSpec
from pocketstack.services.subnets import UNSET
from pocketstack.timeutil import iso_z

FILTERS = {
    "id": Filter("id"),
    "name": Filter("name"),
    "description": Filter("description"),
    "status": Filter("status"),
    "admin_state_up": Filter("admin_state_up", boolean),
    "project_id": Filter("project_id"),
    "tenant_id": Filter("project_id"),
}


class ExternalFixedIp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subnet_id: str | None = None
    ip_address: str | None = None


class GatewayInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    network_id: str
    enable_snat: bool | None = None
    external_fixed_ips: list[ExternalFixedIp] | None = None


class RouteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    destination: str
    nexthop: str


class RouterCreate(Body):
    name: str = Field(default="", max_length=255)
    description: str = Field(default="", max_length=255)
    admin_state_up: bool = True
    external_gateway_info: dict[str, Any] | None = None
    project_id: str | None = None
    tenant_id: str | None = None


class RouterUpdate(Body):
    name: str | None = optional_name()
    description: str | None = optional_name()
    admin_state_up: bool | None = None
    external_gateway_info: dict[str, Any] | None = None
    routes: list[RouteBody] | None = None


class RoutesBody(Body):
    routes: list[RouteBody]


def gateway(ctx: Ctx, info: dict[str, Any] | None) -> Gateway | None:
    """external_gateway_info: null or {} removes the gateway (Neutron's dict_or_nodata)."""
    if not info:
        return None
    parsed = ctx.parse(GatewayInfo, info)
    fixed = None if parsed.external_fixed_ips is None else [
        ipam.FixedIp(subnet_id=ip.subnet_id, ip_address=ip.ip_address) for ip in parsed.external_fixed_ips]
    for value in [parsed.network_id, *[ip.subnet_id for ip in parsed.external_fixed_ips or []]]:
        if value is not None and not is_uuid(value):
            raise errors.BadRequest("Invalid input for external_gateway_info. Reason: "
                                    f"'{value}' is not a valid UUID.")
    return Gateway(parsed.network_id, parsed.enable_snat, fixed)


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def check_uuid(value: str) -> str:
    if not is_uuid(value):
        raise errors.BadRequest(f"Bad router request: '{value}' is not a valid UUID.")
    return value


def view(found: RouterDetail) -> dict[str, Any]:
    row = found.router
    gateway_info = None
    if found.gateway_network_id is not None:
        gateway_info = {"network_id": found.gateway_network_id, "enable_snat": row.enable_snat,
                        "external_fixed_ips": [{"subnet_id": ip.subnet_id, "ip_address": ip.ip_address}
                                               for ip in found.gateway_ips]}
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "status": row.status,
        "admin_state_up": row.admin_state_up,
        "external_gateway_info": gateway_info,
        "routes": list(row.routes),
        "project_id": row.project_id,
        "tenant_id": row.project_id,
        "tags": found.tags,
        "created_at": iso_z(row.created_at),
        "updated_at": iso_z(row.updated_at),
        "revision_number": row.revision_number,
    }


def interface_view(info: InterfaceInfo) -> dict[str, Any]:
    return {"id": info.router_id, "project_id": info.project_id, "tenant_id": info.project_id,
            "port_id": info.port_id, "network_id": info.network_id,
            "subnet_id": info.subnet_ids[0] if info.subnet_ids else None,
            "subnet_ids": info.subnet_ids}


async def list_routers(ctx: Ctx) -> Response:
    query = parse_list(ctx, FILTERS)
    found = await routers.list_routers(ctx.cloud, ctx.caller, filters=query.filters, page=query.page)
    return list_response(ctx, "routers", [view(item) for item in found], query)


async def show_router(ctx: Ctx) -> Response:
    found = await routers.show_router(ctx.cloud, ctx.caller, ctx.params["router_id"])
    return show_response(ctx, "router", view(found))


async def create_router(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "router", RouterCreate)
    spec = RouterSpec(name=req.name, description=req.description, admin_state_up=req.admin_state_up,
                      gateway=gateway(ctx, req.external_gateway_info))
    found = await routers.create_router(ctx.cloud, ctx.caller, spec, owner=req.owner)
    return show_response(ctx, "router", view(found), 201)


def router_changes(ctx: Ctx, req: RouterUpdate) -> RouterChanges:
    sent = req.model_fields_set
    columns: dict[str, Any] = {name: getattr(req, name) for name in ("name", "description", "admin_state_up")
               if name in sent and getattr(req, name) is not None}
    routes = None
    if "routes" in sent:
        routes = [(route.destination, route.nexthop) for route in req.routes or []]
    return RouterChanges(columns=columns, routes=routes, gateway=(
        gateway(ctx, req.external_gateway_info) if "external_gateway_info" in sent else UNSET))


async def update_router(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "router", RouterUpdate)
    found = await routers.update_router(ctx.cloud, ctx.caller, ctx.params["router_id"],
                                        router_changes(ctx, req))
    return show_response(ctx, "router", view(found))


async def delete_router(ctx: Ctx) -> Response:
    await routers.delete_router(ctx.cloud, ctx.caller, ctx.params["router_id"])
    return empty()


async def interface_request(ctx: Ctx, *, removal: bool) -> tuple[str | None, str | None]:
    """(subnet_id, port_id) of an interface body; both at once only for a removal."""
    body = await ctx.json_object()
    subnet_id, port_id = body.get("subnet_id"), body.get("port_id")
    if subnet_id is None and port_id is None:
        raise errors.BadRequest("Bad router request: Either subnet_id or port_id must be specified.")
    for value in (port_id, subnet_id):
        if value is not None:
            check_uuid(str(value))
    if not removal and subnet_id is not None and port_id is not None:
        raise errors.BadRequest("Bad router request: Cannot specify both subnet-id and port-id.")
    return (None if subnet_id is None else str(subnet_id)), (None if port_id is None else str(port_id))


async def add_router_interface(ctx: Ctx) -> Response:
    subnet_id, port_id = await interface_request(ctx, removal=False)
    info = await router_interfaces.add_router_interface(
        ctx.cloud, ctx.caller, ctx.params["router_id"], subnet_id=subnet_id, port_id=port_id)
    return json_response(interface_view(info))


async def remove_router_interface(ctx: Ctx) -> Response:
    subnet_id, port_id = await interface_request(ctx, removal=True)
    info = await router_interfaces.remove_router_interface(
        ctx.cloud, ctx.caller, ctx.params["router_id"], subnet_id=subnet_id, port_id=port_id)
    return json_response(interface_view(info))


async def _edit_routes(ctx: Ctx, *, add: bool) -> Response:
    req = await parse_body(ctx, "router", RoutesBody)
    found = await routers.edit_routes(ctx.cloud, ctx.caller, ctx.params["router_id"],
                                      [(r.destination, r.nexthop) for r in req.routes], add=add)
    return json_response({"router": view(found)})


async def add_extraroutes(ctx: Ctx) -> Response:
    return await _edit_routes(ctx, add=True)


async def remove_extraroutes(ctx: Ctx) -> Response:
    return await _edit_routes(ctx, add=False)


ROUTES: list[Route] = [
    Route("GET", "/v2.0/routers", list_routers),
    Route("POST", "/v2.0/routers", create_router),
    Route("GET", "/v2.0/routers/{router_id}", show_router),
    Route("PUT", "/v2.0/routers/{router_id}", update_router),
    Route("DELETE", "/v2.0/routers/{router_id}", delete_router),
    Route("PUT", "/v2.0/routers/{router_id}/add_router_interface", add_router_interface),
    Route("PUT", "/v2.0/routers/{router_id}/remove_router_interface", remove_router_interface),
    Route("PUT", "/v2.0/routers/{router_id}/add_extraroutes", add_extraroutes),
    Route("PUT", "/v2.0/routers/{router_id}/remove_extraroutes", remove_extraroutes),
]
