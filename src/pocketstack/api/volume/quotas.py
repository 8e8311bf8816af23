"""Block Storage API v3: absolute limits and quota sets (show, defaults, usage, update and
delete for admins)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.api.volume import common
from pocketstack.api.volume.volumes import DB_MAX_INT
from pocketstack.services import volume_quota_classes, volume_quotas
from pocketstack.services.volume_quotas import Usage


async def show_limits(ctx: Ctx) -> Response:
    limits, usage = await volume_quotas.absolute_limits(ctx.cloud, ctx.caller)
    return json_response({"limits": {"rate": [], "absolute": {
        "totalSnapshotsUsed": usage.snapshots, "maxTotalBackups": limits["backups"],
        "maxTotalVolumeGigabytes": limits["gigabytes"], "maxTotalSnapshots": limits["snapshots"],
        "maxTotalBackupGigabytes": limits["backup_gigabytes"], "totalBackupGigabytesUsed": usage.of("backup_gigabytes"),
        "maxTotalVolumes": limits["volumes"], "totalVolumesUsed": usage.volumes,
        "totalBackupsUsed": usage.of("backups"), "totalGigabytesUsed": usage.gigabytes}}})


def _quota_set(project_id: str, limits: dict[str, int], usage: Usage | None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": project_id}
    for resource, limit in sorted(limits.items()):
        if usage is None:
            body[resource] = limit
        else:
            body[resource] = {"limit": limit, "in_use": usage.of(resource), "reserved": 0}
    return body


async def show_quotas(ctx: Ctx) -> Response:
    project_id = ctx.params["target_project_id"]
    limits, usage = await volume_quotas.show_quotas(ctx.cloud, ctx.caller, project_id)
    with_usage = common.truthy(ctx.query.get("usage"))
    return json_response({"quota_set": _quota_set(project_id, limits,
                                                  usage if with_usage else None)})


async def show_default_quotas(ctx: Ctx) -> Response:
    defaults = await volume_quotas.show_defaults(ctx.cloud, ctx.caller)
    return json_response({"quota_set": _quota_set(ctx.params["target_project_id"], defaults,
                                                  None)})


def _limit(key: str, value: Any) -> int:
    """One quota-set value: an integer from -1 (unlimited) to Cinder's largest."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise errors.BadRequest(f"Invalid input received: Quota '{key}' must be an integer.")
    try:
        limit = int(value)
    except ValueError:
        raise errors.BadRequest(f"Invalid input received: Quota '{key}' must be an "
                                "integer.") from None
    if not -1 <= limit <= DB_MAX_INT:
        raise errors.BadRequest(f"Invalid input received: Quota limit {limit} for '{key}' "
                                f"must be between -1 and {DB_MAX_INT}.")
    return limit


async def update_quotas(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "quota_set")
    changes = {key: _limit(key, value) for key, value in body.items()
               if key not in ("tenant_id", "id")}
    project_id = ctx.params["target_project_id"]
    limits = await volume_quotas.update_quotas(ctx.cloud, ctx.caller, project_id, changes)
    rendered = _quota_set(project_id, limits, None)
    rendered.pop("id")
    return json_response({"quota_set": rendered})


async def delete_quotas(ctx: Ctx) -> Response:
    await volume_quotas.delete_quotas(ctx.cloud, ctx.caller, ctx.params["target_project_id"])
    return empty(200)


async def show_quota_class(ctx: Ctx) -> Response:
    name = ctx.params["class_name"]
    limits = await volume_quota_classes.show_class(ctx.cloud, ctx.caller, name)
    return json_response({"quota_class_set": {"id": name, **dict(sorted(limits.items()))}})


async def update_quota_class(ctx: Ctx) -> Response:
    body = await common.body_object(ctx, "quota_class_set")
    changes = {key: _limit(key, value) for key, value in body.items()
               if key not in ("class_name", "id")}
    limits = await volume_quota_classes.update_class(ctx.cloud, ctx.caller,
                                                     ctx.params["class_name"], changes)
    return json_response({"quota_class_set": dict(sorted(limits.items()))})


ROUTES: list[Route] = [
    Route("GET", "/os-quota-class-sets/{class_name}", show_quota_class),
    Route("PUT", "/os-quota-class-sets/{class_name}", update_quota_class),
    Route("GET", "/limits", show_limits),
    Route("GET", "/os-quota-sets/{target_project_id}", show_quotas),
    Route("PUT", "/os-quota-sets/{target_project_id}", update_quotas),
    Route("DELETE", "/os-quota-sets/{target_project_id}", delete_quotas),
    Route("GET", "/os-quota-sets/{target_project_id}/defaults", show_default_quotas),
]
