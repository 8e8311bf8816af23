"""Servers: create (validation, quota, scheduling, ports and the action record in the caller's
one transaction), read, list with Nova's filters, update, delete intent, and metadata.

Intent is recorded with one conditional UPDATE (`request_action`); the agent on the server's
host does the work. A tenant sees only its own project's servers; admins see every project's.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import string
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    ColumnElement,
    Result,
    Row,
    String,
    and_,
    bindparam,
    insert,
    inspect,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import (
    ANY_TASK,
    TRANSITIONS,
    Action,
    PowerState,
    TaskState,
    VmState,
    status_matches,
)
from pocketstack.db.engine import Database
from pocketstack.db.models import FlavorRow, ImageRow, SecurityGroupRow, ServerRow
from pocketstack.db.wakes import wake_after_commit
from pocketstack.services import instance_actions, networks, quotas, scheduler, server_groups
from pocketstack.services import security_groups as groups_service
from pocketstack.services.flavors import get_flavor_row
from pocketstack.services.images import get_visible_image_row
from pocketstack.services.keypairs import get_keypair
from pocketstack.settings import Settings
from pocketstack.timeutil import iso_z, utcnow

SCHEDULE_EVENT = "conductor_schedule_and_build_instances"
METADATA_VM_STATES = frozenset({VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED})


@dataclass(frozen=True, slots=True)
class Caller:
    project_id: str
    user_id: str
    is_admin: bool
    request_id: str


@dataclass(frozen=True, slots=True)
class ServerRequest:
    name: str
    image_id: str
    flavor_id: str
    metadata: dict[str, str] = field(default_factory=dict)
    key_name: str | None = None
    user_data: str | None = None
    config_drive: bool = False
    disk_config: str | None = None
    availability_zone: str | None = None
    forced_host: str | None = None
    # None: the one network the project may use ("auto"); []: no network.
    networks: list[networks.NetworkRequest] | None = None
    security_groups: tuple[str, ...] = ("default",)
    min_count: int = 1
    max_count: int = 1
    admin_password: str | None = None
    access_ipv4: str = ""
    access_ipv6: str = ""
    description: str | None = None
    # os:scheduler_hints: group, same_host, different_host.
    scheduler_hints: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Created:
    servers: list[ServerRow]
    admin_password: str
    reservation_id: str


@dataclass(frozen=True, slots=True)
class ServerFilters:
    # None: every project (an admin listing all_tenants).
    project_id: str | None
    name: str | None = None
    statuses: tuple[str, ...] = ()
    image_id: str | None = None
    flavor_id: str | None = None
    changes_since: datetime | None = None
    reservation_id: str | None = None
    host: str | None = None
    availability_zone: str | None = None
    user_id: str | None = None
    ip: str | None = None
    ip6: str | None = None


def fault_record(code: int, message: str, details: str = "") -> dict[str, Any]:
    """A server's fault as Nova shows it."""
    return {"code": code, "message": message, "details": details, "created": iso_z(utcnow())}


def not_found(server_id: str) -> errors.NotFound:
    return errors.NotFound(f"Instance {server_id} could not be found.")


# --- create ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Checked:
    """What a create request refers to, looked up before the write transaction."""

    flavor: FlavorRow
    image: ImageRow
    key_data: str | None
    group_names: list[str]
    limits: dict[str, int]
    # The project's default security group, when asked for and it exists already.
    default_group: str | None
    ports: list[networks.PortPlan]


async def create_servers(db: Database, settings: Settings, caller: Caller,
                         req: ServerRequest) -> Created:
    """Record new servers, their ports and "create" actions, and schedule them. A scheduling
    failure leaves the servers in ERROR with a fault; every other failure raises (400/403).

    What the request refers to (flavor, image, key, security groups, quota limits, zone) is
    looked up in a read session first, so that SQLite's single writer is held only for what
    must be decided under it: usage against quota, placement, addresses and the inserts; and
    creates arriving together are recorded in one write transaction (Database.grouped)."""
    async with db.reader() as s:
        checked = await _check_request(s, caller, req, await quotas.limits_for(
            s, settings, caller.project_id))
    return await db.grouped(lambda s: _record(s, settings, caller, req, checked))


async def _check_request(s: AsyncSession, caller: Caller, req: ServerRequest,
                         limits: dict[str, int]) -> _Checked:
    flavor = await _flavor(s, req.flavor_id, caller)
    image = await _image(s, req.image_id, caller, flavor)
    key = await _keypair(s, caller.user_id, req.key_name)
    group_names = await _security_groups(s, caller, req.security_groups)
    check_metadata_limit(len(req.metadata), limits["metadata_items"])
    if req.availability_zone and not await scheduler.zone_exists(s, req.availability_zone):
        raise errors.BadRequest("The requested availability zone is not available")
    default_group = None
    if groups_service.DEFAULT_NAME in group_names:
        default_group = await groups_service.find_default_group_id(s, caller.project_id)
    ports = await networks.plan_server_ports(s, project_id=caller.project_id,
                                             requests=req.networks, is_admin=caller.is_admin)
    return _Checked(flavor, image, key, group_names, limits, default_group, ports)


async def _record(s: AsyncSession, settings: Settings, caller: Caller, req: ServerRequest,
                  checked: _Checked) -> Created:
    await quotas.lock_project(s, caller.project_id)
    count = await _instance_count(s, settings, caller.project_id, checked.flavor, req,
                                  checked.limits)
    default_group = checked.default_group
    if default_group is None and groups_service.DEFAULT_NAME in checked.group_names:
        # Created on first use, as Neutron does; every new port is in it.
        default_group = await groups_service.default_group_id(s, caller.project_id)
    password = req.admin_password or generate_password()
    reservation_id = "r-" + "".join(secrets.choice(string.ascii_lowercase + string.digits)
                                    for _ in range(8))
    rows = [_new_row(req, caller, checked.flavor, checked.image, index, count)
            for index in range(count)]
    for row in rows:
        row.key_data = checked.key_data
        row.admin_password = password
        row.reservation_id = reservation_id
        row.security_groups = [{"name": name} for name in checked.group_names]
    placed = await _schedule(s, settings, rows, req, caller)
    await s.execute(_INSERT_SERVER, [_server_values(row) for row in rows])
    # Inserted without entities: name the hosts to wake at commit (PostgreSQL NOTIFY).
    for row in rows:
        wake_after_commit(s, row.host)
    if placed.group_id is not None:
        await server_groups.add_members(s, placed.group_id, [row.id for row in rows])
    for row in rows:
        if placed.ok:
            await networks.create_server_ports(
                s, server_id=row.id, project_id=caller.project_id, plans=checked.ports,
                is_admin=caller.is_admin,
                groups=None if default_group is None else [default_group])
        await instance_actions.record_action(
            s, server_id=row.id, action=Action.CREATE, request_id=caller.request_id,
            project_id=caller.project_id, user_id=caller.user_id,
            finished=(SCHEDULE_EVENT,
                      instance_actions.SUCCESS if placed.ok else instance_actions.ERROR))
    return Created(rows, password, reservation_id)


_INSERT_SERVER = insert(ServerRow.__table__)
_SERVER_COLUMNS = [(attr.key, attr.columns[0].key) for attr in inspect(ServerRow).column_attrs]


def _server_values(row: ServerRow) -> dict[str, Any]:
    """A new server's column values, for one Core INSERT (no unit of work)."""
    given = row.__dict__
    return {column: given[attr] for attr, column in _SERVER_COLUMNS if attr in given}


# The flavor and image of a create are read-only rows (columns by name, like the entities).
async def _flavor(s: AsyncSession, flavor_id: str, caller: Caller) -> Any:
    try:
        flavor = await get_flavor_row(s, flavor_id, project_id=caller.project_id,
                                      is_admin=caller.is_admin)
    except errors.NotFound:
        raise errors.BadRequest("Invalid flavorRef provided.") from None
    if flavor.disabled:
        raise errors.BadRequest("Invalid flavorRef provided.")
    return flavor


async def _image(s: AsyncSession, image_id: str, caller: Caller, flavor: Any) -> Any:
    try:
        image = await get_visible_image_row(s, image_id, project_id=caller.project_id,
                                            is_admin=caller.is_admin)
    except errors.NotFound:
        raise errors.BadRequest("Can not find requested image") from None
    if image.status != "active":
        raise errors.BadRequest(f"Image {image.id} is not active.")
    if image.min_ram > flavor.ram:
        raise errors.BadRequest("Flavor's memory is too small for requested image.")
    too_big = image.size is not None and image.size > flavor.disk * 1024**3
    if flavor.disk and (image.min_disk > flavor.disk or too_big):
        raise errors.BadRequest("Flavor's disk is too small for requested image.")
    return image


async def _keypair(s: AsyncSession, user_id: str, key_name: str | None) -> str | None:
    if key_name is None:
        return None
    try:
        return (await get_keypair(s, user_id, key_name)).public_key
    except errors.NotFound:
        raise errors.BadRequest("Invalid key_name provided.") from None


async def _security_groups(s: AsyncSession, caller: Caller, names: tuple[str, ...]) -> list[str]:
    """The project's groups by name or id ('default' is created on first use, as Neutron does)."""
    found: list[str] = []
    for name in dict.fromkeys(names):
        if name == groups_service.DEFAULT_NAME:
            found.append(name)  # created, if need be, when the servers are recorded
            continue
        match = await s.scalar(select(SecurityGroupRow.name).where(
            SecurityGroupRow.project_id == caller.project_id,
            or_(SecurityGroupRow.name == name, SecurityGroupRow.id == name)).limit(1))
        if match is None:
            raise errors.BadRequest(f"Security group {name} not found for project "
                                    f"{caller.project_id}.")
        found.append(match)
    return list(dict.fromkeys(found))


def check_metadata_limit(items: int, allowed: int) -> None:
    if 0 <= allowed < items:
        raise errors.OverLimit(f"Quota exceeded for metadata_items: Requested {items}, but "
                               f"already used 0 of {allowed} metadata_items", code=403)


async def _instance_count(s: AsyncSession, settings: Settings, project_id: str,
                          flavor: FlavorRow, req: ServerRequest, limits: dict[str, int]) -> int:
    """As many servers as asked (max_count) if quota allows, else as many as fit, at least
    min_count (Nova's multi-create). Usage is counted only against a limit that is set."""
    each = {"instances": 1, "cores": flavor.vcpus, "ram": flavor.ram}
    limited = [r for r in each if limits[r] >= 0 and each[r] > 0]
    if not limited:
        return req.max_count
    used = await quotas.server_usage(s, project_id)
    room = min((limits[r] - used[r]) // each[r] for r in limited)
    count = min(req.max_count, max(room, 0))
    if count < req.min_count:
        await quotas.check_server_quota(s, settings, project_id, instances=req.min_count,
                                        cores=flavor.vcpus * req.min_count,
                                        ram=flavor.ram * req.min_count)
        count = req.min_count
    return count


def _new_row(req: ServerRequest, caller: Caller, flavor: FlavorRow, image: ImageRow,
             index: int, count: int) -> ServerRow:
    now = utcnow()
    name = req.name if count == 1 else f"{req.name}-{index + 1}"
    server_id = str(uuid.uuid4())
    auto_disk = str(image.properties.get("auto_disk_config", "")).lower() in ("true", "1", "yes")
    snapshot = flavor_snapshot(flavor)
    return ServerRow(
        id=server_id, project_id=caller.project_id, user_id=caller.user_id, name=name,
        hostname=sanitize_hostname(name, server_id), description=req.description,
        image_id=image.id, flavor_id=flavor.id, flavor=snapshot,
        **scheduler.usage_columns(snapshot),
        vm_state=VmState.BUILDING, task_state=TaskState.SCHEDULING,
        power_state=PowerState.NOSTATE, availability_zone=req.availability_zone,
        key_name=req.key_name, user_data=req.user_data,
        config_drive="True" if req.config_drive else "",
        disk_config=req.disk_config or ("AUTO" if auto_disk else "MANUAL"),
        access_ipv4=req.access_ipv4, access_ipv6=req.access_ipv6, metadata_=dict(req.metadata),
        tags=[], progress=0, launch_index=index, locked=False, console_log="",
        created_at=now, updated_at=now, deleted=False)


def flavor_snapshot(flavor: FlavorRow) -> dict[str, Any]:
    return {"id": flavor.id, "name": flavor.name, "ram": flavor.ram, "vcpus": flavor.vcpus,
            "disk": flavor.disk, "ephemeral": flavor.ephemeral, "swap": flavor.swap,
            "rxtx_factor": flavor.rxtx_factor, "extra_specs": dict(flavor.extra_specs or {})}


@dataclass(frozen=True, slots=True)
class _Placed:
    ok: bool
    group_id: str | None


async def _schedule(s: AsyncSession, settings: Settings, rows: list[ServerRow],
                    req: ServerRequest, caller: Caller) -> _Placed:
    """Place the new (not yet inserted) servers; without a host they are ERROR with a fault."""
    rules, group_id = await server_groups.constraints(
        s, settings, req.scheduler_hints, project_id=caller.project_id, count=len(rows))
    try:
        placements = await scheduler.schedule(s, settings, rows[0].flavor, len(rows),
                                              zone=req.availability_zone,
                                              forced_host=req.forced_host, constraints=rules)
    except scheduler.NoValidHost as exc:
        for row in rows:
            row.vm_state, row.task_state = VmState.ERROR, None
            row.fault = fault_record(500, exc.message)
        return _Placed(False, group_id)
    for row, placement in zip(rows, placements, strict=True):
        row.host = row.node = placement.host
        row.availability_zone = placement.availability_zone
    return _Placed(True, group_id)


def generate_password(length: int = 12) -> str:
    """Nova's admin password: unambiguous letters and digits, one of each group at least."""
    groups = ["23456789", "ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz"]
    chars = [secrets.choice(group) for group in groups]
    chars += [secrets.choice("".join(groups)) for _ in range(length - len(groups))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def sanitize_hostname(name: str, server_id: str) -> str:
    """Nova's hostname from a display name: lower-case ASCII letters, digits, '-' and '.'."""
    text = re.sub(r"[ _]", "-", name.lower())
    text = re.sub(r"[^a-z0-9.-]+", "", text).strip(".-")[:63]
    return text or f"server-{server_id}"


def decode_user_data(text: str) -> bytes | None:
    """The decoded bytes of base64 user data; None when it is not valid base64."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


# --- read ----------------------------------------------------------------------------------------

# A timestamp column's value: a naive UTC datetime, or SQLite's text of one
# ("2012-08-20 21:11:09.000000").
Stamp = datetime | str


class ServerView(NamedTuple):
    """What the list and show views read: not the console log, diagnostics, user data, flavor
    JSON. A plain tuple: its fields read in tens of nanoseconds (a SQLAlchemy Row's attribute
    lookup costs about half a microsecond, and a detailed page reads 3,500 of them)."""

    id: str
    project_id: str
    user_id: str
    name: str
    image_id: str
    flavor_id: str
    vm_state: str
    task_state: str | None
    power_state: int
    host: str | None
    node: str | None
    availability_zone: str | None
    key_name: str | None
    config_drive: str
    disk_config: str
    access_ipv4: str
    access_ipv6: str
    metadata_: dict[str, Any]
    security_groups: list[Any]
    progress: int
    fault: dict[str, Any] | None
    launched_at: Stamp | None
    terminated_at: Stamp | None
    created_at: Stamp
    updated_at: Stamp


# Plain table columns in ServerView's order: the statements stay Core statements. Timestamps
# come as the database returns them, unconverted: on SQLite the stored text, which the views
# reshape without parsing it into a datetime and formatting it again. JSON columns come as
# text too, decoded once per distinct text of a result (_views).
_STAMPS = frozenset({"launched_at", "terminated_at", "created_at", "updated_at"})
_JSONS = ("metadata_", "security_groups", "fault")
VIEW_COLUMNS = tuple(type_coerce(column, String) if key in _STAMPS or key in _JSONS else column
                     for key, column in ((key, inspect(ServerRow).columns[key])
                                         for key in ServerView._fields))
_JSON_INDEXES = tuple(ServerView._fields.index(key) for key in _JSONS)
_servers = ServerRow.__table__.c
_SHOW = select(*VIEW_COLUMNS).where(_servers.id == bindparam("server_id"),
                                    _servers.deleted.is_(False))
_SHOW_OWN = _SHOW.where(_servers.project_id == bindparam("project_id"))
# The common listing (a project's servers, no filters), built once.
_PAGE = (select(*VIEW_COLUMNS)
         .where(_servers.project_id == bindparam("project_id"), _servers.deleted.is_(False))
         .order_by(_servers.created_at.desc(), _servers.id.desc())
         .limit(bindparam("limit")))
_PAGE_AFTER = _PAGE.where(tuple_(_servers.created_at, _servers.id)
                          < tuple_(bindparam("created_at", type_=_servers.created_at.type),
                                   bindparam("marker_id", type_=_servers.id.type)))
_ANCHOR = select(_servers.created_at, _servers.id).where(
    _servers.id == bindparam("marker_id"), _servers.project_id == bindparam("project_id"),
    _servers.deleted.is_(False))


def _views(result: Result[Any]) -> list[ServerView]:
    """The rows as ServerViews. A page's servers mostly share their security groups, metadata
    and fault texts: each distinct text is decoded once, and its value shared by the rows that
    hold it (views read these values, never change them)."""
    decoded: dict[str, Any] = {}
    return [_view(row, decoded) for row in result.all()]


def _view(row: Row[Any], decoded: dict[str, Any]) -> ServerView:
    values = list(row)
    for index in _JSON_INDEXES:
        text = values[index]
        if isinstance(text, str):
            value = decoded.get(text)
            if value is None:
                value = decoded[text] = orjson.loads(text)
            values[index] = value
    return ServerView._make(values)


async def get_server(s: AsyncSession, server_id: str, *, project_id: str,
                     is_admin: bool) -> ServerRow:
    query = select(ServerRow).where(ServerRow.id == server_id, ServerRow.deleted.is_(False))
    if not is_admin:
        query = query.where(ServerRow.project_id == project_id)
    row = await s.scalar(query)
    if row is None:
        raise not_found(server_id)
    return row


async def get_server_view(s: AsyncSession, server_id: str, *, project_id: str,
                          is_admin: bool) -> ServerView:
    """The columns the server views show (GET /servers/{id}), without the large ones."""
    if is_admin:
        row = (await s.execute(_SHOW, {"server_id": server_id})).first()
    else:
        row = (await s.execute(_SHOW_OWN, {"server_id": server_id,
                                           "project_id": project_id})).first()
    if row is None:
        raise not_found(server_id)
    return _view(row, {})


async def list_servers(s: AsyncSession, f: ServerFilters, *, limit: int,
                       marker: str | None) -> list[ServerView]:
    """Newest first, with the view columns. Regular expressions (name, ip, ip6) are matched
    here, not in SQL."""
    if f == ServerFilters(f.project_id) and f.project_id is not None:
        return await _page(s, f.project_id, limit, marker)
    conditions = _conditions(f)
    if conditions is None:
        return []
    query = select(*VIEW_COLUMNS).where(*conditions)
    if marker is not None:
        anchor = (await s.execute(select(ServerRow.created_at, ServerRow.id)
                                  .where(ServerRow.id == marker, *_scope(f)))).first()
        if anchor is None:
            raise errors.BadRequest(f"marker [{marker}] not found")
        # A row value keeps the (project_id, deleted, created_at, id) index range.
        query = query.where(tuple_(ServerRow.created_at, ServerRow.id) < tuple_(*anchor))
    query = query.order_by(ServerRow.created_at.desc(), ServerRow.id.desc())
    if not (f.name or f.ip or f.ip6):
        return _views(await s.execute(query.limit(limit)))
    rows = [r for r in _views(await s.execute(query)) if _search(f.name, r.name)]
    if f.ip or f.ip6:
        addresses = await networks.server_addresses(s, [r.id for r in rows])
        rows = [r for r in rows if _address_matches(f, addresses.get(r.id, []))]
    return rows[:limit]


async def _page(s: AsyncSession, project_id: str, limit: int,
                marker: str | None) -> list[ServerView]:
    """A project's servers without filters, with the prebuilt statements."""
    if marker is None:
        return _views(await s.execute(_PAGE, {"project_id": project_id, "limit": limit}))
    anchor = (await s.execute(_ANCHOR, {"marker_id": marker, "project_id": project_id})).first()
    if anchor is None:
        raise errors.BadRequest(f"marker [{marker}] not found")
    return _views(await s.execute(_PAGE_AFTER, {"project_id": project_id, "limit": limit,
                                                "created_at": anchor.created_at,
                                                "marker_id": anchor.id}))


def _scope(f: ServerFilters) -> list[ColumnElement[bool]]:
    scope = [] if f.project_id is None else [ServerRow.project_id == f.project_id]
    if f.changes_since is None:
        scope.append(ServerRow.deleted.is_(False))
    return scope


def _conditions(f: ServerFilters) -> list[ColumnElement[bool]] | None:
    conditions = _scope(f)
    if f.changes_since is not None:
        conditions.append(ServerRow.updated_at >= f.changes_since)
    for column, value in ((ServerRow.image_id, f.image_id), (ServerRow.flavor_id, f.flavor_id),
                          (ServerRow.reservation_id, f.reservation_id), (ServerRow.host, f.host),
                          (ServerRow.availability_zone, f.availability_zone),
                          (ServerRow.user_id, f.user_id)):
        if value is not None:
            conditions.append(column == value)
    if f.statuses:
        status = _status_condition(f.statuses)
        if status is None:
            return None
        conditions.append(status)
    return conditions


def _status_condition(statuses: tuple[str, ...]) -> ColumnElement[bool] | None:
    clauses: list[ColumnElement[bool]] = []
    for status in statuses:
        for match in status_matches(status):
            task = ServerRow.task_state
            either = [task.in_([t.value for t in match.tasks])] if match.tasks else []
            if match.default and match.excluded:
                either.append(or_(task.is_(None), task.not_in([t.value for t in match.excluded])))
            elif match.default:
                either.append(true())
            clauses.append(and_(ServerRow.vm_state == match.vm_state.value, or_(*either)))
    return or_(*clauses) if clauses else None


def _search(pattern: str | None, text: str) -> bool:
    if pattern is None:
        return True
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return pattern in text


def _address_matches(f: ServerFilters, addresses: list[networks.Address]) -> bool:
    return any((f.ip and a.version == 4 and _search(f.ip, a.addr))
               or (f.ip6 and a.version == 6 and _search(f.ip6, a.addr)) for a in addresses)


# --- update, delete ------------------------------------------------------------------------------


async def update_server(s: AsyncSession, row: ServerRow, changes: dict[str, Any]) -> ServerRow:
    """Set display fields (name, access_ipv4, access_ipv6, disk_config, description)."""
    for column, value in changes.items():
        setattr(row, column, value)
    row.updated_at = utcnow()
    await s.flush()
    return row


def check_unlocked(row: ServerRow, caller: Caller) -> None:
    if row.locked and not caller.is_admin:
        raise errors.Conflict(f"Instance {row.id} is locked")


async def request_action(s: AsyncSession, row: ServerRow, action: Action, *,
                         pending: dict[str, Any] | None = None) -> None:
    """Record intent: set the action's task_state if the row's states allow it, in one
    conditional UPDATE (Nova's expected_task_state). 409 when they do not."""
    transition = TRANSITIONS[action]
    conditions = [ServerRow.id == row.id, ServerRow.deleted.is_(False),
                  ServerRow.vm_state.in_([v.value for v in transition.allowed])]
    if transition.from_tasks != ANY_TASK:
        tasks = [t.value for t in transition.from_tasks if t is not None]
        idle = [ServerRow.task_state.is_(None)] if None in transition.from_tasks else []
        conditions.append(or_(ServerRow.task_state.in_(tasks), *idle))
    result = await s.execute(
        update(ServerRow).where(*conditions)
        .values(task_state=transition.task.value, pending=pending, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    await s.refresh(row)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        attribute = "vm_state" if row.vm_state not in transition.allowed else "task_state"
        state = row.vm_state if attribute == "vm_state" else row.task_state
        raise errors.Conflict(f"Cannot '{action}' instance {row.id} while it is in "
                              f"{attribute} {state}")


async def request_delete(s: AsyncSession, settings: Settings, caller: Caller,
                         server_id: str, *, force: bool = False) -> str | None:
    """Record the intent to delete; returns the host whose agent must act (None when the
    server had no host or its host is down: then it is deleted here, as Nova's local delete).
    With reclaim_instance_interval_s > 0 a launched server is soft-deleted unless `force`."""
    row = await get_server(s, server_id, project_id=caller.project_id, is_admin=caller.is_admin)
    check_unlocked(row, caller)
    if not force and settings.reclaim_instance_interval_s > 0 and row.launched_at is not None \
            and row.host is not None and await scheduler.host_is_up(s, settings, row.host):
        return await _soft_delete(s, settings, caller, row)
    if row.task_state == TaskState.DELETING and row.host is not None \
            and await scheduler.host_is_up(s, settings, row.host):
        return row.host
    await instance_actions.record_action(s, server_id=row.id, action=Action.DELETE,
                                         request_id=caller.request_id,
                                         project_id=caller.project_id, user_id=caller.user_id)
    await _forget_shelved_image(s, row)
    if row.host is None or not await scheduler.host_is_up(s, settings, row.host):
        await mark_deleted(s, row)
        return None
    await request_action(s, row, Action.DELETE)
    return row.host


async def _forget_shelved_image(s: AsyncSession, row: ServerRow) -> None:
    """A shelved server's "<name>-shelved" snapshot is deleted with it, as Nova does (the
    record only: its data file is left in the image store)."""
    image_id = (row.pending or {}).get("shelved_image_id")
    if not image_id or row.vm_state not in (VmState.SHELVED, VmState.SHELVED_OFFLOADED):
        return
    image = await s.get(ImageRow, str(image_id))
    if image is not None and not image.deleted:
        now = utcnow()
        image.status, image.deleted, image.deleted_at, image.updated_at = "deleted", True, now, now


async def _soft_delete(s: AsyncSession, settings: Settings, caller: Caller,
                       row: ServerRow) -> str | None:
    """Nova's deferred delete: SOFT_DELETED until the agent reclaims it (or it is restored)."""
    if row.vm_state == VmState.SOFT_DELETED and row.task_state is None:
        return None
    await instance_actions.record_action(s, server_id=row.id, action=Action.DELETE,
                                         request_id=caller.request_id,
                                         project_id=caller.project_id, user_id=caller.user_id)
    await request_action(s, row, Action.SOFT_DELETE, pending={
        "action": Action.SOFT_DELETE.value,
        "reclaim_after_s": settings.reclaim_instance_interval_s})
    return row.host


async def mark_deleted(s: AsyncSession, row: ServerRow) -> None:
    """Release the server's ports and soft-delete its row (it stays for changes-since)."""
    await networks.release_server_ports(s, row.id)
    now = utcnow()
    row.vm_state, row.task_state, row.power_state = VmState.DELETED, None, PowerState.NOSTATE
    row.deleted, row.deleted_at, row.terminated_at, row.updated_at = True, now, now, now
    await s.flush()


# --- metadata ------------------------------------------------------------------------------------


def _check_metadata_state(row: ServerRow, action: str) -> None:
    if row.vm_state not in METADATA_VM_STATES:
        raise errors.Conflict(f"Cannot '{action}' instance {row.id} while it is in vm_state "
                              f"{row.vm_state}")
    if row.task_state is not None:
        raise errors.Conflict(f"Cannot '{action}' instance {row.id} while it is in task_state "
                              f"{row.task_state}")


async def set_metadata(s: AsyncSession, settings: Settings, caller: Caller, row: ServerRow,
                       items: dict[str, str], *, replace: bool) -> dict[str, str]:
    """Merge `items` into the metadata (or replace it all); returns the whole new metadata."""
    check_unlocked(row, caller)
    _check_metadata_state(row, "update metadata")
    merged = dict(items) if replace else {**row.metadata_, **items}
    limits = await quotas.limits_for(s, settings, row.project_id)
    check_metadata_limit(len(merged), limits["metadata_items"])
    row.metadata_ = merged
    row.updated_at = utcnow()
    await s.flush()
    return merged


def metadata_item(row: ServerRow, key: str) -> str:
    if key not in row.metadata_:
        raise errors.NotFound("Metadata item was not found")
    return str(row.metadata_[key])


async def delete_metadata_item(s: AsyncSession, caller: Caller, row: ServerRow, key: str) -> None:
    metadata_item(row, key)
    check_unlocked(row, caller)
    _check_metadata_state(row, "delete metadata")
    row.metadata_ = {k: v for k, v in row.metadata_.items() if k != key}
    row.updated_at = utcnow()
    await s.flush()
