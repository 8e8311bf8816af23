"""Compute os-agents (admin): guest agent builds. Served by the legacy /v2 API as the 2013
API had it; Nova removed the API later, so /v2.1 answers 410 Gone."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.compute.microversions import LEGACY_V2
from pocketstack.api.http import Ctx, empty, json_response
from pocketstack.api.routing import Route
from pocketstack.services import agents as service
from pocketstack.services.records import AgentBuildRow
from pocketstack.validation import invalid

CREATE_FIELDS = ("hypervisor", "os", "architecture", "version", "url", "md5hash")
UPDATE_FIELDS = ("url", "md5hash", "version")
GONE = "This resource is no longer available. No forwarding address is given."


def legacy_only(ctx: Ctx) -> None:
    """The API exists only under /v2; under /v2.1 it was removed (410, as Nova answers)."""
    if ctx.version != LEGACY_V2:
        raise errors.ApiError(GONE, code=410)


def view(row: AgentBuildRow) -> dict[str, Any]:
    return {"agent_id": str(row.id), "hypervisor": row.hypervisor, "os": row.os,
            "architecture": row.architecture, "version": row.version, "url": row.url,
            "md5hash": row.md5hash}


def _fields(body: dict[str, Any], names: tuple[str, ...], root: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in names:
        value = body.get(name)
        if name not in body:
            raise errors.BadRequest(f"Invalid input for field/attribute {root}. "
                                    f"'{name}' is a required property")
        if not isinstance(value, str) or not value.strip() or len(value) > 255:
            raise invalid(name, repr(value), "A string of 1 to 255 characters is required.")
        found[name] = value
    extra = set(body) - set(names)
    if extra:
        raise errors.BadRequest(f"Additional properties are not allowed ({', '.join(sorted(extra))} "
                                "was unexpected)")
    return found


async def list_agents(ctx: Ctx) -> Response:
    legacy_only(ctx)
    rows = await service.list_builds(ctx.cloud, ctx.caller, ctx.query.get("hypervisor"))
    return json_response({"agents": [view(r) for r in rows]})


async def create_agent(ctx: Ctx) -> Response:
    legacy_only(ctx)
    spec = service.AgentSpec(**_fields(await ctx.json_object("agent"), CREATE_FIELDS, "agent"))
    row = await service.create_build(ctx.cloud, ctx.caller, spec)
    return json_response({"agent": {**view(row), "agent_id": row.id}})


async def update_agent(ctx: Ctx) -> Response:
    legacy_only(ctx)
    values = _fields(await ctx.json_object("para"), UPDATE_FIELDS, "para")
    row = await service.update_build(ctx.cloud, ctx.caller, ctx.params["agent_id"], **values)
    return json_response({"agent": {"agent_id": str(row.id), "url": row.url,
                                    "md5hash": row.md5hash, "version": row.version}})


async def delete_agent(ctx: Ctx) -> Response:
    legacy_only(ctx)
    await service.delete_build(ctx.cloud, ctx.caller, ctx.params["agent_id"])
    return empty(200)


ROUTES: list[Route] = [
    Route("GET", "/os-agents", list_agents),
    Route("POST", "/os-agents", create_agent),
    Route("PUT", "/os-agents/{agent_id}", update_agent),
    Route("DELETE", "/os-agents/{agent_id}", delete_agent),
]
