"""Image data use cases: an upload streamed to disk between the record's queued -> saving and
saving -> active commits, and the file a download serves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from pocketstack import errors
from pocketstack.db.models import ImageRow
from pocketstack.services import image_import, image_store, images
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud


@dataclass(frozen=True, slots=True)
class ImageFile:
    """What a download serves: the image's file (None when there is no data to send) and the
    MD5 checksum of its contents."""

    path: Path | None
    checksum: str | None


async def upload_image_data(cloud: Cloud, caller: Caller, image_id: str,
                            chunks: AsyncIterator[bytes]) -> ImageRow:
    """queued -> saving (committed), the chunks to disk with their hashes, then saving -> active
    (committed). A failed upload puts the image back to queued; an image deleted meanwhile
    answers 410 and its data is removed."""
    settings = cloud.settings
    async with cloud.db.session() as s:
        queued = await images.begin_upload(s, image_id, project_id=caller.project_id,
                                          is_admin=caller.is_admin)
        await image_import.enforce(s, settings, queued.owner or caller.project_id,
                                   "image_size_total")
    try:
        stored = await image_store.save_stream(settings.data_dir, image_id, chunks,
                                               settings.image_size_cap)
    except BaseException:
        async with cloud.db.session() as s:
            await images.abort_upload(s, image_id)
        raise
    async with cloud.db.session() as s:
        image = await images.finish_upload(s, image_id, location=stored.location, size=stored.size,
                                           md5=stored.md5, sha512=stored.sha512)
    if image is None:
        image_store.remove(settings.data_dir, stored.location)
        raise errors.ApiError(f"Image {image_id} could not be found after upload. The image may "
                              f"have been deleted during the upload.", code=410)
    return image


async def download_image_data(cloud: Cloud, caller: Caller, image_id: str) -> ImageFile:
    """The data of an image the caller may see; a deactivated image's only for an admin."""
    async with cloud.db.reader() as s:
        image = await images.get_visible_image(s, image_id, project_id=caller.project_id,
                                               is_admin=caller.is_admin)
    if image.status == "deactivated" and not caller.is_admin:
        raise errors.Forbidden("The requested image has been deactivated. Image data download "
                               "is forbidden.")
    path = image_store.path_of(cloud.settings.data_dir, image.location) if image.location else None
    if image.status not in ("active", "deactivated") or path is None or not path.is_file():
        return ImageFile(None, None)
    return ImageFile(path, image.checksum)
