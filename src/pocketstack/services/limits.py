"""Unified limits (Keystone's /v3/registered_limits and /v3/limits): a registered limit is a
resource's default for every project of a service (and region); a limit overrides it for one
project or domain. Admins write them; a project-scoped caller reads its own project's limits.
The enforcement model ([unified_limit] enforcement_model) is "flat" or "strict_two_level": a
child project's limit may not exceed its parent's, nor a parent's go below a child's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import DomainRow, LimitRow, ProjectRow, RegisteredLimitRow
from pocketstack.services import catalog_store
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import require_admin

MODELS = {
    "flat": "Limit enforcement and validation does not take project hierarchy into "
            "consideration.",
    "strict_two_level": "This model requires project hierarchy never exceeds a depth of two",
}


@dataclass(frozen=True, slots=True)
class LimitModel:
    name: str
    description: str


def model(cloud: Cloud) -> LimitModel:
    name = cloud.settings.unified_limit.enforcement_model
    return LimitModel(name, MODELS[name])


def _invalid(attribute: str, target: str) -> errors.BadRequest:
    return errors.BadRequest(f"Expecting to find {attribute} in {target}. The server could not "
                             "comply with the request since it is either malformed or otherwise "
                             "incorrect.")


async def _check_refs(cloud: Cloud, s: AsyncSession, fields: dict[str, Any], target: str) -> None:
    """Keystone's 400 when a named service, region, project or domain does not exist."""
    try:
        if fields.get("service_id") is not None:
            await catalog_store.get_service(s, cloud.settings, fields["service_id"])
    except errors.NotFound:
        raise _invalid("service_id", target) from None
    try:
        if fields.get("region_id") is not None:
            await catalog_store.get_region(s, cloud.settings, fields["region_id"])
    except errors.NotFound:
        raise _invalid("region_id", target) from None
    project_id = fields.get("project_id")
    if project_id is not None and await s.get(ProjectRow, project_id) is None:
        if await s.get(DomainRow, project_id) is None:
            raise _invalid("project_id", target)
        # A project acting as a domain: the limit is the domain's.
        fields["domain_id"] = fields.pop("project_id")
    if fields.get("domain_id") is not None and await s.get(DomainRow, fields["domain_id"]) is None:
        raise _invalid("domain_id", target)


def _conflict(kind: str) -> errors.Conflict:
    return errors.Conflict(f"Conflict occurred attempting to store {kind} - Duplicate entry.")


# --- registered limits ---------------------------------------------------------------------


async def _registered(s: AsyncSession, service_id: str, region_id: str | None,
                      resource_name: str) -> RegisteredLimitRow | None:
    return await s.scalar(select(RegisteredLimitRow).where(
        RegisteredLimitRow.service_id == service_id,
        RegisteredLimitRow.region_id.is_(None) if region_id is None
        else RegisteredLimitRow.region_id == region_id,
        RegisteredLimitRow.resource_name == resource_name))


async def _get_registered(s: AsyncSession, limit_id: str) -> RegisteredLimitRow:
    row = await s.get(RegisteredLimitRow, limit_id)
    if row is None:
        raise errors.NotFound(f"Could not find registered limit for {limit_id}.")
    return row


async def create_registered_limits(cloud: Cloud, caller: Caller,
                                   items: list[dict[str, Any]]) -> list[RegisteredLimitRow]:
    """All of them or none: each must name an existing service (and region), once."""
    require_admin(caller)
    async with cloud.db.session() as s:
        made: list[RegisteredLimitRow] = []
        for item in items:
            await _check_refs(cloud, s, item, "registered_limit")
            if await _registered(s, item["service_id"], item.get("region_id"),
                                 item["resource_name"]) is not None:
                raise _conflict("registered_limit")
            row = RegisteredLimitRow(id=uuid.uuid4().hex, **item)
            s.add(row)
            await s.flush()
            made.append(row)
        return made


async def list_registered_limits(cloud: Cloud, filters: dict[str, str]) -> list[RegisteredLimitRow]:
    """Any authenticated caller may read the registered limits."""
    query = select(RegisteredLimitRow).order_by(RegisteredLimitRow.id)
    for name, value in filters.items():
        query = query.where(getattr(RegisteredLimitRow, name) == value)
    async with cloud.db.reader() as s:
        return list((await s.scalars(query)).all())


async def show_registered_limit(cloud: Cloud, limit_id: str) -> RegisteredLimitRow:
    async with cloud.db.reader() as s:
        return await _get_registered(s, limit_id)


async def _referenced(s: AsyncSession, row: RegisteredLimitRow) -> bool:
    return await s.scalar(select(LimitRow.id).where(
        LimitRow.service_id == row.service_id, LimitRow.resource_name == row.resource_name,
        LimitRow.region_id.is_(None) if row.region_id is None
        else LimitRow.region_id == row.region_id).limit(1)) is not None


def _in_use(limit_id: str) -> errors.Forbidden:
    return errors.Forbidden(f"Unable to update or delete registered limit {limit_id} because "
                            "there are project limits associated with it.")


async def update_registered_limit(cloud: Cloud, caller: Caller, limit_id: str,
                                  changes: dict[str, Any]) -> RegisteredLimitRow:
    require_admin(caller)
    async with cloud.db.session() as s:
        row = await _get_registered(s, limit_id)
        await _check_refs(cloud, s, changes, "registered_limit")
        if {"service_id", "region_id", "resource_name"} & set(changes):
            if await _referenced(s, row):
                raise _in_use(limit_id)
            found = await _registered(s, changes.get("service_id", row.service_id),
                                      changes.get("region_id", row.region_id),
                                      changes.get("resource_name", row.resource_name))
            if found is not None and found.id != row.id:
                raise _conflict("registered_limit")
        for name, value in changes.items():
            setattr(row, name, value)
        await s.flush()
        return row


async def delete_registered_limit(cloud: Cloud, caller: Caller, limit_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        row = await _get_registered(s, limit_id)
        if await _referenced(s, row):
            raise _in_use(limit_id)
        await s.delete(row)
        await s.flush()


# --- limits --------------------------------------------------------------------------------


async def _get_limit(s: AsyncSession, limit_id: str) -> LimitRow:
    row = await s.get(LimitRow, limit_id)
    if row is None:
        raise errors.NotFound(f"Could not find limit for {limit_id}.")
    return row


async def _same_limit(s: AsyncSession, row: LimitRow) -> LimitRow | None:
    query = select(LimitRow).where(
        LimitRow.service_id == row.service_id, LimitRow.resource_name == row.resource_name,
        LimitRow.region_id.is_(None) if row.region_id is None
        else LimitRow.region_id == row.region_id)
    query = query.where(LimitRow.project_id == row.project_id) if row.project_id else \
        query.where(LimitRow.domain_id == row.domain_id, LimitRow.project_id.is_(None))
    return await s.scalar(query)


async def _explicit(s: AsyncSession, row: LimitRow, *, project_id: str | None,
                    domain_id: str | None) -> int | None:
    """The limit of the same resource set for another project or domain, if any."""
    other = LimitRow(service_id=row.service_id, region_id=row.region_id,
                     resource_name=row.resource_name, project_id=project_id,
                     domain_id=domain_id)
    found = await _same_limit(s, other)
    return found.resource_limit if found is not None else None


def _unsatisfied(row: LimitRow) -> errors.Forbidden:
    level, target = ("project_id", row.project_id) if row.project_id else ("domain_id",
                                                                           row.domain_id)
    return errors.Forbidden(
        f"Invalid resource limit: The resource limit ({level}: {target}, resource_name: "
        f"{row.resource_name}, resource_limit: {row.resource_limit}, service_id: "
        f"{row.service_id}, region_id: {row.region_id}) doesn't satisfy current hierarchy "
        "model.")


async def _check_strict_two_level(s: AsyncSession, row: LimitRow) -> None:
    """Keystone's strict_two_level: a project's limit never above its parent's (the parent
    project's limit, else its domain's limit or the registered default); a domain's or a
    parent project's limit never below a limit set on one of its projects."""
    if row.project_id is not None:
        project = await s.get(ProjectRow, row.project_id)
        if project is None:
            return
        parent = await _explicit(s, row, project_id=project.parent_id, domain_id=None) \
            if project.parent_id else None
        if parent is None:
            parent = await _explicit(s, row, project_id=None, domain_id=project.domain_id)
        if parent is None:
            registered = await _registered(s, row.service_id, row.region_id, row.resource_name)
            parent = registered.default_limit if registered is not None else None
        if parent is not None and parent != -1 and (row.resource_limit == -1
                                                     or row.resource_limit > parent):
            raise _unsatisfied(row)
        children = (await s.scalars(select(ProjectRow.id).where(
            ProjectRow.parent_id == project.id))).all()
    else:
        children = (await s.scalars(select(ProjectRow.id).where(
            ProjectRow.domain_id == row.domain_id))).all()
    if row.resource_limit == -1:
        return
    for child in children:
        value = await _explicit(s, row, project_id=child, domain_id=None)
        if value is not None and (value == -1 or value > row.resource_limit):
            raise _unsatisfied(row)


async def _checked(cloud: Cloud, s: AsyncSession, row: LimitRow) -> None:
    if await _registered(s, row.service_id, row.region_id, row.resource_name) is None:
        raise errors.Forbidden("Unable to create a limit that has no corresponding registered "
                               "limit.")
    if cloud.settings.unified_limit.enforcement_model == "strict_two_level":
        await _check_strict_two_level(s, row)


async def create_limits(cloud: Cloud, caller: Caller, items: list[dict[str, Any]]) -> list[LimitRow]:
    """All of them or none, each for an existing project or domain and a registered limit."""
    require_admin(caller)
    async with cloud.db.session() as s:
        made: list[LimitRow] = []
        for item in items:
            await _check_refs(cloud, s, item, "limit")
            row = LimitRow(id=uuid.uuid4().hex, **item)
            if await _same_limit(s, row) is not None:
                raise _conflict("limit")
            await _checked(cloud, s, row)
            s.add(row)
            await s.flush()
            made.append(row)
        return made


async def list_limits(cloud: Cloud, caller: Caller, filters: dict[str, str]) -> list[LimitRow]:
    """Every limit for an admin; a domain-scoped caller's domain's and its projects'; a
    project-scoped caller's project's."""
    query = select(LimitRow).order_by(LimitRow.id)
    for name, value in filters.items():
        query = query.where(getattr(LimitRow, name) == value)
    async with cloud.db.reader() as s:
        if caller.is_admin:
            return list((await s.scalars(query)).all())
        if caller.domain_id is not None:
            projects = set((await s.scalars(select(ProjectRow.id).where(
                ProjectRow.domain_id == caller.domain_id))).all())
            return [r for r in (await s.scalars(query)).all()
                    if r.project_id in projects or r.domain_id == caller.domain_id]
        if caller.scoped_project_id is None:
            return []
        query = query.where(LimitRow.project_id == caller.scoped_project_id)
        return list((await s.scalars(query)).all())


async def show_limit(cloud: Cloud, caller: Caller, limit_id: str) -> LimitRow:
    async with cloud.db.reader() as s:
        row = await _get_limit(s, limit_id)
    if not caller.is_admin and row.project_id != caller.scoped_project_id and not (
            caller.domain_id is not None and row.domain_id == caller.domain_id):
        raise errors.Forbidden("You are not authorized to perform the requested action: "
                               "identity:get_limit.")
    return row


async def update_limit(cloud: Cloud, caller: Caller, limit_id: str,
                       changes: dict[str, Any]) -> LimitRow:
    """Only resource_limit and description change."""
    require_admin(caller)
    async with cloud.db.session() as s:
        row = await _get_limit(s, limit_id)
        for name, value in changes.items():
            setattr(row, name, value)
        if "resource_limit" in changes:
            await _checked(cloud, s, row)
        await s.flush()
        return row


async def delete_limit(cloud: Cloud, caller: Caller, limit_id: str) -> None:
    require_admin(caller)
    async with cloud.db.session() as s:
        await s.delete(await _get_limit(s, limit_id))
        await s.flush()


# --- what other services read --------------------------------------------------------------


async def project_limits(s: AsyncSession, service_id: str, region_id: str | None,
                         project_id: str | None) -> dict[str, int]:
    """The unified limits of one service for a project, by resource name: each registered
    limit's default, replaced by the project's own limit where it has one (limits of the
    service's region or of no region; region None: of any region). Empty when none are
    registered; project None: the registered defaults only."""
    reg_region = (RegisteredLimitRow.region_id.is_(None)
                  | (RegisteredLimitRow.region_id == region_id)) if region_id else true()
    registered = (await s.execute(select(RegisteredLimitRow.resource_name,
                                         RegisteredLimitRow.default_limit).where(
        RegisteredLimitRow.service_id == service_id, reg_region))).all()
    if not registered:
        return {}
    found = {name: value for name, value in registered}
    if project_id is None:
        return found
    own_region = (LimitRow.region_id.is_(None)
                  | (LimitRow.region_id == region_id)) if region_id else true()
    own = (await s.execute(select(LimitRow.resource_name, LimitRow.resource_limit).where(
        LimitRow.service_id == service_id, LimitRow.project_id == project_id,
        own_region))).all()
    found.update({name: value for name, value in own})
    return found
