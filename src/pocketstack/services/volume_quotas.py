"""Block storage quotas: per-project limits on volumes, gigabytes (volumes' and snapshots'
sizes, as Cinder counts them) and snapshots, checked inside the transaction that consumes them
(413 with Cinder's messages), the absolute limits and the quota-set routes' use cases."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import (
    VolumeBackupRow,
    VolumeQuotaRow,
    VolumeRow,
    VolumeSnapshotRow,
    VolumeTypeRow,
)
from pocketstack.services import catalog
from pocketstack.services import limits as unified_limits
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.services.volume_types import DEFAULT_TYPE_NAME, type_names

# Cinder's defaults (cinder/quota.py quota_* options); -1 is unlimited.
DEFAULTS: dict[str, int] = {
    "volumes": 10, "snapshots": 10, "gigabytes": 1000, "backups": 10,
    "backup_gigabytes": 1000, "groups": 10, "per_volume_gigabytes": -1,
}


PER_TYPE_RESOURCES = ("volumes", "gigabytes", "snapshots")
# Cinder's unified-limits driver reads limits registered for the block storage service, under
# the quota-set names (volumes, gigabytes, volumes_<type> ...): both catalog entries count.
UNIFIED_SERVICE_IDS = tuple(sid for kind, _n, _p, sid in catalog.SERVICES
                            if kind in ("block-storage", "volumev3"))
# The rows of the `default` quota class are kept under this pseudo project id.
DEFAULT_CLASS = "quota-class:default"


@dataclass(frozen=True, slots=True)
class Usage:
    """What a project uses: totals, and per volume type name (`volumes_<type>` etc.)."""

    volumes: int
    gigabytes: int
    snapshots: int
    by_type: dict[str, int] = field(default_factory=dict)

    def of(self, resource: str) -> int:
        totals = {"volumes": self.volumes, "gigabytes": self.gigabytes,
                  "snapshots": self.snapshots}
        return totals.get(resource, self.by_type.get(resource, 0))


async def _type_names(s: AsyncSession) -> list[str]:
    rows = (await s.scalars(select(VolumeTypeRow.name).where(
        VolumeTypeRow.deleted.is_(False)).order_by(VolumeTypeRow.name))).all()
    return sorted({*rows, DEFAULT_TYPE_NAME})


async def default_limits(s: AsyncSession) -> dict[str, int]:
    """Cinder's defaults, with the unlimited per-type quotas of every volume type."""
    per_type = {f"{resource}_{name}": -1 for name in await _type_names(s)
                for resource in PER_TYPE_RESOURCES}
    # The `default` quota class (os-quota-class-sets) overrides them.
    classes = (await s.scalars(select(VolumeQuotaRow).where(
        VolumeQuotaRow.project_id == DEFAULT_CLASS))).all()
    found = {**DEFAULTS, **per_type, **{row.resource: row.hard_limit for row in classes}}
    return {**found, **{k: v for k, v in (await _unified(s, None)).items() if k in found}}


async def _unified(s: AsyncSession, project_id: str | None) -> dict[str, int]:
    """Unified limits of the block storage service: registered limits are the defaults, a
    project's limit overrides them (any region: the volume service runs in the only one)."""
    found: dict[str, int] = {}
    for service_id in UNIFIED_SERVICE_IDS:
        found.update(await unified_limits.project_limits(s, service_id, None, project_id))
    return found


async def limits_of(s: AsyncSession, project_id: str) -> dict[str, int]:
    """A project's limits: its quota-set rows over the defaults, then the unified limits
    (registered defaults and the project's own limits) where Identity has them."""
    rows = (await s.scalars(select(VolumeQuotaRow).where(
        VolumeQuotaRow.project_id == project_id))).all()
    found = {**await default_limits(s), **{row.resource: row.hard_limit for row in rows}}
    return {**found, **{k: v for k, v in (await _unified(s, project_id)).items() if k in found}}


async def usage_of(s: AsyncSession, project_id: str) -> Usage:
    volumes = (await s.execute(
        select(VolumeTypeRow.name, func.count(), func.coalesce(func.sum(VolumeRow.size), 0))
        .join(VolumeTypeRow, VolumeTypeRow.id == VolumeRow.volume_type_id, isouter=True)
        .where(VolumeRow.project_id == project_id, VolumeRow.deleted.is_(False))
        .group_by(VolumeTypeRow.name))).all()
    snapshots = (await s.execute(
        select(VolumeTypeRow.name, func.count(),
               func.coalesce(func.sum(VolumeSnapshotRow.size), 0))
        .join(VolumeRow, VolumeRow.id == VolumeSnapshotRow.volume_id)
        .join(VolumeTypeRow, VolumeTypeRow.id == VolumeRow.volume_type_id, isouter=True)
        .where(VolumeSnapshotRow.project_id == project_id,
               VolumeSnapshotRow.deleted.is_(False))
        .group_by(VolumeTypeRow.name))).all()
    backups = (await s.execute(
        select(func.count(), func.coalesce(func.sum(VolumeBackupRow.size), 0))
        .where(VolumeBackupRow.project_id == project_id,
               VolumeBackupRow.deleted.is_(False)))).one()
    # backups and backup_gigabytes are counted here too: `of` finds them by name.
    by_type: dict[str, int] = {"backups": int(backups[0]), "backup_gigabytes": int(backups[1])}
    for kind, rows in (("volumes", volumes), ("snapshots", snapshots)):
        for name, count, size in rows:
            name = name or DEFAULT_TYPE_NAME
            by_type[f"{kind}_{name}"] = by_type.get(f"{kind}_{name}", 0) + int(count)
            by_type[f"gigabytes_{name}"] = by_type.get(f"gigabytes_{name}", 0) + int(size)
    return Usage(sum(int(row[1]) for row in volumes),
                 sum(int(row[2]) for row in (*volumes, *snapshots)),
                 sum(int(row[1]) for row in snapshots), by_type)


async def _lock_project(s: AsyncSession, project_id: str) -> None:
    """Serialize one project's block storage quota decisions until the transaction ends: on
    PostgreSQL a transaction-level advisory lock (SQLite has one writer at a time already)."""
    if s.get_bind().dialect.name == "postgresql":
        await s.execute(select(func.pg_advisory_xact_lock(
            func.hashtextextended("volume-quota:" + project_id, 0))))


def _over(resource: str, limits: dict[str, int], usage: Usage, wanted: int) -> bool:
    limit = limits.get(resource, -1)
    return bool(wanted) and 0 <= limit < usage.of(resource) + wanted


async def reserve(s: AsyncSession, project_id: str, *, volumes: int = 0, snapshots: int = 0,
                  gigabytes: int = 0, volume_type_id: str | None = None, backups: int = 0,
                  backup_gigabytes: int = 0) -> None:
    """Return if the project may add these amounts (of volumes of that type: its per-type
    quotas too); else OverLimit 413 as Cinder words it. Called in the transaction that then
    adds the rows."""
    await _lock_project(s, project_id)
    if backups or backup_gigabytes:
        await _reserve_backups(s, project_id, backups, backup_gigabytes)
    type_name = (await type_names(s, {volume_type_id})).get(volume_type_id) \
        if volume_type_id else None
    limits = await limits_of(s, project_id)
    usage = await usage_of(s, project_id)
    per_volume = limits["per_volume_gigabytes"]
    if volumes and per_volume >= 0 and gigabytes > per_volume:
        raise errors.OverLimit(f"Requested volume size {gigabytes}G is larger than maximum "
                               f"allowed limit {per_volume}G.", code=413,
                               headers={"Retry-After": "0"})
    suffix = f"_{type_name}" if type_name else ""
    for name in ("gigabytes", *(["gigabytes" + suffix] if suffix else [])):
        if _over(name, limits, usage, gigabytes):
            raise errors.OverLimit(
                f"Requested volume or snapshot exceeds allowed {name} quota. Requested "
                f"{gigabytes}G, quota is {limits[name]}G and {usage.of(name)}G has been "
                "consumed.", code=413, headers={"Retry-After": "0"})
    for name in ("volumes", *(["volumes" + suffix] if suffix else [])):
        if _over(name, limits, usage, volumes):
            raise errors.OverLimit(f"Maximum number of volumes allowed ({limits[name]}) "
                                   f"exceeded for quota '{name}'.", code=413,
                                   headers={"Retry-After": "0"})
    for name in ("snapshots", *(["snapshots" + suffix] if suffix else [])):
        if _over(name, limits, usage, snapshots):
            raise errors.OverLimit(f"Maximum number of snapshots allowed ({limits[name]}) "
                                   "exceeded", code=413, headers={"Retry-After": "0"})


async def _reserve_backups(s: AsyncSession, project_id: str, backups: int,
                           backup_gigabytes: int) -> None:
    limits = await limits_of(s, project_id)
    usage = await usage_of(s, project_id)
    if _over("backup_gigabytes", limits, usage, backup_gigabytes):
        raise errors.OverLimit(
            f"Requested backup exceeds allowed Backup gigabytes quota. Requested "
            f"{backup_gigabytes}G, quota is {limits['backup_gigabytes']}G and "
            f"{usage.of('backup_gigabytes')}G has been consumed.", code=413,
            headers={"Retry-After": "0"})
    if _over("backups", limits, usage, backups):
        raise errors.OverLimit(f"Maximum number of backups allowed ({limits['backups']}) "
                               "exceeded", code=413, headers={"Retry-After": "0"})


async def show_defaults(cloud: Cloud, caller: Caller) -> dict[str, int]:
    async with cloud.db.reader() as s:
        return await default_limits(s)


async def absolute_limits(cloud: Cloud, caller: Caller) -> tuple[dict[str, int], Usage]:
    async with cloud.db.reader() as s:
        return await limits_of(s, caller.project_id), await usage_of(s, caller.project_id)


async def show_quotas(cloud: Cloud, caller: Caller,
                      project_id: str) -> tuple[dict[str, int], Usage]:
    """A project's limits and usage: the caller's own project, or any project for an admin."""
    if project_id != caller.project_id and not caller.is_admin:
        raise errors.Forbidden("Policy doesn't allow volume_extension:quotas:show to be "
                               "performed.")
    async with cloud.db.reader() as s:
        return await limits_of(s, project_id), await usage_of(s, project_id)


async def update_quotas(cloud: Cloud, caller: Caller, project_id: str,
                        changes: dict[str, int]) -> dict[str, int]:
    """Set limits (admin); a limit below what is in use is refused (400), as Cinder does."""
    authorize(caller, "volume_extension:quotas:update")
    async with cloud.db.session() as s:
        known = await default_limits(s)
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise errors.BadRequest(f"Bad key(s) in quota set: {', '.join(unknown)}")
        usage = await usage_of(s, project_id)
        for resource, limit in changes.items():
            if limit != -1 and limit < usage.of(resource):
                raise errors.BadRequest(
                    f"Quota limit invalid for project '{project_id}' for quota '{resource}': "
                    f"Limit must be >= {usage.of(resource)}.")
            row = await s.get(VolumeQuotaRow, (project_id, resource))
            if row is None:
                s.add(VolumeQuotaRow(project_id=project_id, resource=resource, hard_limit=limit))
            else:
                row.hard_limit = limit
        await s.flush()
        return await limits_of(s, project_id)


async def delete_quotas(cloud: Cloud, caller: Caller, project_id: str) -> None:
    """Back to the defaults (admin)."""
    authorize(caller, "volume_extension:quotas:delete")
    async with cloud.db.session() as s:
        for row in (await s.scalars(select(VolumeQuotaRow).where(
                VolumeQuotaRow.project_id == project_id))).all():
            await s.delete(row)
