"""Instance actions and their events: what was asked of a server, by whom, and how each step
went (the records os-instance-actions shows). Written in the caller's transaction; read by
the os-instance-actions use cases at the end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    DateTime,
    Select,
    String,
    Table,
    bindparam,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import InstanceActionEventRow, InstanceActionRow, ServerRow
from pocketstack.services import migration_records
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import RULES, authorize
from pocketstack.services.servers import load, not_found
from pocketstack.timeutil import utcnow

SUCCESS = "Success"
ERROR = "Error"


_actions = cast(Table, InstanceActionRow.__table__)
_events = cast(Table, InstanceActionEventRow.__table__)
# Built once: every server action and every agent step writes these.
_INSERT_ACTION = insert(_actions)
_LATEST_ACTION_ID = (
    select(_actions.c.id)
    .where(_actions.c.server_id == bindparam("server_id"), _actions.c.action == bindparam("action"))
    .order_by(_actions.c.start_time.desc(), _actions.c.id.desc()).limit(1))
_OPEN_EVENT_ID = (
    select(_events.c.id)
    .where(_events.c.action_id == bindparam("b_action_id"), _events.c.event == bindparam("b_event"),
           _events.c.finish_time.is_(None))
    .order_by(_events.c.id.desc()).limit(1).scalar_subquery())
# Opens an event unless one of that name is open already (one statement, rowcount 0 or 1).
_OPEN_EVENT = insert(_events).from_select(
    ["action_id", "event", "host", "start_time"],
    select(bindparam("b_action_id"), bindparam("b_event"), bindparam("b_host"), bindparam("now"))
    .where(~exists().where(_events.c.action_id == bindparam("b_action_id"),
                           _events.c.event == bindparam("b_event"),
                           _events.c.finish_time.is_(None))))
_CLOSE_EVENT = (update(_events).where(_events.c.id == _OPEN_EVENT_ID)
                .values(result=bindparam("b_result"), traceback=bindparam("b_traceback"),
                        details=bindparam("b_details"), finish_time=bindparam("now")))
_INSERT_EVENT = insert(_events)
_TOUCH_ACTION = (update(_actions).where(_actions.c.id == bindparam("b_action_id"))
                 .values(updated_at=bindparam("now")))
_FAIL_ACTION = (update(_actions).where(_actions.c.id == bindparam("b_action_id"))
                .values(updated_at=bindparam("now"), message=ERROR))


async def record_action(s: AsyncSession, *, server_id: str, action: str, request_id: str,
                        project_id: str, user_id: str,
                        finished: tuple[str, str] | None = None) -> int:
    """Record that `action` was asked of a server; returns the action's id. `finished`
    (event, result) records an event that already happened with it (two statements). A
    move also gets its migration record (services/migration_records.py)."""
    now = utcnow()
    result = await s.execute(_INSERT_ACTION, {
        "server_id": server_id, "action": action, "request_id": request_id,
        "project_id": project_id, "user_id": user_id,
        "message": ERROR if finished is not None and finished[1] == ERROR else None,
        "start_time": now, "updated_at": now})
    action_id = int(result.inserted_primary_key[0])  # type: ignore[attr-defined]
    if finished is not None:
        event, outcome = finished
        await s.execute(_INSERT_EVENT, {"action_id": action_id, "event": event, "result": outcome,
                                        "traceback": None, "details": None, "host": None,
                                        "start_time": now, "finish_time": now})
    if action in migration_records.TRACKED_ACTIONS:
        await migration_records.action_recorded(s, server_id, action, user_id=user_id,
                                                project_id=project_id)
    return action_id


def fault_details(traceback: str | None) -> str | None:
    """A failed step's fault message from its traceback (Nova keeps the exception's message
    as the event's details): the last line's text after the exception's name, or the name
    when it has none."""
    if not traceback:
        return None
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    if not lines:
        return None
    name, _, message = lines[-1].partition(": ")
    return message.strip() or name.rsplit(".", 1)[-1].strip()


async def latest_action_id(s: AsyncSession, server_id: str, action: str) -> int | None:
    found = await s.scalar(_LATEST_ACTION_ID, {"server_id": server_id, "action": action})
    return None if found is None else int(found)


async def start_event(s: AsyncSession, server_id: str, action: str, event: str, *,
                      host: str | None) -> None:
    """Open `event` under the server's latest `action`; a no-op if it is already open."""
    action_id = await latest_action_id(s, server_id, action)
    if action_id is None:
        return
    now = utcnow()
    opened = await s.execute(_OPEN_EVENT, {"b_action_id": action_id, "b_event": event,
                                           "b_host": host, "now": now})
    if opened.rowcount:  # type: ignore[attr-defined]
        await s.execute(_TOUCH_ACTION, {"b_action_id": action_id, "now": now})


async def finish_event(s: AsyncSession, server_id: str, action: str, event: str, *,
                       result: str, host: str | None, traceback: str | None = None) -> None:
    """Close `event` (opening it first if nobody did); an error marks the action "Error". A
    move's migration record follows its steps."""
    action_id = await latest_action_id(s, server_id, action)
    if action_id is None:
        return
    now = utcnow()
    details = fault_details(traceback) if result == ERROR else None
    closed = await s.execute(_CLOSE_EVENT, {"b_action_id": action_id, "b_event": event,
                                            "b_result": result, "b_traceback": traceback,
                                            "b_details": details, "now": now})
    if not closed.rowcount:  # type: ignore[attr-defined]
        await s.execute(_INSERT_EVENT, {"action_id": action_id, "event": event, "result": result,
                                        "traceback": traceback, "details": details, "host": host,
                                        "start_time": now, "finish_time": now})
    await s.execute(_FAIL_ACTION if result == ERROR else _TOUCH_ACTION,
                    {"b_action_id": action_id, "now": now})
    if action in migration_records.TRACKED_ACTIONS:
        await migration_records.event_finished(s, server_id, action, event, ok=result != ERROR)


async def list_actions(s: AsyncSession, server_id: str) -> list[InstanceActionRow]:
    """Newest first, as os-instance-actions lists them."""
    rows = await s.scalars(select(InstanceActionRow).where(InstanceActionRow.server_id == server_id)
                           .order_by(InstanceActionRow.start_time.desc(), InstanceActionRow.id.desc()))
    return list(rows)


async def list_events(s: AsyncSession, action_id: int) -> list[InstanceActionEventRow]:
    rows = await s.scalars(select(InstanceActionEventRow)
                           .where(InstanceActionEventRow.action_id == action_id)
                           .order_by(InstanceActionEventRow.start_time, InstanceActionEventRow.id))
    return list(rows)


def _latest_actions(server_ids: list[str], action: str) -> Select[tuple[Any]]:
    """The ids of each server's latest `action` (ids grow with time)."""
    return (select(func.max(_actions.c.id))
            .where(_actions.c.server_id.in_(server_ids), _actions.c.action == action)
            .group_by(_actions.c.server_id))


async def start_events(s: AsyncSession, server_ids: list[str], action: str, event: str, *,
                       host: str | None) -> None:
    """start_event for many servers in three statements (a batch of builds)."""
    if not server_ids:
        return
    now = utcnow()
    latest = _latest_actions(server_ids, action)
    await s.execute(insert(_events).from_select(
        ["action_id", "event", "host", "start_time"],
        select(_actions.c.id, literal(event), literal(host, String), literal(now, DateTime))
        .where(_actions.c.id.in_(latest),
               ~exists().where(_events.c.action_id == _actions.c.id, _events.c.event == event,
                               _events.c.finish_time.is_(None)))))
    await s.execute(update(_actions).where(_actions.c.id.in_(latest)).values(updated_at=now))


async def finish_events(s: AsyncSession, server_ids: list[str], action: str, event: str, *,
                        result: str, host: str | None) -> None:
    """finish_event for many servers whose `event` is open (a batch of builds); a server
    without an open event gets a closed one."""
    if not server_ids:
        return
    now = utcnow()
    latest = _latest_actions(server_ids, action)
    await s.execute(update(_events)
                    .where(_events.c.action_id.in_(latest), _events.c.event == event,
                           _events.c.finish_time.is_(None))
                    .values(result=result, finish_time=now))
    await s.execute(insert(_events).from_select(
        ["action_id", "event", "result", "host", "start_time", "finish_time"],
        select(_actions.c.id, literal(event), literal(result), literal(host, String),
               literal(now, DateTime), literal(now, DateTime))
        .where(_actions.c.id.in_(latest),
               ~exists().where(_events.c.action_id == _actions.c.id, _events.c.event == event))))
    values: dict[str, Any] = {"updated_at": now}
    if result == ERROR:
        values["message"] = ERROR
    await s.execute(update(_actions).where(_actions.c.id.in_(latest)).values(**values))


# --- os-instance-actions -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionPage:
    """GET os-instance-actions from 2.58: at most `limit` actions after the one `marker`
    (a request id) names, updated in [changes_since, changes_before]."""

    limit: int
    marker: str | None = None
    changes_since: datetime | None = None
    changes_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class ActionDetail:
    """One instance action with its events, whether the caller's policy shows them (Nova's
    events rule: with tracebacks and hosts; before 2.51 nobody else sees events) and their
    details (2.84), and the project its events' hostIds are hashed with."""

    action: InstanceActionRow
    events: list[InstanceActionEventRow]
    events_allowed: bool
    details_allowed: bool
    project_id: str
    # The host of events recorded by the API (Nova's conductor host).
    api_host: str


async def _server(s: AsyncSession, caller: Caller, server_id: str, *,
                  deleted: bool) -> ServerRow:
    """The caller's server; with `deleted` (2.21), a deleted one too."""
    if not deleted:
        return await load(s, caller, server_id)
    query = select(ServerRow).where(ServerRow.id == server_id)
    if not caller.is_admin:
        query = query.where(ServerRow.project_id == caller.project_id)
    row = await s.scalar(query)
    if row is None:
        raise not_found(server_id)
    return row


async def list_server_actions(cloud: Cloud, caller: Caller, server_id: str, *,
                              deleted: bool = False,
                              page: ActionPage | None = None) -> list[InstanceActionRow]:
    """Newest first; a page of them when asked (400 for a marker the server has not)."""
    async with cloud.db.reader() as s:
        row = await _server(s, caller, server_id, deleted=deleted)
        authorize(caller, "compute:os-instance-actions:list", row.project_id)
        if page is None:
            return await list_actions(s, row.id)
        return await _page(s, row.id, page)


async def _page(s: AsyncSession, server_id: str, page: ActionPage) -> list[InstanceActionRow]:
    if page.limit == 0:
        return []
    query = select(InstanceActionRow).where(InstanceActionRow.server_id == server_id)
    if page.changes_since is not None:
        query = query.where(InstanceActionRow.updated_at >= page.changes_since)
    if page.changes_before is not None:
        query = query.where(InstanceActionRow.updated_at <= page.changes_before)
    if page.marker is not None:
        marker = await s.scalar(
            select(InstanceActionRow)
            .where(InstanceActionRow.server_id == server_id,
                   InstanceActionRow.request_id == page.marker)
            .order_by(InstanceActionRow.start_time.desc(), InstanceActionRow.id.desc()).limit(1))
        if marker is None:
            raise errors.BadRequest(f"Marker {page.marker} could not be found.")
        query = query.where(or_(
            InstanceActionRow.start_time < marker.start_time,
            (InstanceActionRow.start_time == marker.start_time)
            & (InstanceActionRow.id < marker.id)))
    rows = await s.scalars(query.order_by(InstanceActionRow.start_time.desc(),
                                          InstanceActionRow.id.desc()).limit(page.limit))
    return list(rows)


async def show_server_action(cloud: Cloud, caller: Caller, server_id: str,
                             request_id: str, *, deleted: bool = False) -> ActionDetail:
    """The action the request `request_id` recorded, with its events."""
    async with cloud.db.reader() as s:
        row = await _server(s, caller, server_id, deleted=deleted)
        authorize(caller, "compute:os-instance-actions:show", row.project_id)
        found = [a for a in await list_actions(s, row.id) if a.request_id == request_id]
        if not found:
            raise errors.NotFound(f"Action {request_id} not found")
        events = await list_events(s, found[0].id)
    return ActionDetail(found[0], events, _may(caller, "compute:os-instance-actions:events"),
                        _may(caller, "compute:os-instance-actions:events:details"),
                        found[0].project_id or row.project_id, cloud.settings.hostname)


def _may(caller: Caller, rule: str) -> bool:
    return caller.is_admin or RULES.get(rule) != "admin"
