"""Identity: domains, projects, users and roles (Keystone's resources); role assignments
live in services.assignments and are re-exported here.

Writes that take access away (disable, delete, password change, grant removal) record a
token revocation event in the same transaction, so old tokens stop working within a second.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import (
    ApplicationCredentialRow,
    CredentialRow,
    DomainConfigRow,
    DomainRow,
    GroupMembershipRow,
    GroupRow,
    ProjectRow,
    RoleAssignmentRow,
    RoleInferenceRow,
    RoleRow,
    TrustRow,
    UserRow,
)
from pocketstack.services.assignments import (
    SYSTEM,
    Assignment,
    assign_role,
    domains_of_user,
    find_grant,
    holders_of,
    list_assignments,
    projects_of_user,
    roles_on_domain,
    roles_on_project,
    unassign_role,
)
from pocketstack.services.tokens import Tokens, trust_chain_id
from pocketstack.timeutil import utcnow

__all__ = ["SYSTEM", "Assignment", "assign_role", "domains_of_user", "find_grant",
           "list_assignments", "projects_of_user", "roles_on_domain", "roles_on_project",
           "unassign_role"]

DEFAULT_DOMAIN_ID = "default"


def new_id() -> str:
    return uuid.uuid4().hex


# --- lookups -------------------------------------------------------------------------------


async def _get(s: AsyncSession, model: Any, row_id: str, kind: str) -> Any:
    row = await s.get(model, row_id)
    if row is None:
        raise errors.NotFound(f"Could not find {kind}: {row_id}.")
    return row


async def get_domain(s: AsyncSession, domain_id: str) -> DomainRow:
    row: DomainRow = await _get(s, DomainRow, domain_id, "domain")
    return row


async def get_project(s: AsyncSession, project_id: str) -> ProjectRow:
    row: ProjectRow = await _get(s, ProjectRow, project_id, "project")
    return row


async def get_project_or_domain(s: AsyncSession, project_id: str) -> ProjectRow | DomainRow:
    """A project, or a domain addressed as the project acting as it (Keystone's is_domain)."""
    domain = await s.get(DomainRow, project_id)
    if domain is not None:
        return domain
    return await get_project(s, project_id)


async def get_user(s: AsyncSession, user_id: str) -> UserRow:
    row: UserRow = await _get(s, UserRow, user_id, "user")
    return row


async def get_role(s: AsyncSession, role_id: str) -> RoleRow:
    row: RoleRow = await _get(s, RoleRow, role_id, "role")
    return row


async def find_domain_by_name(s: AsyncSession, name: str) -> DomainRow:
    row = await s.scalar(select(DomainRow).where(DomainRow.name == name))
    if row is None:
        raise errors.NotFound(f"Could not find domain: {name}.")
    return row


async def find_project_by_name(s: AsyncSession, name: str, domain_id: str) -> ProjectRow:
    row = await s.scalar(
        select(ProjectRow).where(ProjectRow.name == name, ProjectRow.domain_id == domain_id))
    if row is None:
        raise errors.NotFound(f"Could not find project: {name}.")
    return row


async def find_user_by_name(s: AsyncSession, name: str, domain_id: str) -> UserRow | None:
    return await s.scalar(
        select(UserRow).where(UserRow.name == name, UserRow.domain_id == domain_id))


async def find_role_by_name(s: AsyncSession, name: str) -> RoleRow | None:
    return await s.scalar(select(RoleRow).where(RoleRow.name == name))


# --- listings ------------------------------------------------------------------------------


async def _listing(s: AsyncSession, model: Any, filters: dict[str, Any]) -> list[Any]:
    """Rows of `model` whose columns equal every filter that is not None, by name."""
    query = select(model).order_by(model.name, model.id)
    for column, value in filters.items():
        if value is not None:
            query = query.where(getattr(model, column) == value)
    return list((await s.scalars(query)).all())


async def list_domains(s: AsyncSession, *, name: str | None = None,
                       enabled: bool | None = None) -> list[DomainRow]:
    return await _listing(s, DomainRow, {"name": name, "enabled": enabled})


async def list_projects(s: AsyncSession, *, name: str | None = None, domain_id: str | None = None,
                        enabled: bool | None = None, parent_id: str | None = None) -> list[ProjectRow]:
    return await _listing(s, ProjectRow, {"name": name, "domain_id": domain_id,
                                          "enabled": enabled, "parent_id": parent_id})


async def list_users(s: AsyncSession, *, name: str | None = None, domain_id: str | None = None,
                     enabled: bool | None = None) -> list[UserRow]:
    return await _listing(s, UserRow, {"name": name, "domain_id": domain_id, "enabled": enabled})


async def list_roles(s: AsyncSession, *, name: str | None = None,
                     domain_id: str | None = None) -> list[RoleRow]:
    return await _listing(s, RoleRow, {"name": name, "domain_id": domain_id})


# --- creation ------------------------------------------------------------------------------


def _duplicate(kind: str, name: str, domain_id: str | None = None) -> errors.Conflict:
    where = f" at domain ID {domain_id}" if domain_id else ""
    return errors.Conflict(f"Conflict occurred attempting to store {kind} - "
                           f"Duplicate entry found with name {name}{where}.")


async def create_domain(s: AsyncSession, name: str, *, domain_id: str | None = None,
                        description: str = "", enabled: bool = True,
                        extra: dict[str, Any] | None = None) -> DomainRow:
    if await s.scalar(select(DomainRow.id).where(DomainRow.name == name)) is not None:
        raise _duplicate("domain", name)
    row = DomainRow(id=domain_id or new_id(), name=name, description=description,
                    enabled=enabled, extra=extra or {})
    s.add(row)
    await s.flush()
    return row


async def _check_project_name(s: AsyncSession, name: str, domain_id: str) -> None:
    duplicate = await s.scalar(select(ProjectRow.id).where(
        ProjectRow.name == name, ProjectRow.domain_id == domain_id))
    if duplicate is not None:
        raise _duplicate("project", name, domain_id)


async def create_project(s: AsyncSession, name: str, domain_id: str = DEFAULT_DOMAIN_ID, *,
                         description: str = "", enabled: bool = True, parent_id: str | None = None,
                         tags: list[str] | None = None,
                         extra: dict[str, Any] | None = None) -> ProjectRow:
    await get_domain(s, domain_id)
    if parent_id and parent_id != domain_id:
        parent = await get_project(s, parent_id)
        if parent.domain_id != domain_id:
            raise errors.BadRequest("Cannot create project, the parent "
                                    f"({parent_id}) is in a different domain.")
    await _check_project_name(s, name, domain_id)
    row = ProjectRow(id=new_id(), name=name, domain_id=domain_id, description=description,
                     enabled=enabled, parent_id=parent_id or domain_id, tags=list(tags or []),
                     extra=extra or {})
    s.add(row)
    await s.flush()
    return row


async def create_user(s: AsyncSession, name: str, password_hash: str | None,
                      domain_id: str = DEFAULT_DOMAIN_ID, *, email: str | None = None,
                      enabled: bool = True, default_project_id: str | None = None,
                      description: str | None = None,
                      extra: dict[str, Any] | None = None,
                      password_expires_at: datetime | None = None) -> UserRow:
    await get_domain(s, domain_id)
    if await find_user_by_name(s, name, domain_id) is not None:
        raise _duplicate("user", name, domain_id)
    row = UserRow(id=new_id(), name=name, domain_id=domain_id, password_hash=password_hash,
                  enabled=enabled, email=email, default_project_id=default_project_id,
                  description=description, extra=extra or {}, created_at=utcnow(),
                  password_expires_at=password_expires_at if password_hash else None,
                  password_created_at=utcnow() if password_hash else None,
                  password_history=[password_hash] if password_hash else [])
    s.add(row)
    await s.flush()
    return row


async def create_role(s: AsyncSession, name: str, *, role_id: str | None = None,
                      description: str | None = None, domain_id: str | None = None,
                      extra: dict[str, Any] | None = None) -> RoleRow:
    if await find_role_by_name(s, name) is not None:
        raise _duplicate("role", name)
    if domain_id is not None:
        await get_domain(s, domain_id)
    row = RoleRow(id=role_id or new_id(), name=name, description=description,
                  domain_id=domain_id, extra=extra or {})
    s.add(row)
    await s.flush()
    return row


# --- updates -------------------------------------------------------------------------------


def _apply(row: Any, changes: dict[str, Any], fields: tuple[str, ...], extra: dict[str, Any]) -> None:
    for field in fields:
        if field in changes:
            setattr(row, field, changes[field])
    if extra:
        row.extra = {**(row.extra or {}), **extra}


def _same_or_refuse(row: Any, changes: dict[str, Any], field: str) -> None:
    if field in changes and changes[field] != getattr(row, field):
        raise errors.BadRequest(f"Update of `{field}` is not allowed.")


async def update_domain(s: AsyncSession, tokens: Tokens, domain_id: str, changes: dict[str, Any],
                        extra: dict[str, Any]) -> DomainRow:
    row = await get_domain(s, domain_id)
    name = changes.get("name")
    if name is not None and name != row.name:
        if await s.scalar(select(DomainRow.id).where(DomainRow.name == name)) is not None:
            raise _duplicate("domain", name)
    if changes.get("enabled") is False and row.id == DEFAULT_DOMAIN_ID:
        raise errors.Forbidden("Cannot disable the default domain.")
    was_enabled = row.enabled
    _apply(row, changes, ("name", "description", "enabled"), extra)
    if was_enabled and not row.enabled:
        await _revoke_domain(s, tokens, row.id)
    await s.flush()
    return row


async def update_project(s: AsyncSession, tokens: Tokens, project_id: str,
                         changes: dict[str, Any], extra: dict[str, Any]) -> ProjectRow:
    row = await get_project(s, project_id)
    _same_or_refuse(row, changes, "domain_id")
    _same_or_refuse(row, changes, "parent_id")
    name = changes.get("name")
    if name is not None and name != row.name:
        await _check_project_name(s, name, row.domain_id)
    was_enabled = row.enabled
    _apply(row, changes, ("name", "description", "enabled", "tags"), extra)
    if was_enabled and not row.enabled:
        await tokens.revoke(s, project_id=row.id)
    await s.flush()
    return row


async def update_user(s: AsyncSession, tokens: Tokens, user_id: str, changes: dict[str, Any],
                      extra: dict[str, Any]) -> UserRow:
    """Apply changes; `password_hash` in changes replaces the password and ends old tokens."""
    row = await get_user(s, user_id)
    _same_or_refuse(row, changes, "domain_id")
    name = changes.get("name")
    if name is not None and name != row.name and await find_user_by_name(s, name, row.domain_id):
        raise _duplicate("user", name, row.domain_id)
    was_enabled = row.enabled
    _apply(row, changes, ("name", "enabled", "email", "default_project_id", "description",
                          "password_hash", "password_expires_at", "password_created_at",
                          "password_history"), extra)
    if changes.get("enabled") is True or "password_hash" in changes:
        # An administrator's enable or new password ends a lockout ([security_compliance]).
        row.failed_auth_count = 0
        row.failed_auth_at = None
    if (was_enabled and not row.enabled) or "password_hash" in changes:
        await tokens.revoke(s, user_id=row.id)
    await s.flush()
    return row


async def update_role(s: AsyncSession, tokens: Tokens, role_id: str, changes: dict[str, Any],
                      extra: dict[str, Any]) -> RoleRow:
    row = await get_role(s, role_id)
    name = changes.get("name")
    if name is not None and name != row.name:
        if await find_role_by_name(s, name) is not None:
            raise _duplicate("role", name)
        # Tokens carry role names: a renamed role must not leave tokens naming the old one.
        await _revoke_role_holders(s, tokens, row.id)
    _apply(row, changes, ("name", "description"), extra)
    await s.flush()
    return row


# --- deletion ------------------------------------------------------------------------------


async def delete_project(s: AsyncSession, tokens: Tokens, project_id: str) -> None:
    """Delete a leaf project; its role assignments go with it (foreign key cascade)."""
    row = await get_project(s, project_id)
    child = await s.scalar(select(ProjectRow.id).where(ProjectRow.parent_id == row.id).limit(1))
    if child is not None:
        raise errors.Forbidden(f"Cannot delete the project {row.id} since it is not a leaf in "
                               "the hierarchy. Use the cascade option if you want to delete a "
                               "whole subtree.")
    await tokens.revoke(s, project_id=row.id)
    await s.execute(delete(RoleAssignmentRow).where(RoleAssignmentRow.project_id == row.id))
    await s.delete(row)
    await s.flush()


async def delete_user(s: AsyncSession, tokens: Tokens, user_id: str) -> None:
    row = await get_user(s, user_id)
    await tokens.revoke(s, user_id=row.id)
    await s.execute(delete(RoleAssignmentRow).where(RoleAssignmentRow.user_id == row.id))
    await s.execute(delete(GroupMembershipRow).where(GroupMembershipRow.user_id == row.id))
    await s.execute(delete(CredentialRow).where(CredentialRow.user_id == row.id))
    await s.execute(delete(ApplicationCredentialRow).where(ApplicationCredentialRow.user_id == row.id))
    trusts = (await s.scalars(select(TrustRow).where(or_(
        TrustRow.trustor_user_id == row.id, TrustRow.trustee_user_id == row.id)))).all()
    for trust in trusts:
        await tokens.revoke(s, audit_id=trust_chain_id(trust.id))
        await s.delete(trust)
    await s.delete(row)
    await s.flush()


async def delete_role(s: AsyncSession, tokens: Tokens, role_id: str) -> None:
    row = await get_role(s, role_id)
    await _revoke_role_holders(s, tokens, row.id)
    await s.execute(delete(RoleAssignmentRow).where(RoleAssignmentRow.role_id == row.id))
    await s.execute(delete(RoleInferenceRow).where(
        (RoleInferenceRow.prior_role_id == row.id) | (RoleInferenceRow.implied_role_id == row.id)))
    await s.delete(row)
    await s.flush()


async def delete_domain(s: AsyncSession, tokens: Tokens, domain_id: str) -> None:
    """Delete a disabled domain with its projects, users, grants and domain-specific roles."""
    row = await get_domain(s, domain_id)
    if row.id == DEFAULT_DOMAIN_ID:
        raise errors.Forbidden("Cannot delete the default domain.")
    if row.enabled:
        raise errors.Forbidden("Cannot delete a domain that is enabled, please disable it first.")
    await _revoke_domain(s, tokens, row.id)
    projects = select(ProjectRow.id).where(ProjectRow.domain_id == row.id)
    users = select(UserRow.id).where(UserRow.domain_id == row.id)
    roles = select(RoleRow.id).where(RoleRow.domain_id == row.id)
    groups = select(GroupRow.id).where(GroupRow.domain_id == row.id)
    await s.execute(delete(RoleAssignmentRow).where(
        RoleAssignmentRow.project_id.in_(projects) | RoleAssignmentRow.user_id.in_(users)
        | RoleAssignmentRow.group_id.in_(groups)
        | RoleAssignmentRow.role_id.in_(roles) | (RoleAssignmentRow.domain_id == row.id)))
    await s.execute(delete(GroupMembershipRow).where(
        GroupMembershipRow.group_id.in_(groups) | GroupMembershipRow.user_id.in_(users)))
    await s.execute(delete(GroupRow).where(GroupRow.domain_id == row.id))
    await s.execute(delete(CredentialRow).where(CredentialRow.user_id.in_(users)))
    await s.execute(delete(ApplicationCredentialRow).where(ApplicationCredentialRow.user_id.in_(users)))
    await s.execute(delete(RoleInferenceRow).where(
        RoleInferenceRow.prior_role_id.in_(roles) | RoleInferenceRow.implied_role_id.in_(roles)))
    await s.execute(delete(ProjectRow).where(ProjectRow.domain_id == row.id))
    await s.execute(delete(UserRow).where(UserRow.domain_id == row.id))
    await s.execute(delete(RoleRow).where(RoleRow.domain_id == row.id))
    await s.execute(delete(DomainConfigRow).where(DomainConfigRow.domain_id == row.id))
    await s.delete(row)
    await s.flush()


async def _revoke_domain(s: AsyncSession, tokens: Tokens, domain_id: str) -> None:
    """End the tokens of everyone in a domain, of its projects, and of its domain grantees."""
    users = set((await s.scalars(select(UserRow.id).where(UserRow.domain_id == domain_id))).all())
    users |= await holders_of(s, RoleAssignmentRow.domain_id == domain_id)
    projects = (await s.scalars(select(ProjectRow.id).where(ProjectRow.domain_id == domain_id))).all()
    for user_id in sorted(users):
        await tokens.revoke(s, user_id=user_id)
    for project_id in projects:
        await tokens.revoke(s, project_id=project_id)


async def _revoke_role_holders(s: AsyncSession, tokens: Tokens, role_id: str) -> None:
    for user_id in sorted(await holders_of(s, RoleAssignmentRow.role_id == role_id)):
        await tokens.revoke(s, user_id=user_id)
