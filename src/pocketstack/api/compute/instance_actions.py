"""os-instance-actions: what was asked of a server, by whom, and (for admins, at 2.1) how each
step of it went."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.db.models import InstanceActionEventRow, InstanceActionRow
from pocketstack.services import instance_actions, servers
from pocketstack.services.policy import RULES
from pocketstack.timeutil import iso_plain


def _action(row: InstanceActionRow) -> dict[str, Any]:
    return {"action": row.action, "instance_uuid": row.server_id, "message": row.message,
            "project_id": row.project_id, "request_id": row.request_id,
            "start_time": iso_plain(row.start_time), "user_id": row.user_id}


def _event(row: InstanceActionEventRow, *, details: bool) -> dict[str, Any]:
    event = {"event": row.event, "finish_time": iso_plain(row.finish_time), "result": row.result,
             "start_time": iso_plain(row.start_time)}
    if details:
        event["traceback"] = row.traceback
    return event


def _may(ctx: Ctx, rule: str) -> bool:
    return ctx.is_admin or RULES.get(rule) != "admin"


async def list_actions(ctx: Ctx) -> Response:
    async with ctx.cloud.db.reader() as s:
        row = await servers.get_server(s, ctx.params["server_id"], project_id=ctx.project_id,
                                       is_admin=ctx.is_admin)
        ctx.authorize("compute:os-instance-actions:list", row.project_id)
        actions = await instance_actions.list_actions(s, row.id)
    return json_response({"instanceActions": [_action(a) for a in actions]})


async def show_action(ctx: Ctx) -> Response:
    request_id = ctx.params["request_id"]
    async with ctx.cloud.db.reader() as s:
        row = await servers.get_server(s, ctx.params["server_id"], project_id=ctx.project_id,
                                       is_admin=ctx.is_admin)
        ctx.authorize("compute:os-instance-actions:show", row.project_id)
        found = [a for a in await instance_actions.list_actions(s, row.id)
                 if a.request_id == request_id]
        if not found:
            raise errors.NotFound(f"Action {request_id} not found")
        events = await instance_actions.list_events(s, found[0].id)
    body = _action(found[0])
    if _may(ctx, "compute:os-instance-actions:events"):
        details = _may(ctx, "compute:os-instance-actions:events:details")
        body["events"] = [_event(e, details=details) for e in events]
    return json_response({"instanceAction": body})


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/os-instance-actions", list_actions),
    Route("GET", "/servers/{server_id}/os-instance-actions/{request_id}", show_action),
]
