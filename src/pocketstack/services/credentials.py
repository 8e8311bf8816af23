"""Keystone credentials and policy blobs: documents Keystone stores for other services.

A credential's blob is encrypted at rest with the cloud's Fernet keys. An EC2 credential's id
is the SHA-256 of its access key at creation, as Keystone derives it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import CredentialRow, PolicyBlobRow
from pocketstack.services import identity


def _ec2_id(blob: str, project_id: str | None) -> str:
    try:
        access = json.loads(blob).get("access")
    except (ValueError, AttributeError):
        access = None
    if not isinstance(access, str) or not access:
        raise errors.BadRequest("Invalid blob in credential")
    if not project_id:
        raise errors.BadRequest("Expecting to find project_id in credential. The server could "
                                "not comply with the request since it is either malformed or "
                                "otherwise incorrect.")
    return hashlib.sha256(access.encode()).hexdigest()


def decrypt(fernet: MultiFernet, row: CredentialRow) -> str:
    try:
        return fernet.decrypt(row.encrypted_blob.encode()).decode()
    except InvalidToken:
        raise errors.ServiceUnavailable("The credential could not be decrypted.") from None


async def get_credential(s: AsyncSession, credential_id: str) -> CredentialRow:
    row = await s.get(CredentialRow, credential_id)
    if row is None:
        raise errors.NotFound(f"Could not find credential: {credential_id}.")
    return row


async def create_credential(s: AsyncSession, fernet: MultiFernet, user_id: str, type_: str,
                            blob: str, *, project_id: str | None = None,
                            extra: dict[str, Any] | None = None) -> CredentialRow:
    await identity.get_user(s, user_id)
    credential_id = _ec2_id(blob, project_id) if type_ == "ec2" else uuid.uuid4().hex
    if await s.get(CredentialRow, credential_id) is not None:
        raise errors.Conflict("Conflict occurred attempting to store credential - Duplicate "
                              f"entry found with ID {credential_id}.")
    row = CredentialRow(id=credential_id, user_id=user_id, project_id=project_id, type=type_,
                        encrypted_blob=fernet.encrypt(blob.encode()).decode(), extra=extra or {})
    s.add(row)
    await s.flush()
    return row


async def list_credentials(s: AsyncSession, *, user_id: str | None = None,
                           type_: str | None = None) -> list[CredentialRow]:
    query = select(CredentialRow).order_by(CredentialRow.id)
    if user_id is not None:
        query = query.where(CredentialRow.user_id == user_id)
    if type_ is not None:
        query = query.where(CredentialRow.type == type_)
    return list((await s.scalars(query)).all())


async def update_credential(s: AsyncSession, fernet: MultiFernet, credential_id: str,
                            changes: dict[str, Any], extra: dict[str, Any]) -> CredentialRow:
    row = await get_credential(s, credential_id)
    if "user_id" in changes and changes["user_id"] != row.user_id:
        await identity.get_user(s, changes["user_id"])
        row.user_id = changes["user_id"]
    blob = changes.get("blob")
    type_ = changes.get("type", row.type)
    if type_ == "ec2":
        # The blob must stay a valid EC2 one; the id, derived at creation, does not change.
        _ec2_id(blob if blob is not None else decrypt(fernet, row),
                changes.get("project_id", row.project_id))
    for field in ("type", "project_id"):
        if field in changes:
            setattr(row, field, changes[field])
    if blob is not None:
        row.encrypted_blob = fernet.encrypt(blob.encode()).decode()
    if extra:
        row.extra = {**(row.extra or {}), **extra}
    await s.flush()
    return row


async def delete_credential(s: AsyncSession, credential_id: str) -> None:
    await s.delete(await get_credential(s, credential_id))
    await s.flush()


# --- policy blobs --------------------------------------------------------------------------


async def get_policy(s: AsyncSession, policy_id: str) -> PolicyBlobRow:
    row = await s.get(PolicyBlobRow, policy_id)
    if row is None:
        raise errors.NotFound(f"Could not find policy: {policy_id}.")
    return row


async def create_policy(s: AsyncSession, type_: str, blob: str,
                        extra: dict[str, Any] | None = None) -> PolicyBlobRow:
    row = PolicyBlobRow(id=uuid.uuid4().hex, type=type_, blob=blob, extra=extra or {})
    s.add(row)
    await s.flush()
    return row


async def list_policies(s: AsyncSession, *, type_: str | None = None) -> list[PolicyBlobRow]:
    query = select(PolicyBlobRow).order_by(PolicyBlobRow.id)
    if type_ is not None:
        query = query.where(PolicyBlobRow.type == type_)
    return list((await s.scalars(query)).all())


async def update_policy(s: AsyncSession, policy_id: str, changes: dict[str, Any],
                        extra: dict[str, Any]) -> PolicyBlobRow:
    row = await get_policy(s, policy_id)
    for field in ("type", "blob"):
        if changes.get(field) is not None:
            setattr(row, field, changes[field])
    if extra:
        row.extra = {**(row.extra or {}), **extra}
    await s.flush()
    return row


async def delete_policy(s: AsyncSession, policy_id: str) -> None:
    await s.delete(await get_policy(s, policy_id))
    await s.flush()
