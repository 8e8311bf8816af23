"""Block Storage API v3: volumes (create, list, detail, show, update, delete) and metadata."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.api.volume import common
from pocketstack.api.volume import microversions as mv
from pocketstack.api.volume.views import volume_detail, volume_summary
from pocketstack.services import volume_actions, volumes
from pocketstack.services.volumes import VolumeFields, VolumeQuery

# Cinder's schemas bound sizes by its largest database integer (cinder/common/constants.py).
DB_MAX_INT = 0x7FFFFFFF
FILTERS = ("name", "status", "metadata", "bootable", "migration_status", "availability_zone",
           "group_id", "size", "created_at", "updated_at", "project_id", "volume_type")
CREATE_KEYS = {"size", "name", "description", "display_name", "display_description",
               "metadata", "volume_type", "availability_zone", "snapshot_id", "source_volid",
               "imageRef", "image_id", "multiattach", "consistencygroup_id", "group_id",
               "backup_id", "scheduler_hints", "source_replica"}


def _size(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= DB_MAX_INT:
        raise errors.BadRequest(f"Invalid input for field/attribute size. Value: {value!r}. "
                                f"{value!r} is not valid under any of the given schemas")
    return value


def volume_fields(body: dict[str, Any]) -> VolumeFields:
    unknown = sorted(set(body) - CREATE_KEYS)
    if unknown:
        raise errors.BadRequest(f"Invalid input for field/attribute volume. Additional "
                                f"properties are not allowed ({', '.join(map(repr, unknown))} "
                                "were unexpected)")
    return VolumeFields(
        size=_size(body.get("size")),
        name=common.optional_text(body, "name") or common.optional_text(body, "display_name"),
        description=common.optional_text(body, "description")
        or common.optional_text(body, "display_description"),
        metadata=common.metadata(body.get("metadata") or {}),
        volume_type=common.optional_text(body, "volume_type"),
        availability_zone=common.optional_text(body, "availability_zone"),
        snapshot_id=common.optional_text(body, "snapshot_id"),
        source_volid=common.optional_text(body, "source_volid"),
        image_ref=common.optional_text(body, "imageRef") or common.optional_text(body, "image_id"),
        multiattach=body.get("multiattach") is True,
        group_id=common.optional_text(body, "group_id"))


def _query(ctx: Ctx) -> VolumeQuery:
    limit, marker, offset = common.paging(ctx)
    return VolumeQuery(filters=common.filters(ctx, FILTERS),
                       sort=common.sort_keys(ctx, set(volumes.SORT_KEYS)), limit=limit,
                       marker=marker, offset=offset,
                       all_tenants=common.truthy(ctx.query.get("all_tenants")))


async def _list(ctx: Ctx, *, detail: bool) -> Response:
    query = _query(ctx)
    found, count = await volumes.list_volumes(ctx.cloud, ctx.caller, query)
    render = volume_detail if detail else volume_summary
    body: dict[str, Any] = {"volumes": [render(ctx, volume) for volume in found]}
    if found and query.limit is not None and len(found) == query.limit:
        body["volumes_links"] = common.next_link(
            ctx, "volumes/detail" if detail else "volumes", found[-1].row.id, query.limit)
    if mv.at(ctx.version, mv.SUPPORT_COUNT_INFO) and common.truthy(ctx.query.get("with_count")):
        body["count"] = count
    return json_response(body)


async def list_volumes(ctx: Ctx) -> Response:
    return await _list(ctx, detail=False)


async def list_volumes_detail(ctx: Ctx) -> Response:
    return await _list(ctx, detail=True)


async def show_summary(ctx: Ctx) -> Response:
    """Count and total size of the volumes a list would show (3.12); with 3.36 the distinct
    values of each metadata key."""
    query = VolumeQuery(filters=common.filters(ctx, FILTERS), sort=[],
                        all_tenants=common.truthy(ctx.query.get("all_tenants")))
    found, count = await volumes.list_volumes(ctx.cloud, ctx.caller, query)
    summary: dict[str, Any] = {"total_count": count,
                               "total_size": sum(volume.row.size for volume in found)}
    if mv.at(ctx.version, mv.VOLUME_SUMMARY_METADATA):
        distinct: dict[str, list[str]] = {}
        for volume in found:
            for key, value in volume.row.metadata_.items():
                if value not in distinct.setdefault(key, []):
                    distinct[key].append(value)
        summary["metadata"] = distinct
    return json_response({"volume-summary": summary})


async def create_volume(ctx: Ctx) -> Response:
    fields = volume_fields(await common.body_object(ctx, "volume"))
    volume = await volumes.create_volume(ctx.cloud, ctx.caller, fields)
    return json_response({"volume": volume_detail(ctx, volume, created=True)}, 202)


async def show_volume(ctx: Ctx) -> Response:
    volume = await volumes.show_volume(ctx.cloud, ctx.caller, ctx.params["volume_id"])
    return json_response({"volume": volume_detail(ctx, volume)})


async def update_volume(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "volume")
    changes: dict[str, Any] = {}
    for key, target in (("name", "name"), ("display_name", "name"),
                        ("description", "description"),
                        ("display_description", "description")):
        if key in body:
            changes[target] = common.optional_text(body, key)
    if "metadata" in body:
        changes["metadata"] = common.metadata(body["metadata"])
    if not changes:
        raise errors.BadRequest("Invalid input for field/attribute volume. Value: {}. {} does "
                                "not have enough properties")
    volume = await volumes.update_volume(ctx.cloud, ctx.caller, ctx.params["volume_id"], changes)
    return json_response({"volume": volume_detail(ctx, volume, created=True)})


async def delete_volume(ctx: Ctx) -> Response:
    force = mv.at(ctx.version, mv.VOLUME_DELETE_FORCE) and common.truthy(ctx.query.get("force"))
    await volumes.delete_volume(ctx.cloud, ctx.caller, ctx.params["volume_id"],
                                cascade=common.truthy(ctx.query.get("cascade")), force=force)
    return empty(202)


# --- metadata ------------------------------------------------------------------------------


async def show_metadata(ctx: Ctx) -> Response:
    found = await volume_actions.show_metadata(ctx.cloud, ctx.caller, ctx.params["volume_id"])
    return json_response({"metadata": found})


async def _set_metadata(ctx: Ctx, *, replace: bool) -> Response:
    body = await ctx.json_object()
    metadata = common.metadata(body.get("metadata"))
    found = await volume_actions.set_metadata(ctx.cloud, ctx.caller, ctx.params["volume_id"],
                                              metadata, replace=replace)
    return json_response({"metadata": found})


async def create_metadata(ctx: Ctx) -> Response:
    return await _set_metadata(ctx, replace=False)


async def update_metadata(ctx: Ctx) -> Response:
    return await _set_metadata(ctx, replace=True)


async def show_metadata_item(ctx: Ctx) -> Response:
    key = ctx.params["key"]
    value = await volume_actions.show_metadata_item(ctx.cloud, ctx.caller,
                                                    ctx.params["volume_id"], key)
    return json_response({"meta": {key: value}})


async def update_metadata_item(ctx: Ctx) -> Response:
    key = ctx.params["key"]
    meta = common.metadata((await ctx.json_object()).get("meta"), "meta")
    common.one_item(meta, key)
    await volume_actions.set_metadata(ctx.cloud, ctx.caller, ctx.params["volume_id"], meta,
                                      replace=False)
    return json_response({"meta": meta})


async def delete_metadata_item(ctx: Ctx) -> Response:
    await volume_actions.delete_metadata_item(ctx.cloud, ctx.caller, ctx.params["volume_id"],
                                              ctx.params["key"])
    return empty(200)


ROUTES: list[Route] = [
    Route("GET", "/volumes", list_volumes),
    Route("POST", "/volumes", create_volume),
    Route("GET", "/volumes/detail", list_volumes_detail),
    Route("GET", "/volumes/summary", show_summary,
          versions=(mv.VOLUME_SUMMARY.since, mv.MAX_VERSION)),
    Route("GET", "/volumes/{volume_id}", show_volume),
    Route("PUT", "/volumes/{volume_id}", update_volume),
    Route("DELETE", "/volumes/{volume_id}", delete_volume),
    Route("GET", "/volumes/{volume_id}/metadata", show_metadata),
    Route("POST", "/volumes/{volume_id}/metadata", create_metadata),
    Route("PUT", "/volumes/{volume_id}/metadata", update_metadata),
    Route("GET", "/volumes/{volume_id}/metadata/{key}", show_metadata_item),
    Route("PUT", "/volumes/{volume_id}/metadata/{key}", update_metadata_item),
    Route("DELETE", "/volumes/{volume_id}/metadata/{key}", delete_metadata_item),
]
