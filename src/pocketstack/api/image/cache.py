"""Image API v2.14: the cache (/v2/cache), admin only."""

from __future__ import annotations

from datetime import UTC

from starlette.responses import Response

from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import image_cache


async def list_cache(ctx: Ctx) -> Response:
    cached, queued = await image_cache.cache_state(ctx.cloud, ctx.caller)
    return json_response({
        "cached_images": [{"image_id": r.image_id, "hits": r.hits,
                           "last_accessed": r.last_accessed.replace(tzinfo=UTC).timestamp(),
                           "last_modified": r.last_modified.replace(tzinfo=UTC).timestamp(),
                           "size": r.size}
                          for r in cached],
        "queued_images": queued})


async def queue_image(ctx: Ctx) -> Response:
    await image_cache.queue_image(ctx.cloud, ctx.caller, ctx.params["image_id"])
    return empty(202)


async def delete_cached_image(ctx: Ctx) -> Response:
    await image_cache.delete_entry(ctx.cloud, ctx.caller, ctx.params["image_id"])
    return empty(204)


async def clear_cache(ctx: Ctx) -> Response:
    target = ctx.request.headers.get("x-image-cache-clear-target", "").lower()
    await image_cache.clear(ctx.cloud, ctx.caller, target)
    return empty(204)


ROUTES: list[Route] = [
    Route("GET", "/v2/cache", list_cache),
    Route("DELETE", "/v2/cache", clear_cache),
    Route("PUT", "/v2/cache/{image_id}", queue_image),
    Route("DELETE", "/v2/cache/{image_id}", delete_cached_image),
]
