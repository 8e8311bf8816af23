"""What the operations endpoints report: whether the database answers, each agent's last
heartbeat and reconcile lag, and the servers by state (read at each scrape, not counted)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import SQLAlchemyError

from pocketstack.errors import DatabaseUnavailable
from pocketstack.services import quotas
from pocketstack.services.cloud import Cloud
from pocketstack.services.records import HostRow, ServerRow
from pocketstack.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class AgentHealth:
    host: str
    last_heartbeat: datetime
    heartbeat_age_s: float
    alive: bool
    # Seconds the oldest server with work in progress on the host has waited (0: none).
    reconcile_lag_s: float


@dataclass(frozen=True, slots=True)
class Health:
    database_ok: bool
    database_detail: str
    agents: list[AgentHealth]
    # Live servers by (vm_state, task_state or "none").
    servers: dict[tuple[str, str], int]
    # Compute quota in use by (project id, resource): instances, cores, ram.
    usage: dict[tuple[str, str], int] = field(default_factory=dict)


async def check(cloud: Cloud, *, with_servers: bool = False) -> Health:
    """One reader session; a database that does not answer is reported, never raised."""
    now = utcnow()
    try:
        async with cloud.db.reader() as s:
            await s.execute(text("SELECT 1"))
            hosts = (await s.scalars(select(HostRow).order_by(HostRow.name))).all()
            waiting = dict((await s.execute(
                select(ServerRow.host, func.min(ServerRow.updated_at))
                .where(ServerRow.deleted.is_(False), ServerRow.host.is_not(None),
                       or_(ServerRow.task_state.is_not(None), ServerRow.pending.is_not(None)))
                .group_by(ServerRow.host))).tuples().all())
            servers: dict[tuple[str, str], int] = {}
            usage: dict[tuple[str, str], int] = {}
            if with_servers:
                for vm_state, task_state, count in (await s.execute(
                        select(ServerRow.vm_state, ServerRow.task_state, func.count())
                        .where(ServerRow.deleted.is_(False))
                        .group_by(ServerRow.vm_state, ServerRow.task_state))).tuples():
                    servers[(vm_state, task_state or "none")] = count
                projects = (await s.scalars(select(ServerRow.project_id).distinct()
                                            .where(ServerRow.deleted.is_(False)))).all()
                for project_id in sorted(projects):
                    for resource, used in (await quotas.server_usage(s, project_id)).items():
                        usage[(project_id, resource)] = used
    except (DatabaseUnavailable, OSError, SQLAlchemyError) as exc:
        return Health(False, str(exc) or type(exc).__name__, [], {})
    down_after = cloud.settings.service_down_time_s
    agents = []
    for host in hosts:
        age = max(0.0, (now - host.heartbeat_at).total_seconds())
        oldest = waiting.get(host.name)
        lag = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
        agents.append(AgentHealth(host.name, host.heartbeat_at, age, age <= down_after, lag))
    return Health(True, "database answered", agents, servers, usage)
