"""Identity: domains, projects, users, roles and their assignments; password authentication."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import DomainRow, ProjectRow, RoleAssignmentRow, RoleRow, UserRow
from pocketstack.timeutil import utcnow

DEFAULT_DOMAIN_ID = "default"


def new_id() -> str:
    return uuid.uuid4().hex


# --- lookups -------------------------------------------------------------------------------


async def get_domain(s: AsyncSession, domain_id: str) -> DomainRow:
    row = await s.get(DomainRow, domain_id)
    if row is None:
        raise errors.NotFound(f"Could not find domain: {domain_id}.")
    return row


async def find_domain_by_name(s: AsyncSession, name: str) -> DomainRow:
    row = await s.scalar(select(DomainRow).where(DomainRow.name == name))
    if row is None:
        raise errors.NotFound(f"Could not find domain: {name}.")
    return row


async def get_project(s: AsyncSession, project_id: str) -> ProjectRow:
    row = await s.get(ProjectRow, project_id)
    if row is None:
        raise errors.NotFound(f"Could not find project: {project_id}.")
    return row


async def find_project_by_name(s: AsyncSession, name: str, domain_id: str) -> ProjectRow:
    row = await s.scalar(
        select(ProjectRow).where(ProjectRow.name == name, ProjectRow.domain_id == domain_id))
    if row is None:
        raise errors.NotFound(f"Could not find project: {name}.")
    return row


async def get_user(s: AsyncSession, user_id: str) -> UserRow:
    row = await s.get(UserRow, user_id)
    if row is None:
        raise errors.NotFound(f"Could not find user: {user_id}.")
    return row


async def find_user_by_name(s: AsyncSession, name: str, domain_id: str) -> UserRow | None:
    return await s.scalar(
        select(UserRow).where(UserRow.name == name, UserRow.domain_id == domain_id))


async def find_role_by_name(s: AsyncSession, name: str) -> RoleRow | None:
    return await s.scalar(select(RoleRow).where(RoleRow.name == name))


async def roles_on_project(s: AsyncSession, user_id: str, project_id: str) -> list[RoleRow]:
    result = await s.scalars(
        select(RoleRow)
        .join(RoleAssignmentRow, RoleAssignmentRow.role_id == RoleRow.id)
        .where(RoleAssignmentRow.user_id == user_id, RoleAssignmentRow.project_id == project_id)
        .order_by(RoleRow.name))
    return list(result.unique())


async def roles_on_domain(s: AsyncSession, user_id: str, domain_id: str) -> list[RoleRow]:
    result = await s.scalars(
        select(RoleRow)
        .join(RoleAssignmentRow, RoleAssignmentRow.role_id == RoleRow.id)
        .where(RoleAssignmentRow.user_id == user_id, RoleAssignmentRow.domain_id == domain_id)
        .order_by(RoleRow.name))
    return list(result.unique())


async def projects_of_user(s: AsyncSession, user_id: str) -> list[ProjectRow]:
    result = await s.scalars(
        select(ProjectRow)
        .join(RoleAssignmentRow, RoleAssignmentRow.project_id == ProjectRow.id)
        .where(RoleAssignmentRow.user_id == user_id)
        .order_by(ProjectRow.name))
    return list(result.unique())


# --- creation (used by bootstrap and the admin APIs) ------------------------------------------


async def create_domain(s: AsyncSession, name: str, *, domain_id: str | None = None,
                        description: str = "", enabled: bool = True) -> DomainRow:
    if await s.scalar(select(DomainRow.id).where(DomainRow.name == name)) is not None:
        raise errors.Conflict(f"Conflict occurred attempting to store domain - Duplicate entry found with name {name}.")
    row = DomainRow(id=domain_id or new_id(), name=name, description=description, enabled=enabled, extra={})
    s.add(row)
    await s.flush()
    return row


async def create_project(s: AsyncSession, name: str, domain_id: str = DEFAULT_DOMAIN_ID, *,
                         description: str = "", enabled: bool = True,
                         parent_id: str | None = None) -> ProjectRow:
    await get_domain(s, domain_id)
    duplicate = await s.scalar(select(ProjectRow.id).where(
        ProjectRow.name == name, ProjectRow.domain_id == domain_id))
    if duplicate is not None:
        raise errors.Conflict(f"Conflict occurred attempting to store project - Duplicate entry found with name {name} at domain ID {domain_id}.")
    row = ProjectRow(id=new_id(), name=name, domain_id=domain_id, description=description,
                     enabled=enabled, parent_id=parent_id or domain_id, tags=[], extra={})
    s.add(row)
    await s.flush()
    return row


async def create_user(s: AsyncSession, name: str, password_hash: str | None,
                      domain_id: str = DEFAULT_DOMAIN_ID, *, email: str | None = None,
                      enabled: bool = True, default_project_id: str | None = None,
                      description: str | None = None) -> UserRow:
    await get_domain(s, domain_id)
    if await find_user_by_name(s, name, domain_id) is not None:
        raise errors.Conflict(f"Conflict occurred attempting to store user - Duplicate entry found with name {name} at domain ID {domain_id}.")
    row = UserRow(id=new_id(), name=name, domain_id=domain_id, password_hash=password_hash,
                  enabled=enabled, email=email, default_project_id=default_project_id,
                  description=description, extra={}, created_at=utcnow())
    s.add(row)
    await s.flush()
    return row


async def create_role(s: AsyncSession, name: str, *, role_id: str | None = None,
                      description: str | None = None) -> RoleRow:
    if await find_role_by_name(s, name) is not None:
        raise errors.Conflict(f"Conflict occurred attempting to store role - Duplicate entry found with name {name}.")
    row = RoleRow(id=role_id or new_id(), name=name, description=description, extra={})
    s.add(row)
    await s.flush()
    return row


async def assign_role(s: AsyncSession, user_id: str, role_id: str, *,
                      project_id: str | None = None, domain_id: str | None = None) -> None:
    """Grant a role on a project or a domain; granting twice is not an error."""
    existing = await s.scalar(select(RoleAssignmentRow.id).where(
        RoleAssignmentRow.user_id == user_id, RoleAssignmentRow.role_id == role_id,
        RoleAssignmentRow.project_id.is_(None) if project_id is None else RoleAssignmentRow.project_id == project_id,
        RoleAssignmentRow.domain_id.is_(None) if domain_id is None else RoleAssignmentRow.domain_id == domain_id))
    if existing is None:
        s.add(RoleAssignmentRow(user_id=user_id, role_id=role_id, project_id=project_id, domain_id=domain_id))
        await s.flush()
