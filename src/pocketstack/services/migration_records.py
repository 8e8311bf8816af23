"""Migration records (Nova's migrations table): one per move of a server, a resize, a cold or
live migration or an evacuation, kept in step with the instance action and events that record
the move. The action makes the record (from the server as the request left it: its host, the
destination the scheduler picked, the flavors), and each step's event moves its status on
where Nova's conductor and compute manager move it. Written in the caller's transaction
(services/instance_actions.py calls these); read by services/migrations.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.compute_states import Action
from pocketstack.db import pending
from pocketstack.db.models import MigrationRow, ServerRow
from pocketstack.timeutil import utcnow

RESIZE = "resize"
MIGRATION = "migration"
LIVE_MIGRATION = "live-migration"
EVACUATION = "evacuation"
COLD = (RESIZE, MIGRATION)
# The address the hypervisors API gives each host (os-hypervisors host_ip).
HOST_IP = "127.0.0.1"
# A live migration Nova counts as in progress (its server migrations show these).
LIVE_IN_PROGRESS = ("queued", "preparing", "running", "post-migrating")
# Where a move ends: no later step changes these.
FINAL = frozenset({"confirmed", "reverted", "completed", "error", "failed", "cancelled", "done"})
# The evacuate action (served from 2.1 when pocketstack evacuates).
EVACUATE = "evacuate"


@dataclass(frozen=True, slots=True)
class Start:
    """The move an action starts: its type and first status."""

    migration_type: str
    status: str


@dataclass(frozen=True, slots=True)
class Step:
    """What finishing an event does to the latest move of `types`: its status on success and
    on error; `follows` limits it to moves in those statuses (None: any that is not final)."""

    types: tuple[str, ...]
    ok: str
    error: str
    follows: frozenset[str] | None = None


STARTS: dict[str, Start] = {
    Action.RESIZE: Start(RESIZE, "pre-migrating"),
    Action.MIGRATE: Start(MIGRATION, "pre-migrating"),
    Action.LIVE_MIGRATE: Start(LIVE_MIGRATION, "accepted"),
    EVACUATE: Start(EVACUATION, "accepted"),
}
# Actions that take a finished cold move on (Nova's compute API sets these at once).
FOLLOW_UPS: dict[str, Step] = {
    Action.CONFIRM_RESIZE: Step(COLD, "confirming", "confirming", frozenset({"finished"})),
    Action.REVERT_RESIZE: Step(COLD, "reverting", "reverting", frozenset({"finished"})),
}
_COLD_STEPS = {
    "conductor_migrate_server": Step(COLD, "pre-migrating", "error"),
    "compute_resize_instance": Step(COLD, "post-migrating", "error"),
    "compute_finish_resize": Step(COLD, "finished", "error"),
}
STEPS: dict[tuple[str, str], Step] = {
    **{(Action.RESIZE, event): step for event, step in _COLD_STEPS.items()},
    **{(Action.MIGRATE, event): step for event, step in _COLD_STEPS.items()},
    (Action.CONFIRM_RESIZE, "compute_confirm_resize"): Step(COLD, "confirmed", "error"),
    (Action.REVERT_RESIZE, "compute_finish_revert_resize"): Step(COLD, "reverted", "error"),
    (Action.LIVE_MIGRATE, "conductor_live_migrate_instance"):
        Step((LIVE_MIGRATION,), "running", "error"),
    (Action.LIVE_MIGRATE, "compute_live_migration"): Step((LIVE_MIGRATION,), "completed", "error"),
    (EVACUATE, "conductor_rebuild_server"): Step((EVACUATION,), "pre-migrating", "error"),
    (EVACUATE, "compute_rebuild_instance"): Step((EVACUATION,), "done", "failed"),
}
# The actions whose records or events touch migrations (a set lookup for every other one).
TRACKED_ACTIONS = frozenset({*STARTS, *FOLLOW_UPS, *(action for action, _ in STEPS)})


async def latest(s: AsyncSession, server_id: str, types: tuple[str, ...]) -> MigrationRow | None:
    return await s.scalar(select(MigrationRow)
                          .where(MigrationRow.server_id == server_id,
                                 MigrationRow.migration_type.in_(types))
                          .order_by(MigrationRow.id.desc()).limit(1))


def _flavor_id(flavor: dict[str, object] | None) -> str | None:
    value = (flavor or {}).get("id")
    return None if value is None else str(value)


async def action_recorded(s: AsyncSession, server_id: str, action: str, *, user_id: str,
                          project_id: str) -> None:
    """A move's action was recorded: make its migration record, or take the move it
    follows (confirm, revert) on."""
    start = STARTS.get(action)
    if start is not None:
        row = await s.get(ServerRow, server_id)
        if row is None:
            return
        resize = start.migration_type == RESIZE
        dest = pending.destination_of(row.pending)
        now = utcnow()
        s.add(MigrationRow(
            uuid=str(uuid.uuid4()), server_id=server_id, migration_type=start.migration_type,
            status=start.status, source_compute=pending.source_of(row.pending) or row.host,
            source_node=row.node, dest_compute=dest, dest_node=dest,
            dest_host=HOST_IP if dest else None,
            old_flavor_id=_flavor_id(row.old_flavor) if resize and row.old_flavor
            else row.flavor_id,
            new_flavor_id=_flavor_id(row.new_flavor) if resize and row.new_flavor
            else row.flavor_id,
            user_id=user_id, project_id=project_id, hidden=False, created_at=now,
            updated_at=now))
        await s.flush()
        return
    follow = FOLLOW_UPS.get(action)
    if follow is not None:
        await _advance(s, server_id, follow, ok=True)


async def event_finished(s: AsyncSession, server_id: str, action: str, event: str, *,
                         ok: bool) -> None:
    """A step of a move finished: its migration record's status moves on."""
    step = STEPS.get((action, event))
    if step is not None:
        await _advance(s, server_id, step, ok=ok)


async def _advance(s: AsyncSession, server_id: str, step: Step, *, ok: bool) -> None:
    found = await latest(s, server_id, step.types)
    if found is None or found.status in FINAL:
        return
    if step.follows is not None and found.status not in step.follows:
        return
    if found.dest_compute is None:
        # An evacuation learns its destination when the scheduler has picked it.
        row = await s.get(ServerRow, server_id)
        dest = None if row is None else pending.destination_of(row.pending)
        if dest:
            found.dest_compute = found.dest_node = dest
            found.dest_host = HOST_IP
    status = step.ok if ok else step.error
    if status != found.status:
        found.status = status
    found.updated_at = utcnow()
    await s.flush()


def effective_status(migration: MigrationRow, server_host: str | None) -> str:
    """The status a client sees: a running live migration whose server its destination
    already holds is finishing there (Nova's post-migrating)."""
    if migration.migration_type == LIVE_MIGRATION and migration.status == "running" \
            and migration.dest_compute is not None and server_host == migration.dest_compute:
        return "post-migrating"
    return migration.status
