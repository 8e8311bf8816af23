"""Servers as the API reads them: one server, a page of servers with Nova's filters, and their
addresses. A tenant sees only its own project's servers; admins see every project's.

The show and list statements are Core statements built once, reading only the columns the
views show (ServerView), so that these reads cost little more than the database's own work.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, NamedTuple, TypeVar

import orjson
from sqlalchemy import (
    ColumnElement,
    Result,
    String,
    and_,
    bindparam,
    inspect,
    null,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import status_matches
from pocketstack.db.models import HostRow, ImageRow, ServerGroupMemberRow, ServerRow
from pocketstack.services import networks
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.networks import Address
from pocketstack.services.policy import authorize
from pocketstack.settings import Settings
from pocketstack.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class ServerFilters:
    """Nova's list filters. `equal` and `match` hold the other filters by Nova's query name
    (EQUAL_COLUMNS, MATCH_COLUMNS): `equal` compares a column's value, `match` searches its
    text with a regular expression, as Nova's database filters do."""

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
    changes_before: datetime | None = None
    locked: bool | None = None
    # True: deleted servers only; False: live ones only; None: live ones unless changes-since
    # or changes-before asks for recent deletions too.
    deleted: bool | None = None
    # tags: all of them; tags_any: one of them; not_tags: not all of them; not_tags_any: none.
    tags: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    not_tags: tuple[str, ...] = ()
    not_tags_any: tuple[str, ...] = ()
    equal: tuple[tuple[str, str], ...] = ()
    match: tuple[tuple[str, str], ...] = ()


NO_FILTERS = ServerFilters()

# Nova's filter names and the columns they read: compared exactly, or searched as text.
EQUAL_COLUMNS = {"uuid": "id", "vm_state": "vm_state", "task_state": "task_state"}
MATCH_COLUMNS = {
    "hostname": "hostname", "key_name": "key_name", "power_state": "power_state",
    "node": "node", "launched_at": "launched_at", "terminated_at": "terminated_at",
    "created_at": "created_at", "description": "description",
    "display_description": "description", "display_name": "name", "locked_by": "locked_by",
    "config_drive": "config_drive", "access_ip_v4": "access_ipv4",
    "access_ip_v6": "access_ipv6", "progress": "progress", "launch_index": "launch_index",
}
# Nova's sort keys and the columns they order by (keys without a column here are ignored).
SORT_COLUMNS = {
    "access_ip_v4": "access_ipv4", "access_ip_v6": "access_ipv6",
    "auto_disk_config": "disk_config", "availability_zone": "availability_zone",
    "config_drive": "config_drive", "created_at": "created_at",
    "display_description": "description", "display_name": "name", "host": "host",
    "hostname": "hostname", "image_ref": "image_id", "instance_type_id": "flavor_id",
    "key_name": "key_name", "launch_index": "launch_index", "launched_at": "launched_at",
    "locked_by": "locked_by", "locked": "locked", "node": "node",
    "power_state": "power_state", "progress": "progress", "project_id": "project_id",
    "task_state": "task_state", "terminated_at": "terminated_at", "updated_at": "updated_at",
    "user_id": "user_id", "uuid": "id", "vm_state": "vm_state",
}


@dataclass(frozen=True, slots=True)
class Wants:
    """What server views after 2.1 show besides ServerView's columns: the detailed columns
    (ServerDetailView), each host's status, each server's groups, its image's properties."""

    columns: bool = False
    host_status: bool = False
    server_groups: bool = False
    images: bool = False
    # The detailed columns with user_data (admins' views; it may be 64 KB a server).
    user_data: bool = False


@dataclass(frozen=True, slots=True)
class Related:
    """What `Wants` asked for, for the servers of one response: host_status by host name,
    server_groups by server id (None when not loaded: lists do not show it), image
    properties by image id."""

    host_status: dict[str, str]
    server_groups: dict[str, list[str]] | None
    image_properties: dict[str, dict[str, Any]]


NOTHING_RELATED = Related({}, None, {})


@dataclass(frozen=True, slots=True)
class ServerQuery:
    """A page of servers: newest first (or in `sort` order: Nova's sort keys with "asc" or
    "desc"), after the `marker` server, at most `limit`. With `all_tenants` (admins), every
    project's or, with `tenant_id`, that project's. `wants`: what the views show beyond 2.1."""

    filters: ServerFilters
    limit: int
    marker: str | None = None
    all_tenants: bool = False
    tenant_id: str | None = None
    sort: tuple[tuple[str, str], ...] = ()
    wants: Wants | None = None


def not_found(server_id: str) -> errors.NotFound:
    return errors.NotFound(f"Instance {server_id} could not be found.")


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
    volumes_attached: list[Any]


class ServerDetailView(NamedTuple):
    """ServerView's fields (in its order), then what the views after 2.1 show as well."""

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
    volumes_attached: list[Any]
    hostname: str
    description: str | None
    locked: bool
    locked_reason: str | None
    tags: list[Any]
    reservation_id: str
    launch_index: int
    user_data: str | None
    flavor: dict[str, Any]
    trusted_image_certificates: list[Any] | None
    pinned_availability_zone: str | None
    scheduler_hints: dict[str, Any] | None


AnyView = ServerView | ServerDetailView

# Plain table columns in ServerView's order: the statements stay Core statements. Timestamps
# come as the database returns them, unconverted: on SQLite the stored text, which the views
# reshape without parsing it into a datetime and formatting it again. JSON columns come as
# text too, decoded once per distinct text of a result (_views).
_STAMPS = frozenset({"launched_at", "terminated_at", "created_at", "updated_at"})
_JSONS = ("metadata_", "security_groups", "fault", "volumes_attached")
_DETAIL_JSONS = (*_JSONS, "tags", "flavor", "trusted_image_certificates", "scheduler_hints")
_servers = ServerRow.__table__.c


def _column(key: str) -> Any:
    column = inspect(ServerRow).columns[key]
    return type_coerce(column, String) if key in _STAMPS or key in _DETAIL_JSONS else column


VIEW_COLUMNS = tuple(_column(key) for key in ServerView._fields)
DETAIL_COLUMNS = tuple(_column(key) for key in ServerDetailView._fields)
# The same without reading user_data (always None).
_DETAIL_COLUMNS_NO_USER_DATA = tuple(type_coerce(null(), String).label(key) if key == "user_data"
                                     else column
                                     for key, column in zip(ServerDetailView._fields,
                                                            DETAIL_COLUMNS, strict=True))
_JSON_INDEXES = tuple(ServerView._fields.index(key) for key in _JSONS)
_DETAIL_JSON_INDEXES = tuple(ServerDetailView._fields.index(key) for key in _DETAIL_JSONS)


@dataclass(frozen=True, slots=True)
class _Shape:
    """The columns a statement reads and the view its rows become."""
    columns: tuple[Any, ...]
    fields: tuple[str, ...]
    json_indexes: tuple[int, ...]
    make: Any


_BRIEF = _Shape(VIEW_COLUMNS, ServerView._fields, _JSON_INDEXES, ServerView._make)
_DETAILED = _Shape(DETAIL_COLUMNS, ServerDetailView._fields, _DETAIL_JSON_INDEXES,
                   ServerDetailView._make)
_DETAILED_NO_USER_DATA = _Shape(_DETAIL_COLUMNS_NO_USER_DATA, ServerDetailView._fields,
                                _DETAIL_JSON_INDEXES, ServerDetailView._make)
_SHAPES = (_BRIEF, _DETAILED, _DETAILED_NO_USER_DATA)


def _shape(wants: Wants | None) -> _Shape:
    if wants is None or not wants.columns:
        return _BRIEF
    return _DETAILED if wants.user_data else _DETAILED_NO_USER_DATA


def _show(shape: _Shape) -> tuple[Any, Any]:
    show = select(*shape.columns).where(_servers.id == bindparam("server_id"),
                                        _servers.deleted.is_(False))
    return show, show.where(_servers.project_id == bindparam("project_id"))


_SHOWS = {id(shape): _show(shape) for shape in _SHAPES}
# The common listing (a project's servers, no filters), built once for each shape.
def _pages(shape: _Shape) -> tuple[Any, Any]:
    page = (select(*shape.columns)
            .where(_servers.project_id == bindparam("project_id"), _servers.deleted.is_(False))
            .order_by(_servers.created_at.desc(), _servers.id.desc())
            .limit(bindparam("limit")))
    after = page.where(tuple_(_servers.created_at, _servers.id)
                       < tuple_(bindparam("created_at", type_=_servers.created_at.type),
                                bindparam("marker_id", type_=_servers.id.type)))
    return page, after


_PAGES = {id(shape): _pages(shape) for shape in _SHAPES}
_ANCHOR = select(_servers.created_at, _servers.id).where(
    _servers.id == bindparam("marker_id"), _servers.project_id == bindparam("project_id"),
    _servers.deleted.is_(False))


def _views(result: Result[Any], shape: _Shape = _BRIEF) -> list[Any]:
    """The rows as views. A page's servers mostly share their security groups, metadata
    and fault texts: each distinct text is decoded once, and its value shared by the rows that
    hold it (views read these values, never change them)."""
    decoded: dict[str, Any] = {}
    return [_view(list(row), decoded, shape) for row in result.all()]


def _view(values: list[Any], decoded: dict[str, Any], shape: _Shape = _BRIEF) -> Any:
    for index in shape.json_indexes:
        text = values[index]
        if isinstance(text, str):
            value = decoded.get(text)
            if value is None:
                value = decoded[text] = orjson.loads(text)
            values[index] = value
    return shape.make(values)


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
                          is_admin: bool, wants: Wants | None = None) -> Any:
    """The columns the server views show (GET /servers/{id}), without the large ones: a
    ServerView, or a ServerDetailView when `wants` asks for the detailed columns."""
    shape = _shape(wants)
    show, show_own = _SHOWS[id(shape)]
    if is_admin:
        row = (await s.execute(show, {"server_id": server_id})).first()
    else:
        row = (await s.execute(show_own, {"server_id": server_id,
                                          "project_id": project_id})).first()
    if row is None:
        raise not_found(server_id)
    return _view(list(row), {}, shape)


async def query_servers(s: AsyncSession, project_id: str | None, f: ServerFilters, *,
                        limit: int, marker: str | None,
                        sort: tuple[tuple[str, str], ...] = (),
                        wants: Wants | None = None) -> list[Any]:
    """Newest first (or in `sort` order), with the view columns; `project_id` None: every
    project's. Regular expressions (name, ip, ip6, `match`) and tags are matched here, not in
    SQL."""
    shape = _shape(wants)
    if f == NO_FILTERS and project_id is not None and not sort:
        return await _page(s, project_id, limit, marker, shape)
    if limit == 0:
        return []
    conditions = _conditions(project_id, f)
    if conditions is None:
        return []
    order = _order(sort)
    extra = _filter_columns(f, shape)
    query = select(*shape.columns, *(_column(key) for key in extra)).where(*conditions)
    if marker is not None:
        anchor = (await s.execute(select(*(column for column, _ in order))
                                  .where(ServerRow.id == marker, *_scope(project_id, f)))).first()
        if anchor is None:
            raise errors.BadRequest(f"marker [{marker}] not found")
        query = query.where(_after(order, tuple(anchor)))
    query = query.order_by(*(column.desc() if descending else column.asc()
                             for column, descending in order))
    in_python = bool(f.name or f.ip or f.ip6 or f.match or f.tags or f.tags_any or f.not_tags
                     or f.not_tags_any)
    result = await s.execute(query if in_python else query.limit(limit))
    if not in_python:
        return _views(result, shape)
    width = len(shape.columns)
    index = {key: shape.fields.index(key) if key in shape.fields else width + extra.index(key)
             for key in {"name", *extra, *(MATCH_COLUMNS[k] for k, _ in f.match),
                         *(("tags",) if _tag_filtered(f) else ())}}
    decoded: dict[str, Any] = {}
    rows = [values for values in map(list, result.all()) if _row_matches(f, values, index, decoded)]
    views = [_view(values[:width], decoded, shape) for values in rows]
    if f.ip or f.ip6:
        addresses = await networks.server_addresses(s, [r.id for r in views])
        views = [r for r in views if _address_matches(f, addresses.get(r.id, []))]
    return views[:limit]


async def _page(s: AsyncSession, project_id: str, limit: int, marker: str | None,
                shape: _Shape) -> list[Any]:
    """A project's servers without filters, with the prebuilt statements."""
    page, after = _PAGES[id(shape)]
    if marker is None:
        return _views(await s.execute(page, {"project_id": project_id, "limit": limit}), shape)
    anchor = (await s.execute(_ANCHOR, {"marker_id": marker, "project_id": project_id})).first()
    if anchor is None:
        raise errors.BadRequest(f"marker [{marker}] not found")
    return _views(await s.execute(after, {"project_id": project_id, "limit": limit,
                                          "created_at": anchor.created_at,
                                          "marker_id": anchor.id}), shape)


def _tag_filtered(f: ServerFilters) -> bool:
    return bool(f.tags or f.tags_any or f.not_tags or f.not_tags_any)


def _filter_columns(f: ServerFilters, shape: _Shape) -> tuple[str, ...]:
    """The columns the filters matched here read that the view does not."""
    wanted = [MATCH_COLUMNS[key] for key, _ in f.match]
    if _tag_filtered(f):
        wanted.append("tags")
    return tuple(dict.fromkeys(key for key in wanted if key not in shape.fields))


def _row_matches(f: ServerFilters, values: list[Any], index: dict[str, int],
                 decoded: dict[str, Any]) -> bool:
    if f.name is not None and not _search(f.name, values[index["name"]]):
        return False
    for key, pattern in f.match:
        value = values[index[MATCH_COLUMNS[key]]]
        if value is None or not _search(pattern, _text(value)):
            return False
    if _tag_filtered(f):
        text = values[index["tags"]]
        tags = set((orjson.loads(text) if isinstance(text, str) else text) or ())
        if f.tags and not tags.issuperset(f.tags):
            return False
        if f.tags_any and tags.isdisjoint(f.tags_any):
            return False
        if f.not_tags and tags.issuperset(f.not_tags):
            return False
        if f.not_tags_any and not tags.isdisjoint(f.not_tags_any):
            return False
    return True


def _text(value: Any) -> str:
    """A column's value as the database's text of it (booleans as 0 and 1)."""
    if isinstance(value, bool):
        return str(int(value))
    return str(value)


def _order(sort: tuple[tuple[str, str], ...]) -> list[tuple[Any, bool]]:
    """(column, descending) pairs: the keys asked for, then created_at and id in the first
    direction asked (newest first without any), as Nova completes a sort."""
    order: list[tuple[Any, bool]] = []
    seen: set[str] = set()
    for key, direction in sort:
        name = SORT_COLUMNS.get(key)
        if name is not None and name not in seen:
            seen.add(name)
            order.append((getattr(ServerRow, name), direction == "desc"))
    descending = sort[0][1] == "desc" if sort else True
    for name in ("created_at", "id"):
        if name not in seen:
            order.append((getattr(ServerRow, name), descending))
    return order


def _after(order: list[tuple[Any, bool]], anchor: tuple[Any, ...]) -> ColumnElement[bool]:
    """The rows after the marker's values in this order."""
    if all(descending for _, descending in order):
        # A row value keeps the (project_id, deleted, created_at, id) index range.
        return tuple_(*(column for column, _ in order)) < tuple_(*anchor)
    either: list[ColumnElement[bool]] = []
    for i, (column, descending) in enumerate(order):
        same = [c == v for (c, _), v in zip(order[:i], anchor[:i], strict=True)]
        either.append(and_(*same, column < anchor[i] if descending else column > anchor[i]))
    return or_(*either)


def _scope(project_id: str | None, f: ServerFilters) -> list[ColumnElement[bool]]:
    scope = [] if project_id is None else [ServerRow.project_id == project_id]
    if f.deleted is not None:
        scope.append(ServerRow.deleted.is_(f.deleted))
    elif f.changes_since is None and f.changes_before is None:
        scope.append(ServerRow.deleted.is_(False))
    return scope


def _conditions(project_id: str | None, f: ServerFilters) -> list[ColumnElement[bool]] | None:
    conditions = _scope(project_id, f)
    if f.changes_since is not None:
        conditions.append(ServerRow.updated_at >= f.changes_since)
    if f.changes_before is not None:
        conditions.append(ServerRow.updated_at <= f.changes_before)
    for column, value in ((ServerRow.image_id, f.image_id), (ServerRow.flavor_id, f.flavor_id),
                          (ServerRow.reservation_id, f.reservation_id), (ServerRow.host, f.host),
                          (ServerRow.availability_zone, f.availability_zone),
                          (ServerRow.user_id, f.user_id)):
        if value is not None:
            conditions.append(column == value)
    if f.locked is not None:
        conditions.append(ServerRow.locked == f.locked)
    for key, value in f.equal:
        conditions.append(getattr(ServerRow, EQUAL_COLUMNS[key]) == value)
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
            either: list[ColumnElement[bool]] = \
                [task.in_([t.value for t in match.tasks])] if match.tasks else []
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


def _address_matches(f: ServerFilters, addresses: list[Address]) -> bool:
    return any((f.ip and a.version == 4 and _search(f.ip, a.addr))
               or (f.ip6 and a.version == 6 and _search(f.ip6, a.addr)) for a in addresses)


# --- what views after 2.1 show besides the server's columns -----------------------------------

# The image properties Nova keeps with a server and shows in its `image` (2.98): the names of
# its image metadata fields, and their older spellings; not the large block device mappings.
SHOWN_IMAGE_PROPERTIES = frozenset("""
    hw_architecture hw_emulation_architecture hw_auto_disk_config hw_boot_menu hw_cdrom_bus
    hw_cpu_cores hw_cpu_sockets hw_cpu_max_cores hw_cpu_max_sockets hw_cpu_max_threads
    hw_cpu_policy hw_cpu_thread_policy hw_cpu_realtime_mask hw_cpu_threads hw_device_id
    hw_disk_bus hw_disk_type hw_floppy_bus hw_firmware_type hw_firmware_stateless hw_input_bus
    hw_ipxe_boot hw_locked_memory hw_machine_type hw_mem_encryption hw_mem_encryption_model
    hw_mem_page_size hw_numa_nodes hw_numa_cpus hw_numa_mem hw_pci_numa_affinity_policy
    hw_pointer_model hw_pmu hw_qemu_guest_agent hw_rescue_bus hw_rescue_device hw_rng_model
    hw_time_hpet hw_serial_port_count hw_scsi_model hw_video_model hw_video_ram hw_vif_model
    hw_viommu_model hw_vm_mode hw_watchdog_action hw_vif_multiqueue_enabled hw_tpm_model
    hw_tpm_version hw_ephemeral_encryption hw_ephemeral_encryption_format
    hw_ephemeral_encryption_secret_uuid hw_virtio_packed_ring hw_maxphysaddr_mode
    hw_maxphysaddr_bits hw_sound_model hw_usb_model hw_redirected_usb_ports img_bittorrent
    img_bdm_v2 img_cache_in_nova img_compression_level img_hv_requested_version img_hv_type
    img_config_drive img_linked_clone img_owner_id img_root_device_name img_use_agent
    img_version img_signature img_signature_hash_method img_signature_certificate_uuid
    img_signature_key_type img_hide_hypervisor_id os_admin_user os_command_line os_distro
    os_require_quiesce os_secure_boot os_skip_agent_inject_files_at_boot
    os_skip_agent_inject_ssh os_type traits_required
    architecture owner_id vmware_disktype vmware_image_version vmware_ostype auto_disk_config
    ipxe_boot xenapi_device_id xenapi_image_compression_level vmware_linked_clone
    xenapi_use_agent xenapi_skip_agent_inject_ssh xenapi_skip_agent_inject_files_at_boot
    cache_in_nova vm_mode bittorrent bdm_v2 root_device_name hypervisor_version_requires
    hypervisor_type
""".split())


def shown_image_properties(properties: dict[str, Any]) -> dict[str, str]:
    """An image's properties as a server's `image.properties` shows them: the known names,
    each value as text of at most 255 characters."""
    return {key: str(value)[:255] for key, value in properties.items()
            if key in SHOWN_IMAGE_PROPERTIES and value is not None}


def host_status(host: Any, now: datetime, down_time_s: float) -> str:
    """Nova's host_status of a compute host (a HostRow or a row of its columns)."""
    if host.forced_down:
        return "DOWN"
    if not host.enabled:
        return "MAINTENANCE"
    return "UP" if host.heartbeat_at >= now - timedelta(seconds=down_time_s) else "UNKNOWN"


async def load_related(s: AsyncSession, settings: Settings, rows: Sequence[Any],
                       wants: Wants | None) -> Related:
    """What `wants` asks for about these servers (rows, or views of them)."""
    if wants is None or not (wants.host_status or wants.server_groups or wants.images):
        return NOTHING_RELATED
    statuses: dict[str, str] = {}
    hosts = {r.host for r in rows if r.host}
    if wants.host_status and hosts:
        now = utcnow()
        found = await s.execute(select(HostRow.name, HostRow.enabled, HostRow.forced_down,
                                       HostRow.heartbeat_at).where(HostRow.name.in_(hosts)))
        statuses = {h.name: host_status(h, now, settings.service_down_time_s) for h in found}
    groups: dict[str, list[str]] | None = None
    if wants.server_groups:
        groups = {r.id: [] for r in rows}
        members = await s.execute(
            select(ServerGroupMemberRow.server_id, ServerGroupMemberRow.group_id)
            .where(ServerGroupMemberRow.server_id.in_(list(groups)))
            .order_by(ServerGroupMemberRow.group_id))
        for server_id, group_id in members:
            groups[server_id].append(group_id)
    properties: dict[str, dict[str, Any]] = {}
    images = {r.image_id for r in rows if r.image_id}
    if wants.images and images:
        found_images = await s.execute(select(ImageRow.id, ImageRow.properties)
                                       .where(ImageRow.id.in_(images)))
        properties = {image_id: dict(props or {}) for image_id, props in found_images}
    return Related(statuses, groups, properties)


# --- use cases -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServerPage:
    servers: list[Any]
    # Each server's addresses, when asked for (the detailed listing).
    addresses: dict[str, list[Address]]
    related: Related = NOTHING_RELATED


S = TypeVar("S", ServerRow, ServerView, ServerDetailView)


@dataclass(frozen=True, slots=True)
class AddressedServer(Generic[S]):
    """A server (its row, or its view columns) and its addresses: what a server view shows;
    with what the views after 2.1 show about it, when asked for."""

    server: S
    addresses: list[Address]
    related: Related = NOTHING_RELATED


async def list_servers(cloud: Cloud, caller: Caller, query: ServerQuery, *,
                       with_addresses: bool) -> ServerPage:
    """GET /servers (and /servers/detail, `with_addresses`)."""
    authorize(caller, "compute:servers:index")
    project_id: str | None = caller.project_id
    if query.all_tenants:
        authorize(caller, "compute:servers:all_tenants")
        project_id = query.tenant_id
    async with cloud.db.reader() as s:
        rows = await query_servers(s, project_id, query.filters, limit=query.limit,
                                   marker=query.marker, sort=query.sort, wants=query.wants)
        found = await networks.server_addresses(s, [r.id for r in rows]) if with_addresses else {}
        related = await load_related(s, cloud.settings, rows, query.wants)
    return ServerPage(rows, found, related)


async def show_server(cloud: Cloud, caller: Caller, server_id: str,
                      wants: Wants | None = None) -> AddressedServer[Any]:
    """GET /servers/{id}: the view columns (the detailed ones, and what else `wants` asks
    for) and the addresses."""
    authorize(caller, "compute:servers:show")
    async with cloud.db.reader() as s:
        row = await get_server_view(s, server_id, project_id=caller.project_id,
                                    is_admin=caller.is_admin, wants=wants)
        found = await networks.server_addresses(s, [row.id])
        related = await load_related(s, cloud.settings, [row], wants)
    return AddressedServer(row, found[row.id], related)


async def server_addresses(cloud: Cloud, caller: Caller, server_id: str) -> list[Address]:
    """The caller's server's addresses (os-ips)."""
    authorize(caller, "compute:ips:index")
    async with cloud.db.reader() as s:
        row = await get_server(s, server_id, project_id=caller.project_id,
                               is_admin=caller.is_admin)
        found = await networks.server_addresses(s, [row.id])
    return found[row.id]


async def load(s: AsyncSession, caller: Caller, server_id: str) -> ServerRow:
    """The caller's server (any project's for an admin); 404 for another project's."""
    return await get_server(s, server_id, project_id=caller.project_id, is_admin=caller.is_admin)
