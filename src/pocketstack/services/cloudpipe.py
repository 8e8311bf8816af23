"""Cloudpipe records (os-cloudpipe): each project's VPN endpoint as data. No VPN instance is
started and nothing routes traffic, so every record's state is "down"."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db.models import CloudpipeRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow

RULE = "compute:os-cloudpipe"

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


# --- use cases (admin) ----------------------------------------------------------------------


async def list_all(cloud: Cloud, caller: Caller) -> list[CloudpipeRow]:
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        return await list_cloudpipes(s)


async def create(cloud: Cloud, caller: Caller, project_id: str | None) -> CloudpipeRow:
    """The record of `project_id` (the caller's project when None), made on first use. The
    caller's token must be project-scoped either way."""
    authorize(caller, RULE)
    own = caller.project_id
    async with cloud.db.session() as s:
        return await ensure_cloudpipe(s, own if project_id is None else project_id)


async def configure_project(cloud: Cloud, caller: Caller, vpn_ip: str, vpn_port: int) -> CloudpipeRow:
    """Set the public endpoint of the caller's project's VPN."""
    authorize(caller, RULE)
    project_id = caller.project_id
    async with cloud.db.session() as s:
        return await configure(s, project_id, vpn_ip, vpn_port)
