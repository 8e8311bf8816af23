"""Block Storage API v3: os-services (list; enable, disable, disable-log-reason, freeze,
thaw), scheduler-stats/get_pools and capabilities/{host}, all for admins."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.api.volume import common
from pocketstack.api.volume import microversions as mv
from pocketstack.services import volume_services
from pocketstack.timeutil import iso_plain

CLUSTER_SUPPORT = mv.Change(mv.parse("3.7"), "services show their cluster")
BACKEND_STATE_REPORT = mv.Change(mv.parse("3.49"), "volume services show backend_state")


async def list_services(ctx: Ctx) -> Response:
    found = await volume_services.list_services(ctx.cloud, ctx.caller,
                                                host=ctx.query.get("host"),
                                                binary=ctx.query.get("binary"))
    rendered = []
    for svc in found:
        body: dict[str, Any] = {
            "binary": svc.binary, "host": svc.host, "zone": svc.zone,
            "status": "disabled" if svc.disabled else "enabled",
            "state": "up" if svc.up else "down", "updated_at": iso_plain(svc.updated_at)}
        if mv.at(ctx.version, BACKEND_STATE_REPORT) and svc.binary == volume_services.VOLUME:
            body["backend_state"] = "up" if svc.up else "down"
        if mv.at(ctx.version, CLUSTER_SUPPORT):
            body["cluster"] = None
        body["disabled_reason"] = svc.disabled_reason
        if svc.binary == volume_services.VOLUME:
            body.update({"replication_status": "disabled", "active_backend_id": None,
                         "frozen": svc.frozen})
        rendered.append(body)
    return json_response({"services": rendered})


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise errors.BadRequest(f"Invalid input for field/attribute {key}. Value: {value!r}. "
                                f"'{key}' is a required property")
    return value


async def update_service(ctx: Ctx) -> Response:
    action = ctx.params["action"]
    body = await ctx.json_object()
    if action in ("freeze", "thaw"):
        await volume_services.set_frozen(ctx.cloud, ctx.caller, _text(body, "host"),
                                         action == "freeze")
        return empty(200)
    if action not in ("enable", "disable", "disable-log-reason"):
        raise errors.NotFound("Unknown action")
    host = _text(body, "host")
    service = body.get("service", "")
    binary = body.get("binary", "")
    if not isinstance(service, str) or not isinstance(binary, str) or not (binary or service):
        raise errors.BadRequest("Invalid input for field/attribute binary. 'binary' is a "
                                "required property")
    reason = None
    if action == "disable-log-reason":
        reason = body.get("disabled_reason")
        if "disabled_reason" in body and (not isinstance(reason, str) or not reason.strip()
                                          or len(reason) > 255):
            raise errors.BadRequest(f"Invalid input for field/attribute disabled_reason. "
                                    f"Value: {reason!r}. Disabled reason contains invalid "
                                    "characters or is too long")
    disabled = action != "enable"
    await volume_services.set_disabled(ctx.cloud, ctx.caller, host=host,
                                       binary=binary or service, disabled=disabled,
                                       reason=reason)
    answer: dict[str, Any] = {"host": host, "service": service, "binary": binary,
                              "status": "disabled" if disabled else "enabled",
                              "disabled": disabled}
    if action == "disable-log-reason":
        answer["disabled_reason"] = reason
    return json_response(answer)


async def get_pools(ctx: Ctx) -> Response:
    pools = await volume_services.list_pools(ctx.cloud, ctx.caller,
                                             name=ctx.query.get("name"),
                                             backend=ctx.query.get("volume_backend_name"))
    if not common.truthy(ctx.query.get("detail")):
        return json_response({"pools": [{"name": pool.name} for pool in pools]})
    return json_response({"pools": [{"name": pool.name, "capabilities": {
        "updated": iso_plain(pool.updated), "total_capacity_gb": pool.total_capacity_gb,
        "free_capacity_gb": pool.free_capacity_gb,
        "allocated_capacity_gb": pool.allocated_capacity_gb,
        "volume_backend_name": volume_services.BACKEND, "reserved_percentage": 0,
        "driver_version": volume_services.DRIVER_VERSION,
        "storage_protocol": volume_services.STORAGE_PROTOCOL, "QoS_support": False,
        "thin_provisioning_support": True, "multiattach": True, "vendor_name": volume_services.VENDOR,
        "pool_name": volume_services.POOL,
    }} for pool in pools]})


async def show_capabilities(ctx: Ctx) -> Response:
    await volume_services.capabilities(ctx.cloud, ctx.caller, ctx.params["host"])
    return json_response({
        "namespace": "OS::Storage::Capabilities::" + volume_services.BACKEND,
        "vendor_name": volume_services.VENDOR, "volume_backend_name": volume_services.BACKEND,
        "pool_name": volume_services.POOL, "driver_version": volume_services.DRIVER_VERSION,
        "storage_protocol": volume_services.STORAGE_PROTOCOL,
        "display_name": "Capabilities of the pocketstack file back-end",
        "description": "Volumes are sparse files under the data directory.",
        "visibility": "public", "replication_targets": [],
        "properties": {
            "thin_provisioning": {"title": "Thin Provisioning",
                                  "description": "Sets thin provisioning.",
                                  "type": "boolean"},
        }})


async def list_hosts(ctx: Ctx) -> Response:
    found = await volume_services.list_hosts(ctx.cloud, ctx.caller)
    return json_response({"hosts": [{
        "service-status": "available" if svc.up else "unavailable", "service": svc.binary,
        "zone": svc.zone, "service-state": "disabled" if svc.disabled else "enabled",
        "host_name": svc.host, "last-update": iso_plain(svc.updated_at)} for svc in found]})


async def show_host(ctx: Ctx) -> Response:
    host = ctx.params["host_name"]
    usage = await volume_services.host_usage(ctx.cloud, ctx.caller, host)
    return json_response({"host": [{"resource": {
        "volume_count": str(u.volume_count), "total_volume_gb": str(u.total_volume_gb),
        "total_snapshot_gb": str(u.total_snapshot_gb), "project": u.project, "host": host,
        "snapshot_count": str(u.snapshot_count)}} for u in usage]})


ROUTES: list[Route] = [
    Route("GET", "/os-hosts", list_hosts),
    Route("GET", "/os-hosts/{host_name}", show_host),
    Route("GET", "/os-services", list_services),
    Route("PUT", "/os-services/{action}", update_service),
    Route("GET", "/scheduler-stats/get_pools", get_pools),
    Route("GET", "/capabilities/{host}", show_capabilities),
]
