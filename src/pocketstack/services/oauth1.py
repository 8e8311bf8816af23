"""OS-OAUTH1 consumers (admins only): a consumer's id and description, and its secret, shown
once at creation and kept encrypted with the credential keys."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import OAuthConsumerRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import require_admin


@dataclass(frozen=True, slots=True)
class Consumer:
    row: OAuthConsumerRow
    secret: str | None = None


async def _get(s: AsyncSession, consumer_id: str) -> OAuthConsumerRow:
    row = await s.get(OAuthConsumerRow, consumer_id)
    if row is None:
        raise errors.NotFound(f"Could not find Consumer: {consumer_id}.")
    return row


async def create_consumer(cloud: Cloud, caller: Caller, description: str | None,
                          extra: dict[str, Any]) -> Consumer:
    require_admin(caller)
    secret = secrets.token_urlsafe(32)
    encrypted = cloud.tokens.credential_fernet.encrypt(secret.encode()).decode()
    async with cloud.db.session() as s:
        row = OAuthConsumerRow(id=uuid.uuid4().hex, description=description,
                               encrypted_secret=encrypted, extra=extra)
        s.add(row)
        await s.flush()
    return Consumer(row, secret)


async def list_consumers(cloud: Cloud, caller: Caller) -> list[OAuthConsumerRow]:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return list((await s.scalars(select(OAuthConsumerRow).order_by(OAuthConsumerRow.id))).all())


async def show_consumer(cloud: Cloud, caller: Caller, consumer_id: str) -> OAuthConsumerRow:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await _get(s, consumer_id)


async def update_consumer(cloud: Cloud, caller: Caller, consumer_id: str,
                          description: str | None, extra: dict[str, Any]) -> OAuthConsumerRow:
    require_admin(caller)
    async with cloud.db.session() as s:
        row = await _get(s, consumer_id)
        row.description = description
        if extra:
            row.extra = {**(row.extra or {}), **extra}
        await s.flush()
        return row


async def delete_consumer(cloud: Cloud, caller: Caller, consumer_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        await s.delete(await _get(s, consumer_id))
        await s.flush()
