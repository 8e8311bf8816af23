"""Creating servers: validation, quota, scheduling, ports and the "create" action records in
one write transaction shared with the creates arriving together (Database.grouped).

The servers are recorded building and scheduled; the agent on each one's host builds it.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import string
import uuid
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, insert, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.compute_states import Action, PowerState, TaskState, VmState
from pocketstack.db.models import FlavorRow, ImageRow, SecurityGroupRow, ServerRow
from pocketstack.db.wakes import wake_after_commit
from pocketstack.services import (
    instance_actions,
    networks,
    quotas,
    scheduler,
    server_block_devices,
    server_groups,
)
from pocketstack.services import security_groups as groups_service
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.flavors import get_flavor_row
from pocketstack.services.images import get_visible_image_row
from pocketstack.services.keypairs import get_keypair
from pocketstack.services.policy import authorize
from pocketstack.services.server_block_devices import BlockDevice
from pocketstack.services.server_lifecycle import fault_record
from pocketstack.services.server_metadata import check_metadata_limit
from pocketstack.settings import Settings
from pocketstack.timeutil import utcnow

SCHEDULE_EVENT = "conductor_schedule_and_build_instances"


@dataclass(frozen=True, slots=True)
class ServerRequest:
    name: str
    image_id: str
    flavor_id: str
    metadata: dict[str, str] = field(default_factory=dict)
    key_name: str | None = None
    user_data: str | None = None
    config_drive: bool = False
    # Personality files: (path, base64 contents), written on the config drive.
    personality: tuple[tuple[str, str], ...] = ()
    disk_config: str | None = None
    availability_zone: str | None = None
    forced_host: str | None = None
    # None: the one network the project may use, if any (`auto_network`: there must be
    # one, Nova's "auto"); []: no network ("none").
    networks: list[networks.NetworkRequest] | None = None
    auto_network: bool = False
    security_groups: tuple[str, ...] = ("default",)
    min_count: int = 1
    max_count: int = 1
    admin_password: str | None = None
    access_ipv4: str = ""
    access_ipv6: str = ""
    description: str | None = None
    # os:scheduler_hints: group, same_host, different_host (all kept for the views).
    scheduler_hints: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    trusted_certs: tuple[str, ...] | None = None
    # The guest's hostname as asked; None: made from the name.
    hostname: str | None = None
    # A destination the scheduler must use if it fits (admins; unlike forced_host, checked).
    requested_host: str | None = None
    requested_node: str | None = None
    # block_device_mapping_v2 items with a volume destination (boot from volume: boot_index 0,
    # and then `image_id` is "").
    block_devices: tuple[BlockDevice, ...] = ()


@dataclass(frozen=True, slots=True)
class Created:
    servers: list[ServerRow]
    admin_password: str
    reservation_id: str


@dataclass(frozen=True, slots=True)
class _Checked:
    """What a create request refers to, looked up before the write transaction."""

    flavor: FlavorRow
    image: ImageRow | None
    key_data: str | None
    group_names: list[str]
    limits: dict[str, int]
    # The project's default security group, when asked for and it exists already.
    default_group: str | None
    ports: list[networks.PortPlan]


async def create_servers(cloud: Cloud, caller: Caller, req: ServerRequest) -> Created:
    """Record new servers, their ports and "create" actions, and schedule them. A scheduling
    failure leaves the servers in ERROR with a fault; every other failure raises (400/403).
    Forcing a host (`req.forced_host`) is for admins.

    What the request refers to (flavor, image, key, security groups, quota limits, zone) is
    looked up in a read session first, so that SQLite's single writer is held only for what
    must be decided under it: usage against quota, placement, addresses and the inserts; and
    creates arriving together are recorded in one write transaction (Database.grouped)."""
    authorize(caller, "compute:servers:create")
    if req.trusted_certs:
        authorize(caller, "compute:servers:create:trusted_certs")
    if req.forced_host:
        authorize(caller, "compute:servers:create:forced_host")
    if req.requested_host or req.requested_node:
        authorize(caller, "compute:servers:create:requested_destination")
        if req.forced_host:
            raise errors.BadRequest("One mechanism with host and/or hypervisor_hostname and "
                                    "another mechanism with zone:host:node are mutually "
                                    "exclusive.")
    db, settings = cloud.db, cloud.settings
    async with db.reader() as s:
        checked = await _check_request(s, caller, req, await quotas.limits_for(
            s, settings, caller.project_id))
    if not req.block_devices:
        return await db.grouped(lambda s: _record(s, settings, caller, req, checked, []))
    prepared = await server_block_devices.prepare(cloud, caller, req.block_devices,
                                                  req.max_count)
    try:
        created = await db.grouped(lambda s: _record(s, settings, caller, req, checked,
                                                     prepared))
    except BaseException:
        await server_block_devices.discard(cloud, caller, [p for each in prepared for p in each])
        raise
    # Quota may have allowed fewer servers than max_count: the others' volumes go.
    await server_block_devices.discard(cloud, caller, [p for each in prepared[len(created.servers):]
                                                       for p in each])
    return created


async def _check_request(s: AsyncSession, caller: Caller, req: ServerRequest,
                         limits: dict[str, int]) -> _Checked:
    flavor = await _flavor(s, req.flavor_id, caller)
    image = await _image(s, req.image_id, caller, flavor) if req.image_id else None
    key = await _keypair(s, caller.user_id, req.key_name)
    group_names = await _security_groups(s, caller, req.security_groups)
    check_metadata_limit(len(req.metadata), limits["metadata_items"])
    if req.requested_host or req.requested_node:
        await _check_destination(s, req.requested_host, req.requested_node)
    if req.hostname is not None and req.max_count > 1:
        raise errors.BadRequest("Unable to allocate a single hostname to multiple instances")
    if req.availability_zone and not await scheduler.zone_exists(s, req.availability_zone):
        raise errors.BadRequest("The requested availability zone is not available")
    default_group = None
    if groups_service.DEFAULT_NAME in group_names:
        default_group = await groups_service.find_default_group_id(s, caller.project_id)
    ports = await networks.plan_server_ports(s, project_id=caller.project_id,
                                             requests=req.networks, is_admin=caller.is_admin,
                                             allocate=req.auto_network)
    return _Checked(flavor, image, key, group_names, limits, default_group, ports)


async def _record(s: AsyncSession, settings: Settings, caller: Caller, req: ServerRequest,
                  checked: _Checked,
                  volumes: list[list[server_block_devices.Prepared]]) -> Created:
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
    # The ports get every group the server asked for (Nova hands them to Neutron), not only
    # the default one.
    group_ids = [default_group] if default_group is not None else []
    others = [name for name in checked.group_names if name != groups_service.DEFAULT_NAME]
    if others:
        found = dict((await s.execute(select(SecurityGroupRow.name, SecurityGroupRow.id).where(
            SecurityGroupRow.project_id == caller.project_id,
            SecurityGroupRow.name.in_(others)))).tuples().all())
        group_ids += [str(found[name]) for name in others if name in found]
    placed = await _schedule(s, settings, rows, req, caller)
    for row, prepared in zip(rows, volumes, strict=False):
        await server_block_devices.attach(s, row, prepared)
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
                groups=group_ids or None)
        await instance_actions.record_action(
            s, server_id=row.id, action=Action.CREATE, request_id=caller.request_id,
            project_id=caller.project_id, user_id=caller.user_id,
            finished=(SCHEDULE_EVENT,
                      instance_actions.SUCCESS if placed.ok else instance_actions.ERROR))
    return Created(rows, password, reservation_id)


_INSERT_SERVER = insert(cast(Table, ServerRow.__table__))
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


async def _check_destination(s: AsyncSession, host: str | None, node: str | None) -> None:
    """Nova's check of a requested host and/or node: a compute host by that name (a host's
    one node has the host's name)."""
    for name in dict.fromkeys(n for n in (host, node) if n):
        if not await scheduler.host_exists(s, name):
            raise errors.BadRequest(f"Compute host {name} could not be found.")
    if host and node and host != node:
        raise errors.BadRequest(f"Compute host {host} could not be found.")


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


def _new_row(req: ServerRequest, caller: Caller, flavor: FlavorRow, image: ImageRow | None,
             index: int, count: int) -> ServerRow:
    now = utcnow()
    name = req.name if count == 1 else f"{req.name}-{index + 1}"
    server_id = str(uuid.uuid4())
    properties = image.properties if image is not None else {}
    auto_disk = str(properties.get("auto_disk_config", "")).lower() in ("true", "1", "yes")
    snapshot = flavor_snapshot(flavor)
    return ServerRow(
        id=server_id, project_id=caller.project_id, user_id=caller.user_id, name=name,
        hostname=req.hostname or sanitize_hostname(name, server_id), description=req.description,
        image_id=image.id if image is not None else "", flavor_id=flavor.id, flavor=snapshot,
        **scheduler.usage_columns(snapshot),
        vm_state=VmState.BUILDING, task_state=TaskState.SCHEDULING,
        power_state=PowerState.NOSTATE, availability_zone=req.availability_zone,
        pinned_availability_zone=req.availability_zone,
        key_name=req.key_name, user_data=req.user_data,
        config_drive="True" if req.config_drive else "",
        personality=[{"path": path, "contents": contents} for path, contents in req.personality],
        disk_config=req.disk_config or ("AUTO" if auto_disk else "MANUAL"),
        access_ipv4=req.access_ipv4, access_ipv6=req.access_ipv6, metadata_=dict(req.metadata),
        tags=list(dict.fromkeys(req.tags)), scheduler_hints=dict(req.scheduler_hints),
        trusted_image_certificates=None if req.trusted_certs is None else list(req.trusted_certs),
        progress=0, launch_index=index, locked=False, console_log="",
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
                                              forced_host=req.forced_host or req.requested_host
                                              or req.requested_node, constraints=rules)
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
    """The decoded bytes of base64 user data, or None when it is not base64 as Nova reads it
    (oslo's decode: characters outside the alphabet, such as line breaks, are skipped; the
    padding must be right)."""
    try:
        return base64.b64decode(text)
    except (binascii.Error, ValueError):
        return None
