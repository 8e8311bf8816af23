"""Block Storage API v3: generic volume groups (3.13): create, list, detail, show, update
(name, description, add and remove volumes), the delete and reset_status (3.20) actions, and
create from a source group or a group snapshot (3.14)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.api.volume import common
from pocketstack.api.volume import microversions as mv
from pocketstack.services import volume_groups
from pocketstack.services.volume_groups import Group, GroupFields
from pocketstack.timeutil import iso_plain

SERVED = (mv.GROUP_VOLUME.since, mv.MAX_VERSION)
FROM_SOURCE_SERVED = (mv.GROUP_SNAPSHOTS.since, mv.MAX_VERSION)
FILTERS = ("name", "status", "availability_zone", "group_type_id", "list_volume")


def group_detail(ctx: Ctx, group: Group) -> dict[str, Any]:
    row = group.row
    body: dict[str, Any] = {
        "id": row.id, "status": row.status, "availability_zone": row.availability_zone,
        "created_at": iso_plain(row.created_at), "name": row.name,
        "description": row.description, "group_type": row.group_type_id,
        "volume_types": list(row.volume_type_ids)}
    version = ctx.version
    if mv.at(version, mv.GROUP_SNAPSHOTS):
        body["group_snapshot_id"] = row.group_snapshot_id
        body["source_group_id"] = row.source_group_id
    if mv.at(version, mv.GROUP_VOLUME_LIST) and common.truthy(ctx.query.get("list_volume")):
        body["volumes"] = list(group.volume_ids)
    if mv.at(version, mv.GROUP_REPLICATION):
        body["replication_status"] = "disabled"
    if ctx.is_admin and mv.at(version, mv.GROUP_GROUPSNAPSHOT_PROJECT_ID):
        body["project_id"] = row.project_id
    return body


def _type_list(value: Any) -> list[str]:
    if (not isinstance(value, list) or not value
            or not all(isinstance(item, str) and item for item in value)):
        raise errors.BadRequest("Invalid input for field/attribute volume_types. Value: "
                                f"{value!r}. 'volume_types' is a required property and must "
                                "be a non-empty list of volume type ids")
    return value


async def create_group(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "group")
    group_type = body.get("group_type")
    if not isinstance(group_type, str) or not group_type:
        raise errors.BadRequest("Invalid input for field/attribute group_type. Value: "
                                f"{group_type!r}. 'group_type' is a required property")
    fields = GroupFields(name=common.optional_text(body, "name"),
                         description=common.optional_text(body, "description"),
                         group_type=group_type, volume_types=_type_list(body.get("volume_types")),
                         availability_zone=common.optional_text(body, "availability_zone"))
    group = await volume_groups.create_group(ctx.cloud, ctx.caller, fields)
    return json_response({"group": {"id": group.row.id, "name": group.row.name}}, 202)


async def _list(ctx: Ctx, *, detail: bool) -> Response:
    limit, marker, offset = common.paging(ctx)
    filters = {key: value for key, value in common.filters(ctx, FILTERS).items()
               if not key.endswith("~") and key != "list_volume"}
    found = await volume_groups.list_groups(
        ctx.cloud, ctx.caller, all_tenants=common.truthy(ctx.query.get("all_tenants")),
        filters=filters, query_=volume_groups.ListQuery(
            sort=common.sort_keys(ctx, set(volume_groups.SORT_KEYS)), marker=marker,
            offset=offset, limit=limit))
    return json_response({"groups": [
        group_detail(ctx, group) if detail else {"id": group.row.id, "name": group.row.name}
        for group in found]})


async def list_groups(ctx: Ctx) -> Response:
    return await _list(ctx, detail=False)


async def list_groups_detail(ctx: Ctx) -> Response:
    return await _list(ctx, detail=True)


async def show_group(ctx: Ctx) -> Response:
    group = await volume_groups.show_group(ctx.cloud, ctx.caller, ctx.params["group_id"])
    return json_response({"group": group_detail(ctx, group)})


async def update_group(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "group")
    changes: dict[str, Any] = {key: common.optional_text(body, key)
                               for key in ("name", "description") if key in body}
    add = common.optional_text(body, "add_volumes", limit=65535)
    remove = common.optional_text(body, "remove_volumes", limit=65535)
    if not changes and not add and not remove:
        raise errors.BadRequest("Name, description, add_volumes, and remove_volumes can not "
                                "be all empty in the request body.")
    await volume_groups.update_group(ctx.cloud, ctx.caller, ctx.params["group_id"], changes,
                                     add, remove)
    return empty(202)


def _action(body: dict[str, Any], known: tuple[str, ...]) -> tuple[str, Any]:
    if len(body) != 1 or next(iter(body)) not in known:
        raise errors.BadRequest(f"There is no such action: {', '.join(body) or None}")
    name, inner = next(iter(body.items()))
    return name, inner


async def group_action(ctx: Ctx) -> Response:
    """delete (with delete-volumes) and reset_status (3.20, admin)."""
    known = ("delete", "reset_status") if mv.at(ctx.version, mv.GROUP_VOLUME_RESET_STATUS) \
        else ("delete",)
    name, inner = _action(await ctx.json_object(), known)
    group_id = ctx.params["group_id"]
    if not isinstance(inner, dict):
        raise errors.BadRequest(f"Invalid input for field/attribute {name}. Value: {inner!r}. "
                                f"{inner!r} is not of type 'object'")
    if name == "delete":
        flag = inner.get("delete-volumes", False)
        await volume_groups.delete_group(ctx.cloud, ctx.caller, group_id,
                                         delete_volumes=common.truthy(str(flag)))
        return empty(202)
    status = inner.get("status")
    if not isinstance(status, str):
        raise errors.BadRequest("Invalid input for field/attribute reset_status. "
                                "'status' is a required property")
    await volume_groups.reset_group_status(ctx.cloud, ctx.caller, group_id, status.lower())
    return empty(202)


async def create_from_source(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "create-from-src")
    group = await volume_groups.create_group_from_source(
        ctx.cloud, ctx.caller, common.optional_text(body, "name"),
        common.optional_text(body, "description"),
        source_group_id=common.optional_text(body, "source_group_id"),
        group_snapshot_id=common.optional_text(body, "group_snapshot_id"))
    return json_response({"group": {"id": group.row.id, "name": group.row.name}}, 202)


ROUTES: list[Route] = [
    Route("GET", "/groups", list_groups, versions=SERVED),
    Route("POST", "/groups", create_group, versions=SERVED),
    Route("GET", "/groups/detail", list_groups_detail, versions=SERVED),
    Route("POST", "/groups/action", create_from_source, versions=FROM_SOURCE_SERVED),
    Route("GET", "/groups/{group_id}", show_group, versions=SERVED),
    Route("PUT", "/groups/{group_id}", update_group, versions=SERVED),
    Route("POST", "/groups/{group_id}/action", group_action, versions=SERVED),
]
