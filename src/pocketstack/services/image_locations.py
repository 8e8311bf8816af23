"""Image locations by JSON patch (`/locations`), as Glance's show_multiple_locations allows.

A location is a store's copy of the image (`file://<data dir>/images/...`, metadata
`{"store": id}`). Removing one drops that store's copy (never the last of an active image);
adding one (admin) registers an existing file inside a configured store's directory (linked
under the image's own name), which makes a queued image active with that file's size. Without show_multiple_locations every
locations change is refused, in Glance's words.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pocketstack import errors
from pocketstack.db.models import ImageRow
from pocketstack.services import image_store
from pocketstack.settings import Settings

VERBS = {"add": "add", "remove": "remove", "replace": "update"}


def urls(image: ImageRow, settings: Settings) -> list[tuple[str, str]]:
    """(store, url) of each location, in the order an image view lists them."""
    default = settings.image_stores[0] if settings.image_stores else "file"
    held = list(image.stores or []) or ([default] if image.location else [])
    root = settings.data_dir.resolve()
    return [(store, f"file://{root}/{image_store.store_location(image.id, store, default)}")
            for store in held]


def change_locations(image: ImageRow, op: str, index: str | None, value: Any,
                     settings: Settings, *, is_admin: bool) -> list[str]:
    """Apply one locations change; returns the data locations (relative) to remove after
    the commit."""
    if not settings.image_show_multiple_locations:
        raise errors.Forbidden(f"It's not allowed to {VERBS[op]} locations if locations are "
                               f"invisible.")
    if op == "remove":
        return _remove(image, index, settings)
    if op == "add":
        if not is_admin:
            raise errors.Forbidden("You are not authorized to complete set_image_location "
                                   "action.")
        _add(image, value, settings)
        return []
    current = [url for _, url in urls(image, settings)]
    wanted = [loc.get("url") if isinstance(loc, dict) else None for loc in value or []]
    if wanted != current:
        raise errors.BadRequest("Invalid locations")
    return []


def _remove(image: ImageRow, index: str | None, settings: Settings) -> list[str]:
    locations = urls(image, settings)
    try:
        position = int(index or "")
    except ValueError:
        raise errors.BadRequest(f"Invalid JSON pointer for this resource: '/locations/{index}'"
                                ) from None
    if not 0 <= position < len(locations):
        raise errors.BadRequest("Index is out of range")
    if len(locations) == 1 and image.status == "active":
        raise errors.Forbidden("Cannot remove last location in the image.")
    store, _ = locations[position]
    default = settings.image_stores[0] if settings.image_stores else "file"
    held = [s for s, _ in locations if s != store]
    image.stores = held
    gone = image_store.store_location(image.id, store, default)
    if image.location == gone:
        image.location = image_store.store_location(image.id, held[0], default) if held else None
    if not held:
        image.status = "queued"
        image.size = image.checksum = image.os_hash_algo = image.os_hash_value = None
    return [gone]


def _add(image: ImageRow, value: Any, settings: Settings) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("url"), str) or not isinstance(
            value.get("metadata", {}), dict):
        raise errors.BadRequest("Invalid location")
    url: str = value["url"]
    root = settings.data_dir.resolve()
    path = Path(url[len("file://"):]).resolve() if url.startswith("file://") else None
    default = settings.image_stores[0] if settings.image_stores else "file"
    store = None
    for sid in settings.image_stores or ["file"]:
        directory = (root / image_store.store_location("x", sid, default)).parent
        if path is not None and path.parent == directory:
            store = sid
    if path is None or store is None or not path.is_file():
        raise errors.BadRequest(f"Invalid location: {url}")
    if value.get("metadata", {}).get("store", store) != store:
        raise errors.BadRequest(f"Invalid location: {url}")
    if image.status not in ("queued", "active"):
        raise errors.Conflict(f"It's not allowed to add locations if image status is "
                              f"{image.status}.")
    held = [s for s, _ in urls(image, settings)]
    if store in held:
        raise errors.BadRequest("The location is already present")
    # The image gets its own name for the data (a hard link: no copy, and deleting either
    # image leaves the other's data in place).
    own = image_store.store_location(image.id, store, default)
    if path != root / own:
        (root / own).unlink(missing_ok=True)
        os.link(path, root / own)
    image.stores = [*held, store]
    if image.status == "queued":
        image.status = "active"
        image.size = os.path.getsize(path)
        image.location = own
