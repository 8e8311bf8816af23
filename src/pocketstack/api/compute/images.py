"""Compute: images (list, detail, show, delete), a view of the image service's records, served
up to microversion 2.35 (and by the legacy /v2 API, whose detailed views also show the seed's
`tenant_id`, `user_id` and an `OS-DCF:diskConfig` on every image)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.cached_reads import cached
from pocketstack.api.compute.microversions import serves
from pocketstack.api.compute.views_links import next_link, resource_links
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import image_catalog, images
from pocketstack.services.images import ImageQuery
from pocketstack.services.records import ImageRow
from pocketstack.timeutil import iso_z, parse_iso
from pocketstack.validation import OSLO

# The image proxy is gone from 2.36 (Nova's MAX_PROXY_API_SUPPORT_VERSION); /v2 keeps it.
PROXY = serves("2.0", "2.35", area="images (proxy)",
               summary="GET /images, /images/detail, GET and DELETE /images/{id}")
MAX_LIMIT = 1000
STATUS = {"active": "ACTIVE", "queued": "SAVING", "saving": "SAVING", "deleted": "DELETED",
          "pending_delete": "DELETED", "killed": "ERROR"}
PROGRESS = {"queued": 25, "saving": 50, "active": 100}


# --- links and views ----------------------------------------------------------------------------


def image_links(ctx: Ctx, image_id: str) -> list[dict[str, str]]:
    return [*resource_links(ctx, "images", image_id),
            {"rel": "alternate", "type": "application/vnd.openstack.image",
             "href": ctx.url("image", "images", image_id)}]


def basic_view(ctx: Ctx, image: ImageRow) -> dict[str, Any]:
    return {"id": image.id, "name": image.name, "links": image_links(ctx, image.id)}


def detail_view(ctx: Ctx, image: ImageRow) -> dict[str, Any]:
    metadata = dict(image.properties or {})
    body: dict[str, Any] = {
        "id": image.id,
        "name": image.name,
        "minRam": image.min_ram or 0,
        "minDisk": image.min_disk or 0,
        "metadata": metadata,
        "created": iso_z(image.created_at),
        "updated": iso_z(image.updated_at),
        "status": STATUS.get(image.status, "UNKNOWN"),
        "progress": PROGRESS.get(image.status, 0),
        "OS-EXT-IMG-SIZE:size": image.size,
        "links": image_links(ctx, image.id),
    }
    server_id = metadata.get("instance_uuid")
    if server_id:
        body["server"] = {"id": server_id, "links": resource_links(ctx, "servers", server_id)}
    disk_config = metadata.get("auto_disk_config")
    if disk_config is not None:
        body["OS-DCF:diskConfig"] = "AUTO" if OSLO.parse(str(disk_config)) else "MANUAL"
    if ctx.options.get("legacy"):
        # The seed's images: their project and user (the user a snapshot records; none for an
        # uploaded image), and a disk config for every image (MANUAL unless it asks for AUTO).
        body["tenant_id"] = image.owner
        body["user_id"] = metadata.get("user_id")
        body.setdefault("OS-DCF:diskConfig", "MANUAL")
    return body


def next_links(ctx: Ctx, collection: str, rows: list[ImageRow], limit: int) -> list[dict[str, str]]:
    return next_link(ctx, collection, rows[-1].id) if rows and len(rows) == limit else []


# --- query ----------------------------------------------------------------------------------------


def _int_param(ctx: Ctx, name: str) -> int | None:
    text = ctx.query.get(name)
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise errors.BadRequest(f"{name} param must be an integer") from None
    if value < 0:
        raise errors.BadRequest(f"{name} param must be positive")
    return value


def image_query(ctx: Ctx) -> ImageQuery:
    """Nova's filters (name, status, changes-since, server, type, minRam, minDisk, property-*)
    and paging, mapped onto the image service's default listing."""
    params = ctx.query
    limit = _int_param(ctx, "limit")
    q = ImageQuery(limit=MAX_LIMIT if limit is None else min(limit, MAX_LIMIT),
                   marker=params.get("marker"), min_ram=_int_param(ctx, "minRam"),
                   min_disk=_int_param(ctx, "minDisk"))
    if "name" in params:
        q.equals["name"] = params["name"]
    if "status" in params:
        q.equals["status"] = params["status"].lower()
    if "changes-since" in params:
        q.changes_since = parse_iso(params["changes-since"])
        if q.changes_since is None:
            raise errors.BadRequest(f"Invalid changes-since value: {params['changes-since']}")
    if "server" in params:
        q.properties["instance_uuid"] = params["server"].rstrip("/").rsplit("/", 1)[-1]
    if "type" in params:
        q.properties["image_type"] = params["type"]
    for key, value in params.items():
        if key.startswith("property-"):
            q.properties[key[len("property-"):]] = value
    return q


@contextlib.contextmanager
def nova_image_errors(image_id: str, forbidden: str | None = None) -> Iterator[None]:
    """Nova's wording for images it cannot see or may not change."""
    try:
        yield
    except errors.NotFound as exc:
        if exc.message == images.not_found(image_id).message:
            raise errors.NotFound("Image not found.") from None
        raise
    except errors.Forbidden:
        raise errors.Forbidden(forbidden or f"Not authorized for image {image_id}.") from None


# --- handlers -------------------------------------------------------------------------------------


async def _list(ctx: Ctx) -> tuple[ImageQuery, list[ImageRow]]:
    query = image_query(ctx)
    rows = await image_catalog.list_images(ctx.cloud, ctx.caller, query, require_project=True)
    return query, rows


async def list_images(ctx: Ctx) -> Response:
    query, rows = await _list(ctx)
    body: dict[str, Any] = {"images": [basic_view(ctx, row) for row in rows]}
    links = next_links(ctx, "images", rows, query.limit or 0)
    if links:
        body["images_links"] = links
    return json_response(body)


async def list_images_detail(ctx: Ctx) -> Response:
    query, rows = await _list(ctx)
    body: dict[str, Any] = {"images": [detail_view(ctx, row) for row in rows]}
    links = next_links(ctx, "images/detail", rows, query.limit or 0)
    if links:
        body["images_links"] = links
    return json_response(body)


async def show_image(ctx: Ctx) -> Response:
    image_id = ctx.params["image_id"]
    with nova_image_errors(image_id):
        image = await image_catalog.show_image(ctx.cloud, ctx.caller, image_id)
    return json_response({"image": detail_view(ctx, image)})


async def delete_image(ctx: Ctx) -> Response:
    image_id = ctx.params["image_id"]
    with nova_image_errors(image_id, "You are not allowed to delete the image."):
        await image_catalog.delete_image(ctx.cloud, ctx.caller, image_id)
    return empty(204)


async def delete_image_without_id(ctx: Ctx) -> Response:
    """DELETE /images/ names no image: Nova answers 404, as for any unknown image."""
    raise errors.NotFound("Image not found.")


ROUTES: list[Route] = [
    Route("GET", "/images", cached(list_images), versions=PROXY),
    Route("DELETE", "/images", delete_image_without_id, versions=PROXY),
    Route("GET", "/images/detail", cached(list_images_detail), versions=PROXY),
    Route("GET", "/images/{image_id}", show_image, versions=PROXY),
    Route("DELETE", "/images/{image_id}", delete_image, versions=PROXY),
]
