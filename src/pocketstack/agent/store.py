"""The agent's reads and writes. Everything the agent knows comes from the database, and every
write-back is a compare-and-swap on the (vm_state, task_state) it planned from, so a stale
agent never overwrites newer intent (a delete recorded while a build was in flight wins)."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.compute_states import PowerState, TaskState, VmState, instance_name
from pocketstack.db.engine import Database
from pocketstack.db.models import (
    FloatingIpRow,
    ImageRow,
    PortRow,
    SecurityGroupRuleRow,
    ServerRow,
    VolumeAttachmentRow,
    VolumeRow,
)
from pocketstack.db.pending import Kept, ShelveOffload
from pocketstack.drivers.base import ImageFiles, InstanceSpec, Nic, PortForward, VolumeDisk
from pocketstack.services import networks, scheduler
from pocketstack.services.server_create import decode_user_data
from pocketstack.timeutil import utcnow


@dataclass(frozen=True, slots=True)
class ServerState:
    """What plan() needs to know about one server."""

    id: str
    vm_state: VmState
    task_state: TaskState | None
    power_state: PowerState
    # resetNetwork / injectNetworkInfo waiting for the agent (the action's name).
    network_refresh: str | None = None

    @classmethod
    def of(cls, row: ServerRow) -> ServerState:
        task = None if row.task_state is None else TaskState(row.task_state)
        return cls(row.id, VmState(row.vm_state), task, PowerState(row.power_state),
                   row.network_refresh)


async def server_states(db: Database, host: str, *, busy_only: bool,
                        skip: Collection[str] = ()) -> list[ServerState]:
    """The host's servers (only those with a task in progress when `busy_only`), leaving out
    the ids in `skip`. Only the four state columns are read."""
    if not busy_only:
        await start_due_tasks(db, host)
    query = select(ServerRow.id, ServerRow.vm_state, ServerRow.task_state,
                   ServerRow.power_state, ServerRow.network_refresh).where(
                       ServerRow.host == host, ServerRow.deleted.is_(False))
    if busy_only:
        query = query.where(or_(ServerRow.task_state.is_not(None),
                                ServerRow.network_refresh.is_not(None)))
    if skip:
        query = query.where(ServerRow.id.not_in(list(skip)))
    async with db.reader() as s:
        rows = await s.execute(query.order_by(ServerRow.created_at))
        return [ServerState(server_id, VmState(vm), None if task is None else TaskState(task),
                            PowerState(power), refresh)
                for server_id, vm, task, power, refresh in rows]


async def server_ids(db: Database, host: str) -> set[str]:
    """The ids of the host's live servers."""
    async with db.reader() as s:
        return set(await s.scalars(select(ServerRow.id).where(
            ServerRow.host == host, ServerRow.deleted.is_(False))))


async def start_due_tasks(db: Database, host: str) -> None:
    """Start the tasks idle servers scheduled for later in `pending` (its `due` task once due:
    the offload of a shelved server, the reclaim of a soft-deleted one)."""
    now = utcnow()
    async with db.reader() as s:
        rows = list(await s.scalars(select(ServerRow).where(
            ServerRow.host == host, ServerRow.deleted.is_(False), ServerRow.task_state.is_(None),
            ServerRow.pending.is_not(None))))
    for row in rows:
        kept = row.pending
        if not isinstance(kept, Kept | ShelveOffload) or kept.due is None \
                or not kept.due.is_due(now):
            continue
        async with db.session(wake=False) as s:
            await compare_and_set(s, row.id, host, ServerState.of(row),
                                  task_state=kept.due.task.value, pending=replace(kept, due=None))


_LOAD_SERVER = select(ServerRow).where(ServerRow.id == bindparam("server_id"),
                                       ServerRow.host == bindparam("host"),
                                       ServerRow.deleted.is_(False))


async def load_server(db: Database, server_id: str, host: str) -> ServerRow | None:
    async with db.reader() as s:
        return await s.scalar(_LOAD_SERVER, {"server_id": server_id, "host": host})


async def load_servers(db: Database, server_ids: list[str], host: str) -> list[ServerRow]:
    async with db.reader() as s:
        return list(await s.scalars(select(ServerRow).where(
            ServerRow.id.in_(server_ids), ServerRow.host == host, ServerRow.deleted.is_(False))
            .order_by(ServerRow.created_at)))


async def begin_builds(s: AsyncSession, server_ids: list[str], host: str) -> list[str]:
    """Move new servers (building, scheduling) to spawning in one conditional UPDATE; the ids
    that moved (the others changed meanwhile, e.g. a delete was asked)."""
    moved = await s.execute(
        update(ServerRow)
        .where(ServerRow.id.in_(server_ids), ServerRow.host == host, ServerRow.deleted.is_(False),
               ServerRow.vm_state == VmState.BUILDING.value,
               ServerRow.task_state == TaskState.SCHEDULING.value)
        .values(task_state=TaskState.SPAWNING.value, updated_at=utcnow())
        .returning(ServerRow.id)
        .execution_options(synchronize_session=False))
    return [str(server_id) for server_id in moved.scalars()]


async def compare_and_set(s: AsyncSession, server_id: str, host: str, expected: ServerState, /,
                          **values: Any) -> bool:
    """Write `values` only if the row still has the states the agent planned from."""
    task = ServerRow.task_state
    if values.get("flavor") is not None:
        values.update(scheduler.usage_columns(values["flavor"]))
    result = await s.execute(
        update(ServerRow)
        .where(ServerRow.id == server_id, ServerRow.host == host, ServerRow.deleted.is_(False),
               ServerRow.vm_state == expected.vm_state.value,
               task.is_(None) if expected.task_state is None else task == expected.task_state.value)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


async def record_guest_output(db: Database, server_id: str, host: str, console_log: str,
                              diagnostics: dict[str, int] | None) -> None:
    """Keep what a guest printed and counts after a change of its disks (no state change)."""
    async with db.session(wake=False) as s:
        await s.execute(
            update(ServerRow)
            .where(ServerRow.id == server_id, ServerRow.host == host,
                   ServerRow.deleted.is_(False))
            .values(console_log=console_log, diagnostics=diagnostics)
            .execution_options(synchronize_session=False))


async def record_consoles(db: Database, host: str,
                          consoles: dict[str, dict[str, Any] | None]) -> None:
    """Write each server's consoles where they differ from its row (one read, then an
    UPDATE per changed row)."""
    async with db.reader() as s:
        have: dict[str, Any] = dict((await s.execute(select(ServerRow.id, ServerRow.consoles).where(
            ServerRow.id.in_(sorted(consoles)), ServerRow.host == host,
            ServerRow.deleted.is_(False)))).tuples().all())
    changed = {server_id: value for server_id, value in consoles.items()
               if server_id in have and have[server_id] != value}
    if not changed:
        return
    async with db.session(wake=False) as s:
        for server_id, value in changed.items():
            await s.execute(update(ServerRow).where(ServerRow.id == server_id,
                                                    ServerRow.host == host)
                            .values(consoles=value).execution_options(synchronize_session=False))


# A rule with a port range forwards each port of it, at most this many (a rule without ports
# or protocol: ports 1 to FORWARD_PORTS_MAX).
FORWARD_PORTS_MAX = 64
# The protocols a rule names (Neutron takes names or numbers), by what a forward carries.
_RULE_PROTOCOLS: dict[str | None, tuple[Literal["tcp", "udp"], ...]] = {
    None: ("tcp", "udp"), "any": ("tcp", "udp"), "tcp": ("tcp",), "6": ("tcp",),
    "udp": ("udp",), "17": ("udp",)}


async def floating_forwards(db: Database,
                            server_ids: list[str]) -> dict[str, dict[str, list[PortForward]]]:
    """Each server's floating IP addresses, each with the TCP and UDP ports the security
    groups of its port let in from the host: ingress IPv4 rules for TCP, UDP or any protocol
    whose remote is absent or a prefix holding 127.0.0.1 (a rule naming a remote group admits
    only that group's members, never the host)."""
    found: dict[str, dict[str, list[PortForward]]] = {server_id: {} for server_id in server_ids}
    if not server_ids:
        return found
    async with db.reader() as s:
        bound = (await s.execute(
            select(PortRow.device_id, FloatingIpRow.floating_ip_address, PortRow.security_groups)
            .join(FloatingIpRow, FloatingIpRow.port_id == PortRow.id)
            .where(PortRow.device_id.in_(server_ids)))).all()
        group_ids = sorted({str(g) for _, _, groups in bound for g in groups or []})
        rules = list(await s.scalars(select(SecurityGroupRuleRow).where(
            SecurityGroupRuleRow.security_group_id.in_(group_ids),
            SecurityGroupRuleRow.direction == "ingress"))) if group_ids else []
    ports_of: dict[str, set[PortForward]] = {}
    for rule in rules:
        ports_of.setdefault(rule.security_group_id, set()).update(_rule_ports(rule))
    for server_id, address, groups in bound:
        ports: set[PortForward] = set()
        for group in groups or []:
            ports |= ports_of.get(str(group), set())
        found.setdefault(server_id, {})[address] = sorted(ports)
    return found


def _rule_ports(rule: SecurityGroupRuleRow) -> list[PortForward]:
    protocols = _RULE_PROTOCOLS.get(rule.protocol.lower() if rule.protocol else None, ())
    if rule.ethertype != "IPv4" or rule.remote_group_id is not None or not protocols:
        return []
    if rule.remote_ip_prefix:
        try:
            if ipaddress.ip_address("127.0.0.1") not in ipaddress.ip_network(
                    rule.remote_ip_prefix, strict=False):
                return []
        except ValueError:
            return []
    low = rule.port_range_min if rule.port_range_min is not None else 1
    high = rule.port_range_max if rule.port_range_max is not None else 65535
    ports = list(range(max(1, low), min(high, 65535) + 1))[:FORWARD_PORTS_MAX]
    return [PortForward(protocol, port) for protocol in protocols for port in ports]


async def instance_spec(db: Database, row: ServerRow, data_dir: Path) -> InstanceSpec:
    """The driver's plain-data description of the guest a server needs."""
    return (await instance_specs(db, [row], data_dir))[0]


async def instance_specs(db: Database, rows: list[ServerRow], data_dir: Path) -> list[InstanceSpec]:
    """instance_spec for many servers, with one read of their images (and the images' kernels
    and ramdisks) and one of their addresses."""
    async with db.reader() as s:
        images = await _images(s, {row.image_id for row in rows if row.image_id})
        boot_files = {str(image_id) for image in images.values()
                      for image_id in _boot_file_ids(image)} - set(images)
        images.update(await _images(s, boot_files))
        found = await networks.server_addresses(s, [row.id for row in rows])
        disks = await _volume_disks(s, [row.id for row in rows], data_dir)
    return [replace(_spec(row, images, found[row.id], data_dir),
                                volumes=disks.get(row.id, ())) for row in rows]


async def volume_disks(db: Database, host: str,
                       data_dir: Path) -> dict[str, tuple[VolumeDisk, ...]]:
    """The attached volumes of the host's servers that have any (root first), as a driver
    attaches them."""
    async with db.reader() as s:
        ids = list((await s.scalars(
            select(VolumeAttachmentRow.server_id).distinct()
            .join(ServerRow, ServerRow.id == VolumeAttachmentRow.server_id)
            .where(ServerRow.host == host, ServerRow.deleted.is_(False)))).all())
        return await _volume_disks(s, [str(i) for i in ids], data_dir)


async def _volume_disks(s: AsyncSession, server_ids: list[str],
                        data_dir: Path) -> dict[str, tuple[VolumeDisk, ...]]:
    found: dict[str, tuple[VolumeDisk, ...]] = {server_id: () for server_id in server_ids}
    if not server_ids:
        return found
    rows = (await s.execute(
        select(VolumeAttachmentRow.server_id, VolumeAttachmentRow.volume_id,
               VolumeAttachmentRow.device, VolumeAttachmentRow.boot_index,
               VolumeAttachmentRow.created_at, VolumeRow.location)
        .join(VolumeRow, VolumeRow.id == VolumeAttachmentRow.volume_id)
        .where(VolumeAttachmentRow.server_id.in_(server_ids),
               VolumeAttachmentRow.status == "attached")
        .order_by(VolumeAttachmentRow.created_at, VolumeAttachmentRow.id))).all()
    for server_id, volume_id, device, boot_index, _created, location in sorted(
            rows, key=lambda r: (r.boot_index != 0, r.created_at)):
        disk = VolumeDisk(volume_id, device or "", str((data_dir / location).resolve()),
                          boot_index)
        key = str(server_id)
        found[key] = (*found.get(key, ()), disk)
    return found


async def _images(s: AsyncSession, ids: set[str]) -> dict[str, ImageRow]:
    if not ids:
        return {}
    return {image.id: image for image in await s.scalars(
        select(ImageRow).where(ImageRow.id.in_(sorted(ids))))}


def _boot_file_ids(image: ImageRow) -> list[Any]:
    properties = image.properties or {}
    return [value for value in (properties.get("kernel_id"), properties.get("ramdisk_id")) if value]


def _spec(row: ServerRow, images: dict[str, ImageRow], found: list[networks.Address],
          data_dir: Path) -> InstanceSpec:
    image = images.get(row.image_id) if row.image_id else None
    properties = (image.properties or {}) if image else {}

    def boot_file(key: str) -> str | None:
        found_image = images.get(str(properties.get(key) or ""))
        return _under(data_dir, found_image.location) if found_image is not None else None

    nics: dict[str, Nic] = {}
    for address in found:
        nic = nics.get(address.mac)
        addresses = (*nic.addresses, address.addr) if nic else (address.addr,)
        nics[address.mac] = Nic(address.mac, address.network_id, address.network_name, addresses)
    files = ImageFiles(row.image_id, image.disk_format if image else None,
                       _under(data_dir, image.location if image else None), boot_file("kernel_id"),
                       boot_file("ramdisk_id"))
    flavor = row.flavor or {}
    return InstanceSpec(
        name=instance_name(row.id), server_id=row.id, display_name=row.name,
        hostname=row.hostname or row.name, vcpus=int(flavor.get("vcpus", 1)),
        ram_mb=int(flavor.get("ram", 512)), disk_gb=int(flavor.get("disk", 0)), image=files,
        nics=tuple(nics.values()), metadata=tuple(sorted((row.metadata_ or {}).items())),
        user_data=decode_user_data(row.user_data) if row.user_data else None,
        key_data=row.key_data, admin_password=row.admin_password,
        config_drive=row.config_drive.lower() == "true",
        files=tuple((str(f["path"]), decode_user_data(str(f["contents"])) or b"")
                    for f in row.personality or []))


@functools.lru_cache(maxsize=1024)
def _under(data_dir: Path, location: str | None) -> str | None:
    return None if not location else str((data_dir / location).resolve())
