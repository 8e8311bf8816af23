"""Host aggregates: named groups of hosts with metadata. An aggregate whose metadata has
availability_zone puts its hosts in that zone; each host's zone is kept on its row (hosts in
no such aggregate are in the default zone), so the scheduler and os-availability-zone read it
from there."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import AggregateHostRow, AggregateRow, HostRow
from pocketstack.services import images
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.settings import Settings
from pocketstack.timeutil import utcnow

ZONE_KEY = "availability_zone"
RULE = "compute:os-aggregates"
# An aggregate and the names of its hosts, sorted.
Aggregate = tuple[AggregateRow, list[str]]


def zone_of(row: AggregateRow) -> str | None:
    value = (row.metadata_ or {}).get(ZONE_KEY)
    return None if value is None else str(value)


async def list_aggregates(s: AsyncSession) -> list[Aggregate]:
    rows = list(await s.scalars(select(AggregateRow).order_by(AggregateRow.id)))
    members = await _members(s, [r.id for r in rows])
    return [(r, members.get(r.id, [])) for r in rows]


async def _members(s: AsyncSession, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for aggregate_id, host in await s.execute(
            select(AggregateHostRow.aggregate_id, AggregateHostRow.host)
            .where(AggregateHostRow.aggregate_id.in_(ids)).order_by(AggregateHostRow.host)):
        found.setdefault(aggregate_id, []).append(host)
    return found


async def get_aggregate(s: AsyncSession, aggregate_id: str) -> Aggregate:
    row = await s.get(AggregateRow, int(aggregate_id)) if aggregate_id.isdigit() else None
    if row is None:
        raise errors.NotFound(f"Aggregate {aggregate_id} could not be found.")
    return row, (await _members(s, [row.id])).get(row.id, [])


async def _check_name(s: AsyncSession, name: str, own_id: int | None = None) -> None:
    other = await s.scalar(select(AggregateRow.id).where(AggregateRow.name == name))
    if other is not None and other != own_id:
        raise errors.Conflict(f"Aggregate {name} already exists.")


async def create_aggregate(s: AsyncSession, name: str, zone: str | None) -> AggregateRow:
    await _check_name(s, name)
    row = AggregateRow(uuid=str(uuid.uuid4()), name=name,
                       metadata_={ZONE_KEY: zone} if zone else {}, created_at=utcnow())
    s.add(row)
    await s.flush()
    return row


async def update_aggregate(s: AsyncSession, settings: Settings, aggregate_id: str,
                           name: str | None, zone: str | None) -> Aggregate:
    row, hosts = await get_aggregate(s, aggregate_id)
    if name is not None:
        await _check_name(s, name, row.id)
        row.name = name
    if zone is not None:
        await _set_metadata(s, settings, row, hosts, {ZONE_KEY: zone})
    row.updated_at = utcnow()
    await s.flush()
    return row, hosts


async def delete_aggregate(s: AsyncSession, aggregate_id: str) -> None:
    row, hosts = await get_aggregate(s, aggregate_id)
    if hosts:
        raise errors.BadRequest(f"Cannot remove aggregate {row.id}. Reason: Host aggregate is "
                                "not empty.")
    await s.delete(row)
    await s.flush()


async def add_host(s: AsyncSession, settings: Settings, aggregate_id: str,
                   host: str) -> Aggregate:
    row, hosts = await get_aggregate(s, aggregate_id)
    host_row = await s.scalar(select(HostRow).where(HostRow.name == host))
    if host_row is None:
        raise errors.NotFound(f"Compute host {host} could not be found.")
    if host in hosts:
        raise errors.Conflict(f"Aggregate {row.id} already has host {host}.")
    zone = zone_of(row)
    if zone is not None:
        current = await _zone_aggregate(s, host)
        if current is not None and zone_of(current) != zone:
            raise errors.Conflict(
                f"Cannot add host to aggregate {row.id}. Reason: One or more hosts already in "
                f"availability zone(s) ['{zone_of(current)}'].")
    s.add(AggregateHostRow(aggregate_id=row.id, host=host))
    await s.flush()
    await refresh_zones(s, settings, [host])
    return row, sorted([*hosts, host])


async def remove_host(s: AsyncSession, settings: Settings, aggregate_id: str,
                      host: str) -> Aggregate:
    row, hosts = await get_aggregate(s, aggregate_id)
    if host not in hosts:
        raise errors.NotFound(f"Cannot remove host {host} in aggregate {row.id}")
    await s.execute(delete(AggregateHostRow).where(AggregateHostRow.aggregate_id == row.id,
                                                   AggregateHostRow.host == host))
    await refresh_zones(s, settings, [host])
    return row, [h for h in hosts if h != host]


async def set_metadata(s: AsyncSession, settings: Settings, aggregate_id: str,
                       changes: dict[str, Any]) -> Aggregate:
    row, hosts = await get_aggregate(s, aggregate_id)
    await _set_metadata(s, settings, row, hosts, changes)
    return row, hosts


async def _set_metadata(s: AsyncSession, settings: Settings, row: AggregateRow,
                        hosts: list[str], changes: dict[str, Any]) -> None:
    """Merge `changes` (a None value removes the key); a new zone applies to every host."""
    metadata = dict(row.metadata_ or {})
    for key, value in changes.items():
        if value is None:
            metadata.pop(key, None)
        else:
            metadata[key] = str(value)
    row.metadata_ = metadata
    row.updated_at = utcnow()
    await s.flush()
    await refresh_zones(s, settings, hosts)


async def _zone_aggregate(s: AsyncSession, host: str) -> AggregateRow | None:
    rows = await s.scalars(select(AggregateRow).join(
        AggregateHostRow, AggregateHostRow.aggregate_id == AggregateRow.id)
        .where(AggregateHostRow.host == host).order_by(AggregateRow.id))
    return next((r for r in rows if zone_of(r) is not None), None)


async def refresh_zones(s: AsyncSession, settings: Settings, hosts: list[str]) -> None:
    """Each host's zone: its zone aggregate's, else the default zone."""
    for host in hosts:
        row = await s.scalar(select(HostRow).where(HostRow.name == host))
        if row is None:
            continue
        aggregate = await _zone_aggregate(s, host)
        row.availability_zone = (zone_of(aggregate) if aggregate is not None
                                 else settings.availability_zone) or settings.availability_zone
    await s.flush()


# --- use cases (admin) ----------------------------------------------------------------------


async def list_all(cloud: Cloud, caller: Caller) -> list[Aggregate]:
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        return await list_aggregates(s)


async def create(cloud: Cloud, caller: Caller, name: str, zone: str | None) -> AggregateRow:
    authorize(caller, RULE)
    async with cloud.db.session() as s:
        return await create_aggregate(s, name, zone)


async def show(cloud: Cloud, caller: Caller, aggregate_id: str) -> Aggregate:
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        return await get_aggregate(s, aggregate_id)


async def update(cloud: Cloud, caller: Caller, aggregate_id: str, *, name: str | None,
                 zone: str | None) -> Aggregate:
    authorize(caller, RULE)
    async with cloud.db.session() as s:
        return await update_aggregate(s, cloud.settings, aggregate_id, name, zone)


async def delete_one(cloud: Cloud, caller: Caller, aggregate_id: str) -> None:
    """BadRequest while the aggregate still has hosts."""
    authorize(caller, RULE)
    async with cloud.db.session() as s:
        await delete_aggregate(s, aggregate_id)


async def add_member(cloud: Cloud, caller: Caller, aggregate_id: str, host: str) -> Aggregate:
    authorize(caller, RULE)
    async with cloud.db.session() as s:
        return await add_host(s, cloud.settings, aggregate_id, host)


async def remove_member(cloud: Cloud, caller: Caller, aggregate_id: str, host: str) -> Aggregate:
    authorize(caller, RULE)
    async with cloud.db.session() as s:
        return await remove_host(s, cloud.settings, aggregate_id, host)


async def cache_images(cloud: Cloud, caller: Caller, aggregate_id: str,
                       image_ids: list[str]) -> None:
    """Ask the aggregate's hosts to cache these images ahead of boots (2.81): each has to be an
    image the caller can see (BadRequest otherwise, as Nova answers). pocketstack's hosts read
    images from the image store on this machine, so there is nothing to copy ahead."""
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        await get_aggregate(s, aggregate_id)
        for image_id in image_ids:
            try:
                await images.get_visible_image(s, image_id, project_id=caller.project_id,
                                               is_admin=caller.is_admin)
            except errors.NotFound:
                raise errors.BadRequest(f"Image {image_id} could not be found.") from None


async def update_metadata(cloud: Cloud, caller: Caller, aggregate_id: str,
                          changes: dict[str, Any]) -> Aggregate:
    """Merge `changes` into the metadata (a None value removes a key)."""
    authorize(caller, RULE)
    async with cloud.db.session() as s:
        return await set_metadata(s, cloud.settings, aggregate_id, changes)
