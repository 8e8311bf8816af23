"""Network API v2.0: subnets (list, show, create, update, delete)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.network import views
from pocketstack.api.network.query import (
    Filter,
    boolean,
    integer,
    list_response,
    parse_list,
    show_response,
)
from pocketstack.api.network.requests import (
    SubnetCreate,
    SubnetUpdate,
    body_object,
    if_match,
    parse_body,
    parse_create,
)
from pocketstack.api.routing import Route
from pocketstack.services import subnets
from pocketstack.services.subnets import UNSET, SubnetSpec

FILTERS = {
    "id": Filter("id"),
    "name": Filter("name"),
    "description": Filter("description"),
    "network_id": Filter("network_id"),
    "cidr": Filter("cidr"),
    "ip_version": Filter("ip_version", integer),
    "gateway_ip": Filter("gateway_ip"),
    "enable_dhcp": Filter("enable_dhcp", boolean),
    "router:external": Filter("external", boolean),
    "project_id": Filter("project_id"),
    "tenant_id": Filter("project_id"),
}


async def list_subnets(ctx: Ctx) -> Response:
    query = parse_list(ctx, FILTERS)
    rows = await subnets.list_subnets(ctx.cloud, ctx.caller, filters=query.filters, page=query.page)
    return list_response(ctx, "subnets", [views.subnet(row) for row in rows], query)


async def show_subnet(ctx: Ctx) -> Response:
    row = await subnets.show_subnet(ctx.cloud, ctx.caller, ctx.params["subnet_id"])
    return show_response(ctx, "subnet", views.subnet(row))


def subnet_spec(req: SubnetCreate) -> SubnetSpec:
    return SubnetSpec(
        network_id=req.network_id, cidr=req.cidr, ip_version=req.ip_version, name=req.name,
        description=req.description,
        gateway_ip=req.gateway_ip if "gateway_ip" in req.model_fields_set else UNSET,
        allocation_pools=None if req.allocation_pools is None else [p.model_dump() for p in req.allocation_pools],
        dns_nameservers=tuple(req.dns_nameservers),
        host_routes=tuple((r.destination, r.nexthop) for r in req.host_routes),
        enable_dhcp=req.enable_dhcp)


async def create_subnet(ctx: Ctx) -> Response:
    """One subnet, or several (bulk: {"subnets": [...]}, all or none)."""
    req = parse_create(await body_object(ctx), "subnet", SubnetCreate)
    if isinstance(req, list):
        made = await subnets.create_subnets(ctx.cloud, ctx.caller,
                                            [(subnet_spec(r), r.owner) for r in req])
        return json_response({"subnets": [views.subnet(found) for found in made]}, 201)
    row = await subnets.create_subnet(ctx.cloud, ctx.caller, subnet_spec(req), owner=req.owner)
    return show_response(ctx, "subnet", views.subnet(row), 201)


async def update_subnet(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "subnet", SubnetUpdate)
    changes = req.changes()
    if "host_routes" in changes:
        changes["host_routes"] = [(r.destination, r.nexthop) for r in changes["host_routes"]]
    row = await subnets.update_subnet(ctx.cloud, ctx.caller, ctx.params["subnet_id"], changes,
                                      revision=if_match(ctx))
    return show_response(ctx, "subnet", views.subnet(row))


async def delete_subnet(ctx: Ctx) -> Response:
    await subnets.delete_subnet(ctx.cloud, ctx.caller, ctx.params["subnet_id"],
                                revision=if_match(ctx))
    return empty()


ROUTES: list[Route] = [
    Route("GET", "/v2.0/subnets", list_subnets),
    Route("POST", "/v2.0/subnets", create_subnet),
    Route("GET", "/v2.0/subnets/{subnet_id}", show_subnet),
    Route("PUT", "/v2.0/subnets/{subnet_id}", update_subnet),
    Route("DELETE", "/v2.0/subnets/{subnet_id}", delete_subnet),
]
