"""Block Storage API v3: the os-volume_upload_image volume action (volume to image; 3.1 adds
visibility and protected)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.volume import microversions as mv
from pocketstack.api.volume.backups import boolean
from pocketstack.services import volume_images
from pocketstack.services.volume_images import UploadRequest
from pocketstack.timeutil import iso_plain

UPLOAD_IMAGE_PARAMS = mv.Change(mv.parse("3.1"), "upload to image takes visibility, protected")
VISIBILITIES = ("public", "private", "community", "shared")


async def upload_image(ctx: Ctx, body: dict[str, Any]) -> Response:
    name = body.get("image_name")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise errors.BadRequest("Invalid input for field/attribute os-volume_upload_image. "
                                "'image_name' is a required property")
    disk_format = body.get("disk_format", "raw")
    container_format = body.get("container_format", "bare")
    if not isinstance(disk_format, str) or not isinstance(container_format, str):
        raise errors.BadRequest("Invalid input for field/attribute os-volume_upload_image.")
    visibility, protected = "private", False
    if mv.at(ctx.version, UPLOAD_IMAGE_PARAMS):
        visibility = body.get("visibility", "private")
        if visibility not in VISIBILITIES:
            raise errors.BadRequest(f"Invalid input for field/attribute visibility. Value: "
                                    f"{visibility!r}. {visibility!r} is not one of "
                                    f"{list(VISIBILITIES)}")
        protected = boolean(body.get("protected", False), "protected")
    request = UploadRequest(image_name=name, disk_format=disk_format.lower(),
                            container_format=container_format.lower(),
                            force=boolean(body.get("force", False), "force"),
                            visibility=visibility, protected=protected)
    uploaded = await volume_images.upload_to_image(ctx.cloud, ctx.caller,
                                                   ctx.params["volume_id"], request)
    volume, image = uploaded.volume, uploaded.image
    answer: dict[str, Any] = {
        "id": volume.id, "updated_at": iso_plain(volume.updated_at), "status": "uploading",
        "display_description": volume.description, "size": volume.size,
        "volume_type": None, "image_id": image.id,
        "container_format": request.container_format, "disk_format": request.disk_format,
        "image_name": request.image_name,
    }
    if mv.at(ctx.version, UPLOAD_IMAGE_PARAMS):
        answer.update({"visibility": request.visibility, "protected": request.protected})
    return json_response({"os-volume_upload_image": answer}, 202)
