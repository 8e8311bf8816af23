"""Compute os-hosts (admin): the compute hosts with their zone, one host's resources (total,
used now, used at most, and per project), enabling/disabling and maintenance mode (no new server is placed on it), and the
power actions on the host's agent (shutdown stops its guests and shows it down, startup
starts them again, reboot reboots them). Served up
to microversion 2.42 and by the legacy /v2 API."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.microversions import serves
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import hosts as host_service
from pocketstack.validation import invalid

# Gone from 2.43, as in Nova (os-hypervisors and os-services replace it); /v2 keeps it.
HOSTS = serves("2.0", "2.42", area="hosts", summary="/os-hosts (all)")
SERVICE = "compute"
# The control services this process runs, in the internal zone as Nova lists them.
CONTROL_SERVICES = ("scheduler", "conductor")
INTERNAL_ZONE = "internal"
ON_OFF = {"enable": True, "disable": False}


def _resource(host: str, project: str, cpu: int, memory_mb: int, disk_gb: int) -> dict[str, Any]:
    return {"resource": {"host": host, "project": project, "cpu": cpu, "memory_mb": memory_mb,
                         "disk_gb": disk_gb}}


async def list_hosts(ctx: Ctx) -> Response:
    views = await host_service.list_compute_hosts(ctx.cloud, ctx.caller)
    zone = ctx.query.get("zone")
    controller = ctx.cloud.settings.hostname
    items = [{"host_name": controller, "service": name, "zone": INTERNAL_ZONE}
             for name in CONTROL_SERVICES]
    items += [{"host_name": v.row.name, "service": SERVICE, "zone": v.row.availability_zone}
              for v in views]
    items = [item for item in items if not zone or item["zone"] == zone]
    return json_response({"hosts": items})


def resources_view(found: host_service.HostResources) -> list[dict[str, Any]]:
    """The host's total, used now and used at most, then each project's share."""
    view, projects = found.view, found.projects
    name = view.row.name
    return [
        _resource(name, "(total)", view.row.vcpus, view.row.memory_mb, view.row.disk_gb),
        _resource(name, "(used_now)", view.vcpus_used, view.memory_mb_used, view.local_gb_used),
        _resource(name, "(used_max)", sum(p.vcpus for p in projects),
                  sum(p.memory_mb for p in projects), sum(p.disk_gb for p in projects)),
        *[_resource(name, p.project_id, p.vcpus, p.memory_mb, p.disk_gb) for p in projects]]


async def show_host(ctx: Ctx) -> Response:
    found = await host_service.host_resources(ctx.cloud, ctx.caller, ctx.params["host_name"])
    return json_response({"host": resources_view(found)})


def _switch(body: dict[str, Any], key: str) -> bool | None:
    if key not in body:
        return None
    value = body[key]
    if not isinstance(value, str) or value.lower() not in ON_OFF:
        raise invalid(key, repr(value), f"{value!r} is not one of ['enable', 'disable']")
    return ON_OFF[value.lower()]


def _update(body: dict[str, Any]) -> tuple[bool | None, bool | None]:
    """The status and maintenance_mode switches asked for (at least one)."""
    extra = set(body) - {"status", "maintenance_mode"}
    if extra:
        raise errors.BadRequest(f"Additional properties are not allowed ({', '.join(sorted(extra))} "
                                "was unexpected)")
    status, maintenance = _switch(body, "status"), _switch(body, "maintenance_mode")
    if status is None and maintenance is None:
        raise errors.BadRequest("'status' or 'maintenance_mode' needed for host update")
    return status, maintenance


async def update_host(ctx: Ctx) -> Response:
    status, maintenance = _update(await ctx.json_object())
    row = await host_service.update_host(ctx.cloud, ctx.caller, ctx.params["host_name"],
                                         enabled=status, maintenance=maintenance)
    result: dict[str, Any] = {"host": row.name}
    if maintenance is not None:
        result["maintenance_mode"] = "on_maintenance" if maintenance else "off_maintenance"
    if status is not None:
        result["status"] = "enabled" if status else "disabled"
    return json_response(result)


async def _power(ctx: Ctx, action: str) -> Response:
    row = await host_service.power_action(ctx.cloud, ctx.caller, ctx.params["host_name"], action)
    return json_response({"host": row.name, "power_action": action})


async def startup(ctx: Ctx) -> Response:
    return await _power(ctx, "startup")


async def shutdown(ctx: Ctx) -> Response:
    return await _power(ctx, "shutdown")


async def reboot(ctx: Ctx) -> Response:
    return await _power(ctx, "reboot")


ROUTES: list[Route] = [
    Route("GET", "/os-hosts", list_hosts, versions=HOSTS),
    Route("GET", "/os-hosts/{host_name}", show_host, versions=HOSTS),
    Route("PUT", "/os-hosts/{host_name}", update_host, versions=HOSTS),
    Route("GET", "/os-hosts/{host_name}/startup", startup, versions=HOSTS),
    Route("GET", "/os-hosts/{host_name}/shutdown", shutdown, versions=HOSTS),
    Route("GET", "/os-hosts/{host_name}/reboot", reboot, versions=HOSTS),
]
