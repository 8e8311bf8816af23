"""Block storage quotas: per-project limits on volumes, gigabytes (volumes' and snapshots'
sizes, as Cinder counts them) and snapshots, checked inside the transaction that consumes them
(413 with Cinder's messages), the absolute limits and the quota-set routes' use cases."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import VolumeQuotaRow, VolumeRow, VolumeSnapshotRow
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize

# Cinder's defaults (cinder/quota.py quota_* options); -1 is unlimited.
DEFAULTS: dict[str, int] = {
    "volumes": 10, "snapshots": 10, "gigabytes": 1000, "backups": 10,
    "backup_gigabytes": 1000, "groups": 10, "per_volume_gigabytes": -1,
}


@dataclass(frozen=True, slots=True)
class Usage:
    volumes: int
    gigabytes: int
    snapshots: int

    def of(self, resource: str) -> int:
        return {"volumes": self.volumes, "gigabytes": self.gigabytes,
                "snapshots": self.snapshots}.get(resource, 0)


async def limits_of(s: AsyncSession, project_id: str) -> dict[str, int]:
    rows = (await s.scalars(select(VolumeQuotaRow).where(
        VolumeQuotaRow.project_id == project_id))).all()
    return {**DEFAULTS, **{row.resource: row.hard_limit for row in rows}}


async def usage_of(s: AsyncSession, project_id: str) -> Usage:
    volumes = (await s.execute(select(func.count(), func.coalesce(func.sum(VolumeRow.size), 0))
                               .where(VolumeRow.project_id == project_id,
                                      VolumeRow.deleted.is_(False)))).one()
    snapshots = (await s.execute(
        select(func.count(), func.coalesce(func.sum(VolumeSnapshotRow.size), 0))
        .where(VolumeSnapshotRow.project_id == project_id,
               VolumeSnapshotRow.deleted.is_(False)))).one()
    return Usage(int(volumes[0]), int(volumes[1]) + int(snapshots[1]), int(snapshots[0]))


async def reserve(s: AsyncSession, project_id: str, *, volumes: int = 0, snapshots: int = 0,
                  gigabytes: int = 0) -> None:
    """Return if the project may add these amounts; else OverLimit 413 as Cinder words it.
    Called in the transaction that then adds the rows."""
    limits = await limits_of(s, project_id)
    usage = await usage_of(s, project_id)
    per_volume = limits["per_volume_gigabytes"]
    if volumes and per_volume >= 0 and gigabytes > per_volume:
        raise errors.OverLimit(f"Requested volume size {gigabytes}G is larger than maximum "
                               f"allowed limit {per_volume}G.", code=413,
                               headers={"Retry-After": "0"})
    if gigabytes and 0 <= limits["gigabytes"] < usage.gigabytes + gigabytes:
        raise errors.OverLimit(
            f"Requested volume or snapshot exceeds allowed gigabytes quota. Requested "
            f"{gigabytes}G, quota is {limits['gigabytes']}G and {usage.gigabytes}G has been "
            "consumed.", code=413, headers={"Retry-After": "0"})
    if volumes and 0 <= limits["volumes"] < usage.volumes + volumes:
        raise errors.OverLimit(f"Maximum number of volumes allowed ({limits['volumes']}) "
                               "exceeded for quota 'volumes'.", code=413,
                               headers={"Retry-After": "0"})
    if snapshots and 0 <= limits["snapshots"] < usage.snapshots + snapshots:
        raise errors.OverLimit(f"Maximum number of snapshots allowed ({limits['snapshots']}) "
                               "exceeded", code=413, headers={"Retry-After": "0"})


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
