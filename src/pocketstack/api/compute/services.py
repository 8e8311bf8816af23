"""Compute: os-services, one nova-compute service per registered host (admin): list with
host/binary filters, and disable/enable (with an optional reason) as Nova 2.1 allows."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route
from pocketstack.services import hosts as host_service
from pocketstack.timeutil import iso_plain


def service_view(view: host_service.HostView) -> dict[str, Any]:
    row = view.row
    return {"id": row.id, "binary": host_service.COMPUTE_BINARY, "host": row.name,
            "zone": row.availability_zone, "status": view.status, "state": view.state,
            "updated_at": iso_plain(row.heartbeat_at), "disabled_reason": row.disabled_reason}


async def list_services(ctx: Ctx) -> Response:
    views = await host_service.list_services(ctx.cloud, ctx.caller, host=ctx.query.get("host"),
                                             binary=ctx.query.get("binary"))
    return json_response({"services": [service_view(v) for v in views]})


def _target(body: dict[str, Any], *, reason: bool = False) -> tuple[str, str, str | None]:
    host, binary = body.get("host"), body.get("binary")
    if not isinstance(host, str) or not isinstance(binary, str) or not host or not binary:
        raise errors.BadRequest("Missing host or binary in the request body.")
    text = body.get("disabled_reason")
    if reason and (not isinstance(text, str) or not text.strip() or len(text) > 255):
        raise errors.BadRequest("The string containing the reason for disabling the service "
                                "contains invalid characters or is too long.")
    return host, binary, text if reason else None


async def _update(ctx: Ctx, enabled: bool, with_reason: bool) -> Response:
    host, binary, reason = _target(await ctx.json_object(), reason=with_reason)
    await host_service.set_service_enabled(ctx.cloud, ctx.caller, host=host, binary=binary,
                                           enabled=enabled, reason=reason)
    body: dict[str, Any] = {"host": host, "binary": binary,
                            "status": "enabled" if enabled else "disabled"}
    if with_reason:
        body["disabled_reason"] = reason
    return json_response({"service": body})


async def enable_service(ctx: Ctx) -> Response:
    return await _update(ctx, True, False)


async def disable_service(ctx: Ctx) -> Response:
    return await _update(ctx, False, False)


async def disable_service_with_reason(ctx: Ctx) -> Response:
    return await _update(ctx, False, True)


ROUTES: list[Route] = [
    Route("GET", "/os-services", list_services),
    Route("PUT", "/os-services/enable", enable_service),
    Route("PUT", "/os-services/disable", disable_service),
    Route("PUT", "/os-services/disable-log-reason", disable_service_with_reason),
]
