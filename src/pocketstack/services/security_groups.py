"""Security groups and their rules (records only: nothing filters traffic)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import PortRow, SecurityGroupRow, SecurityGroupRuleRow
from pocketstack.timeutil import utcnow

DEFAULT_NAME = "default"


@dataclass(frozen=True, slots=True)
class RuleSpec:
    security_group_id: str
    direction: str = "ingress"
    ethertype: str = "IPv4"
    protocol: str | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None


def _visible(project_id: str, is_admin: bool) -> list[object]:
    return [] if is_admin else [SecurityGroupRow.project_id == project_id]


async def ensure_default_group(s: AsyncSession, project_id: str) -> SecurityGroupRow:
    """The project's 'default' group, created (with Neutron's default rules) on first use."""
    row = await s.scalar(select(SecurityGroupRow).where(
        SecurityGroupRow.project_id == project_id, SecurityGroupRow.name == DEFAULT_NAME)
        .order_by(SecurityGroupRow.created_at).limit(1))
    if row is not None:
        return row
    row = await _insert_group(s, project_id, DEFAULT_NAME, "Default security group")
    for ethertype in ("IPv4", "IPv6"):
        _add_rule(s, project_id, RuleSpec(row.id, "ingress", ethertype, remote_group_id=row.id))
    await s.flush()
    return row


async def _insert_group(s: AsyncSession, project_id: str, name: str, description: str) -> SecurityGroupRow:
    row = SecurityGroupRow(id=str(uuid.uuid4()), project_id=project_id, name=name,
                           description=description, created_at=utcnow())
    s.add(row)
    await s.flush()
    for ethertype in ("IPv4", "IPv6"):
        _add_rule(s, project_id, RuleSpec(row.id, "egress", ethertype))
    return row


def _add_rule(s: AsyncSession, project_id: str, spec: RuleSpec) -> SecurityGroupRuleRow:
    row = SecurityGroupRuleRow(
        id=str(uuid.uuid4()), security_group_id=spec.security_group_id, project_id=project_id,
        direction=spec.direction, ethertype=spec.ethertype, protocol=spec.protocol,
        port_range_min=spec.port_range_min, port_range_max=spec.port_range_max,
        remote_ip_prefix=spec.remote_ip_prefix, remote_group_id=spec.remote_group_id)
    s.add(row)
    return row


async def list_groups(s: AsyncSession, *, project_id: str, is_admin: bool,
                      filters: dict[str, str]) -> list[SecurityGroupRow]:
    if not is_admin:
        await ensure_default_group(s, project_id)
    query = select(SecurityGroupRow).where(*_visible(project_id, is_admin))
    for key in ("id", "name", "project_id"):
        if key in filters:
            query = query.where(getattr(SecurityGroupRow, key) == filters[key])
    return list(await s.scalars(query.order_by(SecurityGroupRow.created_at, SecurityGroupRow.id)))


async def get_group(s: AsyncSession, group_id: str, *, project_id: str, is_admin: bool) -> SecurityGroupRow:
    row = await s.scalar(select(SecurityGroupRow).where(
        SecurityGroupRow.id == group_id, *_visible(project_id, is_admin)))
    if row is None:
        raise errors.NotFound(f"Security group {group_id} does not exist")
    return row


async def create_group(s: AsyncSession, project_id: str, name: str, description: str) -> SecurityGroupRow:
    if name == DEFAULT_NAME:
        existing = await s.scalar(select(SecurityGroupRow.id).where(
            SecurityGroupRow.project_id == project_id, SecurityGroupRow.name == DEFAULT_NAME))
        if existing is not None:
            raise errors.Conflict("Default security group already exists.")
    row = await _insert_group(s, project_id, name, description)
    await s.flush()
    return row


async def update_group(s: AsyncSession, row: SecurityGroupRow, name: str | None,
                       description: str | None) -> SecurityGroupRow:
    if name is not None:
        if row.name == DEFAULT_NAME and name != DEFAULT_NAME:
            raise errors.Conflict("Insufficient rights for removing default security group.")
        row.name = name
    if description is not None:
        row.description = description
    return row


async def delete_group(s: AsyncSession, row: SecurityGroupRow, *, is_admin: bool) -> None:
    if row.name == DEFAULT_NAME and not is_admin:
        raise errors.Conflict("Insufficient rights for removing default security group.")
    ports = await s.scalars(select(PortRow).where(PortRow.project_id == row.project_id))
    if any(row.id in (port.security_groups or []) for port in ports):
        raise errors.Conflict(f"Security Group {row.id} in use.")
    await s.execute(delete(SecurityGroupRuleRow).where(SecurityGroupRuleRow.security_group_id == row.id))
    await s.delete(row)


async def rules_of(s: AsyncSession, group_ids: list[str]) -> dict[str, list[SecurityGroupRuleRow]]:
    found: dict[str, list[SecurityGroupRuleRow]] = {group_id: [] for group_id in group_ids}
    rows = await s.scalars(select(SecurityGroupRuleRow).where(
        SecurityGroupRuleRow.security_group_id.in_(group_ids)).order_by(SecurityGroupRuleRow.id))
    for rule in rows:
        found[rule.security_group_id].append(rule)
    return found


async def list_rules(s: AsyncSession, *, project_id: str, is_admin: bool,
                     filters: dict[str, str]) -> list[SecurityGroupRuleRow]:
    query = select(SecurityGroupRuleRow)
    if not is_admin:
        query = query.where(SecurityGroupRuleRow.project_id == project_id)
    for key in ("id", "security_group_id", "direction", "ethertype", "protocol", "project_id"):
        if key in filters:
            query = query.where(getattr(SecurityGroupRuleRow, key) == filters[key])
    return list(await s.scalars(query.order_by(SecurityGroupRuleRow.security_group_id,
                                               SecurityGroupRuleRow.id)))


async def get_rule(s: AsyncSession, rule_id: str, *, project_id: str, is_admin: bool) -> SecurityGroupRuleRow:
    query = select(SecurityGroupRuleRow).where(SecurityGroupRuleRow.id == rule_id)
    if not is_admin:
        query = query.where(SecurityGroupRuleRow.project_id == project_id)
    row = await s.scalar(query)
    if row is None:
        raise errors.NotFound(f"Security group rule {rule_id} does not exist")
    return row


async def create_rule(s: AsyncSession, spec: RuleSpec, *, project_id: str,
                      is_admin: bool) -> SecurityGroupRuleRow:
    group = await get_group(s, spec.security_group_id, project_id=project_id, is_admin=is_admin)
    if spec.remote_group_id is not None:
        await get_group(s, spec.remote_group_id, project_id=project_id, is_admin=is_admin)
    existing = await s.scalars(select(SecurityGroupRuleRow).where(
        SecurityGroupRuleRow.security_group_id == group.id))
    for rule in existing:
        if _same_rule(rule, spec):
            raise errors.Conflict(f"Security group rule already exists. Rule id is {rule.id}.")
    row = _add_rule(s, group.project_id, spec)
    await s.flush()
    return row


def _same_rule(rule: SecurityGroupRuleRow, spec: RuleSpec) -> bool:
    return (rule.direction, rule.ethertype, rule.protocol, rule.port_range_min, rule.port_range_max,
            rule.remote_ip_prefix, rule.remote_group_id) == (
        spec.direction, spec.ethertype, spec.protocol, spec.port_range_min, spec.port_range_max,
        spec.remote_ip_prefix, spec.remote_group_id)


async def delete_rule(s: AsyncSession, rule_id: str, *, project_id: str, is_admin: bool) -> None:
    row = await get_rule(s, rule_id, project_id=project_id, is_admin=is_admin)
    await s.delete(row)
