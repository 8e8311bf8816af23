"""The block storage services as Cinder's os-services, scheduler-stats and capabilities show
them: every agent host runs a cinder-scheduler, a cinder-backup and a cinder-volume whose
back-end (`<host>@fake`, one pool `fake`) is the data directory's file store. Up or down by the
agent's heartbeat; disabled (with a reason) or frozen by an admin."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import HostRow, VolumeRow, VolumeServiceRow, VolumeSnapshotRow
from pocketstack.services import scheduler
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.timeutil import utcnow

SCHEDULER = "cinder-scheduler"
VOLUME = "cinder-volume"
BACKUP = "cinder-backup"
BINARIES = (SCHEDULER, VOLUME, BACKUP)
BACKEND = "fake"
POOL = "fake"
ZONE = "nova"
DRIVER_VERSION = "1.0.0"
STORAGE_PROTOCOL = "file"
VENDOR = "pocketstack"
# What the back-end reports to the scheduler, which a volume type's extra specs must match.
CAPABILITIES: dict[str, object] = {
    "volume_backend_name": BACKEND, "vendor_name": VENDOR,
    "storage_protocol": STORAGE_PROTOCOL, "pool_name": POOL, "driver_version": DRIVER_VERSION,
    "thin_provisioning_support": True, "multiattach": True, "QoS_support": False,
}


def _satisfies(capability: object, wanted: str) -> bool:
    """One extra spec against one capability, with Cinder's operators (`<is>`, `<in>`,
    `<or>`, `==`, `s==`; a plain value is equality)."""
    text = str(capability).lower() if isinstance(capability, bool) else str(capability)
    words = wanted.split()
    if len(words) >= 2 and words[0] == "<is>":
        return text.lower() == words[1].lower()
    if len(words) >= 2 and words[0] == "<in>":
        return " ".join(words[1:]) in text
    if words and words[0] == "<or>":
        return text in [w for w in words[1:] if w != "<or>"]
    if len(words) >= 2 and words[0] in ("==", "s=="):
        return text == " ".join(words[1:])
    return text == wanted


def backend_accepts(extra_specs: dict[str, object]) -> bool:
    """Whether the back-end satisfies a volume type's extra specs, as Cinder's capabilities
    filter checks them: unscoped or `capabilities:` keys that the back-end reports must
    match (keys it does not report, and other scopes, are left to their consumers)."""
    for key, wanted in extra_specs.items():
        scope, _, name = key.rpartition(":")
        if scope not in ("", "capabilities") or name not in CAPABILITIES:
            continue
        if not _satisfies(CAPABILITIES[name], str(wanted)):
            return False
    return True


@dataclass(frozen=True, slots=True)
class Service:
    binary: str
    host: str
    zone: str
    up: bool
    disabled: bool
    disabled_reason: str | None
    frozen: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Pool:
    name: str
    backend: str
    total_capacity_gb: int
    free_capacity_gb: int
    allocated_capacity_gb: int
    updated: datetime


def service_host(binary: str, agent_host: str) -> str:
    return f"{agent_host}@{BACKEND}" if binary == VOLUME else agent_host


async def _services(s: AsyncSession, cloud: Cloud) -> list[Service]:
    hosts = list(await s.scalars(select(HostRow).order_by(HostRow.id)))
    settings_rows = {(row.host, row.binary): row
                     for row in await s.scalars(select(VolumeServiceRow))}
    now = utcnow()
    found = []
    for binary in BINARIES:
        for host in hosts:
            name = service_host(binary, host.name)
            setting = settings_rows.get((name, binary))
            updated = max(host.heartbeat_at, setting.updated_at) if setting else \
                host.heartbeat_at
            found.append(Service(
                binary=binary, host=name, zone=ZONE,
                up=scheduler.is_up(host, now, cloud.settings.service_down_time_s),
                disabled=bool(setting and setting.disabled),
                disabled_reason=setting.disabled_reason if setting else None,
                frozen=bool(setting and setting.frozen), updated_at=updated))
    return found


async def list_services(cloud: Cloud, caller: Caller, *, host: str | None,
                        binary: str | None) -> list[Service]:
    authorize(caller, "volume_extension:services:index")
    async with cloud.db.reader() as s:
        found = await _services(s, cloud)
    return [svc for svc in found if (host is None or on_host(svc.host, host))
            and (binary is None or svc.binary == binary)]


def on_host(name: str, host: str) -> bool:
    """Whether service host `name` is `host` or one of its back-ends or pools (`host` matches
    `host@backend` and `host@backend#pool`), as Cinder's host filters match."""
    return name == host or name.startswith(host + ("#" if "@" in host else "@"))


async def set_disabled(cloud: Cloud, caller: Caller, *, host: str, binary: str,
                       disabled: bool, reason: str | None = None) -> None:
    """Enable or disable one service (404 as Cinder's HostBinaryNotFound when unknown)."""
    authorize(caller, "volume_extension:services:update")
    async with cloud.db.session() as s:
        if not any(svc.host == host and svc.binary == binary
                   for svc in await _services(s, cloud)):
            raise errors.NotFound(f"Could not find binary {binary} on host {host}.")
        row = await _setting(s, host, binary)
        row.disabled = disabled
        row.disabled_reason = reason if disabled else None
        row.updated_at = utcnow()


async def set_frozen(cloud: Cloud, caller: Caller, host: str, frozen: bool) -> None:
    """Freeze or thaw a volume back-end (`host@backend`); 400 for an unknown one."""
    authorize(caller, "volume_extension:services:update")
    async with cloud.db.session() as s:
        if not any(svc.host == host and svc.binary == VOLUME
                   for svc in await _services(s, cloud)):
            raise errors.BadRequest(f"Invalid input received: Service {host} could not be "
                                    "found.")
        row = await _setting(s, host, VOLUME)
        row.frozen = frozen
        row.updated_at = utcnow()


async def _setting(s: AsyncSession, host: str, binary: str) -> VolumeServiceRow:
    row = await s.get(VolumeServiceRow, (host, binary))
    if row is None:
        row = VolumeServiceRow(host=host, binary=binary, disabled=False, frozen=False,
                               updated_at=utcnow())
        s.add(row)
    return row


async def list_pools(cloud: Cloud, caller: Caller, *, name: str | None = None,
                     backend: str | None = None) -> list[Pool]:
    """One pool per volume back-end, its capacity the data directory's file system's."""
    authorize(caller, "scheduler_extension:scheduler_stats:get_pools")
    usage = await asyncio.to_thread(_disk_usage, cloud)
    async with cloud.db.reader() as s:
        services = [svc for svc in await _services(s, cloud) if svc.binary == VOLUME]
        allocated = int((await s.scalar(select(func.coalesce(func.sum(VolumeRow.size), 0))
                                        .where(VolumeRow.deleted.is_(False)))) or 0)
    pools = [Pool(f"{svc.host}#{POOL}", svc.host, usage[0], usage[1], allocated,
                  svc.updated_at) for svc in services]
    return [pool for pool in pools if (name is None or pool.name == name)
            and (backend is None or pool.backend == backend)]


def _disk_usage(cloud: Cloud) -> tuple[int, int]:
    data_dir = cloud.settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    total, _, free = shutil.disk_usage(data_dir)
    return total // 1024**3, free // 1024**3


async def capabilities(cloud: Cloud, caller: Caller, host: str) -> str:
    """The back-end named (`host@backend`, a `#pool` suffix allowed): its name; 404 for
    one that does not exist, as Cinder's NotFound."""
    authorize(caller, "volume_extension:capabilities")
    backend = host.partition("#")[0]
    async with cloud.db.reader() as s:
        if not any(svc.host == backend and svc.binary == VOLUME
                   for svc in await _services(s, cloud)):
            raise errors.NotFound(f"Service {host} could not be found.")
    return backend


@dataclass(frozen=True, slots=True)
class HostUsage:
    """One line of os-hosts show: a project's (or, `(total)`, every project's) volumes and
    snapshots on the back-end."""

    project: str
    volume_count: int
    total_volume_gb: int
    snapshot_count: int
    total_snapshot_gb: int


async def list_hosts(cloud: Cloud, caller: Caller) -> list[Service]:
    """os-hosts: every block storage service, by host (admin)."""
    authorize(caller, "volume_extension:hosts")
    async with cloud.db.reader() as s:
        return sorted(await _services(s, cloud), key=lambda svc: (svc.host, svc.binary))


async def host_usage(cloud: Cloud, caller: Caller, host: str) -> list[HostUsage]:
    """What the volume back-end `host` holds: the total first, then each project's (the
    file store is one back-end: every volume is on it)."""
    authorize(caller, "volume_extension:hosts")
    async with cloud.db.reader() as s:
        if not any(svc.host == host and svc.binary == VOLUME
                   for svc in await _services(s, cloud)):
            raise errors.NotFound(f"Host {host} could not be found.")
        volumes = (await s.execute(
            select(VolumeRow.project_id, func.count(), func.coalesce(func.sum(VolumeRow.size), 0))
            .where(VolumeRow.deleted.is_(False)).group_by(VolumeRow.project_id))).all()
        snapshots = dict((row[0], (int(row[1]), int(row[2]))) for row in (await s.execute(
            select(VolumeSnapshotRow.project_id, func.count(),
                   func.coalesce(func.sum(VolumeSnapshotRow.size), 0))
            .where(VolumeSnapshotRow.deleted.is_(False))
            .group_by(VolumeSnapshotRow.project_id))).all())
    per_project = [HostUsage(project, int(count), int(size), *snapshots.get(project, (0, 0)))
                   for project, count, size in sorted(volumes)]
    total = HostUsage("(total)", sum(u.volume_count for u in per_project),
                      sum(u.total_volume_gb for u in per_project),
                      sum(v[0] for v in snapshots.values()),
                      sum(v[1] for v in snapshots.values()))
    return [total, *per_project]
