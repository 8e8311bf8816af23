"""Block storage volume transfers: an offer of an available volume to whichever project
presents its auth key (shown once, at creation; only a salted hash is kept). Accepting moves
the volume (and, unless `no_snapshots`, its snapshots) to the accepting project within that
project's quotas, in one transaction."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import VolumeRow, VolumeSnapshotRow, VolumeTransferRow
from pocketstack.services import volume_quotas
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.volumes import get_volume, invalid_volume, page, sort_rows
from pocketstack.timeutil import utcnow

# Cinder's volume_transfer_key_length and salt length.
KEY_LENGTH = 16
SALT_LENGTH = 8
SORT_KEYS = {"id": "id", "name": "name", "created_at": "created_at", "volume_id": "volume_id"}


@dataclass(frozen=True, slots=True)
class Created:
    row: VolumeTransferRow
    auth_key: str


def not_found(transfer_id: str) -> errors.NotFound:
    return errors.NotFound(f"Transfer {transfer_id} could not be found.")


def _hash(salt: str, key: str) -> str:
    return hashlib.sha256((salt + key).encode()).hexdigest()


async def _get(s: AsyncSession, caller: Caller, transfer_id: str, *,
               any_project: bool = False) -> VolumeTransferRow:
    row = await s.get(VolumeTransferRow, transfer_id)
    if row is None or row.deleted or not (any_project or caller.is_admin
                                          or row.source_project_id == caller.project_id):
        raise not_found(transfer_id)
    return row


async def create_transfer(cloud: Cloud, caller: Caller, volume_id: str, name: str | None, *,
                          no_snapshots: bool = False) -> Created:
    """Offer an available volume; it waits `awaiting-transfer` until accepted or deleted."""
    async with cloud.db.session() as s:
        try:
            volume = await get_volume(s, caller, volume_id)
        except errors.NotFound as exc:
            raise errors.NotFound(exc.message) from None
        if volume.status != "available":
            raise invalid_volume("status must be available")
        key = secrets.token_hex(KEY_LENGTH // 2)
        salt = secrets.token_hex(SALT_LENGTH // 2)
        row = VolumeTransferRow(
            id=str(uuid.uuid4()), volume_id=volume.id, source_project_id=volume.project_id,
            destination_project_id=None, name=name, salt=salt, crypt_hash=_hash(salt, key),
            no_snapshots=no_snapshots, accepted=False, created_at=utcnow())
        s.add(row)
        volume.status = "awaiting-transfer"
        volume.updated_at = utcnow()
        await s.flush()
        return Created(row, key)


async def list_transfers(cloud: Cloud, caller: Caller, filters: dict[str, str], *,
                         all_tenants: bool, sort: list[tuple[str, str]], limit: int | None,
                         marker: str | None, offset: int) -> list[VolumeTransferRow]:
    async with cloud.db.reader() as s:
        statement = select(VolumeTransferRow).where(VolumeTransferRow.deleted.is_(False))
        if not (all_tenants and caller.is_admin):
            statement = statement.where(
                VolumeTransferRow.source_project_id == caller.project_id)
        rows = [row for row in (await s.scalars(statement)).all()
                if all(str(getattr(row, SORT_KEYS.get(k, k), "")) == v
                       for k, v in filters.items())]
    found: list[VolumeTransferRow] = page(sort_rows(rows, sort, SORT_KEYS), marker, offset,
                                          limit)
    return found


async def show_transfer(cloud: Cloud, caller: Caller, transfer_id: str) -> VolumeTransferRow:
    async with cloud.db.reader() as s:
        return await _get(s, caller, transfer_id)


async def delete_transfer(cloud: Cloud, caller: Caller, transfer_id: str) -> None:
    """Withdraw the offer: the volume is available again."""
    async with cloud.db.session() as s:
        row = await _get(s, caller, transfer_id)
        row.deleted = True
        volume = await s.get(VolumeRow, row.volume_id)
        if volume is not None and volume.status == "awaiting-transfer":
            volume.status = "available"
            volume.updated_at = utcnow()


async def accept_transfer(cloud: Cloud, caller: Caller, transfer_id: str,
                          auth_key: str) -> VolumeTransferRow:
    """Move the volume to the caller's project if `auth_key` is the transfer's (400 when
    not), the volume and its gigabytes (and snapshots) counted against that project's
    quotas (413)."""
    project_id = caller.project_id
    async with cloud.db.session() as s:
        row = await _get(s, caller, transfer_id, any_project=True)
        if not hmac.compare_digest(row.crypt_hash, _hash(row.salt, auth_key)):
            raise errors.BadRequest(f"Invalid auth key: Attempt to transfer {transfer_id} "
                                    "with invalid auth key.")
        volume = await s.get(VolumeRow, row.volume_id)
        if volume is None or volume.deleted:
            raise errors.NotFound(f"Volume {row.volume_id} could not be found.")
        if volume.status != "awaiting-transfer":
            raise invalid_volume("status must be awaiting-transfer")
        snapshots = [] if row.no_snapshots else list((await s.scalars(select(
            VolumeSnapshotRow).where(VolumeSnapshotRow.volume_id == volume.id,
                                     VolumeSnapshotRow.deleted.is_(False)))).all())
        await volume_quotas.reserve(
            s, project_id, volumes=1, snapshots=len(snapshots),
            gigabytes=volume.size + sum(snap.size for snap in snapshots),
            volume_type_id=volume.volume_type_id)
        now = utcnow()
        volume.project_id, volume.user_id = project_id, caller.user_id
        volume.status, volume.updated_at = "available", now
        for snapshot in snapshots:
            snapshot.project_id, snapshot.user_id = project_id, caller.user_id
            snapshot.updated_at = now
        row.accepted = True
        row.destination_project_id = project_id
        row.deleted = True
        return row
