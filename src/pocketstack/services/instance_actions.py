"""Instance actions and their events: what was asked of a server, by whom, and how each step
went (the records os-instance-actions shows). Written in the caller's transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.db.models import InstanceActionEventRow, InstanceActionRow
from pocketstack.timeutil import utcnow

SUCCESS = "Success"
ERROR = "Error"


async def record_action(s: AsyncSession, *, server_id: str, action: str, request_id: str,
                        project_id: str, user_id: str) -> InstanceActionRow:
    row = InstanceActionRow(server_id=server_id, action=action, request_id=request_id,
                            project_id=project_id, user_id=user_id, message=None,
                            start_time=utcnow(), updated_at=None)
    s.add(row)
    await s.flush()
    return row


async def latest_action(s: AsyncSession, server_id: str, action: str) -> InstanceActionRow | None:
    return await s.scalar(
        select(InstanceActionRow)
        .where(InstanceActionRow.server_id == server_id, InstanceActionRow.action == action)
        .order_by(InstanceActionRow.start_time.desc(), InstanceActionRow.id.desc()).limit(1))


async def start_event(s: AsyncSession, server_id: str, action: str, event: str, *,
                      host: str | None) -> None:
    """Open `event` under the server's latest `action`; a no-op if it is already open."""
    parent = await latest_action(s, server_id, action)
    if parent is None or await _open_event(s, parent.id, event) is not None:
        return
    s.add(InstanceActionEventRow(action_id=parent.id, event=event, result=None, traceback=None,
                                 host=host, start_time=utcnow(), finish_time=None))
    parent.updated_at = utcnow()
    await s.flush()


async def finish_event(s: AsyncSession, server_id: str, action: str, event: str, *,
                       result: str, host: str | None, traceback: str | None = None) -> None:
    """Close `event` (opening it first if nobody did); an error marks the action "Error"."""
    parent = await latest_action(s, server_id, action)
    if parent is None:
        return
    now = utcnow()
    row = await _open_event(s, parent.id, event)
    if row is None:
        row = InstanceActionEventRow(action_id=parent.id, event=event, host=host, start_time=now)
        s.add(row)
    row.result, row.traceback, row.finish_time = result, traceback, now
    parent.updated_at = now
    if result == ERROR:
        parent.message = ERROR
    await s.flush()


async def _open_event(s: AsyncSession, action_id: int, event: str) -> InstanceActionEventRow | None:
    return await s.scalar(
        select(InstanceActionEventRow)
        .where(InstanceActionEventRow.action_id == action_id, InstanceActionEventRow.event == event,
               InstanceActionEventRow.finish_time.is_(None))
        .order_by(InstanceActionEventRow.id.desc()).limit(1))


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
