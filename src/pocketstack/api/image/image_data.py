"""Image API v2: image data (PUT and GET /v2/images/{id}/file), streamed to and from disk."""

from __future__ import annotations

from starlette.responses import FileResponse, Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty
from pocketstack.api.image.images import glance_not_found
from pocketstack.api.routing import Route
from pocketstack.services import image_store, images


def _check_upload_headers(ctx: Ctx) -> None:
    content_type = ctx.request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/octet-stream":
        raise errors.UnsupportedMediaType(
            f"Content-Type {content_type or '(none)'} is not supported: use "
            f"application/octet-stream.")
    declared = ctx.request.headers.get("content-length")
    cap = ctx.cloud.settings.image_size_cap
    if declared and declared.isdigit() and int(declared) > cap:
        raise errors.PayloadTooLarge(
            f"Image exceeds the storage quota: the maximum image size is {cap} bytes.")


async def upload_image_data(ctx: Ctx) -> Response:
    """queued -> saving, stream the body to disk with its hashes, then saving -> active."""
    image_id = ctx.params["image_id"]
    _check_upload_headers(ctx)
    settings = ctx.cloud.settings
    with glance_not_found(image_id):
        async with ctx.cloud.db.session() as s:
            await images.begin_upload(s, image_id, project_id=ctx.project_id,
                                      is_admin=ctx.is_admin)
    try:
        stored = await image_store.save_stream(settings.data_dir, image_id, ctx.request.stream(),
                                               settings.image_size_cap)
    except BaseException:
        async with ctx.cloud.db.session() as s:
            await images.abort_upload(s, image_id)
        raise
    async with ctx.cloud.db.session() as s:
        image = await images.finish_upload(s, image_id, location=stored.location, size=stored.size,
                                           md5=stored.md5, sha512=stored.sha512)
    if image is None:
        image_store.remove(settings.data_dir, stored.location)
        raise errors.ApiError(f"Image {image_id} could not be found after upload. The image may "
                              f"have been deleted during the upload.", code=410)
    return empty(204)


async def download_image_data(ctx: Ctx) -> Response:
    image_id = ctx.params["image_id"]
    with glance_not_found(image_id):
        async with ctx.cloud.db.reader() as s:
            image = await images.get_visible_image(s, image_id, project_id=ctx.project_id,
                                                   is_admin=ctx.is_admin)
    if image.status == "deactivated" and not ctx.is_admin:
        raise errors.Forbidden("The requested image has been deactivated. Image data download "
                               "is forbidden.")
    path = image_store.path_of(ctx.cloud.settings.data_dir, image.location) if image.location else None
    if image.status not in ("active", "deactivated") or path is None or not path.is_file():
        return empty(204)
    headers = {"Content-MD5": image.checksum} if image.checksum else {}
    return FileResponse(path, media_type="application/octet-stream", headers=headers)


ROUTES: list[Route] = [
    Route("PUT", "/v2/images/{image_id}/file", upload_image_data),
    Route("GET", "/v2/images/{image_id}/file", download_image_data),
]
