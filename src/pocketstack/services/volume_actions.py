"""Block storage volume actions (POST /volumes/{id}/action) and volume metadata: extend,
os-set_bootable, os-reset_status (admin) and the metadata routes' use cases."""

from __future__ import annotations

import asyncio

from pocketstack import errors
from pocketstack.services import volume_quotas, volume_store, volume_types
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.volumes import (
    STATUSES,
    get_volume,
    invalid_input,
    invalid_volume,
    unstorable,
)
from pocketstack.timeutil import utcnow

ATTACH_STATUSES = ("attached", "detached")


async def extend_volume(cloud: Cloud, caller: Caller, volume_id: str, new_size: int, *,
                        in_use_allowed: bool = False) -> None:
    """Grow an available volume (an in-use one too with `in_use_allowed`, 3.42) and its sparse
    file to `new_size` GiB, within quota."""
    async with cloud.db.session() as s:
        row = await get_volume(s, caller, volume_id)
        if new_size <= row.size:
            raise invalid_input(f"New size for extend must be greater than current size. "
                                f"(current: {row.size}, extended: {new_size}).")
        expected = "in-use" if in_use_allowed and row.status == "in-use" else "available"
        if row.status != expected:
            # Cinder formats its expected-values dict into the message.
            raise invalid_volume(f"Volume {row.id} status must be '{{'status': '{expected}'}}' "
                                 f"to extend, currently {row.status}.")
        await volume_quotas.reserve(s, row.project_id, gigabytes=new_size - row.size,
                                    volume_type_id=row.volume_type_id)
        try:
            await asyncio.to_thread(volume_store.grow, cloud.settings.data_dir, row.location,
                                    new_size)
        except volume_store.StoreError as exc:
            raise unstorable(new_size, str(exc)) from None
        row.size = new_size
        row.updated_at = utcnow()


async def set_bootable(cloud: Cloud, caller: Caller, volume_id: str, bootable: bool) -> None:
    async with cloud.db.session() as s:
        row = await get_volume(s, caller, volume_id)
        row.bootable = bootable
        row.updated_at = utcnow()


async def reset_status(cloud: Cloud, caller: Caller, volume_id: str, status: str | None,
                       attach_status: str | None) -> None:
    """Set the status and attach status as given (admin), unchecked as Cinder does."""
    authorize(caller, "volume_extension:volume_admin_actions:reset_status")
    if status is None and attach_status is None:
        raise errors.BadRequest("Must specify 'status', 'attach_status' or 'migration_status' "
                                "for update.")
    if status is not None and status.lower() not in STATUSES:
        raise errors.BadRequest(f"Must specify a valid status: {status} is not one.")
    if attach_status is not None and attach_status.lower() not in ATTACH_STATUSES:
        raise errors.BadRequest(f"Must specify a valid attach status: {attach_status} is "
                                "not one.")
    async with cloud.db.session() as s:
        row = await get_volume(s, caller, volume_id)
        if status is not None:
            row.status = status.lower()
        if attach_status is not None:
            row.attach_status = attach_status.lower()
        row.updated_at = utcnow()


# --- metadata ------------------------------------------------------------------------------


def metadata_not_found(volume_id: str, key: str) -> errors.NotFound:
    return errors.NotFound(f"Volume {volume_id} has no metadata with key {key}.")


async def show_metadata(cloud: Cloud, caller: Caller, volume_id: str) -> dict[str, str]:
    async with cloud.db.reader() as s:
        return dict((await get_volume(s, caller, volume_id)).metadata_)


async def set_metadata(cloud: Cloud, caller: Caller, volume_id: str, metadata: dict[str, str],
                       *, replace: bool) -> dict[str, str]:
    """Merge `metadata` into the volume's (replace: instead of it); the whole result."""
    async with cloud.db.session() as s:
        row = await get_volume(s, caller, volume_id)
        row.metadata_ = dict(metadata) if replace else {**row.metadata_, **metadata}
        row.updated_at = utcnow()
        return dict(row.metadata_)


async def show_metadata_item(cloud: Cloud, caller: Caller, volume_id: str, key: str) -> str:
    metadata = await show_metadata(cloud, caller, volume_id)
    if key not in metadata:
        raise metadata_not_found(volume_id, key)
    return metadata[key]


async def delete_metadata_item(cloud: Cloud, caller: Caller, volume_id: str, key: str) -> None:
    async with cloud.db.session() as s:
        row = await get_volume(s, caller, volume_id)
        if key not in row.metadata_:
            raise metadata_not_found(volume_id, key)
        row.metadata_ = {k: v for k, v in row.metadata_.items() if k != key}
        row.updated_at = utcnow()


async def retype_volume(cloud: Cloud, caller: Caller, volume_id: str, new_type: str) -> None:
    """Give an available or in-use volume another type (by name or id). The data stays where
    it is: every type is served by the same file back-end, so no migration is needed."""
    async with cloud.db.session() as s:
        row = await get_volume(s, caller, volume_id)
        type_row = await volume_types.find_type(s, new_type)
        if row.status not in ("available", "in-use") or type_row.id == row.volume_type_id:
            raise invalid_volume("Retype needs volume to be in available or in-use state, not "
                                 "be part of an active migration or a consistency group, "
                                 "requested type has to be different that the one from the "
                                 "volume, and for in-use volumes front-end qos specs cannot "
                                 "change.")
        row.volume_type_id = type_row.id
        row.updated_at = utcnow()


# --- os-volume_image_metadata ---------------------------------------------------------------


async def set_image_metadata(cloud: Cloud, caller: Caller, volume_id: str,
                             metadata: dict[str, str] | None, *,
                             remove: str | None = None) -> dict[str, str]:
    """Merge `metadata` into the volume's image metadata (or remove the key `remove`); the
    whole result. An unknown key is 404 as Cinder's GlanceMetadataNotFound."""
    async with cloud.db.session() as s:
        row = await get_volume(s, caller, volume_id)
        if remove is not None:
            if remove not in row.image_metadata:
                raise errors.NotFound(f"Glance metadata for volume/snapshot {volume_id} cannot "
                                      "be found.")
            row.image_metadata = {k: v for k, v in row.image_metadata.items() if k != remove}
        elif metadata is not None:
            row.image_metadata = {**row.image_metadata, **metadata}
        return dict(row.image_metadata)
