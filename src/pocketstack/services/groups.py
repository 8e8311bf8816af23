"""Keystone groups: CRUD, membership, and the token revocation that follows a lost role.

A member holds every role granted to its groups (services.assignments reads them), so
removing a member or deleting a group ends the tokens of the users that lose access. Admins
manage groups; a user may list its own groups.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import GroupMembershipRow, GroupRow, RoleAssignmentRow, UserRow
from pocketstack.services import identity
from pocketstack.services.assignments import members_of
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import admin_or_self, caller_domain, require_admin


def _duplicate(name: str, domain_id: str) -> errors.Conflict:
    return errors.Conflict("Conflict occurred attempting to store group - Duplicate entry "
                           f"found with name {name} at domain ID {domain_id}.")


async def get_group(s: AsyncSession, group_id: str) -> GroupRow:
    row = await s.get(GroupRow, group_id)
    if row is None:
        raise errors.NotFound(f"Could not find group: {group_id}.")
    return row


async def _check_name(s: AsyncSession, name: str, domain_id: str) -> None:
    duplicate = await s.scalar(select(GroupRow.id).where(
        GroupRow.name == name, GroupRow.domain_id == domain_id))
    if duplicate is not None:
        raise _duplicate(name, domain_id)


async def create_group(cloud: Cloud, caller: Caller, *, name: str, domain_id: str | None,
                       description: str, extra: dict[str, Any]) -> GroupRow:
    """A group in `domain_id` (or the caller's domain)."""
    require_admin(caller)
    async with cloud.db.session() as s:
        domain_id = domain_id or await caller_domain(s, caller)
        await identity.get_domain(s, domain_id)
        await _check_name(s, name, domain_id)
        row = GroupRow(id=uuid.uuid4().hex, name=name, domain_id=domain_id,
                       description=description, extra=extra)
        s.add(row)
        await s.flush()
        return row


async def list_groups(cloud: Cloud, caller: Caller, *, name: str | None,
                      domain_id: str | None) -> list[GroupRow]:
    require_admin(caller)
    query = select(GroupRow).order_by(GroupRow.name, GroupRow.id)
    if name is not None:
        query = query.where(GroupRow.name == name)
    if domain_id is not None:
        query = query.where(GroupRow.domain_id == domain_id)
    async with cloud.db.reader() as s:
        return list((await s.scalars(query)).all())


async def show_group(cloud: Cloud, caller: Caller, group_id: str) -> GroupRow:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await get_group(s, group_id)


async def update_group(cloud: Cloud, caller: Caller, group_id: str, changes: dict[str, Any],
                       extra: dict[str, Any]) -> GroupRow:
    require_admin(caller)
    async with cloud.db.session() as s:
        row = await get_group(s, group_id)
        if "domain_id" in changes and changes["domain_id"] != row.domain_id:
            raise errors.BadRequest("Update of `domain_id` is not allowed.")
        name = changes.get("name")
        if name is not None and name != row.name:
            await _check_name(s, name, row.domain_id)
            row.name = name
        if "description" in changes:
            row.description = changes["description"] or ""
        if extra:
            row.extra = {**(row.extra or {}), **extra}
        await s.flush()
        return row


async def delete_group(cloud: Cloud, caller: Caller, group_id: str) -> None:
    """Delete a group with its memberships and grants; members holding its roles lose them."""
    require_admin(caller)
    async with cloud.db.session() as s:
        row = await get_group(s, group_id)
        has_grants = await s.scalar(select(RoleAssignmentRow.id).where(
            RoleAssignmentRow.group_id == row.id).limit(1))
        if has_grants is not None:
            for user_id in await members_of(s, [row.id]):
                await cloud.tokens.revoke(s, user_id=user_id)
        await s.execute(delete(RoleAssignmentRow).where(RoleAssignmentRow.group_id == row.id))
        await s.execute(delete(GroupMembershipRow).where(GroupMembershipRow.group_id == row.id))
        await s.delete(row)
        await s.flush()


# --- membership ----------------------------------------------------------------------------


async def _membership(s: AsyncSession, group_id: str, user_id: str) -> GroupMembershipRow | None:
    """The membership of a known user in a known group (404 for an unknown one), or None."""
    await get_group(s, group_id)
    await identity.get_user(s, user_id)
    return await s.get(GroupMembershipRow, (group_id, user_id))


def _not_member(group_id: str, user_id: str) -> errors.NotFound:
    return errors.NotFound(f"User '{user_id}' not found in group '{group_id}'.")


async def add_member(cloud: Cloud, caller: Caller, group_id: str, user_id: str) -> None:
    """Put a user in a group; adding twice is not an error."""
    require_admin(caller)
    async with cloud.db.session() as s:
        if await _membership(s, group_id, user_id) is None:
            s.add(GroupMembershipRow(group_id=group_id, user_id=user_id))
            await s.flush()


async def check_member(cloud: Cloud, caller: Caller, group_id: str, user_id: str) -> None:
    """Return if the user is in the group; else 404."""
    require_admin(caller)
    async with cloud.db.reader() as s:
        if await _membership(s, group_id, user_id) is None:
            raise _not_member(group_id, user_id)


async def remove_member(cloud: Cloud, caller: Caller, group_id: str, user_id: str) -> None:
    """Take a user out of a group (404 if not in it); its tokens end with the group's roles."""
    require_admin(caller)
    async with cloud.db.session() as s:
        row = await _membership(s, group_id, user_id)
        if row is None:
            raise _not_member(group_id, user_id)
        await s.delete(row)
        await cloud.tokens.revoke(s, user_id=user_id)
        await s.flush()


async def list_members(cloud: Cloud, caller: Caller, group_id: str) -> list[UserRow]:
    require_admin(caller)
    async with cloud.db.reader() as s:
        await get_group(s, group_id)
        return list((await s.scalars(
            select(UserRow).join(GroupMembershipRow, GroupMembershipRow.user_id == UserRow.id)
            .where(GroupMembershipRow.group_id == group_id).order_by(UserRow.name))).all())


async def groups_of_user(cloud: Cloud, caller: Caller, user_id: str) -> list[GroupRow]:
    """The groups the user is in, for an admin or the user itself."""
    admin_or_self(caller, user_id)
    async with cloud.db.reader() as s:
        await identity.get_user(s, user_id)
        return list((await s.scalars(
            select(GroupRow).join(GroupMembershipRow, GroupMembershipRow.group_id == GroupRow.id)
            .where(GroupMembershipRow.user_id == user_id).order_by(GroupRow.name))).all())
