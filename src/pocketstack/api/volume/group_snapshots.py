"""Block Storage API v3: group snapshots (3.14): create (a snapshot of each of the group's
volumes), list, detail, show, delete, and the reset_status action (3.19, admin)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.api.volume import common
from pocketstack.api.volume import microversions as mv
from pocketstack.services import volume_groups
from pocketstack.timeutil import iso_plain

SERVED = (mv.GROUP_SNAPSHOTS.since, mv.MAX_VERSION)
FILTERS = ("name", "status", "group_id")


def group_snapshot_detail(ctx: Ctx, row: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id, "group_id": row.group_id, "status": row.status,
        "created_at": iso_plain(row.created_at), "name": row.name,
        "description": row.description, "group_type_id": row.group_type_id}
    if ctx.is_admin and mv.at(ctx.version, mv.GROUP_GROUPSNAPSHOT_PROJECT_ID):
        body["project_id"] = row.project_id
    return body


async def create_group_snapshot(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "group_snapshot")
    group_id = body.get("group_id")
    if not isinstance(group_id, str) or not group_id:
        raise errors.BadRequest("Invalid input for field/attribute group_id. Value: "
                                f"{group_id!r}. 'group_id' is a required property")
    row = await volume_groups.create_group_snapshot(
        ctx.cloud, ctx.caller, group_id, common.optional_text(body, "name"),
        common.optional_text(body, "description"))
    return json_response({"group_snapshot": {"id": row.id, "name": row.name,
                                             "group_type_id": row.group_type_id}}, 202)


async def _list(ctx: Ctx, *, detail: bool) -> Response:
    limit, marker, offset = common.paging(ctx)
    filters = {key: value for key, value in common.filters(ctx, FILTERS).items()
               if not key.endswith("~")}
    rows = await volume_groups.list_group_snapshots(
        ctx.cloud, ctx.caller, all_tenants=common.truthy(ctx.query.get("all_tenants")),
        filters=filters, query_=volume_groups.ListQuery(
            sort=common.sort_keys(ctx, set(volume_groups.SORT_KEYS)), marker=marker,
            offset=offset, limit=limit))
    return json_response({"group_snapshots": [
        group_snapshot_detail(ctx, row) if detail else {"id": row.id, "name": row.name}
        for row in rows]})


async def list_group_snapshots(ctx: Ctx) -> Response:
    return await _list(ctx, detail=False)


async def list_group_snapshots_detail(ctx: Ctx) -> Response:
    return await _list(ctx, detail=True)


async def show_group_snapshot(ctx: Ctx) -> Response:
    row = await volume_groups.show_group_snapshot(ctx.cloud, ctx.caller,
                                                  ctx.params["group_snapshot_id"])
    return json_response({"group_snapshot": group_snapshot_detail(ctx, row)})


async def delete_group_snapshot(ctx: Ctx) -> Response:
    await volume_groups.delete_group_snapshot(ctx.cloud, ctx.caller,
                                              ctx.params["group_snapshot_id"])
    return empty(202)


async def group_snapshot_action(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    if (len(body) != 1 or "reset_status" not in body
            or not mv.at(ctx.version, mv.GROUP_SNAPSHOT_RESET_STATUS)):
        raise errors.BadRequest(f"There is no such action: {', '.join(body) or None}")
    status = common.reset_status_of(body, "reset_status")
    await volume_groups.reset_group_snapshot_status(ctx.cloud, ctx.caller,
                                                    ctx.params["group_snapshot_id"],
                                                    status.lower())
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/group_snapshots", list_group_snapshots, versions=SERVED),
    Route("POST", "/group_snapshots", create_group_snapshot, versions=SERVED),
    Route("GET", "/group_snapshots/detail", list_group_snapshots_detail, versions=SERVED),
    Route("GET", "/group_snapshots/{group_snapshot_id}", show_group_snapshot,
          versions=SERVED),
    Route("DELETE", "/group_snapshots/{group_snapshot_id}", delete_group_snapshot,
          versions=SERVED),
    Route("POST", "/group_snapshots/{group_snapshot_id}/action", group_snapshot_action,
          versions=SERVED),
]
