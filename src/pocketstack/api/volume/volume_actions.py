"""Block Storage API v3: POST /volumes/{id}/action (os-extend, os-set_bootable, os-retype, the
os-volume_image_metadata actions, the admin os-reset_status and os-force_delete, and the older
attach actions: os-reserve ... os-terminate_connection, os-force_detach, os-update_readonly_flag)."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.api.volume import common
from pocketstack.api.volume import microversions as mv
from pocketstack.api.volume.common import positive_int
from pocketstack.api.volume.volume_upload import upload_image
from pocketstack.api.volume.volumes import DB_MAX_INT
from pocketstack.services import legacy_attachments, volume_actions, volumes


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no",
                                                            "on", "off", "t", "f", "y", "n"):
        return value.strip().lower() in ("true", "1", "yes", "on", "t", "y")
    raise errors.BadRequest(f"Invalid input for field/attribute {name}. Value: {value!r}. "
                            f"{value!r} is not of type 'boolean'")


async def _extend(ctx: Ctx, body: dict[str, Any]) -> Response:
    new_size = body.get("new_size")
    if isinstance(new_size, bool) or not isinstance(new_size, int | str):
        raise errors.BadRequest("Invalid input for field/attribute new_size. Value: "
                                f"{new_size!r}. It must be an integer")
    size = positive_int(str(new_size), "new_size", zero=False)
    if size > DB_MAX_INT:
        raise errors.BadRequest(f"Invalid input for field/attribute new_size. Value: {size}. "
                                f"{size} is greater than the maximum of {DB_MAX_INT}")
    await volume_actions.extend_volume(ctx.cloud, ctx.caller, ctx.params["volume_id"], size,
                                       in_use_allowed=mv.at(ctx.version, mv.VOLUME_EXTEND_INUSE))
    return empty(202)


async def _set_bootable(ctx: Ctx, body: dict[str, Any]) -> Response:
    if "bootable" not in body:
        raise errors.BadRequest("Invalid input for field/attribute os-set_bootable. "
                                "'bootable' is a required property")
    await volume_actions.set_bootable(ctx.cloud, ctx.caller, ctx.params["volume_id"],
                                      _bool(body["bootable"], "bootable"))
    return empty(200)


async def _reset_status(ctx: Ctx, body: dict[str, Any]) -> Response:
    status, attach = body.get("status"), body.get("attach_status")
    if not isinstance(status, str | None) or not isinstance(attach, str | None):
        raise errors.BadRequest("Invalid input for field/attribute os-reset_status.")
    await volume_actions.reset_status(ctx.cloud, ctx.caller, ctx.params["volume_id"], status,
                                      attach)
    return empty(202)


async def _force_delete(ctx: Ctx, body: dict[str, Any]) -> Response:
    await volumes.delete_volume(ctx.cloud, ctx.caller, ctx.params["volume_id"], force=True)
    return empty(202)


async def _retype(ctx: Ctx, body: dict[str, Any]) -> Response:
    new_type = body.get("new_type")
    if not isinstance(new_type, str) or not new_type:
        raise errors.BadRequest("Invalid input for field/attribute os-retype. "
                                "'new_type' is a required property")
    policy = body.get("migration_policy", "never")
    if policy not in (None, "never", "on-demand"):
        raise errors.BadRequest(f"Invalid input for field/attribute migration_policy. Value: "
                                f"{policy!r}. {policy!r} is not one of ['on-demand', 'never']")
    await volume_actions.retype_volume(ctx.cloud, ctx.caller, ctx.params["volume_id"], new_type)
    return empty(202)


async def _set_image_metadata(ctx: Ctx, body: dict[str, Any]) -> Response:
    metadata = common.metadata(body.get("metadata"))
    found = await volume_actions.set_image_metadata(ctx.cloud, ctx.caller,
                                                    ctx.params["volume_id"], metadata)
    return json_response({"metadata": found})


async def _unset_image_metadata(ctx: Ctx, body: dict[str, Any]) -> Response:
    key = body.get("key")
    if not isinstance(key, str) or not key:
        raise errors.BadRequest("Invalid input for field/attribute os-unset_image_metadata. "
                                "'key' is a required property")
    await volume_actions.set_image_metadata(ctx.cloud, ctx.caller, ctx.params["volume_id"],
                                            None, remove=key)
    return empty(200)


async def _show_image_metadata(ctx: Ctx, body: dict[str, Any]) -> Response:
    found = await volume_actions.set_image_metadata(ctx.cloud, ctx.caller,
                                                    ctx.params["volume_id"], None)
    return json_response({"metadata": found})


def _only(body: dict[str, Any], name: str, allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise errors.BadRequest(f"Invalid input for field/attribute {name}. Additional "
                                f"properties are not allowed ({', '.join(map(repr, unknown))} "
                                "were unexpected)")


def _uuid(value: Any, name: str, *, null: bool = False) -> str | None:
    if value is None and null:
        return None
    try:
        valid = isinstance(value, str) and uuid.UUID(value) is not None
    except ValueError:
        valid = False
    if not valid:
        raise errors.BadRequest(f"Invalid input for field/attribute {name}. Value: {value!r}. "
                                f"{value!r} is not a 'uuid'")
    return str(value)


def _connector(body: dict[str, Any], name: str, *, null: bool = False) -> dict[str, Any]:
    if "connector" not in body:
        raise errors.BadRequest(f"Invalid input for field/attribute {name}. "
                                "'connector' is a required property")
    connector = body["connector"]
    if connector is None and null:
        return {}
    if isinstance(connector, str):
        return {"connector": connector}
    if not isinstance(connector, dict):
        raise errors.BadRequest(f"Invalid input for field/attribute connector. Value: "
                                f"{connector!r}. {connector!r} is not of type 'object', "
                                "'string'")
    return connector


async def _reserve(ctx: Ctx, body: dict[str, Any]) -> Response:
    await legacy_attachments.reserve(ctx.cloud, ctx.caller, ctx.params["volume_id"])
    return empty(202)


async def _unreserve(ctx: Ctx, body: dict[str, Any]) -> Response:
    await legacy_attachments.unreserve(ctx.cloud, ctx.caller, ctx.params["volume_id"])
    return empty(202)


async def _begin_detaching(ctx: Ctx, body: dict[str, Any]) -> Response:
    await legacy_attachments.begin_detaching(ctx.cloud, ctx.caller, ctx.params["volume_id"])
    return empty(202)


async def _roll_detaching(ctx: Ctx, body: dict[str, Any]) -> Response:
    await legacy_attachments.roll_detaching(ctx.cloud, ctx.caller, ctx.params["volume_id"])
    return empty(202)


async def _attach(ctx: Ctx, body: dict[str, Any]) -> Response:
    _only(body, "os-attach", {"instance_uuid", "mountpoint", "host_name", "mode"})
    mountpoint = body.get("mountpoint")
    if not isinstance(mountpoint, str) or not 0 < len(mountpoint) <= 255:
        raise errors.BadRequest("Invalid input for field/attribute os-attach. 'mountpoint' is "
                                "a required property" if mountpoint is None else
                                f"Invalid input for field/attribute mountpoint. Value: "
                                f"{mountpoint!r}. It must be a string of 1 to 255 characters.")
    if "instance_uuid" not in body and "host_name" not in body:
        raise errors.BadRequest("Invalid input for field/attribute os-attach. 'instance_uuid' "
                                "or 'host_name' is a required property")
    instance = _uuid(body["instance_uuid"], "instance_uuid") if "instance_uuid" in body \
        else None
    host = body.get("host_name")
    if host is not None and (not isinstance(host, str) or len(host) > 255):
        raise errors.BadRequest(f"Invalid input for field/attribute host_name. Value: {host!r}.")
    mode = body.get("mode", "rw")
    if mode not in ("rw", "ro"):
        raise errors.BadRequest(f"Invalid input for field/attribute mode. Value: {mode!r}. "
                                f"{mode!r} is not one of ['rw', 'ro']")
    await legacy_attachments.attach(ctx.cloud, ctx.caller, ctx.params["volume_id"],
                                    instance_uuid=instance, mountpoint=mountpoint, mode=mode)
    return empty(202)


async def _detach_common(ctx: Ctx, body: dict[str, Any], name: str, *, force: bool) -> None:
    _only(body, name, {"attachment_id", *(["connector"] if force else [])})
    attachment = _uuid(body.get("attachment_id"), "attachment_id", null=True)
    await legacy_attachments.detach(ctx.cloud, ctx.caller, ctx.params["volume_id"], attachment,
                                    force=force)


async def _detach(ctx: Ctx, body: dict[str, Any]) -> Response:
    await _detach_common(ctx, body, "os-detach", force=False)
    return empty(202)


async def _force_detach(ctx: Ctx, body: dict[str, Any]) -> Response:
    await _detach_common(ctx, body, "os-force_detach", force=True)
    return empty(202)


async def _initialize_connection(ctx: Ctx, body: dict[str, Any]) -> Response:
    _only(body, "os-initialize_connection", {"connector"})
    info = await legacy_attachments.initialize_connection(
        ctx.cloud, ctx.caller, ctx.params["volume_id"],
        _connector(body, "os-initialize_connection"))
    return json_response({"connection_info": info})


async def _terminate_connection(ctx: Ctx, body: dict[str, Any]) -> Response:
    _only(body, "os-terminate_connection", {"connector"})
    await legacy_attachments.terminate_connection(
        ctx.cloud, ctx.caller, ctx.params["volume_id"],
        _connector(body, "os-terminate_connection", null=True))
    return empty(202)


async def _update_readonly_flag(ctx: Ctx, body: dict[str, Any]) -> Response:
    _only(body, "os-update_readonly_flag", {"readonly"})
    if "readonly" not in body:
        raise errors.BadRequest("Invalid input for field/attribute os-update_readonly_flag. "
                                "'readonly' is a required property")
    await legacy_attachments.update_readonly_flag(ctx.cloud, ctx.caller,
                                                  ctx.params["volume_id"],
                                                  _bool(body["readonly"], "readonly"))
    return empty(202)


ACTIONS = {"os-extend": _extend, "os-set_bootable": _set_bootable, "os-retype": _retype,
           "os-set_image_metadata": _set_image_metadata,
           "os-unset_image_metadata": _unset_image_metadata,
           "os-show_image_metadata": _show_image_metadata,
           "os-reset_status": _reset_status, "os-force_delete": _force_delete,
           "os-volume_upload_image": upload_image,
           "os-reserve": _reserve, "os-unreserve": _unreserve,
           "os-begin_detaching": _begin_detaching, "os-roll_detaching": _roll_detaching,
           "os-attach": _attach, "os-detach": _detach, "os-force_detach": _force_detach,
           "os-initialize_connection": _initialize_connection,
           "os-terminate_connection": _terminate_connection,
           "os-update_readonly_flag": _update_readonly_flag}


async def volume_action(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    if len(body) != 1:
        raise errors.BadRequest("There is no such action: None" if not body
                                else "Malformed request body: exactly one action is required.")
    name, inner = next(iter(body.items()))
    handler = ACTIONS.get(name)
    if handler is None:
        raise errors.BadRequest(f"There is no such action: {name}")
    if inner is None:
        inner = {}
    if not isinstance(inner, dict):
        raise errors.BadRequest(f"Invalid input for field/attribute {name}. Value: {inner!r}. "
                                f"{inner!r} is not of type 'object'")
    return await handler(ctx, inner)


ROUTES: list[Route] = [Route("POST", "/volumes/{volume_id}/action", volume_action)]
