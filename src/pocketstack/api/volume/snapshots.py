"""Block Storage API v3: snapshots (create, list, detail, show, update, delete, the admin
actions os-reset_status and os-force_delete) and metadata."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.api.volume import common
from pocketstack.api.volume import microversions as mv
from pocketstack.api.volume.views import snapshot_summary, snapshot_view
from pocketstack.services import volume_snapshots
from pocketstack.services.volume_snapshots import SnapshotFields

FILTERS = ("name", "status", "volume_id", "project_id", "metadata")


async def _list(ctx: Ctx, *, detail: bool) -> Response:
    limit, marker, offset = common.paging(ctx)
    filters = common.filters(ctx, FILTERS)
    rows, count = await volume_snapshots.list_snapshots(
        ctx.cloud, ctx.caller, filters, all_tenants=common.truthy(ctx.query.get("all_tenants")),
        limit=limit, marker=marker, offset=offset,
        sort=common.sort_keys(ctx, set(volume_snapshots.SORT_KEYS)))
    body: dict[str, Any] = {"snapshots": [snapshot_view(ctx, row) if detail
                                          else snapshot_summary(row) for row in rows]}
    if rows and len(rows) == limit:
        body["snapshots_links"] = common.next_link(
            ctx, "snapshots/detail" if detail else "snapshots", rows[-1].id, limit)
    if mv.at(ctx.version, mv.SUPPORT_COUNT_INFO) and common.truthy(ctx.query.get("with_count")):
        body["count"] = count
    return json_response(body)


async def list_snapshots(ctx: Ctx) -> Response:
    return await _list(ctx, detail=False)


async def list_snapshots_detail(ctx: Ctx) -> Response:
    return await _list(ctx, detail=True)


async def create_snapshot(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "snapshot")
    volume_id = body.get("volume_id")
    if volume_id is None and "volume_id" in body:
        # Cinder's schema allows a null volume_id, which no volume has.
        raise errors.NotFound("Volume None could not be found.")
    if not isinstance(volume_id, str):
        raise errors.BadRequest("Invalid input for field/attribute volume_id. Value: "
                                f"{volume_id!r}. 'volume_id' is a required property")
    force = body.get("force", False)
    fields = SnapshotFields(
        volume_id=volume_id,
        name=common.optional_text(body, "name") or common.optional_text(body, "display_name"),
        description=common.optional_text(body, "description"),
        force=force is True or common.truthy(str(force)),
        metadata=common.metadata(body.get("metadata") or {}))
    row = await volume_snapshots.create_snapshot(ctx.cloud, ctx.caller, fields)
    return json_response({"snapshot": snapshot_view(ctx, row, extended=False)}, 202)


async def show_snapshot(ctx: Ctx) -> Response:
    row = await volume_snapshots.show_snapshot(ctx.cloud, ctx.caller, ctx.params["snapshot_id"])
    return json_response({"snapshot": snapshot_view(ctx, row)})


async def update_snapshot(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "snapshot")
    changes: dict[str, Any] = {}
    for key, target in (("name", "name"), ("display_name", "name"),
                        ("description", "description"), ("display_description", "description")):
        if key in body:
            changes[target] = common.optional_text(body, key)
    if not changes:
        raise errors.BadRequest("Invalid input for field/attribute snapshot. Value: {}. {} does "
                                "not have enough properties")
    row = await volume_snapshots.update_snapshot(ctx.cloud, ctx.caller,
                                                 ctx.params["snapshot_id"], changes)
    return json_response({"snapshot": snapshot_view(ctx, row, extended=False)})


async def delete_snapshot(ctx: Ctx) -> Response:
    await volume_snapshots.delete_snapshot(ctx.cloud, ctx.caller, ctx.params["snapshot_id"])
    return empty(202)


async def snapshot_action(ctx: Ctx) -> Response:
    """os-reset_status and os-force_delete (admin), os-update_snapshot_status."""
    body = await ctx.json_object()
    snapshot_id = ctx.params["snapshot_id"]
    if set(body) == {"os-force_delete"}:
        await volume_snapshots.delete_snapshot(ctx.cloud, ctx.caller, snapshot_id, force=True)
        return empty(202)
    if set(body) == {"os-reset_status"}:
        status = common.reset_status_of(body, "os-reset_status")
        await volume_snapshots.reset_status(ctx.cloud, ctx.caller, snapshot_id, status)
        return empty(202)
    if set(body) == {"os-update_snapshot_status"}:
        status = common.reset_status_of(body, "os-update_snapshot_status")
        progress = body["os-update_snapshot_status"].get("progress")
        if progress is not None and not isinstance(progress, str):
            raise errors.BadRequest(f"Invalid input for field/attribute progress. Value: "
                                    f"{progress!r}. {progress!r} is not of type 'string'")
        await volume_snapshots.update_snapshot_status(ctx.cloud, ctx.caller, snapshot_id,
                                                      status, progress)
        return empty(202)
    raise errors.BadRequest(f"There is no such action: {', '.join(body) or None}")


async def show_metadata(ctx: Ctx) -> Response:
    row = await volume_snapshots.show_snapshot(ctx.cloud, ctx.caller, ctx.params["snapshot_id"])
    return json_response({"metadata": dict(row.metadata_)})


async def _set_metadata(ctx: Ctx, *, replace: bool) -> Response:
    metadata = common.metadata((await ctx.json_object()).get("metadata"))
    found = await volume_snapshots.set_metadata(ctx.cloud, ctx.caller, ctx.params["snapshot_id"],
                                                metadata, replace=replace)
    return json_response({"metadata": found})


async def create_metadata(ctx: Ctx) -> Response:
    return await _set_metadata(ctx, replace=False)


async def update_metadata(ctx: Ctx) -> Response:
    return await _set_metadata(ctx, replace=True)


async def show_metadata_item(ctx: Ctx) -> Response:
    snapshot_id, key = ctx.params["snapshot_id"], ctx.params["key"]
    row = await volume_snapshots.show_snapshot(ctx.cloud, ctx.caller, snapshot_id)
    if key not in row.metadata_:
        raise errors.NotFound(f"Snapshot {snapshot_id} has no metadata with key {key}.")
    return json_response({"meta": {key: row.metadata_[key]}})


async def update_metadata_item(ctx: Ctx) -> Response:
    key = ctx.params["key"]
    meta = common.metadata((await ctx.json_object()).get("meta"), "meta")
    common.one_item(meta, key)
    await volume_snapshots.set_metadata(ctx.cloud, ctx.caller, ctx.params["snapshot_id"], meta)
    return json_response({"meta": meta})


async def delete_metadata_item(ctx: Ctx) -> Response:
    await volume_snapshots.set_metadata(ctx.cloud, ctx.caller, ctx.params["snapshot_id"], None,
                                        remove=ctx.params["key"])
    return empty(200)


ROUTES: list[Route] = [
    Route("GET", "/snapshots", list_snapshots),
    Route("POST", "/snapshots", create_snapshot),
    Route("GET", "/snapshots/detail", list_snapshots_detail),
    Route("GET", "/snapshots/{snapshot_id}", show_snapshot),
    Route("PUT", "/snapshots/{snapshot_id}", update_snapshot),
    Route("DELETE", "/snapshots/{snapshot_id}", delete_snapshot),
    Route("POST", "/snapshots/{snapshot_id}/action", snapshot_action),
    Route("GET", "/snapshots/{snapshot_id}/metadata", show_metadata),
    Route("POST", "/snapshots/{snapshot_id}/metadata", create_metadata),
    Route("PUT", "/snapshots/{snapshot_id}/metadata", update_metadata),
    Route("GET", "/snapshots/{snapshot_id}/metadata/{key}", show_metadata_item),
    Route("PUT", "/snapshots/{snapshot_id}/metadata/{key}", update_metadata_item),
    Route("DELETE", "/snapshots/{snapshot_id}/metadata/{key}", delete_metadata_item),
]
