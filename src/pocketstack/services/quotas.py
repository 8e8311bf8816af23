"""Compute quotas: per-project limits (defaults from settings and the "default" quota class,
overrides in QuotaRow and UserQuotaRow), usage counts, the checks made before a create, and the
os-quota-sets, os-quota-class-sets and limits use cases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, bindparam, delete, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import (
    FloatingIpRow,
    KeypairRow,
    QuotaClassRow,
    QuotaRow,
    SecurityGroupRow,
    ServerRow,
    UserQuotaRow,
)
from pocketstack.services import catalog, scheduler
from pocketstack.services import limits as unified_limits
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.settings import Settings

# Nova's quota-set resources, in the order its API reference lists them.
RESOURCES = (
    "instances", "cores", "ram", "key_pairs", "metadata_items", "injected_files",
    "injected_file_content_bytes", "injected_file_path_bytes", "server_groups",
    "server_group_members", "floating_ips", "fixed_ips", "security_groups",
    "security_group_rules",
)


DEFAULT_CLASS = "default"

# Nova's unified-limits resource names ([quota] driver = UnifiedLimitsDriver) -> quota-set's.
UNIFIED_NAMES = {
    "servers": "instances", "class:VCPU": "cores", "class:MEMORY_MB": "ram",
    "server_metadata_items": "metadata_items", "server_injected_files": "injected_files",
    "server_injected_file_content_bytes": "injected_file_content_bytes",
    "server_injected_file_path_bytes": "injected_file_path_bytes",
    "server_key_pairs": "key_pairs", "server_groups": "server_groups",
    "server_group_members": "server_group_members",
}
COMPUTE_SERVICE_ID = next(sid for kind, _n, _p, sid in catalog.SERVICES if kind == "compute")


def configured_limits(settings: Settings) -> dict[str, int]:
    return {name: int(getattr(settings.quota, name)) for name in RESOURCES}


async def class_limits(s: AsyncSession, settings: Settings,
                       class_name: str = DEFAULT_CLASS) -> dict[str, int]:
    """A quota class's limits: its rows over the "default" class's over the configured ones.
    The "default" class's limits are every project's defaults."""
    limits = configured_limits(settings)
    rows = await s.execute(_CLASS_LIMITS, {"names": sorted({DEFAULT_CLASS, class_name})})
    for _, resource, hard_limit in sorted(rows, key=lambda r: r[0] != DEFAULT_CLASS):
        if resource in limits:
            limits[resource] = hard_limit
    return limits


# Built once (every create reads them).
_CLASS_LIMITS = (select(QuotaClassRow.class_name, QuotaClassRow.resource, QuotaClassRow.hard_limit)
                 .where(QuotaClassRow.class_name.in_(bindparam("names", expanding=True))))
# The "default" class's rows (0) then the project's own (1).
_classes, _quotas = QuotaClassRow.__table__.c, QuotaRow.__table__.c
_DEFAULT_AND_PROJECT_LIMITS = union_all(
    select(literal(0), _classes.resource, _classes.hard_limit)
    .where(_classes.class_name == DEFAULT_CLASS),
    select(literal(1), _quotas.resource, _quotas.hard_limit)
    .where(_quotas.project_id == bindparam("project_id")))


async def update_class_limits(s: AsyncSession, settings: Settings, class_name: str,
                              changes: dict[str, int]) -> dict[str, int]:
    for resource, value in changes.items():
        row = await s.get(QuotaClassRow, (class_name, resource))
        if row is None:
            s.add(QuotaClassRow(class_name=class_name, resource=resource, hard_limit=value))
        else:
            row.hard_limit = value
    await s.flush()
    return await class_limits(s, settings, class_name)


async def limits_for(s: AsyncSession, settings: Settings, project_id: str) -> dict[str, int]:
    """Every resource's hard limit for a project: its overrides over the defaults (-1 =
    unlimited); the "default" class's rows and the project's in one statement. Unified
    limits registered in Identity for the compute service, under Nova's names, come last."""
    limits = configured_limits(settings)
    rows = await s.execute(_DEFAULT_AND_PROJECT_LIMITS, {"project_id": project_id})
    for _, resource, hard_limit in sorted(rows, key=lambda row: row[0]):
        if resource in limits:
            limits[resource] = hard_limit
    unified = await unified_limits.project_limits(s, COMPUTE_SERVICE_ID, settings.region, project_id)
    for name, value in unified.items():
        if name in UNIFIED_NAMES:
            limits[UNIFIED_NAMES[name]] = value
    return limits


async def user_limits_for(s: AsyncSession, settings: Settings, project_id: str,
                          user_id: str) -> dict[str, int]:
    """A user's limits inside a project: the user's overrides over the project's limits."""
    limits = await limits_for(s, settings, project_id)
    rows = await s.scalars(select(UserQuotaRow).where(UserQuotaRow.project_id == project_id,
                                                      UserQuotaRow.user_id == user_id))
    for row in rows:
        if row.resource in limits:
            limits[row.resource] = row.hard_limit
    return limits


async def server_usage(s: AsyncSession, project_id: str) -> dict[str, int]:
    """Instances, cores and RAM (MB) held by the project's servers that are not deleted; a
    server being resized holds the larger of its old and new flavors until it is confirmed.
    Summed in SQL (one statement built once per dialect), so a create loads no server rows."""
    dialect = _dialect(s)
    statement = _USAGE.get(dialect)
    if statement is None:
        statement = _USAGE[dialect] = _usage_statement(dialect)
    row = (await s.execute(statement, {"project_id": project_id})).one()
    return {"instances": int(row[0]), "cores": int(row[1]), "ram": int(row[2])}


_USAGE: dict[str, Select[int, int, int]] = {}


def _dialect(s: AsyncSession) -> str:
    bind = s.bind
    if bind is None:
        raise RuntimeError("the session is bound to no database")
    return bind.dialect.name


def _usage_statement(dialect: str) -> Select[int, int, int]:
    greatest = func.greatest if dialect == "postgresql" else func.max

    def larger(current: ColumnElement[int], key: str) -> ColumnElement[int]:
        """The largest `key` of a server's flavor, old flavor and new flavor (0 if absent)."""
        return greatest(current, *(func.coalesce(column[key].as_integer(), 0)
                                   for column in (ServerRow.old_flavor, ServerRow.new_flavor)))

    cores = larger(scheduler.VCPUS_USED, "vcpus")
    ram = larger(scheduler.RAM_USED, "ram")
    return (select(func.count(), func.coalesce(func.sum(cores), 0), func.coalesce(func.sum(ram), 0))
            .where(ServerRow.project_id == bindparam("project_id"), ServerRow.deleted.is_(False)))


async def usage(s: AsyncSession, project_id: str, user_id: str | None = None) -> dict[str, int]:
    """In-use counts for every resource that pocketstack tracks (0 for the rest)."""
    counts = dict.fromkeys(RESOURCES, 0)
    counts.update(await server_usage(s, project_id))
    counts["security_groups"] = int(await s.scalar(
        select(func.count()).select_from(SecurityGroupRow)
        .where(SecurityGroupRow.project_id == project_id)) or 0)
    counts["floating_ips"] = int(await s.scalar(
        select(func.count()).select_from(FloatingIpRow)
        .where(FloatingIpRow.project_id == project_id)) or 0)
    if user_id is not None:
        counts["key_pairs"] = await keypair_count(s, user_id)
    return counts


async def keypair_count(s: AsyncSession, user_id: str) -> int:
    return int(await s.scalar(
        select(func.count()).select_from(KeypairRow).where(KeypairRow.user_id == user_id)) or 0)


def over_limit_message(resource: str, requested: int, used: int, allowed: int) -> str:
    return (f"Quota exceeded for {resource}: Requested {requested}, but already used "
            f"{used} of {allowed} {resource}")


async def lock_project(s: AsyncSession, project_id: str) -> None:
    """Serialize quota decisions for one project until the caller's transaction ends: on
    PostgreSQL a transaction-level advisory lock (SQLite has one writer at a time already)."""
    if _dialect(s) == "postgresql":
        await s.execute(select(func.pg_advisory_xact_lock(
            func.hashtextextended("quota:" + project_id, 0))))


async def check_server_quota(s: AsyncSession, settings: Settings, project_id: str, *,
                             instances: int, cores: int, ram: int) -> None:
    """Raise errors.OverLimit (403) when the request would take the project over a limit."""
    limits = await limits_for(s, settings, project_id)
    used = await server_usage(s, project_id)
    requested = {"instances": instances, "cores": cores, "ram": ram}
    for resource in ("instances", "cores", "ram"):
        allowed = limits[resource]
        if allowed >= 0 and used[resource] + requested[resource] > allowed:
            raise errors.OverLimit(over_limit_message(
                resource, requested[resource], used[resource], allowed), code=403)


async def check_keypair_quota(s: AsyncSession, settings: Settings, project_id: str,
                              user_id: str) -> None:
    """Raise errors.OverLimit (403) when the user already holds as many keypairs as allowed."""
    allowed = (await user_limits_for(s, settings, project_id, user_id))["key_pairs"]
    if allowed >= 0 and await keypair_count(s, user_id) + 1 > allowed:
        raise errors.OverLimit("Quota exceeded, too many key pairs.", code=403)


async def update_limits(s: AsyncSession, settings: Settings, project_id: str,
                        changes: dict[str, int], *, user_id: str | None = None,
                        force: bool = False) -> dict[str, int]:
    """Set overrides for a project (or for one user in it); returns the limits afterwards.
    Unless forced, a limit below what is already in use is refused (BadRequest)."""
    if not force:
        in_use = await usage(s, project_id, user_id)
        for resource, value in changes.items():
            if value != -1 and value < in_use[resource]:
                raise errors.BadRequest(
                    f"Quota limit {value} for {resource} must be greater than or equal to "
                    f"already used and reserved {in_use[resource]}.")
    for resource, value in changes.items():
        if user_id is None:
            await _upsert(s, QuotaRow, (project_id, resource),
                          QuotaRow(project_id=project_id, resource=resource, hard_limit=value), value)
        else:
            await _upsert(s, UserQuotaRow, (project_id, user_id, resource),
                          UserQuotaRow(project_id=project_id, user_id=user_id, resource=resource,
                                       hard_limit=value), value)
    await s.flush()
    if user_id is None:
        return await limits_for(s, settings, project_id)
    return await user_limits_for(s, settings, project_id, user_id)


Override = TypeVar("Override", QuotaRow, UserQuotaRow)


async def _upsert(s: AsyncSession, model: type[Override], key: tuple[str, ...], new: Override,
                  value: int) -> None:
    row = await s.get(model, key)
    if row is None:
        s.add(new)
    else:
        row.hard_limit = value


async def revert_to_defaults(s: AsyncSession, project_id: str, user_id: str | None = None) -> None:
    """Drop a project's overrides (and its users'), or only one user's."""
    users = delete(UserQuotaRow).where(UserQuotaRow.project_id == project_id)
    if user_id is not None:
        await s.execute(users.where(UserQuotaRow.user_id == user_id))
        return
    await s.execute(users)
    await s.execute(delete(QuotaRow).where(QuotaRow.project_id == project_id))


# --- use cases: os-quota-sets, os-quota-class-sets and limits -------------------------------


@dataclass(frozen=True, slots=True)
class LimitsInUse:
    """Every resource's limit and what is in use of it."""

    limits: dict[str, int]
    in_use: dict[str, int]


async def _scoped_limits(s: AsyncSession, settings: Settings, project_id: str,
                         user_id: str | None) -> dict[str, int]:
    """The project's limits, or one user's in it."""
    if user_id:
        return await user_limits_for(s, settings, project_id, user_id)
    return await limits_for(s, settings, project_id)


async def show_quota_set(cloud: Cloud, caller: Caller, project_id: str,
                         user_id: str | None) -> dict[str, int]:
    """A project's limits (or a user's in it): its members and admins may read them."""
    authorize(caller, "compute:os-quota-sets:show", project_id)
    async with cloud.db.reader() as s:
        return await _scoped_limits(s, cloud.settings, project_id, user_id)


async def show_quota_set_detail(cloud: Cloud, caller: Caller, project_id: str,
                                user_id: str | None) -> LimitsInUse:
    """show_quota_set's limits with the usage of the project (keypairs: of the user named,
    else of the caller)."""
    authorize(caller, "compute:os-quota-sets:show", project_id)
    async with cloud.db.reader() as s:
        limits = await _scoped_limits(s, cloud.settings, project_id, user_id)
        in_use = await usage(s, project_id, user_id or caller.user_id)
    return LimitsInUse(limits, in_use)


async def show_default_quotas(cloud: Cloud, caller: Caller) -> dict[str, int]:
    authorize(caller, "compute:os-quota-sets:defaults")
    async with cloud.db.reader() as s:
        return await class_limits(s, cloud.settings)


async def update_quota_set(cloud: Cloud, caller: Caller, project_id: str,
                           changes: dict[str, int], *, user_id: str | None,
                           force: bool) -> dict[str, int]:
    """update_limits as an admin; the limits afterwards."""
    authorize(caller, "compute:os-quota-sets:update", project_id)
    async with cloud.db.session() as s:
        return await update_limits(s, cloud.settings, project_id, changes, user_id=user_id,
                                   force=force)


async def revert_quota_set(cloud: Cloud, caller: Caller, project_id: str,
                           user_id: str | None) -> None:
    authorize(caller, "compute:os-quota-sets:delete", project_id)
    async with cloud.db.session() as s:
        await revert_to_defaults(s, project_id, user_id)


async def show_quota_class(cloud: Cloud, caller: Caller, class_name: str) -> dict[str, int]:
    authorize(caller, "compute:os-quota-class-sets:show")
    async with cloud.db.reader() as s:
        return await class_limits(s, cloud.settings, class_name)


async def update_quota_class(cloud: Cloud, caller: Caller, class_name: str,
                             changes: dict[str, int]) -> dict[str, int]:
    authorize(caller, "compute:os-quota-class-sets:update")
    async with cloud.db.session() as s:
        return await update_class_limits(s, cloud.settings, class_name, changes)


async def show_limits(cloud: Cloud, caller: Caller, project_id: str | None) -> LimitsInUse:
    """The limits and usage of the caller's project, or (admins) of `project_id`'s."""
    own = caller.project_id
    target = project_id or own
    if target != own:
        authorize(caller, "compute:limits:other_project", target)
    async with cloud.db.reader() as s:
        return LimitsInUse(await limits_for(s, cloud.settings, target), await usage(s, target))
