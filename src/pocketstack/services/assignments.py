"""Role assignments: roles of users and groups on projects, domains and the system, implied
roles, the effective roles of a user (direct, through its groups, and implied; never the
domain-specific roles themselves), and the token revocation that follows a lost role."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pocketstack import errors
from pocketstack.db.models import (
    DomainRow,
    GroupMembershipRow,
    GroupRow,
    ProjectRow,
    RoleAssignmentRow,
    RoleInferenceRow,
    RoleRow,
    UserRow,
)
from pocketstack.services.tokens import Tokens

# The target of a system-scope grant: stored in the domain column, never a domain's id.
SYSTEM = "::system"
# Roles no rule may imply (Keystone's default prohibited_implied_role).
PROHIBITED_IMPLIED = frozenset({"admin"})


def _held_by(user_id: str) -> ColumnElement[bool]:
    """Grants of the user itself or of any group the user belongs to."""
    groups = select(GroupMembershipRow.group_id).where(GroupMembershipRow.user_id == user_id)
    return or_(RoleAssignmentRow.user_id == user_id, RoleAssignmentRow.group_id.in_(groups))


async def ancestors(s: AsyncSession, project: ProjectRow) -> list[str]:
    """The ids of a project's parents, nearest first."""
    out: list[str] = []
    parent_id = project.parent_id
    while parent_id and parent_id not in out:
        out.append(parent_id)
        parent = await s.get(ProjectRow, parent_id)
        parent_id = parent.parent_id if parent is not None else None
    return out


async def subtree(s: AsyncSession, project_id: str) -> list[ProjectRow]:
    """The projects below a project, at any depth."""
    out: list[ProjectRow] = []
    frontier = [project_id]
    while frontier:
        children = list((await s.scalars(select(ProjectRow).where(
            ProjectRow.parent_id.in_(frontier)).order_by(ProjectRow.id))).all())
        children = [c for c in children if c not in out]
        out.extend(children)
        frontier = [c.id for c in children]
    return out


async def _project_target(s: AsyncSession, project_id: str) -> ColumnElement[bool]:
    """Grants that give a role on the project: direct ones, and inherited ones on its domain
    or on one of its parents (OS-INHERIT)."""
    grant = RoleAssignmentRow
    direct = (grant.project_id == project_id) & grant.inherited.is_(False)
    project = await s.get(ProjectRow, project_id)
    if project is None:
        return direct
    parents = await ancestors(s, project)
    inherited = grant.inherited.is_(True) & or_(
        grant.project_id.in_(parents), grant.domain_id == project.domain_id)
    return or_(direct, inherited)


async def _granted_roles(s: AsyncSession, user_id: str, target: ColumnElement[bool]) -> list[RoleRow]:
    result = await s.scalars(
        select(RoleRow)
        .join(RoleAssignmentRow, RoleAssignmentRow.role_id == RoleRow.id)
        .where(_held_by(user_id), target))
    granted = {r.id: r for r in result.unique()}
    implied = await implied_closure(s, list(granted))
    effective = list(granted.values()) + [r for _, r in implied if r.id not in granted]
    unique = {r.id: r for r in effective if r.domain_id is None}
    return sorted(unique.values(), key=lambda r: r.name)


async def _inference_map(s: AsyncSession) -> dict[str, list[RoleRow]]:
    """Every implication rule: prior role id -> the roles it directly implies."""
    rules = (await s.execute(select(RoleInferenceRow.prior_role_id, RoleRow)
                             .join(RoleRow, RoleRow.id == RoleInferenceRow.implied_role_id))).all()
    implies: dict[str, list[RoleRow]] = {}
    for prior_id, implied in rules:
        implies.setdefault(prior_id, []).append(implied)
    return implies


def _closure(implies: dict[str, list[RoleRow]], role_ids: list[str]) -> list[tuple[str, RoleRow]]:
    out: list[tuple[str, RoleRow]] = []
    seen = set(role_ids)
    queue = list(role_ids)
    while queue:
        prior_id = queue.pop(0)
        for implied in implies.get(prior_id, []):
            if implied.id not in seen:
                seen.add(implied.id)
                out.append((prior_id, implied))
                queue.append(implied.id)
    return out


async def implied_closure(s: AsyncSession, role_ids: list[str]) -> list[tuple[str, RoleRow]]:
    """(prior role id, implied role) for every role the given ones imply, transitively."""
    return _closure(await _inference_map(s), role_ids)


async def roles_on_project(s: AsyncSession, user_id: str, project_id: str) -> list[RoleRow]:
    """The user's effective roles on a project: its own grants and its groups', and those
    inherited from the project's domain and parents."""
    return await _granted_roles(s, user_id, await _project_target(s, project_id))


async def roles_on_domain(s: AsyncSession, user_id: str, domain_id: str) -> list[RoleRow]:
    """The user's effective roles on a domain (or on the system, with domain_id=SYSTEM)."""
    return await _granted_roles(s, user_id, (RoleAssignmentRow.domain_id == domain_id)
                                & RoleAssignmentRow.inherited.is_(False))


async def projects_of_user(s: AsyncSession, user_id: str) -> list[ProjectRow]:
    """The projects the user holds a role on, directly or inherited."""
    grant = RoleAssignmentRow
    found = {p.id: p for p in (await s.scalars(
        select(ProjectRow)
        .join(grant, grant.project_id == ProjectRow.id)
        .where(_held_by(user_id), grant.inherited.is_(False)))).unique()}
    inherited = (await s.execute(select(grant.project_id, grant.domain_id).where(
        _held_by(user_id), grant.inherited.is_(True)))).all()
    for project_id, domain_id in inherited:
        if project_id is not None:
            found.update({p.id: p for p in await subtree(s, project_id)})
        elif domain_id is not None:
            found.update({p.id: p for p in (await s.scalars(select(ProjectRow).where(
                ProjectRow.domain_id == domain_id))).all()})
    return sorted(found.values(), key=lambda p: p.name)


async def domains_of_user(s: AsyncSession, user_id: str) -> list[DomainRow]:
    result = await s.scalars(
        select(DomainRow)
        .join(RoleAssignmentRow, RoleAssignmentRow.domain_id == DomainRow.id)
        .where(_held_by(user_id), RoleAssignmentRow.inherited.is_(False))
        .order_by(DomainRow.name))
    return list(result.unique())


async def members_of(s: AsyncSession, group_ids: Any) -> list[str]:
    """Ids of the users in the given groups (a list or a subquery of group ids)."""
    return list((await s.scalars(select(GroupMembershipRow.user_id).where(
        GroupMembershipRow.group_id.in_(group_ids)).distinct())).all())


async def holders_of(s: AsyncSession, condition: ColumnElement[bool]) -> set[str]:
    """Every user holding a grant that matches `condition`, directly or through a group."""
    direct = (await s.scalars(select(RoleAssignmentRow.user_id).where(
        condition, RoleAssignmentRow.user_id.is_not(None)).distinct())).all()
    users = {user_id for user_id in direct if user_id is not None}
    groups = select(RoleAssignmentRow.group_id).where(
        condition, RoleAssignmentRow.group_id.is_not(None))
    return users | set(await members_of(s, groups))


# --- grants --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assignment:
    """One grant with its rows: a role of a user or a group on a project, a domain or the
    system. An effective assignment names the user, and the group it holds the role through."""

    role: RoleRow
    user: UserRow | None
    project: ProjectRow | None
    domain: DomainRow | None
    system: bool = False
    group: GroupRow | None = None
    prior_role: RoleRow | None = None
    # OS-INHERIT: the grant as stored is inherited to the projects below its target; an
    # effective assignment it gives on one of them names it in `inherited_from`.
    inherited: bool = False
    inherited_from: ProjectRow | DomainRow | None = None


def _grantee(user_id: str | None, group_id: str | None) -> ColumnElement[bool]:
    grant = RoleAssignmentRow
    if group_id is not None:
        return grant.group_id == group_id
    return grant.user_id == user_id


async def find_grant(s: AsyncSession, user_id: str | None, role_id: str, *,
                     project_id: str | None = None, domain_id: str | None = None,
                     group_id: str | None = None,
                     inherited: bool = False) -> RoleAssignmentRow | None:
    """The grant of a role to a user (or, with group_id, to a group) on a target (inherited
    to the projects below it, with `inherited`)."""
    column = RoleAssignmentRow
    return await s.scalar(select(column).where(
        _grantee(user_id, group_id), column.role_id == role_id,
        column.project_id.is_(None) if project_id is None else column.project_id == project_id,
        column.domain_id.is_(None) if domain_id is None else column.domain_id == domain_id,
        column.inherited.is_(inherited)))


async def assign_role(s: AsyncSession, user_id: str | None, role_id: str, *,
                      project_id: str | None = None, domain_id: str | None = None,
                      group_id: str | None = None, inherited: bool = False) -> None:
    """Grant a role on a project or a domain to a user or a group; twice is not an error."""
    if await find_grant(s, user_id, role_id, project_id=project_id, domain_id=domain_id,
                        group_id=group_id, inherited=inherited) is None:
        s.add(RoleAssignmentRow(user_id=None if group_id else user_id, group_id=group_id,
                                role_id=role_id, project_id=project_id, domain_id=domain_id,
                                inherited=inherited))
        await s.flush()


def missing_grant(role_id: str, actor_id: str, target: str | None) -> errors.NotFound:
    return errors.NotFound(
        f"Could not find role assignment with role: {role_id}, user or group: {actor_id}, "
        f"project, domain, or system: {(target or '').replace(SYSTEM, 'system')}.")


async def unassign_role(s: AsyncSession, tokens: Tokens, user_id: str | None, role_id: str, *,
                        project_id: str | None = None, domain_id: str | None = None,
                        group_id: str | None = None, inherited: bool = False) -> None:
    """Remove a grant (404 if absent) and end the tokens that carried it."""
    row = await find_grant(s, user_id, role_id, project_id=project_id, domain_id=domain_id,
                           group_id=group_id, inherited=inherited)
    if row is None:
        raise missing_grant(role_id, group_id or user_id or "", project_id or domain_id)
    await s.delete(row)
    # A domain grant may back tokens of any scope below the domain: end all of the user's.
    affected = [user_id] if group_id is None else await members_of(s, [group_id])
    for holder in affected:
        if holder is not None:
            await tokens.revoke(s, user_id=holder, project_id=None if inherited else project_id)
    await s.flush()


# --- listing -------------------------------------------------------------------------------


async def list_assignments(s: AsyncSession, *, user_id: str | None = None,
                           group_id: str | None = None, role_id: str | None = None,
                           project_id: str | None = None, domain_id: str | None = None,
                           effective: bool = False, include_subtree: bool = False,
                           inherited_only: bool = False) -> list[Assignment]:
    """Grants matching the filters; `effective` replaces each group grant by one assignment
    per member of the group (and then `user_id` matches those members too), each inherited
    grant by one assignment per project below its target, adds the roles the granted ones
    imply and leaves out domain-specific roles. `include_subtree` widens `project_id` to the
    projects below it; `inherited_only` keeps the OS-INHERIT grants alone."""
    grant = RoleAssignmentRow
    query = (select(grant, RoleRow, UserRow, GroupRow, ProjectRow, DomainRow)
             .join(RoleRow, RoleRow.id == grant.role_id)
             .outerjoin(UserRow, UserRow.id == grant.user_id)
             .outerjoin(GroupRow, GroupRow.id == grant.group_id)
             .outerjoin(ProjectRow, ProjectRow.id == grant.project_id)
             .outerjoin(DomainRow, DomainRow.id == grant.domain_id)
             .order_by(grant.id))
    projects: set[str] | None = None
    if project_id is not None:
        projects = {project_id}
        if include_subtree:
            projects |= {p.id for p in await subtree(s, project_id)}
    for column, value in ((grant.role_id, role_id), (grant.group_id, group_id)):
        if value is not None:
            query = query.where(column == value)
    if inherited_only:
        query = query.where(grant.inherited.is_(True))
    if not effective:
        if projects is not None:
            query = query.where(grant.project_id.in_(projects))
        if domain_id is not None:
            query = query.where(grant.domain_id == domain_id)
        if user_id is not None:
            query = query.where(grant.user_id == user_id)
    out: list[Assignment] = []
    for row, role, user, group, project, domain in (await s.execute(query)).all():
        system = row.domain_id == SYSTEM
        if not effective:
            out.append(Assignment(role, user, project, domain, system, group,
                                  inherited=row.inherited))
            continue
        targets = await _effective_targets(s, row, project, domain)
        targets = [(p, d, src) for p, d, src in targets
                   if (projects is None or (p is not None and p.id in projects))
                   and (domain_id is None or (p is None and d is not None and d.id == domain_id))]
        members = [user] if group is None else await _group_members(s, group.id, user_id)
        for member in members:
            if user_id is not None and (member is None or member.id != user_id):
                continue
            for target_project, target_domain, source in targets:
                out.append(Assignment(role, member, target_project, target_domain, system, group,
                                      inherited_from=source))
    return await _with_implied(s, out) if effective else out


async def _effective_targets(
        s: AsyncSession, row: RoleAssignmentRow, project: ProjectRow | None,
        domain: DomainRow | None,
) -> list[tuple[ProjectRow | None, DomainRow | None, ProjectRow | DomainRow | None]]:
    """(project, domain, inherited from) of each place a grant gives its role."""
    if not row.inherited:
        return [(project, domain, None)]
    if project is not None:
        return [(p, None, project) for p in await subtree(s, project.id)]
    if domain is None:
        return []
    below = (await s.scalars(select(ProjectRow).where(ProjectRow.domain_id == domain.id)
                             .order_by(ProjectRow.id))).all()
    return [(p, None, domain) for p in below]


async def _with_implied(s: AsyncSession, grants: list[Assignment]) -> list[Assignment]:
    implies = await _inference_map(s)
    roles = {g.role.id: g.role for g in grants}
    roles.update({r.id: r for rows in implies.values() for r in rows})
    out: list[Assignment] = []
    for grant in grants:
        if grant.role.domain_id is None:
            out.append(grant)
        for prior_id, implied in _closure(implies, [grant.role.id]):
            if implied.domain_id is None:
                out.append(replace(grant, role=implied, prior_role=roles.get(prior_id)
                                   or await s.get(RoleRow, prior_id)))
    return out


async def _group_members(s: AsyncSession, group_id: str, user_id: str | None) -> list[UserRow]:
    member = aliased(GroupMembershipRow)
    query = (select(UserRow).join(member, member.user_id == UserRow.id)
             .where(member.group_id == group_id).order_by(UserRow.name))
    if user_id is not None:
        query = query.where(UserRow.id == user_id)
    return list((await s.scalars(query)).all())


# --- implied roles -------------------------------------------------------------------------


async def _roles(s: AsyncSession, prior_id: str, implied_id: str) -> tuple[RoleRow, RoleRow]:
    prior = await s.get(RoleRow, prior_id)
    if prior is None:
        raise errors.NotFound(f"Could not find role: {prior_id}.")
    implied = await s.get(RoleRow, implied_id)
    if implied is None:
        raise errors.NotFound(f"Could not find role: {implied_id}.")
    return prior, implied


async def get_inference(s: AsyncSession, prior_id: str, implied_id: str) -> tuple[RoleRow, RoleRow]:
    prior, implied = await _roles(s, prior_id, implied_id)
    if await s.get(RoleInferenceRow, (prior_id, implied_id)) is None:
        raise errors.NotFound(f"{prior_id} does not imply {implied_id}.")
    return prior, implied


async def create_inference(s: AsyncSession, prior_id: str, implied_id: str) -> tuple[RoleRow, RoleRow]:
    """Make the prior role imply another; creating a rule twice is not an error."""
    prior, implied = await _roles(s, prior_id, implied_id)
    if implied.name in PROHIBITED_IMPLIED:
        raise errors.BadRequest(f"{implied.id} cannot be an implied roles.")
    if prior.domain_id is None and implied.domain_id is not None:
        raise errors.Forbidden("Global role cannot imply a domain-specific role.")
    if prior.id == implied.id or prior.id in {r.id for _, r in await implied_closure(s, [implied.id])}:
        raise errors.BadRequest(f"Cycle detected: {implied.id} implies {prior.id}.")
    if await s.get(RoleInferenceRow, (prior.id, implied.id)) is None:
        s.add(RoleInferenceRow(prior_role_id=prior.id, implied_role_id=implied.id))
        await s.flush()
    return prior, implied


async def delete_inference(s: AsyncSession, tokens: Tokens, prior_id: str, implied_id: str) -> None:
    """Remove a rule (404 if absent); holders of the prior role lose the implied one."""
    await get_inference(s, prior_id, implied_id)
    await s.execute(delete(RoleInferenceRow).where(RoleInferenceRow.prior_role_id == prior_id,
                                                   RoleInferenceRow.implied_role_id == implied_id))
    for user_id in sorted(await holders_of(s, RoleAssignmentRow.role_id == prior_id)):
        await tokens.revoke(s, user_id=user_id)
    await s.flush()


async def list_inferences(s: AsyncSession, prior_id: str | None = None) -> list[tuple[RoleRow, list[RoleRow]]]:
    """(prior role, the roles it directly implies) per prior role, or for one prior role."""
    prior = aliased(RoleRow)
    implied = aliased(RoleRow)
    query = (select(prior, implied)
             .join(RoleInferenceRow, RoleInferenceRow.prior_role_id == prior.id)
             .join(implied, implied.id == RoleInferenceRow.implied_role_id)
             .order_by(prior.name, implied.name))
    if prior_id is not None:
        query = query.where(prior.id == prior_id)
    grouped: dict[str, tuple[RoleRow, list[RoleRow]]] = {}
    for prior_row, implied_row in (await s.execute(query)).all():
        grouped.setdefault(prior_row.id, (prior_row, []))[1].append(implied_row)
    return list(grouped.values())
