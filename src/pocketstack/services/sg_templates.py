"""The rule templates new security groups get their rules from (the table behind
/v2.0/default-security-group-rules), seeded with Neutron's legacy four."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db.models import DefaultSecurityGroupRuleRow
from pocketstack.timeutil import utcnow

PARENT = "PARENT"
INGRESS_DESCRIPTION = "Legacy default SG rule for ingress traffic"
EGRESS_DESCRIPTION = "Legacy default SG rule for egress traffic"


@dataclass(frozen=True, slots=True)
class TemplateRule:
    direction: str
    ethertype: str
    protocol: str | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None


# (direction, ethertype, remote group, in default groups, in other groups, description)
LEGACY = (
    ("egress", "IPv4", None, True, True, EGRESS_DESCRIPTION),
    ("egress", "IPv6", None, True, True, EGRESS_DESCRIPTION),
    ("ingress", "IPv4", PARENT, True, False, INGRESS_DESCRIPTION),
    ("ingress", "IPv6", PARENT, True, False, INGRESS_DESCRIPTION),
)


def seed(s: AsyncSession) -> None:
    """Add Neutron's legacy templates (run once, when the cloud is bootstrapped)."""
    now = utcnow()
    for direction, ethertype, remote, in_default, in_other, description in LEGACY:
        s.add(DefaultSecurityGroupRuleRow(
            id=str(uuid.uuid4()), direction=direction, ethertype=ethertype, remote_group_id=remote,
            used_in_default_sg=in_default, used_in_non_default_sg=in_other,
            description=description, created_at=now))


async def rules_for(s: AsyncSession, group_id: str, *, default: bool) -> list[TemplateRule]:
    """The rules a new group gets (a default group or another), PARENT made its own id."""
    column = (DefaultSecurityGroupRuleRow.used_in_default_sg if default
              else DefaultSecurityGroupRuleRow.used_in_non_default_sg)
    rows = await s.scalars(select(DefaultSecurityGroupRuleRow).where(column.is_(True))
                           .order_by(DefaultSecurityGroupRuleRow.created_at,
                                     DefaultSecurityGroupRuleRow.id))
    return [TemplateRule(row.direction, row.ethertype, row.protocol, row.port_range_min,
                         row.port_range_max, row.remote_ip_prefix,
                         group_id if row.remote_group_id == PARENT else row.remote_group_id)
            for row in rows]
