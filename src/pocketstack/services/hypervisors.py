"""os-hypervisors (admin): one hypervisor per registered host, listed by id (a page of them
after a marker, or those whose name contains a pattern) or found by its id or uuid, with the
live servers placed on it when asked."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import ServerRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.hosts import HostView, list_hosts
from pocketstack.services.policy import authorize

RULE = "compute:os-hypervisors"


@dataclass(frozen=True, slots=True)
class HypervisorServers:
    """A hypervisor and the ids of its live servers, oldest first (none when not asked)."""

    view: HostView
    server_ids: list[str]


@dataclass(frozen=True, slots=True)
class HypervisorQuery:
    """Which hypervisors to list: those whose name contains `pattern`, or a page of at most
    `limit` after the one whose id or uuid is `marker`; with their servers or not."""

    pattern: str | None = None
    limit: int | None = None
    marker: str | None = None
    with_servers: bool = False


_SERVERS_ON_HOST = (select(ServerRow.id)
                    .where(ServerRow.host == bindparam("host"), ServerRow.deleted.is_(False))
                    .order_by(ServerRow.created_at))


def _is(view: HostView, hypervisor_id: str) -> bool:
    return hypervisor_id in (str(view.row.id), view.row.node_uuid)


async def _with_servers(s: AsyncSession, views: list[HostView],
                        with_servers: bool) -> list[HypervisorServers]:
    return [HypervisorServers(view, list(await s.scalars(_SERVERS_ON_HOST,
                                                         {"host": view.row.name}))
                              if with_servers else [])
            for view in views]


def _matching(views: list[HostView], pattern: str) -> list[HostView]:
    found = [v for v in views if pattern in v.row.name]
    if not found:
        raise errors.NotFound(f"No hypervisor matching '{pattern}' could be found.")
    return found


def _page(views: list[HostView], limit: int | None, marker: str | None) -> list[HostView]:
    if marker is not None:
        index = next((i for i, v in enumerate(views) if _is(v, marker)), None)
        if index is None:
            raise errors.BadRequest(f"marker [{marker}] not found")
        views = views[index + 1:]
    return views if limit is None else views[:limit]


async def list_hypervisors(cloud: Cloud, caller: Caller,
                           query: HypervisorQuery | None = None) -> list[HypervisorServers]:
    """The hypervisors `query` asks for, by id (NotFound when a pattern matches none,
    BadRequest for a marker that is no hypervisor)."""
    authorize(caller, RULE)
    query = query or HypervisorQuery()
    async with cloud.db.reader() as s:
        views = await list_hosts(s, cloud.settings)
        if query.pattern is not None:
            views = _matching(views, query.pattern)
        else:
            views = _page(views, query.limit, query.marker)
        return await _with_servers(s, views, query.with_servers)


async def get_hypervisor(cloud: Cloud, caller: Caller, hypervisor_id: str, *,
                         with_servers: bool = False) -> HypervisorServers:
    """The hypervisor of that id (an integer, or the node's uuid)."""
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        found = [v for v in await list_hosts(s, cloud.settings) if _is(v, hypervisor_id)]
        if not found:
            raise errors.NotFound(f"Hypervisor with ID '{hypervisor_id}' could not be found.")
        return (await _with_servers(s, found, with_servers))[0]


async def hypervisor_uptime(cloud: Cloud, caller: Caller, hypervisor_id: str) -> HostView:
    """The hypervisor whose uptime is asked; BadRequest while its host is down, as Nova cannot
    ask a down compute service."""
    found = await get_hypervisor(cloud, caller, hypervisor_id)
    if not found.view.up:
        raise errors.BadRequest(
            f"Compute service of {found.view.row.name} is unavailable at this time.")
    return found.view


async def search(cloud: Cloud, caller: Caller, pattern: str) -> list[HostView]:
    """The hypervisors whose name contains `pattern` (NotFound when none does)."""
    found = await list_hypervisors(cloud, caller, HypervisorQuery(pattern=pattern))
    return [f.view for f in found]


async def servers_on(cloud: Cloud, caller: Caller, pattern: str) -> list[HypervisorServers]:
    """search's hypervisors, each with its live servers."""
    return await list_hypervisors(cloud, caller,
                                  HypervisorQuery(pattern=pattern, with_servers=True))
