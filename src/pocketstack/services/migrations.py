"""The migrations APIs' use cases: GET /os-migrations (every move, filtered and paged), and a
server's in-progress live migrations (GET /servers/{id}/migrations[/{id}]) with
force_complete and abort. The records themselves are kept by services/migration_records.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import TaskState, VmState, state_conflict
from pocketstack.db import pending
from pocketstack.db.models import MigrationRow, ServerRow
from pocketstack.services import instance_actions
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.migration_records import (
    LIVE_IN_PROGRESS,
    LIVE_MIGRATION,
    effective_status,
)
from pocketstack.services.policy import RULES, authorize
from pocketstack.services.server_lifecycle import check_unlocked, record
from pocketstack.services.servers import load
from pocketstack.timeutil import utcnow

FORCE_COMPLETE_ACTION = "live_migration_force_complete"
FORCE_COMPLETE_EVENT = "compute_live_migration_force_complete"
ABORT_ACTION = "live_migration_cancel"
ABORT_EVENT = "compute_live_migration_abort"
LIVE_MIGRATION_EVENT = "compute_live_migration"


@dataclass(frozen=True, slots=True)
class Move:
    """A migration record with the status its client sees (migration_records.effective_status)."""

    migration: MigrationRow
    status: str


@dataclass(frozen=True, slots=True)
class MigrationQuery:
    """GET /os-migrations: Nova's filters (None: not filtered), and paging from 2.59 (`paged`:
    newest first, at most `limit` after the migration whose uuid is `marker`)."""

    status: list[str] | None = None
    host: str | None = None
    source_compute: str | None = None
    node: str | None = None
    uuid: str | None = None
    migration_type: str | None = None
    hidden: bool | None = None
    instance_uuid: str | None = None
    user_id: str | None = None
    project_id: str | None = None
    changes_since: datetime | None = None
    changes_before: datetime | None = None
    paged: bool = False
    limit: int = 1000
    marker: str | None = None


@dataclass(frozen=True, slots=True)
class Moves:
    """Migrations as a list shows them; `show_host`: whether the caller may see their hosts."""

    moves: list[Move] = field(default_factory=list)
    show_host: bool = True


def _may(caller: Caller, rule: str) -> bool:
    return caller.is_admin or RULES.get(rule) != "admin"


def _visible() -> Select[MigrationRow, str | None]:
    """Migrations with their server's host; a deleted server's migrations are gone with it
    (Nova soft-deletes them with the instance)."""
    return (select(MigrationRow, ServerRow.host)
            .join(ServerRow, ServerRow.id == MigrationRow.server_id)
            .where(ServerRow.deleted.is_(False)))


async def list_migrations(cloud: Cloud, caller: Caller, query: MigrationQuery) -> Moves:
    authorize(caller, "compute:os-migrations:index")
    if not query.project_id or query.project_id != caller.scoped_project_id:
        authorize(caller, "compute:os-migrations:index:all_projects")
    show_host = _may(caller, "compute:os-migrations:index:host")
    if query.paged and query.limit == 0:
        return Moves([], show_host)
    statement = _visible()
    if query.status is not None:
        statement = statement.where(MigrationRow.status.in_(query.status))
    if query.host is not None:
        statement = statement.where(or_(MigrationRow.source_compute == query.host,
                                        MigrationRow.dest_compute == query.host))
    elif query.source_compute is not None:
        statement = statement.where(MigrationRow.source_compute == query.source_compute)
    if query.node is not None:
        statement = statement.where(or_(MigrationRow.source_node == query.node,
                                        MigrationRow.dest_node == query.node))
    for column, value in ((MigrationRow.migration_type, query.migration_type),
                          (MigrationRow.uuid, query.uuid),
                          (MigrationRow.hidden, query.hidden),
                          (MigrationRow.server_id, query.instance_uuid),
                          (MigrationRow.user_id, query.user_id),
                          (MigrationRow.project_id, query.project_id)):
        if value is not None:
            statement = statement.where(column == value)
    if query.changes_since is not None:
        statement = statement.where(MigrationRow.updated_at >= query.changes_since)
    if query.changes_before is not None:
        statement = statement.where(MigrationRow.updated_at <= query.changes_before)
    async with cloud.db.reader() as s:
        if query.paged:
            if query.marker is not None:
                marker = await s.scalar(select(MigrationRow)
                                        .where(MigrationRow.uuid == query.marker))
                if marker is None:
                    raise errors.BadRequest(f"Marker {query.marker} could not be found.")
                statement = statement.where(or_(
                    MigrationRow.created_at < marker.created_at,
                    (MigrationRow.created_at == marker.created_at)
                    & (MigrationRow.id < marker.id)))
            statement = statement.order_by(MigrationRow.created_at.desc(),
                                           MigrationRow.id.desc()).limit(query.limit)
        else:
            statement = statement.order_by(MigrationRow.id)
        rows = (await s.execute(statement)).all()
    moves = [Move(migration, effective_status(migration, host)) for migration, host in rows]
    return Moves(moves, show_host)


# --- a server's live migrations --------------------------------------------------------------


async def list_server_migrations(cloud: Cloud, caller: Caller, server_id: str) -> Moves:
    """The server's live migrations in progress."""
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:servers:migrations:index", row.project_id)
        rows = (await s.execute(_visible().where(
            MigrationRow.server_id == row.id, MigrationRow.migration_type == LIVE_MIGRATION)
            .order_by(MigrationRow.id))).all()
    moves = [Move(migration, effective_status(migration, host)) for migration, host in rows]
    return Moves([m for m in moves if m.status in LIVE_IN_PROGRESS],
                 _may(caller, "compute:servers:migrations:index:host"))


async def _migration(s: AsyncSession, server: ServerRow, migration_id: str) -> Move | None:
    if not migration_id.isdigit():
        return None
    found = await s.scalar(select(MigrationRow).where(MigrationRow.id == int(migration_id),
                                                      MigrationRow.server_id == server.id))
    return None if found is None else Move(found, effective_status(found, server.host))


async def show_server_migration(cloud: Cloud, caller: Caller, server_id: str,
                                migration_id: str) -> Move:
    async with cloud.db.reader() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:servers:migrations:show", row.project_id)
        move = await _migration(s, row, migration_id)
    if move is None:
        raise errors.NotFound(f"In-progress live migration {migration_id} is not found for "
                              f"server {server_id}.")
    if move.migration.migration_type != LIVE_MIGRATION:
        raise errors.NotFound(f"Migration {migration_id} for server {server_id} is not "
                              "live-migration.")
    if move.status not in LIVE_IN_PROGRESS:
        raise errors.NotFound(f"Live migration {migration_id} for server {server_id} is not "
                              "in progress.")
    return move


def _not_for_instance(migration_id: str, server_id: str) -> str:
    return f"Migration {migration_id} not found for instance {server_id}"


def _bad_state(migration_id: str, server_id: str, status: str, method: str) -> errors.BadRequest:
    return errors.BadRequest(f"Migration {migration_id} state of instance {server_id} is "
                             f"{status}. Cannot {method} while the migration is in this state.")


async def force_complete(cloud: Cloud, caller: Caller, server_id: str,
                         migration_id: str) -> None:
    """Ask a running live migration to finish now (Nova pauses or post-copies the guest);
    pocketstack's end at once anyway, so the request is recorded and done."""
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:servers:migrations:force_complete", row.project_id)
        check_unlocked(row, caller)
        if row.vm_state != VmState.ACTIVE:
            raise errors.Conflict(state_conflict("force_complete", row.id, "vm_state",
                                                 row.vm_state))
        if row.task_state != TaskState.MIGRATING:
            raise errors.Conflict(state_conflict("force_complete", row.id, "task_state",
                                                 row.task_state))
        move = await _migration(s, row, migration_id)
        if move is None:
            raise errors.BadRequest(_not_for_instance(migration_id, server_id))
        if move.status != "running":
            raise _bad_state(migration_id, row.id, move.status, "force complete")
        await record(s, caller, row, FORCE_COMPLETE_ACTION)
        await instance_actions.finish_event(s, row.id, FORCE_COMPLETE_ACTION,
                                            FORCE_COMPLETE_EVENT,
                                            result=instance_actions.SUCCESS, host=row.host)


async def abort(cloud: Cloud, caller: Caller, server_id: str, migration_id: str, *,
                queued_too: bool) -> None:
    """Cancel a live migration in progress (running; from 2.65 also queued or preparing):
    while its source still holds the server, the server stays there with its guest and the
    migration is cancelled."""
    async with cloud.db.session() as s:
        row = await load(s, caller, server_id)
        authorize(caller, "compute:servers:migrations:delete", row.project_id)
        check_unlocked(row, caller)
        if row.task_state != TaskState.MIGRATING:
            raise errors.Conflict(state_conflict("abort live migration", row.id, "task_state",
                                                 row.task_state))
        move = await _migration(s, row, migration_id)
        if move is None:
            raise errors.NotFound(_not_for_instance(migration_id, server_id))
        allowed = ("running", "queued", "preparing") if queued_too else ("running",)
        if move.status not in allowed:
            raise _bad_state(migration_id, row.id, move.status, "abort live migration")
        await record(s, caller, row, ABORT_ACTION)
        source = pending.source_of(row.pending) or move.migration.source_compute
        cancelled = await s.execute(
            update(ServerRow)
            .where(ServerRow.id == row.id, ServerRow.task_state == TaskState.MIGRATING.value,
                   ServerRow.host == source)
            .values(task_state=None, pending=None, updated_at=utcnow())
            .execution_options(synchronize_session=False))
        if cancelled.rowcount:  # type: ignore[attr-defined]
            move.migration.status = "cancelled"
            move.migration.updated_at = utcnow()
            await instance_actions.finish_event(s, row.id, ABORT_ACTION, ABORT_EVENT,
                                                result=instance_actions.SUCCESS, host=row.host)
            await instance_actions.finish_event(s, row.id, LIVE_MIGRATION, LIVE_MIGRATION_EVENT,
                                                result=instance_actions.SUCCESS, host=row.host)
        else:
            await instance_actions.finish_event(
                s, row.id, ABORT_ACTION, ABORT_EVENT, result=instance_actions.ERROR,
                host=row.host, traceback="MigrationError: the live migration has already "
                                         "moved the server to its destination")
        await s.flush()
