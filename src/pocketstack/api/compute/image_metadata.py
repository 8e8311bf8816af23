"""Compute: image metadata (/images/{id}/metadata[/{key}]), the image's custom properties,
served up to microversion 2.38 (and by the legacy /v2 API)."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.images import nova_image_errors
from pocketstack.api.compute.microversions import serves
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import image_catalog, image_updates
from pocketstack.validation import invalid

# The image-metadata proxy stays until 2.38 (Nova's MAX_IMAGE_META_PROXY_API_VERSION).
PROXY = serves("2.0", "2.38", area="images (proxy)", summary="/images/{id}/metadata[/{key}]")
KEY_RE = re.compile(r"^[a-zA-Z0-9-_:. ]{1,255}$")


def check_metadata(field: str, metadata: dict[str, Any]) -> dict[str, str]:
    """Keys of 1-255 characters from [a-zA-Z0-9-_:. ], string values of at most 255."""
    for key, value in metadata.items():
        if not KEY_RE.match(key):
            raise invalid(field, metadata,
                          f"Additional properties are not allowed ({key!r} was unexpected)")
        if not isinstance(value, str):
            raise invalid(key, value, f"{value!r} is not of type 'string'")
        if len(value) > 255:
            raise invalid(key, value, f"{value!r} is too long")
    return metadata


async def _show_metadata(ctx: Ctx) -> dict[str, Any]:
    image_id = ctx.params["image_id"]
    with nova_image_errors(image_id):
        image = await image_catalog.show_image(ctx.cloud, ctx.caller, image_id)
    return dict(image.properties or {})


async def _write_metadata(ctx: Ctx, metadata: dict[str, str], *, replace: bool) -> dict[str, Any]:
    image_id = ctx.params["image_id"]
    with nova_image_errors(image_id):
        return await image_updates.set_image_metadata(ctx.cloud, ctx.caller, image_id, metadata,
                                                      replace=replace)


async def list_image_metadata(ctx: Ctx) -> Response:
    return json_response({"metadata": await _show_metadata(ctx)})


async def show_image_metadata_item(ctx: Ctx) -> Response:
    metadata = await _show_metadata(ctx)
    key = ctx.params["key"]
    if key not in metadata:
        raise errors.NotFound("The resource could not be found.")
    return json_response({"meta": {key: metadata[key]}})


async def create_image_metadata(ctx: Ctx) -> Response:
    """POST merges the given items into the image's metadata."""
    metadata = check_metadata("metadata", await ctx.json_object("metadata"))
    return json_response({"metadata": await _write_metadata(ctx, metadata, replace=False)})


async def update_image_metadata(ctx: Ctx) -> Response:
    """PUT replaces the image's whole metadata."""
    metadata = check_metadata("metadata", await ctx.json_object("metadata"))
    return json_response({"metadata": await _write_metadata(ctx, metadata, replace=True)})


async def update_image_metadata_item(ctx: Ctx) -> Response:
    key = ctx.params["key"]
    meta = check_metadata("meta", await ctx.json_object("meta"))
    if len(meta) > 1:
        raise errors.BadRequest("Request body contains too many items")
    if key not in meta:
        raise errors.BadRequest("Request body and URI mismatch")
    await _write_metadata(ctx, meta, replace=False)
    return json_response({"meta": {key: meta[key]}})


async def delete_image_metadata_item(ctx: Ctx) -> Response:
    image_id, key = ctx.params["image_id"], ctx.params["key"]
    with nova_image_errors(image_id):
        await image_updates.delete_image_metadata_item(ctx.cloud, ctx.caller, image_id, key)
    return empty(204)


ROUTES: list[Route] = [
    Route("GET", "/images/{image_id}/metadata", list_image_metadata, versions=PROXY),
    Route("POST", "/images/{image_id}/metadata", create_image_metadata, versions=PROXY),
    Route("PUT", "/images/{image_id}/metadata", update_image_metadata, versions=PROXY),
    Route("GET", "/images/{image_id}/metadata/{key}", show_image_metadata_item, versions=PROXY),
    Route("PUT", "/images/{image_id}/metadata/{key}", update_image_metadata_item, versions=PROXY),
    Route("DELETE", "/images/{image_id}/metadata/{key}", delete_image_metadata_item, versions=PROXY),
]
