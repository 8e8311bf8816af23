"""The image API (Glance v2 subset): route table, paths relative to /image."""

from __future__ import annotations

from pocketstack.api.image import (
    cache,
    image_actions,
    image_data,
    image_import,
    images,
    members,
    metadef_schemas,
    metadefs,
    schemas,
    tasks,
    versions,
)
from pocketstack.api.routing import Route

ROUTES: list[Route] = [
    *versions.ROUTES,
    *images.ROUTES,
    *image_data.ROUTES,
    *image_actions.ROUTES,
    *members.ROUTES,
    *schemas.ROUTES,
    *metadefs.ROUTES,
    *metadef_schemas.ROUTES,
    *image_import.ROUTES,
    *tasks.ROUTES,
    *cache.ROUTES,
]
