"""Compute os-cloudpipe (admin): list the projects' VPN servers, create one (a real server in
the project), and configure-project (its public address and port).
Served by the legacy /v2 API as the 2013 API had it; /v2.1 answers 410 Gone like Nova."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.agents import legacy_only
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import cloudpipe as service
from pocketstack.services.cloudpipe import Cloudpipe
from pocketstack.timeutil import iso_z
from pocketstack.validation import invalid


def view(pipe: Cloudpipe) -> dict[str, Any]:
    row = pipe.row
    created = pipe.created_at if isinstance(pipe.created_at, datetime) else row.created_at
    return {"created_at": iso_z(created), "instance_id": row.instance_id,
            "internal_ip": pipe.internal_ip, "project_id": row.project_id,
            "public_ip": row.public_ip, "public_port": row.public_port, "state": pipe.state}


def _extra(body: dict[str, Any], allowed: set[str]) -> None:
    extra = set(body) - allowed
    if extra:
        raise errors.BadRequest(f"Additional properties are not allowed ({', '.join(sorted(extra))} "
                                "was unexpected)")


async def list_cloudpipes(ctx: Ctx) -> Response:
    legacy_only(ctx)
    rows = await service.list_all(ctx.cloud, ctx.caller)
    return json_response({"cloudpipes": [view(r) for r in rows]})


async def create_cloudpipe(ctx: Ctx) -> Response:
    legacy_only(ctx)
    body = await ctx.json_object("cloudpipe")
    _extra(body, {"project_id"})
    project_id = body.get("project_id")
    if "project_id" in body and (not isinstance(project_id, str) or not project_id.strip()
                                 or len(project_id) > 64):
        raise errors.BadRequest(f"Invalid input for field/attribute project_id. Value: {project_id!r}.")
    row = await service.create(ctx.cloud, ctx.caller, project_id)
    return json_response({"instance_id": row.instance_id})


def _vpn_ip(value: Any) -> str:
    if isinstance(value, str):
        try:
            ipaddress.ip_address(value)
            return value
        except ValueError:
            pass
    raise invalid("vpn_ip", repr(value), "An IP address is required.")


def _port(value: Any) -> int:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise invalid("vpn_port", repr(value), "A port number from 1 to 65535 is required.")
    return int(text)


async def configure_project(ctx: Ctx) -> Response:
    legacy_only(ctx)
    body = await ctx.json_object("configure_project")
    _extra(body, {"vpn_ip", "vpn_port"})
    vpn_ip, port = _vpn_ip(body.get("vpn_ip")), _port(body.get("vpn_port"))
    await service.configure_project(ctx.cloud, ctx.caller, vpn_ip, port)
    return empty(202)


ROUTES: list[Route] = [
    Route("GET", "/os-cloudpipe", list_cloudpipes),
    Route("POST", "/os-cloudpipe", create_cloudpipe),
    Route("PUT", "/os-cloudpipe/configure-project", configure_project),
]
