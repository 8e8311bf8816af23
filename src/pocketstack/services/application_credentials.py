"""Application credentials: a user's named secret for one project and a subset of its roles
there. The secret is stored as an argon2id hash. Tokens issued for a credential carry an
audit chain id derived from it, so deleting the credential ends exactly those tokens. A user
creates its own from a project-scoped token (not from a token a credential issued, unless
it is an admin's); the user or an admin lists, reads and deletes them."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import ApplicationCredentialRow, RoleRow
from pocketstack.services import identity
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import admin_or_self
from pocketstack.timeutil import utcnow

METHOD = "application_credential"


@dataclass(frozen=True, slots=True)
class AppCredential:
    """A credential with its roles; `secret` only when it has just been created."""

    row: ApplicationCredentialRow
    roles: list[RoleRow]
    secret: str | None = None


def audit_chain_id(credential_id: str) -> str:
    """The audit id every token issued for this credential carries as its chain id."""
    digest = hashlib.sha256(f"application_credential:{credential_id}".encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def _get(s: AsyncSession, user_id: str, credential_id: str) -> ApplicationCredentialRow:
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


async def _create(s: AsyncSession, user_id: str, project_id: str, name: str, secret_hash: str, *,
                  description: str | None, roles: list[dict[str, Any]] | None,
                  expires_at: datetime | None,
                  unrestricted: bool) -> tuple[ApplicationCredentialRow, list[RoleRow]]:
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


def _check_creator(caller: Caller, user_id: str) -> str:
    """The project a new credential of `user_id` is for: the caller's token's; 403 unless the
    caller is that user with a project-scoped token (an admin's, if a credential issued it)."""
    if caller.user_id != user_id:
        raise errors.Forbidden("You are not authorized to perform the requested action: "
                               "identity:create_application_credential.")
    if METHOD in caller.auth.methods and not caller.is_admin:
        raise errors.Forbidden("Using method 'application_credential' is not allowed for "
                               "managing additional application credentials.")
    if caller.scoped_project_id is None:
        raise errors.Forbidden("An application credential needs a project-scoped token.")
    return caller.scoped_project_id


async def create_credential(cloud: Cloud, caller: Caller, user_id: str, *, name: str,
                            description: str | None, secret: str | None,
                            expires_at: datetime | None, roles: list[dict[str, Any]] | None,
                            unrestricted: bool) -> AppCredential:
    """A credential of the caller for its token's project, with the given secret or a new
    one, and the requested roles (all the user holds there if none)."""
    project_id = _check_creator(caller, user_id)
    secret = secret or secrets.token_urlsafe(64)
    secret_hash = await cloud.passwords.hash(secret)
    async with cloud.db.session() as s:
        row, chosen = await _create(s, user_id, project_id, name, secret_hash,
                                    description=description, roles=roles,
                                    expires_at=expires_at, unrestricted=unrestricted)
    return AppCredential(row, chosen, secret)


async def list_credentials(cloud: Cloud, caller: Caller, user_id: str,
                           name: str | None) -> list[AppCredential]:
    admin_or_self(caller, user_id)
    query = (select(ApplicationCredentialRow).where(ApplicationCredentialRow.user_id == user_id)
             .order_by(ApplicationCredentialRow.name))
    if name is not None:
        query = query.where(ApplicationCredentialRow.name == name)
    async with cloud.db.reader() as s:
        await identity.get_user(s, user_id)
        return [AppCredential(row, await roles_of(s, row))
                for row in (await s.scalars(query)).all()]


async def show_credential(cloud: Cloud, caller: Caller, user_id: str,
                          credential_id: str) -> AppCredential:
    admin_or_self(caller, user_id)
    async with cloud.db.reader() as s:
        row = await _get(s, user_id, credential_id)
        return AppCredential(row, await roles_of(s, row))


async def delete_credential(cloud: Cloud, caller: Caller, user_id: str, credential_id: str) -> None:
    """Delete the credential; the tokens issued for it end."""
    admin_or_self(caller, user_id)
    async with cloud.db.session() as s:
        row = await _get(s, user_id, credential_id)
        await cloud.tokens.revoke(s, audit_id=audit_chain_id(row.id))
        await s.delete(row)
        await s.flush()
