"""The host's row: registered with its capacity when the agent starts, then kept alive with a
heartbeat; the scheduler treats a host whose heartbeat is older than service_down_time_s as down."""

from __future__ import annotations

from sqlalchemy import select, update

from pocketstack.db.engine import Database
from pocketstack.db.models import HostRow
from pocketstack.drivers.base import Resources
from pocketstack.timeutil import utcnow


async def register_host(db: Database, name: str, *, availability_zone: str, driver: str,
                        capacity: Resources) -> None:
    """Create or refresh the host's row; an admin's enabled/disabled choice is kept."""
    now = utcnow()
    async with db.session(wake=False) as s:
        row = await s.scalar(select(HostRow).where(HostRow.name == name))
        if row is None:
            row = HostRow(name=name, enabled=True, forced_down=False, created_at=now)
            s.add(row)
        row.availability_zone = row.availability_zone if row.id else availability_zone
        row.driver = driver
        row.vcpus, row.memory_mb, row.disk_gb = capacity.vcpus, capacity.ram_mb, capacity.disk_gb
        row.heartbeat_at = row.started_at = now


async def beat(db: Database, name: str) -> None:
    async with db.session(wake=False) as s:
        await s.execute(update(HostRow).where(HostRow.name == name).values(heartbeat_at=utcnow()))
