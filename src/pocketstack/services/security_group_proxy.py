"""Nova's os-security-groups and os-security-group-rules, and a server's security groups: Nova's
proxy over the network service's security groups (present up to microversion 2.35), with
Nova's policy, uuid-only ids, rule fields and error messages."""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import SecurityGroupRow, SecurityGroupRuleRow, ServerRow
from pocketstack.services import security_groups as groups
from pocketstack.services import servers
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.listing import Page
from pocketstack.services.policy import authorize

PORT_PROTOCOLS = ("TCP", "UDP")
PROXY_PROTOCOLS = ("TCP", "UDP", "ICMP")


@dataclass(frozen=True, slots=True)
class NovaGroup:
    """A security group with its rules, and the groups those rules name as their source (by id)."""

    group: SecurityGroupRow
    rules: list[SecurityGroupRuleRow]
    sources: dict[str, SecurityGroupRow]


@dataclass(frozen=True, slots=True)
class NovaRule:
    """A new rule, with its source group (by id) when it names one."""

    rule: SecurityGroupRuleRow
    sources: dict[str, SecurityGroupRow]


@dataclass(frozen=True, slots=True)
class RuleRequest:
    """An os-security-group-rules create: the parent group's id and the rule's fields as the
    client sent them (JSON values, checked here)."""

    parent_group_id: str
    ip_protocol: Any = None
    from_port: Any = None
    to_port: Any = None
    cidr: Any = None
    group_id: Any = None


async def _nova_groups(s: AsyncSession, rows: list[SecurityGroupRow]) -> list[NovaGroup]:
    rules = await groups.rules_of(s, [r.id for r in rows])
    remote_ids = {r.remote_group_id for rs in rules.values() for r in rs if r.remote_group_id}
    sources = {g.id: g for g in await s.scalars(select(SecurityGroupRow).where(
        SecurityGroupRow.id.in_(remote_ids)))}
    return [NovaGroup(row, rules[row.id], sources) for row in rows]


def _checked_id(value: str) -> str:
    """Nova's proxy takes only uuids as security group (and rule) ids: 400 otherwise."""
    try:
        uuid.UUID(value)
    except ValueError:
        raise errors.BadRequest("Security group id should be uuid") from None
    return value


async def _get(s: AsyncSession, caller: Caller, group_id: str) -> SecurityGroupRow:
    _checked_id(group_id)
    try:
        return await groups.get_group(s, group_id, project_id=caller.project_id,
                                      is_admin=caller.is_admin)
    except errors.NotFound:
        raise errors.NotFound(f"Security group {group_id} not found.") from None


async def list_groups(cloud: Cloud, caller: Caller, *, all_tenants: bool) -> list[NovaGroup]:
    """The caller's project's groups (its 'default' one made on first use); every project's
    for an admin asking for all tenants."""
    authorize(caller, "compute:os-security-groups:list")
    every = caller.is_admin and all_tenants
    filters: dict[str, list[Any]] = {} if every else {"project_id": [caller.project_id]}
    async with cloud.db.session() as s:
        rows = await groups.find_groups(s, project_id=caller.project_id, is_admin=True,
                                        filters=filters, page=Page())
        return await _nova_groups(s, rows)


async def show_group(cloud: Cloud, caller: Caller, group_id: str) -> NovaGroup:
    authorize(caller, "compute:os-security-groups:show")
    async with cloud.db.reader() as s:
        (item,) = await _nova_groups(s, [await _get(s, caller, group_id)])
        return item


async def create_group(cloud: Cloud, caller: Caller, *, name: str, description: str) -> NovaGroup:
    authorize(caller, "compute:os-security-groups:create")
    async with cloud.db.session() as s:
        try:
            row = await groups.add_group(s, caller.project_id, name, description)
        except errors.Conflict as exc:
            raise errors.BadRequest(exc.message) from None
        (item,) = await _nova_groups(s, [row])
        return item


async def update_group(cloud: Cloud, caller: Caller, group_id: str, *, name: str,
                       description: str) -> NovaGroup:
    authorize(caller, "compute:os-security-groups:update")
    async with cloud.db.session() as s:
        row = await _get(s, caller, group_id)
        try:
            groups.change_group(row, name, description)
        except errors.Conflict as exc:
            raise errors.BadRequest(exc.message) from None
        (item,) = await _nova_groups(s, [row])
        return item


async def delete_group(cloud: Cloud, caller: Caller, group_id: str) -> None:
    """Delete a group, and the rules of other groups naming it; 400 for the 'default' group
    and for one a server is in."""
    authorize(caller, "compute:os-security-groups:delete")
    async with cloud.db.session() as s:
        row = await _get(s, caller, group_id)
        if row.name == groups.DEFAULT_NAME:
            raise errors.BadRequest("Removing default security group not allowed.")
        if await _named_by_a_server(s, row):
            raise errors.BadRequest(f"Security Group {row.id} in use.")
        try:
            await groups.remove_group(s, row, is_admin=caller.is_admin)
            await groups.delete_remote_rules(s, row.id)
        except errors.Conflict as exc:
            raise errors.BadRequest(exc.message) from None


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


def _rule_spec(parent: str, request: RuleRequest) -> groups.RuleSpec:
    """Nova's rule as the network service's: ingress, from a CIDR (default: any IPv4) or a
    source group, for TCP, UDP or ICMP (-1 meaning any type or code)."""
    protocol, cidr, group_id = request.ip_protocol, request.cidr, request.group_id
    if cidr and group_id:
        raise errors.BadRequest("Only one of cidr or group_id may be given.")
    low = high = None
    name = None
    if protocol is not None or request.from_port is not None or request.to_port is not None:
        if not isinstance(protocol, str) or protocol.upper() not in PROXY_PROTOCOLS:
            raise errors.BadRequest(f"Invalid IP protocol {protocol}.")
        name = protocol.upper()
        low, high = _ports(name, request.from_port, request.to_port)
    ethertype, prefix = "IPv4", None
    if not group_id:
        try:
            network = ipaddress.ip_network(cidr or "0.0.0.0/0", strict=False)
        except (TypeError, ValueError):
            raise errors.BadRequest(f"Invalid cidr {cidr}.") from None
        ethertype, prefix = f"IPv{network.version}", cidr or str(network)
    return groups.RuleSpec(parent, "ingress", ethertype, name.lower() if name else None, low, high,
                           prefix, group_id or None)


async def create_rule(cloud: Cloud, caller: Caller, request: RuleRequest) -> NovaRule:
    """A rule in a group (looked up before the rule's fields are checked); 400 for a duplicate."""
    authorize(caller, "compute:os-security-groups:rule_create")
    async with cloud.db.session() as s:
        group = await _get(s, caller, request.parent_group_id)
        spec = _rule_spec(group.id, request)
        if spec.remote_group_id is not None:
            await _get(s, caller, str(spec.remote_group_id))
        try:
            rule = await groups.add_rule(s, spec, project_id=caller.project_id,
                                         is_admin=caller.is_admin)
        except errors.Conflict:
            raise errors.BadRequest(f"This rule already exists in group {group.id}") from None
        sources = {} if rule.remote_group_id is None else {
            rule.remote_group_id: await _get(s, caller, rule.remote_group_id)}
        return NovaRule(rule, sources)


async def create_rules(cloud: Cloud, caller: Caller, group_id: str,
                       requests: list[RuleRequest]) -> NovaGroup:
    """Several rules in one group, all or none (the Deltacloud API's one rule of many
    sources); the group with its rules afterwards."""
    authorize(caller, "compute:os-security-groups:rule_create")
    async with cloud.db.session() as s:
        group = await _get(s, caller, group_id)
        for request in requests:
            spec = _rule_spec(group.id, request)
            if spec.remote_group_id is not None:
                await _get(s, caller, str(spec.remote_group_id))
            try:
                await groups.add_rule(s, spec, project_id=caller.project_id,
                                      is_admin=caller.is_admin)
            except errors.Conflict:
                raise errors.BadRequest(f"This rule already exists in group {group.id}") from None
        (item,) = await _nova_groups(s, [group])
        return item


async def delete_rule(cloud: Cloud, caller: Caller, rule_id: str) -> None:
    authorize(caller, "compute:os-security-groups:rule_delete")
    _checked_id(rule_id)
    async with cloud.db.session() as s:
        try:
            await groups.remove_rule(s, rule_id, project_id=caller.project_id,
                                     is_admin=caller.is_admin)
        except errors.NotFound:
            raise errors.NotFound(f"Security group rule {rule_id} not found.") from None


async def server_groups(cloud: Cloud, caller: Caller, server_id: str) -> list[NovaGroup]:
    """The groups a server is in (by name, in its project), oldest first."""
    authorize(caller, "compute:os-security-groups:list_server")
    async with cloud.db.reader() as s:
        row = await servers.get_server(s, server_id, project_id=caller.project_id,
                                       is_admin=caller.is_admin)
        names = {str(g.get("name")) for g in row.security_groups or []}
        query = select(SecurityGroupRow).where(SecurityGroupRow.project_id == row.project_id,
                                               SecurityGroupRow.name.in_(names))
        query = query.order_by(SecurityGroupRow.created_at, SecurityGroupRow.id)
        return await _nova_groups(s, list(await s.scalars(query)))
