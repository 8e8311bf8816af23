"""os-instance-actions: what was asked of a server, by whom, and (for admins, at 2.1) how each
step of it went."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import instance_actions
from pocketstack.services.records import InstanceActionEventRow, InstanceActionRow
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


async def list_actions(ctx: Ctx) -> Response:
    actions = await instance_actions.list_server_actions(ctx.cloud, ctx.caller,
                                                         ctx.params["server_id"])
    return json_response({"instanceActions": [_action(a) for a in actions]})


async def show_action(ctx: Ctx) -> Response:
    found = await instance_actions.show_server_action(ctx.cloud, ctx.caller,
                                                      ctx.params["server_id"],
                                                      ctx.params["request_id"])
    body = _action(found.action)
    if found.events is not None:
        body["events"] = [_event(e, details=found.details) for e in found.events]
    return json_response({"instanceAction": body})


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/os-instance-actions", list_actions),
    Route("GET", "/servers/{server_id}/os-instance-actions/{request_id}", show_action),
]
