"""Security groups and their rules, and the network API's use cases on them (records only:
nothing filters traffic)."""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import PortRow, SecurityGroupRow, SecurityGroupRuleRow
from pocketstack.services import network_quotas, sg_templates, tags
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.listing import Page, apply_filters, paginate
from pocketstack.services.policy import authorize
from pocketstack.services.revisions import check_revision
from pocketstack.timeutil import utcnow

DEFAULT_NAME = "default"


@dataclass(frozen=True, slots=True)
class RuleSpec:
    security_group_id: str
    direction: str = "ingress"
    ethertype: str = "IPv4"
    protocol: str | int | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None
    description: str = ""


def _visible(project_id: str, is_admin: bool) -> list[ColumnElement[bool]]:
    return [] if is_admin else [SecurityGroupRow.project_id == project_id]


async def ensure_default_group(s: AsyncSession, project_id: str) -> SecurityGroupRow:
    """The project's 'default' group, created (with Neutron's default rules) on first use."""
    row = await s.scalar(select(SecurityGroupRow).where(
        SecurityGroupRow.project_id == project_id, SecurityGroupRow.name == DEFAULT_NAME)
        .order_by(SecurityGroupRow.created_at).limit(1))
    if row is not None:
        return row
    row = await _insert_group(s, project_id, DEFAULT_NAME, "Default security group", default=True)
    await s.flush()
    return row


_groups = SecurityGroupRow.__table__.c
_DEFAULT_GROUP_ID = (
    select(_groups.id)
    .where(_groups.project_id == bindparam("project_id"), _groups.name == DEFAULT_NAME)
    .order_by(_groups.created_at).limit(1))


async def find_default_group_id(s: AsyncSession, project_id: str) -> str | None:
    """The id of the project's 'default' group, if it has one yet."""
    found = await s.scalar(_DEFAULT_GROUP_ID, {"project_id": project_id})
    return None if found is None else str(found)


async def default_group_id(s: AsyncSession, project_id: str) -> str:
    """The id of the project's 'default' group (created on first use), read by id alone."""
    found = await find_default_group_id(s, project_id)
    return found if found is not None else (await ensure_default_group(s, project_id)).id


async def _insert_group(s: AsyncSession, project_id: str, name: str, description: str, *,
                        default: bool = False) -> SecurityGroupRow:
    """A new group with the rules of the templates for default or other groups."""
    row = SecurityGroupRow(id=str(uuid.uuid4()), project_id=project_id, name=name,
                           description=description, created_at=utcnow())
    s.add(row)
    await s.flush()
    for rule in await sg_templates.rules_for(s, row.id, default=default):
        _new_rule(s, project_id, RuleSpec(
            row.id, rule.direction, rule.ethertype, rule.protocol, rule.port_range_min,
            rule.port_range_max, rule.remote_ip_prefix, rule.remote_group_id))
    return row


def _new_rule(s: AsyncSession, project_id: str, spec: RuleSpec) -> SecurityGroupRuleRow:
    row = SecurityGroupRuleRow(
        id=str(uuid.uuid4()), security_group_id=spec.security_group_id, project_id=project_id,
        direction=spec.direction, ethertype=spec.ethertype, protocol=spec.protocol,
        port_range_min=spec.port_range_min, port_range_max=spec.port_range_max,
        remote_ip_prefix=spec.remote_ip_prefix, remote_group_id=spec.remote_group_id,
        description=spec.description, created_at=utcnow())
    s.add(row)
    return row


async def find_groups(s: AsyncSession, *, project_id: str, is_admin: bool,
                      filters: dict[str, list[Any]], page: Page) -> list[SecurityGroupRow]:
    """Visible groups; the caller's own 'default' group is created first if it is missing."""
    await ensure_default_group(s, project_id)
    query = apply_filters(select(SecurityGroupRow).where(*_visible(project_id, is_admin)),
                          SecurityGroupRow, filters)
    return await paginate(s, query, SecurityGroupRow, page)


async def get_group(s: AsyncSession, group_id: str, *, project_id: str, is_admin: bool) -> SecurityGroupRow:
    row = await s.scalar(select(SecurityGroupRow).where(
        SecurityGroupRow.id == group_id, *_visible(project_id, is_admin)))
    if row is None:
        raise errors.NotFound(f"Security group {group_id} does not exist", kind="SecurityGroupNotFound")
    return row


async def add_group(s: AsyncSession, project_id: str, name: str, description: str) -> SecurityGroupRow:
    """A new group with the rules of the templates for non-default groups; 409 for a second
    'default' group."""
    if name == DEFAULT_NAME:
        existing = await s.scalar(select(SecurityGroupRow.id).where(
            SecurityGroupRow.project_id == project_id, SecurityGroupRow.name == DEFAULT_NAME))
        if existing is not None:
            raise errors.Conflict("Default security group already exists.",
                                  kind="SecurityGroupDefaultAlreadyExists")
    row = await _insert_group(s, project_id, name, description)
    await s.flush()
    return row


def change_group(row: SecurityGroupRow, name: str | None, description: str | None) -> None:
    """Rename or describe a group (409 for the name 'default', in any case, as Neutron's
    name_not_default validator says, and for renaming the 'default' group)."""
    if name is not None:
        if name.lower() == DEFAULT_NAME:
            raise errors.Conflict("Default security group already exists.",
                                  kind="SecurityGroupDefaultAlreadyExists")
        if row.name == DEFAULT_NAME:
            raise errors.Conflict("Updating default security group not allowed.",
                                  kind="SecurityGroupCannotUpdateDefault")
        row.name = name
    if description is not None:
        row.description = description
    row.revision_number += 1
    row.updated_at = utcnow()


async def remove_group(s: AsyncSession, row: SecurityGroupRow, *, is_admin: bool) -> None:
    """Delete a group with its rules; 409 for the 'default' group (unless admin) or while a
    port is in it."""
    if row.name == DEFAULT_NAME and not is_admin:
        raise errors.Conflict("Insufficient rights for removing default security group.",
                              kind="SecurityGroupCannotRemoveDefault")
    ports = await s.scalars(select(PortRow).where(PortRow.project_id == row.project_id))
    if any(row.id in (port.security_groups or []) for port in ports):
        raise errors.Conflict(f"Security Group {row.id} in use.", kind="SecurityGroupInUse")
    await s.execute(delete(SecurityGroupRuleRow).where(SecurityGroupRuleRow.security_group_id == row.id))
    await tags.clear_tags(s, row.id)
    await s.delete(row)


async def rules_of(s: AsyncSession, group_ids: list[str]) -> dict[str, list[SecurityGroupRuleRow]]:
    found: dict[str, list[SecurityGroupRuleRow]] = {group_id: [] for group_id in group_ids}
    rows = await s.scalars(select(SecurityGroupRuleRow).where(
        SecurityGroupRuleRow.security_group_id.in_(group_ids)).order_by(SecurityGroupRuleRow.id))
    for rule in rows:
        found[rule.security_group_id].append(rule)
    return found


def _visible_rules(project_id: str, is_admin: bool) -> list[ColumnElement[bool]]:
    return [] if is_admin else [SecurityGroupRuleRow.project_id == project_id]


async def get_rule(s: AsyncSession, rule_id: str, *, project_id: str, is_admin: bool) -> SecurityGroupRuleRow:
    row = await s.scalar(select(SecurityGroupRuleRow).where(
        SecurityGroupRuleRow.id == rule_id, *_visible_rules(project_id, is_admin)))
    if row is None:
        raise errors.NotFound(f"Security group rule {rule_id} does not exist",
                              kind="SecurityGroupRuleNotFound")
    return row


async def add_rule(s: AsyncSession, spec: RuleSpec, *, project_id: str,
                   is_admin: bool) -> SecurityGroupRuleRow:
    """A checked rule in a visible group (its remote group visible too); 409 for a duplicate."""
    spec = checked_rule(spec)
    group = await get_group(s, spec.security_group_id, project_id=project_id, is_admin=is_admin)
    if spec.remote_group_id is not None:
        await get_group(s, spec.remote_group_id, project_id=project_id, is_admin=is_admin)
    existing = await s.scalars(select(SecurityGroupRuleRow).where(
        SecurityGroupRuleRow.security_group_id == group.id))
    for rule in existing:
        if _same_rule(rule, spec):
            raise errors.Conflict(f"Security group rule already exists. Rule id is {rule.id}.",
                                  kind="SecurityGroupRuleExists")
    await network_quotas.check_quota(s, group.project_id, "security_group_rule")
    row = _new_rule(s, group.project_id, spec)
    _touch(group)
    await s.flush()
    return row


def _touch(group: SecurityGroupRow) -> None:
    """A rule added or removed is a change of its group (as Neutron counts revisions)."""
    group.revision_number += 1
    group.updated_at = utcnow()


def _same_rule(rule: SecurityGroupRuleRow, spec: RuleSpec) -> bool:
    return (rule.direction, rule.ethertype, rule.protocol, rule.port_range_min, rule.port_range_max,
            rule.remote_ip_prefix, rule.remote_group_id) == (
        spec.direction, spec.ethertype, spec.protocol, spec.port_range_min, spec.port_range_max,
        spec.remote_ip_prefix, spec.remote_group_id)


async def remove_rule(s: AsyncSession, rule_id: str, *, project_id: str, is_admin: bool) -> None:
    row = await get_rule(s, rule_id, project_id=project_id, is_admin=is_admin)
    group = await s.get(SecurityGroupRow, row.security_group_id)
    if group is not None:
        _touch(group)
    await s.delete(row)


# --- the network API's use cases ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupDetail:
    """A security group with its rules, as the network API shows it."""

    group: SecurityGroupRow
    rules: list[SecurityGroupRuleRow]
    tags: list[str] = field(default_factory=list)


async def _detail(s: AsyncSession, row: SecurityGroupRow) -> GroupDetail:
    return GroupDetail(row, (await rules_of(s, [row.id]))[row.id],
                       (await tags.tags_of(s, [row.id]))[row.id])


async def list_groups(cloud: Cloud, caller: Caller, *, filters: dict[str, list[Any]],
                      page: Page) -> list[GroupDetail]:
    """Visible groups with their rules (a write: the caller's 'default' group may be made)."""
    async with cloud.db.session() as s:
        rows = await find_groups(s, project_id=caller.project_id, is_admin=caller.is_admin,
                                 filters=filters, page=page)
        rules = await rules_of(s, [row.id for row in rows])
        found = await tags.tags_of(s, [row.id for row in rows])
    return [GroupDetail(row, rules[row.id], found[row.id]) for row in rows]


async def show_group(cloud: Cloud, caller: Caller, group_id: str) -> GroupDetail:
    async with cloud.db.reader() as s:
        return await _detail(s, await get_group(s, group_id, project_id=caller.project_id,
                                                is_admin=caller.is_admin))


async def create_group(cloud: Cloud, caller: Caller, *, owner: str | None, name: str,
                       description: str) -> GroupDetail:
    project_id = owner or caller.project_id
    authorize(caller, "network:modify", project_id)
    async with cloud.db.session() as s:
        await ensure_default_group(s, project_id)
        await network_quotas.check_quota(s, project_id, "security_group")
        return await _detail(s, await add_group(s, project_id, name, description))


async def update_group(cloud: Cloud, caller: Caller, group_id: str, *, revision: int | None = None,
                       name: str | None,
                       description: str | None) -> GroupDetail:
    async with cloud.db.session() as s:
        row = await get_group(s, group_id, project_id=caller.project_id, is_admin=caller.is_admin)
        authorize(caller, "network:modify", row.project_id)
        check_revision(row, revision)
        change_group(row, name, description)
        return await _detail(s, row)


async def delete_group(cloud: Cloud, caller: Caller, group_id: str, *,
                       revision: int | None = None) -> None:
    async with cloud.db.session() as s:
        row = await get_group(s, group_id, project_id=caller.project_id, is_admin=caller.is_admin)
        authorize(caller, "network:modify", row.project_id)
        check_revision(row, revision)
        await remove_group(s, row, is_admin=caller.is_admin)


async def list_rules(cloud: Cloud, caller: Caller, *, filters: dict[str, list[Any]],
                     page: Page) -> list[SecurityGroupRuleRow]:
    query = select(SecurityGroupRuleRow).where(*_visible_rules(caller.project_id, caller.is_admin))
    async with cloud.db.reader() as s:
        return await paginate(s, apply_filters(query, SecurityGroupRuleRow, filters),
                              SecurityGroupRuleRow, page)


async def show_rule(cloud: Cloud, caller: Caller, rule_id: str) -> SecurityGroupRuleRow:
    async with cloud.db.reader() as s:
        return await get_rule(s, rule_id, project_id=caller.project_id, is_admin=caller.is_admin)


async def create_rule(cloud: Cloud, caller: Caller, spec: RuleSpec, *,
                      owner: str | None) -> SecurityGroupRuleRow:
    authorize(caller, "network:modify", owner)
    async with cloud.db.session() as s:
        return await add_rule(s, spec, project_id=caller.project_id, is_admin=caller.is_admin)


async def delete_rule(cloud: Cloud, caller: Caller, rule_id: str) -> None:
    async with cloud.db.session() as s:
        await remove_rule(s, rule_id, project_id=caller.project_id, is_admin=caller.is_admin)


# Protocol names Neutron accepts, with their IP protocol numbers.
PROTOCOLS = {"ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "icmp": 1, "icmpv6": 58,
             "igmp": 2, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58,
             "ipv6-nonxt": 59, "ipv6-opts": 60, "ipv6-route": 43, "ospf": 89, "pgm": 113,
             "rsvp": 46, "sctp": 132, "tcp": 6, "udp": 17, "udplite": 136, "vrrp": 112}
PORT_PROTOCOLS = {6, 17, 33, 132, 136}
ICMP_PROTOCOLS = {1, 58}


def normalize_protocol(value: str | int | None) -> str | None:
    if value is None or str(value).lower() in ("", "any"):
        return None
    text = str(value).lower()
    if text in PROTOCOLS or (text.isdigit() and 0 <= int(text) <= 255):
        return text
    names = ", ".join(repr(name) for name in sorted(PROTOCOLS))
    raise errors.BadRequest(f"Security group rule protocol {value} not supported. Only protocol values "
                            f"[None, {names}] and integer representations [0 to 255] are supported.",
                            kind="SecurityGroupRuleInvalidProtocol")


def check_port_value(value: int | None) -> None:
    """Neutron's conversion of port_range_min/max: a port number 0 to 65535, whatever the
    protocol (the range itself is checked afterwards)."""
    if value is not None and not 0 <= value <= 65535:
        raise errors.BadRequest(f"Invalid value for port {value}")


def check_ports(protocol: str | None, low: int | None, high: int | None) -> tuple[int | None, int | None]:
    check_port_value(low)
    check_port_value(high)
    if low is None and high is None:
        return None, None
    if protocol is None:
        raise errors.BadRequest("Must also specify protocol if port range is given.",
                                kind="SecurityGroupProtocolRequiredWithPorts")
    number = PROTOCOLS.get(protocol, int(protocol) if protocol.isdigit() else -1)
    if number in ICMP_PROTOCOLS:
        for field_name, kind, value in (("port_range_min", "type", low), ("port_range_max", "code", high)):
            if value is not None and not 0 <= value <= 255:
                raise errors.BadRequest(f"Invalid value for ICMP {kind} ({field_name}) {value}. "
                                        "It must be 0 to 255.", kind="SecurityGroupInvalidIcmpValue")
        if low is None:
            raise errors.BadRequest(f"ICMP code (port-range-max) {high} is provided but ICMP type "
                                    "(port-range-min) is missing.", kind="SecurityGroupMissingIcmpType")
        return low, high
    if number not in PORT_PROTOCOLS:
        raise errors.BadRequest(f"Invalid protocol {protocol} for port range, only supported for "
                                "TCP, UDP, UDPLITE, SCTP and DCCP.",
                                kind="SecurityGroupInvalidProtocolForPort")
    if low == 0 or high == 0:
        raise errors.BadRequest("Invalid value for port 0", kind="SecurityGroupInvalidPortValue")
    if low is None or high is None or low > high:
        raise errors.BadRequest("For TCP/UDP protocols, port_range_min must be <= port_range_max",
                                kind="SecurityGroupInvalidPortRange")
    return low, high


def check_remote(ethertype: str, prefix: str | None, group_id: str | None) -> str | None:
    if prefix is not None and group_id is not None:
        raise errors.BadRequest("Only remote_ip_prefix or remote_group_id may be provided.",
                                kind="SecurityGroupMultipleRemoteEntites")
    if prefix is None:
        return None
    try:
        network = ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        raise errors.BadRequest(f"Invalid input for remote_ip_prefix. Reason: '{prefix}' is not a valid "
                                "IP subnet.") from None
    if f"IPv{network.version}" != ethertype:
        raise errors.BadRequest(f"Conflicting value ethertype {ethertype} for CIDR {prefix}",
                                kind="SecurityGroupRuleParameterConflict")
    return prefix


def checked_rule(spec: RuleSpec) -> RuleSpec:
    """The rule with its protocol normalised and its ports and remote validated (400 if not)."""
    protocol = normalize_protocol(spec.protocol)
    low, high = check_ports(protocol, spec.port_range_min, spec.port_range_max)
    prefix = check_remote(spec.ethertype, spec.remote_ip_prefix, spec.remote_group_id)
    return replace(spec, protocol=protocol, port_range_min=low, port_range_max=high,
                   remote_ip_prefix=prefix)


async def delete_remote_rules(s: AsyncSession, group_id: str) -> None:
    """Rules of other groups naming this one as their remote group go with it (as in Neutron)."""
    await s.execute(delete(SecurityGroupRuleRow).where(SecurityGroupRuleRow.remote_group_id == group_id))
