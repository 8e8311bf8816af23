"""The /v2.0/default-security-group-rules use cases (Neutron's security-groups-default-rules):
anyone lists and shows the templates, admins create and delete them."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from pocketstack import errors
from pocketstack.db.models import DefaultSecurityGroupRuleRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.listing import Page, apply_filters, paginate
from pocketstack.services.policy import authorize
from pocketstack.services.security_groups import RuleSpec, checked_rule
from pocketstack.timeutil import utcnow

_Row = DefaultSecurityGroupRuleRow


def not_found(rule_id: str) -> errors.NotFound:
    return errors.NotFound(f"Default Security Group rule {rule_id} does not exist",
                           kind="DefaultSecurityGroupRuleNotFound")


async def list_rules(cloud: Cloud, caller: Caller, *, filters: dict[str, list[Any]],
                     page: Page) -> list[DefaultSecurityGroupRuleRow]:
    async with cloud.db.reader() as s:
        return await paginate(s, apply_filters(select(_Row), _Row, filters), _Row, page)


async def show_rule(cloud: Cloud, caller: Caller, rule_id: str) -> DefaultSecurityGroupRuleRow:
    async with cloud.db.reader() as s:
        row = await s.get(_Row, rule_id)
    if row is None:
        raise not_found(rule_id)
    return row


def _same(row: DefaultSecurityGroupRuleRow, spec: RuleSpec, in_default: bool, in_other: bool) -> bool:
    return (row.direction, row.ethertype, row.protocol, row.port_range_min, row.port_range_max,
            row.remote_ip_prefix, row.remote_group_id, row.used_in_default_sg,
            row.used_in_non_default_sg) == (
        spec.direction, spec.ethertype, spec.protocol, spec.port_range_min, spec.port_range_max,
        spec.remote_ip_prefix, spec.remote_group_id, in_default, in_other)


async def create_rule(cloud: Cloud, caller: Caller, spec: RuleSpec, *, used_in_default_sg: bool,
                      used_in_non_default_sg: bool) -> DefaultSecurityGroupRuleRow:
    """A checked template (as a rule is checked); 409 for a duplicate."""
    authorize(caller, "network:default_security_group_rules:modify")
    spec = checked_rule(replace(spec, security_group_id=""))
    async with cloud.db.session() as s:
        for row in await s.scalars(select(_Row)):
            if _same(row, spec, used_in_default_sg, used_in_non_default_sg):
                raise errors.Conflict(f"Default Security group rule already exists. Rule id is "
                                      f"{row.id}.", kind="DefaultSecurityGroupRuleExists")
        row = _Row(id=str(uuid.uuid4()), direction=spec.direction, ethertype=spec.ethertype,
                   protocol=spec.protocol, port_range_min=spec.port_range_min,
                   port_range_max=spec.port_range_max, remote_ip_prefix=spec.remote_ip_prefix,
                   remote_group_id=spec.remote_group_id, description=spec.description,
                   used_in_default_sg=used_in_default_sg,
                   used_in_non_default_sg=used_in_non_default_sg, created_at=utcnow())
        s.add(row)
        await s.flush()
        return row


async def delete_rule(cloud: Cloud, caller: Caller, rule_id: str) -> None:
    authorize(caller, "network:default_security_group_rules:modify")
    async with cloud.db.session() as s:
        row = await s.get(_Row, rule_id)
        if row is None:
            raise not_found(rule_id)
        await s.delete(row)
