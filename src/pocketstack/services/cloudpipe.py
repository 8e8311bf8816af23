"""Cloudpipe records (os-cloudpipe): each project's VPN endpoint as data. No VPN instance is
started and nothing routes traffic, so every record's state is "down"."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db.models import CloudpipeRow
from pocketstack.timeutil import utcnow

DEFAULT_PUBLIC_IP = "127.0.0.1"
INTERNAL_IP = "192.168.0.2"
FIRST_PORT = 1000


async def list_cloudpipes(s: AsyncSession) -> list[CloudpipeRow]:
    return list(await s.scalars(select(CloudpipeRow).order_by(CloudpipeRow.created_at,
                                                              CloudpipeRow.project_id)))


async def ensure_cloudpipe(s: AsyncSession, project_id: str) -> CloudpipeRow:
    """The project's record, made on first use (asking twice answers the same instance)."""
    row = await s.get(CloudpipeRow, project_id)
    if row is not None:
        return row
    count = int(await s.scalar(select(func.count()).select_from(CloudpipeRow)) or 0)
    row = CloudpipeRow(project_id=project_id, instance_id=str(uuid.uuid4()),
                       internal_ip=INTERNAL_IP, public_ip=DEFAULT_PUBLIC_IP,
                       public_port=FIRST_PORT + count, created_at=utcnow())
    s.add(row)
    await s.flush()
    return row


async def configure(s: AsyncSession, project_id: str, vpn_ip: str, vpn_port: int) -> CloudpipeRow:
    row = await ensure_cloudpipe(s, project_id)
    row.public_ip, row.public_port = vpn_ip, vpn_port
    return row
