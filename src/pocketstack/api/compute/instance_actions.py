"""os-instance-actions: what was asked of a server, by whom, and how each step of it went.

Per microversion, as Nova: deleted servers' actions from 2.21; events for every caller from
2.51 (tracebacks for admins only); paging (limit, marker, changes-since) and `updated_at`
from 2.58; each event's `hostId` (and `host` for admins) from 2.62; changes-before from
2.66; each event's `details` (admins) from 2.84; no query parameters on show from 2.102."""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.responses import Response

from pocketstack.api.compute import query_checks
from pocketstack.api.compute.microversions import since
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import instance_actions
from pocketstack.services.records import InstanceActionEventRow, InstanceActionRow
from pocketstack.timeutil import iso_plain

AREA = "instance actions"
DELETED_SERVERS = since("2.21", AREA, "list and show work for deleted servers")
EVENTS_FOR_ALL = since("2.51", AREA, "show returns events to non-admins too (traceback "
                                     "admin-only)")
PAGED = since("2.58", AREA, "list pages (limit, marker, changes-since; others 400); "
                            "actions show updated_at")
EVENT_HOSTS = since("2.62", AREA, "events show hostId (and host to admins)")
CHANGES_BEFORE = since("2.66", AREA, "list takes changes-before")
EVENT_DETAILS = since("2.84", AREA, "events show details (the fault message) to admins")
STRICT_SHOW = since("2.102", AREA, "show answers 400 to query parameters")


def _action(row: InstanceActionRow, *, updated: bool) -> dict[str, Any]:
    body = {"action": row.action, "instance_uuid": row.server_id, "message": row.message,
            "project_id": row.project_id, "request_id": row.request_id,
            "start_time": iso_plain(row.start_time), "user_id": row.user_id}
    if updated:
        body["updated_at"] = iso_plain(row.updated_at)
    return body


def _host_id(project_id: str, host: str) -> str:
    return hashlib.sha224((project_id + host).encode()).hexdigest() if host else ""


def _event(ctx: Ctx, row: InstanceActionEventRow, found: instance_actions.ActionDetail, *,
           details: bool) -> dict[str, Any]:
    event: dict[str, Any] = {"event": row.event, "finish_time": iso_plain(row.finish_time),
                             "result": row.result, "start_time": iso_plain(row.start_time)}
    if found.events_allowed:
        event["traceback"] = row.traceback
    host = row.host or found.api_host
    if found.events_allowed and ctx.version >= EVENT_HOSTS:
        event["host"] = host
    if ctx.version >= EVENT_HOSTS:
        event["hostId"] = _host_id(found.project_id, host)
    if details:
        event["details"] = row.details
    return event


def _page(ctx: Ctx) -> instance_actions.ActionPage:
    allowed = ["limit", "marker", "changes-since"]
    if ctx.version >= CHANGES_BEFORE:
        allowed.append("changes-before")
    query_checks.strict(ctx, allowed)
    limit, marker = query_checks.limit_and_marker(ctx)
    changes_since, changes_before = query_checks.changes_window(
        ctx, before=ctx.version >= CHANGES_BEFORE)
    return instance_actions.ActionPage(limit, marker, changes_since, changes_before)


async def list_actions(ctx: Ctx) -> Response:
    server_id = ctx.params["server_id"]
    page = _page(ctx) if ctx.version >= PAGED else None
    actions = await instance_actions.list_server_actions(
        ctx.cloud, ctx.caller, server_id, deleted=ctx.version >= DELETED_SERVERS, page=page)
    updated = ctx.version >= PAGED
    body: dict[str, Any] = {"instanceActions": [_action(a, updated=updated) for a in actions]}
    if page is not None:
        links = query_checks.next_links(ctx, f"servers/{server_id}/os-instance-actions",
                                        len(actions),
                                        actions[-1].request_id if actions else None)
        if links:
            body["links"] = links
    return json_response(body)


async def show_action(ctx: Ctx) -> Response:
    if ctx.version >= STRICT_SHOW:
        query_checks.strict(ctx, ())
    found = await instance_actions.show_server_action(
        ctx.cloud, ctx.caller, ctx.params["server_id"], ctx.params["request_id"],
        deleted=ctx.version >= DELETED_SERVERS)
    body = _action(found.action, updated=ctx.version >= PAGED)
    if found.events_allowed or ctx.version >= EVENTS_FOR_ALL:
        details = ctx.version >= EVENT_DETAILS and found.details_allowed
        body["events"] = [_event(ctx, e, found, details=details) for e in found.events]
    return json_response({"instanceAction": body})


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/os-instance-actions", list_actions),
    Route("GET", "/servers/{server_id}/os-instance-actions/{request_id}", show_action),
]
