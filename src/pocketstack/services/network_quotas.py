"""Network quotas (Neutron's quotas extension): per-project limits over Neutron's defaults,
usage counts, the check made before a create (409 OverQuota), and the /v2.0/quotas use cases.
Another resource joins with register()."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import (
    FloatingIpRow,
    NetworkQuotaRow,
    NetworkRow,
    PortRow,
    RouterRow,
    SecurityGroupRow,
    SecurityGroupRuleRow,
    SubnetRow,
)
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize

UNLIMITED = -1
MAX_LIMIT = 2**31 - 1
# Counts a project's resources of one kind.
Counter = Callable[[AsyncSession, str], Awaitable[int]]


def counting(model: type[Any]) -> Counter:
    async def count(s: AsyncSession, project_id: str) -> int:
        found = await s.scalar(select(func.count()).select_from(model)
                               .where(model.project_id == project_id))
        return int(found or 0)
    return count


async def _none(s: AsyncSession, project_id: str) -> int:
    return 0


# Neutron's default limits (neutron/conf/quota.py) and how each resource is counted, in the
# order Neutron registers them.
DEFAULTS: dict[str, int] = {
    "network": 100, "subnet": 100, "subnetpool": UNLIMITED, "port": 500, "router": 10,
    "floatingip": 50, "security_group": 10, "security_group_rule": 100, "rbac_policy": 10,
}
COUNTERS: dict[str, Counter] = {
    "network": counting(NetworkRow), "subnet": counting(SubnetRow), "subnetpool": _none,
    "port": counting(PortRow), "router": counting(RouterRow), "floatingip": counting(FloatingIpRow),
    "security_group": counting(SecurityGroupRow),
    "security_group_rule": counting(SecurityGroupRuleRow), "rbac_policy": _none,
}


def register(resource: str, count: Counter, default: int) -> None:
    COUNTERS[resource] = count
    DEFAULTS.setdefault(resource, default)


async def limits_for(s: AsyncSession, project_id: str) -> dict[str, int]:
    limits = dict(DEFAULTS)
    rows = await s.execute(select(NetworkQuotaRow.resource, NetworkQuotaRow.hard_limit)
                           .where(NetworkQuotaRow.project_id == project_id))
    for resource, hard_limit in rows:
        if resource in limits:
            limits[resource] = hard_limit
    return limits


async def check_quota(s: AsyncSession, project_id: str, resource: str, adding: int = 1) -> None:
    """409 OverQuota if the project cannot have `adding` more of `resource`."""
    limit = (await limits_for(s, project_id))[resource]
    if limit == UNLIMITED:
        return
    if await COUNTERS[resource](s, project_id) + adding > limit:
        raise errors.Conflict(f"Quota exceeded for resources: ['{resource}'].", kind="OverQuota")


# --- the /v2.0/quotas use cases ----------------------------------------------------------------


def _authorize_show(caller: Caller, project_id: str) -> None:
    """Anyone sees their own project's quotas; another project's are for admins."""
    if caller.scoped_project_id != project_id:
        authorize(caller, "network:list_quotas")


async def list_quotas(cloud: Cloud, caller: Caller) -> list[tuple[str, dict[str, int]]]:
    """The projects that have limits of their own, with all their limits."""
    authorize(caller, "network:list_quotas")
    async with cloud.db.reader() as s:
        projects = list(await s.scalars(select(NetworkQuotaRow.project_id).distinct()
                                        .order_by(NetworkQuotaRow.project_id)))
        return [(project_id, await limits_for(s, project_id)) for project_id in projects]


async def show_quota(cloud: Cloud, caller: Caller, project_id: str) -> dict[str, int]:
    _authorize_show(caller, project_id)
    async with cloud.db.reader() as s:
        return await limits_for(s, project_id)


async def show_defaults(cloud: Cloud, caller: Caller, project_id: str) -> dict[str, int]:
    _authorize_show(caller, project_id)
    return dict(DEFAULTS)


async def show_details(cloud: Cloud, caller: Caller, project_id: str) -> dict[str, dict[str, int]]:
    """Each resource's limit, use and reservations (none: creates are not reserved ahead)."""
    if caller.scoped_project_id != project_id and not caller.is_admin:
        raise errors.Forbidden("User does not have admin privileges: Only admin is authorized to "
                               "access quotas for another project.", kind="AdminRequired")
    async with cloud.db.reader() as s:
        limits = await limits_for(s, project_id)
        return {resource: {"limit": limit, "used": await COUNTERS[resource](s, project_id),
                           "reserved": 0}
                for resource, limit in limits.items()}


async def update_quota(cloud: Cloud, caller: Caller, project_id: str, changes: dict[str, int], *,
                       force: bool = False) -> dict[str, int]:
    """Set limits (-1: unlimited); unless `force`, none may go below the current use (400)."""
    authorize(caller, "network:update_quota")
    async with cloud.db.session() as s:
        for resource, limit in changes.items():
            if force or limit == UNLIMITED:
                continue
            used = await COUNTERS[resource](s, project_id)
            if used > limit:
                raise errors.BadRequest(f"Quota limit {limit} for {resource} must be greater than or "
                                        f"equal to already used {used}")
        for resource, limit in changes.items():
            row = await s.get(NetworkQuotaRow, (project_id, resource))
            if row is None:
                s.add(NetworkQuotaRow(project_id=project_id, resource=resource, hard_limit=limit))
            else:
                row.hard_limit = limit
        await s.flush()
        return await limits_for(s, project_id)


async def delete_quota(cloud: Cloud, caller: Caller, project_id: str) -> None:
    """Back to the defaults."""
    authorize(caller, "network:delete_quota")
    async with cloud.db.session() as s:
        await s.execute(delete(NetworkQuotaRow).where(NetworkQuotaRow.project_id == project_id))
