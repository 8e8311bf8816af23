"""os-fping: whether each server is alive, decided from the agent's view of the guest instead
of an ICMP echo: the agent saw it running (power state RUNNING, no task in flight but none
that stops it), it has an address to be reached at, and its host's agent is up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db.models import HostRow, PortRow, ServerRow
from pocketstack.services import scheduler
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.servers import get_server
from pocketstack.timeutil import utcnow

RULE = "compute:os-fping"
RULE_ALL = "compute:os-fping:all_tenants"
RUNNING = 1
# Tasks during which the guest is going away or not yet there.
_NOT_ALIVE_TASKS = frozenset(("deleting", "powering-off", "shelving", "shelving_offloading",
                              "suspending", "pausing", "spawning", "rebuilding"))


@dataclass(frozen=True, slots=True)
class Alive:
    id: str
    project_id: str
    alive: bool


async def _alive(s: AsyncSession, cloud: Cloud, rows: list[ServerRow]) -> list[Alive]:
    if not rows:
        return []
    ids = [r.id for r in rows]
    addressed = set((await s.scalars(select(PortRow.device_id).where(
        PortRow.device_id.in_(ids)).distinct())).all())
    hosts = {r.host for r in rows if r.host}
    now = utcnow()
    up = {h.name for h in (await s.scalars(select(HostRow).where(HostRow.name.in_(hosts)))).all()
          if scheduler.is_up(h, now, cloud.settings.service_down_time_s)} if hosts else set()
    return [Alive(r.id, r.project_id,
                  r.vm_state == "active" and r.power_state == RUNNING
                  and r.task_state not in _NOT_ALIVE_TASKS and r.id in addressed
                  and r.host in up) for r in rows]


async def list_alive(cloud: Cloud, caller: Caller, *, all_tenants: bool,
                     include: set[str] | None, exclude: set[str]) -> list[Alive]:
    """The project's servers (every project's with `all_tenants`, admin only); `include`, when
    given, keeps only those ids and `exclude` is then ignored, as Nova did."""
    authorize(caller, RULE_ALL if all_tenants else RULE)
    query = select(ServerRow).where(ServerRow.deleted.is_(False))
    if not all_tenants:
        query = query.where(ServerRow.project_id == caller.auth.project_id)
    async with cloud.db.reader() as s:
        rows = [r for r in (await s.scalars(query.order_by(ServerRow.created_at, ServerRow.id))).all()
                if (r.id in include if include is not None else r.id not in exclude)]
        return await _alive(s, cloud, rows)


async def show_alive(cloud: Cloud, caller: Caller, server_id: str) -> Alive:
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        row = await get_server(s, server_id, project_id=caller.auth.project_id or "",
                               is_admin=caller.auth.is_admin)
        return (await _alive(s, cloud, [row]))[0]
