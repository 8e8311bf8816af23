"""Network API v2.0: networks (list, show, create, update, delete)."""

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
    NetworkCreate,
    NetworkUpdate,
    body_object,
    if_match,
    parse_body,
    parse_create,
)
from pocketstack.api.routing import Route
from pocketstack.services import network_zones, networks
from pocketstack.services.networks import NetworkSpec

FILTERS = {
    "id": Filter("id"),
    "name": Filter("name"),
    "status": Filter("status"),
    "description": Filter("description"),
    "shared": Filter("shared", boolean),
    "router:external": Filter("external", boolean),
    "is_default": Filter("is_default", boolean),
    "admin_state_up": Filter("admin_state_up", boolean),
    "mtu": Filter("mtu", integer),
    "project_id": Filter("project_id"),
    "tenant_id": Filter("project_id"),
}


async def list_networks(ctx: Ctx) -> Response:
    query = parse_list(ctx, FILTERS)
    found = await networks.list_networks(ctx.cloud, ctx.caller, filters=query.filters,
                                         page=query.page)
    return list_response(ctx, "networks", [views.network(item) for item in found], query)


async def show_network(ctx: Ctx) -> Response:
    found = await networks.show_network(ctx.cloud, ctx.caller, ctx.params["network_id"])
    return show_response(ctx, "network", views.network(found))


def network_spec(req: NetworkCreate) -> NetworkSpec:
    return NetworkSpec(name=req.name, admin_state_up=req.admin_state_up, shared=req.shared,
                       external=req.external, mtu=req.mtu, description=req.description,
                       port_security_enabled=req.port_security_enabled,
                       is_default=req.is_default,
                       availability_zone_hints=tuple(
                           network_zones.check_hints(req.availability_zone_hints)))


async def create_network(ctx: Ctx) -> Response:
    """One network, or several (bulk: {"networks": [...]}, all or none)."""
    req = parse_create(await body_object(ctx), "network", NetworkCreate)
    if isinstance(req, list):
        made = await networks.create_networks(ctx.cloud, ctx.caller,
                                              [(network_spec(r), r.owner) for r in req])
        return json_response({"networks": [views.network(found) for found in made]}, 201)
    found = await networks.create_network(ctx.cloud, ctx.caller, network_spec(req), owner=req.owner)
    return show_response(ctx, "network", views.network(found), 201)


async def update_network(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "network", NetworkUpdate)
    found = await networks.update_network(ctx.cloud, ctx.caller, ctx.params["network_id"],
                                          req.changes(), revision=if_match(ctx))
    return show_response(ctx, "network", views.network(found))


async def delete_network(ctx: Ctx) -> Response:
    await networks.delete_network(ctx.cloud, ctx.caller, ctx.params["network_id"],
                                  revision=if_match(ctx))
    return empty()


ROUTES: list[Route] = [
    Route("GET", "/v2.0/networks", list_networks),
    Route("POST", "/v2.0/networks", create_network),
    Route("GET", "/v2.0/networks/{network_id}", show_network),
    Route("PUT", "/v2.0/networks/{network_id}", update_network),
    Route("DELETE", "/v2.0/networks/{network_id}", delete_network),
]
