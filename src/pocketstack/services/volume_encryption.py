"""Block storage volume type encryption: one encryption spec per type (provider, cipher,
key size, control location), refused while volumes of the type exist (admin only)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import VolumeRow, VolumeTypeEncryptionRow
from pocketstack.services import volume_types
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class EncryptionFields:
    """The fields given (absent ones are None and left as they are on update)."""

    provider: str | None = None
    cipher: str | None = None
    key_size: int | None = None
    control_location: str | None = None
    given: tuple[str, ...] = ()


def not_found(type_id: str) -> errors.NotFound:
    return errors.NotFound(f"Volume type encryption for type {type_id} does not exist.")


async def _in_use(s: AsyncSession, type_id: str) -> bool:
    return bool(await s.scalar(select(func.count()).select_from(VolumeRow).where(
        VolumeRow.volume_type_id == type_id, VolumeRow.deleted.is_(False))))


async def show(cloud: Cloud, caller: Caller, type_id: str) -> VolumeTypeEncryptionRow | None:
    authorize(caller, "volume_extension:volume_type_encryption:get")
    async with cloud.db.reader() as s:
        await volume_types.get_type(s, type_id)
        return await s.get(VolumeTypeEncryptionRow, type_id)


async def create(cloud: Cloud, caller: Caller, type_id: str,
                 fields: EncryptionFields) -> VolumeTypeEncryptionRow:
    authorize(caller, "volume_extension:volume_type_encryption:create")
    async with cloud.db.session() as s:
        if await _in_use(s, type_id):
            raise errors.BadRequest("Cannot create encryption specs. Volume type in use.")
        await volume_types.get_type(s, type_id)
        if await s.get(VolumeTypeEncryptionRow, type_id) is not None:
            raise errors.Conflict(f"Volume type encryption for type {type_id} already exists.")
        row = VolumeTypeEncryptionRow(
            volume_type_id=type_id, encryption_id=str(uuid.uuid4()),
            provider=fields.provider or "", cipher=fields.cipher, key_size=fields.key_size,
            control_location=fields.control_location or "front-end", created_at=utcnow())
        s.add(row)
        await s.flush()
        return row


async def update(cloud: Cloud, caller: Caller, type_id: str, fields: EncryptionFields) -> None:
    authorize(caller, "volume_extension:volume_type_encryption:update")
    async with cloud.db.session() as s:
        await volume_types.get_type(s, type_id)
        if await _in_use(s, type_id):
            raise errors.BadRequest("Cannot update encryption specs. Volume type in use.")
        row = await s.get(VolumeTypeEncryptionRow, type_id)
        if row is None:
            raise not_found(type_id)
        if "provider" in fields.given and fields.provider is not None:
            row.provider = fields.provider
        if "cipher" in fields.given:
            row.cipher = fields.cipher
        if "key_size" in fields.given:
            row.key_size = fields.key_size
        if "control_location" in fields.given and fields.control_location is not None:
            row.control_location = fields.control_location
        row.updated_at = utcnow()


async def delete(cloud: Cloud, caller: Caller, type_id: str) -> None:
    authorize(caller, "volume_extension:volume_type_encryption:delete")
    async with cloud.db.session() as s:
        if await _in_use(s, type_id):
            raise errors.BadRequest("Cannot delete encryption specs. Volume type in use.")
        row = await s.get(VolumeTypeEncryptionRow, type_id)
        if row is None:
            raise not_found(type_id)
        await s.delete(row)


async def encrypted_types(s: AsyncSession, type_ids: set[str]) -> set[str]:
    """Which of these types have encryption."""
    if not type_ids:
        return set()
    rows = (await s.scalars(select(VolumeTypeEncryptionRow.volume_type_id).where(
        VolumeTypeEncryptionRow.volume_type_id.in_(type_ids)))).all()
    return set(rows)
