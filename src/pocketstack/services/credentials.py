"""Keystone credentials and policy blobs: documents Keystone stores for other services.

A credential's blob is encrypted at rest with the cloud's Fernet keys. An EC2 credential's id
is the SHA-256 of its access key at creation, as Keystone derives it. Admins manage every
credential, a user its own; policy blobs are for admins only.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import CredentialRow, PolicyBlobRow
from pocketstack.services import identity
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import admin_or_self, require_admin


@dataclass(frozen=True, slots=True)
class Credential:
    """A credential and its blob, decrypted."""

    row: CredentialRow
    blob: str


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


async def _get_credential(s: AsyncSession, credential_id: str) -> CredentialRow:
    row = await s.get(CredentialRow, credential_id)
    if row is None:
        raise errors.NotFound(f"Could not find credential: {credential_id}.")
    return row


async def _own_credential(s: AsyncSession, caller: Caller, credential_id: str) -> CredentialRow:
    """The credential, if it is the caller's own or the caller is an admin (404, then 403)."""
    row = await _get_credential(s, credential_id)
    if row.user_id != caller.user_id:
        require_admin(caller)
    return row


async def create_credential(cloud: Cloud, caller: Caller, *, user_id: str, type_: str, blob: str,
                            project_id: str | None, extra: dict[str, Any]) -> Credential:
    """A credential of `user_id` (the caller's own, or any for an admin)."""
    admin_or_self(caller, user_id)
    fernet = cloud.tokens.credential_fernet
    async with cloud.db.session() as s:
        await identity.get_user(s, user_id)
        credential_id = _ec2_id(blob, project_id) if type_ == "ec2" else uuid.uuid4().hex
        if await s.get(CredentialRow, credential_id) is not None:
            raise errors.Conflict("Conflict occurred attempting to store credential - Duplicate "
                                  f"entry found with ID {credential_id}.")
        row = CredentialRow(id=credential_id, user_id=user_id, project_id=project_id, type=type_,
                            encrypted_blob=fernet.encrypt(blob.encode()).decode(), extra=extra)
        s.add(row)
        await s.flush()
    return Credential(row, decrypt(fernet, row))


async def list_credentials(cloud: Cloud, caller: Caller, *, user_id: str | None,
                           type_: str | None) -> list[Credential]:
    """Credentials matching the filters; a user other than an admin sees only its own."""
    if not caller.is_admin:
        user_id = caller.user_id
    query = select(CredentialRow).order_by(CredentialRow.id)
    if user_id is not None:
        query = query.where(CredentialRow.user_id == user_id)
    if type_ is not None:
        query = query.where(CredentialRow.type == type_)
    async with cloud.db.reader() as s:
        rows = list((await s.scalars(query)).all())
    return [Credential(row, decrypt(cloud.tokens.credential_fernet, row)) for row in rows]


async def show_credential(cloud: Cloud, caller: Caller, credential_id: str) -> Credential:
    async with cloud.db.reader() as s:
        row = await _own_credential(s, caller, credential_id)
    return Credential(row, decrypt(cloud.tokens.credential_fernet, row))


async def update_credential(cloud: Cloud, caller: Caller, credential_id: str,
                            changes: dict[str, Any], extra: dict[str, Any]) -> Credential:
    """Apply changes; only an admin may change another user's credential or give it away."""
    fernet = cloud.tokens.credential_fernet
    async with cloud.db.session() as s:
        row = await _get_credential(s, credential_id)
        if row.user_id != caller.user_id or changes.get("user_id", row.user_id) != row.user_id:
            require_admin(caller)
        row = await _update_credential(s, fernet, row, changes, extra)
    return Credential(row, decrypt(fernet, row))


async def _update_credential(s: AsyncSession, fernet: MultiFernet, row: CredentialRow,
                             changes: dict[str, Any], extra: dict[str, Any]) -> CredentialRow:
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


async def delete_credential(cloud: Cloud, caller: Caller, credential_id: str) -> None:
    async with cloud.db.session() as s:
        await s.delete(await _own_credential(s, caller, credential_id))
        await s.flush()


# --- policy blobs (admin only) -------------------------------------------------------------


async def _get_policy(s: AsyncSession, policy_id: str) -> PolicyBlobRow:
    row = await s.get(PolicyBlobRow, policy_id)
    if row is None:
        raise errors.NotFound(f"Could not find policy: {policy_id}.")
    return row


async def create_policy(cloud: Cloud, caller: Caller, *, type_: str, blob: str,
                        extra: dict[str, Any]) -> PolicyBlobRow:
    require_admin(caller)
    async with cloud.db.session() as s:
        row = PolicyBlobRow(id=uuid.uuid4().hex, type=type_, blob=blob, extra=extra)
        s.add(row)
        await s.flush()
        return row


async def list_policies(cloud: Cloud, caller: Caller, *, type_: str | None) -> list[PolicyBlobRow]:
    require_admin(caller)
    query = select(PolicyBlobRow).order_by(PolicyBlobRow.id)
    if type_ is not None:
        query = query.where(PolicyBlobRow.type == type_)
    async with cloud.db.reader() as s:
        return list((await s.scalars(query)).all())


async def show_policy(cloud: Cloud, caller: Caller, policy_id: str) -> PolicyBlobRow:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await _get_policy(s, policy_id)


async def update_policy(cloud: Cloud, caller: Caller, policy_id: str, changes: dict[str, Any],
                        extra: dict[str, Any]) -> PolicyBlobRow:
    require_admin(caller)
    async with cloud.db.session() as s:
        row = await _get_policy(s, policy_id)
        for field in ("type", "blob"):
            if changes.get(field) is not None:
                setattr(row, field, changes[field])
        if extra:
            row.extra = {**(row.extra or {}), **extra}
        await s.flush()
        return row


async def delete_policy(cloud: Cloud, caller: Caller, policy_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        await s.delete(await _get_policy(s, policy_id))
        await s.flush()
