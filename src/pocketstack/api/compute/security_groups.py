"""Compute os-security-groups, os-security-group-rules and a server's security groups: Nova's
proxy views over the Neutron security group records (present up to microversion 2.35).
Nova shows only ingress rules; ids are the Neutron uuids."""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.db.models import SecurityGroupRow, SecurityGroupRuleRow, ServerRow
from pocketstack.services import security_groups as service
from pocketstack.services import servers
from pocketstack.services.listing import Page

PORT_PROTOCOLS = ("TCP", "UDP")
PROXY_PROTOCOLS = ("TCP", "UDP", "ICMP")


def proxy_only(ctx: Ctx) -> None:
    if ctx.version >= (2, 36):
        raise errors.NotFound("The resource could not be found.")


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


async def group_views(s: AsyncSession, rows: list[SecurityGroupRow]) -> list[dict[str, Any]]:
    rules = await service.rules_of(s, [r.id for r in rows])
    remote_ids = {r.remote_group_id for rs in rules.values() for r in rs if r.remote_group_id}
    groups = {g.id: g for g in await s.scalars(select(SecurityGroupRow).where(
        SecurityGroupRow.id.in_(remote_ids)))}
    return [{"id": row.id, "name": row.name, "description": row.description,
             "tenant_id": row.project_id,
             "rules": [rule_view(r, groups) for r in rules[row.id] if r.direction == "ingress"]}
            for row in rows]


def _property(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise errors.BadRequest(f"Security group {name} is not a string or unicode")
    if not 1 <= len(value.strip()) <= 255:
        raise errors.BadRequest(f"Invalid input for field/attribute {name}. Value: {value!r}. "
                                f"{name} has to be 1 to 255 characters long.")
    return value


def checked_id(value: str) -> str:
    """Nova's proxy takes only uuids as security group (and rule) ids: 400 otherwise."""
    try:
        uuid.UUID(value)
    except ValueError:
        raise errors.BadRequest("Security group id should be uuid") from None
    return value


async def _get(s: AsyncSession, ctx: Ctx, group_id: str) -> SecurityGroupRow:
    checked_id(group_id)
    try:
        return await service.get_group(s, group_id, project_id=ctx.project_id, is_admin=ctx.is_admin)
    except errors.NotFound:
        raise errors.NotFound(f"Security group {group_id} not found.") from None


async def list_groups(ctx: Ctx) -> Response:
    proxy_only(ctx)
    ctx.authorize("compute:os-security-groups:list")
    every = ctx.is_admin and ctx.query.get("all_tenants", "0").lower() not in ("0", "false", "")
    filters: dict[str, list[Any]] = {} if every else {"project_id": [ctx.project_id]}
    async with ctx.cloud.db.session() as s:
        rows = await service.list_groups(s, project_id=ctx.project_id, is_admin=True,
                                         filters=filters, page=Page())
        items = await group_views(s, rows)
    return json_response({"security_groups": items})


async def show_group(ctx: Ctx) -> Response:
    proxy_only(ctx)
    ctx.authorize("compute:os-security-groups:show")
    async with ctx.cloud.db.reader() as s:
        (item,) = await group_views(s, [await _get(s, ctx, ctx.params["group_id"])])
    return json_response({"security_group": item})


async def create_group(ctx: Ctx) -> Response:
    proxy_only(ctx)
    ctx.authorize("compute:os-security-groups:create")
    body = await ctx.json_object("security_group")
    name, description = _property(body, "name"), _property(body, "description")
    async with ctx.cloud.db.session() as s:
        try:
            row = await service.create_group(s, ctx.project_id, name, description)
        except errors.Conflict as exc:
            raise errors.BadRequest(exc.message) from None
        (item,) = await group_views(s, [row])
    return json_response({"security_group": item})


async def update_group(ctx: Ctx) -> Response:
    proxy_only(ctx)
    ctx.authorize("compute:os-security-groups:update")
    body = await ctx.json_object("security_group")
    name, description = _property(body, "name"), _property(body, "description")
    async with ctx.cloud.db.session() as s:
        row = await _get(s, ctx, ctx.params["group_id"])
        try:
            await service.update_group(s, row, name, description)
        except errors.Conflict as exc:
            raise errors.BadRequest(exc.message) from None
        (item,) = await group_views(s, [row])
    return json_response({"security_group": item})


async def delete_group(ctx: Ctx) -> Response:
    proxy_only(ctx)
    ctx.authorize("compute:os-security-groups:delete")
    async with ctx.cloud.db.session() as s:
        row = await _get(s, ctx, ctx.params["group_id"])
        if row.name == service.DEFAULT_NAME:
            raise errors.BadRequest("Removing default security group not allowed.")
        if await _named_by_a_server(s, row):
            raise errors.BadRequest(f"Security Group {row.id} in use.")
        try:
            await service.delete_group(s, row, is_admin=ctx.is_admin)
            await service.delete_remote_rules(s, row.id)
        except errors.Conflict as exc:
            raise errors.BadRequest(exc.message) from None
    return empty(202)


async def _named_by_a_server(s: AsyncSession, group: SecurityGroupRow) -> bool:
    rows = await s.scalars(select(ServerRow.security_groups).where(
        ServerRow.project_id == group.project_id, ServerRow.deleted.is_(False)))
    return any(g.get("name") == group.name for names in rows for g in names or [])


def _port(value: Any, what: str) -> int:
    try:
        if isinstance(value, bool) or isinstance(value, float):
            raise ValueError
        return int(value)
    except (TypeError, ValueError):
        raise errors.BadRequest(f"Invalid port range {what}: {value!r}. "
                                "The port must be an integer.") from None


def _ports(protocol: str, from_port: Any, to_port: Any) -> tuple[int | None, int | None]:
    low, high = _port(from_port, "from_port"), _port(to_port, "to_port")
    if protocol in PORT_PROTOCOLS:
        if low > high:
            raise errors.BadRequest(f"Invalid port range {low}:{high}. Former value cannot be "
                                    "greater than the later")
        if low < 1 or high > 65535:
            raise errors.BadRequest(f"Invalid port range {low}:{high}. Valid TCP ports should "
                                    "be between 1-65535")
        return low, high
    if not (-1 <= low <= 255 and -1 <= high <= 255):
        raise errors.BadRequest(f"Invalid port range {low}:{high}. For ICMP, the type:code "
                                "must be valid")
    return (None if low == -1 else low), (None if high == -1 else high)


def _rule_spec(parent: str, body: dict[str, Any]) -> service.RuleSpec:
    protocol, cidr, group_id = body.get("ip_protocol"), body.get("cidr"), body.get("group_id")
    from_port, to_port = body.get("from_port"), body.get("to_port")
    if cidr and group_id:
        raise errors.BadRequest("Only one of cidr or group_id may be given.")
    low = high = None
    name = None
    if protocol is not None or from_port is not None or to_port is not None:
        if not isinstance(protocol, str) or protocol.upper() not in PROXY_PROTOCOLS:
            raise errors.BadRequest(f"Invalid IP protocol {protocol}.")
        name = protocol.upper()
        low, high = _ports(name, from_port, to_port)
    ethertype, prefix = "IPv4", None
    if not group_id:
        try:
            network = ipaddress.ip_network(cidr or "0.0.0.0/0", strict=False)
        except (TypeError, ValueError):
            raise errors.BadRequest(f"Invalid cidr {cidr}.") from None
        ethertype, prefix = f"IPv{network.version}", cidr or str(network)
    return service.RuleSpec(parent, "ingress", ethertype, name.lower() if name else None, low, high,
                            prefix, group_id or None)


async def create_rule(ctx: Ctx) -> Response:
    proxy_only(ctx)
    ctx.authorize("compute:os-security-groups:rule_create")
    body = await ctx.json_object("security_group_rule")
    parent = body.get("parent_group_id")
    if not isinstance(parent, str | int) or isinstance(parent, bool) or not str(parent):
        raise errors.BadRequest("Invalid input for field/attribute parent_group_id.")
    async with ctx.cloud.db.session() as s:
        group = await _get(s, ctx, str(parent))
        spec = _rule_spec(group.id, body)
        if spec.remote_group_id is not None:
            await _get(s, ctx, str(spec.remote_group_id))
        try:
            rule = await service.create_rule(s, spec, project_id=ctx.project_id, is_admin=ctx.is_admin)
        except errors.Conflict:
            raise errors.BadRequest(f"This rule already exists in group {group.id}") from None
        remote = {} if rule.remote_group_id is None else {
            rule.remote_group_id: await _get(s, ctx, rule.remote_group_id)}
        item = rule_view(rule, remote)
    return json_response({"security_group_rule": item})


async def delete_rule(ctx: Ctx) -> Response:
    proxy_only(ctx)
    ctx.authorize("compute:os-security-groups:rule_delete")
    rule_id = checked_id(ctx.params["rule_id"])
    async with ctx.cloud.db.session() as s:
        try:
            await service.delete_rule(s, rule_id, project_id=ctx.project_id, is_admin=ctx.is_admin)
        except errors.NotFound:
            raise errors.NotFound(f"Security group rule {rule_id} not found.") from None
    return empty(202)


async def delete_without_id(ctx: Ctx) -> Response:
    raise errors.NotFound("The resource could not be found.")


async def server_groups(ctx: Ctx) -> Response:
    proxy_only(ctx)
    ctx.authorize("compute:os-security-groups:list_server")
    async with ctx.cloud.db.reader() as s:
        row = await servers.get_server(s, ctx.params["server_id"], project_id=ctx.project_id,
                                       is_admin=ctx.is_admin)
        names = {str(g.get("name")) for g in row.security_groups or []}
        query = select(SecurityGroupRow).where(SecurityGroupRow.project_id == row.project_id,
                                               SecurityGroupRow.name.in_(names))
        groups = list(await s.scalars(query.order_by(SecurityGroupRow.created_at, SecurityGroupRow.id)))
        items = await group_views(s, groups)
    return json_response({"security_groups": items})


ROUTES: list[Route] = [
    Route("GET", "/os-security-groups", list_groups),
    Route("POST", "/os-security-groups", create_group),
    Route("DELETE", "/os-security-groups", delete_without_id),
    Route("GET", "/os-security-groups/{group_id}", show_group),
    Route("PUT", "/os-security-groups/{group_id}", update_group),
    Route("DELETE", "/os-security-groups/{group_id}", delete_group),
    Route("POST", "/os-security-group-rules", create_rule),
    Route("DELETE", "/os-security-group-rules/{rule_id}", delete_rule),
    Route("GET", "/servers/{server_id}/os-security-groups", server_groups),
]
