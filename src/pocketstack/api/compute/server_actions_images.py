"""Server actions on images and placement: createImage, createBackup, resize with
confirmResize and revertResize, migrate, os-migrateLive, evacuate, shelve, shelveOffload,
unshelve, and the deferred delete's restore and forceDelete."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute import servers_views as views
from pocketstack.api.compute.action_registry import action, body_object, boolean, fqdn, text
from pocketstack.api.compute.microversions import LEGACY_V2, since, until
from pocketstack.api.compute.views_links import resource_links
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Version
from pocketstack.services import server_images, server_moves
from pocketstack.services.server_images import Snapshot
from pocketstack.services.server_moves import Evacuation, UnshelveTarget
from pocketstack.validation import invalid

MIGRATE_HOST = since("2.56", "servers-actions",
                     "migrate: optional host (admins; must exist, not be the server's, have room)")
LIVE_BLOCK_AUTO = since("2.25", "servers-actions",
                        'os-migrateLive: block_migration may be "auto"; disk_over_commit removed')
LIVE_FORCE = since("2.30", "servers-actions",
                   "os-migrateLive: optional force (a named host is checked for room either way)")
LIVE_ASYNC_CHECKS = since("2.34", "servers-actions",
                          "os-migrateLive: 202 before the destination checks; a failure shows "
                          "in the instance action")
EVACUATE_NO_SHARED_STORAGE = since("2.14", "servers-actions",
                                   "evacuate: onSharedStorage removed; 200 with no adminPass body")
EVACUATE_FORCE = since("2.29", "servers-actions",
                       "evacuate: optional force (a named host is checked for room either way)")
FORCE_LAST = until("2.67", "servers-actions", "evacuate, os-migrateLive: force removed (400)")
EVACUATE_STOPPED = since("2.95", "servers-actions",
                         "evacuate: the server ends stopped (one in error ends active)")
UNSHELVE_ZONE = since("2.77", "servers-actions",
                      "unshelve: {availability_zone} re-pins a shelved-offloaded server")
UNSHELVE_HOST = since("2.91", "servers-actions",
                      "unshelve: optional host (admins); availability_zone null unpins")
IMAGE_ID_BODY = since("2.45", "servers-actions",
                      "createImage, createBackup: 202 with {image_id}, no Location header")


def metadata(field: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise invalid(field, value, f"{value!r} is not of type 'object'")
    for key, item in value.items():
        text(field, key, min_length=1)
        text(field, item)
    return dict(value)


def reference(field: str, value: Any) -> str:
    """An id, or a link whose last segment is the id (Nova accepts both)."""
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
        raise invalid(field, value, f"{value!r} is not of type 'string'")
    return str(value).rstrip("/").rsplit("/", 1)[-1]


def disk_config(value: Any) -> str | None:
    if value is None:
        return None
    if value not in ("AUTO", "MANUAL"):
        raise invalid("OS-DCF:diskConfig", value, f"{value!r} is not one of ['AUTO', 'MANUAL']")
    return str(value)


def _snapshot(name: str, value: Any, *, backup: bool) -> Snapshot:
    keys = {"name", "metadata"} | ({"backup_type", "rotation"} if backup else set())
    required = ("name", "backup_type", "rotation") if backup else ("name",)
    body = body_object(name, value, keys, required)
    items = metadata("metadata", body["metadata"]) if "metadata" in body else {}
    if not backup:
        return Snapshot(text("name", body["name"], min_length=1), items)
    rotation = body["rotation"]
    if isinstance(rotation, str) and rotation.isdigit():
        rotation = int(rotation)
    if not isinstance(rotation, int) or isinstance(rotation, bool) or rotation < 0:
        raise invalid("rotation", body["rotation"], "must be a non-negative integer")
    return Snapshot(text("name", body["name"]), items, text("backup_type", body["backup_type"]),
                    rotation)


async def _create_snapshot(ctx: Ctx, server_id: str, req: Snapshot) -> Response:
    image = await server_images.create_snapshot(ctx.cloud, ctx.caller, server_id, req)
    if ctx.version >= IMAGE_ID_BODY:
        return json_response({"image_id": image.id}, 202)
    if req.rotation == 0:
        return empty(202)
    return empty(202, headers={"Location": resource_links(ctx, "images", image.id)[0]["href"]})


@action("createImage")
async def create_image(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _create_snapshot(ctx, server_id, _snapshot("createImage", value, backup=False))


@action("createBackup")
async def create_backup(ctx: Ctx, server_id: str, value: Any) -> Response:
    return await _create_snapshot(ctx, server_id, _snapshot("createBackup", value, backup=True))


@action("resize")
async def resize(ctx: Ctx, server_id: str, value: Any) -> Response:
    body = body_object("resize", value, {"flavorRef", "OS-DCF:diskConfig"}, ("flavorRef",))
    flavor_id = reference("flavorRef", body["flavorRef"])
    config = disk_config(body.get("OS-DCF:diskConfig"))
    legacy = ctx.version <= LEGACY_V2
    resized = await server_moves.resize(ctx.cloud, ctx.caller, server_id, flavor_id, config,
                                        with_addresses=legacy)
    if not legacy:
        return empty(202)
    # The seed's 2013 API answers a resize with the server, as it does a rebuild.
    server = views.basic(ctx, resized.server, resized.addresses)
    if resized.server.admin_password:
        server["adminPass"] = resized.server.admin_password
    return json_response({"server": server}, 202)


@action("confirmResize")
async def confirm_resize(ctx: Ctx, server_id: str, value: Any) -> Response:
    await server_moves.confirm_resize(ctx.cloud, ctx.caller, server_id)
    return empty(204)


@action("revertResize")
async def revert_resize(ctx: Ctx, server_id: str, value: Any) -> Response:
    await server_moves.revert_resize(ctx.cloud, ctx.caller, server_id)
    return empty(202)


@action("migrate")
async def migrate(ctx: Ctx, server_id: str, value: Any) -> Response:
    host = None
    if ctx.version >= MIGRATE_HOST:
        body = body_object("migrate", value, {"host"}, nullable=True)
        host = fqdn("host", body.get("host"), nullable=True)
    else:
        body_object("migrate", value, set(), nullable=True)
    await server_moves.migrate(ctx.cloud, ctx.caller, server_id, host)
    return empty(202)


def _force(ctx: Ctx, body: dict[str, Any], host: str | None, since_version: Version) -> None:
    """The force flag of evacuate (2.29) and os-migrateLive (2.30), up to 2.67."""
    if not since_version <= ctx.version <= FORCE_LAST:
        return
    if boolean("force", body.get("force", False)) is True and not host:
        raise errors.BadRequest("Can't force to a non-provided destination")


@action("os-migrateLive")
async def migrate_live(ctx: Ctx, server_id: str, value: Any) -> Response:
    auto = ctx.version >= LIVE_BLOCK_AUTO
    keys = ("host", "block_migration") if auto else ("host", "block_migration",
                                                     "disk_over_commit")
    allowed = set(keys) | ({"force"} if LIVE_FORCE <= ctx.version <= FORCE_LAST else set())
    body = body_object("os-migrateLive", value, allowed, keys)
    host = fqdn("host", body["host"], nullable=True)
    boolean("block_migration", body["block_migration"], extra=("auto",) if auto else ())
    if not auto:
        boolean("disk_over_commit", body["disk_over_commit"])
    _force(ctx, body, host, LIVE_FORCE)
    await server_moves.live_migrate(ctx.cloud, ctx.caller, server_id, host,
                                    checks_after=ctx.version >= LIVE_ASYNC_CHECKS)
    return empty(202)


def _evacuation(ctx: Ctx, value: Any) -> Evacuation:
    allowed = {"host", "adminPass"}
    if ctx.version < EVACUATE_NO_SHARED_STORAGE:
        allowed.add("onSharedStorage")
    if EVACUATE_FORCE <= ctx.version <= FORCE_LAST:
        allowed.add("force")
    required = ("onSharedStorage",) if "onSharedStorage" in allowed else ()
    body = body_object("evacuate", value, allowed, required)
    host = fqdn("host", body["host"]) if "host" in body else None
    password = text("adminPass", body["adminPass"], max_length=1 << 20) \
        if "adminPass" in body else None
    shared = "onSharedStorage" in body and boolean("onSharedStorage",
                                                   body["onSharedStorage"]) is True
    _force(ctx, body, host, EVACUATE_FORCE)
    if shared and password is not None:
        raise errors.BadRequest("admin password can't be changed on existing disk")
    return Evacuation(host=host, force="force" in body and boolean("force", body["force"]) is True,
                      admin_password=password, new_password=not shared,
                      stopped=ctx.version >= EVACUATE_STOPPED)


@action("evacuate")
async def evacuate(ctx: Ctx, server_id: str, value: Any) -> Response:
    password = await server_moves.evacuate(ctx.cloud, ctx.caller, server_id,
                                           _evacuation(ctx, value))
    if ctx.version >= EVACUATE_NO_SHARED_STORAGE:
        return empty(200)
    return json_response({"adminPass": password})


@action("shelve")
async def shelve(ctx: Ctx, server_id: str, value: Any) -> Response:
    await server_moves.shelve(ctx.cloud, ctx.caller, server_id)
    return empty(202)


@action("shelveOffload")
async def shelve_offload(ctx: Ctx, server_id: str, value: Any) -> Response:
    await server_moves.shelve_offload(ctx.cloud, ctx.caller, server_id)
    return empty(202)


def _unshelve_target(ctx: Ctx, value: Any) -> UnshelveTarget:
    if ctx.version < UNSHELVE_ZONE:
        body_object("unshelve", value, set(), nullable=True)
        return UnshelveTarget()
    if ctx.version < UNSHELVE_HOST:
        body = body_object("unshelve", value, {"availability_zone"}, ("availability_zone",),
                           nullable=True)
        if not body:
            return UnshelveTarget()
        pinned = text("availability_zone", body["availability_zone"], min_length=1)
        return UnshelveTarget(zone_given=True, zone=pinned)
    body = body_object("unshelve", value, {"availability_zone", "host"}, nullable=True)
    zone = body.get("availability_zone")
    if zone is not None and not isinstance(zone, str):
        raise invalid("availability_zone", zone, f"{zone!r} is not of type 'string', 'null'")
    host = text("host", body["host"]) if "host" in body else None
    # A null (or empty) zone unpins the server.
    return UnshelveTarget(zone_given="availability_zone" in body, zone=zone or None,
                          host=host or None)


@action("unshelve")
async def unshelve(ctx: Ctx, server_id: str, value: Any) -> Response:
    target = _unshelve_target(ctx, value)
    await server_moves.unshelve(ctx.cloud, ctx.caller, server_id, target)
    return empty(202)


@action("restore")
async def restore(ctx: Ctx, server_id: str, value: Any) -> Response:
    await server_moves.restore(ctx.cloud, ctx.caller, server_id)
    return empty(202)


@action("forceDelete")
async def force_delete(ctx: Ctx, server_id: str, value: Any) -> Response:
    await server_moves.force_delete(ctx.cloud, ctx.caller, server_id)
    return empty(202)
