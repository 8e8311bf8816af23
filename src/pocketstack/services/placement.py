"""The Placement API's read models: one resource provider per compute host (its uuid is the
host's compute node uuid, as Nova's), whose inventory is the host's real capacity (VCPU,
MEMORY_MB, DISK_GB with the cloud's allocation ratios), whose usages and allocations are the
live servers placed on it (each server a consumer of its flavor's resources), whose aggregates
are its host aggregates. These are what Nova itself would write to Placement, so they are
derived from the hosts and servers tables; what a client writes (custom traits and custom
resource classes) is stored in `placement_names`.

Capacity is the scheduler's (`services/scheduler.py`): (total - reserved) * allocation_ratio,
with nothing reserved, so Placement's candidates are exactly the hosts the scheduler sees room
on (disabled hosts carry the COMPUTE_STATUS_DISABLED trait, as Nova sets it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import (
    AggregateHostRow,
    AggregateRow,
    HostRow,
    PlacementNameRow,
    ServerRow,
)
from pocketstack.services import scheduler
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize
from pocketstack.settings import Settings
from pocketstack.timeutil import utcnow

RULE = "placement:admin"

# The standard resource classes (os-resource-classes), in its order.
STANDARD_RESOURCE_CLASSES = (
    "VCPU", "MEMORY_MB", "DISK_GB", "PCI_DEVICE", "SRIOV_NET_VF", "NUMA_SOCKET", "NUMA_CORE",
    "NUMA_THREAD", "NUMA_MEMORY_MB", "IPV4_ADDRESS", "VGPU", "VGPU_DISPLAY_HEAD",
    "NET_BW_EGR_KILOBIT_PER_SEC", "NET_BW_IGR_KILOBIT_PER_SEC", "PCPU", "MEM_ENCRYPTION_CONTEXT",
    "FPGA", "PGPU", "NET_PACKET_RATE_KILOPACKET_PER_SEC",
    "NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC", "NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC",
)
# The standard traits this cloud's providers can carry, and a few common others (os-traits).
STANDARD_TRAITS = (
    "COMPUTE_DEVICE_TAGGING", "COMPUTE_IMAGE_TYPE_QCOW2", "COMPUTE_IMAGE_TYPE_RAW",
    "COMPUTE_NET_ATTACH_INTERFACE", "COMPUTE_NET_ATTACH_INTERFACE_WITH_TAG", "COMPUTE_NODE",
    "COMPUTE_STATUS_DISABLED", "COMPUTE_TRUSTED_CERTS", "COMPUTE_VOLUME_ATTACH_WITH_TAG",
    "COMPUTE_VOLUME_EXTEND", "COMPUTE_VOLUME_MULTI_ATTACH", "HW_CPU_X86_AVX", "HW_CPU_X86_AVX2",
    "HW_CPU_X86_SSE", "HW_CPU_X86_SSE2", "HW_CPU_X86_SSE41", "HW_CPU_X86_SSE42",
    "HW_NUMA_ROOT", "MISC_SHARES_VIA_AGGREGATE", "STORAGE_DISK_HDD", "STORAGE_DISK_SSD",
)
# What every host provider reports (the traits Nova's libvirt driver reports for it).
HOST_TRAITS = ("COMPUTE_DEVICE_TAGGING", "COMPUTE_IMAGE_TYPE_QCOW2", "COMPUTE_IMAGE_TYPE_RAW",
               "COMPUTE_NET_ATTACH_INTERFACE", "COMPUTE_NET_ATTACH_INTERFACE_WITH_TAG",
               "COMPUTE_NODE", "COMPUTE_VOLUME_EXTEND")
CUSTOM_NAME = re.compile(r"^CUSTOM_[A-Z0-9_]+$")
TRAIT, RESOURCE_CLASS = "trait", "resource_class"


@dataclass(frozen=True, slots=True)
class Inventory:
    total: int
    allocation_ratio: float
    reserved: int = 0
    min_unit: int = 1
    step_size: int = 1

    @property
    def max_unit(self) -> int:
        return self.total

    @property
    def capacity(self) -> float:
        return (self.total - self.reserved) * self.allocation_ratio


@dataclass(frozen=True, slots=True)
class Consumer:
    """A server as Placement's consumer: what it takes from its host's provider."""

    uuid: str
    project_id: str
    user_id: str
    resources: dict[str, int]


@dataclass(slots=True)
class Provider:
    uuid: str
    name: str
    inventories: dict[str, Inventory]
    traits: list[str]
    aggregates: list[str]
    consumers: list[Consumer] = field(default_factory=list)

    @property
    def usages(self) -> dict[str, int]:
        used = dict.fromkeys(self.inventories, 0)
        for consumer in self.consumers:
            for rc, amount in consumer.resources.items():
                used[rc] = used.get(rc, 0) + amount
        return used

    @property
    def generation(self) -> int:
        # Nova bumps a provider's generation with each allocation change; a derived provider
        # counts its inventory report and its current consumers.
        return 1 + len(self.consumers)


def inventories(host: HostRow, settings: Settings) -> dict[str, Inventory]:
    found = {"VCPU": Inventory(host.vcpus, settings.cpu_allocation_ratio),
             "MEMORY_MB": Inventory(host.memory_mb, settings.ram_allocation_ratio)}
    if host.disk_gb > 0:
        found["DISK_GB"] = Inventory(host.disk_gb, settings.disk_allocation_ratio)
    return found


def consumer_resources(vcpus: int, memory_mb: int, disk_gb: int) -> dict[str, int]:
    resources = {"VCPU": vcpus, "MEMORY_MB": memory_mb, "DISK_GB": disk_gb}
    return {rc: amount for rc, amount in resources.items() if amount > 0}


_CONSUMERS = select(ServerRow.id, ServerRow.project_id, ServerRow.user_id, ServerRow.host,
                    scheduler.VCPUS_USED, scheduler.RAM_USED, scheduler.DISK_USED).where(
    ServerRow.deleted.is_(False), ServerRow.host.is_not(None)).order_by(ServerRow.created_at)


async def _providers(s: AsyncSession, settings: Settings) -> list[Provider]:
    hosts = list(await s.scalars(select(HostRow).order_by(HostRow.id)))
    memberships: dict[str, list[str]] = {}
    for host, aggregate_uuid in await s.execute(
            select(AggregateHostRow.host, AggregateRow.uuid)
            .join(AggregateRow, AggregateRow.id == AggregateHostRow.aggregate_id)
            .order_by(AggregateRow.uuid)):
        memberships.setdefault(host, []).append(aggregate_uuid)
    providers = {h.name: Provider(
        h.node_uuid, h.name, inventories(h, settings),
        sorted([*HOST_TRAITS, *(() if h.enabled else ("COMPUTE_STATUS_DISABLED",))]),
        memberships.get(h.name, [])) for h in hosts}
    for server_id, project_id, user_id, host, vcpus, ram, disk in await s.execute(_CONSUMERS):
        provider = providers.get(host)
        if provider is not None:
            provider.consumers.append(Consumer(server_id, project_id, user_id,
                                               consumer_resources(int(vcpus), int(ram), int(disk))))
    return list(providers.values())


# -- resource providers ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ProviderQuery:
    name: str | None = None
    uuid: str | None = None
    member_of: list[list[str]] = field(default_factory=list)
    resources: dict[str, int] = field(default_factory=dict)
    required: list[list[str]] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)


def _has_room(provider: Provider, resources: dict[str, int]) -> bool:
    usages = provider.usages
    for rc, amount in resources.items():
        inventory = provider.inventories.get(rc)
        if inventory is None or amount > inventory.max_unit or amount < inventory.min_unit:
            return False
        if usages.get(rc, 0) + amount > inventory.capacity:
            return False
    return True


def _matches(provider: Provider, query: ProviderQuery) -> bool:
    if query.name is not None and provider.name != query.name:
        return False
    if query.uuid is not None and provider.uuid != query.uuid:
        return False
    if any(not set(any_of) & set(provider.aggregates) for any_of in query.member_of):
        return False
    if any(not set(any_of) & set(provider.traits) for any_of in query.required):
        return False
    if set(query.forbidden) & set(provider.traits):
        return False
    return _has_room(provider, query.resources)


async def list_providers(cloud: Cloud, caller: Caller, query: ProviderQuery) -> list[Provider]:
    authorize(caller, RULE)
    await _check_names(cloud, query.resources, [t for group in query.required for t in group]
                       + query.forbidden)
    async with cloud.db.reader() as s:
        return [p for p in await _providers(s, cloud.settings) if _matches(p, query)]


async def get_provider(cloud: Cloud, caller: Caller, uuid: str) -> Provider:
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        for provider in await _providers(s, cloud.settings):
            if provider.uuid == uuid:
                return provider
    raise errors.NotFound(f"No resource provider with uuid {uuid} found")


# -- consumers and usages ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ConsumerAllocations:
    consumer: Consumer | None
    # provider uuid -> (provider generation, resources)
    allocations: dict[str, tuple[int, dict[str, int]]]


async def consumer_allocations(cloud: Cloud, caller: Caller, consumer_uuid: str) -> ConsumerAllocations:
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        for provider in await _providers(s, cloud.settings):
            for consumer in provider.consumers:
                if consumer.uuid == consumer_uuid:
                    return ConsumerAllocations(
                        consumer, {provider.uuid: (provider.generation, consumer.resources)})
    return ConsumerAllocations(None, {})


async def project_usages(cloud: Cloud, caller: Caller, project_id: str,
                         user_id: str | None) -> tuple[dict[str, int], int]:
    """What the project's (and user's) consumers take, summed, and how many there are."""
    authorize(caller, RULE)
    totals: dict[str, int] = {}
    count = 0
    async with cloud.db.reader() as s:
        for provider in await _providers(s, cloud.settings):
            for consumer in provider.consumers:
                if consumer.project_id != project_id or (user_id is not None
                                                         and consumer.user_id != user_id):
                    continue
                count += 1
                for rc, amount in consumer.resources.items():
                    totals[rc] = totals.get(rc, 0) + amount
    return totals, count


# -- allocation candidates ---------------------------------------------------------------

async def allocation_candidates(cloud: Cloud, caller: Caller, query: ProviderQuery,
                                limit: int | None) -> list[Provider]:
    """The providers that can take all of `query.resources` at once, most free RAM first
    (the scheduler's order)."""
    found = await list_providers(cloud, caller, query)

    def free_ram(p: Provider) -> tuple[float, str]:
        inv = p.inventories.get("MEMORY_MB")
        return ((inv.capacity - p.usages.get("MEMORY_MB", 0)) if inv else 0.0, p.name)

    found.sort(key=free_ram, reverse=True)
    return found[:limit] if limit is not None else found


# -- traits and resource classes ---------------------------------------------------------

async def _custom(s: AsyncSession, kind: str) -> list[str]:
    return list(await s.scalars(select(PlacementNameRow.name).where(PlacementNameRow.kind == kind)
                                .order_by(PlacementNameRow.name)))


async def _check_names(cloud: Cloud, resources: Iterable[str], traits: Iterable[str]) -> None:
    resources, traits = list(resources), list(traits)
    if not resources and not traits:
        return
    async with cloud.db.reader() as s:
        known_rcs = {*STANDARD_RESOURCE_CLASSES, *await _custom(s, RESOURCE_CLASS)}
        known_traits = {*STANDARD_TRAITS, *await _custom(s, TRAIT)}
    for rc in resources:
        if rc not in known_rcs:
            raise errors.BadRequest(f"Invalid resource class in resources parameter: No such "
                                    f"resource class {rc}.")
    unknown = sorted(set(traits) - known_traits)
    if unknown:
        raise errors.BadRequest(f"No such trait(s): {', '.join(unknown)}.")


async def list_traits(cloud: Cloud, caller: Caller, *, names: list[str] | None = None,
                      prefix: str | None = None, associated: bool | None = None) -> list[str]:
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        every = sorted({*STANDARD_TRAITS, *await _custom(s, TRAIT)})
        used = ({t for p in await _providers(s, cloud.settings) for t in p.traits}
                if associated is not None else set())
    if names is not None:
        every = [t for t in every if t in names]
    if prefix is not None:
        every = [t for t in every if t.startswith(prefix)]
    if associated is not None:
        every = [t for t in every if (t in used) == associated]
    return every


async def trait_exists(cloud: Cloud, caller: Caller, name: str) -> bool:
    return name in await list_traits(cloud, caller, names=[name])


async def list_resource_classes(cloud: Cloud, caller: Caller) -> list[str]:
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        return [*STANDARD_RESOURCE_CLASSES, *await _custom(s, RESOURCE_CLASS)]


def _check_custom(name: str, what: str) -> None:
    if not CUSTOM_NAME.match(name):
        raise errors.BadRequest(f"The {what} name {name!r} is not valid: custom names start "
                                "with CUSTOM_ and hold only A-Z, 0-9 and _.")


async def create_custom(cloud: Cloud, caller: Caller, kind: str, name: str,
                        *, exist_ok: bool) -> bool:
    """Record a custom trait or resource class; False when it was there already (409
    unless `exist_ok`)."""
    authorize(caller, RULE)
    _check_custom(name, "trait" if kind == TRAIT else "resource class")
    async with cloud.db.session() as s:
        if await s.get(PlacementNameRow, (kind, name)) is not None:
            if exist_ok:
                return False
            raise errors.Conflict(f"{name} already exists.")
        s.add(PlacementNameRow(kind=kind, name=name, created_at=utcnow()))
        try:
            await s.flush()
        except IntegrityError:
            if exist_ok:
                return False
            raise errors.Conflict(f"{name} already exists.") from None
    return True


async def delete_custom(cloud: Cloud, caller: Caller, kind: str, name: str) -> None:
    authorize(caller, RULE)
    standard = STANDARD_TRAITS if kind == TRAIT else STANDARD_RESOURCE_CLASSES
    if name in standard:
        raise errors.BadRequest(f"Cannot delete standard {kind.replace('_', ' ')} {name}.")
    async with cloud.db.session() as s:
        gone = await s.execute(delete(PlacementNameRow).where(
            PlacementNameRow.kind == kind, PlacementNameRow.name == name))
        if not getattr(gone, "rowcount", 0):
            what = "trait" if kind == TRAIT else "resource class"
            raise errors.NotFound(f"No such {what} {name}.")


async def resource_class_exists(cloud: Cloud, caller: Caller, name: str) -> bool:
    return name in await list_resource_classes(cloud, caller)
