"""Image API v2: image tags (PUT/DELETE /v2/images/{id}/tags/{tag}) and the deactivate and
reactivate actions."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, empty
from pocketstack.api.image.images import glance_not_found
from pocketstack.api.image.validation import check_tags
from pocketstack.api.routing import Route
from pocketstack.services import image_updates


async def add_tag(ctx: Ctx) -> Response:
    image_id, tag = ctx.params["image_id"], ctx.params["tag"]
    check_tags([tag])
    with glance_not_found(image_id):
        await image_updates.tag_image(ctx.cloud, ctx.caller, image_id, tag)
    return empty(204)


async def delete_tag(ctx: Ctx) -> Response:
    image_id, tag = ctx.params["image_id"], ctx.params["tag"]
    with glance_not_found(image_id):
        await image_updates.untag_image(ctx.cloud, ctx.caller, image_id, tag)
    return empty(204)


async def deactivate_image(ctx: Ctx) -> Response:
    return await _set_active(ctx, active=False)


async def reactivate_image(ctx: Ctx) -> Response:
    return await _set_active(ctx, active=True)


async def _set_active(ctx: Ctx, *, active: bool) -> Response:
    image_id = ctx.params["image_id"]
    with glance_not_found(image_id):
        await image_updates.set_image_active(ctx.cloud, ctx.caller, image_id, active=active)
    return empty(204)


ROUTES: list[Route] = [
    Route("PUT", "/v2/images/{image_id}/tags/{tag}", add_tag),
    Route("DELETE", "/v2/images/{image_id}/tags/{tag}", delete_tag),
    Route("POST", "/v2/images/{image_id}/actions/deactivate", deactivate_image),
    Route("POST", "/v2/images/{image_id}/actions/reactivate", reactivate_image),
]
