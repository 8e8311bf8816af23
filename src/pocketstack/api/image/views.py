"""Image API v2: the JSON shapes of an image and of a page of images, as Glance renders them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from pocketstack.services.records import ImageRow
from pocketstack.timeutil import iso_z


def image_view(image: ImageRow) -> dict[str, Any]:
    """Custom properties flat beside the core attributes; links relative to the API root."""
    body: dict[str, Any] = dict(image.properties or {})
    body.update({
        "id": image.id,
        "name": image.name,
        "status": image.status,
        "visibility": image.visibility,
        "protected": image.protected,
        "os_hidden": image.os_hidden,
        "checksum": image.checksum,
        "os_hash_algo": image.os_hash_algo,
        "os_hash_value": image.os_hash_value,
        "owner": image.owner,
        "size": image.size,
        "virtual_size": image.virtual_size,
        "min_ram": image.min_ram,
        "min_disk": image.min_disk,
        "container_format": image.container_format,
        "disk_format": image.disk_format,
        "created_at": iso_z(image.created_at),
        "updated_at": iso_z(image.updated_at),
        "tags": list(image.tags or []),
        "self": f"/v2/images/{image.id}",
        "file": f"/v2/images/{image.id}/file",
        "schema": "/v2/schemas/image",
    })
    return body


def images_page(images: list[ImageRow], params: list[tuple[str, str]],
                next_marker: str | None) -> dict[str, Any]:
    """A listing with Glance's `first`, `next` (when the page is full) and `schema` links."""
    kept = [(key, value) for key, value in params if key != "marker"]
    body: dict[str, Any] = {
        "images": [image_view(image) for image in images],
        "first": "/v2/images" + (f"?{urlencode(kept)}" if kept else ""),
        "schema": "/v2/schemas/images",
    }
    if next_marker is not None:
        body["next"] = "/v2/images?" + urlencode([*kept, ("marker", next_marker)])
    return body
