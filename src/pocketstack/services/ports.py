"""Ports as the port API sees them: lookups, lists with fixed-IP filters, updates, deletion.
Creation (shared with server boot) lives in services/networks.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import FixedIpRow, FloatingIpRow, NetworkRow, PortRow, SecurityGroupRow
from pocketstack.services.listing import Page, apply_filters, paginate
from pocketstack.timeutil import utcnow


def _visible(project_id: str, is_admin: bool) -> list[Any]:
    """A project sees its own ports and every port on the networks it owns."""
    if is_admin:
        return []
    owned = select(NetworkRow.id).where(NetworkRow.project_id == project_id)
    return [or_(PortRow.project_id == project_id, PortRow.network_id.in_(owned))]


async def get_port(s: AsyncSession, port_id: str, *, project_id: str, is_admin: bool) -> PortRow:
    row = await s.scalar(select(PortRow).where(PortRow.id == port_id, *_visible(project_id, is_admin)))
    if row is None:
        raise errors.NotFound(f"Port {port_id} could not be found.")
    return row


async def list_ports(s: AsyncSession, *, project_id: str, is_admin: bool, filters: dict[str, list[Any]],
                     fixed_ips: dict[str, list[str]], page: Page) -> list[PortRow]:
    """`fixed_ips` filters by subnet_id and/or ip_address of any of the port's addresses."""
    query = apply_filters(select(PortRow).where(*_visible(project_id, is_admin)), PortRow, filters)
    if fixed_ips:
        matching = select(FixedIpRow.port_id)
        for column, values in fixed_ips.items():
            matching = matching.where(getattr(FixedIpRow, column).in_(values))
        query = query.where(PortRow.id.in_(matching))
    return await paginate(s, query, PortRow, page)


async def fixed_ips_of(s: AsyncSession, port_ids: list[str]) -> dict[str, list[FixedIpRow]]:
    found: dict[str, list[FixedIpRow]] = {port_id: [] for port_id in port_ids}
    for row in await s.scalars(select(FixedIpRow).where(FixedIpRow.port_id.in_(port_ids))
                               .order_by(FixedIpRow.id)):
        found[row.port_id].append(row)
    return found


async def check_security_groups(s: AsyncSession, group_ids: list[str], project_id: str,
                                is_admin: bool) -> list[str]:
    """The given groups, each visible to the caller, or 404 for the first that is not."""
    query = select(SecurityGroupRow.id).where(SecurityGroupRow.id.in_(group_ids))
    if not is_admin:
        query = query.where(SecurityGroupRow.project_id == project_id)
    known = set(await s.scalars(query))
    for group_id in group_ids:
        if group_id not in known:
            raise errors.NotFound(f"Security group {group_id} does not exist")
    return list(dict.fromkeys(group_ids))


async def update_port(s: AsyncSession, row: PortRow, changes: dict[str, Any]) -> PortRow:
    for column, value in changes.items():
        setattr(row, column, value)
    if "device_id" in changes:
        row.status = "ACTIVE" if row.device_id else "DOWN"
    if changes:
        row.updated_at = utcnow()
        row.revision_number += 1
        await s.flush()
    return row


async def delete_port(s: AsyncSession, row: PortRow) -> None:
    await s.execute(update(FloatingIpRow).where(FloatingIpRow.port_id == row.id)
                    .values(port_id=None, fixed_ip_address=None, status="DOWN")
                    .execution_options(synchronize_session=False))
    await s.execute(delete(FixedIpRow).where(FixedIpRow.port_id == row.id))
    await s.delete(row)
