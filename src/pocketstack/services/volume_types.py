"""Block storage volume types and their extra specs. `__DEFAULT__` (made at bootstrap, as
Cinder makes it) is the type of a volume created without one and cannot be deleted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import VolumeRow, VolumeTypeRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow

DEFAULT_TYPE_NAME = "__DEFAULT__"
DEFAULT_TYPE_ID = "b7e6a1c2-4a5d-4f0e-9c1b-3d2e8f7a6b01"


def not_found(type_id: str) -> errors.NotFound:
    return errors.NotFound(f"Volume type {type_id} could not be found.")


def default_type_row() -> VolumeTypeRow:
    return VolumeTypeRow(id=DEFAULT_TYPE_ID, name=DEFAULT_TYPE_NAME,
                         description="Default Volume Type", is_public=True, extra_specs={},
                         created_at=utcnow())


async def get_type(s: AsyncSession, type_id: str) -> VolumeTypeRow:
    """The live type of id `type_id` (`default`: the default type); else NotFound."""
    if type_id == "default":
        type_id = DEFAULT_TYPE_ID
    row = await s.get(VolumeTypeRow, type_id)
    if row is None or row.deleted:
        if type_id == DEFAULT_TYPE_ID:  # a database made before block storage existed
            row = default_type_row()
            s.add(row)
            await s.flush()
            return row
        raise not_found(type_id)
    return row


async def find_type(s: AsyncSession, name_or_id: str | None) -> VolumeTypeRow:
    """A volume create's type, by id or name (None: the default type)."""
    if name_or_id is None:
        return await get_type(s, DEFAULT_TYPE_ID)
    row = await s.get(VolumeTypeRow, name_or_id)
    if row is not None and not row.deleted:
        return row
    found = (await s.scalars(select(VolumeTypeRow).where(
        VolumeTypeRow.name == name_or_id, VolumeTypeRow.deleted.is_(False)))).first()
    if found is None:
        if name_or_id == DEFAULT_TYPE_NAME:
            return await get_type(s, DEFAULT_TYPE_ID)
        raise errors.NotFound(f"Volume type with name {name_or_id} could not be found.")
    return found


async def type_names(s: AsyncSession, type_ids: set[str]) -> dict[str, str]:
    """Names by id of the given types (deleted ones too: a volume keeps its type's name)."""
    if not type_ids:
        return {}
    rows = (await s.execute(select(VolumeTypeRow.id, VolumeTypeRow.name)
                            .where(VolumeTypeRow.id.in_(type_ids)))).all()
    names = {row.id: row.name for row in rows}
    names.setdefault(DEFAULT_TYPE_ID, DEFAULT_TYPE_NAME)
    return names


@dataclass(frozen=True, slots=True)
class TypeFields:
    name: str
    description: str | None
    is_public: bool
    extra_specs: dict[str, str]


async def list_types(cloud: Cloud, caller: Caller, is_public: bool | None) -> list[VolumeTypeRow]:
    """Public types for everyone; admins also see private ones (is_public=None: both)."""
    async with cloud.db.session() as s:
        await get_type(s, DEFAULT_TYPE_ID)
        query = select(VolumeTypeRow).where(VolumeTypeRow.deleted.is_(False))
        if caller.is_admin and is_public is not None:
            query = query.where(VolumeTypeRow.is_public.is_(is_public))
        rows = (await s.scalars(query.order_by(VolumeTypeRow.created_at,
                                               VolumeTypeRow.id))).all()
        return [row for row in rows if caller.is_admin or usable(row, caller)]


def usable(row: VolumeTypeRow, caller: Caller) -> bool:
    """Public types, and private ones the caller's project was given access to."""
    return row.is_public or caller.scoped_project_id in row.access_projects


async def show_type(cloud: Cloud, caller: Caller, type_id: str) -> VolumeTypeRow:
    async with cloud.db.session() as s:
        row = await get_type(s, type_id)
        if not caller.is_admin and not usable(row, caller):
            raise not_found(type_id)
        return row


async def create_type(cloud: Cloud, caller: Caller, fields: TypeFields) -> VolumeTypeRow:
    authorize(caller, "volume_extension:types_manage")
    async with cloud.db.session() as s:
        taken = await s.scalar(select(func.count()).select_from(VolumeTypeRow).where(
            VolumeTypeRow.name == fields.name, VolumeTypeRow.deleted.is_(False)))
        if taken or fields.name == DEFAULT_TYPE_NAME:
            raise errors.Conflict(f"Volume Type {fields.name} already exists.")
        row = VolumeTypeRow(id=str(uuid.uuid4()), name=fields.name,
                            description=fields.description, is_public=fields.is_public,
                            extra_specs=dict(fields.extra_specs), created_at=utcnow())
        s.add(row)
        await s.flush()
        return row


async def update_type(cloud: Cloud, caller: Caller, type_id: str,
                      changes: dict[str, Any]) -> VolumeTypeRow:
    """Change name, description or is_public (admin)."""
    authorize(caller, "volume_extension:types_manage")
    async with cloud.db.session() as s:
        row = await get_type(s, type_id)
        if "name" in changes and changes["name"] != row.name:
            if row.id == DEFAULT_TYPE_ID:
                raise errors.BadRequest("The default volume type cannot be renamed.")
            taken = await s.scalar(select(func.count()).select_from(VolumeTypeRow).where(
                VolumeTypeRow.name == changes["name"], VolumeTypeRow.deleted.is_(False)))
            if taken:
                raise errors.Conflict(f"Volume Type {changes['name']} already exists.")
            row.name = changes["name"]
        if "description" in changes:
            row.description = changes["description"]
        if "is_public" in changes:
            row.is_public = changes["is_public"]
        await s.flush()
        return row


async def delete_type(cloud: Cloud, caller: Caller, type_id: str) -> None:
    authorize(caller, "volume_extension:types_manage")
    async with cloud.db.session() as s:
        row = await get_type(s, type_id)
        if row.id == DEFAULT_TYPE_ID:
            raise errors.BadRequest(f"The volume type {row.id} is a default volume type and "
                                    "cannot be deleted.")
        used = await s.scalar(select(func.count()).select_from(VolumeRow).where(
            VolumeRow.volume_type_id == row.id, VolumeRow.deleted.is_(False)))
        if used:
            raise errors.BadRequest(f"Target volume type is still in use. Volume Type {row.id} "
                                    "deletion is not allowed with volumes present with the type.")
        row.deleted = True


# --- extra specs ---------------------------------------------------------------------------


async def show_extra_specs(cloud: Cloud, caller: Caller, type_id: str) -> dict[str, str]:
    return dict((await show_type(cloud, caller, type_id)).extra_specs)


async def set_extra_specs(cloud: Cloud, caller: Caller, type_id: str,
                          specs: dict[str, str]) -> dict[str, str]:
    """Add or replace the given specs (admin); the type's other specs stay."""
    authorize(caller, "volume_extension:types_extra_specs:create")
    async with cloud.db.session() as s:
        row = await get_type(s, type_id)
        row.extra_specs = {**row.extra_specs, **specs}
        return dict(specs)


async def delete_extra_spec(cloud: Cloud, caller: Caller, type_id: str, key: str) -> None:
    authorize(caller, "volume_extension:types_extra_specs:delete")
    async with cloud.db.session() as s:
        row = await get_type(s, type_id)
        if key not in row.extra_specs:
            raise errors.NotFound(f"Volume Type {type_id} has no extra specs with key {key}.")
        row.extra_specs = {k: v for k, v in row.extra_specs.items() if k != key}


# --- access ----------------------------------------------------------------------------------


async def list_access(cloud: Cloud, caller: Caller, type_id: str) -> list[str]:
    """The projects given access to a private type (admin); a public type has no list (404)."""
    authorize(caller, "volume_extension:volume_type_access")
    async with cloud.db.reader() as s:
        row = await s.get(VolumeTypeRow, type_id)
        if row is None or row.deleted:
            raise not_found(type_id)
        if row.is_public:
            raise errors.NotFound("Access list not available for public volume types.")
        return list(row.access_projects)


async def change_access(cloud: Cloud, caller: Caller, type_id: str, project_id: str, *,
                        add: bool) -> None:
    """Give (or take back) a project's access to a private type (admin)."""
    authorize(caller, "volume_extension:volume_type_access:addProjectAccess" if add
              else "volume_extension:volume_type_access:removeProjectAccess")
    async with cloud.db.session() as s:
        row = await get_type(s, type_id)
        if row.is_public:
            raise errors.BadRequest("Invalid volume type: Type access modification is not "
                                    "applicable to public volume type.")
        present = project_id in row.access_projects
        if add and present:
            raise errors.Conflict(f"Volume type access for {type_id} / {project_id} "
                                  "combination already exists.")
        if not add and not present:
            raise errors.NotFound(f"Volume type access not found for {type_id} / "
                                  f"{project_id} combination.")
        row.access_projects = ([*row.access_projects, project_id] if add else
                               [p for p in row.access_projects if p != project_id])
