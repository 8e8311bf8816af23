"""Images as the Image API and the compute API's image proxies use them: list, show, create and
delete (the record, then its data on disk). Each use case opens its own transaction."""

from __future__ import annotations

import asyncio
import dataclasses

from pocketstack import errors
from pocketstack.db.models import ImageRow
from pocketstack.services import image_import, image_store, images
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.images import ImageFields, ImageQuery
from pocketstack.services.policy import authorize


async def list_images(cloud: Cloud, caller: Caller, query: ImageQuery, *,
                      require_project: bool = False) -> list[ImageRow]:
    """A page of the images the caller may list, as `query` filters and sorts them. The compute
    API requires a project-scoped token (`require_project`); the Image API shows a token of no
    project the public images."""
    project_id = caller.project_id if require_project else caller.scoped_project_id
    q = dataclasses.replace(query, project_id=project_id, is_admin=caller.is_admin)
    async with cloud.db.reader() as s:
        return await images.list_images(s, q)


async def show_image(cloud: Cloud, caller: Caller, image_id: str) -> ImageRow:
    """The image if the caller may see it; else NotFound (`images.not_found`)."""
    async with cloud.db.reader() as s:
        return await images.get_visible_image(s, image_id, project_id=caller.project_id,
                                              is_admin=caller.is_admin)


async def create_image(cloud: Cloud, caller: Caller, fields: ImageFields) -> ImageRow:
    """A new queued image, owned by the caller's project unless `fields.owner` names another
    (admin only); a public one needs the image:publicize rule."""
    project_id = caller.project_id
    owner = fields.owner or project_id
    if owner != project_id and not caller.is_admin:
        raise errors.Forbidden(f"You are not permitted to create images owned by '{owner}'.")
    if fields.visibility == "public":
        authorize(caller, "image:publicize")
    async with cloud.db.session() as s:
        await image_import.enforce(s, cloud.settings, owner, "image_count_total", 1)
        return await images.add_image(s, dataclasses.replace(fields, owner=owner))


async def delete_image(cloud: Cloud, caller: Caller, image_id: str) -> None:
    """Mark the image deleted (its owner or an admin; never a protected one), then remove its
    data from disk once that is committed."""
    async with cloud.db.session() as s:
        location = await images.delete_image(s, image_id, project_id=caller.project_id,
                                             is_admin=caller.is_admin)
    settings = cloud.settings
    await asyncio.to_thread(image_store.remove, settings.data_dir, location)
    default = settings.image_stores[0] if settings.image_stores else "file"
    for store in settings.image_stores[1:]:
        await asyncio.to_thread(image_store.remove, settings.data_dir,
                                image_store.store_location(image_id, store, default))
    await asyncio.to_thread(image_store.remove, settings.data_dir,
                            image_store.staging_location(image_id))
