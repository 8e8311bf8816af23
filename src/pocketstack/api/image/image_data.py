"""Image API v2: image data (PUT and GET /v2/images/{id}/file), streamed to and from disk."""

from __future__ import annotations

from starlette.responses import FileResponse, Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty
from pocketstack.api.image.images import glance_not_found
from pocketstack.api.image.patch import unsupported_media_type
from pocketstack.api.routing import Route
from pocketstack.services import image_data


def _check_upload_headers(ctx: Ctx) -> None:
    if "content-type" not in ctx.request.headers:
        raise unsupported_media_type(ctx, "Invalid content type None")
    content_type = ctx.request.headers["content-type"].split(";")[0].strip()
    if content_type != "application/octet-stream":
        raise unsupported_media_type(ctx, f"Invalid content type {content_type}")
    declared = ctx.request.headers.get("content-length")
    cap = ctx.cloud.settings.image_size_cap
    if declared and declared.isdigit() and int(declared) > cap:
        raise errors.PayloadTooLarge(
            f"Image exceeds the storage quota: the maximum image size is {cap} bytes.")


async def upload_image_data(ctx: Ctx) -> Response:
    """queued -> saving, stream the body to disk with its hashes, then saving -> active."""
    image_id = ctx.params["image_id"]
    _check_upload_headers(ctx)
    with glance_not_found(image_id):
        await image_data.upload_image_data(ctx.cloud, ctx.caller, image_id, ctx.request.stream())
    return empty(204)


async def download_image_data(ctx: Ctx) -> Response:
    image_id = ctx.params["image_id"]
    with glance_not_found(image_id):
        data = await image_data.download_image_data(ctx.cloud, ctx.caller, image_id)
    if data.path is None:
        return empty(204)
    headers = {"Content-MD5": data.checksum} if data.checksum else {}
    return FileResponse(data.path, media_type="application/octet-stream", headers=headers)


ROUTES: list[Route] = [
    Route("PUT", "/v2/images/{image_id}/file", upload_image_data),
    Route("GET", "/v2/images/{image_id}/file", download_image_data),
]
