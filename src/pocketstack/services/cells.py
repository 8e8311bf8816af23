"""os-cells (2013, admin): the deployment is one cell with no neighbours. `info` is this cell
(name, capabilities); `capacities` is what its enabled hosts have free, as 2013 Nova's cell
state computed it: per host free RAM and disk less a 10% reserve of its total, divided by each
flavor's RAM and disk, summed over hosts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from pocketstack import errors
from pocketstack.db.models import FlavorRow
from pocketstack.services import hosts as host_service
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize

RULE = "compute:os-cells"
CELL_NAME = "nova"
# Nova's [cells] reserve_percent: the share of each host's total kept free.
RESERVE_PERCENT = 10.0


@dataclass(frozen=True, slots=True)
class CellInfo:
    name: str
    capabilities: dict[str, str]


async def cell_info(cloud: Cloud, caller: Caller) -> CellInfo:
    authorize(caller, RULE)
    async with cloud.db.reader() as s:
        views = await host_service.list_hosts(s, cloud.settings)
    drivers = sorted({"qemu" if v.row.driver == "qemu" else v.row.driver for v in views}
                     or {cloud.settings.driver})
    return CellInfo(CELL_NAME, {"hypervisor": ";".join(drivers), "os": "linux"})


def _free_units(total: int, free: int, per_instance: int) -> int:
    if not per_instance:
        return 0
    return int(max(0.0, free - total * RESERVE_PERCENT / 100.0) / per_instance)


async def capacities(cloud: Cloud, caller: Caller, cell_name: str | None) -> dict[str, Any]:
    """The cell's free RAM and disk (MB) and how many of each flavor fit; 404 for a cell
    name that is not this one."""
    authorize(caller, RULE)
    if cell_name is not None and cell_name != CELL_NAME:
        raise errors.NotFound(f"Cell {cell_name} not found.")
    async with cloud.db.reader() as s:
        views = [v for v in await host_service.list_hosts(s, cloud.settings) if v.row.enabled]
        flavors = list(await s.scalars(select(FlavorRow).where(FlavorRow.disabled.is_(False))))
    if not views:
        return {}
    ram_units: dict[str, int] = {}
    disk_units: dict[str, int] = {}
    ram_free_total = disk_free_total = 0
    for view in views:
        total_ram, total_disk = view.row.memory_mb, view.row.disk_gb * 1024
        free_ram = total_ram - view.memory_mb_used
        free_disk = (view.row.disk_gb - view.local_gb_used) * 1024
        ram_free_total += free_ram
        disk_free_total += free_disk
        for flavor in flavors:
            ram_key, disk_mb = str(flavor.ram), (flavor.disk + flavor.ephemeral) * 1024
            ram_units[ram_key] = ram_units.get(ram_key, 0) + _free_units(total_ram, free_ram, flavor.ram)
            disk_units[str(disk_mb)] = disk_units.get(str(disk_mb), 0) + _free_units(
                total_disk, free_disk, disk_mb)
    return {"ram_free": {"total_mb": ram_free_total, "units_by_mb": ram_units},
            "disk_free": {"total_mb": disk_free_total, "units_by_mb": disk_units}}


async def neighbours(cloud: Cloud, caller: Caller) -> list[dict[str, Any]]:
    """The cells this one talks to: none."""
    authorize(caller, RULE)
    return []


async def neighbour(cloud: Cloud, caller: Caller, name: str) -> dict[str, Any]:
    authorize(caller, RULE)
    raise errors.NotFound("The resource could not be found.")
