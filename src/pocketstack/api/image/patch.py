"""Image API v2: reading a JSON-patch body (application/openstack-images-v2.1-json-patch)."""

from __future__ import annotations

import re
from typing import Any

import orjson

from pocketstack import errors
from pocketstack.api.http import Ctx
from pocketstack.api.image.validation import check_attribute, check_writable
from pocketstack.services.image_updates import Change

PATCH_TYPES = ("application/openstack-images-v2.1-json-patch",
               "application/openstack-images-v2.0-json-patch")
OPERATIONS = ("add", "remove", "replace")


def unsupported_media_type(ctx: Ctx, detail: str,
                           headers: dict[str, str] | None = None) -> errors.UnsupportedMediaType:
    """Glance's 415: webob's HTTPUnsupportedMediaType, whose text names the request's type."""
    given = ctx.request.headers.get("content-type", "")
    return errors.UnsupportedMediaType(
        f"The request media type {given} is not supported by this server.\n<br /><br />\n{detail}",
        headers=headers)


async def read_changes(ctx: Ctx) -> list[Change]:
    content_type = ctx.request.headers.get("content-type", "").split(";")[0].strip()
    if content_type not in PATCH_TYPES:
        allowed = ", ".join(sorted(PATCH_TYPES))
        raise unsupported_media_type(ctx, f"Image PATCH expects Content-Type one of: {allowed}",
                                     headers={"Accept-Patch": allowed})
    raw = await ctx.body()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise errors.BadRequest("Malformed JSON in request body.") from None
    if not isinstance(body, list):
        raise errors.BadRequest("Request body must be a JSON array of operation objects.")
    draft4 = content_type == PATCH_TYPES[1]
    return [parse_change(item, draft4=draft4) for item in body]


def parse_change(raw: Any, *, draft4: bool = False) -> Change:
    """One operation: {"op": "replace", "path": "/name", "value": ...}, or with the v2.0
    media type the older {"replace": "/name", "value": ...} form."""
    if not isinstance(raw, dict):
        raise errors.BadRequest("Operations must be JSON objects.")
    op, path = _draft4_operation(raw) if draft4 and "op" not in raw else _operation(raw)
    if isinstance(path, str) and (path == "/locations" or path.startswith("/locations/")):
        index = path[len("/locations/"):] if path != "/locations" else None
        if op != "remove" and "value" not in raw:
            raise errors.BadRequest(f'Operation "{op}" requires a member named "value".')
        return Change(op, "locations", raw.get("value"), index=index)
    name = decode_pointer(path)
    check_writable(name)
    if op == "remove":
        return Change(op, name)
    if "value" not in raw:
        raise errors.BadRequest(f'Operation "{op}" requires a member named "value".')
    check_attribute(name, raw["value"])
    return Change(op, name, raw["value"], add_replaces=not draft4)


def _operation(raw: dict[str, Any]) -> tuple[str, Any]:
    op = raw.get("op")
    if op is None:
        raise errors.BadRequest("Unable to find 'op' in JSON Schema change")
    if op not in OPERATIONS:
        raise errors.BadRequest(f"Invalid operation: `{op}`. It must be one of the following: "
                                f"{', '.join(OPERATIONS)}.")
    if "path" not in raw:
        raise errors.BadRequest("Unable to find 'path' in JSON Schema change")
    return str(op), raw["path"]


def _draft4_operation(raw: dict[str, Any]) -> tuple[str, Any]:
    ops = [op for op in OPERATIONS if op in raw]
    if len(ops) != 1:
        raise errors.BadRequest('Operation objects must contain exactly one member named "add", '
                                '"remove", or "replace".')
    return ops[0], raw[ops[0]]


def decode_pointer(pointer: Any) -> str:
    """One path segment (image attributes are flat), with ~1 and ~0 unescaped."""
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise errors.BadRequest(f'Pointer `{pointer}` does not start with "/".')
    if re.search(r"~[^01]", pointer) or pointer.endswith("~"):
        raise errors.BadRequest(f'Pointer `{pointer}` contains "~" not part of a recognized '
                                f"escape sequence.")
    parts = pointer[1:].split("/")
    if len(parts) != 1 or not parts[0].strip():
        raise errors.BadRequest(f"Invalid JSON pointer for this resource: '{pointer}'")
    return parts[0].replace("~1", "/").replace("~0", "~").strip()
