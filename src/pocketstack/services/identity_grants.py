"""Role grants (admin only): roles of users and groups on projects, domains and the system as
/v3/{projects|domains|system}/.../roles and /v2.0/tenants/{id}/users/{id}/roles manage them,
and /v3/role_assignments."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.services import groups, identity
from pocketstack.services.assignments import Assignment, missing_grant
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import require_admin
from pocketstack.services.records import DomainRow, RoleRow


@dataclass(frozen=True, slots=True)
class GrantTarget:
    """What a grant's URL names: a project, a domain or the system, and a user or a group."""

    project_id: str | None = None
    domain_id: str | None = None
    system: bool = False
    user_id: str | None = None
    group_id: str | None = None
    # OS-INHERIT: the grant is inherited to the projects below the target.
    inherited: bool = False

    @property
    def actor_id(self) -> str:
        return self.group_id or self.user_id or ""


@dataclass(frozen=True, slots=True)
class RoleAssignments:
    """The grants /v3/role_assignments lists, and every domain by id (to name them)."""

    grants: list[Assignment]
    domains: dict[str, DomainRow]


async def _checked(s: AsyncSession, target: GrantTarget) -> tuple[str | None, str | None]:
    """(project_id, domain_id) of the target, after checking that it and the user (or the
    group) exist; the system is the domain column's SYSTEM marker."""
    project_id, domain_id = target.project_id, target.domain_id
    if project_id is not None:
        await identity.get_project(s, project_id)
    elif domain_id is not None:
        await identity.get_domain(s, domain_id)
    elif target.system:
        domain_id = identity.SYSTEM
    if target.group_id is not None:
        await groups.get_group(s, target.group_id)
    else:
        await identity.get_user(s, target.user_id or "")
    return project_id, domain_id


async def grant_role(cloud: Cloud, caller: Caller, target: GrantTarget, role_id: str) -> None:
    """Grant the role on the target; granting twice is not an error."""
    require_admin(caller)
    async with cloud.db.session() as s:
        project_id, domain_id = await _checked(s, target)
        role = await identity.get_role(s, role_id)
        await identity.assign_role(s, target.user_id, role.id, project_id=project_id,
                                   domain_id=domain_id, group_id=target.group_id,
                                   inherited=target.inherited)


async def check_grant(cloud: Cloud, caller: Caller, target: GrantTarget, role_id: str) -> None:
    """Return if the role is granted on the target; else 404."""
    require_admin(caller)
    async with cloud.db.reader() as s:
        project_id, domain_id = await _checked(s, target)
        role = await identity.get_role(s, role_id)
        grant = await identity.find_grant(s, target.user_id, role.id, project_id=project_id,
                                          domain_id=domain_id, group_id=target.group_id,
                                          inherited=target.inherited)
    if grant is None:
        name = project_id or ("system" if domain_id == identity.SYSTEM else domain_id or "")
        raise missing_grant(role.id, target.actor_id, name)


async def revoke_grant(cloud: Cloud, caller: Caller, target: GrantTarget, role_id: str) -> None:
    """Remove the grant (404 if absent); the tokens that carried it end."""
    require_admin(caller)
    async with cloud.db.session() as s:
        project_id, domain_id = await _checked(s, target)
        role = await identity.get_role(s, role_id)
        await identity.unassign_role(s, cloud.tokens, target.user_id, role.id,
                                     project_id=project_id, domain_id=domain_id,
                                     group_id=target.group_id, inherited=target.inherited)


async def list_grants(cloud: Cloud, caller: Caller, target: GrantTarget) -> list[RoleRow]:
    """The roles granted directly on the target, by name."""
    require_admin(caller)
    async with cloud.db.reader() as s:
        project_id, domain_id = await _checked(s, target)
        grants = await identity.list_assignments(s, user_id=target.user_id,
                                                 group_id=target.group_id,
                                                 project_id=project_id, domain_id=domain_id)
    return sorted((g.role for g in grants if g.inherited == target.inherited),
                  key=lambda r: r.name)


async def list_role_assignments(cloud: Cloud, caller: Caller, *, user_id: str | None,
                                group_id: str | None, role_id: str | None,
                                project_id: str | None, domain_id: str | None, system: bool,
                                effective: bool, include_subtree: bool = False,
                                inherited_only: bool = False) -> RoleAssignments:
    """Grants matching the filters (`system` for system grants, before `domain_id`);
    `effective` lists each group grant once per member, with the roles it implies."""
    require_admin(caller)
    if effective and group_id:
        raise errors.BadRequest("Combining effective and group filter will always result in an "
                                "empty list.")
    if include_subtree and project_id is None:
        raise errors.BadRequest("scope.project.id needs to be specified if include_subtree is "
                                "also specified.")
    async with cloud.db.reader() as s:
        grants = await identity.list_assignments(
            s, user_id=user_id, group_id=group_id, role_id=role_id, project_id=project_id,
            domain_id=identity.SYSTEM if system else domain_id, effective=effective,
            include_subtree=include_subtree, inherited_only=inherited_only)
        domains = {d.id: d for d in await identity.list_domains(s)}
    return RoleAssignments(grants, domains)


# --- v2.0: roles of users on tenants -------------------------------------------------------


async def _tenant_user(s: AsyncSession, tenant_id: str, user_id: str) -> None:
    await identity.get_project(s, tenant_id)
    await identity.get_user(s, user_id)


async def tenant_user_roles(cloud: Cloud, caller: Caller, tenant_id: str,
                            user_id: str) -> list[RoleRow]:
    """The user's effective roles on the tenant."""
    require_admin(caller)
    async with cloud.db.reader() as s:
        await _tenant_user(s, tenant_id, user_id)
        return await identity.roles_on_project(s, user_id, tenant_id)


async def add_tenant_user_role(cloud: Cloud, caller: Caller, tenant_id: str, user_id: str,
                               role_id: str) -> RoleRow:
    """Grant the role to the user on the tenant; the role."""
    require_admin(caller)
    async with cloud.db.session() as s:
        await _tenant_user(s, tenant_id, user_id)
        role = await identity.get_role(s, role_id)
        await identity.assign_role(s, user_id, role.id, project_id=tenant_id)
    return role


async def remove_tenant_user_role(cloud: Cloud, caller: Caller, tenant_id: str, user_id: str,
                                  role_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        await _tenant_user(s, tenant_id, user_id)
        role = await identity.get_role(s, role_id)
        await identity.unassign_role(s, cloud.tokens, user_id, role.id, project_id=tenant_id)
