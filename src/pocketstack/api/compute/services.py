"""Compute: os-services, one nova-compute service per registered host (admin): the list with
host/binary filters, updates and delete.

Per microversion, as Nova: before 2.53 PUT /os-services/{action} with the host and binary in
the body (enable, disable, disable-log-reason; force-down from 2.11) and integer ids; from
2.53 the service's uuid is its id, PUT /os-services/{uuid} sets status, disabled_reason and
forced_down and answers the whole service, and DELETE takes the uuid. The list shows
`forced_down` from 2.11 and refuses unknown query parameters from 2.75."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute import query_params as qp
from pocketstack.api.compute.microversions import LEGACY_V2, since
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import hosts as host_service
from pocketstack.timeutil import iso_plain
from pocketstack.validation import OSLO, invalid

AREA = "compute services"
FORCED_DOWN = since("2.11", AREA, "services show `forced_down`; new PUT /os-services/force-down")
UUIDS = since("2.53", AREA, "ids are uuids; PUT /os-services/{uuid} sets status, forced_down; "
              "DELETE by uuid; PUT actions gone")
since("2.69", AREA, "down cells' services would be partial: one cell here, so the list is unchanged")
STRICT_QUERY = since("2.75", AREA, "GET /os-services refuses unknown query parameters")

LIST_QUERY = {"host": qp.Param(), "binary": qp.Param()}
ACTIONS_V21 = ("enable", "disable", "disable-log-reason")
ACTIONS_V211 = (*ACTIONS_V21, "force-down")
BodyCheck = Callable[[Any], None]


def service_view(ctx: Ctx, view: host_service.HostView) -> dict[str, Any]:
    row = view.row
    body = {"id": row.uuid if ctx.version >= UUIDS else row.id,
            "binary": host_service.COMPUTE_BINARY, "host": row.name,
            "zone": row.availability_zone, "status": view.status, "state": view.state,
            "updated_at": iso_plain(row.heartbeat_at), "disabled_reason": row.disabled_reason}
    if ctx.version >= FORCED_DOWN:
        body["forced_down"] = row.forced_down
    return body


async def list_services(ctx: Ctx) -> Response:
    if ctx.version >= STRICT_QUERY:
        qp.validate(ctx, LIST_QUERY, strict=True)
    views = await host_service.list_services(ctx.cloud, ctx.caller,
                                             host=ctx.query.get("host") or None,
                                             binary=ctx.query.get("binary") or None)
    return json_response({"services": [service_view(ctx, v) for v in views]})


# --- request bodies, checked as Nova's schemas check them -----------------------------------


def _text(name: str, value: Any) -> None:
    if not isinstance(value, str):
        raise invalid(name, value, f"{value!r} is not of type 'string'")
    if not value:
        raise invalid(name, value, f"{value!r} should be non-empty")
    if len(value) > 255:
        raise invalid(name, value, f"{value!r} is too long")


def _host(value: Any) -> None:
    if not isinstance(value, str):
        raise invalid("host", value, f"{value!r} is not of type 'string'")
    problem = qp.fqdn(value)
    if problem:
        raise invalid("host", value, problem)


def _boolean(name: str, value: Any) -> None:
    if not isinstance(value, bool | str):
        raise invalid(name, value, f"{value!r} is not of type 'boolean', 'string'")
    if value not in qp.BOOLEAN_ENUM:
        raise invalid(name, value, f"{value!r} is not one of {qp.BOOLEAN_ENUM!r}")


def _status(value: Any) -> None:
    if not isinstance(value, str):
        raise invalid("status", value, f"{value!r} is not of type 'string'")
    if value not in ("enabled", "disabled"):
        raise invalid("status", value, f"{value!r} is not one of ['enabled', 'disabled']")


def _no_others(ctx: Ctx, body: dict[str, Any], known: tuple[str, ...]) -> None:
    """Nova refuses unknown keys, except on the legacy /v2 API, which ignores them."""
    extra = [k for k in body if k not in known]
    if extra and ctx.version != LEGACY_V2:
        raise errors.BadRequest(qp.unexpected(extra))


def check_action_body(ctx: Ctx, body: dict[str, Any]) -> tuple[str, str]:
    """The host and binary of a pre-2.53 update body (forced_down from 2.11)."""
    checks: dict[str, BodyCheck] = {"host": _host, "binary": lambda v: _text("binary", v),
              "disabled_reason": lambda v: _text("disabled_reason", v)}
    if ctx.version >= FORCED_DOWN:
        checks["forced_down"] = lambda v: _boolean("forced_down", v)
    for name, check in checks.items():
        if name in body:
            check(body[name])
    for name in ("host", "binary"):
        if name not in body:
            raise errors.BadRequest(f"'{name}' is a required property")
    _no_others(ctx, body, tuple(checks))
    return body["host"], body["binary"]


# --- updates --------------------------------------------------------------------------------


async def _action(ctx: Ctx, action: str, body: dict[str, Any]) -> dict[str, Any]:
    host, binary = check_action_body(ctx, body)
    if action not in (ACTIONS_V211 if ctx.version >= FORCED_DOWN else ACTIONS_V21):
        raise errors.NotFound("Unknown action")
    target = {"host": host, "binary": binary}
    if action == "force-down":
        if "forced_down" not in body:
            raise errors.BadRequest("Missing forced_down field")
        forced_down = bool(OSLO.parse(str(body["forced_down"])))
        await host_service.set_service_forced_down(ctx.cloud, ctx.caller, **target,
                                                   forced_down=forced_down)
        return {**target, "forced_down": forced_down}
    reason: str | None = None
    if action == "disable-log-reason":
        if "disabled_reason" not in body:
            raise errors.BadRequest("Missing disabled reason field")
        reason = body["disabled_reason"]
    enabled = action == "enable"
    await host_service.set_service_enabled(ctx.cloud, ctx.caller, **target, enabled=enabled,
                                           reason=reason)
    result = {**target, "status": "enabled" if enabled else "disabled"}
    if reason:
        result["disabled_reason"] = reason
    return result


def service_uuid(ctx: Ctx) -> str:
    value: str = ctx.params["service_id"]
    try:
        uuid.UUID(value)
    except ValueError:
        raise errors.BadRequest(f"Invalid uuid {value}") from None
    return value


async def _update_v253(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    checks: dict[str, BodyCheck] = {"status": _status, "disabled_reason": lambda v: _text("disabled_reason", v),
              "forced_down": lambda v: _boolean("forced_down", v)}
    for name, check in checks.items():
        if name in body:
            check(body[name])
    _no_others(ctx, body, tuple(checks))
    forced_down = None
    if "forced_down" in body:
        forced_down = OSLO.parse(str(body["forced_down"]))
    change = host_service.ServiceUpdate(status=body.get("status"),
                                        disabled_reason=body.get("disabled_reason"),
                                        forced_down=forced_down)
    view = await host_service.update_service(ctx.cloud, ctx.caller, service_uuid(ctx), change)
    return service_view(ctx, view)


async def update_service(ctx: Ctx) -> Response:
    body = await ctx.json_object()
    if ctx.version >= UUIDS:
        return json_response({"service": await _update_v253(ctx, body)})
    return json_response({"service": await _action(ctx, ctx.params["service_id"], body)})


async def delete_service(ctx: Ctx) -> Response:
    value = ctx.params["service_id"]
    if ctx.version >= UUIDS:
        service_id = service_uuid(ctx)
    else:
        try:
            service_id = str(int(value))
        except ValueError:
            raise errors.BadRequest("Invalid input received: id must be an integer") from None
    await host_service.delete_service(ctx.cloud, ctx.caller, service_id,
                                      by_uuid=ctx.version >= UUIDS)
    return empty(204)


ROUTES: list[Route] = [
    Route("GET", "/os-services", list_services),
    Route("PUT", "/os-services/{service_id}", update_service),
    Route("DELETE", "/os-services/{service_id}", delete_service),
]
