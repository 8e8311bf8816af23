"""Compute os-security-groups, os-security-group-rules and a server's security groups: Nova's
proxy views over the Neutron security group records (the first two up to microversion 2.35,
a server's groups at every version).
Nova shows only ingress rules; ids are the Neutron uuids."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.microversions import serves
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import security_group_proxy as proxy
from pocketstack.services.records import SecurityGroupRow, SecurityGroupRuleRow
from pocketstack.services.security_group_proxy import PORT_PROTOCOLS, NovaGroup, RuleRequest

# Nova's MAX_PROXY_API_SUPPORT_VERSION: the security group proxies are gone from 2.36 (the
# legacy /v2 API keeps them); a server's security groups stay at every version.
PROXY = serves("2.0", "2.35", area="security groups (proxy)",
               summary="/os-security-groups and /os-security-group-rules")


def rule_view(rule: SecurityGroupRuleRow, groups: dict[str, SecurityGroupRow]) -> dict[str, Any]:
    low, high = rule.port_range_min, rule.port_range_max
    if rule.protocol and low is None and high is None:
        low, high = (1, 65535) if rule.protocol.upper() in PORT_PROTOCOLS else (-1, -1)
    body: dict[str, Any] = {"id": rule.id, "parent_group_id": rule.security_group_id,
                            "ip_protocol": rule.protocol, "from_port": low, "to_port": high,
                            "group": {}, "ip_range": {}}
    if rule.remote_group_id:
        source = groups.get(rule.remote_group_id)
        body["group"] = {"name": source.name if source else None,
                         "tenant_id": source.project_id if source else None}
    else:
        body["ip_range"] = {"cidr": rule.remote_ip_prefix or "0.0.0.0/0"}
    return body


def group_view(item: NovaGroup) -> dict[str, Any]:
    row = item.group
    return {"id": row.id, "name": row.name, "description": row.description,
            "tenant_id": row.project_id,
            "rules": [rule_view(r, item.sources) for r in item.rules if r.direction == "ingress"]}


def _property(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise errors.BadRequest(f"Security group {name} is not a string or unicode")
    if not 1 <= len(value.strip()) <= 255:
        raise errors.BadRequest(f"Invalid input for field/attribute {name}. Value: {value!r}. "
                                f"{name} has to be 1 to 255 characters long.")
    return value


async def list_groups(ctx: Ctx) -> Response:
    # Nova reads any value but 0, false or nothing as asking for every project's groups.
    all_tenants = ctx.query.get("all_tenants", "0").lower() not in ("0", "false", "")
    found = await proxy.list_groups(ctx.cloud, ctx.caller, all_tenants=all_tenants)
    return json_response({"security_groups": [group_view(item) for item in found]})


async def show_group(ctx: Ctx) -> Response:
    item = await proxy.show_group(ctx.cloud, ctx.caller, ctx.params["group_id"])
    return json_response({"security_group": group_view(item)})


async def create_group(ctx: Ctx) -> Response:
    body = await ctx.json_object("security_group")
    name, description = _property(body, "name"), _property(body, "description")
    item = await proxy.create_group(ctx.cloud, ctx.caller, name=name, description=description)
    return json_response({"security_group": group_view(item)})


async def update_group(ctx: Ctx) -> Response:
    body = await ctx.json_object("security_group")
    name, description = _property(body, "name"), _property(body, "description")
    item = await proxy.update_group(ctx.cloud, ctx.caller, ctx.params["group_id"], name=name,
                                    description=description)
    return json_response({"security_group": group_view(item)})


async def delete_group(ctx: Ctx) -> Response:
    await proxy.delete_group(ctx.cloud, ctx.caller, ctx.params["group_id"])
    return empty(202)


async def create_rule(ctx: Ctx) -> Response:
    body = await ctx.json_object("security_group_rule")
    parent = body.get("parent_group_id")
    if not isinstance(parent, str | int) or isinstance(parent, bool) or not str(parent):
        raise errors.BadRequest("Invalid input for field/attribute parent_group_id.")
    request = RuleRequest(str(parent), ip_protocol=body.get("ip_protocol"),
                          from_port=body.get("from_port"), to_port=body.get("to_port"),
                          cidr=body.get("cidr"), group_id=body.get("group_id"))
    created = await proxy.create_rule(ctx.cloud, ctx.caller, request)
    return json_response({"security_group_rule": rule_view(created.rule, created.sources)})


async def delete_rule(ctx: Ctx) -> Response:
    await proxy.delete_rule(ctx.cloud, ctx.caller, ctx.params["rule_id"])
    return empty(202)


async def delete_without_id(ctx: Ctx) -> Response:
    raise errors.NotFound("The resource could not be found.")


async def server_groups(ctx: Ctx) -> Response:
    found = await proxy.server_groups(ctx.cloud, ctx.caller, ctx.params["server_id"])
    return json_response({"security_groups": [group_view(item) for item in found]})


ROUTES: list[Route] = [
    Route("GET", "/os-security-groups", list_groups, versions=PROXY),
    Route("POST", "/os-security-groups", create_group, versions=PROXY),
    Route("DELETE", "/os-security-groups", delete_without_id, versions=PROXY),
    Route("GET", "/os-security-groups/{group_id}", show_group, versions=PROXY),
    Route("PUT", "/os-security-groups/{group_id}", update_group, versions=PROXY),
    Route("DELETE", "/os-security-groups/{group_id}", delete_group, versions=PROXY),
    Route("POST", "/os-security-group-rules", create_rule, versions=PROXY),
    Route("DELETE", "/os-security-group-rules/{rule_id}", delete_rule, versions=PROXY),
    Route("GET", "/servers/{server_id}/os-security-groups", server_groups),
]
