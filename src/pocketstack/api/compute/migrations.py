"""GET /os-migrations (every move of every server, admins) and a server's live migrations:
GET /servers/{id}/migrations[/{id}] (2.23), POST .../migrations/{id}/action force_complete
(2.22) and DELETE .../migrations/{id} (abort, 2.24; queued and preparing too from 2.65).

os-migrations per microversion, as Nova: migration_type, and links on in-progress live
migrations, from 2.23; paging (limit, marker: a uuid), changes-since, uuid, next links and no
unknown parameters from 2.59; changes-before from 2.66; user_id and project_id filters and
fields from 2.80."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute import query_checks
from pocketstack.api.compute.microversions import LEGACY_V2, serves, since
from pocketstack.api.compute.views_links import resource_links
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import migrations
from pocketstack.services.migration_records import LIVE_IN_PROGRESS, LIVE_MIGRATION
from pocketstack.timeutil import iso_plain
from pocketstack.validation import OSLO, invalid

AREA = "migrations"
SERVER_AREA = "server migrations"
TYPES_AND_LINKS = since("2.23", AREA, "migrations show migration_type; in-progress live "
                                      "migrations show links")
PAGED = since("2.59", AREA, "limit, marker (uuid), changes-since; uuid shown; next links; "
                            "unknown query parameters answer 400")
CHANGES_BEFORE = since("2.66", AREA, "changes-before filter")
USER_PROJECT = since("2.80", AREA, "user_id and project_id filters; user_id and project_id "
                                   "shown (also in server migrations)")
SERVER_UUID = since("2.59", SERVER_AREA, "server migrations show uuid")
SERVER_STRICT = since("2.102", SERVER_AREA, "list and show answer 400 to query parameters")
ABORT_QUEUED = since("2.65", SERVER_AREA, "abort also takes queued and preparing live "
                                          "migrations (pocketstack's run once accepted)")
FORCE_COMPLETE = serves("2.22", area=SERVER_AREA,
                        summary="POST /servers/{id}/migrations/{id}/action force_complete: "
                                "202 for a running live migration")
SERVER_MIGRATIONS = serves("2.23", area=SERVER_AREA,
                           summary="GET /servers/{id}/migrations[/{id}]: the server's "
                                   "in-progress live migrations")
ABORT = serves("2.24", area=SERVER_AREA,
               summary="DELETE /servers/{id}/migrations/{id}: abort a running live migration")

_V20_FILTERS = ("hidden", "host", "instance_uuid", "source_compute", "status", "migration_type")


def _flavor_number(flavor_id: str | None) -> int | None:
    """Nova's instance type ids are integers: a flavor id that is one, else null."""
    return int(flavor_id) if flavor_id is not None and flavor_id.isdigit() else None


def _last(ctx: Ctx, name: str) -> str | None:
    values = ctx.query.getlist(name)
    return values[-1] if values else None


def _query(ctx: Ctx) -> migrations.MigrationQuery:
    """Nova's filters. Before 2.59 any parameter is taken and the ones its database knows
    filter (user_id, project_id, node and uuid among them); from 2.59 only the schema's."""
    paged = ctx.version >= PAGED
    user_id = project_id = node = uuid = None
    if paged:
        allowed = [*_V20_FILTERS, "limit", "marker", "changes-since"]
        if ctx.version >= CHANGES_BEFORE:
            allowed.append("changes-before")
        if ctx.version >= USER_PROJECT:
            allowed += ["user_id", "project_id"]
        query_checks.strict(ctx, allowed)
        if ctx.version >= USER_PROJECT:
            user_id = query_checks.single(ctx, "user_id")
            project_id = query_checks.single(ctx, "project_id")
    else:
        user_id, project_id = _last(ctx, "user_id"), _last(ctx, "project_id")
        node, uuid = _last(ctx, "node"), _last(ctx, "uuid")
    hidden_text = _last(ctx, "hidden")
    limit, marker = query_checks.limit_and_marker(ctx) if paged else (0, None)
    changes_since, changes_before = query_checks.changes_window(
        ctx, before=ctx.version >= CHANGES_BEFORE) if paged else (None, None)
    status = _last(ctx, "status")
    return migrations.MigrationQuery(
        status=None if status is None else [status], host=_last(ctx, "host"),
        source_compute=_last(ctx, "source_compute"), node=node, uuid=uuid,
        migration_type=_last(ctx, "migration_type"),
        hidden=None if hidden_text is None else OSLO.parse(hidden_text),
        instance_uuid=_last(ctx, "instance_uuid"), user_id=user_id, project_id=project_id,
        changes_since=changes_since, changes_before=changes_before, paged=paged,
        limit=limit, marker=marker)


def _migration(ctx: Ctx, move: migrations.Move, show_host: bool) -> dict[str, Any]:
    m = move.migration
    body: dict[str, Any] = {
        "created_at": iso_plain(m.created_at), "dest_compute": m.dest_compute,
        "dest_host": m.dest_host, "dest_node": m.dest_node, "id": m.id,
        "instance_uuid": m.server_id, "new_instance_type_id": _flavor_number(m.new_flavor_id),
        "old_instance_type_id": _flavor_number(m.old_flavor_id),
        "source_compute": m.source_compute, "source_node": m.source_node,
        "status": move.status, "updated_at": iso_plain(m.updated_at)}
    if not show_host:
        for key in ("dest_compute", "dest_host", "dest_node", "source_compute", "source_node"):
            body[key] = None
    if ctx.version >= TYPES_AND_LINKS:
        body["migration_type"] = m.migration_type
        if m.migration_type == LIVE_MIGRATION and move.status in LIVE_IN_PROGRESS:
            body["links"] = resource_links(ctx, f"servers/{m.server_id}/migrations", str(m.id))
    if ctx.version >= PAGED:
        body["uuid"] = m.uuid
    if ctx.version >= USER_PROJECT:
        body["user_id"], body["project_id"] = m.user_id, m.project_id
    return body


async def list_migrations(ctx: Ctx) -> Response:
    query = _query(ctx)
    found = await migrations.list_migrations(ctx.cloud, ctx.caller, query)
    body: dict[str, Any] = {"migrations": [_migration(ctx, m, found.show_host)
                                           for m in found.moves]}
    if query.paged:
        links = query_checks.next_links(ctx, "os-migrations", len(found.moves),
                                        found.moves[-1].migration.uuid if found.moves else None)
        if links:
            body["migrations_links"] = links
    return json_response(body)


# --- a server's live migrations --------------------------------------------------------------


def _server_migration(ctx: Ctx, move: migrations.Move, show_host: bool) -> dict[str, Any]:
    m = move.migration
    body: dict[str, Any] = {
        "created_at": iso_plain(m.created_at), "dest_compute": None, "dest_host": None,
        "dest_node": None, "disk_processed_bytes": None, "disk_remaining_bytes": None,
        "disk_total_bytes": None, "id": m.id, "memory_processed_bytes": None,
        "memory_remaining_bytes": None, "memory_total_bytes": None,
        "server_uuid": m.server_id, "source_compute": None, "source_node": None,
        "status": move.status, "updated_at": iso_plain(m.updated_at)}
    if ctx.version >= SERVER_UUID:
        body["uuid"] = m.uuid
    if ctx.version >= USER_PROJECT:
        body["user_id"], body["project_id"] = m.user_id, m.project_id
    if show_host:
        body.update(dest_compute=m.dest_compute, dest_host=m.dest_host, dest_node=m.dest_node,
                    source_compute=m.source_compute, source_node=m.source_node)
    return body


async def list_server_migrations(ctx: Ctx) -> Response:
    if ctx.version >= SERVER_STRICT:
        query_checks.strict(ctx, ())
    found = await migrations.list_server_migrations(ctx.cloud, ctx.caller,
                                                    ctx.params["server_id"])
    return json_response({"migrations": [_server_migration(ctx, m, found.show_host)
                                         for m in found.moves]})


async def show_server_migration(ctx: Ctx) -> Response:
    if ctx.version >= SERVER_STRICT:
        query_checks.strict(ctx, ())
    move = await migrations.show_server_migration(ctx.cloud, ctx.caller,
                                                  ctx.params["server_id"],
                                                  ctx.params["migration_id"])
    return json_response({"migration": _server_migration(ctx, move, True)})


async def migration_action(ctx: Ctx) -> Response:
    body = await ctx.json()
    if not isinstance(body, dict):
        raise errors.BadRequest(f"{body!r} is not of type 'object'")
    if "force_complete" not in body:
        raise errors.BadRequest("'force_complete' is a required property")
    extra = sorted(set(body) - {"force_complete"})
    if extra and ctx.version != LEGACY_V2:
        listed = ", ".join(repr(k) for k in extra)
        raise errors.BadRequest(f"Additional properties are not allowed ({listed} "
                                f"{'was' if len(extra) == 1 else 'were'} unexpected)")
    if body["force_complete"] is not None:
        value = body["force_complete"]
        raise invalid("force_complete", value, f"{value!r} is not of type 'null'")
    await migrations.force_complete(ctx.cloud, ctx.caller, ctx.params["server_id"],
                                    ctx.params["migration_id"])
    return empty(202)


async def abort_migration(ctx: Ctx) -> Response:
    await migrations.abort(ctx.cloud, ctx.caller, ctx.params["server_id"],
                           ctx.params["migration_id"], queued_too=ctx.version >= ABORT_QUEUED)
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/os-migrations", list_migrations),
    Route("GET", "/servers/{server_id}/migrations", list_server_migrations,
          versions=SERVER_MIGRATIONS),
    Route("GET", "/servers/{server_id}/migrations/{migration_id}", show_server_migration,
          versions=SERVER_MIGRATIONS),
    Route("DELETE", "/servers/{server_id}/migrations/{migration_id}", abort_migration,
          versions=ABORT),
    Route("POST", "/servers/{server_id}/migrations/{migration_id}/action", migration_action,
          versions=FORCE_COMPLETE),
]
