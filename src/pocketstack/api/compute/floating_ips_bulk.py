"""Compute os-floating-ips-bulk (admin): create a range of floating addresses in a pool, list
them (all, or those of one host's servers), delete a range. Served by the legacy /v2 API as
in 2013; Nova removed the API, so /v2.1 answers 410 Gone at every version."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.agents import legacy_only
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import floating_ips_bulk as service
from pocketstack.services.floating_ips_bulk import BulkFloatingIp
from pocketstack.validation import invalid


def view(item: BulkFloatingIp) -> dict[str, Any]:
    """2013's fields and the fixed address the floating one points at, as the API reference
    shows it."""
    return {"address": item.address, "fixed_ip": item.fixed_ip, "instance_uuid": item.instance_uuid,
            "interface": item.interface, "pool": item.pool, "project_id": item.project_id}


def _text(body: dict[str, Any], name: str, default: str | None = None) -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        if name not in body and default is None:
            raise errors.BadRequest(f"Invalid input for field/attribute floating_ips_bulk_create. "
                                    f"'{name}' is a required property")
        raise invalid(name, value, f"{value!r} is not a string of 1 to 255 characters")
    return value


async def list_floating_ips(ctx: Ctx) -> Response:
    legacy_only(ctx)
    found = await service.list_floating_ips(ctx.cloud, ctx.caller)
    return json_response({"floating_ip_info": [view(item) for item in found]})


async def list_by_host(ctx: Ctx) -> Response:
    legacy_only(ctx)
    found = await service.list_floating_ips(ctx.cloud, ctx.caller, ctx.params["id"])
    return json_response({"floating_ip_info": [view(item) for item in found]})


async def create_floating_ips(ctx: Ctx) -> Response:
    legacy_only(ctx)
    body = await ctx.json_object("floating_ips_bulk_create")
    extra = sorted(set(body) - {"ip_range", "pool", "interface"})
    if extra:
        raise errors.BadRequest(f"Additional properties are not allowed ({', '.join(extra)} "
                                "was unexpected)")
    ip_range, pool = _text(body, "ip_range"), _text(body, "pool", service.DEFAULT_POOL)
    interface = _text(body, "interface", service.DEFAULT_INTERFACE)
    await service.create_range(ctx.cloud, ctx.caller, ip_range, pool, interface)
    return json_response({"floating_ips_bulk_create": {
        "ip_range": ip_range, "pool": pool, "interface": interface}})


async def delete_floating_ips(ctx: Ctx) -> Response:
    """PUT /os-floating-ips-bulk/delete with {"ip_range": ...}."""
    legacy_only(ctx)
    if ctx.params["id"] != "delete":
        raise errors.NotFound("Unknown action")
    body = await ctx.json_object()
    ip_range = body.get("ip_range")
    if not isinstance(ip_range, str) or set(body) != {"ip_range"}:
        raise errors.BadRequest("Invalid input for field/attribute ip_range. A body "
                                "{\"ip_range\": <address or CIDR>} is required.")
    await service.delete_range(ctx.cloud, ctx.caller, ip_range)
    return json_response({"floating_ips_bulk_delete": ip_range})


ROUTES: list[Route] = [
    Route("GET", "/os-floating-ips-bulk", list_floating_ips),
    Route("POST", "/os-floating-ips-bulk", create_floating_ips),
    Route("GET", "/os-floating-ips-bulk/{id}", list_by_host),
    Route("PUT", "/os-floating-ips-bulk/{id}", delete_floating_ips),
]
