"""Image API v2: images (list, show, create, update by JSON patch, delete)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.image.listing import parse_query
from pocketstack.api.image.patch import read_changes
from pocketstack.api.image.validation import WRITABLE, check_attribute, check_writable
from pocketstack.api.image.views import StoreView, image_view, images_page
from pocketstack.api.routing import Route
from pocketstack.services import image_catalog, image_updates, images
from pocketstack.services.images import ImageFields


@contextlib.contextmanager
def glance_not_found(image_id: str) -> Iterator[None]:
    """Glance's wording for an image the caller cannot see."""
    try:
        yield
    except errors.NotFound as exc:
        if exc.message == images.not_found(image_id).message:
            raise errors.NotFound(f"No image found with ID {image_id}") from None
        raise


def store_view(ctx: Ctx) -> StoreView:
    settings = ctx.cloud.settings
    return StoreView(settings.image_stores[0] if settings.image_stores else "file",
                     str(settings.data_dir.resolve()) if settings.image_show_multiple_locations
                     else None)


def image_fields(body: dict[str, Any]) -> ImageFields:
    """Validate a create body: core attributes, tags, and flat custom properties (the owner,
    when not given, is the caller's project)."""
    values: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    for name, value in body.items():
        if name != "id":
            check_writable(name)
        check_attribute(name, value)
        if name in WRITABLE or name == "id":
            values[name] = value
        else:
            properties[name] = value
    return ImageFields(
        name=values.get("name"), owner=values.get("owner"), properties=properties,
        visibility=values.get("visibility", "shared"), container_format=values.get("container_format"),
        disk_format=values.get("disk_format"), min_disk=values.get("min_disk", 0),
        min_ram=values.get("min_ram", 0), protected=values.get("protected", False),
        os_hidden=values.get("os_hidden", False), tags=values.get("tags", []),
        image_id=values.get("id"))


async def list_images(ctx: Ctx) -> Response:
    if ctx.request.url.path.endswith("/"):
        raise errors.NotFound("The resource could not be found.")  # GET /v2/images/ names no image
    query = parse_query(ctx.query)
    rows = await image_catalog.list_images(ctx.cloud, ctx.caller, query)
    full = query.limit is not None and query.limit > 0 and len(rows) == query.limit
    return json_response(images_page(rows, list(ctx.query.multi_items()),
                                     rows[-1].id if full else None, store_view(ctx)))


async def show_image(ctx: Ctx) -> Response:
    image_id = ctx.params["image_id"]
    with glance_not_found(image_id):
        image = await image_catalog.show_image(ctx.cloud, ctx.caller, image_id)
    return json_response(image_view(image, store_view(ctx)))


async def create_image(ctx: Ctx) -> Response:
    fields = image_fields(await ctx.json_object())
    image = await image_catalog.create_image(ctx.cloud, ctx.caller, fields)
    location = ctx.url("image", "v2", "images", image.id)
    return json_response(image_view(image, store_view(ctx)), 201, headers={"Location": location})


async def update_image(ctx: Ctx) -> Response:
    image_id = ctx.params["image_id"]
    changes = await read_changes(ctx)
    with glance_not_found(image_id):
        image = await image_updates.patch_image(ctx.cloud, ctx.caller, image_id, changes)
    return json_response(image_view(image, store_view(ctx)))


async def delete_image_without_id(ctx: Ctx) -> Response:
    """DELETE /v2/images/ names no image."""
    raise errors.NotFound("The resource could not be found.")


async def delete_image(ctx: Ctx) -> Response:
    image_id = ctx.params["image_id"]
    with glance_not_found(image_id):
        await image_catalog.delete_image(ctx.cloud, ctx.caller, image_id)
    return empty(204)


ROUTES: list[Route] = [
    Route("GET", "/v2/images", list_images),
    Route("POST", "/v2/images", create_image),
    Route("DELETE", "/v2/images", delete_image_without_id),
    Route("GET", "/v2/images/{image_id}", show_image),
    Route("PATCH", "/v2/images/{image_id}", update_image),
    Route("DELETE", "/v2/images/{image_id}", delete_image),
]
