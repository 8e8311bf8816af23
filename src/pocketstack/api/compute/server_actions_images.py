"""Server actions on images and placement: rebuild, createImage, createBackup, resize with
confirmResize and revertResize, migrate, shelve, shelveOffload, unshelve, and the deferred
delete's restore and forceDelete."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute import servers_views as views
from pocketstack.api.compute.action_registry import action, caller, load
from pocketstack.api.compute.views_links import resource_links
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.db.models import ServerRow
from pocketstack.db.wakes import wake_after_commit
from pocketstack.services import networks, server_images, server_moves
from pocketstack.services.server_images import Rebuild, Snapshot
from pocketstack.validation import OSLO, invalid, nova_boolean

LEGACY = (2, 0)
Work = Callable[[AsyncSession, ServerRow], Awaitable[str | None]]
REBUILD_KEYS = {"imageRef", "name", "metadata", "adminPass", "accessIPv4", "accessIPv6",
                "OS-DCF:diskConfig", "preserve_ephemeral", "personality"}


def body_object(name: str, value: Any, allowed: set[str], required: tuple[str, ...] = (),
                *, nullable: bool = False) -> dict[str, Any]:
    """The action's value as an object with only `allowed` keys and every `required` one."""
    if value is None and nullable:
        return {}
    if not isinstance(value, dict):
        raise invalid(name, value, f"{value!r} is not of type 'object'")
    extra = sorted(set(value) - allowed)
    if extra:
        raise errors.BadRequest(f"Invalid input for field/attribute {name}. Additional properties "
                                f"are not allowed ({', '.join(repr(k) for k in extra)} "
                                f"{'was' if len(extra) == 1 else 'were'} unexpected)")
    for key in required:
        if key not in value:
            raise invalid(name, value, f"'{key}' is a required property")
    return value


def text(field: str, value: Any, *, max_length: int = 255, min_length: int = 0) -> str:
    if not isinstance(value, str):
        raise invalid(field, value, f"{value!r} is not of type 'string'")
    if len(value) > max_length:
        raise invalid(field, value, f"{value!r} is too long")
    if len(value.strip()) < min_length:
        raise invalid(field, value, f"{value!r} is too short")
    return value


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


async def run(ctx: Ctx, server_id: str, policy: str, work: Work) -> ServerRow:
    """Authorize, then load the caller's server and do `work` in one transaction; wake the
    agent of the host it names."""
    ctx.authorize(policy)
    async with ctx.cloud.db.session() as s:
        row = await load(s, ctx, server_id)
        wake_after_commit(s, await work(s, row))
    return row


@action("rebuild")
async def rebuild(ctx: Ctx, server_id: str, value: Any) -> Response:
    body = body_object("rebuild", value, REBUILD_KEYS, ("imageRef",))
    req = Rebuild(
        image_id=reference("imageRef", body["imageRef"]),
        name=text("name", body["name"], min_length=1) if "name" in body else None,
        metadata=metadata("metadata", body["metadata"]) if "metadata" in body else None,
        admin_password=text("adminPass", body["adminPass"]) if "adminPass" in body else None,
        access_ipv4=text("accessIPv4", body["accessIPv4"]) if "accessIPv4" in body else None,
        access_ipv6=text("accessIPv6", body["accessIPv6"]) if "accessIPv6" in body else None,
        disk_config=disk_config(body.get("OS-DCF:diskConfig")))
    ctx.authorize("compute:servers:rebuild")
    async with ctx.cloud.db.session() as s:
        row = await load(s, ctx, server_id)
        password = await server_images.rebuild(s, ctx.cloud.settings, caller(ctx), row, req)
        found = await networks.server_addresses(s, [row.id])
        wake_after_commit(s, row.host)
    server = views.basic(ctx, row, found[row.id])
    server["adminPass"] = password
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


async def _create_snapshot(ctx: Ctx, server_id: str, req: Snapshot, policy: str) -> Response:
    ctx.authorize(policy)
    async with ctx.cloud.db.session() as s:
        row = await load(s, ctx, server_id)
        image = await server_images.create_snapshot(s, ctx.cloud.settings, caller(ctx), row, req)
        wake_after_commit(s, row.host)
    if ctx.version >= (2, 45):
        return json_response({"image_id": image.id}, 202)
    if req.rotation == 0:
        return empty(202)
    return empty(202, headers={"Location": resource_links(ctx, "images", image.id)[0]["href"]})


@action("createImage")
async def create_image(ctx: Ctx, server_id: str, value: Any) -> Response:
    req = _snapshot("createImage", value, backup=False)
    return await _create_snapshot(ctx, server_id, req, "compute:servers:create_image")


@action("createBackup")
async def create_backup(ctx: Ctx, server_id: str, value: Any) -> Response:
    req = _snapshot("createBackup", value, backup=True)
    return await _create_snapshot(ctx, server_id, req, "compute:os-create-backup")


@action("resize")
async def resize(ctx: Ctx, server_id: str, value: Any) -> Response:
    body = body_object("resize", value, {"flavorRef", "OS-DCF:diskConfig"}, ("flavorRef",))
    flavor_id = reference("flavorRef", body["flavorRef"])
    config = disk_config(body.get("OS-DCF:diskConfig"))
    settings = ctx.cloud.settings
    row = await run(ctx, server_id, "compute:servers:resize",
                    lambda s, row: server_moves.resize(s, settings, caller(ctx), row, flavor_id,
                                                       config))
    if ctx.version > LEGACY:
        return empty(202)
    # The seed's 2013 API answers a resize with the server, as it does a rebuild.
    async with ctx.cloud.db.reader() as s:
        found = await networks.server_addresses(s, [row.id])
    server = views.basic(ctx, row, found[row.id])
    if row.admin_password:
        server["adminPass"] = row.admin_password
    return json_response({"server": server}, 202)


@action("confirmResize")
async def confirm_resize(ctx: Ctx, server_id: str, value: Any) -> Response:
    await run(ctx, server_id, "compute:servers:confirm_resize",
              lambda s, row: server_moves.confirm_resize(s, caller(ctx), row))
    return empty(204)


@action("revertResize")
async def revert_resize(ctx: Ctx, server_id: str, value: Any) -> Response:
    await run(ctx, server_id, "compute:servers:revert_resize",
              lambda s, row: server_moves.revert_resize(s, caller(ctx), row))
    return empty(202)


@action("migrate")
async def migrate(ctx: Ctx, server_id: str, value: Any) -> Response:
    body_object("migrate", value, set(), nullable=True)
    settings = ctx.cloud.settings
    await run(ctx, server_id, "compute:os-migrate-server:migrate",
              lambda s, row: server_moves.migrate(s, settings, caller(ctx), row))
    return empty(202)


def _boolean(field: str, value: Any) -> bool:
    if value is None:  # None is not a boolean here (nova_boolean reads it as false)
        raise invalid(field, value, f"{value!r} is not of type 'boolean'")
    return nova_boolean(field, value, OSLO)


@action("os-migrateLive")
async def migrate_live(ctx: Ctx, server_id: str, value: Any) -> Response:
    keys = ("host", "block_migration", "disk_over_commit")
    body = body_object("os-migrateLive", value, set(keys), keys)
    host = None if body["host"] is None else text("host", body["host"], min_length=1)
    _boolean("block_migration", body["block_migration"])
    _boolean("disk_over_commit", body["disk_over_commit"])
    settings = ctx.cloud.settings
    await run(ctx, server_id, "compute:os-migrate-server:migrate_live",
              lambda s, row: server_moves.live_migrate(s, settings, caller(ctx), row, host))
    return empty(202)


@action("shelve")
async def shelve(ctx: Ctx, server_id: str, value: Any) -> Response:
    settings = ctx.cloud.settings
    await run(ctx, server_id, "compute:os-shelve:shelve",
              lambda s, row: server_moves.shelve(s, settings, caller(ctx), row))
    return empty(202)


@action("shelveOffload")
async def shelve_offload(ctx: Ctx, server_id: str, value: Any) -> Response:
    await run(ctx, server_id, "compute:os-shelve:shelve_offload",
              lambda s, row: server_moves.shelve_offload(s, caller(ctx), row))
    return empty(202)


@action("unshelve")
async def unshelve(ctx: Ctx, server_id: str, value: Any) -> Response:
    body_object("unshelve", value, set(), nullable=True)
    settings = ctx.cloud.settings
    await run(ctx, server_id, "compute:os-shelve:unshelve",
              lambda s, row: server_moves.unshelve(s, settings, caller(ctx), row))
    return empty(202)


@action("restore")
async def restore(ctx: Ctx, server_id: str, value: Any) -> Response:
    await run(ctx, server_id, "compute:os-deferred-delete:restore",
              lambda s, row: server_moves.restore(s, caller(ctx), row))
    return empty(202)


@action("forceDelete")
async def force_delete(ctx: Ctx, server_id: str, value: Any) -> Response:
    settings = ctx.cloud.settings
    await run(ctx, server_id, "compute:os-deferred-delete:force",
              lambda s, row: server_moves.force_delete(s, settings, caller(ctx), row))
    return empty(202)
