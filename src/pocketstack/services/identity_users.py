"""Keystone users as /v3/users (and /v2.0/users) manage them; passwords are stored only as
argon2id hashes. Admins manage users; a user reads itself and lists its projects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pocketstack.services import identity, security_compliance
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import admin_or_self, caller_domain, require_admin
from pocketstack.services.records import ProjectRow, UserRow
from pocketstack.services.security_compliance import password_expires_at
from pocketstack.timeutil import utcnow


def expiry(cloud: Cloud) -> datetime | None:
    """When a password an administrator sets now expires ([security_compliance]
    password_expires_days; at once with change_password_upon_first_use)."""
    rules = cloud.settings.security_compliance
    if rules.change_password_upon_first_use:
        return utcnow()
    return password_expires_at(rules)


def check_new_password(cloud: Cloud, password: str | None) -> None:
    """400 unless a password being set matches [security_compliance] password_regex."""
    if password:
        security_compliance.check_regex(cloud.settings.security_compliance, password)


async def create_user(cloud: Cloud, caller: Caller, *, name: str, domain_id: str | None,
                      password: str | None, email: str | None, enabled: bool,
                      default_project_id: str | None, description: str | None,
                      extra: dict[str, Any]) -> UserRow:
    """A user in `domain_id` (or the caller's domain), with a password unless it is empty."""
    require_admin(caller)
    check_new_password(cloud, password)
    password_hash = await cloud.passwords.hash(password) if password else None
    async with cloud.db.session() as s:
        return await identity.create_user(
            s, name, password_hash, domain_id or await caller_domain(s, caller), email=email,
            enabled=enabled, default_project_id=default_project_id, description=description,
            extra=extra, password_expires_at=expiry(cloud))


async def list_users(cloud: Cloud, caller: Caller, *, name: str | None = None,
                     domain_id: str | None = None, enabled: bool | None = None) -> list[UserRow]:
    require_admin(caller)
    async with cloud.db.reader() as s:
        return await identity.list_users(s, name=name, domain_id=domain_id, enabled=enabled)


async def show_user(cloud: Cloud, caller: Caller, user_id: str) -> UserRow:
    """The user, for an admin or the user itself."""
    admin_or_self(caller, user_id)
    async with cloud.db.reader() as s:
        return await identity.get_user(s, user_id)


async def update_user(cloud: Cloud, caller: Caller, user_id: str, changes: dict[str, Any],
                      extra: dict[str, Any]) -> UserRow:
    """Apply changes; a `password` among them is hashed (None removes the password), and a
    new password or a disabled user ends the user's tokens."""
    require_admin(caller)
    changes = dict(changes)
    if "password" in changes:
        password = changes.pop("password")
        if password is None:
            changes.update(password_hash=None, password_expires_at=None, password_created_at=None)
        else:
            changes.update(await _new_password(cloud, user_id, password))
    async with cloud.db.session() as s:
        return await identity.update_user(s, cloud.tokens, user_id, changes, extra)


async def _new_password(cloud: Cloud, user_id: str, password: str) -> dict[str, Any]:
    """The columns an administrator's new password sets, after password_regex (the history
    is not enforced on an administrator's reset, as in Keystone)."""
    rules = cloud.settings.security_compliance
    security_compliance.check_regex(rules, password)
    async with cloud.db.reader() as s:
        user = await identity.get_user(s, user_id)
    new_hash = await cloud.passwords.hash(password)
    return security_compliance.password_fields(rules, user, new_hash, by_admin=True)


async def delete_user(cloud: Cloud, caller: Caller, user_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        await identity.delete_user(s, cloud.tokens, user_id)


async def list_user_projects(cloud: Cloud, caller: Caller, user_id: str) -> list[ProjectRow]:
    """The projects the user holds a role on, for an admin or the user itself (404 for an
    unknown user)."""
    admin_or_self(caller, user_id)
    async with cloud.db.reader() as s:
        await identity.get_user(s, user_id)
        return await identity.projects_of_user(s, user_id)

