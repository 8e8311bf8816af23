"""os-hypervisors (admin): one hypervisor per registered host, found by id or by a part of its
name, with the live servers placed on it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import ServerRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.hosts import HostView, get_host_by_id, list_hosts
from pocketstack.services.policy import authorize
from pocketstack.settings import Settings

RULE = "compute:os-hypervisors"


@dataclass(frozen=True, slots=True)
class HypervisorServers:
    """A hypervisor and the ids of its live servers, oldest first."""

    view: HostView
    server_ids: list[str]


_SERVERS_ON_HOST = (select(ServerRow.id)
                    .where(ServerRow.host == bindparam("host"), ServerRow.deleted.is_(False))
                    .order_by(ServerRow.created_at))


async def list_hypervisors(cloud: Cloud, caller: Caller) -> list[HostView]:
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        return await list_hosts(s, cloud.settings)


async def get_hypervisor(cloud: Cloud, caller: Caller, hypervisor_id: str) -> HostView:
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        return await get_host_by_id(s, cloud.settings, hypervisor_id)


async def _matching(s: AsyncSession, settings: Settings, pattern: str) -> list[HostView]:
    found = [v for v in await list_hosts(s, settings) if pattern in v.row.name]
    if not found:
        raise errors.NotFound(f"No hypervisor matching '{pattern}' could be found.")
    return found


async def search(cloud: Cloud, caller: Caller, pattern: str) -> list[HostView]:
    """The hypervisors whose name contains `pattern` (NotFound when none does)."""
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        return await _matching(s, cloud.settings, pattern)


async def servers_on(cloud: Cloud, caller: Caller, pattern: str) -> list[HypervisorServers]:
    """search's hypervisors, each with its live servers."""
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        found = await _matching(s, cloud.settings, pattern)
        return [HypervisorServers(view, list(await s.scalars(_SERVERS_ON_HOST,
                                                             {"host": view.row.name})))
                for view in found]
