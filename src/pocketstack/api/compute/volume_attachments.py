"""/servers/{id}/os-volume_attachments[/{volume_id}]: a server's volumes (list, show,
attach, update with its 2.85 delete_on_termination or a swap, detach), over the block storage
service's volumes.

What each version changes, as Nova's schemas do: shelved servers from 2.20; `tag` on attach
from 2.49; multiattach volumes from 2.60; `tag` in views from 2.70; no unknown list
parameters from 2.75; `delete_on_termination` on attach and in views from 2.79, on update
from 2.85; `attachment_id` and `bdm_uuid` instead of `id` in views from 2.89; attach answers
202 without a body from 2.101."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute import query_checks
from pocketstack.api.compute.attach_interfaces import tag_field, uuid_field
from pocketstack.api.compute.microversions import LEGACY_V2, since
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import volume_attachments
from pocketstack.services.records import VolumeAttachmentRow
from pocketstack.validation import invalid

AREA = "volume attachments"
SHELVED = since("2.20", AREA, "attach and detach allowed for shelved and shelved-offloaded "
                              "servers (no 409)")
TAG = since("2.49", AREA, "attach takes an optional device tag")
MULTIATTACH = since("2.60", AREA, "attach accepts multiattach volumes (400 before)")
TAG_SHOWN = since("2.70", AREA, "attachment views show tag")
STRICT_LIST = since("2.75", AREA, "list answers 400 to unknown query parameters")
DELETE_ON_TERMINATION = since("2.79", AREA, "attach takes delete_on_termination; views show "
                                            "it")
UPDATE_FIELDS = since("2.85", AREA, "PUT updates an attachment (delete_on_termination); "
                                    "swapping its volume stays admin-only")
IDS = since("2.89", AREA, "attachment views show attachment_id and bdm_uuid, not id")
NO_BODY = since("2.101", AREA, "attach answers 202 without a body")
_DEVICE = re.compile(r"(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$")
_BOOLEANS: list[bool | str] = [True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES",
                               "Yes", "yes", False, "False", "FALSE", "false", "0", "OFF",
                               "Off", "off", "NO", "No", "no"]


def _object(ctx: Ctx, body: Any, allowed: set[str]) -> dict[str, Any]:
    """{"volumeAttachment": {...}} with only `allowed` keys and a volumeId."""
    legacy = ctx.version == LEGACY_V2
    if not isinstance(body, dict):
        raise errors.BadRequest(f"{body!r} is not of type 'object'")
    extra = sorted(set(body) - {"volumeAttachment"})
    if extra and not legacy:
        raise errors.BadRequest(_additional(extra))
    if "volumeAttachment" not in body:
        raise errors.BadRequest("'volumeAttachment' is a required property")
    value = body["volumeAttachment"]
    if not isinstance(value, dict):
        raise invalid("volumeAttachment", value, f"{value!r} is not of type 'object'")
    extra = sorted(set(value) - allowed)
    if extra and not legacy:
        raise invalid("volumeAttachment", value, _additional(extra))
    if "volumeId" not in value:
        raise invalid("volumeAttachment", value, "'volumeId' is a required property")
    uuid_field("volumeId", value["volumeId"])
    if "device" in value and "device" in allowed:
        device = value["device"]
        if device is not None and not isinstance(device, str):
            raise invalid("device", device, f"{device!r} is not of type 'string', 'null'")
        if isinstance(device, str) and not _DEVICE.search(device):
            raise invalid("device", device,
                          f"{device!r} does not match '{_DEVICE.pattern}'")
    if "tag" in value and "tag" in allowed:
        tag_field("tag", value["tag"])
    if "delete_on_termination" in value and "delete_on_termination" in allowed:
        flag = value["delete_on_termination"]
        if not isinstance(flag, bool | str):
            raise invalid("delete_on_termination", flag,
                          f"{flag!r} is not of type 'boolean', 'string'")
        if flag not in _BOOLEANS:
            raise invalid("delete_on_termination", flag, f"{flag!r} is not one of {_BOOLEANS!r}")
    for key in ("serverId", "id"):
        if key in value and key in allowed:
            uuid_field(key, value[key])
    return value


def _additional(extra: list[str]) -> str:
    listed = ", ".join(repr(k) for k in extra)
    return (f"Additional properties are not allowed ({listed} "
            f"{'was' if len(extra) == 1 else 'were'} unexpected)")


def _view(ctx: Ctx, row: VolumeAttachmentRow) -> dict[str, Any]:
    """Nova's attachment view: `id` (the volume's) until 2.89, then attachment_id and
    bdm_uuid; tag from 2.70; delete_on_termination from 2.79."""
    body: dict[str, Any] = {}
    if ctx.version < IDS:
        body["id"] = row.volume_id
    body["volumeId"] = row.volume_id
    body["serverId"] = row.server_id
    if row.device:
        body["device"] = row.device
    if ctx.version >= TAG_SHOWN:
        body["tag"] = row.tag
    if ctx.version >= DELETE_ON_TERMINATION:
        body["delete_on_termination"] = row.delete_on_termination
    if ctx.version >= IDS:
        body["attachment_id"] = row.id
        body["bdm_uuid"] = row.bdm_id
    return body


async def list_attachments(ctx: Ctx) -> Response:
    if ctx.version >= STRICT_LIST:
        query_checks.strict(ctx, ("limit", "offset"))
    query_checks.non_negatives(ctx, "limit")
    query_checks.non_negatives(ctx, "offset")
    rows = await volume_attachments.list_attachments(ctx.cloud, ctx.caller,
                                                     ctx.params["server_id"])
    offset = int(ctx.query.get("offset") or 0)
    limit = ctx.query.get("limit")
    rows = rows[offset:] if limit is None else rows[offset:offset + int(limit)]
    return json_response({"volumeAttachments": [_view(ctx, row) for row in rows]})


async def show_attachment(ctx: Ctx) -> Response:
    row = await volume_attachments.show_attachment(ctx.cloud, ctx.caller,
                                                   ctx.params["server_id"],
                                                   ctx.params["volume_id"])
    return json_response({"volumeAttachment": _view(ctx, row)})


def _flag(value: Any) -> bool:
    return value in (True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes")


async def attach_volume(ctx: Ctx) -> Response:
    allowed = {"volumeId", "device"}
    if ctx.version >= TAG:
        allowed.add("tag")
    if ctx.version >= DELETE_ON_TERMINATION:
        allowed.add("delete_on_termination")
    value = _object(ctx, await ctx.json(), allowed)
    volume_id = str(value["volumeId"])
    row = await volume_attachments.attach_volume(
        ctx.cloud, ctx.caller, ctx.params["server_id"], volume_id,
        device=value.get("device") if "device" in allowed else None,
        tag=value.get("tag") if "tag" in allowed else None,
        delete_on_termination=_flag(value.get("delete_on_termination", False)),
        shelved_allowed=ctx.version >= SHELVED, multiattach_allowed=ctx.version >= MULTIATTACH)
    if ctx.version >= NO_BODY:
        return empty(202)
    body: dict[str, Any] = {"id": volume_id, "serverId": row.server_id, "volumeId": volume_id,
                            "device": row.device}
    if ctx.version >= TAG_SHOWN:
        body["tag"] = row.tag
    if ctx.version >= DELETE_ON_TERMINATION:
        body["delete_on_termination"] = row.delete_on_termination
    return json_response({"volumeAttachment": body})


async def update_attachment(ctx: Ctx) -> Response:
    swap_only = ctx.version < UPDATE_FIELDS
    allowed = {"volumeId"} if swap_only else {"volumeId", "device", "tag",
                                               "delete_on_termination", "serverId", "id"}
    value = _object(ctx, await ctx.json(), allowed)
    changes = dict(value)
    if "delete_on_termination" in changes:
        changes["delete_on_termination"] = _flag(changes["delete_on_termination"])
    await volume_attachments.update_attachment(ctx.cloud, ctx.caller, ctx.params["server_id"],
                                               ctx.params["volume_id"], str(value["volumeId"]),
                                               swap_only=swap_only, changes=changes)
    return empty(202)


async def detach_volume(ctx: Ctx) -> Response:
    await volume_attachments.detach_volume(ctx.cloud, ctx.caller, ctx.params["server_id"],
                                           ctx.params["volume_id"],
                                           shelved_allowed=ctx.version >= SHELVED)
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/servers/{server_id}/os-volume_attachments", list_attachments),
    Route("POST", "/servers/{server_id}/os-volume_attachments", attach_volume),
    Route("GET", "/servers/{server_id}/os-volume_attachments/{volume_id}", show_attachment),
    Route("PUT", "/servers/{server_id}/os-volume_attachments/{volume_id}", update_attachment),
    Route("DELETE", "/servers/{server_id}/os-volume_attachments/{volume_id}", detach_volume),
]
