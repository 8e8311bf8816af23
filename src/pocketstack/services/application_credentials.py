"""Application credentials: a user's named secret for one project and a subset of its roles
there. The secret is stored as an argon2id hash. Tokens issued for a credential carry an
audit chain id derived from it, so deleting the credential ends exactly those tokens."""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import ApplicationCredentialRow, RoleRow
from pocketstack.services import identity
from pocketstack.services.tokens import Tokens
from pocketstack.timeutil import utcnow


def audit_chain_id(credential_id: str) -> str:
    """The audit id every token issued for this credential carries as its chain id."""
    digest = hashlib.sha256(f"application_credential:{credential_id}".encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def get(s: AsyncSession, user_id: str, credential_id: str) -> ApplicationCredentialRow:
    row = await s.get(ApplicationCredentialRow, credential_id)
    if row is None or row.user_id != user_id:
        raise errors.NotFound(f"Could not find Application Credential: {credential_id}.")
    return row


async def find_by_name(s: AsyncSession, user_id: str, name: str) -> ApplicationCredentialRow | None:
    return await s.scalar(select(ApplicationCredentialRow).where(
        ApplicationCredentialRow.user_id == user_id, ApplicationCredentialRow.name == name))


async def _chosen_roles(s: AsyncSession, refs: list[dict[str, Any]] | None,
                        held: list[RoleRow]) -> list[RoleRow]:
    """The requested roles (by id or name), each one the user must hold; all held if none."""
    if not refs:
        return held
    by_id = {r.id: r for r in held}
    by_name = {r.name: r for r in held}
    chosen: dict[str, RoleRow] = {}
    for ref in refs:
        role = by_id.get(ref.get("id", "")) or by_name.get(ref.get("name", ""))
        if role is None:
            wanted = ref.get("id") or ref.get("name") or ""
            raise errors.Forbidden(f"Invalid application credential: the user does not hold "
                                   f"the role {wanted} on the project.")
        chosen[role.id] = role
    return list(chosen.values())


async def create(s: AsyncSession, user_id: str, project_id: str, name: str, secret_hash: str, *,
                 description: str | None = None, roles: list[dict[str, Any]] | None = None,
                 expires_at: datetime | None = None,
                 unrestricted: bool = False) -> tuple[ApplicationCredentialRow, list[RoleRow]]:
    if expires_at is not None and expires_at <= utcnow():
        raise errors.BadRequest("The expiration time of an application credential must be in "
                                "the future.")
    if await find_by_name(s, user_id, name) is not None:
        raise errors.Conflict("Conflict occurred attempting to store application_credential - "
                              "Duplicate entry found with name "
                              f"{name} for user {user_id}.")
    held = await identity.roles_on_project(s, user_id, project_id)
    chosen = await _chosen_roles(s, roles, held)
    row = ApplicationCredentialRow(
        id=uuid.uuid4().hex, user_id=user_id, name=name, description=description,
        secret_hash=secret_hash, project_id=project_id, role_ids=[r.id for r in chosen],
        unrestricted=unrestricted, expires_at=expires_at)
    s.add(row)
    await s.flush()
    return row, chosen


async def list_for_user(s: AsyncSession, user_id: str,
                        name: str | None = None) -> list[ApplicationCredentialRow]:
    await identity.get_user(s, user_id)
    query = (select(ApplicationCredentialRow).where(ApplicationCredentialRow.user_id == user_id)
             .order_by(ApplicationCredentialRow.name))
    if name is not None:
        query = query.where(ApplicationCredentialRow.name == name)
    return list((await s.scalars(query)).all())


async def roles_of(s: AsyncSession, row: ApplicationCredentialRow) -> list[RoleRow]:
    if not row.role_ids:
        return []
    found = (await s.scalars(select(RoleRow).where(RoleRow.id.in_(row.role_ids)))).all()
    return sorted(found, key=lambda r: r.name)


async def usable_roles(s: AsyncSession, row: ApplicationCredentialRow) -> list[RoleRow]:
    """The credential's roles the user still holds on its project (none once expired)."""
    if row.expires_at is not None and row.expires_at <= utcnow():
        return []
    held = {r.id for r in await identity.roles_on_project(s, row.user_id, row.project_id)}
    return [r for r in await roles_of(s, row) if r.id in held]


async def delete(s: AsyncSession, tokens: Tokens, user_id: str, credential_id: str) -> None:
    row = await get(s, user_id, credential_id)
    await tokens.revoke(s, audit_id=audit_chain_id(row.id))
    await s.delete(row)
    await s.flush()
