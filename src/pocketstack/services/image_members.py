"""Image members: the projects a shared image is offered to, and each one's answer
(pending, accepted, rejected). Only the owner adds or removes members; only a member answers.
The use cases (at the end) open one transaction each."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import ImageMemberRow, ImageRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.images import get_visible_image, may_modify, not_authorized
from pocketstack.timeutil import utcnow

MEMBER_STATUSES = ("pending", "accepted", "rejected")
MAX_MEMBERS = 128


def member_not_found(image_id: str, member_id: str) -> errors.NotFound:
    return errors.NotFound(f"Member {member_id} not found for image {image_id}")


async def _image(s: AsyncSession, image_id: str, project_id: str, is_admin: bool) -> ImageRow:
    return await get_visible_image(s, image_id, project_id=project_id, is_admin=is_admin)


async def add_member(s: AsyncSession, image_id: str, member_id: str, *, project_id: str,
                     is_admin: bool) -> ImageMemberRow:
    image = await _image(s, image_id, project_id, is_admin)
    if not may_modify(image, project_id, is_admin):
        raise not_authorized("add_member")
    if image.visibility != "shared":
        raise errors.Forbidden(f"Image {image_id} could not be shared: only shared images have "
                               f"members.")
    if await s.get(ImageMemberRow, (image_id, member_id)) is not None:
        raise errors.Conflict(f"Member {member_id} is duplicated for image {image_id}")
    count = await s.scalar(select(func.count()).select_from(ImageMemberRow).where(
        ImageMemberRow.image_id == image_id))
    if int(count or 0) >= MAX_MEMBERS:
        raise errors.PayloadTooLarge("The limit has been exceeded on the number of allowed image "
                                     "members for this image.")
    now = utcnow()
    row = ImageMemberRow(image_id=image_id, member_id=member_id, status="pending",
                         created_at=now, updated_at=now)
    s.add(row)
    await s.flush()
    return row


async def list_members(s: AsyncSession, image_id: str, *, project_id: str,
                       is_admin: bool) -> list[ImageMemberRow]:
    """The owner sees every member; a member sees only itself."""
    image = await _image(s, image_id, project_id, is_admin)
    if image.visibility != "shared":
        raise errors.Forbidden("Only shared images have members.")
    query = select(ImageMemberRow).where(ImageMemberRow.image_id == image_id)
    if not may_modify(image, project_id, is_admin):
        query = query.where(ImageMemberRow.member_id == project_id)
    return list(await s.scalars(query.order_by(ImageMemberRow.created_at,
                                               ImageMemberRow.member_id)))


async def get_member(s: AsyncSession, image_id: str, member_id: str, *, project_id: str,
                     is_admin: bool) -> ImageMemberRow:
    image = await _image(s, image_id, project_id, is_admin)
    row = await s.get(ImageMemberRow, (image_id, member_id))
    if row is None or not (may_modify(image, project_id, is_admin) or member_id == project_id):
        raise member_not_found(image_id, member_id)
    return row


async def set_member_status(s: AsyncSession, image_id: str, member_id: str, status: str, *,
                            project_id: str, is_admin: bool) -> ImageMemberRow:
    row = await get_member(s, image_id, member_id, project_id=project_id, is_admin=is_admin)
    if member_id != project_id and not is_admin:
        raise not_authorized("modify_member")
    row.status = status
    row.updated_at = utcnow()
    return row


async def remove_member(s: AsyncSession, image_id: str, member_id: str, *, project_id: str,
                        is_admin: bool) -> None:
    image = await _image(s, image_id, project_id, is_admin)
    row = await get_member(s, image_id, member_id, project_id=project_id, is_admin=is_admin)
    if not may_modify(image, project_id, is_admin):
        raise not_authorized("delete_member")
    await s.delete(row)


# --- use cases ----------------------------------------------------------------------------------


async def create_image_member(cloud: Cloud, caller: Caller, image_id: str,
                              member_id: str) -> ImageMemberRow:
    async with cloud.db.session() as s:
        return await add_member(s, image_id, member_id, project_id=caller.project_id,
                                is_admin=caller.is_admin)


async def list_image_members(cloud: Cloud, caller: Caller, image_id: str) -> list[ImageMemberRow]:
    async with cloud.db.reader() as s:
        return await list_members(s, image_id, project_id=caller.project_id,
                                  is_admin=caller.is_admin)


async def show_image_member(cloud: Cloud, caller: Caller, image_id: str,
                            member_id: str) -> ImageMemberRow:
    async with cloud.db.reader() as s:
        return await get_member(s, image_id, member_id, project_id=caller.project_id,
                                is_admin=caller.is_admin)


async def update_image_member(cloud: Cloud, caller: Caller, image_id: str, member_id: str,
                              status: str) -> ImageMemberRow:
    """A member's answer (`status`, one of MEMBER_STATUSES) to the image offered to it."""
    async with cloud.db.session() as s:
        return await set_member_status(s, image_id, member_id, status,
                                       project_id=caller.project_id, is_admin=caller.is_admin)


async def delete_image_member(cloud: Cloud, caller: Caller, image_id: str,
                              member_id: str) -> None:
    async with cloud.db.session() as s:
        await remove_member(s, image_id, member_id, project_id=caller.project_id,
                            is_admin=caller.is_admin)
