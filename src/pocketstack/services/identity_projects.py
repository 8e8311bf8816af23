"""Keystone projects as /v3/projects manages them, with their tags. Admins manage projects; a
member reads its own project and its tags. A domain is also addressable as the project
acting as it (is_domain)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.services import identity
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import caller_domain, require_admin
from pocketstack.services.records import DomainRow, ProjectRow

MAX_TAGS = 80


async def create_project(cloud: Cloud, caller: Caller, *, name: str, domain_id: str | None,
                         description: str, enabled: bool, parent_id: str | None,
                         tags: list[str], extra: dict[str, Any],
                         is_domain: bool = False) -> ProjectRow | DomainRow:
    """A project in `domain_id` (or the caller's domain); with is_domain, a domain."""
    require_admin(caller)
    async with cloud.db.session() as s:
        if is_domain:
            return await identity.create_domain(s, name, description=description,
                                                enabled=enabled, extra=extra)
        return await identity.create_project(
            s, name, domain_id or await caller_domain(s, caller), description=description,
            enabled=enabled, parent_id=parent_id, tags=tags, extra=extra)


async def list_projects(cloud: Cloud, caller: Caller, *, is_domain: bool, name: str | None,
                        domain_id: str | None, enabled: bool | None,
                        parent_id: str | None) -> list[ProjectRow] | list[DomainRow]:
    """Projects matching the filters; with is_domain, the domains acting as projects."""
    require_admin(caller)
    async with cloud.db.reader() as s:
        if is_domain:
            return await identity.list_domains(s, name=name, enabled=enabled)
        return await identity.list_projects(s, name=name, domain_id=domain_id, enabled=enabled,
                                            parent_id=parent_id)


def _reader(caller: Caller, project_id: str) -> None:
    """A member may read its own project; anyone else must be an admin."""
    if caller.scoped_project_id != project_id:
        require_admin(caller)


async def show_project(cloud: Cloud, caller: Caller, project_id: str) -> ProjectRow | DomainRow:
    _reader(caller, project_id)
    async with cloud.db.reader() as s:
        return await identity.get_project_or_domain(s, project_id)


async def update_project(cloud: Cloud, caller: Caller, project_id: str, changes: dict[str, Any],
                         extra: dict[str, Any], *,
                         is_domain: bool | None = None) -> ProjectRow | DomainRow:
    """Apply changes to a project, or to a domain addressed as a project (whose domain_id,
    parent_id and tags may not be set, nor is_domain changed)."""
    require_admin(caller)
    async with cloud.db.session() as s:
        row = await identity.get_project_or_domain(s, project_id)
        if is_domain is not None and is_domain != isinstance(row, DomainRow):
            raise errors.BadRequest("Update of `is_domain` is not allowed.")
        if isinstance(row, DomainRow):
            for field in ("domain_id", "parent_id", "tags"):
                if changes.get(field):
                    raise errors.BadRequest(f"Update of `{field}` is not allowed.")
            domain_changes: dict[str, Any] = {k: changes[k] for k in ("name", "description", "enabled")
                              if k in changes}
            return await identity.update_domain(s, cloud.tokens, project_id, domain_changes, extra)
        return await identity.update_project(s, cloud.tokens, project_id, changes, extra)


async def delete_project(cloud: Cloud, caller: Caller, project_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        if isinstance(await identity.get_project_or_domain(s, project_id), DomainRow):
            await identity.delete_domain(s, cloud.tokens, project_id)
        else:
            await identity.delete_project(s, cloud.tokens, project_id)


# --- tags ----------------------------------------------------------------------------------


async def list_tags(cloud: Cloud, caller: Caller, project_id: str) -> list[str]:
    _reader(caller, project_id)
    async with cloud.db.reader() as s:
        row = await identity.get_project(s, project_id)
    return list(row.tags or [])


def _missing_tag(tag: str) -> errors.NotFound:
    return errors.NotFound(f"Could not find project tag: {tag}.")


async def check_tag(cloud: Cloud, caller: Caller, project_id: str, tag: str) -> None:
    """Return if the project has the tag; else 404."""
    if tag not in await list_tags(cloud, caller, project_id):
        raise _missing_tag(tag)


async def _set_tags(cloud: Cloud, s: AsyncSession, project_id: str, tags: list[str]) -> ProjectRow:
    return await identity.update_project(s, cloud.tokens, project_id, {"tags": tags}, {})


async def add_tag(cloud: Cloud, caller: Caller, project_id: str, tag: str) -> None:
    """Tag the project (a tag it has is not an error); at most MAX_TAGS tags."""
    require_admin(caller)
    async with cloud.db.session() as s:
        row = await identity.get_project(s, project_id)
        tags = list(row.tags or [])
        if tag not in tags:
            if len(tags) >= MAX_TAGS:
                raise errors.BadRequest(f"The number of tags is over the limit of {MAX_TAGS}.")
            await _set_tags(cloud, s, project_id, [*tags, tag])


async def replace_tags(cloud: Cloud, caller: Caller, project_id: str,
                       tags: list[str]) -> list[str]:
    """Replace every tag of the project (duplicates dropped); the tags it now has."""
    require_admin(caller)
    async with cloud.db.session() as s:
        row = await _set_tags(cloud, s, project_id, list(dict.fromkeys(tags)))
    return list(row.tags or [])


async def delete_tag(cloud: Cloud, caller: Caller, project_id: str, tag: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        row = await identity.get_project(s, project_id)
        tags = list(row.tags or [])
        if tag not in tags:
            raise _missing_tag(tag)
        await _set_tags(cloud, s, project_id, [t for t in tags if t != tag])


async def delete_all_tags(cloud: Cloud, caller: Caller, project_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        await _set_tags(cloud, s, project_id, [])
