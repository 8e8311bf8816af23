"""Compute flavors: lookups with Nova's visibility rules, listing with filters and paging,
admin create/delete, per-project access to private flavors, and extra specs."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from pocketstack import errors
from pocketstack.db.models import FlavorAccessRow, FlavorRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow

# Nova's sort_key values mapped to columns ("flavorid" is the API id).
SORT_COLUMNS = {
    "flavorid": FlavorRow.id, "id": FlavorRow.id, "name": FlavorRow.name,
    "memory_mb": FlavorRow.ram, "vcpus": FlavorRow.vcpus, "root_gb": FlavorRow.disk,
    "ephemeral_gb": FlavorRow.ephemeral, "swap": FlavorRow.swap,
    "rxtx_factor": FlavorRow.rxtx_factor, "disabled": FlavorRow.disabled,
    "is_public": FlavorRow.is_public, "created_at": FlavorRow.created_at,
    "description": FlavorRow.description,
}


@dataclass(frozen=True, slots=True)
class FlavorQuery:
    """What a list request asks for. is_public None means public and private alike."""

    is_public: bool | None = True
    min_ram: int | None = None
    min_disk: int | None = None
    sort_key: str = "flavorid"
    sort_dir: str = "asc"
    limit: int | None = None
    marker: str | None = None
    # A regular expression the name must match somewhere (Nova's REGEXP filter).
    name: str | None = None


@dataclass(frozen=True, slots=True)
class NewFlavor:
    name: str
    ram: int
    vcpus: int
    disk: int
    flavor_id: str | None = None
    ephemeral: int = 0
    swap: int = 0
    rxtx_factor: float = 1.0
    is_public: bool = True
    description: str | None = None


def _has_access(project_id: Any) -> ColumnElement[bool]:
    return exists().where(FlavorAccessRow.flavor_id == FlavorRow.id,
                          FlavorAccessRow.project_id == project_id)


def _visible(project_id: Any) -> ColumnElement[bool]:
    """Public, or shared with the project (a value, or a bindparam in a prebuilt statement)."""
    if project_id is None:
        return FlavorRow.is_public.is_(True)
    return or_(FlavorRow.is_public.is_(True), _has_access(project_id))


# Built once: every server create looks its flavor up.
_FLAVOR = select(FlavorRow).where(FlavorRow.id == bindparam("flavor_id"))
_PUBLIC_FLAVOR = _FLAVOR.where(_visible(None))
_VISIBLE_FLAVOR = _FLAVOR.where(_visible(bindparam("project_id")))
_flavor_columns = select(*FlavorRow.__table__.c).where(FlavorRow.id == bindparam("flavor_id"))
_FLAVOR_ROW = {True: _flavor_columns,
               False: _flavor_columns.where(_visible(bindparam("project_id")))}


async def get_flavor_row(s: AsyncSession, flavor_id: str, *, project_id: str,
                         is_admin: bool) -> Any:
    """get_flavor's flavor as a read-only row (columns by name), without loading an entity:
    what a server create needs."""
    row = (await s.execute(_FLAVOR_ROW[is_admin], {"flavor_id": flavor_id,
                                                   "project_id": project_id})).first()
    if row is None:
        raise errors.NotFound(f"Flavor {flavor_id} could not be found.")
    return row


async def get_flavor(s: AsyncSession, flavor_id: str, *, project_id: str | None,
                     is_admin: bool) -> FlavorRow:
    """A flavor by id; a private one is found only by admins and projects given access."""
    if is_admin or project_id is None:
        query = _FLAVOR if is_admin else _PUBLIC_FLAVOR
        row = await s.scalar(query, {"flavor_id": flavor_id})
    else:
        row = await s.scalar(_VISIBLE_FLAVOR, {"flavor_id": flavor_id, "project_id": project_id})
    if row is None:
        raise errors.NotFound(f"Flavor {flavor_id} could not be found.")
    return row


async def list_flavors(s: AsyncSession, q: FlavorQuery, *, project_id: str | None,
                       is_admin: bool) -> list[FlavorRow]:
    """One page of flavors: those after the marker, at most `limit` of them."""
    query = select(FlavorRow)
    if not is_admin:
        query = query.where(_visible(project_id), FlavorRow.disabled.is_(False))
    elif q.is_public is True:
        query = query.where(_visible(project_id))
    elif q.is_public is False:
        query = query.where(FlavorRow.is_public.is_(False))
    if q.min_ram is not None:
        query = query.where(FlavorRow.ram >= q.min_ram)
    if q.min_disk is not None:
        query = query.where(FlavorRow.disk >= q.min_disk)
    column = SORT_COLUMNS[q.sort_key]
    ordered = column.desc() if q.sort_dir == "desc" else column.asc()
    rows = list(await s.scalars(query.order_by(ordered, FlavorRow.id.asc())))
    if q.name is not None:
        rows = [row for row in rows if _name_matches(q.name, row.name)]
    if q.marker is not None:
        ids = [row.id for row in rows]
        if q.marker not in ids:
            raise errors.BadRequest(f"marker [{q.marker}] not found")
        rows = rows[ids.index(q.marker) + 1:]
    return rows if q.limit is None else rows[:q.limit]


def _name_matches(pattern: str, name: str) -> bool:
    """A regular expression search; a pattern that is not one matches as plain text."""
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return pattern in name


async def create_flavor(s: AsyncSession, new: NewFlavor) -> FlavorRow:
    """Raises Conflict when the name or the id is taken."""
    flavor_id = new.flavor_id if new.flavor_id not in (None, "auto") else str(uuid.uuid4())
    assert flavor_id is not None
    if await s.scalar(select(FlavorRow.id).where(FlavorRow.name == new.name)) is not None:
        raise errors.Conflict(f"Flavor with name {new.name} already exists.")
    if await s.get(FlavorRow, flavor_id) is not None:
        raise errors.Conflict(f"Flavor with ID {flavor_id} already exists.")
    row = FlavorRow(id=flavor_id, name=new.name, ram=new.ram, vcpus=new.vcpus, disk=new.disk,
                    ephemeral=new.ephemeral, swap=new.swap, rxtx_factor=new.rxtx_factor,
                    is_public=new.is_public, disabled=False, description=new.description,
                    extra_specs={}, created_at=utcnow())
    s.add(row)
    await s.flush()
    return row


async def delete_flavor(s: AsyncSession, flavor_id: str) -> None:
    row = await get_flavor(s, flavor_id, project_id=None, is_admin=True)
    await s.delete(row)


# --- access to private flavors ------------------------------------------------------------------


async def list_access(s: AsyncSession, flavor_id: str) -> list[str]:
    """The projects given access to a private flavor (NotFound for a public one)."""
    row = await get_flavor(s, flavor_id, project_id=None, is_admin=True)
    if row.is_public:
        raise errors.NotFound("Access list not available for public flavors.")
    return await _access_projects(s, flavor_id)


async def _access_projects(s: AsyncSession, flavor_id: str) -> list[str]:
    rows = await s.scalars(select(FlavorAccessRow.project_id)
                           .where(FlavorAccessRow.flavor_id == flavor_id)
                           .order_by(FlavorAccessRow.project_id))
    return list(rows)


async def add_access(s: AsyncSession, flavor_id: str, project_id: str, *,
                     refuse_public: bool = True) -> list[str]:
    """Give a project access; a public flavor is refused unless `refuse_public` is False
    (microversions before 2.7 recorded the access)."""
    row = await get_flavor(s, flavor_id, project_id=None, is_admin=True)
    if row.is_public and refuse_public:
        raise errors.Conflict("Can not add access to a public flavor.")
    if await s.get(FlavorAccessRow, (flavor_id, project_id)) is not None:
        raise errors.Conflict(f"Flavor access already exists for flavor {flavor_id} and "
                              f"project {project_id} combination.")
    s.add(FlavorAccessRow(flavor_id=flavor_id, project_id=project_id))
    await s.flush()
    return await _access_projects(s, flavor_id)


async def remove_access(s: AsyncSession, flavor_id: str, project_id: str) -> list[str]:
    await get_flavor(s, flavor_id, project_id=None, is_admin=True)
    access = await s.get(FlavorAccessRow, (flavor_id, project_id))
    if access is None:
        raise errors.NotFound(f"Flavor access not found for {flavor_id} / {project_id} combination.")
    await s.delete(access)
    await s.flush()
    return await _access_projects(s, flavor_id)


# --- extra specs ------------------------------------------------------------------------------


async def get_extra_spec(s: AsyncSession, flavor: FlavorRow, key: str) -> str:
    specs = flavor.extra_specs or {}
    if key not in specs:
        raise errors.NotFound(f"Flavor {flavor.id} has no extra specs with key {key}.")
    return str(specs[key])


async def update_extra_specs(s: AsyncSession, flavor_id: str, specs: dict[str, str]) -> dict[str, str]:
    """Merge specs into the flavor's extra specs; returns the merged set."""
    row = await get_flavor(s, flavor_id, project_id=None, is_admin=True)
    merged = {**(row.extra_specs or {}), **specs}
    row.extra_specs = merged
    await s.flush()
    return {key: str(value) for key, value in merged.items()}


async def delete_extra_spec(s: AsyncSession, flavor_id: str, key: str) -> None:
    row = await get_flavor(s, flavor_id, project_id=None, is_admin=True)
    specs = dict(row.extra_specs or {})
    if key not in specs:
        raise errors.NotFound(f"Flavor {flavor_id} has no extra specs with key {key}.")
    del specs[key]
    row.extra_specs = specs
    await s.flush()


# --- use cases ----------------------------------------------------------------------------------


async def list_visible(cloud: Cloud, caller: Caller, q: FlavorQuery) -> list[FlavorRow]:
    """The page of flavors the caller may see (disabled ones for admins only)."""
    async with cloud.db.reader() as s:
        return await list_flavors(s, q, project_id=caller.scoped_project_id,
                                  is_admin=caller.is_admin)


async def show_flavor(cloud: Cloud, caller: Caller, flavor_id: str) -> FlavorRow:
    async with cloud.db.reader() as s:
        return await get_flavor(s, flavor_id, project_id=caller.scoped_project_id,
                                is_admin=caller.is_admin)


async def add_flavor(cloud: Cloud, caller: Caller, new: NewFlavor) -> FlavorRow:
    authorize(caller, "compute:os-flavor-manage:create")
    async with cloud.db.session() as s:
        return await create_flavor(s, new)


async def describe_flavor(cloud: Cloud, caller: Caller, flavor_id: str,
                          description: str | None) -> FlavorRow:
    """Set (or with None clear) a flavor's description (admin); the flavor afterwards."""
    authorize(caller, "compute:os-flavor-manage:update")
    async with cloud.db.session() as s:
        row = await get_flavor(s, flavor_id, project_id=None, is_admin=True)
        row.description = description
        await s.flush()
        return row


async def remove_flavor(cloud: Cloud, caller: Caller, flavor_id: str) -> None:
    authorize(caller, "compute:os-flavor-manage:delete")
    async with cloud.db.session() as s:
        await delete_flavor(s, flavor_id)


async def access_list(cloud: Cloud, caller: Caller, flavor_id: str) -> list[str]:
    """The projects given access to a private flavor (admin)."""
    authorize(caller, "compute:os-flavor-access")
    async with cloud.db.reader() as s:
        return await list_access(s, flavor_id)


async def grant_access(cloud: Cloud, caller: Caller, flavor_id: str, project_id: str, *,
                       refuse_public: bool = True) -> list[str]:
    """Give a project access to a private flavor (to a public one too when not
    `refuse_public`); the projects with access afterwards."""
    authorize(caller, "compute:os-flavor-access:add_tenant_access")
    async with cloud.db.session() as s:
        return await add_access(s, flavor_id, project_id, refuse_public=refuse_public)


async def revoke_access(cloud: Cloud, caller: Caller, flavor_id: str, project_id: str) -> list[str]:
    """Take a project's access to a flavor away; the projects with access afterwards."""
    authorize(caller, "compute:os-flavor-access:remove_tenant_access")
    async with cloud.db.session() as s:
        return await remove_access(s, flavor_id, project_id)


async def extra_specs(cloud: Cloud, caller: Caller, flavor_id: str) -> dict[str, Any]:
    """The extra specs of a flavor the caller may see."""
    authorize(caller, "compute:os-flavor-extra-specs:index")
    flavor = await show_flavor(cloud, caller, flavor_id)
    return dict(flavor.extra_specs or {})


async def extra_spec(cloud: Cloud, caller: Caller, flavor_id: str, key: str) -> str:
    """One extra spec of a flavor the caller may see."""
    authorize(caller, "compute:os-flavor-extra-specs:show")
    async with cloud.db.reader() as s:
        flavor = await get_flavor(s, flavor_id, project_id=caller.scoped_project_id,
                                  is_admin=caller.is_admin)
        return await get_extra_spec(s, flavor, key)


async def add_extra_specs(cloud: Cloud, caller: Caller, flavor_id: str,
                          specs: dict[str, str]) -> dict[str, str]:
    """Merge specs into the flavor's; returns the merged set."""
    authorize(caller, "compute:os-flavor-extra-specs:create")
    async with cloud.db.session() as s:
        return await update_extra_specs(s, flavor_id, specs)


async def set_extra_spec(cloud: Cloud, caller: Caller, flavor_id: str, key: str,
                         value: str) -> None:
    authorize(caller, "compute:os-flavor-extra-specs:update")
    async with cloud.db.session() as s:
        await update_extra_specs(s, flavor_id, {key: value})


async def unset_extra_spec(cloud: Cloud, caller: Caller, flavor_id: str, key: str) -> None:
    authorize(caller, "compute:os-flavor-extra-specs:delete")
    async with cloud.db.session() as s:
        await delete_extra_spec(s, flavor_id, key)
