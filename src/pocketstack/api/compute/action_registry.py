"""The registry behind POST /servers/{id}/action: one `@action("name")` line per action, and
the steps every state-changing action shares (authorize, load, lock check, record, wake).

    @action("pause")
    async def pause(ctx: Ctx, server_id: str, value: Any) -> Response:
        await request(ctx, server_id, Action.PAUSE, policy="compute:os-pause-server:pause")
        return empty(202)

A handler gets the body's value under its key (e.g. {"type": "HARD"} for "reboot", None for
{"pause": null}); it validates that value itself and answers 400 for a bad one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx
from pocketstack.compute_states import (
    TRANSITIONS,
    Action,
    TaskState,
    Transition,
    conflict_message,
)
from pocketstack.db.models import ServerRow
from pocketstack.db.wakes import wake_after_commit
from pocketstack.services import instance_actions, servers
from pocketstack.services.servers import Caller

ActionHandler = Callable[[Ctx, str, Any], Awaitable[Response]]
ACTIONS: dict[str, ActionHandler] = {}


def action(name: str) -> Callable[[ActionHandler], ActionHandler]:
    """Register the handler of the action body key `name`."""
    def register(handler: ActionHandler) -> ActionHandler:
        if name in ACTIONS:
            raise ValueError(f"server action {name!r} is registered twice")
        ACTIONS[name] = handler
        return handler
    return register


def caller(ctx: Ctx) -> Caller:
    return Caller(ctx.project_id, ctx.user.user_id, ctx.is_admin, ctx.request_id)


async def load(s: AsyncSession, ctx: Ctx, server_id: str) -> ServerRow:
    """The caller's server (any project's for an admin); 404 for another project's."""
    return await servers.get_server(s, server_id, project_id=ctx.project_id, is_admin=ctx.is_admin)


def check_transition(row: ServerRow, name: str, transition: Transition) -> None:
    """409 with Nova's message when `transition` is not allowed from the row's states."""
    message = conflict_message(name, transition, row.id, row.vm_state, row.task_state)
    if message is not None:
        raise errors.Conflict(message)


async def record(s: AsyncSession, ctx: Ctx, row: ServerRow, name: str) -> None:
    """The instance action os-instance-actions lists (its events come from the agent)."""
    await instance_actions.record_action(s, server_id=row.id, action=name,
                                         request_id=ctx.request_id, project_id=ctx.project_id,
                                         user_id=ctx.user.user_id)


def check_launched(row: ServerRow, name: str, transition: Transition) -> None:
    """Nova's must_have_launched: a server that never ran (an ERROR from scheduling) is in no
    state for the action, once its vm_state and task_state would allow it."""
    if row.launched_at is None and conflict_message(name, transition, row.id, row.vm_state,
                                                    row.task_state) is None:
        raise errors.Conflict(f"Instance {row.id} is in an invalid state for '{name}'")


async def request(ctx: Ctx, server_id: str, act: Action, *, policy: str,
                  pending: dict[str, Any] | None = None, task: TaskState | None = None,
                  check: Callable[[ServerRow], None] | None = None,
                  locked_ok: bool = False, must_have_launched: bool = True) -> ServerRow:
    """Load the caller's server (404), authorize (403), refuse a locked one (409, admins
    excepted), run `check`, record the action and its intent (TRANSITIONS[act]; `task`
    overrides the task it sets) in one transaction, then wake the server's agent."""
    async with ctx.cloud.db.session() as s:
        row = await load(s, ctx, server_id)
        ctx.authorize(policy, row.project_id)
        if not locked_ok:
            servers.check_unlocked(row, caller(ctx))
        if check is not None:
            check(row)
        if must_have_launched:
            check_launched(row, act.value, TRANSITIONS[act])
        await servers.request_action(s, row, act, pending=pending)
        if task is not None:
            row.task_state = task.value
            await s.flush()
        await record(s, ctx, row, act.value)
        wake_after_commit(s, row.host)
    return row
