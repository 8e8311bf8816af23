"""Servers as the API reads them: one server, a page of servers with Nova's filters, and their
addresses. A tenant sees only its own project's servers; admins see every project's.

The show and list statements are Core statements built once, reading only the columns the
views show (ServerView), so that these reads cost little more than the database's own work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar

import orjson
from sqlalchemy import (
    ColumnElement,
    Result,
    Row,
    String,
    and_,
    bindparam,
    inspect,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import status_matches
from pocketstack.db.models import ServerRow
from pocketstack.services import networks
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.networks import Address
from pocketstack.services.policy import authorize


@dataclass(frozen=True, slots=True)
class ServerFilters:
    name: str | None = None
    statuses: tuple[str, ...] = ()
    image_id: str | None = None
    flavor_id: str | None = None
    changes_since: datetime | None = None
    reservation_id: str | None = None
    host: str | None = None
    availability_zone: str | None = None
    user_id: str | None = None
    ip: str | None = None
    ip6: str | None = None


NO_FILTERS = ServerFilters()


@dataclass(frozen=True, slots=True)
class ServerQuery:
    """A page of servers: newest first, after the `marker` server, at most `limit`. With
    `all_tenants` (admins), every project's or, with `tenant_id`, that project's."""

    filters: ServerFilters
    limit: int
    marker: str | None = None
    all_tenants: bool = False
    tenant_id: str | None = None


def not_found(server_id: str) -> errors.NotFound:
    return errors.NotFound(f"Instance {server_id} could not be found.")


# A timestamp column's value: a naive UTC datetime, or SQLite's text of one
# ("2012-08-20 21:11:09.000000").
Stamp = datetime | str


class ServerView(NamedTuple):
    """What the list and show views read: not the console log, diagnostics, user data, flavor
    JSON. A plain tuple: its fields read in tens of nanoseconds (a SQLAlchemy Row's attribute
    lookup costs about half a microsecond, and a detailed page reads 3,500 of them)."""

    id: str
    project_id: str
    user_id: str
    name: str
    image_id: str
    flavor_id: str
    vm_state: str
    task_state: str | None
    power_state: int
    host: str | None
    node: str | None
    availability_zone: str | None
    key_name: str | None
    config_drive: str
    disk_config: str
    access_ipv4: str
    access_ipv6: str
    metadata_: dict[str, Any]
    security_groups: list[Any]
    progress: int
    fault: dict[str, Any] | None
    launched_at: Stamp | None
    terminated_at: Stamp | None
    created_at: Stamp
    updated_at: Stamp


# Plain table columns in ServerView's order: the statements stay Core statements. Timestamps
# come as the database returns them, unconverted: on SQLite the stored text, which the views
# reshape without parsing it into a datetime and formatting it again. JSON columns come as
# text too, decoded once per distinct text of a result (_views).
_STAMPS = frozenset({"launched_at", "terminated_at", "created_at", "updated_at"})
_JSONS = ("metadata_", "security_groups", "fault")
VIEW_COLUMNS = tuple(type_coerce(column, String) if key in _STAMPS or key in _JSONS else column
                     for key, column in ((key, inspect(ServerRow).columns[key])
                                         for key in ServerView._fields))
_JSON_INDEXES = tuple(ServerView._fields.index(key) for key in _JSONS)
_servers = ServerRow.__table__.c
_SHOW = select(*VIEW_COLUMNS).where(_servers.id == bindparam("server_id"),
                                    _servers.deleted.is_(False))
_SHOW_OWN = _SHOW.where(_servers.project_id == bindparam("project_id"))
# The common listing (a project's servers, no filters), built once.
_PAGE = (select(*VIEW_COLUMNS)
         .where(_servers.project_id == bindparam("project_id"), _servers.deleted.is_(False))
         .order_by(_servers.created_at.desc(), _servers.id.desc())
         .limit(bindparam("limit")))
_PAGE_AFTER = _PAGE.where(tuple_(_servers.created_at, _servers.id)
                          < tuple_(bindparam("created_at", type_=_servers.created_at.type),
                                   bindparam("marker_id", type_=_servers.id.type)))
_ANCHOR = select(_servers.created_at, _servers.id).where(
    _servers.id == bindparam("marker_id"), _servers.project_id == bindparam("project_id"),
    _servers.deleted.is_(False))


def _views(result: Result[Any]) -> list[ServerView]:
    """The rows as ServerViews. A page's servers mostly share their security groups, metadata
    and fault texts: each distinct text is decoded once, and its value shared by the rows that
    hold it (views read these values, never change them)."""
    decoded: dict[str, Any] = {}
    return [_view(row, decoded) for row in result.all()]


def _view(row: Row[Any], decoded: dict[str, Any]) -> ServerView:
    values = list(row)
    for index in _JSON_INDEXES:
        text = values[index]
        if isinstance(text, str):
            value = decoded.get(text)
            if value is None:
                value = decoded[text] = orjson.loads(text)
            values[index] = value
    return ServerView._make(values)


async def get_server(s: AsyncSession, server_id: str, *, project_id: str,
                     is_admin: bool) -> ServerRow:
    query = select(ServerRow).where(ServerRow.id == server_id, ServerRow.deleted.is_(False))
    if not is_admin:
        query = query.where(ServerRow.project_id == project_id)
    row = await s.scalar(query)
    if row is None:
        raise not_found(server_id)
    return row


async def get_server_view(s: AsyncSession, server_id: str, *, project_id: str,
                          is_admin: bool) -> ServerView:
    """The columns the server views show (GET /servers/{id}), without the large ones."""
    if is_admin:
        row = (await s.execute(_SHOW, {"server_id": server_id})).first()
    else:
        row = (await s.execute(_SHOW_OWN, {"server_id": server_id,
                                           "project_id": project_id})).first()
    if row is None:
        raise not_found(server_id)
    return _view(row, {})


async def query_servers(s: AsyncSession, project_id: str | None, f: ServerFilters, *,
                        limit: int, marker: str | None) -> list[ServerView]:
    """Newest first, with the view columns; `project_id` None: every project's. Regular
    expressions (name, ip, ip6) are matched here, not in SQL."""
    if f == NO_FILTERS and project_id is not None:
        return await _page(s, project_id, limit, marker)
    conditions = _conditions(project_id, f)
    if conditions is None:
        return []
    query = select(*VIEW_COLUMNS).where(*conditions)
    if marker is not None:
        anchor = (await s.execute(select(ServerRow.created_at, ServerRow.id)
                                  .where(ServerRow.id == marker, *_scope(project_id, f)))).first()
        if anchor is None:
            raise errors.BadRequest(f"marker [{marker}] not found")
        # A row value keeps the (project_id, deleted, created_at, id) index range.
        query = query.where(tuple_(ServerRow.created_at, ServerRow.id) < tuple_(*anchor))
    query = query.order_by(ServerRow.created_at.desc(), ServerRow.id.desc())
    if not (f.name or f.ip or f.ip6):
        return _views(await s.execute(query.limit(limit)))
    rows = [r for r in _views(await s.execute(query)) if _search(f.name, r.name)]
    if f.ip or f.ip6:
        addresses = await networks.server_addresses(s, [r.id for r in rows])
        rows = [r for r in rows if _address_matches(f, addresses.get(r.id, []))]
    return rows[:limit]


async def _page(s: AsyncSession, project_id: str, limit: int,
                marker: str | None) -> list[ServerView]:
    """A project's servers without filters, with the prebuilt statements."""
    if marker is None:
        return _views(await s.execute(_PAGE, {"project_id": project_id, "limit": limit}))
    anchor = (await s.execute(_ANCHOR, {"marker_id": marker, "project_id": project_id})).first()
    if anchor is None:
        raise errors.BadRequest(f"marker [{marker}] not found")
    return _views(await s.execute(_PAGE_AFTER, {"project_id": project_id, "limit": limit,
                                                "created_at": anchor.created_at,
                                                "marker_id": anchor.id}))


def _scope(project_id: str | None, f: ServerFilters) -> list[ColumnElement[bool]]:
    scope = [] if project_id is None else [ServerRow.project_id == project_id]
    if f.changes_since is None:
        scope.append(ServerRow.deleted.is_(False))
    return scope


def _conditions(project_id: str | None, f: ServerFilters) -> list[ColumnElement[bool]] | None:
    conditions = _scope(project_id, f)
    if f.changes_since is not None:
        conditions.append(ServerRow.updated_at >= f.changes_since)
    for column, value in ((ServerRow.image_id, f.image_id), (ServerRow.flavor_id, f.flavor_id),
                          (ServerRow.reservation_id, f.reservation_id), (ServerRow.host, f.host),
                          (ServerRow.availability_zone, f.availability_zone),
                          (ServerRow.user_id, f.user_id)):
        if value is not None:
            conditions.append(column == value)
    if f.statuses:
        status = _status_condition(f.statuses)
        if status is None:
            return None
        conditions.append(status)
    return conditions


def _status_condition(statuses: tuple[str, ...]) -> ColumnElement[bool] | None:
    clauses: list[ColumnElement[bool]] = []
    for status in statuses:
        for match in status_matches(status):
            task = ServerRow.task_state
            either: list[ColumnElement[bool]] = \
                [task.in_([t.value for t in match.tasks])] if match.tasks else []
            if match.default and match.excluded:
                either.append(or_(task.is_(None), task.not_in([t.value for t in match.excluded])))
            elif match.default:
                either.append(true())
            clauses.append(and_(ServerRow.vm_state == match.vm_state.value, or_(*either)))
    return or_(*clauses) if clauses else None


def _search(pattern: str | None, text: str) -> bool:
    if pattern is None:
        return True
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return pattern in text


def _address_matches(f: ServerFilters, addresses: list[Address]) -> bool:
    return any((f.ip and a.version == 4 and _search(f.ip, a.addr))
               or (f.ip6 and a.version == 6 and _search(f.ip6, a.addr)) for a in addresses)


# --- use cases -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServerPage:
    servers: list[ServerView]
    # Each server's addresses, when asked for (the detailed listing).
    addresses: dict[str, list[Address]]


S = TypeVar("S", ServerRow, ServerView)


@dataclass(frozen=True, slots=True)
class AddressedServer(Generic[S]):
    """A server (its row, or its view columns) and its addresses: what a server view shows."""

    server: S
    addresses: list[Address]


async def list_servers(cloud: Cloud, caller: Caller, query: ServerQuery, *,
                       with_addresses: bool) -> ServerPage:
    """GET /servers (and /servers/detail, `with_addresses`)."""
    authorize(caller, "compute:servers:index")
    project_id: str | None = caller.project_id
    if query.all_tenants:
        authorize(caller, "compute:servers:all_tenants")
        project_id = query.tenant_id
    async with cloud.db.reader() as s:
        rows = await query_servers(s, project_id, query.filters, limit=query.limit,
                                   marker=query.marker)
        found = await networks.server_addresses(s, [r.id for r in rows]) if with_addresses else {}
    return ServerPage(rows, found)


async def show_server(cloud: Cloud, caller: Caller,
                      server_id: str) -> AddressedServer[ServerView]:
    """GET /servers/{id}: the view columns and the addresses."""
    authorize(caller, "compute:servers:show")
    async with cloud.db.reader() as s:
        row = await get_server_view(s, server_id, project_id=caller.project_id,
                                    is_admin=caller.is_admin)
        found = await networks.server_addresses(s, [row.id])
    return AddressedServer(row, found[row.id])


async def server_addresses(cloud: Cloud, caller: Caller, server_id: str) -> list[Address]:
    """The caller's server's addresses (os-ips)."""
    authorize(caller, "compute:ips:index")
    async with cloud.db.reader() as s:
        row = await get_server(s, server_id, project_id=caller.project_id,
                               is_admin=caller.is_admin)
        found = await networks.server_addresses(s, [row.id])
    return found[row.id]


async def load(s: AsyncSession, caller: Caller, server_id: str) -> ServerRow:
    """The caller's server (any project's for an admin); 404 for another project's."""
    return await get_server(s, server_id, project_id=caller.project_id, is_admin=caller.is_admin)
