"""What the v2.0 Identity API (OS-KSADM) adds to the v3 use cases: tenants and users of the
default domain, looked up by name, and the tenants a token may use."""

from __future__ import annotations

from typing import Any

from pocketstack import errors
from pocketstack.services import identity
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import require_admin
from pocketstack.services.identity_users import check_new_password, expiry
from pocketstack.services.records import ProjectRow, UserRow

DEFAULT = identity.DEFAULT_DOMAIN_ID


async def list_tenants(cloud: Cloud, caller: Caller) -> list[ProjectRow]:
    """Every tenant for an admin; else the enabled tenants the caller holds a role on."""
    async with cloud.db.reader() as s:
        if caller.is_admin:
            return await identity.list_projects(s, domain_id=DEFAULT)
        return [p for p in await identity.projects_of_user(s, caller.user_id)
                if p.enabled and p.domain_id == DEFAULT]


async def create_tenant(cloud: Cloud, caller: Caller, *, name: str, description: str,
                        enabled: bool) -> ProjectRow:
    """A tenant: a project of the default domain."""
    require_admin(caller)
    async with cloud.db.session() as s:
        return await identity.create_project(s, name, DEFAULT, description=description,
                                             enabled=enabled)


async def find_tenant(cloud: Cloud, caller: Caller, name: str) -> ProjectRow:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await identity.find_project_by_name(s, name, DEFAULT)


async def show_tenant(cloud: Cloud, caller: Caller, tenant_id: str) -> ProjectRow:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await identity.get_project(s, tenant_id)


async def update_tenant(cloud: Cloud, caller: Caller, tenant_id: str,
                        changes: dict[str, Any]) -> ProjectRow:
    require_admin(caller)
    async with cloud.db.session() as s:
        return await identity.update_project(s, cloud.tokens, tenant_id, changes, {})


async def delete_tenant(cloud: Cloud, caller: Caller, tenant_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        await identity.delete_project(s, cloud.tokens, tenant_id)


# --- users ---------------------------------------------------------------------------------


async def find_user(cloud: Cloud, caller: Caller, name: str) -> UserRow:
    require_admin(caller)
    async with cloud.db.reader() as s:
        row = await identity.find_user_by_name(s, name, DEFAULT)
    if row is None:
        raise errors.NotFound(f"Could not find user: {name}.")
    return row


async def show_user(cloud: Cloud, caller: Caller, user_id: str) -> UserRow:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await identity.get_user(s, user_id)


async def create_user(cloud: Cloud, caller: Caller, *, name: str, password: str | None,
                      tenant_id: str | None, email: str | None, enabled: bool) -> UserRow:
    """A user of the default domain; with a tenant, that is its default tenant and the user a
    member of it."""
    require_admin(caller)
    check_new_password(cloud, password)
    password_hash = await cloud.passwords.hash(password) if password else None
    async with cloud.db.session() as s:
        if tenant_id:
            await identity.get_project(s, tenant_id)
        row = await identity.create_user(s, name, password_hash, email=email, enabled=enabled,
                                         default_project_id=tenant_id,
                                         password_expires_at=expiry(cloud))
        member = await identity.find_role_by_name(s, "member")
        if tenant_id and member is not None:
            await identity.assign_role(s, row.id, member.id, project_id=tenant_id)
        return row
