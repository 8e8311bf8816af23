"""Compute: os-hypervisors (admin), one hypervisor per registered host: list, detail, show,
statistics, search by host name and the servers on a host. Usage counts the live servers
placed on each host; state is up/down from the agent's heartbeat, status enabled/disabled."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.compute_states import instance_name
from pocketstack.db.models import ServerRow
from pocketstack.services import hosts as host_service
from pocketstack.timeutil import utcnow

HYPERVISOR_TYPE = {"fake": "fake", "qemu": "QEMU"}


def summary(view: host_service.HostView) -> dict[str, Any]:
    return {"id": view.row.id, "hypervisor_hostname": view.row.name, "state": view.state,
            "status": view.status}


def detail(view: host_service.HostView) -> dict[str, Any]:
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


async def _views(ctx: Ctx) -> list[host_service.HostView]:
    ctx.authorize("compute:os-hypervisors")
    async with ctx.cloud.db.reader() as s:
        return await host_service.list_hosts(s, ctx.cloud.settings)


async def list_hypervisors(ctx: Ctx) -> Response:
    return json_response({"hypervisors": [summary(v) for v in await _views(ctx)]})


async def list_hypervisors_detail(ctx: Ctx) -> Response:
    return json_response({"hypervisors": [detail(v) for v in await _views(ctx)]})


async def show_hypervisor(ctx: Ctx) -> Response:
    ctx.authorize("compute:os-hypervisors")
    async with ctx.cloud.db.reader() as s:
        view = await host_service.get_host_by_id(s, ctx.cloud.settings, ctx.params["hypervisor_id"])
    return json_response({"hypervisor": detail(view)})


async def uptime(ctx: Ctx) -> Response:
    """The host's uptime as `uptime` prints it, counted from its agent's start."""
    ctx.authorize("compute:os-hypervisors")
    async with ctx.cloud.db.reader() as s:
        view = await host_service.get_host_by_id(s, ctx.cloud.settings, ctx.params["hypervisor_id"])
    now = utcnow()
    up = int((now - view.row.started_at).total_seconds())
    days, rest = divmod(up, 86400)
    text = (f" {now:%H:%M:%S} up {days} days, {rest // 3600:2d}:{rest % 3600 // 60:02d}, "
            "0 users,  load average: 0.00, 0.00, 0.00")
    return json_response({"hypervisor": {**summary(view), "uptime": text}})


STAT_KEYS = ("current_workload", "disk_available_least", "free_disk_gb", "free_ram_mb",
             "local_gb", "local_gb_used", "memory_mb", "memory_mb_used", "running_vms", "vcpus",
             "vcpus_used")


async def statistics(ctx: Ctx) -> Response:
    views = [detail(v) for v in await _views(ctx)]
    stats = {key: sum(int(v[key]) for v in views) for key in STAT_KEYS}
    return json_response({"hypervisor_statistics": {"count": len(views), **stats}})


def _matching(views: list[host_service.HostView], pattern: str) -> list[host_service.HostView]:
    found = [v for v in views if pattern in v.row.name]
    if not found:
        raise errors.NotFound(f"No hypervisor matching '{pattern}' could be found.")
    return found


async def search(ctx: Ctx) -> Response:
    found = _matching(await _views(ctx), ctx.params["hypervisor_id"])
    return json_response({"hypervisors": [summary(v) for v in found]})


async def servers_on(ctx: Ctx) -> Response:
    found = _matching(await _views(ctx), ctx.params["hypervisor_id"])
    items = []
    async with ctx.cloud.db.reader() as s:
        for view in found:
            ids = await s.scalars(select(ServerRow.id).where(
                ServerRow.host == view.row.name, ServerRow.deleted.is_(False))
                .order_by(ServerRow.created_at))
            servers = [{"uuid": sid, "name": instance_name(sid)} for sid in ids]
            items.append({**summary(view), **({"servers": servers} if servers else {})})
    return json_response({"hypervisors": items})


ROUTES: list[Route] = [
    Route("GET", "/os-hypervisors", list_hypervisors),
    Route("GET", "/os-hypervisors/detail", list_hypervisors_detail),
    Route("GET", "/os-hypervisors/statistics", statistics),
    Route("GET", "/os-hypervisors/{hypervisor_id}/search", search),
    Route("GET", "/os-hypervisors/{hypervisor_id}/servers", servers_on),
    Route("GET", "/os-hypervisors/{hypervisor_id}/uptime", uptime),
    Route("GET", "/os-hypervisors/{hypervisor_id}", show_hypervisor),
]
