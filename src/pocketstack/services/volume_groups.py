"""Block storage generic volume groups: group types and their group specs (3.11), groups of
volumes (3.13; from a source group or a group snapshot 3.14) and group snapshots (3.14), with
Cinder's state checks and words."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import (
    VolumeGroupRow,
    VolumeGroupSnapshotRow,
    VolumeGroupTypeRow,
    VolumeRow,
    VolumeSnapshotRow,
)
from pocketstack.services import volume_quotas, volume_store, volume_types, volumes
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow

# os-reset_status / reset_status accepts these (cinder/objects/fields.py GroupStatus and
# GroupSnapshotStatus).
GROUP_STATUSES = ("error", "available", "creating", "deleting", "deleted", "updating",
                  "in-use", "error_deleting")
GROUP_SNAPSHOT_STATUSES = ("error", "available", "creating", "deleting", "deleted",
                           "updating", "error_deleting")


# --- group types ---------------------------------------------------------------------------


def type_not_found(type_id: str) -> errors.NotFound:
    return errors.NotFound(f"Group type {type_id} could not be found.")


async def _get_type(s: AsyncSession, type_id: str) -> VolumeGroupTypeRow:
    row = await s.get(VolumeGroupTypeRow, type_id)
    if row is None or row.deleted:
        raise type_not_found(type_id)
    return row


async def _find_type(s: AsyncSession, name_or_id: str) -> VolumeGroupTypeRow:
    row = await s.get(VolumeGroupTypeRow, name_or_id)
    if row is None or row.deleted:
        row = (await s.scalars(select(VolumeGroupTypeRow).where(
            VolumeGroupTypeRow.name == name_or_id,
            VolumeGroupTypeRow.deleted.is_(False)))).first()
    if row is None:
        raise errors.NotFound(f"Group type with name {name_or_id} could not be found.")
    return row


SORT_KEYS = {"id": "id", "name": "name", "status": "status", "created_at": "created_at",
             "description": "description", "is_public": "is_public"}


@dataclass(frozen=True, slots=True)
class ListQuery:
    sort: list[tuple[str, str]]
    marker: str | None = None
    offset: int = 0
    limit: int | None = None


async def list_group_types(cloud: Cloud, caller: Caller, is_public: bool | None,
                           sort: list[tuple[str, str]]) -> list[VolumeGroupTypeRow]:
    """Public group types for everyone; admins also see private ones (None: both)."""
    async with cloud.db.reader() as s:
        query = select(VolumeGroupTypeRow).where(VolumeGroupTypeRow.deleted.is_(False))
        if not caller.is_admin:
            query = query.where(VolumeGroupTypeRow.is_public.is_(True))
        elif is_public is not None:
            query = query.where(VolumeGroupTypeRow.is_public.is_(is_public))
        rows = list((await s.scalars(query.order_by(VolumeGroupTypeRow.created_at,
                                                    VolumeGroupTypeRow.id))).all())
    return volumes.sort_rows(rows, sort, SORT_KEYS) if sort else rows


async def show_group_type(cloud: Cloud, caller: Caller, type_id: str) -> VolumeGroupTypeRow:
    if type_id == "default":
        # Cinder's default_group_type is unset unless a deployment configures one.
        raise errors.NotFound("Default group type can not be found.")
    async with cloud.db.reader() as s:
        row = await _get_type(s, type_id)
        if not row.is_public and not caller.is_admin:
            raise type_not_found(type_id)
        return row


async def _name_taken(s: AsyncSession, name: str, other_than: str | None = None) -> bool:
    query = select(func.count()).select_from(VolumeGroupTypeRow).where(
        VolumeGroupTypeRow.name == name, VolumeGroupTypeRow.deleted.is_(False))
    if other_than is not None:
        query = query.where(VolumeGroupTypeRow.id != other_than)
    return bool(await s.scalar(query))


async def create_group_type(cloud: Cloud, caller: Caller, name: str, description: str | None,
                            is_public: bool, specs: dict[str, str]) -> VolumeGroupTypeRow:
    authorize(caller, "group:group_types:create")
    async with cloud.db.session() as s:
        if await _name_taken(s, name):
            raise errors.Conflict(f"Group Type {name} already exists.")
        row = VolumeGroupTypeRow(id=str(uuid.uuid4()), name=name, description=description,
                                 is_public=is_public, group_specs=dict(specs),
                                 created_at=utcnow())
        s.add(row)
        await s.flush()
        return row


async def update_group_type(cloud: Cloud, caller: Caller, type_id: str,
                            changes: dict[str, Any]) -> VolumeGroupTypeRow:
    authorize(caller, "group:group_types:update")
    async with cloud.db.session() as s:
        row = await _get_type(s, type_id)
        if changes.get("name") is not None:
            if await _name_taken(s, changes["name"], other_than=row.id):
                raise errors.Conflict(f"Group Type {changes['name']} already exists.")
            row.name = changes["name"]
        if changes.get("description") is not None:
            row.description = changes["description"]
        if changes.get("is_public") is not None:
            row.is_public = changes["is_public"]
        await s.flush()
        return row


async def delete_group_type(cloud: Cloud, caller: Caller, type_id: str) -> None:
    authorize(caller, "group:group_types:delete")
    async with cloud.db.session() as s:
        row = await _get_type(s, type_id)
        used = await s.scalar(select(func.count()).select_from(VolumeGroupRow).where(
            VolumeGroupRow.group_type_id == row.id, VolumeGroupRow.deleted.is_(False)))
        if used:
            raise errors.BadRequest("Target group type is still in use.")
        row.deleted = True


async def show_group_specs(cloud: Cloud, caller: Caller, type_id: str) -> dict[str, str]:
    authorize(caller, "group:group_types_specs")
    async with cloud.db.reader() as s:
        return dict((await _get_type(s, type_id)).group_specs)


async def set_group_specs(cloud: Cloud, caller: Caller, type_id: str,
                          specs: dict[str, str]) -> dict[str, str]:
    authorize(caller, "group:group_types_specs")
    async with cloud.db.session() as s:
        row = await _get_type(s, type_id)
        row.group_specs = {**row.group_specs, **specs}
        return dict(specs)


async def delete_group_spec(cloud: Cloud, caller: Caller, type_id: str, key: str) -> None:
    authorize(caller, "group:group_types_specs")
    async with cloud.db.session() as s:
        row = await _get_type(s, type_id)
        if key not in row.group_specs:
            raise errors.NotFound(f"Group Type {type_id} has no specs with key {key}.")
        row.group_specs = {k: v for k, v in row.group_specs.items() if k != key}


# --- groups --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Group:
    row: VolumeGroupRow
    volume_ids: tuple[str, ...]


def group_not_found(group_id: str) -> errors.NotFound:
    return errors.NotFound(f"Group {group_id} could not be found.")


async def get_group(s: AsyncSession, caller: Caller, group_id: str) -> VolumeGroupRow:
    row = await s.get(VolumeGroupRow, group_id)
    if row is None or row.deleted or (row.project_id != caller.project_id
                                      and not caller.is_admin):
        raise group_not_found(group_id)
    return row


async def _members(s: AsyncSession, group_ids: list[str]) -> dict[str, list[VolumeRow]]:
    if not group_ids:
        return {}
    rows = (await s.scalars(select(VolumeRow).where(
        VolumeRow.group_id.in_(group_ids), VolumeRow.deleted.is_(False))
        .order_by(VolumeRow.created_at, VolumeRow.id))).all()
    found: dict[str, list[VolumeRow]] = {}
    for row in rows:
        found.setdefault(row.group_id or "", []).append(row)
    return found


async def _present(s: AsyncSession, rows: list[VolumeGroupRow]) -> list[Group]:
    members = await _members(s, [row.id for row in rows])
    return [Group(row, tuple(v.id for v in members.get(row.id, []))) for row in rows]


async def _reserve_group(s: AsyncSession, project_id: str) -> None:
    """Return if the project may make one more group (its `groups` quota); else 413."""
    await volume_quotas.reserve(s, project_id)  # takes the project's quota lock
    limit = (await volume_quotas.limits_of(s, project_id)).get("groups", -1)
    used = await s.scalar(select(func.count()).select_from(VolumeGroupRow).where(
        VolumeGroupRow.project_id == project_id, VolumeGroupRow.deleted.is_(False)))
    if 0 <= limit <= (used or 0):
        raise errors.OverLimit(f"Maximum number of groups allowed ({limit}) exceeded",
                               code=413, headers={"Retry-After": "0"})


@dataclass(frozen=True, slots=True)
class GroupFields:
    name: str | None
    description: str | None
    group_type: str
    volume_types: list[str]
    availability_zone: str | None


async def create_group(cloud: Cloud, caller: Caller, fields: GroupFields) -> Group:
    async with cloud.db.session() as s:
        group_type = await _find_type(s, fields.group_type)
        type_ids = []
        for name_or_id in fields.volume_types:
            type_row = await volume_types.find_type(s, name_or_id)
            if not caller.is_admin and not volume_types.usable(type_row, caller):
                raise volume_types.not_found(name_or_id)
            type_ids.append(type_row.id)
        if fields.availability_zone not in (None, "nova"):
            raise volumes.invalid_input(
                f"Availability zone '{fields.availability_zone}' is invalid.")
        await _reserve_group(s, caller.project_id)
        row = VolumeGroupRow(id=str(uuid.uuid4()), project_id=caller.project_id,
                             user_id=caller.user_id, name=fields.name,
                             description=fields.description, group_type_id=group_type.id,
                             volume_type_ids=type_ids, availability_zone="nova",
                             status="available", created_at=utcnow())
        s.add(row)
        await s.flush()
        return Group(row, ())


async def list_groups(cloud: Cloud, caller: Caller, *, all_tenants: bool,
                      filters: dict[str, str], query_: ListQuery) -> list[Group]:
    async with cloud.db.reader() as s:
        query = select(VolumeGroupRow).where(VolumeGroupRow.deleted.is_(False))
        if not (all_tenants and caller.is_admin):
            query = query.where(VolumeGroupRow.project_id == caller.project_id)
        rows = (await s.scalars(query.order_by(VolumeGroupRow.created_at.desc(),
                                               VolumeGroupRow.id.desc()))).all()
        wanted = [row for row in rows
                  if all(str(getattr(row, key, None)) == value for key, value in filters.items())]
        wanted = volumes.page(volumes.sort_rows(wanted, query_.sort, SORT_KEYS),
                              query_.marker, query_.offset, query_.limit)
        return await _present(s, wanted)


async def show_group(cloud: Cloud, caller: Caller, group_id: str) -> Group:
    async with cloud.db.reader() as s:
        return (await _present(s, [await get_group(s, caller, group_id)]))[0]


def _ids(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


async def update_group(cloud: Cloud, caller: Caller, group_id: str, changes: dict[str, Any],
                       add_volumes: str | None, remove_volumes: str | None) -> None:
    """Rename, describe, and add or remove volumes (of the group's types, available or
    in-use, in no other group)."""
    async with cloud.db.session() as s:
        row = await get_group(s, caller, group_id)
        adding, removing = _ids(add_volumes), _ids(remove_volumes)
        if (adding or removing) and row.status != "available":
            raise errors.BadRequest(f"Invalid group: Group {row.id} status must be available "
                                    f"to update its volumes, but current status is: "
                                    f"{row.status}.")
        for volume_id in adding:
            volume = await s.get(VolumeRow, volume_id)
            if volume is None or volume.deleted or volume.project_id != row.project_id:
                raise errors.BadRequest(f"Invalid volume: Cannot add volume {volume_id} to "
                                        f"group {row.id} because volume cannot be found.")
            if volume.group_id is not None and volume.group_id != row.id:
                raise errors.BadRequest(f"Invalid volume: Cannot add volume {volume_id} to "
                                        f"group {row.id} because it is already in group "
                                        f"{volume.group_id}.")
            if volume.volume_type_id not in row.volume_type_ids:
                raise errors.BadRequest(f"Invalid volume: Cannot add volume {volume_id} to "
                                        f"group {row.id} because volume type "
                                        f"{volume.volume_type_id} is not supported by the "
                                        "group.")
            if volume.status not in ("available", "in-use"):
                raise errors.BadRequest(f"Invalid volume: Cannot add volume {volume_id} to "
                                        f"group {row.id} because volume is in an invalid "
                                        f"state: {volume.status}. Valid states are: "
                                        "('available', 'in-use').")
            volume.group_id = row.id
        for volume_id in removing:
            volume = await s.get(VolumeRow, volume_id)
            if volume is None or volume.deleted or volume.group_id != row.id:
                raise errors.BadRequest(f"Invalid volume: Cannot remove volume {volume_id} "
                                        f"from group {row.id} because it is not in the group.")
            volume.group_id = None
        if "name" in changes:
            row.name = changes["name"]
        if "description" in changes:
            row.description = changes["description"]


async def delete_group(cloud: Cloud, caller: Caller, group_id: str, *,
                       delete_volumes: bool) -> None:
    """Delete a group; its volumes go too with `delete_volumes`, else it must have none."""
    async with cloud.db.session() as s:
        row = await get_group(s, caller, group_id)
        members = (await _members(s, [row.id])).get(row.id, [])
        if members and not delete_volumes:
            raise errors.BadRequest(f"Invalid group: Group {row.id} still contains volumes. "
                                    "The delete-volumes flag is required to delete it.")
        if row.status not in ("available", "error"):
            raise errors.BadRequest(f"Invalid group: Group status must be available or error, "
                                    f"but current status is: {row.status}")
        snaps = await s.scalar(select(func.count()).select_from(VolumeGroupSnapshotRow).where(
            VolumeGroupSnapshotRow.group_id == row.id,
            VolumeGroupSnapshotRow.deleted.is_(False)))
        if snaps:
            raise errors.BadRequest(f"Invalid group: Group {row.id} has existing snapshots.")
        locations = []
        for volume in members:
            if volume.attach_status == "attached":
                raise errors.BadRequest(f"Invalid volume: Volume {volume.id} in group {row.id} "
                                        "is attached. Need to detach first.")
            snapshots = (await s.scalars(select(VolumeSnapshotRow).where(
                VolumeSnapshotRow.volume_id == volume.id,
                VolumeSnapshotRow.deleted.is_(False)))).all()
            if snapshots:
                raise errors.BadRequest(f"Invalid volume: Volume {volume.id} in group "
                                        f"{row.id} has dependent snapshots.")
            volume.deleted = True
            volume.status = "deleted"
            locations.append(volume.location)
        row.deleted = True
        row.status = "deleted"
    for location in locations:
        await asyncio.to_thread(volume_store.remove, cloud.settings.data_dir, location)


async def reset_group_status(cloud: Cloud, caller: Caller, group_id: str, status: str) -> None:
    authorize(caller, "group:reset_status")
    if status not in GROUP_STATUSES:
        raise errors.BadRequest(f"Invalid input received: Group status: {status}, valid "
                                f"group statuses: {', '.join(GROUP_STATUSES)}")
    async with cloud.db.session() as s:
        (await get_group(s, caller, group_id)).status = status


async def create_group_from_source(cloud: Cloud, caller: Caller, name: str | None,
                                   description: str | None, *, source_group_id: str | None,
                                   group_snapshot_id: str | None) -> Group:
    """A new group of the source's types holding a copy of each of its volumes (of a group)
    or a volume from each of its snapshots (of a group snapshot)."""
    if (source_group_id is None) == (group_snapshot_id is None):
        raise errors.BadRequest("Invalid input received: Either 'group_snapshot_id' or "
                                "'source_group_id' must be provided to create group "
                                f"{name} from source.")
    async with cloud.db.session() as s:
        sources: list[tuple[str | None, str | None, int]] = []
        if source_group_id is not None:
            source = await get_group(s, caller, source_group_id)
            if source.status != "available":
                raise errors.BadRequest(f"Invalid group: Source group {source.id} status must "
                                        f"be available, but current status is: "
                                        f"{source.status}.")
            group_type_id, type_ids = source.group_type_id, list(source.volume_type_ids)
            for volume in (await _members(s, [source.id])).get(source.id, []):
                sources.append((volume.id, None, volume.size))
        else:
            snapshot = await _get_group_snapshot(s, caller, group_snapshot_id or "")
            if snapshot.status != "available":
                raise errors.BadRequest(f"Invalid group snapshot: Group snapshot {snapshot.id} "
                                        "status must be available, but current status is: "
                                        f"{snapshot.status}.")
            origin = await get_group(s, caller, snapshot.group_id)
            group_type_id, type_ids = snapshot.group_type_id, list(origin.volume_type_ids)
            for snap in await _snapshots_of(s, snapshot.id):
                sources.append((None, snap.id, snap.size))
        await _reserve_group(s, caller.project_id)
        row = VolumeGroupRow(id=str(uuid.uuid4()), project_id=caller.project_id,
                             user_id=caller.user_id, name=name, description=description,
                             group_type_id=group_type_id, volume_type_ids=type_ids,
                             availability_zone="nova", status="creating",
                             source_group_id=source_group_id,
                             group_snapshot_id=group_snapshot_id, created_at=utcnow())
        s.add(row)
        group_id = row.id
    status = "available"
    try:
        for source_volid, snapshot_id, size in sources:
            await volumes.create_volume(cloud, caller, volumes.VolumeFields(
                size=size, source_volid=source_volid, snapshot_id=snapshot_id,
                group_id=group_id))
    except errors.ApiError:
        status = "error"
        raise
    finally:
        async with cloud.db.session() as s:
            made = await s.get(VolumeGroupRow, group_id)
            if made is not None:
                made.status = status
    return await show_group(cloud, caller, group_id)


# --- group snapshots -----------------------------------------------------------------------


def snapshot_not_found(snapshot_id: str) -> errors.NotFound:
    return errors.NotFound(f"GroupSnapshot {snapshot_id} could not be found.")


async def _get_group_snapshot(s: AsyncSession, caller: Caller,
                              snapshot_id: str) -> VolumeGroupSnapshotRow:
    row = await s.get(VolumeGroupSnapshotRow, snapshot_id)
    if row is None or row.deleted or (row.project_id != caller.project_id
                                      and not caller.is_admin):
        raise snapshot_not_found(snapshot_id)
    return row


async def _snapshots_of(s: AsyncSession, group_snapshot_id: str) -> list[VolumeSnapshotRow]:
    return list((await s.scalars(select(VolumeSnapshotRow).where(
        VolumeSnapshotRow.group_snapshot_id == group_snapshot_id,
        VolumeSnapshotRow.deleted.is_(False)).order_by(VolumeSnapshotRow.created_at))).all())


async def create_group_snapshot(cloud: Cloud, caller: Caller, group_id: str, name: str | None,
                                description: str | None) -> VolumeGroupSnapshotRow:
    """Snapshot every volume of an available group in one transaction."""
    data_dir = cloud.settings.data_dir
    made: list[str] = []
    try:
        async with cloud.db.session() as s:
            group = await get_group(s, caller, group_id)
            if group.status != "available":
                raise errors.BadRequest(f"Invalid group: Group {group.id} status must be "
                                        "available, but current status is: "
                                        f"{group.status}.")
            row = VolumeGroupSnapshotRow(
                id=str(uuid.uuid4()), project_id=group.project_id, user_id=caller.user_id,
                group_id=group.id, group_type_id=group.group_type_id, name=name,
                description=description, status="available", created_at=utcnow())
            s.add(row)
            for volume in (await _members(s, [group.id])).get(group.id, []):
                if volume.status not in ("available", "in-use"):
                    raise volumes.invalid_volume(f"Volume {volume.id} status must be available "
                                                 f"or in-use, but current status is: "
                                                 f"{volume.status}.")
                await volume_quotas.reserve(s, volume.project_id, snapshots=1,
                                            gigabytes=volume.size,
                                            volume_type_id=volume.volume_type_id)
                snapshot_id = str(uuid.uuid4())
                location = volume_store.snapshot_location(snapshot_id)
                s.add(VolumeSnapshotRow(
                    id=snapshot_id, project_id=volume.project_id, user_id=caller.user_id,
                    volume_id=volume.id, name=f"snapshot-{snapshot_id}", description=None,
                    size=volume.size, status="available", metadata_={}, location=location,
                    created_at=utcnow(), group_snapshot_id=row.id))
                made.append(location)
                await asyncio.to_thread(volume_store.copy_sparse,
                                        volume_store.path_of(data_dir, volume.location),
                                        data_dir, location, volume.size)
            await s.flush()
            return row
    except volume_store.StoreError as exc:
        for location in made:
            await asyncio.to_thread(volume_store.remove, data_dir, location)
        raise errors.BadRequest(f"Invalid group snapshot: the storage back-end cannot copy "
                                f"the volumes: {exc}.") from None
    except errors.ApiError:
        for location in made:
            await asyncio.to_thread(volume_store.remove, data_dir, location)
        raise


async def list_group_snapshots(cloud: Cloud, caller: Caller, *, all_tenants: bool,
                               filters: dict[str, str],
                               query_: ListQuery) -> list[VolumeGroupSnapshotRow]:
    async with cloud.db.reader() as s:
        query = select(VolumeGroupSnapshotRow).where(VolumeGroupSnapshotRow.deleted.is_(False))
        if not (all_tenants and caller.is_admin):
            query = query.where(VolumeGroupSnapshotRow.project_id == caller.project_id)
        rows = (await s.scalars(query.order_by(VolumeGroupSnapshotRow.created_at.desc(),
                                               VolumeGroupSnapshotRow.id.desc()))).all()
        wanted = [row for row in rows
                  if all(str(getattr(row, key, None)) == value for key, value in filters.items())]
    found: list[VolumeGroupSnapshotRow] = volumes.page(
        volumes.sort_rows(wanted, query_.sort, SORT_KEYS), query_.marker, query_.offset,
        query_.limit)
    return found


async def show_group_snapshot(cloud: Cloud, caller: Caller,
                              snapshot_id: str) -> VolumeGroupSnapshotRow:
    async with cloud.db.reader() as s:
        return await _get_group_snapshot(s, caller, snapshot_id)


async def delete_group_snapshot(cloud: Cloud, caller: Caller, snapshot_id: str) -> None:
    """Delete a group snapshot and the snapshot of each volume it holds."""
    async with cloud.db.session() as s:
        row = await _get_group_snapshot(s, caller, snapshot_id)
        if row.status not in ("available", "error"):
            raise errors.BadRequest(f"Invalid group snapshot: Group snapshot status must be "
                                    f"available or error, but current status is: "
                                    f"{row.status}")
        snapshots = await _snapshots_of(s, row.id)
        for snapshot in snapshots:
            snapshot.deleted = True
            snapshot.status = "deleted"
        row.deleted = True
        row.status = "deleted"
        locations = [snapshot.location for snapshot in snapshots]
    for location in locations:
        await asyncio.to_thread(volume_store.remove, cloud.settings.data_dir, location)


async def reset_group_snapshot_status(cloud: Cloud, caller: Caller, snapshot_id: str,
                                      status: str) -> None:
    authorize(caller, "group:reset_group_snapshot_status")
    if status not in GROUP_SNAPSHOT_STATUSES:
        raise errors.BadRequest(f"Invalid input received: Group snapshot status: {status}, "
                                "valid group snapshot statuses: "
                                f"{', '.join(GROUP_SNAPSHOT_STATUSES)}")
    async with cloud.db.session() as s:
        (await _get_group_snapshot(s, caller, snapshot_id)).status = status
