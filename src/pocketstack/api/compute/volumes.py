"""The compute API's block storage proxies (Nova's os-volumes, os-snapshots and the seed's
os-volume-types): served under /v2 and up to 2.35 under /v2.1 (404 from 2.36, Nova's
MAX_PROXY_API_SUPPORT_VERSION), over the block storage service's volumes, snapshots and types,
with Nova's camelCase views. And os-volumes_boot, Nova's old name for the servers resource
(create, list, show, update, delete, actions), until 2.102."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute import server_actions, servers
from pocketstack.api.compute.microversions import serves
from pocketstack.api.compute.views_links import resource_links
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import volume_snapshots, volume_types, volumes
from pocketstack.services.records import VolumeAttachmentRow
from pocketstack.services.volume_snapshots import SnapshotFields
from pocketstack.services.volumes import Volume, VolumeFields, VolumeQuery
from pocketstack.timeutil import iso_plain
from pocketstack.validation import invalid, nova_boolean

PROXY = serves("2.0", "2.35", area="volumes (proxy)",
               summary="os-volumes, os-snapshots, os-volume-types (proxies to block storage)")
VOLUMES_BOOT = serves("2.0", "2.102", area="servers (os-volumes_boot)",
                      summary="/os-volumes_boot: the servers resource by its old name")
VOLUME_KEYS = {"volume_type", "metadata", "snapshot_id", "size", "availability_zone",
               "display_name", "display_description"}
SNAPSHOT_KEYS = {"volume_id", "force", "display_name", "display_description"}


# --- views -----------------------------------------------------------------------------------


def _attachment(row: VolumeAttachmentRow) -> dict[str, Any]:
    body: dict[str, Any] = {"id": row.volume_id, "volumeId": row.volume_id,
                            "serverId": row.server_id}
    if row.device:
        body["device"] = row.device
    return body


def volume_view(volume: Volume) -> dict[str, Any]:
    """Nova's volume view: one attachment shown (or [{}] for none), camelCase names."""
    row = volume.row
    attached = [a for a in volume.attachments if a.status == "attached"]
    return {
        "id": row.id, "status": row.status, "size": row.size,
        "availabilityZone": row.availability_zone, "createdAt": iso_plain(row.created_at),
        "attachments": [_attachment(attached[0])] if row.attach_status == "attached"
        and attached else [{}],
        "displayName": row.name, "displayDescription": row.description,
        "volumeType": volume.type_name, "snapshotId": row.snapshot_id,
        "metadata": dict(row.metadata_ or {}),
    }


def snapshot_view(row: Any) -> dict[str, Any]:
    return {"id": row.id, "volumeId": row.volume_id, "status": row.status, "size": row.size,
            "createdAt": iso_plain(row.created_at), "displayName": row.name,
            "displayDescription": row.description}


def type_view(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "extra_specs": dict(row.extra_specs or {})}


# --- input -----------------------------------------------------------------------------------


def _body(ctx: Ctx, body: Any, root: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(body, dict) or root not in body:
        raise errors.BadRequest(f"'{root}' is a required property")
    value = body[root]
    if not isinstance(value, dict):
        raise invalid(root, value, f"{value!r} is not of type 'object'")
    extra = sorted(set(value) - allowed)
    if extra:
        listed = ", ".join(repr(k) for k in extra)
        raise invalid(root, value, f"Additional properties are not allowed ({listed} "
                                   f"{'was' if len(extra) == 1 else 'were'} unexpected)")
    for key in allowed - {"metadata", "size", "force"}:
        if key in value and not isinstance(value[key], str):
            raise invalid(key, value[key], f"{value[key]!r} is not of type 'string'")
    return value


def _size(value: Any) -> int:
    text = str(value)
    if isinstance(value, bool) or not isinstance(value, int | str) or not text.isdigit() \
            or int(text) < 1:
        raise invalid("size", value, f"{value!r} is not valid under any of the given schemas")
    return int(text)


def _over_quota(exc: errors.ApiError) -> errors.ApiError:
    """Nova answers the volume service's over-quota as 403."""
    return errors.Forbidden(exc.message) if exc.code == 413 else exc


def _page(ctx: Ctx) -> tuple[int, int | None]:
    values = {}
    for key in ("offset", "limit"):
        text = ctx.query.get(key)
        if text is not None and not text.isdigit():
            raise errors.BadRequest(f"Invalid input for query parameters {key}. Value: {text}. "
                                    f"'{text}' does not match '^[0-9]*$'")
        values[key] = int(text) if text else None
    return values["offset"] or 0, values["limit"]


# --- os-volumes ------------------------------------------------------------------------------


async def _list_volumes(ctx: Ctx) -> Response:
    offset, limit = _page(ctx)
    found, _ = await volumes.list_volumes(ctx.cloud, ctx.caller, VolumeQuery(
        filters={}, sort=[], limit=min(limit or 1000, 1000), offset=offset))
    return json_response({"volumes": [volume_view(v) for v in found]})


async def show_volume(ctx: Ctx) -> Response:
    found = await volumes.show_volume(ctx.cloud, ctx.caller, ctx.params["volume_id"])
    return json_response({"volume": volume_view(found)})


async def create_volume(ctx: Ctx) -> Response:
    value = _body(ctx, await ctx.json(), "volume", VOLUME_KEYS)
    if "size" not in value:
        raise invalid("volume", value, "'size' is a required property")
    metadata = value.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise invalid("metadata", metadata, f"{metadata!r} is not of type 'object'")
    fields = VolumeFields(
        size=_size(value["size"]), name=value.get("display_name"),
        description=value.get("display_description"),
        metadata={str(k): str(v) for k, v in metadata.items()},
        volume_type=value.get("volume_type"), availability_zone=value.get("availability_zone"),
        snapshot_id=value.get("snapshot_id"))
    try:
        made = await volumes.create_volume(ctx.cloud, ctx.caller, fields)
    except errors.ApiError as exc:
        raise _over_quota(exc) from None
    location = resource_links(ctx, "os-volumes", made.row.id)[0]["href"]
    return json_response({"volume": volume_view(made)}, headers={"Location": location})


async def delete_volume(ctx: Ctx) -> Response:
    await volumes.delete_volume(ctx.cloud, ctx.caller, ctx.params["volume_id"])
    return empty(202)


# --- os-snapshots ----------------------------------------------------------------------------


async def _list_snapshots(ctx: Ctx) -> Response:
    offset, limit = _page(ctx)
    rows, _ = await volume_snapshots.list_snapshots(
        ctx.cloud, ctx.caller, {}, all_tenants=False, limit=min(limit or 1000, 1000),
        marker=None, offset=offset)
    return json_response({"snapshots": [snapshot_view(row) for row in rows]})


async def show_snapshot(ctx: Ctx) -> Response:
    row = await volume_snapshots.show_snapshot(ctx.cloud, ctx.caller, ctx.params["snapshot_id"])
    return json_response({"snapshot": snapshot_view(row)})


async def create_snapshot(ctx: Ctx) -> Response:
    value = _body(ctx, await ctx.json(), "snapshot", SNAPSHOT_KEYS)
    if "volume_id" not in value:
        raise invalid("snapshot", value, "'volume_id' is a required property")
    fields = SnapshotFields(volume_id=value["volume_id"], name=value.get("display_name"),
                            description=value.get("display_description"),
                            force=nova_boolean("force", value.get("force", False)),
                            metadata={})
    try:
        row = await volume_snapshots.create_snapshot(ctx.cloud, ctx.caller, fields)
    except errors.ApiError as exc:
        raise _over_quota(exc) from None
    return json_response({"snapshot": snapshot_view(row)})


async def delete_snapshot(ctx: Ctx) -> Response:
    await volume_snapshots.delete_snapshot(ctx.cloud, ctx.caller, ctx.params["snapshot_id"])
    return empty(202)


# --- os-volume-types -------------------------------------------------------------------------


async def list_types(ctx: Ctx) -> Response:
    rows = await volume_types.list_types(ctx.cloud, ctx.caller, None)
    return json_response({"volume_types": [type_view(row) for row in rows]})


async def show_type(ctx: Ctx) -> Response:
    row = await volume_types.show_type(ctx.cloud, ctx.caller, ctx.params["type_id"])
    return json_response({"volume_type": type_view(row)})


ROUTES: list[Route] = [
    Route("GET", "/os-volumes", _list_volumes, versions=PROXY),
    Route("GET", "/os-volumes/detail", _list_volumes, versions=PROXY),
    Route("POST", "/os-volumes", create_volume, versions=PROXY),
    Route("GET", "/os-volumes/{volume_id}", show_volume, versions=PROXY),
    Route("DELETE", "/os-volumes/{volume_id}", delete_volume, versions=PROXY),
    Route("GET", "/os-snapshots", _list_snapshots, versions=PROXY),
    Route("GET", "/os-snapshots/detail", _list_snapshots, versions=PROXY),
    Route("POST", "/os-snapshots", create_snapshot, versions=PROXY),
    Route("GET", "/os-snapshots/{snapshot_id}", show_snapshot, versions=PROXY),
    Route("DELETE", "/os-snapshots/{snapshot_id}", delete_snapshot, versions=PROXY),
    Route("GET", "/os-volume-types", list_types, versions=PROXY),
    Route("GET", "/os-volume-types/{type_id}", show_type, versions=PROXY),
    Route("POST", "/os-volumes_boot", servers.create_server, versions=VOLUMES_BOOT),
    *[Route(route.method, route.path.replace("/servers", "/os-volumes_boot", 1), route.handler,
            versions=VOLUMES_BOOT)
      for route in (*servers.ROUTES, *server_actions.ROUTES) if route.method != "POST"
      or route.path.endswith("/action")],
]
