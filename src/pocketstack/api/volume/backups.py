"""Block Storage API v3: backups (create, list, detail, show, update 3.9, delete, restore,
the admin os-reset_status and os-force_delete, export and import of records)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.api.volume import common
from pocketstack.api.volume import microversions as mv
from pocketstack.services import volume_backups
from pocketstack.services.volume_backups import Backup, BackupFields
from pocketstack.timeutil import iso_plain

BACKUP_UPDATE = mv.Change(mv.parse("3.9"), "PUT /backups/{id}")
BACKUP_PROJECT = mv.Change(mv.parse("3.18"), "backups show their project (admin)")
BACKUP_METADATA = mv.Change(mv.parse("3.43"), "backups have metadata")
BACKUP_AZ = mv.Change(mv.parse("3.51"), "a backup create may name its availability zone")
BACKUP_PROJECT_USER_ID = mv.Change(mv.parse("3.56"), "backups show their user (admin)")

FILTERS = ("name", "status", "volume_id", "project_id")
CREATE_KEYS = {"volume_id", "container", "description", "incremental", "force", "name",
               "snapshot_id"}


def boolean(value: Any, name: str) -> bool:
    """Cinder's parameter_types.boolean: a JSON boolean or one of its strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no",
                                                     "on", "off", "t", "f", "y", "n"):
        return value.lower() in ("true", "1", "yes", "on", "t", "y")
    raise errors.BadRequest(f"Invalid input for field/attribute {name}. Value: {value!r}. "
                            f"{value!r} is not of type 'boolean'")


def _links(ctx: Ctx, backup_id: str) -> list[dict[str, str]]:
    return common.links(ctx, "backups", backup_id)


def summary(ctx: Ctx, backup: Backup) -> dict[str, Any]:
    return {"id": backup.row.id, "links": _links(ctx, backup.row.id), "name": backup.row.name}


def detail(ctx: Ctx, backup: Backup) -> dict[str, Any]:
    row = backup.row
    body: dict[str, Any] = {
        "availability_zone": row.availability_zone, "container": row.container,
        "created_at": iso_plain(row.created_at), "data_timestamp": iso_plain(row.data_timestamp),
        "description": row.description, "fail_reason": row.fail_reason,
        "has_dependent_backups": backup.has_dependent_backups, "id": row.id,
        "is_incremental": row.is_incremental, "links": _links(ctx, row.id), "name": row.name,
        "object_count": row.object_count, "size": row.size, "snapshot_id": row.snapshot_id,
        "status": row.status, "updated_at": iso_plain(row.updated_at), "volume_id": row.volume_id,
    }
    if mv.at(ctx.version, BACKUP_METADATA):
        body["metadata"] = dict(row.metadata_)
    if ctx.is_admin and mv.at(ctx.version, BACKUP_PROJECT):
        body["os-backup-project-attr:project_id"] = row.project_id
    if ctx.is_admin and mv.at(ctx.version, BACKUP_PROJECT_USER_ID):
        body["user_id"] = row.user_id
    return body


def _uuid_or_none(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > 36:
        raise errors.BadRequest(f"Invalid input for field/attribute {key}. Value: {value!r}. "
                                f"{value!r} is not a 'uuid'")
    return value


def backup_fields(ctx: Ctx, body: dict[str, Any]) -> BackupFields:
    allowed = set(CREATE_KEYS)
    if mv.at(ctx.version, BACKUP_METADATA):
        allowed.add("metadata")
    if mv.at(ctx.version, BACKUP_AZ):
        allowed.add("availability_zone")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise errors.BadRequest(f"Invalid input for field/attribute backup. Additional "
                                f"properties are not allowed ({', '.join(map(repr, unknown))} "
                                "were unexpected)")
    volume_id = _uuid_or_none(body, "volume_id")
    if volume_id is None:
        raise errors.BadRequest("Invalid input for field/attribute backup. Value: "
                                f"{body!r}. 'volume_id' is a required property")
    return BackupFields(
        volume_id=volume_id, name=common.optional_text(body, "name"),
        description=common.optional_text(body, "description"),
        container=common.optional_text(body, "container"),
        incremental=boolean(body.get("incremental", False), "incremental"),
        force=boolean(body.get("force", False), "force"),
        snapshot_id=_uuid_or_none(body, "snapshot_id"),
        availability_zone=common.optional_text(body, "availability_zone"),
        metadata=common.metadata(body.get("metadata") or {}))


async def create_backup(ctx: Ctx) -> Response:
    fields = backup_fields(ctx, await common.body_object(ctx, "backup"))
    backup = await volume_backups.create_backup(ctx.cloud, ctx.caller, fields)
    return json_response({"backup": summary(ctx, backup)}, 202)


async def _list(ctx: Ctx, *, with_detail: bool) -> Response:
    limit, marker, offset = common.paging(ctx)
    found, count = await volume_backups.list_backups(
        ctx.cloud, ctx.caller, common.filters(ctx, FILTERS),
        all_tenants=common.truthy(ctx.query.get("all_tenants")),
        sort=common.sort_keys(ctx, set(volume_backups.SORT_KEYS)), limit=limit,
        marker=marker, offset=offset)
    render = detail if with_detail else summary
    body: dict[str, Any] = {"backups": [render(ctx, backup) for backup in found]}
    if found and "limit" in ctx.query and len(found) == limit:
        body["backups_links"] = common.next_link(
            ctx, "backups/detail" if with_detail else "backups", found[-1].row.id, limit)
    if mv.at(ctx.version, mv.SUPPORT_COUNT_INFO) and common.truthy(ctx.query.get("with_count")):
        body["count"] = count
    return json_response(body)


async def list_backups(ctx: Ctx) -> Response:
    return await _list(ctx, with_detail=False)


async def list_backups_detail(ctx: Ctx) -> Response:
    return await _list(ctx, with_detail=True)


async def show_backup(ctx: Ctx) -> Response:
    backup = await volume_backups.show_backup(ctx.cloud, ctx.caller, ctx.params["backup_id"])
    return json_response({"backup": detail(ctx, backup)})


async def update_backup(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "backup")
    allowed = {"name", "description", *(["metadata"] if mv.at(ctx.version, BACKUP_METADATA)
                                         else [])}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise errors.BadRequest(f"Invalid input for field/attribute backup. Additional "
                                f"properties are not allowed ({', '.join(map(repr, unknown))} "
                                "were unexpected)")
    changes: dict[str, Any] = {key: common.optional_text(body, key)
                               for key in ("name", "description") if key in body}
    if "metadata" in body:
        changes["metadata"] = common.metadata(body["metadata"])
    backup = await volume_backups.update_backup(ctx.cloud, ctx.caller, ctx.params["backup_id"],
                                                changes)
    return json_response({"backup": summary(ctx, backup)})


async def delete_backup(ctx: Ctx) -> Response:
    await volume_backups.delete_backup(ctx.cloud, ctx.caller, ctx.params["backup_id"])
    return empty(202)


async def restore_backup(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    inner = body.get("restore")
    if not isinstance(inner, dict):
        raise errors.BadRequest(f"Invalid input for field/attribute restore. Value: {body!r}. "
                                "'restore' is a required property")
    unknown = sorted(set(inner) - {"volume_id", "name"})
    if unknown:
        raise errors.BadRequest(f"Invalid input for field/attribute restore. Additional "
                                f"properties are not allowed ({', '.join(map(repr, unknown))} "
                                "were unexpected)")
    restored = await volume_backups.restore_backup(
        ctx.cloud, ctx.caller, ctx.params["backup_id"], volume_id=_uuid_or_none(inner,
                                                                                "volume_id"),
        name=common.optional_text(inner, "name"))
    return json_response({"restore": {"backup_id": restored.backup_id,
                                      "volume_id": restored.volume_id,
                                      "volume_name": restored.volume_name}}, 202)


async def backup_action(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    backup_id = ctx.params["backup_id"]
    if set(body) == {"os-force_delete"}:
        await volume_backups.delete_backup(ctx.cloud, ctx.caller, backup_id, force=True)
        return empty(202)
    if set(body) == {"os-reset_status"}:
        status = common.reset_status_of(body, "os-reset_status")
        await volume_backups.reset_status(ctx.cloud, ctx.caller, backup_id, status)
        return empty(202)
    raise errors.BadRequest(f"There is no such action: {', '.join(body) or None}")


async def export_record(ctx: Ctx) -> Response:
    service, url = await volume_backups.export_record(ctx.cloud, ctx.caller,
                                                      ctx.params["backup_id"])
    return json_response({"backup-record": {"backup_service": service, "backup_url": url}})


async def import_record(ctx: Ctx) -> Response:
    record = await common.body_object(ctx, "backup-record")
    service, url = record.get("backup_service"), record.get("backup_url")
    if not isinstance(service, str) or not isinstance(url, str):
        raise errors.BadRequest("Invalid input for field/attribute backup-record. "
                                "'backup_service' and 'backup_url' are required properties")
    backup = await volume_backups.import_record(ctx.cloud, ctx.caller, service, url)
    return json_response({"backup": summary(ctx, backup)}, 201)


ROUTES: list[Route] = [
    Route("GET", "/backups", list_backups),
    Route("POST", "/backups", create_backup),
    Route("GET", "/backups/detail", list_backups_detail),
    Route("POST", "/backups/import_record", import_record),
    Route("GET", "/backups/{backup_id}", show_backup),
    Route("PUT", "/backups/{backup_id}", update_backup,
          versions=(BACKUP_UPDATE.since, mv.MAX_VERSION)),
    Route("DELETE", "/backups/{backup_id}", delete_backup),
    Route("POST", "/backups/{backup_id}/restore", restore_backup),
    Route("POST", "/backups/{backup_id}/action", backup_action),
    Route("GET", "/backups/{backup_id}/export_record", export_record),
]
