"""Compute: os-hypervisors (admin), one hypervisor per registered host: list, detail, show,
statistics, search by host name and the servers on a host. Usage counts the live servers
placed on each host; state is up/down from the agent's heartbeat, status enabled/disabled."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.compute_states import instance_name
from pocketstack.services import hypervisors as service
from pocketstack.services.hosts import HostView
from pocketstack.timeutil import utcnow

HYPERVISOR_TYPE = {"fake": "fake", "qemu": "QEMU"}


def summary(view: HostView) -> dict[str, Any]:
    return {"id": view.row.id, "hypervisor_hostname": view.row.name, "state": view.state,
            "status": view.status}


def detail(view: HostView) -> dict[str, Any]:
    row = view.row
    return {
        **summary(view),
        "cpu_info": "{}", "current_workload": 0,
        "disk_available_least": row.disk_gb - view.local_gb_used,
        "free_disk_gb": row.disk_gb - view.local_gb_used,
        "free_ram_mb": row.memory_mb - view.memory_mb_used,
        "host_ip": "127.0.0.1",
        "hypervisor_type": HYPERVISOR_TYPE.get(row.driver, row.driver),
        "hypervisor_version": 1000,
        "local_gb": row.disk_gb, "local_gb_used": view.local_gb_used,
        "memory_mb": row.memory_mb, "memory_mb_used": view.memory_mb_used,
        "running_vms": view.running_vms,
        "service": {"host": row.name, "id": row.id, "disabled_reason": row.disabled_reason},
        "vcpus": row.vcpus, "vcpus_used": view.vcpus_used,
    }


async def list_hypervisors(ctx: Ctx) -> Response:
    views = await service.list_hypervisors(ctx.cloud, ctx.caller)
    return json_response({"hypervisors": [summary(v) for v in views]})


async def list_hypervisors_detail(ctx: Ctx) -> Response:
    views = await service.list_hypervisors(ctx.cloud, ctx.caller)
    return json_response({"hypervisors": [detail(v) for v in views]})


async def show_hypervisor(ctx: Ctx) -> Response:
    view = await service.get_hypervisor(ctx.cloud, ctx.caller, ctx.params["hypervisor_id"])
    return json_response({"hypervisor": detail(view)})


def uptime_text(view: HostView) -> str:
    """The host's uptime as `uptime` prints it, counted from its agent's start."""
    now = utcnow()
    up = int((now - view.row.started_at).total_seconds())
    days, rest = divmod(up, 86400)
    return (f" {now:%H:%M:%S} up {days} days, {rest // 3600:2d}:{rest % 3600 // 60:02d}, "
            "0 users,  load average: 0.00, 0.00, 0.00")


async def uptime(ctx: Ctx) -> Response:
    view = await service.get_hypervisor(ctx.cloud, ctx.caller, ctx.params["hypervisor_id"])
    return json_response({"hypervisor": {**summary(view), "uptime": uptime_text(view)}})


STAT_KEYS = ("current_workload", "disk_available_least", "free_disk_gb", "free_ram_mb",
             "local_gb", "local_gb_used", "memory_mb", "memory_mb_used", "running_vms", "vcpus",
             "vcpus_used")


async def statistics(ctx: Ctx) -> Response:
    views = [detail(v) for v in await service.list_hypervisors(ctx.cloud, ctx.caller)]
    stats = {key: sum(int(v[key]) for v in views) for key in STAT_KEYS}
    return json_response({"hypervisor_statistics": {"count": len(views), **stats}})


async def search(ctx: Ctx) -> Response:
    found = await service.search(ctx.cloud, ctx.caller, ctx.params["hypervisor_id"])
    return json_response({"hypervisors": [summary(v) for v in found]})


def servers_view(found: service.HypervisorServers) -> dict[str, Any]:
    servers = [{"uuid": sid, "name": instance_name(sid)} for sid in found.server_ids]
    return {**summary(found.view), **({"servers": servers} if servers else {})}


async def servers_on(ctx: Ctx) -> Response:
    found = await service.servers_on(ctx.cloud, ctx.caller, ctx.params["hypervisor_id"])
    return json_response({"hypervisors": [servers_view(f) for f in found]})


ROUTES: list[Route] = [
    Route("GET", "/os-hypervisors", list_hypervisors),
    Route("GET", "/os-hypervisors/detail", list_hypervisors_detail),
    Route("GET", "/os-hypervisors/statistics", statistics),
    Route("GET", "/os-hypervisors/{hypervisor_id}/search", search),
    Route("GET", "/os-hypervisors/{hypervisor_id}/servers", servers_on),
    Route("GET", "/os-hypervisors/{hypervisor_id}/uptime", uptime),
    Route("GET", "/os-hypervisors/{hypervisor_id}", show_hypervisor),
]
