"""Network API v2.0: security groups and security group rules."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, empty
from pocketstack.api.network import views
from pocketstack.api.network.query import Filter, integer, list_response, parse_list, show_response
from pocketstack.api.network.requests import (
    SecurityGroupCreate,
    SecurityGroupRuleCreate,
    SecurityGroupUpdate,
    if_match,
    parse_body,
)
from pocketstack.api.routing import Route
from pocketstack.services import security_groups
from pocketstack.services.security_groups import RuleSpec

GROUP_FILTERS = {
    "id": Filter("id"),
    "name": Filter("name"),
    "description": Filter("description"),
    "project_id": Filter("project_id"),
    "tenant_id": Filter("project_id"),
}
RULE_FILTERS = {
    "id": Filter("id"),
    "security_group_id": Filter("security_group_id"),
    "direction": Filter("direction"),
    "ethertype": Filter("ethertype"),
    "protocol": Filter("protocol"),
    "port_range_min": Filter("port_range_min", integer),
    "port_range_max": Filter("port_range_max", integer),
    "remote_ip_prefix": Filter("remote_ip_prefix"),
    "remote_group_id": Filter("remote_group_id"),
    "project_id": Filter("project_id"),
    "tenant_id": Filter("project_id"),
}


async def list_security_groups(ctx: Ctx) -> Response:
    query = parse_list(ctx, GROUP_FILTERS)
    found = await security_groups.list_groups(ctx.cloud, ctx.caller, filters=query.filters,
                                              page=query.page)
    return list_response(ctx, "security_groups", [views.security_group(g) for g in found], query)


async def show_security_group(ctx: Ctx) -> Response:
    found = await security_groups.show_group(ctx.cloud, ctx.caller, ctx.params["security_group_id"])
    return show_response(ctx, "security_group", views.security_group(found))


async def create_security_group(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "security_group", SecurityGroupCreate)
    found = await security_groups.create_group(ctx.cloud, ctx.caller, owner=req.owner,
                                               name=req.name, description=req.description)
    return show_response(ctx, "security_group", views.security_group(found), 201)


async def update_security_group(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "security_group", SecurityGroupUpdate)
    found = await security_groups.update_group(ctx.cloud, ctx.caller,
                                               ctx.params["security_group_id"],
                                               revision=if_match(ctx), name=req.name,
                                               description=req.description)
    return show_response(ctx, "security_group", views.security_group(found))


async def delete_security_group(ctx: Ctx) -> Response:
    await security_groups.delete_group(ctx.cloud, ctx.caller, ctx.params["security_group_id"],
                                       revision=if_match(ctx))
    return empty()


async def list_security_group_rules(ctx: Ctx) -> Response:
    query = parse_list(ctx, RULE_FILTERS)
    rows = await security_groups.list_rules(ctx.cloud, ctx.caller, filters=query.filters,
                                            page=query.page)
    return list_response(ctx, "security_group_rules", [views.security_group_rule(r) for r in rows], query)


async def show_security_group_rule(ctx: Ctx) -> Response:
    row = await security_groups.show_rule(ctx.cloud, ctx.caller, ctx.params["rule_id"])
    return show_response(ctx, "security_group_rule", views.security_group_rule(row))


async def create_security_group_rule(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "security_group_rule", SecurityGroupRuleCreate)
    spec = RuleSpec(security_group_id=req.security_group_id, direction=req.direction,
                    ethertype=req.ethertype, protocol=req.protocol, port_range_min=req.port_range_min,
                    port_range_max=req.port_range_max, remote_ip_prefix=req.remote_ip_prefix,
                    remote_group_id=req.remote_group_id, description=req.description)
    row = await security_groups.create_rule(ctx.cloud, ctx.caller, spec, owner=req.owner)
    return show_response(ctx, "security_group_rule", views.security_group_rule(row), 201)


async def delete_security_group_rule(ctx: Ctx) -> Response:
    await security_groups.delete_rule(ctx.cloud, ctx.caller, ctx.params["rule_id"])
    return empty()


ROUTES: list[Route] = [
    Route("GET", "/v2.0/security-groups", list_security_groups),
    Route("POST", "/v2.0/security-groups", create_security_group),
    Route("GET", "/v2.0/security-groups/{security_group_id}", show_security_group),
    Route("PUT", "/v2.0/security-groups/{security_group_id}", update_security_group),
    Route("DELETE", "/v2.0/security-groups/{security_group_id}", delete_security_group),
    Route("GET", "/v2.0/security-group-rules", list_security_group_rules),
    Route("POST", "/v2.0/security-group-rules", create_security_group_rule),
    Route("GET", "/v2.0/security-group-rules/{rule_id}", show_security_group_rule),
    Route("DELETE", "/v2.0/security-group-rules/{rule_id}", delete_security_group_rule),
]
