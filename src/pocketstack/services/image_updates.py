"""Image changes: JSON patch (Glance v2 PATCH) on core attributes and custom properties with
Glance's rules for what may change and when, tags, deactivation, and the compute API's image
metadata. The use cases (at the end) open one transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import ImageRow
from pocketstack.services import image_locations, image_store, quotas
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.images import get_visible_image, not_authorized, require_owner, touch
from pocketstack.services.policy import authorize
from pocketstack.settings import Settings

# Core attributes that a patch may set (never remove).
CORE = ("name", "visibility", "protected", "os_hidden", "container_format", "disk_format",
        "min_disk", "min_ram", "tags", "owner")
# Formats are fixed once data is attached.
QUEUED_ONLY = ("container_format", "disk_format")


@dataclass(frozen=True, slots=True)
class Change:
    op: str
    name: str
    value: Any = None
    # JSON patch "add" replaces an existing member; the older draft-4 form refuses (409).
    add_replaces: bool = True
    # For /locations/N and /locations/-: the part after /locations/.
    index: str | None = None


async def update_image(s: AsyncSession, image_id: str, changes: list[Change], *,
                       project_id: str, is_admin: bool, settings: Settings | None = None,
                       removed: list[str] | None = None) -> ImageRow:
    """Apply every change in order, all or nothing (the caller's session commits); the data
    locations that `/locations` removals leave behind go to `removed`."""
    image = await get_visible_image(s, image_id, project_id=project_id, is_admin=is_admin)
    require_owner(image, project_id, is_admin, "modify_image")
    properties = dict(image.properties or {})
    for change in changes:
        if change.name == "locations":
            if settings is None:
                raise errors.Forbidden("Attribute 'locations' is reserved.")
            gone = image_locations.change_locations(image, change.op, change.index,
                                                    change.value, settings, is_admin=is_admin)
            if removed is not None:
                removed.extend(gone)
            continue
        if change.op == "add" and not change.add_replaces and (
                change.name in CORE or change.name in properties):
            raise errors.Conflict(f"Property {change.name} already present.")
        if change.name in CORE:
            _change_core(image, change, is_admin)
        else:
            _change_property(properties, change)
    if changes:
        image.properties = properties
        touch(image)
    return image


def _change_core(image: ImageRow, change: Change, is_admin: bool) -> None:
    name, value = change.name, change.value
    if change.op == "remove":
        raise errors.Forbidden(f"Property {name} may not be removed.")
    if name == "visibility" and value == "public" and image.visibility != "public" and not is_admin:
        raise not_authorized("publicize_image")
    if name == "owner" and value != image.owner and not is_admin:
        raise not_authorized("modify_image")
    if name in QUEUED_ONLY and value != getattr(image, name) and image.status != "queued":
        raise errors.Forbidden(f"Attribute {name} can be only replaced for a queued image.")
    if name == "tags":
        value = list(dict.fromkeys(value))
    setattr(image, name, value)


def _change_property(properties: dict[str, Any], change: Change) -> None:
    name = change.name
    if change.op == "add":
        properties[name] = change.value
    elif name not in properties:
        raise errors.Conflict(f"Property {name} does not exist.")
    elif change.op == "replace":
        properties[name] = change.value
    else:
        del properties[name]


# --- state and tags ----------------------------------------------------------------------------


async def set_active_state(s: AsyncSession, image_id: str, *, project_id: str, is_admin: bool,
                           active: bool) -> ImageRow:
    """Deactivate (active -> deactivated) or reactivate (deactivated -> active), by the owner or
    an admin; idempotent."""
    action = "reactivate" if active else "deactivate"
    image = await get_visible_image(s, image_id, project_id=project_id, is_admin=is_admin)
    require_owner(image, project_id, is_admin, action)
    target, source = ("active", "deactivated") if active else ("deactivated", "active")
    if image.status == target:
        return image
    if image.status != source:
        raise errors.Forbidden(f"Not allowed to {action} image in status '{image.status}'")
    image.status = target
    touch(image)
    return image


MAX_TAGS = 128


async def add_tag(s: AsyncSession, image_id: str, tag: str, *, project_id: str,
                  is_admin: bool) -> None:
    image = await get_visible_image(s, image_id, project_id=project_id, is_admin=is_admin)
    require_owner(image, project_id, is_admin, "modify_image")
    tags = list(image.tags or [])
    if tag in tags:
        return
    if len(tags) >= MAX_TAGS:
        raise errors.PayloadTooLarge(f"Maximum number of tags exceeded: {MAX_TAGS}")
    image.tags = [*tags, tag]
    touch(image)


async def remove_tag(s: AsyncSession, image_id: str, tag: str, *, project_id: str,
                     is_admin: bool) -> None:
    image = await get_visible_image(s, image_id, project_id=project_id, is_admin=is_admin)
    require_owner(image, project_id, is_admin, "modify_image")
    tags = list(image.tags or [])
    if tag not in tags:
        raise errors.NotFound(f"Tag {tag} not found")
    image.tags = [t for t in tags if t != tag]
    touch(image)


# --- compute API image metadata (the custom properties) -------------------------------------


async def update_metadata(s: AsyncSession, settings: Settings, image_id: str,
                          metadata: dict[str, str], *, project_id: str, is_admin: bool,
                          replace: bool) -> dict[str, Any]:
    """Merge (or with replace, substitute) the image's metadata within the metadata_items
    quota; returns the metadata afterwards."""
    image = await get_visible_image(s, image_id, project_id=project_id, is_admin=is_admin)
    require_owner(image, project_id, is_admin, "modify_image")
    merged = dict(metadata) if replace else {**(image.properties or {}), **metadata}
    allowed = (await quotas.limits_for(s, settings, project_id))["metadata_items"]
    if 0 <= allowed < len(merged):
        raise errors.OverLimit("Image metadata limit exceeded", code=403)
    image.properties = merged
    touch(image)
    return merged


async def delete_metadata_item(s: AsyncSession, image_id: str, key: str, *, project_id: str,
                               is_admin: bool) -> None:
    image = await get_visible_image(s, image_id, project_id=project_id, is_admin=is_admin)
    properties = dict(image.properties or {})
    if key not in properties:
        raise errors.NotFound("Invalid metadata key")
    require_owner(image, project_id, is_admin, "modify_image")
    del properties[key]
    image.properties = properties
    touch(image)


# --- use cases ----------------------------------------------------------------------------------


async def patch_image(cloud: Cloud, caller: Caller, image_id: str,
                      changes: list[Change]) -> ImageRow:
    """Glance's PATCH: every change applied in order, all or nothing."""
    removed: list[str] = []
    async with cloud.db.session() as s:
        image = await update_image(s, image_id, changes, project_id=caller.project_id,
                                   is_admin=caller.is_admin, settings=cloud.settings,
                                   removed=removed)
    for location in removed:
        image_store.remove(cloud.settings.data_dir, location)
    return image


async def tag_image(cloud: Cloud, caller: Caller, image_id: str, tag: str) -> None:
    async with cloud.db.session() as s:
        await add_tag(s, image_id, tag, project_id=caller.project_id, is_admin=caller.is_admin)


async def untag_image(cloud: Cloud, caller: Caller, image_id: str, tag: str) -> None:
    async with cloud.db.session() as s:
        await remove_tag(s, image_id, tag, project_id=caller.project_id, is_admin=caller.is_admin)


async def set_image_active(cloud: Cloud, caller: Caller, image_id: str, *, active: bool) -> None:
    """Reactivate (`active`) or deactivate the image, under the image:deactivate rule."""
    authorize(caller, "image:deactivate")
    async with cloud.db.session() as s:
        await set_active_state(s, image_id, project_id=caller.project_id,
                               is_admin=caller.is_admin, active=active)


async def set_image_metadata(cloud: Cloud, caller: Caller, image_id: str,
                             metadata: dict[str, str], *, replace: bool) -> dict[str, Any]:
    """The compute API's image metadata merged with (or with `replace`, replaced by)
    `metadata`; returns the metadata afterwards."""
    async with cloud.db.session() as s:
        return await update_metadata(s, cloud.settings, image_id, metadata,
                                     project_id=caller.project_id, is_admin=caller.is_admin,
                                     replace=replace)


async def delete_image_metadata_item(cloud: Cloud, caller: Caller, image_id: str,
                                     key: str) -> None:
    async with cloud.db.session() as s:
        await delete_metadata_item(s, image_id, key, project_id=caller.project_id,
                                   is_admin=caller.is_admin)
