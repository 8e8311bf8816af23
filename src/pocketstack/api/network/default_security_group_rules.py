"""Network API v2.0: default security group rules, the templates of new groups' rules
(list, show, create and delete; writes are for admins)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from starlette.responses import Response

from pocketstack.api.http import Ctx, empty
from pocketstack.api.network.query import (
    Filter,
    boolean,
    integer,
    list_response,
    parse_list,
    show_response,
)
from pocketstack.api.network.requests import Body, parse_body
from pocketstack.api.routing import Route
from pocketstack.services import default_security_group_rules as templates
from pocketstack.services.records import DefaultSecurityGroupRuleRow
from pocketstack.services.security_groups import RuleSpec

FILTERS = {
    "id": Filter("id"),
    "direction": Filter("direction"),
    "ethertype": Filter("ethertype"),
    "protocol": Filter("protocol"),
    "port_range_min": Filter("port_range_min", integer),
    "port_range_max": Filter("port_range_max", integer),
    "remote_ip_prefix": Filter("remote_ip_prefix"),
    "remote_group_id": Filter("remote_group_id"),
    "description": Filter("description"),
    "used_in_default_sg": Filter("used_in_default_sg", boolean),
    "used_in_non_default_sg": Filter("used_in_non_default_sg", boolean),
}


class DefaultRuleCreate(Body):
    direction: Literal["ingress", "egress"]
    ethertype: Literal["IPv4", "IPv6"] = "IPv4"
    protocol: str | int | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None
    remote_address_group_id: None = None
    description: str = Field(default="", max_length=255)
    used_in_default_sg: bool = False
    used_in_non_default_sg: bool = True
    project_id: str | None = None
    tenant_id: str | None = None


def view(row: DefaultSecurityGroupRuleRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "direction": row.direction,
        "ethertype": row.ethertype,
        "protocol": row.protocol,
        "port_range_min": row.port_range_min,
        "port_range_max": row.port_range_max,
        "remote_ip_prefix": row.remote_ip_prefix,
        "remote_group_id": row.remote_group_id,
        "remote_address_group_id": None,
        "description": row.description,
        "used_in_default_sg": row.used_in_default_sg,
        "used_in_non_default_sg": row.used_in_non_default_sg,
    }


async def list_default_security_group_rules(ctx: Ctx) -> Response:
    query = parse_list(ctx, FILTERS)
    rows = await templates.list_rules(ctx.cloud, ctx.caller, filters=query.filters, page=query.page)
    return list_response(ctx, "default_security_group_rules", [view(row) for row in rows], query)


async def show_default_security_group_rule(ctx: Ctx) -> Response:
    row = await templates.show_rule(ctx.cloud, ctx.caller, ctx.params["rule_id"])
    return show_response(ctx, "default_security_group_rule", view(row))


async def create_default_security_group_rule(ctx: Ctx) -> Response:
    req = await parse_body(ctx, "default_security_group_rule", DefaultRuleCreate)
    spec = RuleSpec(security_group_id="", direction=req.direction, ethertype=req.ethertype,
                    protocol=req.protocol, port_range_min=req.port_range_min,
                    port_range_max=req.port_range_max, remote_ip_prefix=req.remote_ip_prefix,
                    remote_group_id=req.remote_group_id, description=req.description)
    row = await templates.create_rule(ctx.cloud, ctx.caller, spec,
                                      used_in_default_sg=req.used_in_default_sg,
                                      used_in_non_default_sg=req.used_in_non_default_sg)
    return show_response(ctx, "default_security_group_rule", view(row), 201)


async def delete_default_security_group_rule(ctx: Ctx) -> Response:
    await templates.delete_rule(ctx.cloud, ctx.caller, ctx.params["rule_id"])
    return empty()


ROUTES: list[Route] = [
    Route("GET", "/v2.0/default-security-group-rules", list_default_security_group_rules),
    Route("POST", "/v2.0/default-security-group-rules", create_default_security_group_rule),
    Route("GET", "/v2.0/default-security-group-rules/{rule_id}", show_default_security_group_rule),
    Route("DELETE", "/v2.0/default-security-group-rules/{rule_id}",
          delete_default_security_group_rule),
]
