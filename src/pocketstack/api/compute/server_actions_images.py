"""Server actions on images and placement: rebuild, createImage, createBackup, resize with
confirmResize and revertResize, migrate, os-migrateLive, shelve, shelveOffload, unshelve, and
the deferred delete's restore and forceDelete."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.compute import servers_views as views
from pocketstack.api.compute.action_registry import action, body_object, text
from pocketstack.api.compute.microversions import LEGACY_V2, since
from pocketstack.api.compute.views_links import resource_links
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.services import server_images, server_moves
from pocketstack.services.server_images import Rebuild, Snapshot
from pocketstack.validation import OSLO, invalid, nova_boolean

IMAGE_ID_BODY = since("2.45", "servers-actions",
                      "createImage, createBackup: 202 with {image_id}, no Location header")
REBUILD_KEYS = {"imageRef", "name", "metadata", "adminPass", "accessIPv4", "accessIPv6",
                "OS-DCF:diskConfig", "preserve_ephemeral", "personality"}


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


def _optional(body: dict[str, Any], key: str, **limits: int) -> str | None:
    return text(key, body[key], **limits) if key in body else None


def _rebuild(value: Any) -> Rebuild:
    body = body_object("rebuild", value, REBUILD_KEYS, ("imageRef",))
    return Rebuild(
        image_id=reference("imageRef", body["imageRef"]),
        name=_optional(body, "name", min_length=1),
        metadata=metadata("metadata", body["metadata"]) if "metadata" in body else None,
        admin_password=_optional(body, "adminPass"),
        access_ipv4=_optional(body, "accessIPv4"), access_ipv6=_optional(body, "accessIPv6"),
        disk_config=disk_config(body.get("OS-DCF:diskConfig")))


@action("rebuild")
async def rebuild(ctx: Ctx, server_id: str, value: Any) -> Response:
    rebuilt = await server_images.rebuild(ctx.cloud, ctx.caller, server_id, _rebuild(value))
    server = views.basic(ctx, rebuilt.server, rebuilt.addresses)
    server["adminPass"] = rebuilt.server.admin_password
    return json_response({"server": server}, 202)


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
    body_object("migrate", value, set(), nullable=True)
    await server_moves.migrate(ctx.cloud, ctx.caller, server_id)
    return empty(202)


@action("os-migrateLive")
async def migrate_live(ctx: Ctx, server_id: str, value: Any) -> Response:
    keys = ("host", "block_migration", "disk_over_commit")
    body = body_object("os-migrateLive", value, set(keys), keys)
    host = None if body["host"] is None else text("host", body["host"], min_length=1)
    nova_boolean("block_migration", body["block_migration"], OSLO, none_is_false=False)
    nova_boolean("disk_over_commit", body["disk_over_commit"], OSLO, none_is_false=False)
    await server_moves.live_migrate(ctx.cloud, ctx.caller, server_id, host)
    return empty(202)


@action("shelve")
async def shelve(ctx: Ctx, server_id: str, value: Any) -> Response:
    await server_moves.shelve(ctx.cloud, ctx.caller, server_id)
    return empty(202)


@action("shelveOffload")
async def shelve_offload(ctx: Ctx, server_id: str, value: Any) -> Response:
    await server_moves.shelve_offload(ctx.cloud, ctx.caller, server_id)
    return empty(202)


@action("unshelve")
async def unshelve(ctx: Ctx, server_id: str, value: Any) -> Response:
    body_object("unshelve", value, set(), nullable=True)
    await server_moves.unshelve(ctx.cloud, ctx.caller, server_id)
    return empty(202)


@action("restore")
async def restore(ctx: Ctx, server_id: str, value: Any) -> Response:
    await server_moves.restore(ctx.cloud, ctx.caller, server_id)
    return empty(202)


@action("forceDelete")
async def force_delete(ctx: Ctx, server_id: str, value: Any) -> Response:
    await server_moves.force_delete(ctx.cloud, ctx.caller, server_id)
    return empty(202)
