"""Image API v2: the JSON shapes of an image and of a page of images, as Glance renders them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from pocketstack.services.records import ImageRow
from pocketstack.timeutil import iso_z


@dataclass(frozen=True, slots=True)
class StoreView:
    """What an image view shows of where its data is: the stores holding it (as Glance with
    enabled_backends), and with show_multiple_locations its locations."""

    default_store: str = "file"
    data_dir: str | None = None


# Properties Glance keeps to itself (which API worker staged the data).
HIDDEN = ("os_glance_stage_host", "os_glance_hash_op_host")


def image_view(image: ImageRow, where: StoreView | None = None) -> dict[str, Any]:
    """Custom properties flat beside the core attributes; links relative to the API root."""
    body: dict[str, Any] = {k: v for k, v in (image.properties or {}).items() if k not in HIDDEN}
    where = where or StoreView()
    held = list(image.stores or []) or ([where.default_store] if image.location else [])
    if held:
        body["stores"] = ",".join(sorted(held))
    if where.data_dir is not None:
        body["locations"] = [
            {"url": f"file://{where.data_dir}/{store_path(image.id, store, where.default_store)}",
             "metadata": {"store": store}} for store in held]
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


def store_path(image_id: str, store: str, default_store: str) -> str:
    return (f"images/{image_id}" if store == default_store
            else f"images/stores/{store}/{image_id}")


def images_page(images: list[ImageRow], params: list[tuple[str, str]],
                next_marker: str | None, where: StoreView | None = None) -> dict[str, Any]:
    """A listing with Glance's `first`, `next` (when the page is full) and `schema` links."""
    kept = [(key, value) for key, value in params if key != "marker"]
    body: dict[str, Any] = {
        "images": [image_view(image, where) for image in images],
        "first": "/v2/images" + (f"?{urlencode(kept)}" if kept else ""),
        "schema": "/v2/schemas/images",
    }
    if next_marker is not None:
        body["next"] = "/v2/images?" + urlencode([*kept, ("marker", next_marker)])
    return body
