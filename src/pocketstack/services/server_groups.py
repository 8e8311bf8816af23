"""Server groups: a policy (affinity, anti-affinity, soft-affinity, soft-anti-affinity) over
member servers, joined at create time with the scheduler hint "group"; an anti-affinity group
may allow more than one member per host (its `max_server_per_host` rule). `constraints` turns a
create request's hints (group, same_host, different_host) into the scheduler's Constraints."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import ServerGroupMemberRow, ServerGroupRow, ServerRow
from pocketstack.services import quotas, scheduler
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.settings import Settings
from pocketstack.timeutil import utcnow

POLICIES = (scheduler.AFFINITY, scheduler.ANTI_AFFINITY, scheduler.SOFT_AFFINITY,
            scheduler.SOFT_ANTI_AFFINITY)
RULE = "compute:os-server-groups"


async def members(s: AsyncSession, group_ids: list[str]) -> dict[str, list[str]]:
    """Each group's live member servers."""
    found: dict[str, list[str]] = {gid: [] for gid in group_ids}
    rows = await s.execute(
        select(ServerGroupMemberRow.group_id, ServerGroupMemberRow.server_id)
        .join(ServerRow, ServerRow.id == ServerGroupMemberRow.server_id)
        .where(ServerGroupMemberRow.group_id.in_(group_ids), ServerRow.deleted.is_(False))
        .order_by(ServerRow.created_at))
    for group_id, server_id in rows:
        found[group_id].append(server_id)
    return found


async def list_groups(s: AsyncSession, project_id: str | None) -> list[ServerGroupRow]:
    query = select(ServerGroupRow).order_by(ServerGroupRow.created_at, ServerGroupRow.id)
    if project_id is not None:
        query = query.where(ServerGroupRow.project_id == project_id)
    return list(await s.scalars(query))


async def get_group(s: AsyncSession, group_id: str, *, project_id: str,
                    is_admin: bool) -> ServerGroupRow:
    row = await s.get(ServerGroupRow, group_id)
    if row is None or (not is_admin and row.project_id != project_id):
        raise errors.NotFound(f"Instance group {group_id} could not be found.")
    return row


async def create_group(s: AsyncSession, settings: Settings, *, project_id: str, user_id: str,
                       name: str, policy: str,
                       rules: dict[str, int] | None = None) -> ServerGroupRow:
    await quotas.lock_project(s, project_id)
    allowed = (await quotas.limits_for(s, settings, project_id))["server_groups"]
    used = int(await s.scalar(select(func.count()).select_from(ServerGroupRow)
                              .where(ServerGroupRow.project_id == project_id)) or 0)
    if 0 <= allowed <= used:
        raise errors.OverLimit("Quota exceeded, too many server groups.", code=403)
    row = ServerGroupRow(id=str(uuid.uuid4()), project_id=project_id, user_id=user_id, name=name,
                         policy=policy, rules=dict(rules or {}), created_at=utcnow())
    s.add(row)
    await s.flush()
    return row


async def delete_group(s: AsyncSession, row: ServerGroupRow) -> None:
    await s.execute(delete(ServerGroupMemberRow).where(ServerGroupMemberRow.group_id == row.id))
    await s.delete(row)
    await s.flush()


def _server_ids(value: Any) -> list[str]:
    ids = [value] if isinstance(value, str) else value
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise errors.BadRequest("Invalid scheduler hint: a server id or a list of them.")
    return ids


async def constraints(s: AsyncSession, settings: Settings, hints: dict[str, Any], *,
                      project_id: str, count: int) -> tuple[scheduler.Constraints, str | None]:
    """The scheduler's constraints from the hints, and the group the servers join."""
    rules = scheduler.Constraints()
    if "same_host" in hints:
        rules.same_host = frozenset(await scheduler.server_hosts(s, _server_ids(hints["same_host"])))
    if "different_host" in hints:
        rules.different_host = frozenset(
            await scheduler.server_hosts(s, _server_ids(hints["different_host"])))
    group_id = hints.get("group")
    if group_id is None:
        return rules, None
    if not isinstance(group_id, str):
        raise errors.BadRequest("Invalid scheduler hint group.")
    group = await s.get(ServerGroupRow, group_id)
    if group is None or group.project_id != project_id:
        raise errors.BadRequest(f"Invalid server group {group_id}.")
    current = (await members(s, [group.id]))[group.id]
    allowed = (await quotas.limits_for(s, settings, project_id))["server_group_members"]
    if 0 <= allowed < len(current) + count:
        raise errors.OverLimit("Quota exceeded, too many servers in group", code=403)
    rules.group_policy = group.policy
    rules.group_max_per_host = int((group.rules or {}).get("max_server_per_host", 1))
    rules.group_hosts = await scheduler.server_hosts(s, current)
    return rules, group.id


async def add_members(s: AsyncSession, group_id: str, server_ids: list[str]) -> None:
    s.add_all([ServerGroupMemberRow(group_id=group_id, server_id=sid) for sid in server_ids])
    await s.flush()


# --- use cases ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServerGroup:
    """A group and its live member servers, oldest first."""

    row: ServerGroupRow
    members: list[str]


async def list_server_groups(cloud: Cloud, caller: Caller, *, all_projects: bool, limit: int,
                             offset: int) -> list[ServerGroup]:
    """The caller's project's groups, or every project's for an admin asking all_projects."""
    authorize(caller, RULE)
    every = caller.is_admin and all_projects
    async with cloud.db.reader() as s:
        rows = (await list_groups(s, None if every else caller.project_id))[offset:offset + limit]
        found = await members(s, [r.id for r in rows])
    return [ServerGroup(r, found[r.id]) for r in rows]


async def create_server_group(cloud: Cloud, caller: Caller, *, name: str, policy: str,
                              rules: dict[str, int] | None = None) -> ServerGroupRow:
    """A new group in the caller's project, within its server_groups quota; only an
    anti-affinity group has rules (400 otherwise)."""
    authorize(caller, RULE)
    if rules and policy != scheduler.ANTI_AFFINITY:
        raise errors.BadRequest("Only anti-affinity policy supports rules.")
    project_id = caller.project_id
    async with cloud.db.session() as s:
        return await create_group(s, cloud.settings, project_id=project_id,
                                  user_id=caller.user_id, name=name, policy=policy,
                                  rules=rules)


async def show_server_group(cloud: Cloud, caller: Caller, group_id: str) -> ServerGroup:
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        row = await get_group(s, group_id, project_id=caller.project_id, is_admin=caller.is_admin)
        return ServerGroup(row, (await members(s, [row.id]))[row.id])


async def delete_server_group(cloud: Cloud, caller: Caller, group_id: str) -> None:
    authorize(caller, RULE)
    async with cloud.db.session() as s:
        row = await get_group(s, group_id, project_id=caller.project_id, is_admin=caller.is_admin)
        await delete_group(s, row)
